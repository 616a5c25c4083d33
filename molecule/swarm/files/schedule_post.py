#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schedule one post on every connected channel through MCP, as an AI client would.

Streamable HTTP to ``--url`` with the Python ``mcp`` SDK (1.x client API) and the API key
from the environment (POSTIZ_API_KEY, never printed): initialize, tools/list,
integrationList, then integrationSchedulePostTool for tomorrow with ``--content``.
Prints one JSON report: the channels, the post ids and each step's milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import time

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

SETTINGS = {"x": [{"key": "who_can_reply_post", "value": "everyone"}]}


def output_of(result):
    if result.isError:
        raise RuntimeError(f"the tool answered an error: {result.content}")
    return (result.structuredContent or {}).get("output", result.structuredContent)


async def schedule(url, key, content):
    timings = {}

    async def timed(step, call):
        began = time.perf_counter()
        answer = await asyncio.wait_for(call, 60)
        timings[step] = round((time.perf_counter() - began) * 1000, 1)
        return answer

    headers = {"Authorization": f"Bearer {key}"}
    async with (
        streamablehttp_client(url, headers=headers, timeout=30) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await timed("initialize", session.initialize())
        await timed("tools/list", session.list_tools())
        channels = output_of(await timed("integrationList", session.call_tool("integrationList", {})))
        date = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        posts = [
            {
                "integrationId": channel["id"],
                "isPremium": False,
                "date": date,
                "shortLink": False,
                "type": "schedule",
                "postsAndComments": [{"content": f"<p>{content}</p>", "attachments": []}],
                "settings": SETTINGS.get(channel["platform"], []),
            }
            for channel in channels
        ]
        scheduled = output_of(
            await timed(
                "integrationSchedulePostTool",
                session.call_tool("integrationSchedulePostTool", {"socialPost": posts}),
            )
        )
    return {
        "channels": [channel["platform"] for channel in channels],
        "post_ids": [entry["postId"] for entry in scheduled],
        "date": date,
        "ms": timings,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--content", required=True)
    args = parser.parse_args()
    report = asyncio.run(schedule(args.url, os.environ["POSTIZ_API_KEY"], args.content))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
