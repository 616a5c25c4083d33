# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app container's healthcheck, as compose.yaml renders it, run by Node against a local
server that answers each path with a chosen status (tests/host-deps.sh installs Node)."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading

import pytest
from compose_template import render

APP_PORT = "port: 5000"


def probe_script():
    test = render()["services"]["postiz"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "node", "-e"]
    return test[3]


class Answer(http.server.BaseHTTPRequestHandler):
    """Each path's status from the server's table; a redirect's Location that must not be followed."""

    def do_GET(self):
        self.server.asked.append(self.path)
        self.send_response(self.server.statuses.get(self.path, 404))
        self.send_header("Location", "/auth")
        self.end_headers()
        self.wfile.write(b"body")

    def log_message(self, *args):
        pass


class Answers(http.server.ThreadingHTTPServer):
    """127.0.0.1 only (an app on IPv4 never answers a probe of ::1); records the paths asked."""

    def __init__(self, statuses):
        self.statuses, self.asked = statuses, []
        super().__init__(("127.0.0.1", 0), Answer)


def run_probe(port):
    node = shutil.which("node")
    assert node, "Node is missing: tests/host-deps.sh (make host-deps) installs it"
    script = probe_script()
    assert APP_PORT in script, "the probe no longer names the app's port as the test expects"
    proc = subprocess.run(
        [node, "-e", script.replace(APP_PORT, f"port: {port}")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc.returncode


@pytest.mark.parametrize(
    "statuses, healthy",
    [
        ({"/api/": 200, "/": 200}, True),
        ({"/api/": 200, "/": 307}, True),  # the frontend redirects to its login page
        ({"/api/": 200, "/": 404}, True),
        ({"/api/": 500, "/": 200}, False),
        ({"/api/": 404, "/": 200}, False),
        ({"/api/": 301, "/": 200}, False),
        ({"/api/": 200, "/": 502}, False),
    ],
)
def test_the_probe_wants_the_backend_at_200_and_the_frontend_below_500(statuses, healthy):
    server = Answers(statuses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = run_probe(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    assert code == (0 if healthy else 1)
    # Both paths asked, and a redirect not followed.
    assert sorted(server.asked) == ["/", "/api/"]


def test_the_probe_fails_when_nothing_answers():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert run_probe(port) == 1
