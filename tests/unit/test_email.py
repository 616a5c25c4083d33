# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""E-mail (postiz_stack_email): the role's checks, run by Ansible, refuse what Postiz cannot use
with a sentence that names options, never the password or the key; the app env gets the
variables Postiz reads, EMAIL_SECURE only as the exact 'true'."""

from __future__ import annotations

import pytest
from test_wiring import _play, _run_play

PASSWORD = "SmtpPassword-0000000000000001"
RESEND_KEY = "re_ResendKey0000000000000000000001"
SMTP = {
    "provider": "smtp",
    "host": "smtp.example.com",
    "port": 587,
    "user": "postiz@example.com",
    "password": PASSWORD,
    "from_name": "Postiz",
    "from_address": "postiz@example.com",
}
RESEND = {
    "provider": "resend",
    "resend_api_key": RESEND_KEY,
    "from_name": "Postiz",
    "from_address": "p@example.com",
}


def _checks(tmp_path, email, env_custom=None):
    play_vars = {
        "postiz_stack_project_dir": str(tmp_path / "project"),
        "postiz_stack_env_custom": env_custom or {},
    }
    if email is not None:
        play_vars["postiz_stack_email"] = email
    play = [
        {
            "name": "The e-mail checks as the role runs them",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": play_vars,
            "tasks": [
                {
                    "name": "Check the e-mail settings",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.postiz_stack",
                        "tasks_from": "validate_email",
                    },
                }
            ],
        }
    ]
    rc, tasks, output = _run_play(tmp_path, play)
    assert PASSWORD not in output and RESEND_KEY not in output
    return rc, [" ".join(task["result"]["msg"].split()) for task in tasks if task["result"].get("failed")]


@pytest.mark.parametrize(
    "email", [None, {"provider": "none"}, SMTP, RESEND, dict(SMTP, secure=True, port=465)]
)
def test_good_settings_pass_every_check(tmp_path, email):
    rc, failures = _checks(tmp_path, email)
    assert rc == 0 and failures == []


@pytest.mark.parametrize(
    "email, custom, refusal",
    [
        (
            {"provider": "sendgrid"},
            None,
            'provider is "sendgrid", but Postiz sends e-mail either through an SMTP',
        ),
        (dict(RESEND, host="smtp.example.com"), None, "has host, which provider resend does not take"),
        ({"provider": "none", "from_name": "x"}, None, "has from_name, which provider none does not take"),
        (dict(SMTP, from_name=""), None, "provider: smtp but no value for from_name. SMTP needs host"),
        (
            {"provider": "resend", "from_name": "P"},
            None,
            "no value for resend_api_key, from_address. Resend needs",
        ),
        (dict(SMTP, from_address="Postiz <p@example.com>"), None, "must be a plain e-mail address"),
        (dict(SMTP, port=70000), None, 'port is "70000", but it must be a TCP port from 1 to 65535'),
        (dict(SMTP, port=0), None, 'port is "0", but it must be a TCP port from 1 to 65535'),
        (dict(SMTP, host="localhost"), None, "postiz_stack_email.host points at the host 'localhost'"),
        (dict(SMTP, host="127.0.0.1"), None, "postiz_stack_email.host points at the host '127.0.0.1'"),
        (dict(SMTP, password=""), None, "has user but no password: SMTP authentication needs both"),
        (SMTP, {"EMAIL_PASS": "x", "LOG_LEVEL": "debug"}, "postiz_stack_env_custom sets EMAIL_PASS, which"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(tmp_path, email, custom, refusal):
    rc, failures = _checks(tmp_path, email, custom)
    assert rc != 0 and len(failures) == 1, failures
    assert refusal in failures[0], failures[0]


def test_smtp_writes_the_nodemailer_variables_without_email_secure(tmp_path):
    env = _play(tmp_path, {}, variables={"postiz_stack_email": SMTP})[1]
    assert {key: value for key, value in env.items() if key.startswith(("EMAIL_", "RESEND_"))} == {
        "EMAIL_PROVIDER": "nodemailer",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_USER": "postiz@example.com",
        "EMAIL_PASS": PASSWORD,
        "EMAIL_FROM_NAME": "Postiz",
        "EMAIL_FROM_ADDRESS": "postiz@example.com",
    }


def test_secure_smtp_writes_exactly_true_and_port_465_by_default(tmp_path):
    email = {k: v for k, v in SMTP.items() if k not in ("port", "user", "password")}
    env = _play(tmp_path, {}, variables={"postiz_stack_email": dict(email, secure=True)})[1]
    assert (env["EMAIL_SECURE"], env["EMAIL_PORT"]) == ("true", "465")
    assert "EMAIL_USER" not in env and "EMAIL_PASS" not in env


def test_resend_and_none(tmp_path):
    env = _play(tmp_path, {}, variables={"postiz_stack_email": RESEND})[1]
    assert {key: value for key, value in env.items() if key.startswith(("EMAIL_", "RESEND_"))} == {
        "EMAIL_PROVIDER": "resend",
        "RESEND_API_KEY": RESEND_KEY,
        "EMAIL_FROM_NAME": "Postiz",
        "EMAIL_FROM_ADDRESS": "p@example.com",
    }
    env = _play(tmp_path, {})[1]
    assert not [key for key in env if key.startswith(("EMAIL_", "RESEND_"))]
