# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Port 5000: the image's nginx routing in front of the backend, the frontend and /uploads/."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from . import checker, frontend, logs, nginx, uploads
from .backend import build_backend
from .context import AppContext

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

API_PREFIX = "/api"


def _with_server_header(send: Send) -> Send:
    # nginx drops the upstream Server header and sets its own on every response.
    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
            headers.append((b"server", nginx.SERVER.encode("ascii")))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def run_configuration_check(env) -> None:
    issues = checker.check_configuration(env)
    for issue in issues:
        logs.warn(checker.CONTEXT, issue)
    summary = checker.summary_line(issues)
    (logs.warn if issues else logs.log)(checker.CONTEXT, summary)


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        logs.error(logs.DOUBLE, f"Readiness loop crashed: {type(exc).__name__}: {exc}")


class PublicApp:
    """ASGI app for the container's port 5000."""

    def __init__(self, ctx: AppContext, env: MutableMapping[str, str] | None = None):
        self.ctx = ctx
        self.env = env
        self.backend = build_backend(ctx)
        self._background: asyncio.Task | None = None
        self._resources = contextlib.AsyncExitStack()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # nginx config has no websocket upgrade handling for these paths
        send = _with_server_header(send)
        path: str = scope["path"]
        if path.startswith(API_PREFIX + "/"):
            if not self.ctx.readiness.ready:
                await nginx.bad_gateway()(scope, receive, send)
                return
            await self.backend(self._strip_api(scope), receive, send)
            return
        request = Request(scope, receive)
        relative = uploads.normalised_upload_path(path) if path.startswith(uploads.PREFIX) else None
        if relative is not None:
            response = uploads.serve(request, self.ctx.settings.uploads_root, relative)
        else:
            response = frontend.handle(request, self.ctx.settings)
        await response(scope, receive, send)

    @staticmethod
    def _strip_api(scope: Scope) -> Scope:
        stripped = dict(scope)
        stripped["path"] = scope["path"][len(API_PREFIX) :]
        raw = scope.get("raw_path")
        if isinstance(raw, (bytes, bytearray)) and raw.startswith(API_PREFIX.encode()):
            stripped["raw_path"] = bytes(raw[len(API_PREFIX) :])
        return stripped

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                run_configuration_check(os.environ if self.env is None else self.env)
                await self._resources.enter_async_context(self.backend.lifespan())
                self._background = asyncio.create_task(self.ctx.readiness.run(), name="readiness")
                self._background.add_done_callback(_report_crash)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._background is not None:
                    self._background.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await self._background
                await self._resources.aclose()
                logs.log(logs.DOUBLE, "Shut down")
                await send({"type": "lifespan.shutdown.complete"})
                return
