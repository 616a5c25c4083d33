# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real HTTP servers on loopback that fake the Postiz routes the modules use.

Written from the shared fact sheet (FACTS 4.1, 4.2, 6.1, 6.2, 6.4, 7), not from
Postiz code: the auth controller's plain-text 400s, the ``auth`` cookie and
header, ``/api/user/self``, nginx's 502 while the backend starts, and the MCP
streamable HTTP endpoint answering JSON or SSE. Each server runs in a thread on
an ephemeral port and records every request so tests can assert on the traffic.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorded:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class _Handler(BaseHTTPRequestHandler):
    server_version = "nginx/1.22.1"
    sys_version = ""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass  # keep test output clean

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        entry = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.server.fake.requests.append(entry)
        return entry

    def send_body(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body or status != 202:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self):
        entry = self._record()
        # The client stops reading on purpose in the SSE tests.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.server.fake.handle(self, entry)

    do_GET = do_POST = do_DELETE = _dispatch


class _FakeServer:
    """Base: start/stop a threaded HTTP server bound to 127.0.0.1 on a free port."""

    def __init__(self, port=0):
        self.requests = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        # A short poll interval keeps shutdown (once per test) fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def paths(self, method=None):
        return [r.path for r in self.requests if method is None or r.method == method]

    def handle(self, handler, entry):
        raise NotImplementedError


class FakePostiz(_FakeServer):
    """The dashboard API of FACTS 6: can-register, register, login, user/self."""

    def __init__(
        self,
        starting_502=0,
        not_secured=False,
        cookie=True,
        email_provider=False,
        disable_registration=False,
        concurrent_registration=False,
        failing_paths=(),
        port=0,
    ):
        super().__init__(port)
        self.starting_502 = starting_502
        # Paths answered with Nest's HTTP 500, as while the app's database is down.
        self.failing_paths = set(failing_paths)
        self.not_secured = not_secured  # also send the token in the 'auth' response header
        self.cookie = cookie  # send the 'auth' cookie
        self.email_provider = email_provider
        self.disable_registration = disable_registration
        # Create the account when a login is refused, as if another run registered it meanwhile.
        self.concurrent_registration = concurrent_registration
        self.users = {}  # email -> dict(password, activated, org_id, role, api_key)
        self.tokens = {}  # token -> email

    def add_user(self, email, password, role="SUPERADMIN", activated=True, api_key=None):
        self.users[email.lower()] = dict(
            password=password,
            activated=activated,
            org_id=f"org-{secrets.token_hex(4)}",
            role=role,
            api_key=api_key if api_key is not None else secrets.token_hex(32),
        )
        return self.users[email.lower()]

    def _session_headers(self, email):
        token = f"eyJhbGciOiJIUzI1NiJ9.{secrets.token_hex(16)}.sig"
        self.tokens[token] = email
        headers = []
        if self.cookie:
            flags = "" if self.not_secured else "; Secure; HttpOnly; SameSite=None"
            headers.append(
                (
                    "Set-Cookie",
                    f"auth={token}; Domain=127.0.0.1; Path=/; Expires=Thu, 01 Jan 2099 00:00:00 GMT{flags}",
                )
            )
        if self.not_secured:
            headers.append(("auth", token))
        return headers

    def handle(self, handler, entry):
        if self.starting_502 > 0:
            self.starting_502 -= 1
            handler.send_body(502, "<html><head><title>502 Bad Gateway</title></head></html>")
            return
        if entry.path in self.failing_paths:
            handler.send_body(500, {"statusCode": 500, "message": "Internal server error"})
            return
        route = (entry.method, entry.path)
        body = entry.json() if entry.method == "POST" else None
        if route == ("GET", "/api/auth/can-register"):
            handler.send_body(200, {"register": not (self.disable_registration and self.users)})
        elif route == ("POST", "/api/auth/register"):
            self._register(handler, body)
        elif route == ("POST", "/api/auth/login"):
            self._login(handler, body)
        elif route == ("GET", "/api/user/self"):
            self._self(handler, entry)
        else:
            handler.send_body(
                404,
                {
                    "message": f"Cannot {entry.method} {entry.path[4:]}",
                    "error": "Not Found",
                    "statusCode": 404,
                },
            )

    def _register(self, handler, body):
        errors = []
        if not 3 <= len(body.get("password", "")) <= 64:
            errors.append("password must be longer than or equal to 3 characters")
        if body.get("provider") != "LOCAL":
            errors.append("provider must be one of the following values: LOCAL")
        if errors:
            handler.send_body(400, {"statusCode": 400, "message": errors, "error": "Bad Request"})
            return
        email = body["email"].lower()
        if self.disable_registration and self.users:
            handler.send_body(400, "Registration is disabled")
        elif email in self.users:
            handler.send_body(400, "Email already exists")
        elif self.email_provider:
            self.add_user(email, body["password"], activated=False)
            handler.send_body(200, {"activate": True}, headers=[("activate", "true")])
        else:
            self.add_user(email, body["password"])
            handler.send_body(
                200, {"register": True}, headers=[("onboarding", "true"), *self._session_headers(email)]
            )

    def _login(self, handler, body):
        email = body["email"].lower()
        user = self.users.get(email)
        if user is None and self.concurrent_registration:
            self.concurrent_registration = False
            self.add_user(email, body["password"])
            handler.send_body(400, "Invalid user name or password")
            return
        if user is None or user["password"] != body["password"]:
            handler.send_body(400, "Invalid user name or password")
        elif not user["activated"]:
            handler.send_body(400, "User is not activated")
        else:
            handler.send_body(
                200, {"login": True}, headers=[("reload", "true"), *self._session_headers(email)]
            )

    def _self(self, handler, entry):
        token = entry.headers.get("auth")
        if not token:
            for part in entry.headers.get("cookie", "").split(";"):
                name, _sep, value = part.strip().partition("=")
                if name == "auth":
                    token = value
        email = self.tokens.get(token or "")
        if email is None:
            handler.send_body(401, b"", headers=[("logout", "true")])
            return
        user = self.users[email]
        handler.send_body(
            200,
            {
                "id": "user-1",
                "email": email,
                "orgId": user["org_id"],
                "role": user["role"],
                "tier": "ULTIMATE",
                "totalChannels": 10000,
                "publicApi": user["api_key"] if user["role"] in ("ADMIN", "SUPERADMIN") else "",
            },
        )


def postiz_tools(annotate=True):
    """The core Postiz tools, annotated as Postiz v2.23.0 does: triggerTool is marked read-only
    (it is not harmless), the scheduling tool open-world but not destructive."""
    read_only = {
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": False,
    }
    trigger = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": False, "openWorldHint": True}
    writes = {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False, "openWorldHint": True}
    tools = [
        ("integrationList", read_only),
        ("groupList", read_only),
        ("integrationSchema", read_only),
        ("triggerTool", trigger),
        ("integrationSchedulePostTool", writes),
    ]
    result = []
    for name, hints in tools:
        tool = {"name": name, "description": name, "inputSchema": {"type": "object", "properties": {}}}
        if annotate:
            tool["annotations"] = hints
        result.append(tool)
    return result


class FakeMcp(_FakeServer):
    """The Postiz MCP endpoint (FACTS 4.1, 4.2) at /api/mcp/<key> and /api/mcp (bearer)."""

    SUPPORTED = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")

    def __init__(
        self,
        api_key,
        sse=False,
        session_id=None,
        delays=None,
        tools=None,
        hold_sse_open=0.0,
        answer_version=None,
        page_size=None,
        sse_stall=0.0,
    ):
        super().__init__()
        self.api_key = api_key
        self.sse = sse
        self.session_id = session_id
        self.delays = delays or {}  # JSON-RPC method -> seconds
        self.tools = postiz_tools() if tools is None else tools
        self.hold_sse_open = hold_sse_open  # seconds the SSE stream stays open after the answer
        self.answer_version = answer_version  # force the initialize answer's protocolVersion
        self.page_size = page_size  # paginate tools/list
        self.sse_stall = sse_stall  # seconds between the first SSE events and the answer
        self.deleted_sessions = []
        self.calls = []  # (tool name, arguments)

    @property
    def mcp_url(self):
        return self.url + "/api/mcp"

    def handle(self, handler, entry):
        path = entry.path
        if path == "/api/mcp":
            authorization = entry.headers.get("authorization")
            if not authorization:
                handler.send_body(401, "Missing Authorization header")
                return
            if authorization.replace("Bearer ", "", 1) != self.api_key:
                handler.send_body(401, "Invalid API Key or OAuth token")
                return
        elif path.startswith("/api/mcp/"):
            if path[len("/api/mcp/") :] != self.api_key:
                handler.send_body(400, "Invalid API Key")
                return
        else:
            handler.send_body(
                404, {"message": f"Cannot {entry.method} {path[4:]}", "error": "Not Found", "statusCode": 404}
            )
            return
        if entry.method == "DELETE":
            self.deleted_sessions.append(entry.headers.get("mcp-session-id"))
            handler.send_body(200, b"")
            return
        if entry.method != "POST":
            handler.send_body(
                405,
                {"jsonrpc": "2.0", "error": {"code": -32000, "message": "Method not allowed."}, "id": None},
            )
            return
        message = entry.json()
        method = message.get("method")
        if (
            self.session_id
            and method != "initialize"
            and entry.headers.get("mcp-session-id") != self.session_id
        ):
            handler.send_body(
                400,
                {
                    "jsonrpc": "2.0",
                    "error": {"code": -32000, "message": "Bad Request: No valid session ID provided"},
                    "id": None,
                },
            )
            return
        time.sleep(self.delays.get(method, 0))
        if "id" not in message:
            handler.send_body(202, b"")
            return
        result = self._result(method, message.get("params") or {})
        headers = []
        if method == "initialize" and self.session_id:
            headers.append(("Mcp-Session-Id", self.session_id))
        answer = {"jsonrpc": "2.0", "id": message["id"]}
        answer.update(result)
        if self.sse:
            self._send_sse(handler, answer, headers)
        else:
            handler.send_body(200, answer, headers=headers)

    def _result(self, method, params):
        if method == "initialize":
            offered = params.get("protocolVersion")
            version = self.answer_version or (offered if offered in self.SUPPORTED else "2025-06-18")
            return {
                "result": {
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": False}, "logging": {}},
                    "serverInfo": {"name": "Postiz MCP", "version": "1.0.0"},
                }
            }
        if method == "tools/list":
            if not self.page_size:
                return {"result": {"tools": self.tools}}
            start = int(params.get("cursor") or 0)
            page = {"tools": self.tools[start : start + self.page_size]}
            if start + self.page_size < len(self.tools):
                page["nextCursor"] = str(start + self.page_size)
            return {"result": page}
        if method == "tools/call":
            name = params.get("name")
            self.calls.append((name, params.get("arguments")))
            if name not in [tool["name"] for tool in self.tools]:
                return {
                    "result": {
                        "content": [{"type": "text", "text": f"Unknown tool: {name}"}],
                        "isError": True,
                    }
                }
            output = {
                "output": [{"id": "ch1", "name": "Channel 1", "picture": "/no-picture.jpg", "platform": "x"}]
            }
            return {
                "result": {
                    "content": [{"type": "text", "text": json.dumps(output)}],
                    "structuredContent": output,
                }
            }
        return {"error": {"code": -32601, "message": "Method not found"}}

    def _send_sse(self, handler, answer, headers):
        handler.send_response(200)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()
        log = {
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": {"level": "info", "data": "hello"},
        }
        # A keep-alive comment, an unrelated notification, then the answer split over
        # several data lines (pretty-printed JSON), as SSE allows.
        chunks = [": keep-alive\n\n", f"event: message\ndata: {json.dumps(log)}\n\n"]
        chunks.append(
            "event: message\nid: 1\n"
            + "".join(f"data: {line}\n" for line in json.dumps(answer, indent=1).split("\n"))
            + "\n"
        )
        for index, chunk in enumerate(chunks):
            if index == len(chunks) - 1 and self.sse_stall:
                time.sleep(self.sse_stall)
            handler.wfile.write(chunk.encode("utf-8"))
            handler.wfile.flush()
        if self.hold_sse_open:
            time.sleep(self.hold_sse_open)
