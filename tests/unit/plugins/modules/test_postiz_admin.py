# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real postiz_admin entry point (real AnsibleModule argument handling and
no_log masking) against a real loopback HTTP server faking Postiz."""

from __future__ import annotations

import functools
import json

import pytest

from ansible_collections.selfhosted.postiz.plugins.modules import postiz_admin

EMAIL = "admin@example.com"
PASSWORD = "Sup3r-Secret-Passw0rd"


pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def run(run_module):
    """Run the module with args; return its parsed JSON result (plus the raw text)."""
    return functools.partial(run_module, postiz_admin.main)


def test_first_run_registers_and_returns_the_key(run, postiz):
    server = postiz()
    result = run(url=server.url, email=EMAIL, password=PASSWORD, company="Example Ltd")
    user = server.users[EMAIL]
    assert result["changed"] is True and result["created"] is True
    assert result["api_key"] == user["api_key"] and result["org_id"] == user["org_id"]
    assert result["role"] == "SUPERADMIN" and result["email"] == EMAIL
    # The key is returned as is, not masked, and only once; the password nowhere.
    assert "********" not in result["_raw"]
    assert result["_raw"].count(user["api_key"]) == 1
    assert PASSWORD not in result["_raw"]


def test_second_run_is_idempotent(run, postiz):
    server = postiz()
    first = run(url=server.url, email=EMAIL, password=PASSWORD)
    second = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert second["changed"] is False and second["created"] is False
    assert second["api_key"] == first["api_key"]
    assert server.paths("POST").count("/api/auth/register") == 1


def test_check_mode_first_run_registers_nothing(run, postiz):
    server = postiz()
    result = run(check_mode=True, url=server.url, email=EMAIL, password=PASSWORD)
    assert result["changed"] is True and result["created"] is True
    assert "api_key" not in result and "org_id" not in result
    assert not server.users and "/api/auth/register" not in server.paths()


def test_check_mode_existing_account_returns_the_key(run, postiz):
    server = postiz()
    user = server.add_user(EMAIL, PASSWORD)
    result = run(check_mode=True, url=server.url, email=EMAIL, password=PASSWORD)
    assert result["changed"] is False and result["api_key"] == user["api_key"]


def test_email_exists_falls_back_to_login(run, postiz):
    server = postiz(concurrent_registration=True)
    result = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert result["changed"] is False and result["api_key"] == server.users[EMAIL]["api_key"]


def test_wrong_password_fails_with_a_sentence(run, postiz):
    server = postiz()
    server.add_user(EMAIL, "another-password")
    result = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert result["failed"] is True
    assert result["msg"] == (
        f"Postiz has an account for {EMAIL} but refused its password: set password to the one this "
        "account was created with, or change the account password in Postiz"
    )
    assert PASSWORD not in result["_raw"] and "another-password" not in result["_raw"]
    assert server.users[EMAIL]["api_key"] not in result["_raw"]


def test_activation_required(run, postiz):
    server = postiz(email_provider=True)
    result = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert result["failed"] is True
    assert "activated by e-mail" in result["msg"] and "postiz_stack role" in result["msg"]


def test_activation_reported(run, postiz):
    server = postiz(email_provider=True)
    result = run(url=server.url, email=EMAIL, password=PASSWORD, activation="report")
    assert result.get("failed") is not True
    assert (result["changed"], result["created"], result["activation_required"]) == (True, True, True)
    assert "api_key" not in result
    server.users[EMAIL.lower()]["activated"] = True
    again = run(url=server.url, email=EMAIL, password=PASSWORD, activation="report")
    assert (again["changed"], again["activation_required"]) == (False, False) and again["api_key"]


def test_waits_for_502_then_succeeds(run, postiz):
    server = postiz(starting_502=2)
    result = run(url=server.url, email=EMAIL, password=PASSWORD, wait_timeout=10)
    assert result["changed"] is True and result["api_key"]


@pytest.mark.parametrize(
    "options", [dict(cookie=True), dict(cookie=False, not_secured=True)], ids=["cookie", "header"]
)
def test_cookie_or_header_session(run, postiz, options):
    server = postiz(**options)
    result = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert result["api_key"] == server.users[EMAIL]["api_key"]


def test_invocation_masks_the_password(run, postiz):
    server = postiz()
    result = run(url=server.url, email=EMAIL, password=PASSWORD)
    assert result["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_bad_ca_path_fails_clearly(run, tmp_path):
    missing = str(tmp_path / "nope.pem")
    result = run(url="https://127.0.0.1:9", email=EMAIL, password=PASSWORD, ca_path=missing)
    assert result["failed"] is True and f"cannot load the CA bundle {missing}" in result["msg"]


def test_check_mode_before_first_deploy_warns_instead_of_waiting(run):
    import socket

    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    result = run(
        check_mode=True, url=f"http://127.0.0.1:{port}", email=EMAIL, password=PASSWORD, wait_timeout=300
    )
    assert result["changed"] is True and result["created"] is True and "failed" not in result
    warning = result["warnings"][0]
    warning = warning["event"]["msg"] if isinstance(warning, dict) else warning
    assert warning == (
        f"Check mode: Postiz at http://127.0.0.1:{port} did not answer (connection refused); taken as not "
        "deployed yet, so the account is reported as to be created"
    )


def test_check_mode_on_a_failing_app_warns_and_reports_unchecked(run, postiz):
    server = postiz(failing_paths=["/api/auth/can-register"])
    server.add_user(EMAIL, PASSWORD)
    result = run(check_mode=True, url=server.url, email=EMAIL, password=PASSWORD)
    assert result["changed"] is False and result["checked"] is False and "api_key" not in result
    # ansible-core 2.19 sends warnings as structured events: look in their text.
    warnings = json.dumps(result["warnings"])
    assert "Check mode: checking whether Postiz is up: unexpected HTTP 500" in warnings
    assert "not checked in this dry run" in warnings and PASSWORD not in warnings


def test_a_real_run_reports_checked(run, postiz):
    server = postiz()
    assert run(url=server.url, email=EMAIL, password=PASSWORD)["checked"] is True
