# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An MCP client just big enough to prove a deployed MCP endpoint works, and how fast.

Pure logic with no AnsibleModule, so it can be unit-tested against a local HTTP
server. The module ``selfhosted.postiz.postiz_mcp_check`` is a thin wrapper
around :class:`McpProbe`.

It speaks the MCP streamable HTTP transport with the standard library: every
JSON-RPC message is a POST; the answer is either one ``application/json`` body
or a ``text/event-stream`` whose ``data:`` events carry JSON-RPC messages, of
which the one with our request id is the answer. Postiz's server is stateless
and answers JSON without a session id; a server that issues ``Mcp-Session-Id``
gets it back on every later request and a DELETE at the end, as the
specification asks.

The steps are the ones a real client takes: ``initialize``,
``notifications/initialized``, ``tools/list`` and ``tools/call`` of one
read-only tool. Each is timed; a step fails when it errs or is slower than the
latency limit. The API key may travel in the URL path, so every URL and text
that reaches a message is redacted first.
"""

from __future__ import annotations

import contextlib
import json
import time
from urllib.parse import quote

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import (
    HttpClient,
    TransportError,
    excerpt,
)

# Newest first. The client offers one of them and accepts any of them back.
SUPPORTED_PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
DEFAULT_PROTOCOL_VERSION = "2025-06-18"

# The tools every Postiz version offers (libraries/nestjs-libraries/src/chat/tools/tool.list.ts).
POSTIZ_CORE_TOOLS = ("integrationList", "groupList", "integrationSchema", "integrationSchedulePostTool")
DEFAULT_READ_ONLY_TOOL = "integrationList"
# Postiz tools that only read, for servers that do not send annotations.
KNOWN_READ_ONLY_TOOLS = ("integrationList", "groupList", "integrationSchema", "postsListTool")
# Postiz tools that are never called as a check, whatever their annotations say: Postiz
# v2.23.0 marks both read-only, but they reach outside the instance and may change things.
NOT_HARMLESS_TOOLS = {
    "triggerTool": "it calls the channel's platform, may refresh the channel's token and disconnects "
    "the channel when that fails",
    "videoFunctionTool": "it calls a video generator's service with the instance's key",
}

CLIENT_INFO = {"name": "selfhosted.postiz.postiz_mcp_check", "version": "0.1.0"}
ADMIN_MODULE = "selfhosted.postiz.postiz_admin"

# A server that pages tools/list endlessly is broken; stop well before that hurts.
MAX_TOOL_PAGES = 50

STEP_INITIALIZE = "initialize"
STEP_INITIALIZED = "notifications/initialized"
STEP_TOOLS_LIST = "tools/list"
STEP_TOOLS_CALL = "tools/call"

KEY_REFUSED = f"the API key was refused: read it again with {ADMIN_MODULE} (it changes when rotated)"


class StepFailed(Exception):
    """A step could not complete; the message is actionable and already redacted."""


class Step:
    def __init__(self, name, ok, ms, detail):
        self.name = name
        self.ok = ok
        self.ms = ms
        self.detail = detail

    def as_dict(self):
        return {"step": self.name, "ok": self.ok, "ms": self.ms, "detail": self.detail}


class ProbeResult:
    def __init__(self):
        self.steps = []
        self.failures = []
        self.server_info = {}
        self.protocol_version = None
        self.tools = []
        self.session_id_issued = False

    @property
    def ok(self):
        return not self.failures

    @property
    def max_ms(self):
        return max([step.ms for step in self.steps] or [0])

    def as_dict(self):
        return {
            "steps": [step.as_dict() for step in self.steps],
            "server_info": self.server_info,
            "protocol_version": self.protocol_version,
            "tools": self.tools,
            "max_ms": self.max_ms,
        }


def elapsed_ms(started, clock):
    return round((clock() - started) * 1000)


def iter_sse_messages(lines):
    """Yield the JSON data of each server-sent event (``data:`` lines joined by newlines)."""
    data = []
    for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith(":"):
            continue  # comment / keep-alive
        else:
            field, _sep, value = line.partition(":")
            if field == "data":
                data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def _tool_is_read_only(tool):
    annotations = tool.get("annotations") or {}
    if "readOnlyHint" in annotations:
        return annotations.get("readOnlyHint") is True
    return tool.get("name") in KNOWN_READ_ONLY_TOOLS


def _call_summary(result):
    """A short description of a tools/call result, without its (possibly private) content."""
    structured = result.get("structuredContent")
    if isinstance(structured, dict) and isinstance(structured.get("output"), list):
        return "returned {} item(s)".format(len(structured["output"]))
    return "returned {} content block(s)".format(len(result.get("content") or []))


def _error_text(result):
    for block in result.get("content") or []:
        if isinstance(block, dict) and block.get("type") == "text":
            return block.get("text", "")
    return ""


class McpProbe:
    """Runs the handshake and calls against one MCP endpoint."""

    def __init__(
        self,
        url,
        api_key,
        auth="path",
        http=None,
        max_latency_ms=3000,
        latency_limit_name="max_latency_ms",
        protocol_version=DEFAULT_PROTOCOL_VERSION,
        clock=time.monotonic,
    ):
        self.base_url = url.rstrip("/")
        self.api_key = api_key
        self.auth = auth
        self.http = http or HttpClient()
        # The key in every form it can take in a URL or text.
        for secret in (api_key, quote(api_key, safe="")):
            if secret and secret not in self.http.secrets:
                self.http.secrets.append(secret)
        self.max_latency_ms = max_latency_ms
        self.latency_limit_name = latency_limit_name
        self.offered_version = protocol_version
        self._clock = clock
        self._next_id = 0
        self.session_id = None
        self.negotiated_version = None
        # name -> tool description from tools/list
        self._tool_specs = {}
        if auth == "path":
            self.endpoint = "{}/{}".format(self.base_url, quote(api_key, safe=""))
        else:
            self.endpoint = self.base_url

    @property
    def shown_endpoint(self):
        """The endpoint as messages show it."""
        return self.http.redact(self.endpoint)

    # -- HTTP -----------------------------------------------------------------

    def _headers(self):
        headers = {"Accept": "application/json, text/event-stream"}
        if self.auth == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.negotiated_version:
            # Required on every request after initialization since 2025-06-18.
            headers["MCP-Protocol-Version"] = self.negotiated_version
        return headers

    def _post(self, step, message):
        try:
            return self.http.send("POST", self.endpoint, body=message, headers=self._headers())
        except TransportError as exc:
            if exc.kind == "refused":
                raise StepFailed(
                    f"{step}: cannot connect to {self.shown_endpoint} (connection refused): is Postiz running and published "
                    "on that address?"
                ) from exc
            if exc.kind == "timeout":
                raise StepFailed(
                    f"{step}: no answer within {self.http.timeout} s from {self.shown_endpoint}"
                ) from exc
            if exc.kind == "tls":
                raise StepFailed(
                    f"{step}: {exc.reason}; set ca_path to the CA that signed the certificate, or validate_certs to "
                    "false for a test instance"
                ) from exc
            raise StepFailed(f"{step}: {self.shown_endpoint} failed: {exc.reason}") from exc

    def _http_failure(self, step, response):
        """An actionable StepFailed for an HTTP answer that is not a success."""
        status = response.status
        text = excerpt(response.text(), self.http.secrets)
        jsonrpc_error = None
        if response.content_type == "application/json":
            try:
                data = json.loads(response.text())
                if isinstance(data, dict) and isinstance(data.get("error"), dict):
                    jsonrpc_error = data["error"].get("message")
                elif isinstance(data, dict) and isinstance(data.get("error"), str):
                    jsonrpc_error = data.get("error_description") or data["error"]
            except ValueError:
                pass
        prefix = f"{step}: HTTP {status}"
        if status == 400 and "Invalid API Key" in text:
            return StepFailed(f'{prefix} "Invalid API Key": {KEY_REFUSED}')
        if status == 401:
            if "Missing Authorization header" in text:
                return StepFailed(
                    f'{prefix} "Missing Authorization header": no Authorization header reached Postiz; a '
                    "proxy in front of it may drop it, or use auth=path"
                )
            if "Bearer token required" in text and self.auth == "path":
                return StepFailed(
                    f"{prefix}: this endpoint wants an OAuth bearer token; use auth=bearer, or the "
                    "/api/mcp URL"
                )
            shown = jsonrpc_error or text
            quoted = f' "{excerpt(shown, self.http.secrets)}"' if shown else ""
            return StepFailed(f"{prefix}{quoted}: {KEY_REFUSED}")
        if status == 404:
            if self.session_id:
                return StepFailed(
                    f"{prefix}: the server forgot the session it issued; retry, and check that all requests "
                    "reach the same server process"
                )
            return StepFailed(
                f"{prefix}: nothing serves MCP at {self.shown_endpoint}; url must be the MCP base URL, for example "
                "http://127.0.0.1:4007/api/mcp"
            )
        if status in (502, 503, 504):
            return StepFailed(
                f"{prefix}: the Postiz backend is not answering behind its proxy; it may still be starting "
                f"({ADMIN_MODULE} waits for it) or have failed: read the app container logs"
            )
        if 300 <= status < 400:
            return StepFailed(
                "{}: {} redirects to {}; set url to the final address".format(
                    prefix, self.shown_endpoint, self.http.redact(response.header("Location", "?"))
                )
            )
        detail = jsonrpc_error or text or "(empty body)"
        return StepFailed(f"{prefix}: {excerpt(detail, self.http.secrets)}")

    # -- JSON-RPC -------------------------------------------------------------

    def _request(self, step, method, params):
        """Send a JSON-RPC request; return ``(result, response)``. Raises StepFailed."""
        self._next_id += 1
        request_id = self._next_id
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        response = self._post(step, message)
        try:
            if not 200 <= response.status < 300:
                raise self._http_failure(step, response)
            answer = self._answer_of(step, response, request_id)
        except TransportError as exc:
            raise StepFailed(f"{step}: {exc.reason}") from exc
        finally:
            response.close()
        if isinstance(answer.get("error"), dict):
            error = answer["error"]
            raise StepFailed(
                "{}: the server answered JSON-RPC error {}: {}".format(
                    step, error.get("code"), excerpt(str(error.get("message")), self.http.secrets)
                )
            )
        result = answer.get("result")
        if not isinstance(result, dict):
            raise StepFailed(f"{step}: the answer has no result object")
        return result, response

    def _answer_of(self, step, response, request_id):
        """The JSON-RPC response with ``request_id`` from a JSON body or an SSE stream."""
        kind = response.content_type
        if kind == "application/json":
            try:
                data = response.json()
            except ValueError:
                raise StepFailed(
                    f"{step}: the answer is not valid JSON: {excerpt(response.text(), self.http.secrets)}"
                ) from None
            messages = data if isinstance(data, list) else [data]
        elif kind == "text/event-stream":
            messages = self._sse_messages(step, response)
        else:
            raise StepFailed(
                "{}: expected application/json or text/event-stream, got {}: {}".format(
                    step, kind or "no content type", excerpt(response.text(), self.http.secrets)
                )
            )
        for message in messages:
            if (
                isinstance(message, dict)
                and message.get("id") == request_id
                and ("result" in message or "error" in message)
            ):
                return message
            if isinstance(message, dict) and message.get("id") is None and "error" in message:
                return message  # a JSON-RPC error the server could not tie to a request
        raise StepFailed(f"{step}: the server answered without a response to request {request_id}")

    def _sse_messages(self, step, response):
        # A generator: the caller stops at our answer, so an SSE stream the server
        # keeps open after it does not block until the timeout.
        for data in iter_sse_messages(response.lines()):
            try:
                yield json.loads(data)
            except ValueError:
                raise StepFailed(
                    f"{step}: an SSE event is not JSON: {excerpt(data, self.http.secrets)}"
                ) from None

    def _notify(self, step, method):
        """Send a notification; return the HTTP status. Raises StepFailed."""
        response = self._post(step, {"jsonrpc": "2.0", "method": method})
        try:
            if not 200 <= response.status < 300:
                raise self._http_failure(step, response)
            return response.status
        except TransportError as exc:
            raise StepFailed(f"{step}: {exc.reason}") from exc
        finally:
            response.close()

    # -- steps ----------------------------------------------------------------

    def _timed(self, result, name, action):
        """Run ``action()`` -> detail; record the step with its latency. Returns True when it passed."""
        started = self._clock()
        try:
            detail = action()
        except StepFailed as exc:
            result.steps.append(Step(name, False, elapsed_ms(started, self._clock), str(exc)))
            result.failures.append(str(exc))
            return False
        ms = elapsed_ms(started, self._clock)
        if ms > self.max_latency_ms:
            message = f"{name} took {ms} ms, over {self.latency_limit_name} ({self.max_latency_ms})"
            result.steps.append(Step(name, False, ms, f"{detail}; {message}"))
            result.failures.append(message)
            return False
        result.steps.append(Step(name, True, ms, detail))
        return True

    @staticmethod
    def _skipped(result, name, reason):
        result.steps.append(Step(name, False, 0, f"not run: {reason}"))

    def _initialize(self, result):
        params = {"protocolVersion": self.offered_version, "capabilities": {}, "clientInfo": CLIENT_INFO}
        answer, response = self._request(STEP_INITIALIZE, "initialize", params)
        version = answer.get("protocolVersion")
        if version not in SUPPORTED_PROTOCOL_VERSIONS:
            raise StepFailed(
                "{}: the server wants MCP protocol version {!r}; this check speaks {}".format(
                    STEP_INITIALIZE, version, ", ".join(SUPPORTED_PROTOCOL_VERSIONS)
                )
            )
        self.negotiated_version = version
        self.session_id = response.header("Mcp-Session-Id")
        result.session_id_issued = bool(self.session_id)
        result.protocol_version = version
        info = answer.get("serverInfo") if isinstance(answer.get("serverInfo"), dict) else {}
        result.server_info = {"name": str(info.get("name", "")), "version": str(info.get("version", ""))}
        if "tools" not in (answer.get("capabilities") or {}):
            raise StepFailed(f"{STEP_INITIALIZE}: the server does not offer tools (no tools capability)")
        return "{} {}, protocol {}{}".format(
            result.server_info["name"] or "unnamed server",
            result.server_info["version"],
            version,
            ", session issued" if self.session_id else ", stateless",
        )

    def _initialized(self):
        status = self._notify(STEP_INITIALIZED, "notifications/initialized")
        if status != 202:
            return f"accepted with HTTP {status} (the specification says 202)"
        return "accepted (HTTP 202)"

    def _list_tools(self, result, expected_tools):
        tools = []
        cursor = None
        for _page in range(MAX_TOOL_PAGES):
            answer, _response = self._request(
                STEP_TOOLS_LIST, "tools/list", {"cursor": cursor} if cursor else {}
            )
            tools.extend(
                tool for tool in answer.get("tools") or [] if isinstance(tool, dict) and tool.get("name")
            )
            cursor = answer.get("nextCursor")
            if not cursor:
                break
        else:
            raise StepFailed(
                f"{STEP_TOOLS_LIST}: still paging after {MAX_TOOL_PAGES} pages; the server keeps returning nextCursor"
            )
        result.tools = sorted(tool["name"] for tool in tools)
        self._tool_specs = {tool["name"]: tool for tool in tools}
        missing = [name for name in expected_tools if name not in self._tool_specs]
        if missing:
            raise StepFailed(
                "{}: the server does not offer the expected tool(s) {}; it offers {}".format(
                    STEP_TOOLS_LIST, ", ".join(missing), ", ".join(result.tools) or "none"
                )
            )
        return f"{len(tools)} tool(s)"

    def _call_tool(self, name, arguments):
        answer, _response = self._request(
            STEP_TOOLS_CALL, "tools/call", {"name": name, "arguments": arguments}
        )
        if answer.get("isError"):
            text = excerpt(_error_text(answer), self.http.secrets) or "(no text)"
            hint = ""
            if "Tool validation failed" in text:
                hint = "; set read_only_tool_arguments to what the tool needs"
            raise StepFailed(f"{STEP_TOOLS_CALL}: {name} returned an error: {text}{hint}")
        return f"{name} {_call_summary(answer)}"

    def run(
        self,
        expected_tools=POSTIZ_CORE_TOOLS,
        read_only_tool=DEFAULT_READ_ONLY_TOOL,
        read_only_arguments=None,
    ):
        """Run every step and return a :class:`ProbeResult`; never raises for server problems."""
        result = ProbeResult()
        self._tool_specs = {}
        try:
            if not self._timed(result, STEP_INITIALIZE, lambda: self._initialize(result)):
                for name in (STEP_INITIALIZED, STEP_TOOLS_LIST, STEP_TOOLS_CALL):
                    self._skipped(result, name, "initialize failed")
                return result
            self._timed(result, STEP_INITIALIZED, self._initialized)
            listed = self._timed(
                result, STEP_TOOLS_LIST, lambda: self._list_tools(result, list(expected_tools))
            )
            if not read_only_tool:
                self._skipped(result, STEP_TOOLS_CALL, "no read_only_tool given")
            elif read_only_tool not in self._tool_specs:
                if listed or self._tool_specs:
                    message = f"{STEP_TOOLS_CALL}: the server does not offer {read_only_tool}, so it cannot be called"
                    result.steps.append(Step(STEP_TOOLS_CALL, False, 0, message))
                    result.failures.append(message)
                else:
                    self._skipped(result, STEP_TOOLS_CALL, "tools/list failed")
            elif read_only_tool in NOT_HARMLESS_TOOLS:
                message = (
                    f"{STEP_TOOLS_CALL}: refusing to call {read_only_tool} as a check, although the server may annotate it "
                    f"as read-only: {NOT_HARMLESS_TOOLS[read_only_tool]}; name a tool that only reads, such as "
                    f"{DEFAULT_READ_ONLY_TOOL}, in read_only_tool"
                )
                result.steps.append(Step(STEP_TOOLS_CALL, False, 0, message))
                result.failures.append(message)
            elif not _tool_is_read_only(self._tool_specs[read_only_tool]):
                message = (
                    f"{STEP_TOOLS_CALL}: refusing to call {read_only_tool}, because the server does not annotate it as read-only "
                    "(readOnlyHint); name a read-only tool in read_only_tool"
                )
                result.steps.append(Step(STEP_TOOLS_CALL, False, 0, message))
                result.failures.append(message)
            else:
                self._timed(
                    result,
                    STEP_TOOLS_CALL,
                    lambda: self._call_tool(read_only_tool, read_only_arguments or {}),
                )
        finally:
            self._end_session()
        return result

    def _end_session(self):
        """Tell a stateful server the session is over (best effort, untimed)."""
        if not self.session_id:
            return
        # The server cleans up idle sessions itself.
        with contextlib.suppress(TransportError):
            self.http.send("DELETE", self.endpoint, headers=self._headers()).close()
        self.session_id = None
