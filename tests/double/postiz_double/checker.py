# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Port of the behaviour of Postiz's ConfigurationChecker (FACTS §2.5).

Pure: takes an env mapping, returns the warning texts in the order Postiz checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

CONTEXT = "Configuration issue"
URL_KEYS = ("MAIN_URL", "FRONTEND_URL", "NEXT_PUBLIC_BACKEND_URL", "BACKEND_INTERNAL_URL")


def _is_valid_url(value: str) -> bool:
    """Approximates WHATWG ``new URL(value)`` success: an absolute URL with a scheme.

    Special schemes (http, https, ws, wss, ftp) also need a host, as in the URL standard.
    """
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    scheme = parts.scheme
    if not scheme or not scheme[0].isalpha():
        return False
    if any(not (c.isalnum() or c in "+-.") for c in scheme):
        return False
    if scheme.lower() in ("http", "https", "ws", "wss", "ftp"):
        try:
            return bool(parts.hostname)
        except ValueError:
            return False
    return len(value.strip()) > len(scheme) + 1


def _check_url(env: Mapping[str, str], key: str) -> list[str]:
    value = env.get(key) or ""
    if not value:
        return [f"{key} not set. "]
    if not _is_valid_url(value):
        return [f"{key} is not a valid URL"]
    if value.endswith("/"):
        return [f"{key} should not end with /"]
    return []


def check_configuration(env: Mapping[str, str]) -> list[str]:
    """Return the checker's warnings, in Postiz's order."""
    issues: list[str] = []

    redis_url = env.get("REDIS_URL") or ""
    if not redis_url:
        issues.append("REDIS_URL not set")
    elif not _is_valid_url(redis_url):
        issues.append("REDIS_URL is not a valid URL")
    elif urlsplit(redis_url).scheme.lower() != "redis":
        issues.append("REDIS_URL must start with redis://")

    issues.extend(_check_url(env, "DATABASE_URL"))

    if not env.get("JWT_SECRET"):
        issues.append("JWT_SECRET not set. ")

    for key in URL_KEYS:
        issues.extend(_check_url(env, key))

    if not env.get("STORAGE_PROVIDER"):
        issues.append("STORAGE_PROVIDER not set. Needed to setup storage.")

    return issues


def summary_line(issues: list[str]) -> str:
    if issues:
        return f"Configuration issues found: {len(issues)}"
    return "Configuration check completed without any issues"
