# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``/public/v1/*`` (public ``/api/public/v1/*``): the API-key API of FACTS §5.

Middleware order as in Nest: the key check (401) runs before the throttler guard (429),
which runs before body validation (400). Unknown routes are Nest 404s without any auth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import content_repo, logs, temporal_ops
from ..context import AppContext
from ..db import row_json, utcnow
from . import integration_schema, media_store, posts, public_auth, rate_limit, social_urls
from .bodies import BadBody, read_object
from .errors import internal_error, validation_failed
from .fields import Field, check
from .post_validation import is_verified

PREFIX = "/public/v1"
Org = dict[str, Any]
Handler = Callable[[Request, Org], Awaitable[Response]]

_WINDOW_QUERY = (
    Field("startDate", "date", True),
    Field("endDate", "date", True),
    Field("customer", "string"),
)
_URL_BODY = (Field("url", "url", True),)


def channel_json(row: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "name": row["name"],
        "identifier": row["providerIdentifier"],
        "picture": row["picture"],
        "disabled": row["disabled"],
        "profile": row["profile"],
    }
    if row.get("_customerId"):
        body["customer"] = {"id": row["_customerId"], "name": row["_customerName"]}
    return body


async def start_workflows(ctx: AppContext, created: list[posts.Created]) -> None:
    """After commit; Postiz swallows failures, so a refused start leaves the post in QUEUE."""
    starts = [
        temporal_ops.start_post_workflow(ctx.temporal, c.post_id, c.organization_id, c.activity_queue)
        for c in created
        if c.needs_workflow
    ]
    if starts:
        await asyncio.gather(*starts)


def routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings

    def keyed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            # Express' JSON parser runs before any Nest middleware: broken JSON is a 400 even
            # without a key, and it is not counted by the throttler.
            if "json" in request.headers.get("content-type", ""):
                try:
                    await read_object(request)
                except BadBody as exc:
                    return exc.response
            credential = request.headers.get("authorization")
            org = None
            if credential:
                async with ctx.database.connect() as conn:
                    org = await public_auth.organization_for(conn, credential)
            refusal = public_auth.public_refusal(credential, org, settings)
            if refusal is not None:
                return refusal
            url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if rate_limit.applies(request.method, url):
                hits, ttl = await ctx.kv.hit(rate_limit.key(org["id"]), rate_limit.WINDOW_MS)
                decision = rate_limit.decide(hits, ttl, settings.api_limit)
                if not decision.allowed:
                    return rate_limit.too_many_requests(decision)
            return await handler(request, org)

        return endpoint

    async def is_connected(request: Request, org: Org) -> Response:
        return JSONResponse({"connected": True})

    async def list_channels(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            rows = await content_repo.channels(conn, org["id"], request.query_params.get("group") or None)
        return JSONResponse([channel_json(r) for r in rows])

    async def delete_channel(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            row = await content_repo.soft_delete_channel(conn, org["id"], request.path_params["id"])
        if row is None:  # Prisma's update throws on a missing row
            logs.error("ExceptionsHandler", "No Integration found to delete")
            return internal_error()
        return JSONResponse(row_json(row))

    async def groups(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            rows = await content_repo.customers(conn, org["id"])
        return JSONResponse([{"id": r["id"], "name": r["name"]} for r in rows])

    async def channel_settings(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            row = await content_repo.channel(conn, org["id"], request.path_params["id"])
        if row is None:
            return JSONResponse({"msg": "Integration not found"}, status_code=404)
        premium = is_verified(row)
        return JSONResponse({"output": integration_schema.describe(row["providerIdentifier"], premium)})

    async def channel_trigger(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            row = await content_repo.channel(conn, org["id"], request.path_params["id"])
        if row is None:
            return JSONResponse({"msg": "Integration not found"}, status_code=404)
        return JSONResponse({"msg": "Tool not found"}, status_code=404)

    async def social(request: Request, org: Org) -> Response:
        return await social_urls.public_social_url(ctx, org["id"], request)

    async def find_slot(request: Request, org: Org) -> Response:
        # Postiz recurses forever on an unknown id (the request hangs); the double answers 404.
        async with ctx.database.connect() as conn:
            row = await content_repo.channel(conn, org["id"], request.path_params["id"])
            if row is None:
                return JSONResponse({"msg": "Integration not found"}, status_code=404)
            now = utcnow()
            taken = await content_repo.taken_publish_dates(conn, row["id"], now - timedelta(minutes=1))
        slot = posts.next_free_slot(now, posts.posting_minutes(row["postingTimes"]), taken)
        if slot is None:
            return JSONResponse({"msg": "Integration not found"}, status_code=404)
        return JSONResponse(posts.slot_json(slot))

    async def list_posts(request: Request, org: Org) -> Response:
        query = dict(request.query_params)
        errors = check(query, _WINDOW_QUERY)
        if errors:
            return validation_failed(errors)
        start, end = posts.parse_iso(query["startDate"]), posts.parse_iso(query["endDate"])
        async with ctx.database.connect() as conn:
            found = await posts.listed(conn, org["id"], start, end, query.get("customer") or None)
        return JSONResponse({"posts": [posts.public_post_json(row, moment) for row, moment in found]})

    async def create_posts(request: Request, org: Org) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        method = body.get("creationMethod") or "API"
        try:
            async with ctx.database.connect() as conn:
                created = await posts.create(conn, settings, org["id"], body, method)
        except posts.PostRejected as refusal:
            return JSONResponse(refusal.body, status_code=refusal.status)
        await start_workflows(ctx, created)
        return JSONResponse([c.json() for c in created], status_code=201)

    async def delete_post(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            row = await content_repo.post(conn, org["id"], request.path_params["id"])
            if row is None:  # known upstream issue: an unknown id is a 500
                logs.error("ExceptionsHandler", "Post not found")
                return internal_error()
            deleted = await content_repo.soft_delete_group(conn, org["id"], row["group"])
        await temporal_ops.terminate_post_workflows(ctx.temporal, deleted)
        return JSONResponse({"error": True})

    async def delete_group(request: Request, org: Org) -> Response:
        async with ctx.database.connect() as conn:
            deleted = await content_repo.soft_delete_group(conn, org["id"], request.path_params["group"])
        await temporal_ops.terminate_post_workflows(ctx.temporal, deleted)
        return JSONResponse({"error": True})

    async def upload(request: Request, org: Org) -> Response:
        try:
            form = await request.form()
        except Exception:  # not multipart, or a broken one
            return JSONResponse({"msg": "No file provided"}, status_code=400)
        try:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                return JSONResponse({"msg": "No file provided"}, status_code=400)
            size = file.size if file.size is not None else len(await file.read())
            try:
                media = await media_store.save(ctx, org["id"], file.file, size)
            except media_store.UploadRefused as refusal:
                return JSONResponse(refusal.body, status_code=refusal.status)
            return JSONResponse(media, status_code=201)
        finally:
            await form.close()

    async def upload_from_url(request: Request, org: Org) -> Response:
        try:
            body = await read_object(request)
        except BadBody as exc:
            return exc.response
        errors = check(body, _URL_BODY)
        if errors:
            return validation_failed(errors)
        try:
            media = await media_store.from_url(ctx, org["id"], body["url"])
        except media_store.UploadRefused as refusal:
            return JSONResponse(refusal.body, status_code=refusal.status)
        return JSONResponse(media, status_code=201)

    table: list[tuple[str, str, Handler]] = [
        ("GET", "/is-connected", is_connected),
        ("GET", "/integrations", list_channels),
        ("DELETE", "/integrations/{id}", delete_channel),
        ("GET", "/groups", groups),
        ("GET", "/integration-settings/{id}", channel_settings),
        ("POST", "/integration-trigger/{id}", channel_trigger),
        ("GET", "/social/{provider}", social),
        ("GET", "/find-slot/{id}", find_slot),
        ("GET", "/posts", list_posts),
        ("POST", "/posts", create_posts),
        ("DELETE", "/posts/group/{group}", delete_group),
        ("DELETE", "/posts/{id}", delete_post),
        ("POST", "/upload", upload),
        ("POST", "/upload-from-url", upload_from_url),
    ]
    return [Route(PREFIX + path, keyed(handler), methods=[method]) for method, path, handler in table]
