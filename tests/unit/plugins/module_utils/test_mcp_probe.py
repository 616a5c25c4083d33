# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""McpProbe against a real loopback HTTP server faking the Postiz MCP endpoint."""

from __future__ import annotations

import functools
import json
import socket

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_probe import (
    McpProbe,
    iter_sse_messages,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import HttpClient
from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_postiz_server import postiz_tools

KEY = "a1" * 32
WRONG_KEY = "b2" * 32
STEPS = ["initialize", "notifications/initialized", "tools/list", "tools/call"]


@pytest.fixture
def mcp(fake_mcp):
    return functools.partial(fake_mcp, KEY)


def probe_for(url, key=KEY, timeout=5, **options):
    return McpProbe(url, key, http=HttpClient(timeout=timeout), **options)


def everything_said(result):
    """All text the result could show: failures and the returned data."""
    return json.dumps([result.failures, result.as_dict()])


def assert_all_ok(result):
    assert result.ok, result.failures
    assert [step.name for step in result.steps] == STEPS
    assert all(step.ok for step in result.steps)


@pytest.mark.parametrize("sse", [False, True], ids=["json", "sse"])
def test_full_handshake(mcp, sse):
    server = mcp(sse=sse)
    result = probe_for(server.mcp_url).run()
    assert_all_ok(result)
    data = result.as_dict()
    assert data["server_info"] == {"name": "Postiz MCP", "version": "1.0.0"}
    assert data["protocol_version"] == "2025-06-18"
    assert data["tools"] == sorted(tool["name"] for tool in postiz_tools())
    assert data["max_ms"] == max(step["ms"] for step in data["steps"])
    assert data["steps"][1]["detail"] == "accepted (HTTP 202)"
    assert data["steps"][3]["detail"] == "integrationList returned 1 item(s)"
    assert server.calls == [("integrationList", {})]
    posts = [r for r in server.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/api/mcp/" + KEY] * 4
    assert all(r.headers["accept"] == "application/json, text/event-stream" for r in posts)
    # No version header before it is negotiated; on every request after.
    assert "mcp-protocol-version" not in posts[0].headers
    assert [r.headers.get("mcp-protocol-version") for r in posts[1:]] == ["2025-06-18"] * 3
    assert posts[0].json()["params"]["clientInfo"]["name"] == "selfhosted.postiz.postiz_mcp_check"
    assert posts[1].json() == {"jsonrpc": "2.0", "method": "notifications/initialized"}
    # Stateless server: no session header sent, no DELETE.
    assert not any("mcp-session-id" in r.headers for r in server.requests)
    assert server.paths("DELETE") == []


def test_sse_stream_left_open_does_not_wait_for_close(mcp):
    server = mcp(sse=True, hold_sse_open=3.0)
    result = probe_for(server.mcp_url, max_latency_ms=2000).run()
    assert_all_ok(result)
    assert result.max_ms < 2000


def test_session_id_is_carried_and_ended(mcp):
    server = mcp(session_id="sess-42")
    result = probe_for(server.mcp_url).run()
    assert_all_ok(result)
    assert result.steps[0].detail.endswith("session issued")
    later = [r for r in server.requests if r.method == "POST"][1:]
    assert [r.headers.get("mcp-session-id") for r in later] == ["sess-42"] * 3
    assert server.deleted_sessions == ["sess-42"]


def test_bearer_auth(mcp):
    server = mcp()
    result = probe_for(server.mcp_url, auth="bearer").run()
    assert_all_ok(result)
    posts = [r for r in server.requests if r.method == "POST"]
    assert {r.path for r in posts} == {"/api/mcp"}
    assert {r.headers["authorization"] for r in posts} == {"Bearer " + KEY}


@pytest.mark.parametrize(
    "auth, expected",
    [
        (
            "path",
            'initialize: HTTP 400 "Invalid API Key": the API key was refused: read it again with selfhosted.postiz.postiz_admin',
        ),
        (
            "bearer",
            'initialize: HTTP 401 "Invalid API Key or OAuth token": the API key was refused: read it again with '
            "selfhosted.postiz.postiz_admin",
        ),
    ],
)
def test_wrong_key(mcp, auth, expected):
    server = mcp()
    result = probe_for(server.mcp_url, key=WRONG_KEY, auth=auth).run()
    assert not result.ok
    assert result.failures[0].startswith(expected)
    assert [step.ok for step in result.steps] == [False] * 4
    assert result.steps[1].detail == "not run: initialize failed"
    assert WRONG_KEY not in everything_said(result)


def test_missing_authorization_header(mcp, monkeypatch):
    server = mcp()
    probe = probe_for(server.mcp_url, auth="bearer")
    original = probe._headers
    monkeypatch.setattr(
        probe, "_headers", lambda: {k: v for k, v in original().items() if k != "Authorization"}
    )
    result = probe.run()
    assert 'HTTP 401 "Missing Authorization header"' in result.failures[0]
    assert "auth=path" in result.failures[0]


@pytest.mark.parametrize("limit_name", ["max_latency_ms", "postiz_mcp_max_latency_ms"])
def test_slow_step_fails(mcp, limit_name):
    server = mcp(delays={"tools/call": 0.3})
    result = probe_for(server.mcp_url, max_latency_ms=150, latency_limit_name=limit_name).run()
    assert not result.ok
    assert len(result.failures) == 1
    ms = result.steps[3].ms
    assert ms >= 300
    assert result.failures[0] == f"tools/call took {ms} ms, over {limit_name} (150)"
    assert [step.ok for step in result.steps] == [True, True, True, False]
    assert result.steps[3].detail.startswith("integrationList returned 1 item(s); tools/call took")
    assert result.max_ms == ms


def test_timeout_is_reported(mcp):
    server = mcp(delays={"initialize": 1.0})
    result = probe_for(server.mcp_url, timeout=0.2).run()
    assert result.failures[0].startswith("initialize: no answer within 0.2 s from http://127.0.0.1:")
    assert KEY not in everything_said(result) and "/api/mcp/<redacted>" in result.failures[0]


def test_sse_stream_that_stalls_after_headers_times_out(mcp):
    server = mcp(sse=True, sse_stall=1.0)
    result = probe_for(server.mcp_url, timeout=0.3).run()
    assert result.failures[0] == "initialize: the answer stopped arriving (timed out while reading it)"


def test_missing_expected_tool_fails_but_still_calls(mcp):
    server = mcp()
    result = probe_for(server.mcp_url).run(expected_tools=["integrationList", "postsListTool", "ask_postiz"])
    assert not result.ok
    assert result.failures == [
        "tools/list: the server does not offer the expected tool(s) postsListTool, ask_postiz; it "
        "offers groupList, integrationList, integrationSchedulePostTool, integrationSchema, triggerTool"
    ]
    assert result.steps[3].ok and server.calls == [("integrationList", {})]


def test_refuses_to_call_a_tool_not_annotated_read_only(mcp):
    server = mcp()
    result = probe_for(server.mcp_url).run(read_only_tool="integrationSchedulePostTool")
    assert "refusing to call integrationSchedulePostTool" in result.failures[0]
    assert server.calls == []


def test_trigger_tool_is_never_called_although_postiz_marks_it_read_only(mcp):
    trigger = next(tool for tool in postiz_tools() if tool["name"] == "triggerTool")
    assert trigger["annotations"]["readOnlyHint"] is True
    server = mcp(tools=[*postiz_tools(), {**trigger, "name": "videoFunctionTool"}])
    for name in ("triggerTool", "videoFunctionTool"):
        result = probe_for(server.mcp_url).run(read_only_tool=name)
        assert len(result.failures) == 1, result.failures
        assert (
            f"refusing to call {name} as a check, although the server may annotate it as read-only"
            in (result.failures[0])
        )
    assert server.calls == []


def test_known_postiz_tool_without_annotations_is_called(mcp):
    server = mcp(tools=postiz_tools(annotate=False))
    result = probe_for(server.mcp_url).run(read_only_tool="groupList")
    assert_all_ok(result)
    unknown = probe_for(server.mcp_url).run(read_only_tool="triggerTool")
    assert "refusing to call triggerTool" in unknown.failures[0]


def test_read_only_tool_not_offered(mcp):
    server = mcp()
    result = probe_for(server.mcp_url).run(expected_tools=[], read_only_tool="postsListTool")
    assert result.failures == ["tools/call: the server does not offer postsListTool, so it cannot be called"]
    assert server.calls == []


def test_tool_error_result_fails(mcp):
    tools = postiz_tools()
    # Listed, but the server errs when it is called.
    tools.append(
        {"name": "brokenTool", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": True}}
    )
    server = mcp(tools=tools)
    original = server._result

    def failing(method, params):
        if method == "tools/call":
            return {
                "result": {
                    "content": [{"type": "text", "text": "Tool validation failed. group: expected string"}],
                    "isError": True,
                }
            }
        return original(method, params)

    server._result = failing
    result = probe_for(server.mcp_url).run(read_only_tool="brokenTool")
    assert result.failures == [
        "tools/call: brokenTool returned an error: Tool validation failed. group: expected string; "
        "set read_only_tool_arguments to what the tool needs"
    ]


def test_arguments_are_passed(mcp):
    server = mcp()
    result = probe_for(server.mcp_url).run(read_only_arguments={"group": "g1"})
    assert_all_ok(result)
    assert server.calls == [("integrationList", {"group": "g1"})]


def test_empty_read_only_tool_skips_the_call(mcp):
    server = mcp()
    result = probe_for(server.mcp_url).run(read_only_tool="")
    assert result.ok and result.steps[3].detail == "not run: no read_only_tool given"
    assert server.calls == []


def test_server_chooses_an_older_protocol_version(mcp):
    server = mcp(answer_version="2025-03-26")
    result = probe_for(server.mcp_url).run()
    assert_all_ok(result)
    assert result.protocol_version == "2025-03-26"
    assert server.requests[-1].headers["mcp-protocol-version"] == "2025-03-26"


def test_unsupported_protocol_version_fails(mcp):
    server = mcp(answer_version="1999-01-01")
    result = probe_for(server.mcp_url).run()
    assert "the server wants MCP protocol version '1999-01-01'" in result.failures[0]


def test_offers_the_configured_version(mcp):
    server = mcp()
    result = probe_for(server.mcp_url, protocol_version="2025-11-25").run()
    assert result.protocol_version == "2025-11-25"


def test_tools_list_pagination(mcp):
    server = mcp(page_size=2)
    result = probe_for(server.mcp_url).run()
    assert_all_ok(result)
    assert len(result.tools) == 5
    cursors = [
        r.json().get("params", {}).get("cursor")
        for r in server.requests
        if r.json().get("method") == "tools/list"
    ]
    assert cursors == [None, "2", "4"]


def test_wrong_url_404(mcp):
    server = mcp()
    result = probe_for(server.url + "/mcp").run()
    assert result.failures[0] == (
        f"initialize: HTTP 404: nothing serves MCP at {server.url}/mcp/<redacted>; url must be the MCP base "
        "URL, for example http://127.0.0.1:4007/api/mcp"
    )


def test_connection_refused():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    result = probe_for(f"http://127.0.0.1:{port}/api/mcp").run()
    assert result.failures == [
        f"initialize: cannot connect to http://127.0.0.1:{port}/api/mcp/<redacted> (connection refused): "
        "is Postiz running and published on that address?"
    ]


def test_key_never_in_anything_returned(mcp):
    server = mcp(delays={"tools/list": 0.2})
    result = probe_for(server.mcp_url, max_latency_ms=100).run(expected_tools=["nope"], read_only_tool="nope")
    assert len(result.failures) == 2
    assert KEY not in everything_said(result)


@pytest.mark.parametrize(
    "lines, expected",
    [
        (['data: {"a": 1}', ""], ['{"a": 1}']),
        (
            [": comment", "event: message", "id: 7", "data: {", 'data:  "a": 1', "data: }", ""],
            ['{\n "a": 1\n}'],
        ),
        (['data:{"b":2}'], ['{"b":2}']),  # no blank line before the stream ends
        (["event: ping", ""], []),
    ],
)
def test_iter_sse_messages(lines, expected):
    assert list(iter_sse_messages(lines)) == expected


# -- against the real MCP Python SDK (the same transport code family Postiz uses) --------


@pytest.fixture
def sdk_server():
    """Start a FastMCP streamable HTTP server on loopback; yield its /mcp URL."""
    pytest.importorskip("mcp")
    uvicorn = pytest.importorskip("uvicorn")
    import threading
    import time

    from mcp.server.fastmcp import FastMCP
    from mcp.types import ToolAnnotations

    servers = []

    def _start(json_response, stateless):
        app = FastMCP(
            "Postiz MCP", json_response=json_response, stateless_http=stateless, log_level="WARNING"
        )

        @app.tool(annotations=ToolAnnotations(readOnlyHint=True))
        def integrationList(group: str = "") -> dict:
            """List connected channels."""
            return {
                "output": [{"id": "ch1", "name": "Channel 1", "picture": "/no-picture.jpg", "platform": "x"}]
            }

        @app.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
        def integrationSchedulePostTool(socialPost: list) -> dict:
            """Schedule posts."""
            raise AssertionError("must never be called by the check")

        free = socket.socket()
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()
        server = uvicorn.Server(
            uvicorn.Config(app.streamable_http_app(), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/mcp"

    yield _start
    for server, thread in servers:
        server.should_exit = True
        thread.join(5)


@pytest.mark.parametrize(
    "json_response, stateless",
    [(True, True), (False, True), (False, False), (True, False)],
    ids=["json-stateless", "sse-stateless", "sse-session", "json-session"],
)
def test_against_the_mcp_sdk(sdk_server, json_response, stateless):
    url = sdk_server(json_response, stateless)
    # The SDK has no key in the path: use bearer (ignored by it) and the base URL.
    result = probe_for(url, auth="bearer", protocol_version="2025-11-25").run(
        expected_tools=["integrationList", "integrationSchedulePostTool"]
    )
    assert_all_ok(result)
    assert result.protocol_version == "2025-11-25"
    assert result.server_info["name"] == "Postiz MCP"
    assert result.steps[0].detail.endswith("stateless" if stateless else "session issued")
    assert result.steps[3].detail.startswith("integrationList returned")
    refused = probe_for(url, auth="bearer").run(
        expected_tools=[], read_only_tool="integrationSchedulePostTool"
    )
    assert (
        len(refused.failures) == 1 and "refusing to call integrationSchedulePostTool" in refused.failures[0]
    )
