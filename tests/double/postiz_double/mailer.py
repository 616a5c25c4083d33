# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Postiz's orchestrator does with a ``sendEmail`` signal: deliver the message (FACTS §2.8).

Postiz signals the ``sendEmailWorkflow`` in Temporal and its worker sends the mail through
the configured provider. The double has no worker, so after the signal was accepted it
sends the message itself, in the background, with the same rules:

- ``EMAIL_PROVIDER=nodemailer``: SMTP to ``EMAIL_HOST:EMAIL_PORT``. ``EMAIL_SECURE`` exactly
  ``true`` means implicit TLS from the first byte (nodemailer's ``secure: true``); anything
  else is a plain connection upgraded with STARTTLS when the server offers it (nodemailer's
  default). AUTH with ``EMAIL_USER``/``EMAIL_PASS`` when ``EMAIL_USER`` is set.
  The test double does not verify the server's certificate (test servers use their own).
- ``EMAIL_PROVIDER=resend``: the double never reaches the internet; it logs what it would
  have sent to Resend and sends nothing.
- anything else: no provider, nothing is sent.
- ``EMAIL_FROM_ADDRESS`` and ``EMAIL_FROM_NAME`` both required, else the message is
  skipped with Postiz's log line.

Log lines name the subject, the recipient and the server, never the password.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

from . import logs

CONTEXT = "EmailService"
SENDER_MISSING = "Email sender information not found in environment variables"
SMTP_TIMEOUT_SECONDS = 20.0
DEFAULT_SMTP_PORT = 587


@dataclass(frozen=True)
class MailSettings:
    provider: str | None
    host: str | None
    port: int | None
    secure: bool
    user: str | None
    password: str | None
    from_address: str | None
    from_name: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        def get(name: str) -> str | None:
            return env.get(name) or None

        port_text = get("EMAIL_PORT")
        try:
            port = int(port_text) if port_text else None
        except ValueError:
            port = None
        return cls(
            provider=get("EMAIL_PROVIDER"),
            host=get("EMAIL_HOST"),
            port=port,
            secure=env.get("EMAIL_SECURE") == "true",
            user=get("EMAIL_USER"),
            password=get("EMAIL_PASS"),
            from_address=get("EMAIL_FROM_ADDRESS"),
            from_name=get("EMAIL_FROM_NAME"),
        )


def build_message(settings: MailSettings, to: str, subject: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name or "", settings.from_address or ""))
    message["To"] = to
    message["Subject"] = subject
    message.set_content(html, subtype="html")
    return message


def _smtp_send(settings: MailSettings, message: EmailMessage) -> None:
    host = settings.host or "localhost"
    context = ssl.create_default_context()
    # A test double: the servers it talks to use certificates of their own.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if settings.secure:
        port = settings.port or 465
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        port = settings.port or DEFAULT_SMTP_PORT
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if not settings.secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password or "")
        client.send_message(message)


def deliver(settings: MailSettings, to: str, subject: str, html: str) -> bool:
    """Send one message the way Postiz's EmailService would; True when a server accepted it."""
    if "@" not in to:
        return False
    if not settings.from_address or not settings.from_name:
        logs.plain(SENDER_MISSING)
        return False
    if settings.provider == "resend":
        logs.warn(
            CONTEXT,
            f'Resend: not sending "{subject}" to {to}: the contract double never calls the Resend API',
        )
        return False
    if settings.provider != "nodemailer":
        return False
    where = (
        f"{settings.host or 'localhost'}:{settings.port or (465 if settings.secure else DEFAULT_SMTP_PORT)}"
    )
    try:
        _smtp_send(settings, build_message(settings, to, subject, html))
    except smtplib.SMTPAuthenticationError as exc:
        logs.error(
            CONTEXT,
            f"SMTP authentication as {settings.user} failed at {where}: {exc.smtp_code} {_text(exc.smtp_error)}",
        )
        return False
    except (smtplib.SMTPException, OSError) as exc:
        logs.error(
            CONTEXT, f'Sending "{subject}" to {to} through {where} failed: {type(exc).__name__}: {exc}'
        )
        return False
    logs.log(CONTEXT, f'Sent "{subject}" to {to} through {where}')
    return True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Mailer:
    """Background delivery, so a slow SMTP server never holds the HTTP answer (as in Postiz)."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._tasks: set[asyncio.Task] = set()

    def submit(self, to: str, subject: str, html: str) -> None:
        task = asyncio.get_running_loop().create_task(
            asyncio.to_thread(deliver, self.settings, to, subject, html)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every message in flight (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
