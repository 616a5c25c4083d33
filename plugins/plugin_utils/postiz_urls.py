# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The public URL of a Postiz deployment and the URL variables derived from it.

Controller-side helpers of the ``selfhosted.postiz.postiz_*`` filters.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

URL_VARS = ("MAIN_URL", "FRONTEND_URL", "NEXT_PUBLIC_BACKEND_URL", "BACKEND_INTERNAL_URL")

# nginx in the official image proxies /api/ to the backend on port 3000 and the
# backend must therefore listen there; Next.js server code calls it directly.
BACKEND_INTERNAL_URL = "http://localhost:3000"

# Hosts where browsers accept Secure cookies over plain http.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

DEFAULT_PORTS = {"http": 80, "https": 443}

# -- URL helpers ---------------------------------------------------------------


def describe_type(value):
    """'a list', 'an int': the type of a bad value, for error messages."""
    name = type(value).__name__
    return ("an %s" if name[0] in "aeiou" else "a %s") % name


def split_http_url(value):
    """Return (parts, None) for a parseable http(s) URL, else (None, reason)."""
    if not isinstance(value, str):
        return None, f"it is {describe_type(value)}, not a string"
    if value != value.strip():
        return None, "it has spaces around it"
    if any(ch.isspace() for ch in value):
        return None, "it contains spaces"
    try:
        parts = urlsplit(value)
        _port = parts.port  # read only to raise ValueError for a bad port
    except ValueError as exc:
        return None, f"it cannot be parsed ({parse_error(value, exc)})"
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return None, "it must start with http:// or https://"
    if not parts.hostname:
        return None, "it has no host name"
    return parts, None


def browser_origin(parts):
    """scheme://host[:port] the way a browser writes it in the Origin header."""
    scheme = parts.scheme.lower()
    host = parts.hostname  # urlsplit lower-cases it already
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_URL_TOKEN = re.compile(r"\S*://\S*")


def mask_url(value):
    """The URL with its password replaced by ``***``, safe to put in any message, however
    malformed the URL is. Every message that shows a URL goes through here (the backup
    command, which stands alone, has a copy that a unit test compares with this one).

    Not urlsplit: a password with an unencoded '/', '#', '?' or '[' ends the user part
    early for it, and it then finds no password to hide. Here the user part runs from the
    first '://' (or the scheme's ':') to the last '@', and everything after its first ':'
    is hidden.
    """
    if not isinstance(value, str):
        return value
    at = value.rfind("@")
    slashes = value.find("://")
    scheme = _SCHEME.match(value)
    start = slashes + 3 if slashes >= 0 else (scheme.end() if scheme else 0)
    if at < start:
        return value
    user, colon, _dummy = value[start:at].partition(":")
    if not colon:
        return value
    return value[:start] + user + ":***" + value[at:]


def mask_urls(text):
    """The text with the password of every URL in it (a word containing '://') masked."""
    if not isinstance(text, str):
        return text
    return _URL_TOKEN.sub(lambda match: mask_url(match.group(0)), text)


def parse_error(value, exc):
    """Why urlsplit refused a URL, without its text: the exception quotes a piece of the
    URL (the port part), which for a password with an unencoded '/' is the password."""
    text = str(exc)
    if "IPv6" in text:
        reason = "its [ ] brackets do not hold an IPv6 address"
    elif "Port" in text or "port" in text:
        reason = "its port is not a number from 0 to 65535"
    else:
        reason = "it is not a URL"
    if "@" in value:
        reason += "; characters such as @ : / ? # [ ] in a user name or password must be percent-encoded"
    return reason


def url_trio(public_url):
    """The four URL variables for the URL users type in the browser."""
    parts, reason = split_http_url(public_url)
    if parts is None:
        raise AnsibleFilterError(
            f"The public URL {mask_url(public_url)!r} is not usable: {reason}. Give the address users type in the browser, "
            "like 'https://postiz.example.com'."
        )
    if parts.username is not None or parts.password is not None:
        raise AnsibleFilterError(
            f"The public URL {mask_url(public_url)!r} must not contain a user name or password."
        )
    if parts.query or parts.fragment or "?" in public_url or "#" in public_url:
        raise AnsibleFilterError(
            f"The public URL {mask_url(public_url)!r} must not have a query (?...) or fragment (#...): use only scheme, host "
            "and port, like 'https://postiz.example.com'."
        )
    if parts.path not in ("", "/"):
        raise AnsibleFilterError(
            f"The public URL {mask_url(public_url)!r} has the path {parts.path!r}, but Postiz must be served at the root of its host: "
            "nginx in the image routes /api/ and /uploads/ at the root. Use a dedicated host name "
            "or port instead, like 'https://postiz.example.com'."
        )
    if not parts.hostname.isascii():
        raise AnsibleFilterError(
            f"The public URL {mask_url(public_url)!r} has a non-ASCII host name; write it in its punycode (xn--) form, "
            "which is what browsers send."
        )
    frontend = browser_origin(parts)
    return {
        "MAIN_URL": frontend,
        "FRONTEND_URL": frontend,
        "NEXT_PUBLIC_BACKEND_URL": frontend + "/api",
        "BACKEND_INTERNAL_URL": BACKEND_INTERNAL_URL,
    }
