# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The double's e-mail delivery against a small SMTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import email
import socketserver
import threading
from email.utils import parseaddr

import pytest
from postiz_double import mailer
from postiz_double.backend import validation
from postiz_double.config import load_settings

USER = "postiz-mailer"
PASSWORD = "smtp-secret-0001"


class _Handler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321, AUTH PLAIN and LOGIN) to receive one message."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def _read(self) -> str:
        return self.rfile.readline().decode().rstrip("\r\n")

    def _auth_ok(self, user: str, password: str) -> bool:
        self.server.auth_users.append(user)
        return (user, password) == (USER, PASSWORD)

    def handle(self) -> None:
        self._say("220 stub ESMTP")
        sender, recipients = None, []
        while True:
            line = self._read()
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250-stub")
                self._say("250 AUTH PLAIN LOGIN")
            elif verb == "AUTH":
                parts = line.split()
                if parts[1].upper() == "PLAIN":
                    _, user, password = base64.b64decode(parts[2]).decode().split("\0")
                else:
                    self._say("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self._read()).decode()
                    self._say("334 UGFzc3dvcmQ6")
                    password = base64.b64decode(self._read()).decode()
                self._say(
                    "235 ok"
                    if self._auth_ok(user, password)
                    else "535 5.7.8 Authentication credentials invalid"
                )
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().strip("<>")
                self._say("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                lines = []
                while (data := self._read()) != ".":
                    lines.append(data[1:] if data.startswith("..") else data)
                self.server.messages.append((sender, recipients, "\r\n".join(lines)))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.messages, server.auth_users = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _settings(server, **overrides) -> mailer.MailSettings:
    env = {
        "EMAIL_PROVIDER": "nodemailer",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.server_address[1]),
        "EMAIL_USER": USER,
        "EMAIL_PASS": PASSWORD,
        "EMAIL_FROM_ADDRESS": "postiz@example.test",
        "EMAIL_FROM_NAME": "Postiz Test",
    }
    env.update(overrides)
    return mailer.MailSettings.from_env({k: v for k, v in env.items() if v is not None})


def test_nodemailer_sends_through_the_server_as_the_configured_user(smtp_server, capsys):
    html = 'Click <a href="http://postiz.test/auth/activate/abc.def.ghi">here</a>'
    assert mailer.deliver(_settings(smtp_server), "owner@example.test", "Activate your account", html)
    assert smtp_server.auth_users == [USER]
    [(sender, recipients, data)] = smtp_server.messages
    assert (sender, recipients) == ("postiz@example.test", ["owner@example.test"])
    message = email.message_from_string(data)
    assert parseaddr(message["From"]) == ("Postiz Test", "postiz@example.test")
    assert message["Subject"] == "Activate your account"
    assert "http://postiz.test/auth/activate/abc.def.ghi" in message.get_payload(decode=True).decode()
    out = capsys.readouterr().out
    assert 'Sent "Activate your account" to owner@example.test' in out
    assert PASSWORD not in out


def test_a_wrong_password_is_logged_without_the_password(smtp_server, capsys):
    assert not mailer.deliver(_settings(smtp_server, EMAIL_PASS="wrong-pass-123"), "a@example.test", "s", "h")
    assert smtp_server.messages == []
    out = capsys.readouterr().out
    assert f"SMTP authentication as {USER} failed" in out and "535" in out
    assert "wrong-pass-123" not in out


def test_without_a_user_no_auth_is_attempted(smtp_server):
    assert mailer.deliver(
        _settings(smtp_server, EMAIL_USER=None, EMAIL_PASS=None), "a@example.test", "s", "h"
    )
    assert smtp_server.auth_users == [] and len(smtp_server.messages) == 1


@pytest.mark.parametrize("missing", ["EMAIL_FROM_ADDRESS", "EMAIL_FROM_NAME"])
def test_without_both_sender_values_nothing_is_sent(smtp_server, capsys, missing):
    assert not mailer.deliver(_settings(smtp_server, **{missing: ""}), "a@example.test", "s", "h")
    assert smtp_server.messages == []
    assert mailer.SENDER_MISSING in capsys.readouterr().out


@pytest.mark.parametrize("provider", ["resend", "smtp", ""])
def test_other_providers_send_nothing_over_smtp(smtp_server, provider):
    assert not mailer.deliver(_settings(smtp_server, EMAIL_PROVIDER=provider), "a@example.test", "s", "h")
    assert smtp_server.messages == []


def test_secure_is_the_exact_string_true():
    assert mailer.MailSettings.from_env({"EMAIL_SECURE": "true"}).secure is True
    for value in ("TRUE", "1", "yes", ""):
        assert mailer.MailSettings.from_env({"EMAIL_SECURE": value}).secure is False


def test_settings_carry_the_mail_values():
    settings = load_settings(
        {"EMAIL_PROVIDER": "nodemailer", "EMAIL_HOST": "mail.test", "EMAIL_PORT": "2525"}
    )
    assert (settings.mail.provider, settings.mail.host, settings.mail.port) == (
        "nodemailer",
        "mail.test",
        2525,
    )
    assert settings.email_activation_required


def test_forgot_return_needs_matching_passwords_and_a_token():
    assert validation.forgot_return_errors({"password": "abcd", "repeatPassword": "abcd", "token": "t"}) == []
    assert "repeatPassword must match password" in validation.forgot_return_errors(
        {"password": "abcd", "repeatPassword": "abce", "token": "t"}
    )
    assert "token must be a string" in validation.forgot_return_errors(
        {"password": "abcd", "repeatPassword": "abcd"}
    )
    assert validation.forgot_errors({"email": "a@example.test", "provider": "LOCAL"}) == []
