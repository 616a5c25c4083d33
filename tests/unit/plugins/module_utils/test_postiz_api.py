# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ensure_admin against a real loopback HTTP server faking the Postiz dashboard API."""

from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_api import (
    PostizApi,
    PostizApiError,
    PostizServerError,
    ensure_admin,
    session_token,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import HttpClient, HttpResponse
from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_postiz_server import FakePostiz

EMAIL = "Admin@Example.com"
PASSWORD = "correct-horse-battery"


pytestmark = pytest.mark.usefixtures("fast_retries")


def api_for(server_url, secrets=(PASSWORD,)):
    return PostizApi(server_url, http=HttpClient(timeout=5, secrets=list(secrets)))


def test_first_run_registers_then_reads_key(postiz):
    server = postiz()
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    user = server.users["admin@example.com"]
    assert (result.changed, result.created) == (True, True)
    assert result.api_key == user["api_key"] and len(result.api_key) == 64
    assert result.org_id == user["org_id"] and result.role == "SUPERADMIN"
    assert result.email == "admin@example.com"
    assert server.paths() == [
        "/api/auth/can-register",
        "/api/auth/login",
        "/api/auth/register",
        "/api/user/self",
    ]
    register = next(r for r in server.requests if r.path == "/api/auth/register").json()
    assert register == {"email": EMAIL, "password": PASSWORD, "company": "Example Ltd", "provider": "LOCAL"}


def test_second_run_logs_in_without_change(postiz):
    server = postiz()
    first = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    del server.requests[:]
    second = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert (second.changed, second.created) == (False, False)
    assert second.api_key == first.api_key
    assert "/api/auth/register" not in server.paths()


def test_email_exists_falls_back_to_login(postiz):
    # Login is refused, then someone else registers the account before our register.
    server = postiz(concurrent_registration=True)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert (result.changed, result.created) == (False, False)
    assert result.api_key == server.users["admin@example.com"]["api_key"]
    assert server.paths("POST") == ["/api/auth/login", "/api/auth/register", "/api/auth/login"]


def test_wrong_password_for_existing_account_fails_without_password(postiz):
    server = postiz()
    server.add_user(EMAIL, "the-real-one")
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    message = str(caught.value)
    assert f"has an account for {EMAIL} but refused its password" in message
    assert PASSWORD not in message and "the-real-one" not in message


def test_activation_by_email_on_register(postiz):
    server = postiz(email_provider=True)
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert "activated by e-mail" in str(caught.value)
    # A later run meets the inactive account at login and says the same.
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert "activated by e-mail" in str(caught.value)
    assert server.paths("POST")[-1] == "/api/auth/login"


def test_activation_reported_on_register_then_login_after_activation(postiz):
    server = postiz(email_provider=True)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", activation="report")
    assert (result.changed, result.created, result.activation_required) == (True, True, True)
    assert result.api_key is None and result.email == "admin@example.com"
    assert "/api/user/self" not in server.paths()
    # Activated (as the role does in the database): the next call logs in and reads the key.
    server.users["admin@example.com"]["activated"] = True
    again = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", activation="report")
    assert (again.changed, again.activation_required) == (False, False)
    assert again.api_key == server.users["admin@example.com"]["api_key"]


def test_activation_reported_for_an_inactive_account_at_login(postiz):
    # An earlier run registered it and stopped before activating it.
    server = postiz(email_provider=True)
    server.add_user(EMAIL, PASSWORD, activated=False)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", activation="report")
    assert (result.changed, result.created, result.activation_required) == (False, False, True)
    assert server.paths("POST") == ["/api/auth/login"]


def test_inactive_account_with_another_password_is_not_reported(postiz):
    server = postiz(email_provider=True)
    server.add_user(EMAIL, "the-real-one", activated=False)
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", activation="report")
    assert "refused its password" in str(caught.value)


def test_activation_reported_in_check_mode_without_registering(postiz):
    server = postiz(email_provider=True)
    server.add_user(EMAIL, PASSWORD, activated=False)
    result = ensure_admin(
        api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True, activation="report"
    )
    assert (result.changed, result.activation_required) == (False, True)
    assert "/api/auth/register" not in server.paths()


def test_unknown_activation_mode_is_refused(postiz):
    server = postiz()
    with pytest.raises(PostizApiError, match="activation must be one of fail, report"):
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", activation="ignore")


def test_registration_closed_and_login_refused(postiz):
    server = postiz(disable_registration=True)
    server.add_user("owner@example.com", "whatever")
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert "registration is closed" in str(caught.value)
    assert "/api/auth/register" not in server.paths()


def test_waits_through_502_until_ready(postiz):
    server = postiz(starting_502=3)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", wait_timeout=10)
    assert result.created
    assert server.paths()[:4] == ["/api/auth/can-register"] * 4


def test_gives_up_after_wait_timeout(postiz):
    server = postiz(starting_502=10**6)
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", wait_timeout=0.2)
    assert "did not become ready within 0.2 s" in str(caught.value)
    assert "HTTP 502" in str(caught.value)


def test_waits_while_connection_is_refused():
    # Find a free port, then start the server on it only after a while.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    started = {}

    def start_later():
        started["server"] = FakePostiz(port=port).start()

    timer = threading.Timer(0.3, start_later)
    timer.start()
    try:
        result = ensure_admin(
            api_for(f"http://127.0.0.1:{port}/"), EMAIL, PASSWORD, "Example Ltd", wait_timeout=10
        )
        assert result.created
    finally:
        timer.join()
        if "server" in started:
            started["server"].stop()


def test_refused_without_wait_fails_clearly():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(f"http://127.0.0.1:{port}"), EMAIL, PASSWORD, "Example Ltd", wait_timeout=0)
    assert "connection refused" in str(caught.value)


@pytest.mark.parametrize(
    "options",
    [
        dict(cookie=True, not_secured=False),
        dict(cookie=False, not_secured=True),
        dict(cookie=True, not_secured=True),
    ],
    ids=["cookie", "header", "both"],
)
def test_token_from_cookie_or_header_is_sent_as_auth_header(postiz, options):
    server = postiz(**options)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert result.api_key
    user_self = next(r for r in server.requests if r.path == "/api/user/self")
    assert server.tokens.get(user_self.headers["auth"]) == "admin@example.com"
    assert "cookie" not in user_self.headers


def test_no_session_in_answer_fails(postiz):
    server = postiz(cookie=False, not_secured=False)
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert "sent no session" in str(caught.value)


def test_check_mode_does_not_register(postiz):
    server = postiz()
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True)
    assert (result.changed, result.created, result.api_key) == (True, True, None)
    assert "/api/auth/register" not in server.paths() and not server.users


def test_check_mode_reads_key_of_existing_account(postiz):
    server = postiz()
    user = server.add_user(EMAIL, PASSWORD)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True)
    assert (result.changed, result.api_key) == (False, user["api_key"])


def test_member_role_cannot_read_key(postiz):
    server = postiz()
    server.add_user(EMAIL, PASSWORD, role="USER")
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert "has the role USER" in str(caught.value)


def test_url_with_api_suffix_gets_a_hint(postiz):
    server = postiz()
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url + "/api"), EMAIL, PASSWORD, "Example Ltd")
    assert "HTTP 404" in str(caught.value) and "without /api" in str(caught.value)


@pytest.mark.parametrize(
    "password, company, expected",
    [
        ("ab", "Example", "password must be 3 to 64"),
        ("x" * 65, "Example", "password must be 3 to 64"),
        (PASSWORD, "ab", "company must be 3 to 128"),
    ],
)
def test_values_postiz_would_refuse_fail_early(password, company, expected):
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for("http://127.0.0.1:9"), EMAIL, password, company)
    assert expected in str(caught.value) and password not in str(caught.value)


def test_secrets_are_redacted_from_server_texts(postiz):
    server = postiz()
    # A server that echoes the password back in an error must not get it into the message.
    original = server._login

    def echoing_login(handler, body):
        handler.send_body(400, "bad things happened to {}".format(body["password"]))

    server._login = echoing_login
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    server._login = original
    assert PASSWORD not in str(caught.value) and "<redacted>" in str(caught.value)


class _Headers:
    def __init__(self, pairs):
        self.pairs = pairs

    def get(self, name):
        return next((v for k, v in self.pairs if k.lower() == name.lower()), None)

    def get_all(self, name):
        return [v for k, v in self.pairs if k.lower() == name.lower()]


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("auth", "tok-header")], "tok-header"),
        (
            [
                ("Set-Cookie", "showorg=1; Path=/"),
                ("Set-Cookie", "auth=tok-cookie; Expires=Thu, 01 Jan 2099 00:00:00 GMT"),
            ],
            "tok-cookie",
        ),
        ([("Set-Cookie", "auth=; Max-Age=0")], None),
        ([], None),
    ],
)
def test_session_token_sources(pairs, expected):
    assert session_token(HttpResponse(200, _Headers(pairs), None)) == expected


def test_check_mode_does_not_wait_and_predicts_registration(postiz):
    server = postiz(starting_502=10**6)
    result = ensure_admin(
        api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True, wait_timeout=300
    )
    assert (result.changed, result.created, result.api_key) == (True, True, None)
    assert (
        result.unreachable
        == f"Postiz at {server.url} did not answer (HTTP 502 from the proxy; the backend is not up)"
    )
    assert server.paths() == ["/api/auth/can-register"]


def test_check_mode_still_fails_on_a_wrong_address(postiz):
    server = postiz()
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url + "/api"), EMAIL, PASSWORD, "Example Ltd", check_mode=True)
    assert "HTTP 404" in str(caught.value)


@pytest.mark.parametrize("failing", ["/api/auth/can-register", "/api/auth/login", "/api/user/self"])
def test_check_mode_on_a_failing_app_reports_it_unchecked(postiz, failing):
    server = postiz(failing_paths=[failing])
    server.add_user(EMAIL, PASSWORD)
    result = ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True)
    assert (result.changed, result.created, result.api_key) == (False, False, None)
    assert (
        "unexpected HTTP 500 from Postiz" in result.unchecked
        and "not checked in this dry run" in result.unchecked
    )
    assert PASSWORD not in result.unchecked and "/api/auth/register" not in server.paths()


def test_a_failing_app_fails_a_real_run(postiz):
    server = postiz(failing_paths=["/api/auth/login"])
    with pytest.raises(PostizServerError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd")
    assert f"logging in as {EMAIL}: unexpected HTTP 500" in str(caught.value)


def test_check_mode_still_fails_on_a_client_error(postiz):
    server = postiz()
    server.add_user(EMAIL, PASSWORD, role="USER")
    with pytest.raises(PostizApiError) as caught:
        ensure_admin(api_for(server.url), EMAIL, PASSWORD, "Example Ltd", check_mode=True)
    assert not isinstance(caught.value, PostizServerError) and "has the role USER" in str(caught.value)
