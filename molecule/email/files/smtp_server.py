#!/usr/bin/python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real SMTP server for the e-mail scenario (aiosmtpd, Debian's python3-aiosmtpd).

Usage: smtp_server.py HOST PORT USER PASSWORD MAILDIR

Requires AUTH (PLAIN or LOGIN, over plain SMTP: a test network) with USER/PASSWORD
before MAIL FROM, and stores each accepted message as MAILDIR/<n>.json: the login it was
sent under, the envelope, the From/To/Subject headers and the decoded body. Every
authentication attempt goes to MAILDIR/auth.log as "<login> ok|refused" (never the
password).
"""

import json
import os
import sys
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST, PORT, USER, PASSWORD, MAILDIR = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
_LOCK = threading.Lock()


def _record_auth(login, ok):
    with _LOCK, open(os.path.join(MAILDIR, "auth.log"), "a", encoding="utf-8") as log:
        log.write(f"{login} {'ok' if ok else 'refused'}\n")


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    login = auth_data.login.decode("utf-8", "replace")
    ok = login == USER and auth_data.password.decode("utf-8", "replace") == PASSWORD
    _record_auth(login, ok)
    return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


class Store:
    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("html", "plain"))
        record = {
            "auth_login": session.auth_data,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "body": body.get_content() if body is not None else "",
        }
        with _LOCK:
            number = len([name for name in os.listdir(MAILDIR) if name.endswith(".json")]) + 1
            path = os.path.join(MAILDIR, f"{number:04d}.json")
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(record, handle)
            os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    os.makedirs(MAILDIR, exist_ok=True)
    controller = Controller(
        Store(),
        hostname=HOST,
        port=PORT,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
