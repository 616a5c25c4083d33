# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``/auth/*`` (public ``/api/auth/*``): sign-up, activation, login and password reset (FACTS §6.1, §6.2).

E-mails go the way Postiz sends them: a ``sendEmail`` signal to Temporal, then (standing in
for the orchestrator's worker) delivery through the configured provider (``mailer.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import jwt_hs256, logs, passwords, repo
from ..context import AppContext
from ..db import row_json
from ..temporal_ops import describe_error
from . import validation
from .bodies import BadBody, read_object
from .errors import express_text, internal_error, validation_failed
from .session import attach_session, session_token

CONTEXT = "AuthController"
# Password-reset links expire after 20 minutes; the token carries the deadline as dayjs
# formats it ("YYYY-MM-DD HH:mm:ss", the container's local time).
RESET_MINUTES = 20
RESET_EXPIRY_FORMAT = "%Y-%m-%d %H:%M:%S"


async def _registration_open(conn, ctx: AppContext) -> bool:
    # First user always allowed; DISABLE_REGISTRATION counts every org, even deleted ones.
    return not ctx.settings.disable_registration or await repo.count_organizations(conn) == 0


def routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings

    async def send_email(to: str, subject: str, html: str) -> None:
        """Signal Temporal (raises when it refuses), then deliver as the worker would."""
        await ctx.temporal.send_email(to, subject, html)
        ctx.mailer.submit(to, subject, html)

    async def can_register(request: Request) -> Response:
        async with ctx.database.connect() as conn:
            return JSONResponse({"register": await _registration_open(conn, ctx)})

    async def register(request: Request) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        errors = validation.register_errors(body)
        if errors:
            return validation_failed(errors)
        if body["provider"] != "LOCAL":
            return express_text("Only LOCAL sign-up is implemented by the contract double", 400)
        email = body["email"].lower()
        activation = settings.email_activation_required
        async with ctx.database.connect() as conn:
            if not await _registration_open(conn, ctx):
                return express_text("Registration is disabled", 400)
            if settings.disallow_plus and "+" in email:
                return express_text("Email with plus sign is not allowed", 400)
            if await repo.user_by_email(conn, email) is not None:
                return express_text("Email already exists", 400)
            _org, user = await repo.create_owner(
                conn,
                email=email,
                password_hash=passwords.hash_password(body["password"]),
                company=body["company"],
                activated=not activation,
            )
        # Rows are committed before the e-mail is queued: a Temporal failure leaves the
        # account behind and a retry says "Email already exists" (FACTS §6.1).
        logs.log(CONTEXT, "Registered a new organization owner")
        if activation:
            code = jwt_hs256.encode(row_json(user, drop=("password",)), settings.jwt_secret)
            link = f"{settings.frontend_url or ''}/auth/activate/{code}"
            try:
                await send_email(
                    email,
                    "Activate your account",
                    f'Click <a href="{link}">here</a> to activate your account',
                )
            except Exception as exc:  # Postiz answers 400 with the error text
                return express_text(describe_error(exc), 400)
            return JSONResponse({"activate": True}, headers={"activate": "true"})
        response = JSONResponse({"register": True}, headers={"onboarding": "true"})
        attach_session(response, session_token(user, settings.jwt_secret), settings)
        return response

    async def activate(request: Request) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        try:
            claims = jwt_hs256.decode(str(body.get("code") or ""), settings.jwt_secret or "")
        except jwt_hs256.InvalidToken:
            return JSONResponse({"can": False})
        # Only a code issued to an inactive account, and only while it is still inactive.
        if not claims.get("id") or claims.get("activated"):
            return JSONResponse({"can": False})
        async with ctx.database.connect() as conn:
            current = await repo.user_by_email(conn, str(claims.get("email") or ""))
            if current is None or current["activated"]:
                return JSONResponse({"can": False})
            user = await repo.activate_user(conn, str(claims.get("id")))
        if user is None:
            return JSONResponse({"can": False})
        response = JSONResponse({"can": True}, headers={"onboarding": "true"})
        attach_session(response, session_token(user, settings.jwt_secret), settings)
        return response

    async def login(request: Request) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        errors = validation.login_errors(body)
        if errors:
            return validation_failed(errors)
        async with ctx.database.connect() as conn:
            user = await repo.user_by_email(conn, body["email"].lower(), body["provider"])
        if user is None or not passwords.verify_password(body["password"], user.get("password")):
            return express_text("Invalid user name or password", 400)
        if not user["activated"]:
            return express_text("User is not activated", 400)
        response = JSONResponse({"login": True}, headers={"reload": "true"})
        attach_session(response, session_token(user, settings.jwt_secret), settings)
        return response

    async def forgot(request: Request) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        errors = validation.forgot_errors(body)
        if errors:
            return validation_failed(errors)
        # Unknown addresses and other providers get the same answer and no e-mail.
        try:
            async with ctx.database.connect() as conn:
                user = await repo.user_by_email(conn, body["email"].lower())
            if user is not None:
                expires = (datetime.now() + timedelta(minutes=RESET_MINUTES)).strftime(RESET_EXPIRY_FORMAT)
                token = jwt_hs256.encode({"id": user["id"], "expires": expires}, settings.jwt_secret)
                link = f"{settings.frontend_url or ''}/auth/forgot/{token}"
                await send_email(
                    user["email"],
                    "Reset your password",
                    "You have requested to reset your password. <br/> "
                    f'Click <a href="{link}">here</a> to reset your password <br/> '
                    f"The link will expire in {RESET_MINUTES} minutes",
                )
        except Exception:
            return JSONResponse({"forgot": False}, status_code=201)
        return JSONResponse({"forgot": True}, status_code=201)

    async def forgot_return(request: Request) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        errors = validation.forgot_return_errors(body)
        if errors:
            return validation_failed(errors)
        try:
            claims = jwt_hs256.decode(body["token"], settings.jwt_secret or "")
        except jwt_hs256.InvalidToken:
            return internal_error()  # Postiz lets the JWT error through: a Nest 500
        try:
            expires = datetime.strptime(str(claims.get("expires")), RESET_EXPIRY_FORMAT)
        except ValueError:
            return JSONResponse({"reset": False}, status_code=201)
        if datetime.now() > expires:
            return JSONResponse({"reset": False}, status_code=201)
        async with ctx.database.connect() as conn:
            user = await repo.set_password(
                conn, str(claims.get("id")), passwords.hash_password(body["password"])
            )
        if user is None:
            return internal_error()
        logs.log(CONTEXT, "Password reset")
        return JSONResponse({"reset": True}, status_code=201)

    return [
        Route("/auth/forgot", forgot, methods=["POST"]),
        Route("/auth/forgot-return", forgot_return, methods=["POST"]),
        Route("/auth/can-register", can_register, methods=["GET"]),
        Route("/auth/register", register, methods=["POST"]),
        Route("/auth/activate", activate, methods=["POST"]),
        Route("/auth/login", login, methods=["POST"]),
    ]
