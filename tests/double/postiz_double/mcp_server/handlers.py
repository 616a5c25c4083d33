# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each MCP tool does for the organization of the calling key (FACTS §4.3).

A handler returns the tool's object (sent as ``structuredContent`` and as JSON text) or
raises ToolError for an ``isError`` result. Nothing here ever calls out of the machine:
AI and video tools answer with errors.
"""

from __future__ import annotations

from typing import Any

from .. import content_repo, media_types
from ..backend import integration_schema, media_store, posts
from ..backend.public_api import start_workflows
from ..context import AppContext

NO_PICTURE = "/no-picture.jpg"
Args = dict[str, Any]
Org = dict[str, Any]


class ToolError(Exception):
    pass


class _Rollback(Exception):
    pass


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
