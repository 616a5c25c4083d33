# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MCP endpoints (FACTS §4.1, §4.2): ``/mcp/<key>`` and ``/mcp`` + ``Authorization: Bearer``.

Stateless streamable HTTP with JSON responses from the ``mcp`` SDK: every POST gets a
fresh transport, no ``Mcp-Session-Id`` is issued or needed. Like Postiz's Express
middleware, this runs in front of the Nest routes (and of their CORS), answers OPTIONS
itself, sets ``*`` CORS headers and overwrites ``Accept`` so JSON-only clients pass.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.responses import Response

from ..backend.errors import express_text
from ..backend.public_auth import organization_for
from ..context import AppContext
from . import tools

SERVER_NAME = "Postiz MCP"
SERVER_VERSION = "1.0.0"
ORGANIZATION_SCOPE_KEY = "postiz.organization"
ACCEPT = b"application/json, text/event-stream"
BEARER_PREFIX = "Bearer "  # removed literally and case-sensitively, as Postiz does
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"*"),
    (b"access-control-allow-headers", b"*"),
    (b"access-control-expose-headers", b"*"),
]
_PATH_KEY = re.compile(r"^/mcp/([^/]+)/?$")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def route_of(path: str) -> tuple[str, str | None] | None:
    """("bearer", None) for /mcp, ("path", key) for /mcp/<key>, None for anything else."""
    if path in ("/mcp", "/mcp/"):
        return "bearer", None
    match = _PATH_KEY.match(path)
    return ("path", unquote(match.group(1))) if match else None


def build_server(ctx: AppContext) -> Server:
    server: Server = Server(SERVER_NAME, version=SERVER_VERSION)

    @server.list_tools()
    async def list_tools():
        return [t.definition() for t in tools.TOOLS]

    @server.call_tool(validate_input=False)
    async def call_tool(name: str, arguments: dict[str, Any]):
        org = server.request_context.request.scope[ORGANIZATION_SCOPE_KEY]
        return await tools.call(ctx, org, name, arguments)

    @server.set_logging_level()
    async def set_logging_level(level) -> None:
        return None  # advertised like Mastra's server; the double sends no log notifications

    return server


def _with_cors(send: Send) -> Send:
    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *CORS_HEADERS]}
        await send(message)

    return wrapped


class McpEndpoint:
    def __init__(self, ctx: AppContext):
        self.ctx = ctx
        self.server = build_server(ctx)
        self.manager = StreamableHTTPSessionManager(self.server, json_response=True, stateless=True)

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """The SDK's task group, which must outlive every request (entered at app start-up)."""
        async with self.manager.run():
            yield

    async def _organization(
        self, kind: str, path_key: str | None, scope: Scope
    ) -> tuple[Any, Response | None]:
        if kind == "path":
            credential = path_key or ""
            refusal = express_text("Invalid API Key", 400)
        else:
            header = dict(scope.get("headers") or []).get(b"authorization")
            if not header:
                return None, express_text("Missing Authorization header", 401)
            credential = header.decode("latin-1").replace(BEARER_PREFIX, "", 1)
            refusal = express_text("Invalid API Key or OAuth token", 401)
        async with self.ctx.database.connect() as conn:
            org = await organization_for(conn, credential)
        return org, (refusal if org is None else None)

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, path_key: str | None, kind: str
    ) -> None:
        send = _with_cors(send)
        if scope["method"] == "OPTIONS":
            await Response(status_code=200)(scope, receive, send)
            return
        org, refusal = await self._organization(kind, path_key, scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept"]
        scope = {**scope, "headers": [*headers, (b"accept", ACCEPT)], ORGANIZATION_SCOPE_KEY: org}
        await self.manager.handle_request(scope, receive, send)
