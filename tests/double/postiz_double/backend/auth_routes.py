# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``/auth/*`` (public ``/api/auth/*``): sign-up, activation and login (FACTS §6.1, §6.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import jwt_hs256, logs, passwords, repo
from ..context import AppContext
from ..db import row_json
from ..temporal_ops import describe_error
from . import validation
from .bodies import BadBody, read_object
from .errors import express_text, validation_failed
from .session import attach_session, session_token

CONTEXT = "AuthController"


async def _registration_open(conn, ctx: AppContext) -> bool:
    # First user always allowed; DISABLE_REGISTRATION counts every org, even deleted ones.
    return not ctx.settings.disable_registration or await repo.count_organizations(conn) == 0


def routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings

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
                await ctx.temporal.send_email(
                    email, "Activate your account", f'<a href="{link}">Activate</a>'
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
        async with ctx.database.connect() as conn:
            user = await repo.activate_user(conn, str(claims.get("id")))
        if user is None:
            return JSONResponse({"can": False})
        response = JSONResponse({"can": True})
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

    return [
        Route("/auth/can-register", can_register, methods=["GET"]),
        Route("/auth/register", register, methods=["POST"]),
        Route("/auth/activate", activate, methods=["POST"]),
        Route("/auth/login", login, methods=["POST"]),
    ]
