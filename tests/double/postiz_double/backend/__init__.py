"""The NestJS backend on :3000, seen with the ``/api`` prefix already stripped by nginx."""

from __future__ import annotations

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
from . import auth_routes, user_routes
from .errors import express_text, internal_error, not_found

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


def build_backend(ctx: AppContext) -> Starlette:
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # Express has no 405: an unknown method/path pair is Nest's 404.
        if exc.status_code in (404, 405):
            return not_found(request)
        return Response(status_code=exc.status_code)

    async def crash(request: Request, exc: Exception) -> Response:
        logs.error("ExceptionsHandler", describe_error(exc))
        return internal_error()

    routes = [Route("/", _root, methods=["GET"]), *auth_routes.routes(ctx), *user_routes.routes(ctx)]
    return Starlette(
        routes=routes,
        middleware=[_cors(ctx)],
        exception_handlers={HTTPException: http_error, Exception: crash},
    )
