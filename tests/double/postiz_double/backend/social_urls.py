# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Authorize-URL routes (FACTS §3.1): the public one (API key) and the dashboard one (JWT).

The state is stored in Redis as Postiz does, for 3600 s: ``organization:<state>`` (org
id), ``login:<state>`` (PKCE code verifier) and ``refresh:<state>`` when reconnecting.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import authorize_urls, logs, providers
from ..context import AppContext
from .errors import unauthorized_logout
from .session import resolve, verified_user_id

NOT_ALLOWED = {"msg": "Integration not allowed"}
PUBLIC_FAILURE = {"msg": "Failed to generate auth URL"}
DASHBOARD_FAILURE = {"err": True}


async def build_url(ctx: AppContext, org_id: str, identifier: str, refresh: str | None) -> str:
    """Store the state and return the URL; raises NeedsLiveCall (X)."""
    state = authorize_urls.make_state(authorize_urls.state_length(identifier))
    verifier = authorize_urls.code_verifier()
    url = authorize_urls.authorize_url(identifier, ctx.settings.url_env, state, verifier)
    ttl = authorize_urls.STATE_TTL_SECONDS
    await ctx.kv.set_ex(f"organization:{state}", org_id, ttl)
    await ctx.kv.set_ex(f"login:{state}", verifier, ttl)
    if refresh:
        await ctx.kv.set_ex(f"refresh:{state}", refresh, ttl)
    return url


async def public_social_url(ctx: AppContext, org_id: str, request: Request) -> Response:
    identifier = request.path_params["provider"]
    if not providers.allowed(identifier):
        return JSONResponse(NOT_ALLOWED, status_code=400)
    try:
        url = await build_url(ctx, org_id, identifier, request.query_params.get("refresh"))
    except authorize_urls.NeedsLiveCall:
        logs.error("PublicIntegrationsController", f"{identifier}: the request-token call needs the platform")
        return JSONResponse(PUBLIC_FAILURE, status_code=500)
    return JSONResponse({"url": url})


def dashboard_routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings

    async def social(request: Request) -> Response:
        user_id = verified_user_id(request, settings)
        if user_id is None:
            return unauthorized_logout(settings)
        async with ctx.database.connect() as conn:
            session = await resolve(request, conn, settings, user_id)
        if session is None:
            return unauthorized_logout(settings)
        identifier = request.path_params["provider"]
        if not providers.allowed(identifier):
            return JSONResponse(NOT_ALLOWED, status_code=400)
        try:
            url = await build_url(
                ctx, session.organization["id"], identifier, request.query_params.get("refresh")
            )
        except authorize_urls.NeedsLiveCall:
            return JSONResponse(DASHBOARD_FAILURE)
        return JSONResponse({"url": url})

    return [Route("/integrations/social/{provider}", social, methods=["GET"])]
