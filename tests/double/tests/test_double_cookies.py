# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cookie domain (FACTS §2.4 rule 5) and the auth cookie attributes (§2.4 rule 6, §6.1, §5.6)."""

from datetime import UTC, datetime

import pytest
from postiz_double.cookies import cleared_cookie, cookie_domain, parse_cookie_header, session_cookie


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("http://localhost:4007", "localhost"),
        ("http://127.0.0.1:4007", "127.0.0.1"),
        ("http://[::1]:4007", "::1"),
        ("http://postiz", "postiz"),
        ("https://example.com", ".example.com"),
        ("https://postiz.example.com", ".example.com"),
        ("https://a.b.postiz.example.com:8443/x", ".example.com"),
        ("https://POSTIZ.Example.COM", ".example.com"),
        ("https://postiz.example.co.uk", ".example.co.uk"),
        ("https://postiz.lan", ".postiz.lan"),
        (None, None),
        ("", None),
        ("not a url", None),
    ],
)
def test_cookie_domain(url, domain):
    assert cookie_domain(url) == domain


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_secure_session_cookie():
    cookie = session_cookie("tok", ".example.com", not_secured=False, now=NOW)
    assert cookie == (
        "auth=tok; Domain=.example.com; Path=/; Expires=Sat, 02 Jan 2027 03:04:05 GMT; HttpOnly; Secure; SameSite=None"
    )


def test_not_secured_cookie_has_no_security_attributes():
    cookie = session_cookie("tok", "localhost", not_secured=True, now=NOW)
    assert cookie == "auth=tok; Domain=localhost; Path=/; Expires=Sat, 02 Jan 2027 03:04:05 GMT"


def test_cookie_without_domain():
    assert "Domain" not in session_cookie("tok", None, not_secured=True, now=NOW)


def test_cleared_cookie_expires_in_the_past():
    cookie = cleared_cookie("localhost", not_secured=False)
    assert cookie.startswith("auth=; Domain=localhost; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    assert cookie.endswith("HttpOnly; Secure; SameSite=None")


def test_parse_cookie_header_first_value_wins():
    assert parse_cookie_header('auth=a; x=1; auth=b; q="quoted"; broken') == {
        "auth": "a",
        "x": "1",
        "q": "quoted",
    }
