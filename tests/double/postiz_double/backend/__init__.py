# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NestJS backend on :3000, seen with the ``/api`` prefix already stripped by nginx."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import logs
from ..context import AppContext
from ..temporal_ops import describe_error
from . import auth_routes, public_api, social_urls, user_routes
from .errors import express_text, internal_error, not_found

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# The MCP Inspector origin is always allowed next to FRONTEND_URL and MAIN_URL (FACTS §2.4).
MCP_INSPECTOR_ORIGIN = "http://localhost:6274"


async def _root(request: Request) -> Response:
    return express_text("App is running!")


def _cors(ctx: AppContext) -> Middleware:
    settings = ctx.settings
    origins = [o for o in (settings.frontend_url, settings.main_url, MCP_INSPECTOR_ORIGIN) if o]
    exposed = ["reload", "onboarding", "activate"]
    if settings.not_secured:
        exposed += ["auth", "showorg", "impersonate"]
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=not settings.not_secured,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=exposed,
    )


def _nest_app(ctx: AppContext) -> Starlette:
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # Express has no 405: an unknown method/path pair is Nest's 404.
        if exc.status_code in (404, 405):
            return not_found(request)
        return Response(status_code=exc.status_code)

    async def crash(request: Request, exc: Exception) -> Response:
        logs.error("ExceptionsHandler", describe_error(exc))
        return internal_error()

    # Postiz v2.23.0 serves every route; MCP_ONLY (only GET / and MCP) came after it.
    routes = [
        Route("/", _root, methods=["GET"]),
        *auth_routes.routes(ctx),
        *user_routes.routes(ctx),
        *social_urls.dashboard_routes(ctx),
        *public_api.routes(ctx),
    ]
    return Starlette(
        routes=routes,
        middleware=[_cors(ctx)],
        exception_handlers={HTTPException: http_error, Exception: crash},
    )


class Backend:
    """MCP's Express middleware first (its own CORS), then the Nest app."""

    def __init__(self, ctx: AppContext):
        from ..mcp_server.server import McpEndpoint  # the SDK is heavy; import once here

        self.nest = _nest_app(ctx)
        self.mcp = McpEndpoint(ctx)
        self.ctx = ctx

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        try:
            async with self.mcp.lifespan():
                yield
        finally:
            await self.ctx.kv.close()
            await self.ctx.database.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from ..mcp_server.server import route_of

        route = route_of(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await self.nest(scope, receive, send)
            return
        try:
            await self.mcp(scope, receive, send, route[1], route[0])
        except Exception as exc:  # e.g. PostgreSQL lost while checking the key
            logs.error("ExceptionsHandler", describe_error(exc))
            await internal_error()(scope, receive, send)


def build_backend(ctx: AppContext) -> Backend:
    return Backend(ctx)
