# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real postiz_mcp_check entry point against a real loopback HTTP server
faking the Postiz MCP endpoint."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.selfhosted.postiz.plugins.modules import postiz_mcp_check

KEY = "0123456789abcdef" * 4


@pytest.fixture
def mcp(fake_mcp):
    return functools.partial(fake_mcp, KEY)


@pytest.fixture
def run(run_module):
    """Run the module with args; return its parsed JSON result (plus the raw text)."""
    return functools.partial(run_module, postiz_mcp_check.main)


def assert_key_never_shown(result):
    # AnsibleModule would mask a leaked no_log value as ********; there must be nothing to mask.
    assert KEY not in result["_raw"] and "********" not in result["_raw"]


@pytest.mark.parametrize("sse", [False, True], ids=["json", "sse"])
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_passes_and_changes_nothing(run, mcp, sse, check_mode):
    server = mcp(sse=sse)
    result = run(check_mode=check_mode, url=server.mcp_url, api_key=KEY)
    assert result["changed"] is False and "failed" not in result
    assert [step["step"] for step in result["steps"]] == [
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/call",
    ]
    assert all(step["ok"] for step in result["steps"])
    assert result["server_info"] == {"name": "Postiz MCP", "version": "1.0.0"}
    assert result["protocol_version"] == "2025-06-18"
    assert "integrationList" in result["tools"] and isinstance(result["max_ms"], int)
    assert server.calls == [("integrationList", {})]
    assert_key_never_shown(result)


def test_bearer_and_session(run, mcp):
    server = mcp(session_id="s-1")
    result = run(url=server.mcp_url, api_key=KEY, auth="bearer", read_only_tool="groupList")
    assert "failed" not in result
    assert server.deleted_sessions == ["s-1"] and server.calls == [("groupList", {})]
    assert_key_never_shown(result)


def test_refused_key(run, mcp):
    server = mcp()
    result = run(url=server.mcp_url, api_key="f" * 64)
    assert result["failed"] is True
    assert result["msg"] == (
        'initialize: HTTP 400 "Invalid API Key": the API key was refused: read it again with '
        "selfhosted.postiz.postiz_admin (it changes when rotated)"
    )
    assert len(result["steps"]) == 4 and result["tools"] == []
    assert "f" * 64 not in result["_raw"]


def test_slow_step_names_the_role_variable(run, mcp):
    # A limit far above what a busy machine adds to the other steps, so only tools/list is over it.
    server = mcp(delays={"tools/list": 1.2})
    result = run(
        url=server.mcp_url, api_key=KEY, max_latency_ms=1000, latency_limit_name="postiz_mcp_max_latency_ms"
    )
    assert result["failed"] is True
    ms = result["steps"][2]["ms"]
    assert result["msg"] == f"tools/list took {ms} ms, over postiz_mcp_max_latency_ms (1000)"
    assert result["max_ms"] == ms
    assert_key_never_shown(result)


def test_missing_expected_tool(run, mcp):
    server = mcp()
    result = run(url=server.mcp_url, api_key=KEY, expected_tools=["integrationList", "postsListTool"])
    assert result["failed"] is True
    assert result["msg"].startswith(
        "tools/list: the server does not offer the expected tool(s) postsListTool;"
    )


def test_several_failures_are_all_reported(run, mcp):
    server = mcp(delays={"tools/call": 0.2})
    result = run(url=server.mcp_url, api_key=KEY, expected_tools=["postsListTool"], max_latency_ms=100)
    assert "postsListTool" in result["msg"] and "tools/call took" in result["msg"]


def test_latency_limit_must_be_positive(run):
    result = run(url="http://127.0.0.1:9/api/mcp", api_key=KEY, max_latency_ms=0)
    assert result["failed"] is True and result["msg"] == "max_latency_ms must be at least 1, got 0"


def test_invocation_masks_the_key(run, mcp):
    server = mcp()
    result = run(url=server.mcp_url, api_key=KEY)
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
