#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Latency of Postiz's MCP endpoint: N ``tools/call integrationList`` through the Python SDK.

Connects once with the ``mcp`` SDK (streamable HTTP, the stateless way Postiz serves it:
every call is its own HTTP POST), does the ``initialize`` handshake, then times N calls
of the read-only tool ``integrationList`` one after the other and prints p50, p95, max.

    .venv/bin/python bench/mcp_latency.py --url http://127.0.0.1:4007/api/mcp --key-file key.txt
    .venv/bin/python bench/mcp_latency.py --project-dir /opt/postiz   # key read from the deployment

A key is never taken from the command line (it would show in ``ps``): give a file, the
``POSTIZ_API_KEY`` variable, or ``--project-dir``, which logs in as the admin with the
password in ``<project dir>/secrets/secrets.json`` (run as root) and reads the key like
the ``postiz_admin`` module does. It prints figures and changes nothing; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookies
import json
import math
import os
import statistics
import sys
import time
import urllib.request

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

TOOL = "integrationList"


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_ms[max(1, math.ceil(len(sorted_ms) * fraction)) - 1]


def _post(url: str, body: dict, headers: dict | None = None) -> tuple[dict, object]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response), response.headers


def key_from_project(project_dir: str, base_url: str, email: str) -> str:
    """Log in as the admin the role created and read the organization's key."""
    with open(os.path.join(project_dir, "secrets", "secrets.json"), encoding="utf-8") as handle:
        password = json.load(handle)["POSTIZ_ADMIN_PASSWORD"]
    _body, headers = _post(
        f"{base_url}/api/auth/login", {"email": email, "password": password, "provider": "LOCAL"}
    )
    token = headers.get("auth")
    if not token:
        cookie = http.cookies.SimpleCookie()
        for value in headers.get_all("Set-Cookie") or []:
            cookie.load(value)
        token = cookie["auth"].value if "auth" in cookie else None
    if not token:
        sys.exit("login gave no session; check --admin-email and that the admin exists")
    request = urllib.request.Request(f"{base_url}/api/user/self", headers={"auth": token})
    with urllib.request.urlopen(request, timeout=30) as response:
        key = json.load(response).get("publicApi")
    if not key:
        sys.exit(f"{email} cannot see the organization's API key (not its owner or an admin)")
    return key


async def measure(url: str, key: str, count: int, warmup: int) -> tuple[list[float], float]:
    async with (
        streamablehttp_client(url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as (
            read,
            write,
            _,
        ),
        ClientSession(read, write) as session,
    ):
        began = time.perf_counter()
        await session.initialize()
        handshake_ms = (time.perf_counter() - began) * 1000
        for _ in range(warmup):
            await session.call_tool(TOOL, {})
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            result = await session.call_tool(TOOL, {})
            samples.append((time.perf_counter() - began) * 1000)
            if result.isError:
                sys.exit(f"{TOOL} answered an error: {result.content[0].text[:200]}")
    return samples, handshake_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="MCP endpoint without the key (default: <local URL>/api/mcp)")
    parser.add_argument("--key-file", help="file holding the organization API key")
    parser.add_argument("--project-dir", help="deployed project; the key is read by logging in as the admin")
    parser.add_argument(
        "--base-url", default="http://127.0.0.1:4007", help="app URL for --project-dir logins"
    )
    parser.add_argument("--admin-email", default="admin@localhost.localdomain")
    parser.add_argument("-n", "--count", type=int, default=200, help="timed calls (default 200)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls first (default 5)")
    args = parser.parse_args(argv)

    base_url = args.base_url.rstrip("/")
    url = args.url or f"{base_url}/api/mcp"
    if args.key_file:
        with open(args.key_file, encoding="utf-8") as handle:
            key = handle.read().strip()
    elif os.environ.get("POSTIZ_API_KEY"):
        key = os.environ["POSTIZ_API_KEY"]
    elif args.project_dir:
        key = key_from_project(args.project_dir, base_url, args.admin_email)
    else:
        parser.error("give --key-file, POSTIZ_API_KEY or --project-dir")

    samples, handshake_ms = asyncio.run(measure(url, key, args.count, args.warmup))
    ordered = sorted(samples)
    print(f"MCP {url}: {len(samples)} x tools/call {TOOL} (stateless streamable HTTP, one POST each)")
    print(f"  initialize {handshake_ms:.1f} ms")
    print(
        f"  p50 {percentile(ordered, 0.50):.1f} ms   p95 {percentile(ordered, 0.95):.1f} ms   "
        f"max {ordered[-1]:.1f} ms   mean {statistics.fmean(ordered):.1f} ms   min {ordered[0]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
