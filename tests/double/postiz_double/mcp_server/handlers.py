# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each MCP tool does for the organization of the calling key (FACTS §4.3).

A handler returns the tool's object (sent as ``structuredContent`` and as JSON text) or
raises ToolError for an ``isError`` result. Nothing here ever calls out of the machine:
AI and video tools answer with errors.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .. import content_repo, media_types
from ..backend import integration_schema, media_store, post_validation, posts
from ..backend.fields import check, is_iso_date
from ..backend.public_api import start_workflows
from ..context import AppContext
from ..db import iso, utcnow

NO_PICTURE = "/no-picture.jpg"
Args = dict[str, Any]
Org = dict[str, Any]


class ToolError(Exception):
    pass


class _Rollback(Exception):
    pass


def _utc_seconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


async def integration_list(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    async with ctx.database.connect() as conn:
        rows = await content_repo.channels(conn, org["id"], args.get("group") or None)
    output = []
    for row in rows:
        item = {
            "id": row["id"],
            "name": row["name"],
            "picture": row["picture"] or NO_PICTURE,
            "platform": row["providerIdentifier"],
            "disabled": row["disabled"],
            "display": row["profile"],
            "type": row["type"],
        }
        if row.get("_customerId"):
            item["customer"] = {"id": row["_customerId"], "name": row["_customerName"]}
        output.append(item)
    return {"output": output}


async def group_list(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    async with ctx.database.connect() as conn:
        rows = await content_repo.customers(conn, org["id"])
    return {"output": [{"id": r["id"], "name": r["name"]} for r in rows]}


async def integration_schema_tool(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    return {"output": integration_schema.describe(args["platform"], bool(args["isPremium"]))}


async def trigger(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    async with ctx.database.connect() as conn:
        row = await content_repo.channel(conn, org["id"], args["integrationId"])
    if row is None:
        raise ToolError("Integration not found")
    raise ToolError("Tool not found")  # integrationSchema lists no helper tools in the double


def _media_error(url: str, restrict: str | None) -> str | None:
    if not media_types.url_has_media_extension(url):
        return f"Attachment {url} must end with .png, .jpg, .jpeg, .gif, .webp or .mp4"
    if restrict and restrict not in url:
        return f"Attachment {url} must be hosted on {restrict}"
    return None


def _as_api_body(item: Args) -> dict[str, Any]:
    return {
        "type": item["type"],
        "date": item["date"],
        "shortLink": item["shortLink"],
        "tags": [],
        "posts": [
            {
                "integration": {"id": item["integrationId"]},
                "value": [
                    {
                        "content": p["content"],
                        "image": [{"id": media_types.random_name(), "path": url} for url in p["attachments"]],
                    }
                    for p in item["postsAndComments"]
                ],
                "settings": {s["key"]: s.get("value") for s in item["settings"]},
            }
        ],
    }


async def schedule_posts(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    """All entries in one transaction: any refusal leaves nothing behind."""
    errors: list[str] = []
    created: list[posts.Created] = []
    try:
        async with ctx.database.connect() as conn:
            for item in args["socialPost"]:
                problems = [
                    e
                    for p in item["postsAndComments"]
                    for url in p["attachments"]
                    if (e := _media_error(url, ctx.settings.restrict_upload_domains))
                ]
                if problems:
                    errors.extend(problems)
                    continue
                try:
                    created += await posts.create(
                        conn, ctx.settings, org["id"], _as_api_body(item), "MCP", premium=item["isPremium"]
                    )
                except posts.PostRejected as refusal:
                    errors.append(refusal.text)
            if errors:
                raise _Rollback
    except _Rollback:
        return {"output": {"errors": "\n".join(errors)}}
    await start_workflows(ctx, created)
    return {"output": [c.json() for c in created]}


async def posts_list(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    for key in ("startDate", "endDate"):
        if not is_iso_date(args[key]):
            raise ToolError(f"{key} must be a valid ISO 8601 date string")
    start, end = posts.parse_iso(args["startDate"]), posts.parse_iso(args["endDate"])
    async with ctx.database.connect() as conn:
        found = await posts.listed(conn, org["id"], start, end, args.get("customer") or None)
    listed = []
    for row, moment in found:
        listed.append(
            {
                "id": row["id"],
                "publishDate": _utc_seconds(moment),
                "state": row["state"],
                "content": row["content"],
                "settings": json.loads(row["settings"] or "{}"),
                "group": row["group"],
                "integrationId": row["integrationId"],
                "platform": row["_provider"],
                "integrationName": row["_channelName"],
            }
        )
    return {"output": {"posts": listed}}


async def post_settings(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    async with ctx.database.connect() as conn:
        row = await content_repo.post(conn, org["id"], args["id"])
        problem = None
        if row is None:
            problem = "Post not found"
        elif row["state"] == "PUBLISHED":
            problem = "Post is already published"
        elif row["parentPostId"]:
            problem = "Comments have no settings"
        elif row["publishDate"] < utcnow():
            problem = "Post date is in the past"
        if problem:
            return {"output": {"errors": problem}}
        merged = {
            **json.loads(row["settings"] or "{}"),
            **{s["key"]: s.get("value") for s in args["settings"]},
        }
        fields = post_validation.SETTINGS_FIELDS.get(merged.get("__type", ""))
        invalid = check(merged, fields, "settings.") if fields else []
        if invalid:
            return {"output": {"errors": "; ".join(invalid)}}
        await content_repo.update_post(
            conn, org["id"], row["id"], {"settings": json.dumps(merged, separators=(",", ":"))}
        )
    return {"output": {"postId": row["id"], "publishDate": iso(row["publishDate"])}}


async def video_options(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    return {"video": []}  # no generator is usable without its API keys


async def video_function(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    return {"error": f"Video generator {args['identifier']} not found"}


async def generate_video(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    return {"error": f"Video generator {args['identifier']} not found"}


def _ai_unavailable(ctx: AppContext, what: str) -> ToolError:
    if not ctx.settings.openai_api_key:
        return ToolError(f"OPENAI_API_KEY is not set: {what} needs OpenAI")
    return ToolError(f"{what} is not available in the Postiz contract double (it never calls OpenAI)")


async def generate_image(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    raise _ai_unavailable(ctx, "image generation")


async def upload_from_url(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    try:
        return await media_store.from_url(ctx, org["id"], args["url"])
    except media_store.UploadRefused as refusal:
        return {"error": refusal.message if refusal.status != 500 else "Internal server error"}


async def ask_postiz(ctx: AppContext, org: Org, args: Args) -> dict[str, Any]:
    raise _ai_unavailable(ctx, "ask_postiz")
