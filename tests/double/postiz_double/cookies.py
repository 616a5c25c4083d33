# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``auth`` cookie as Postiz sets it (FACTS §2.4 rule 5/6, §6.1, §6.2, §5.6)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

AUTH_COOKIE = "auth"
SESSION_DAYS = 365

# Postiz uses tldts (the full Public Suffix List). The double uses "last two labels",
# plus this short list of common two-label public suffixes so that e.g.
# ``postiz.example.co.uk`` still yields ``.example.co.uk``. Other multi-label
# suffixes (and PSL private entries such as github.io) are NOT handled.
_TWO_LABEL_SUFFIXES = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "me.uk",
        "net.uk",
        "com.au",
        "net.au",
        "org.au",
        "edu.au",
        "gov.au",
        "co.nz",
        "org.nz",
        "net.nz",
        "co.jp",
        "ne.jp",
        "or.jp",
        "ac.jp",
        "com.br",
        "net.br",
        "org.br",
        "co.za",
        "org.za",
        "co.in",
        "net.in",
        "org.in",
        "com.cn",
        "net.cn",
        "org.cn",
        "com.mx",
        "com.ar",
        "com.tr",
        "com.tw",
        "com.sg",
        "com.hk",
        "co.il",
        "co.kr",
        "or.kr",
    }
)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def cookie_domain(frontend_url: str | None) -> str | None:
    """Registrable domain with a leading dot, or the bare host for localhost/IPs/single labels.

    Returns None when FRONTEND_URL is missing or has no host (the cookie then has no Domain).
    """
    if not frontend_url:
        return None
    try:
        host = urlsplit(frontend_url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    if _is_ip(host) or "." not in host:
        return host
    labels = host.split(".")
    if ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES:
        if len(labels) < 3:
            return host  # the host *is* a public suffix: tldts yields no domain
        return "." + ".".join(labels[-3:])
    return "." + ".".join(labels[-2:])


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _attributes(domain: str | None) -> list[str]:
    attrs = []
    if domain:
        attrs.append(f"Domain={domain}")
    attrs.append("Path=/")
    return attrs


def _security(not_secured: bool) -> list[str]:
    # Without NOT_SECURED the cookie only survives on HTTPS (or localhost) origins.
    return [] if not_secured else ["HttpOnly", "Secure", "SameSite=None"]


def session_cookie(token: str, domain: str | None, not_secured: bool, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    parts = [f"{AUTH_COOKIE}={token}", *_attributes(domain)]
    parts.append(f"Expires={_http_date(now + timedelta(days=SESSION_DAYS))}")
    parts.extend(_security(not_secured))
    return "; ".join(parts)


def cleared_cookie(domain: str | None, not_secured: bool) -> str:
    parts = [f"{AUTH_COOKIE}=", *_attributes(domain)]
    parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    parts.extend(_security(not_secured))
    return "; ".join(parts)


def parse_cookie_header(header: str) -> dict[str, str]:
    """Lenient Cookie header parser (first value wins, like the ``cookie`` npm module)."""
    jar: dict[str, str] = {}
    for chunk in (header or "").split(";"):
        name, sep, value = chunk.strip().partition("=")
        if not sep or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        jar.setdefault(name, value)
    return jar
