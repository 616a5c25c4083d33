# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The public API throttler's rule and fixed-window math (FACTS §5.2)."""

import asyncio

import pytest
from postiz_double.backend import rate_limit as rl
from postiz_double.kv import KeyValue


@pytest.mark.parametrize(
    ("method", "url", "counted"),
    [
        ("POST", "/public/v1/posts", True),
        ("post", "/public/v1/posts?x=1", True),
        ("GET", "/public/v1/posts", False),
        ("DELETE", "/public/v1/posts/abc", False),
        ("POST", "/public/v1/upload", False),
        ("POST", "/public/v1/integration-trigger/x?next=/public/v1/posts", True),
    ],
)
def test_only_post_urls_with_the_posts_path_count(method, url, counted):
    assert rl.applies(method, url) is counted


def test_decision():
    assert rl.decide(90, 1000, 90) == rl.Decision(True, 0)
    assert rl.decide(91, 3_599_001, 90) == rl.Decision(False, 3600)
    assert rl.decide(4, 1, 3) == rl.Decision(False, 1)
    assert rl.decide(4, -1, 3).retry_after_seconds == 1


def test_key_and_body():
    assert rl.key("org-1") == "throttler:org-1_posts"
    response = rl.too_many_requests(rl.Decision(False, 12))
    assert response.status_code == 429
    assert response.body == b'{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}'
    assert response.headers["retry-after"] == "12"


def test_in_memory_window_counts_then_resets():
    async def scenario():
        kv = KeyValue(None)
        hits = [await kv.hit("k", 50) for _ in range(3)]
        await asyncio.sleep(0.08)
        after = await kv.hit("k", 50)
        await kv.set_ex("state", "org", 1)
        return hits, after, await kv.get("state"), await kv.get("missing")

    hits, after, state, missing = asyncio.run(scenario())
    assert [h for h, _ in hits] == [1, 2, 3]
    assert all(0 < ttl <= 50 for _, ttl in hits)
    assert after[0] == 1
    assert (state, missing) == ("org", None)
