# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MCP tool list of Postiz v2.23.0 (names, schemas, annotations of FACTS §4.3 as v2.23.0 has
them: 11 tools, no postsListTool or postSettingsTool, which came later) and call dispatch.

Results: ``structuredContent`` is the tool's object and ``content[0].text`` its JSON (as
JSON.stringify writes it). Invalid arguments and unknown names give ``isError`` results
with Mastra's wording (FACTS §4.2).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
from mcp import types

from .. import logs
from ..context import AppContext
from ..temporal_ops import describe_error
from . import handlers, schemas

Handler = Callable[[AppContext, dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any]]]


def _hints(ro: bool = False, d: bool = False, i: bool = False, ow: bool = False) -> types.ToolAnnotations:
    return types.ToolAnnotations(readOnlyHint=ro, destructiveHint=d, idempotentHint=i, openWorldHint=ow)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    handler: Handler
    annotations: types.ToolAnnotations | None = None
    output_schema: dict[str, Any] | None = None

    def definition(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            description=self.description,
            inputSchema=self.input_schema,
            outputSchema=self.output_schema,
            annotations=self.annotations,
        )


TOOLS: tuple[Tool, ...] = (
    Tool(
        "integrationList",
        "List the connected channels (integrations) of the organization, optionally of one group.",
        schemas.INTEGRATION_LIST,
        handlers.integration_list,
        _hints(ro=True, i=True),
        schemas.INTEGRATION_LIST_OUTPUT,
    ),
    Tool(
        "groupList",
        "List the groups (customers) channels can belong to.",
        schemas.EMPTY,
        handlers.group_list,
        _hints(ro=True, i=True),
    ),
    Tool(
        "integrationSchema",
        "Get a platform's posting rules, maximum length, settings JSON schema and helper tools. "
        "Call it before scheduling a post.",
        schemas.INTEGRATION_SCHEMA,
        handlers.integration_schema_tool,
        _hints(ro=True, i=True),
    ),
    Tool(
        "triggerTool",
        "Run a platform helper listed by integrationSchema to fetch ids or lists needed in settings.",
        schemas.TRIGGER,
        handlers.trigger,
        # v2.23.0 marks it read-only, although it calls the provider and may refresh (or, when
        # that fails, disconnect) the channel.
        _hints(ro=True, ow=True),
    ),
    Tool(
        "integrationSchedulePostTool",
        "Create draft, scheduled or immediate posts (with comments or thread items) on one or more channels.",
        schemas.SCHEDULE_POST,
        handlers.schedule_posts,
        _hints(ow=True),
    ),
    Tool(
        "generateVideoOptions",
        "List the video generators and their helper functions.",
        schemas.VIDEO_OPTIONS,
        handlers.video_options,
        _hints(ro=True, i=True),
    ),
    Tool(
        "videoFunctionTool",
        "Call a helper function of a video generator (for example to list voices).",
        schemas.VIDEO_FUNCTION,
        handlers.video_function,
        _hints(ro=True, i=True),
    ),
    Tool(
        "generateVideoTool",
        "Generate a video.",
        schemas.GENERATE_VIDEO,
        handlers.generate_video,
        _hints(ow=True),
    ),
    Tool(
        "generateImageTool",
        "Generate an image from a prompt.",
        schemas.GENERATE_IMAGE,
        handlers.generate_image,
        _hints(ow=True),
    ),
    Tool(
        "uploadFromUrlTool",
        "Copy a public image or video URL into the media library.",
        schemas.UPLOAD_FROM_URL,
        handlers.upload_from_url,
        _hints(ow=True),
    ),
    Tool(
        "ask_postiz", "Ask the Postiz agent a question in plain language.", schemas.ASK, handlers.ask_postiz
    ),
)
BY_NAME = {t.name: t for t in TOOLS}
_VALIDATORS = {t.name: jsonschema.Draft7Validator(schemas.lenient(t.input_schema)) for t in TOOLS}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)


def validation_message(name: str, arguments: dict[str, Any]) -> str | None:
    problems = sorted(_VALIDATORS[name].iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if not problems:
        return None
    lines = [f"- {'.'.join(str(p) for p in e.absolute_path) or 'root'}: {e.message}" for e in problems]
    return (
        "Tool validation failed. Please fix the following errors and try again:\n"
        + "\n".join(lines)
        + f"\n\nProvided arguments: {_text(arguments)}"
    )


async def call(
    ctx: AppContext, org: dict[str, Any], name: str, arguments: dict[str, Any]
) -> types.CallToolResult:
    tool = BY_NAME.get(name)
    if tool is None:
        return _error(f"Unknown tool: {name}")
    problem = validation_message(name, arguments)
    if problem:
        return _error(problem)
    try:
        result = await tool.handler(ctx, org, arguments)
    except handlers.ToolError as exc:
        return _error(str(exc))
    except Exception as exc:
        logs.error("McpServer", f"{name} failed: {describe_error(exc)}")
        return _error(f"Error executing tool {name}: {describe_error(exc)}")
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=_text(result))], structuredContent=result
    )
