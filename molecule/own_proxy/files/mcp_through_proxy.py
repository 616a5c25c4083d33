#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An MCP client (the Python SDK, streamable HTTP) through the user's own TLS proxy.

Run on the controller inside the machine's network namespace: the public host name is
sent as SNI and Host while the connection goes to the machine's 127.0.0.1 (the
machine's /etc/hosts says so, but this process reads the controller's), and the proxy's
self-signed certificate is the one trusted root. The API key comes from the environment
(POSTIZ_API_KEY), never from the command line. Prints one JSON report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
from urllib.parse import urlsplit

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


def pin_host(host: str, address: str) -> None:
    real = socket.getaddrinfo
    # anyio (under httpx) asks with the IDNA-encoded name, as bytes.
    names = {host, host.encode("idna")}

    def getaddrinfo(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        return real(address if name in names else name, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


async def run(url: str, cafile: str, key: str) -> dict[str, object]:
    context = ssl.create_default_context(cafile=cafile)
    async with (
        httpx.AsyncClient(
            verify=context, headers={"Authorization": f"Bearer {key}"}, timeout=httpx.Timeout(30, read=120)
        ) as client,
        streamable_http_client(url, http_client=client) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        tools = sorted(t.name for t in (await session.list_tools()).tools)
        channels = await session.call_tool("integrationList", {})
        return {
            "server": f"{init.serverInfo.name} {init.serverInfo.version}",
            "protocol": init.protocolVersion,
            "tools": tools,
            "integration_list_error": channels.isError,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="the MCP URL, https://<public host>/api/mcp")
    parser.add_argument("--cafile", required=True, help="the proxy's certificate (the one trusted root)")
    parser.add_argument("--address", default="127.0.0.1", help="where the public host name points")
    args = parser.parse_args()
    pin_host(urlsplit(args.url).hostname or "", args.address)
    report = asyncio.run(run(args.url, args.cafile, os.environ["POSTIZ_API_KEY"]))
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
