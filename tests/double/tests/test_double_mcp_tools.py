# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MCP tool names, input schemas, annotations and error texts (FACTS §4.2, §4.3)."""

import asyncio
import json

import pytest
from postiz_double.mcp_server import schemas, tools
from postiz_double.mcp_server.server import SERVER_NAME, SERVER_VERSION, route_of

# Postiz v2.23.0's 11 tools; postsListTool and postSettingsTool came after it.
FACTS_TOOLS = {
    "integrationList": [],
    "groupList": [],
    "integrationSchema": ["isPremium", "platform"],
    "triggerTool": ["integrationId", "methodName", "dataSchema"],
    "integrationSchedulePostTool": ["socialPost"],
    "generateVideoOptions": [],
    "videoFunctionTool": ["identifier", "functionName"],
    "generateVideoTool": ["identifier", "output", "customParams"],
    "generateImageTool": ["prompt"],
    "uploadFromUrlTool": ["url"],
    "ask_postiz": ["message"],
}


def test_names_and_required_inputs():
    assert [t.name for t in tools.TOOLS] == list(FACTS_TOOLS)
    for tool in tools.TOOLS:
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema.get("required", []) == FACTS_TOOLS[tool.name], tool.name


def test_optional_inputs():
    assert set(schemas.INTEGRATION_LIST["properties"]) == {"group"}
    assert set(schemas.VIDEO_OPTIONS["properties"]) == {"reasoning"}


def test_schedule_post_item_schema():
    item = schemas.SCHEDULE_POST["properties"]["socialPost"]["items"]
    assert item["required"] == [
        "integrationId",
        "isPremium",
        "date",
        "shortLink",
        "type",
        "postsAndComments",
        "settings",
    ]
    assert item["properties"]["type"]["enum"] == ["draft", "schedule", "now"]
    post = item["properties"]["postsAndComments"]["items"]
    assert post["required"] == ["content", "attachments"]
    assert schemas.GENERATE_VIDEO["properties"]["output"]["enum"] == ["vertical", "horizontal"]


# (readOnly, destructive, idempotent, openWorld) as v2.23.0 declares them: triggerTool is
# marked read-only, the scheduling tool not destructive, the generators open-world.
@pytest.mark.parametrize(
    ("name", "hints"),
    [
        ("integrationList", (True, False, True, False)),
        ("groupList", (True, False, True, False)),
        ("integrationSchema", (True, False, True, False)),
        ("triggerTool", (True, False, False, True)),
        ("integrationSchedulePostTool", (False, False, False, True)),
        ("generateVideoOptions", (True, False, True, False)),
        ("videoFunctionTool", (True, False, True, False)),
        ("generateVideoTool", (False, False, False, True)),
        ("generateImageTool", (False, False, False, True)),
        ("uploadFromUrlTool", (False, False, False, True)),
    ],
)
def test_annotations(name, hints):
    a = tools.BY_NAME[name].annotations
    assert (a.readOnlyHint, a.destructiveHint, a.idempotentHint, a.openWorldHint) == hints


def test_eleven_tools_and_only_ask_postiz_unannotated():
    assert len(tools.TOOLS) == 11
    assert [t.name for t in tools.TOOLS if t.annotations is None] == ["ask_postiz"]
    assert "postsListTool" not in tools.BY_NAME and "postSettingsTool" not in tools.BY_NAME


def test_integration_list_declares_its_output():
    definition = tools.BY_NAME["integrationList"].definition()
    assert definition.outputSchema["properties"]["output"]["items"]["required"] == [
        "id",
        "name",
        "picture",
        "platform",
    ]


def test_validation_message():
    text = tools.validation_message("integrationSchema", {"platform": 3})
    assert text.startswith("Tool validation failed.")
    assert "isPremium" in text and "Provided arguments: " in text
    assert (
        tools.validation_message("integrationSchema", {"platform": "x", "isPremium": False, "extra": 1})
        is None
    )


def test_lenient_schema_drops_closed_objects_only_for_validation():
    assert schemas.SCHEDULE_POST["additionalProperties"] is False
    assert "additionalProperties" not in json.dumps(schemas.lenient(schemas.SCHEDULE_POST))


def test_unknown_tool_and_invalid_arguments_results():
    unknown = asyncio.run(tools.call(None, {}, "deletePost", {}))
    assert unknown.isError and unknown.content[0].text == "Unknown tool: deletePost"
    invalid = asyncio.run(tools.call(None, {}, "generateImageTool", {}))
    assert invalid.isError and invalid.content[0].text.startswith("Tool validation failed.")


def test_server_identity_and_routes():
    assert (SERVER_NAME, SERVER_VERSION) == ("Postiz MCP", "1.0.0")
    assert route_of("/mcp") == ("bearer", None)
    assert route_of("/mcp/") == ("bearer", None)
    assert route_of("/mcp/abc") == ("path", "abc")
    assert route_of("/mcp/abc/") == ("path", "abc")
    assert route_of("/mcp/abc/def") is None
    assert route_of("/mcp-oauth") is None


def test_posts_start_the_workflow_of_v2_23_0():
    from postiz_double.temporal_ops import POST_WORKFLOW

    assert POST_WORKFLOW == "postWorkflowV106"  # V109 is in later releases only
