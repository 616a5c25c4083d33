# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Input schemas of the MCP tools (FACTS §4.3), as zod-to-json-schema would print them.

Objects are closed (``additionalProperties: false``) in the advertised schema, but, like
zod's default parse, validation ignores unknown keys instead of failing on them.
"""

from __future__ import annotations

import copy
from typing import Any

JSON_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#"
STRING: dict[str, Any] = {"type": "string"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
ANY: dict[str, Any] = {}


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


def top(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {**obj(properties, required), "$schema": JSON_SCHEMA_DRAFT}


KEY_VALUES = {"type": "array", "items": obj({"key": STRING, "value": ANY}, ["key"])}

EMPTY = top({})
INTEGRATION_LIST = top({"group": described(STRING, "Only channels of this group (customer) id")})
INTEGRATION_SCHEMA = top(
    {
        "isPremium": described(BOOLEAN, "Whether the account is premium (X: longer posts)"),
        "platform": described(STRING, "Provider identifier, e.g. x, linkedin, youtube"),
    },
    ["isPremium", "platform"],
)
TRIGGER = top(
    {
        "integrationId": STRING,
        "methodName": described(STRING, "A methodName listed by integrationSchema"),
        "dataSchema": {"type": "array", "items": obj({"key": STRING, "value": STRING}, ["key", "value"])},
    },
    ["integrationId", "methodName", "dataSchema"],
)
_POST_ITEM = obj(
    {
        "content": described(STRING, "HTML: one <p> per line; allowed tags h1 h2 h3 u strong li ul p"),
        "attachments": described(
            {"type": "array", "items": STRING}, "Media URLs ending in .png .jpg .jpeg .gif .webp or .mp4"
        ),
    },
    ["content", "attachments"],
)
_SOCIAL_POST = obj(
    {
        "integrationId": described(STRING, "Channel id from integrationList"),
        "isPremium": BOOLEAN,
        "date": described(STRING, "Publish date in UTC, ISO 8601"),
        "shortLink": BOOLEAN,
        "type": {"type": "string", "enum": ["draft", "schedule", "now"]},
        "postsAndComments": described(
            {"type": "array", "items": _POST_ITEM}, "The post, then comments/thread"
        ),
        "settings": described(KEY_VALUES, "Provider settings from integrationSchema"),
    },
    ["integrationId", "isPremium", "date", "shortLink", "type", "postsAndComments", "settings"],
)
SCHEDULE_POST = top({"socialPost": {"type": "array", "items": _SOCIAL_POST}}, ["socialPost"])
VIDEO_OPTIONS = top({"reasoning": STRING})
VIDEO_FUNCTION = top({"identifier": STRING, "functionName": STRING}, ["identifier", "functionName"])
GENERATE_VIDEO = top(
    {
        "identifier": STRING,
        "output": {"type": "string", "enum": ["vertical", "horizontal"]},
        "customParams": KEY_VALUES,
    },
    ["identifier", "output", "customParams"],
)
GENERATE_IMAGE = top({"prompt": STRING}, ["prompt"])
UPLOAD_FROM_URL = top({"url": {"type": "string", "format": "uri"}}, ["url"])
ASK = top({"message": STRING}, ["message"])

INTEGRATION_LIST_OUTPUT = {
    "type": "object",
    "properties": {
        "output": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": STRING, "name": STRING, "picture": STRING, "platform": STRING},
                "required": ["id", "name", "picture", "platform"],
            },
        }
    },
    "required": ["output"],
}


def lenient(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema used to validate: unknown keys are stripped by zod, not refused."""
    copied = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("additionalProperties", None)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(copied)
    return copied
