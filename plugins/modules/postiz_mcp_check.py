#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_mcp_check
short_description: Check that the Postiz MCP endpoint answers an MCP client, and fast enough
version_added: 0.1.0
description:
  - Acts as an MCP client against the deployed endpoint, using the streamable HTTP transport,
    and runs the steps every MCP client runs. First C(initialize), then
    C(notifications/initialized), then C(tools/list), then C(tools/call) of one read-only tool.
  - Fails when a step fails, when an expected tool is missing, or when a step takes longer than
    O(max_latency_ms). The message names the step and what to do.
  - Accepts answers as C(application/json) and as C(text/event-stream). When the server issues an
    C(Mcp-Session-Id), the module sends it on later requests and ends the session with C(DELETE);
    Postiz is stateless and issues none.
  - Changes nothing on the server. Only a tool the server annotates as read-only (C(readOnlyHint)) is
    called. Postiz's C(integrationList), C(groupList), C(integrationSchema) and C(postsListTool)
    are also accepted without annotations.
  - Postiz's C(triggerTool) and C(videoFunctionTool) are never called, although Postiz v2.23.0 annotates
    them as read-only. C(triggerTool) calls the channel's platform, may refresh the channel's token and
    disconnects the channel when that fails. C(videoFunctionTool) calls a video generator's service.
  - The API key is never shown. URLs in messages have it replaced with C(<redacted>).
extends_documentation_fragment:
  - selfhosted.postiz.attributes.read_only
  - selfhosted.postiz.attributes
  - selfhosted.postiz.http_client
options:
  url:
    description:
      - Base URL of the MCP endpoint, for example C(http://127.0.0.1:4007/api/mcp) or
        C(https://postiz.example.com/api/mcp).
    type: str
    required: true
  api_key:
    description:
      - The organization API key, as returned by M(selfhosted.postiz.postiz_admin).
    type: str
    required: true
  auth:
    description:
      - How the key is sent. V(path) posts to C(<url>/<api_key>), the form Postiz recommends for all
        clients. V(bearer) posts to O(url) with an C(Authorization) header of C(Bearer <api_key>).
    type: str
    choices: [path, bearer]
    default: path
  max_latency_ms:
    description:
      - Longest time one step may take, in milliseconds, measured from sending the request to
        having read the answer.
    type: int
    default: 3000
  latency_limit_name:
    description:
      - Name of the setting shown in latency failures, so that a role can name the variable its
        users set (for example V(postiz_mcp_max_latency_ms)).
    type: str
    default: max_latency_ms
  expected_tools:
    description:
      - Tools that C(tools/list) must contain. An empty list checks none.
    type: list
    elements: str
    default: [integrationList, groupList, integrationSchema, integrationSchedulePostTool]
  read_only_tool:
    description:
      - The tool called in the last step. It must be offered and read-only. An empty string skips the call.
    type: str
    default: integrationList
  read_only_tool_arguments:
    description:
      - Arguments of that call.
    type: dict
    default: {}
  protocol_version:
    description:
      - MCP protocol version offered in C(initialize). The server may answer with another version
        among these, which is then used.
    type: str
    choices: ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']
    default: '2025-06-18'
notes:
  - A proxy from the environment can add latency to the check.
seealso:
  - module: selfhosted.postiz.postiz_admin
"""

EXAMPLES = r"""
- name: Read the organization API key
  selfhosted.postiz.postiz_admin:
    url: http://127.0.0.1:4007
    email: admin@example.com
    password: "{{ postiz_admin_password }}"
  register: postiz_admin
  no_log: true

- name: Check the MCP endpoint with the key in the path
  selfhosted.postiz.postiz_mcp_check:
    url: http://127.0.0.1:4007/api/mcp
    api_key: "{{ postiz_admin.api_key }}"
    max_latency_ms: 3000
  register: postiz_mcp

- name: Show how long each step took
  ansible.builtin.debug:
    msg: "{{ postiz_mcp.steps | map(attribute='ms') | list }}"

- name: Check the header form, as used by clients that cannot put the key in the URL
  selfhosted.postiz.postiz_mcp_check:
    url: https://postiz.example.com/api/mcp
    api_key: "{{ postiz_admin.api_key }}"
    auth: bearer
    read_only_tool: groupList
"""

RETURN = r"""
steps:
  description:
    - One entry per step, in order. Steps that could not run (after a failed C(initialize)) have
      RV(steps[].ok) false, RV(steps[].ms) 0 and a detail starting with C(not run).
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: C(initialize), C(notifications/initialized), C(tools/list) or C(tools/call).
      type: str
    ok:
      description: Whether the step succeeded within O(max_latency_ms).
      type: bool
    ms:
      description: Time the step took, in milliseconds.
      type: int
    detail:
      description: What the step found, or why it failed.
      type: str
  sample:
    - {step: initialize, ok: true, ms: 41, detail: "Postiz MCP 1.0.0, protocol 2025-06-18, stateless"}
    - {step: notifications/initialized, ok: true, ms: 12, detail: "accepted (HTTP 202)"}
    - {step: tools/list, ok: true, ms: 35, detail: "12 tool(s)"}
    - {step: tools/call, ok: true, ms: 88, detail: "integrationList returned 2 item(s)"}
server_info:
  description: The C(serverInfo) of the C(initialize) answer (empty before it succeeds).
  returned: always
  type: dict
  sample: {name: Postiz MCP, version: 1.0.0}
protocol_version:
  description: The MCP protocol version the server chose (null before it does).
  returned: always
  type: str
  sample: '2025-06-18'
tools:
  description: Names of the tools the server offers, sorted.
  returned: always
  type: list
  elements: str
  sample: [groupList, integrationList, integrationSchedulePostTool, integrationSchema]
max_ms:
  description: The slowest step, in milliseconds.
  returned: always
  type: int
  sample: 88
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_probe import (
    DEFAULT_PROTOCOL_VERSION,
    DEFAULT_READ_ONLY_TOOL,
    POSTIZ_CORE_TOOLS,
    SUPPORTED_PROTOCOL_VERSIONS,
    McpProbe,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import (
    HTTP_CLIENT_ARGUMENT_SPEC,
    at_least,
    execute,
    exit_report,
    http_client,
)

ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True),
    api_key=dict(type="str", required=True, no_log=True),
    auth=dict(type="str", choices=["path", "bearer"], default="path"),
    max_latency_ms=dict(type="int", default=3000),
    latency_limit_name=dict(type="str", default="max_latency_ms"),
    expected_tools=dict(type="list", elements="str", default=list(POSTIZ_CORE_TOOLS)),
    read_only_tool=dict(type="str", default=DEFAULT_READ_ONLY_TOOL),
    read_only_tool_arguments=dict(type="dict", default={}),
    protocol_version=dict(
        type="str", choices=list(SUPPORTED_PROTOCOL_VERSIONS), default=DEFAULT_PROTOCOL_VERSION
    ),
    **HTTP_CLIENT_ARGUMENT_SPEC,
)


def run_module(module):
    """Run the probe and exit; every decision lives in module_utils._mcp_probe."""
    params = module.params
    at_least(module, 1, "max_latency_ms")
    probe = McpProbe(
        params["url"],
        params["api_key"],
        auth=params["auth"],
        http=http_client(module),
        max_latency_ms=params["max_latency_ms"],
        latency_limit_name=params["latency_limit_name"],
        protocol_version=params["protocol_version"],
    )
    result = probe.run(
        expected_tools=params["expected_tools"],
        read_only_tool=params["read_only_tool"],
        read_only_arguments=params["read_only_tool_arguments"],
    )
    exit_report(module, result.as_dict(), failure="; ".join(result.failures))


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
