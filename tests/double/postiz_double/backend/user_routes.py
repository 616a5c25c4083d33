# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``/user/*`` (public ``/api/user/*``): the session user, its orgs and the API key (FACTS §6.4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import logs, repo
from ..context import AppContext
from ..db import row_json
from .errors import unauthorized_logout
from .session import Session, resolve, verified_user_id

KEY_ROLES = ("SUPERADMIN", "ADMIN")
# Without Stripe every organization is on the top tier with practically no channel cap.
UNBILLED_TIER = "ULTIMATE"
UNBILLED_CHANNELS = 10000

Handler = Callable[[Request, Any, Session], Awaitable[Response]]


def _organization_json(org: dict[str, Any]) -> dict[str, Any]:
    return row_json(org, drop=("_role", "_disabled"))


def routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings

    def authenticated(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            user_id = verified_user_id(request, settings)
            if user_id is None:
                return unauthorized_logout(settings)
            async with ctx.database.connect() as conn:
                session = await resolve(request, conn, settings, user_id)
                if session is None:
                    return unauthorized_logout(settings)
                return await handler(request, conn, session)

        return endpoint

    async def self_(request: Request, conn, session: Session) -> Response:
        org = session.organization
        body = row_json(session.user, drop=("password",))
        body.update(
            {
                "orgId": org["id"],
                "totalChannels": UNBILLED_CHANNELS,
                "tier": UNBILLED_TIER,
                "role": session.role,
                "publicApi": (org.get("apiKey") or "") if session.role in KEY_ROLES else "",
            }
        )
        return JSONResponse(body)

    async def organizations(request: Request, conn, session: Session) -> Response:
        listed = []
        for org in session.organizations:
            item = _organization_json(org)
            item["users"] = [{"disabled": org["_disabled"], "role": org["_role"]}]
            item["subscription"] = None
            listed.append(item)
        return JSONResponse(listed)

    async def rotate(request: Request, conn, session: Session) -> Response:
        updated = await repo.set_api_key(conn, session.organization["id"])
        logs.log("UsersController", "Rotated an organization API key")
        return JSONResponse(_organization_json(updated), status_code=201)

    return [
        Route("/user/self", authenticated(self_), methods=["GET"]),
        Route("/user/organizations", authenticated(organizations), methods=["GET"]),
        Route("/user/api-key/rotate", authenticated(rotate), methods=["POST"]),
    ]
