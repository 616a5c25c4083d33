# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Redis as the backend uses it: OAuth state keys (FACTS §3.1) and the throttler (FACTS §5.2).

With ``REDIS_URL`` unset Postiz falls back to an in-memory mock; the double then keeps
the same keys in process memory so the routes still work (FACTS §13 open question 5:
whether the real throttler copes with the mock is unknown).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

REDIS_TIMEOUT_SECONDS = 5.0

# INCR, start the window on the first hit (and heal a key that lost its TTL), report the TTL.
_HIT_SCRIPT = """
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if hits == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""


class KeyValue:
    """One lazily created client shared by all requests (redis-py pools connections)."""

    def __init__(self, redis_url: str | None):
        self._url = redis_url
        self._client: Any = None
        self._memory: dict[str, tuple[Any, float | None]] = {}
        self._lock = asyncio.Lock()

    @property
    def in_memory(self) -> bool:
        return not self._url

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as redis_asyncio  # lazy: unit tests run without the driver

            self._client = redis_asyncio.from_url(
                self._url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                decode_responses=True,
            )
        return self._client

    # -- in-memory fallback ------------------------------------------------------------------

    def _live(self, key: str) -> Any:
        value, expires = self._memory.get(key, (None, None))
        if expires is not None and expires <= time.monotonic():
            self._memory.pop(key, None)
            return None
        return value

    # -- operations --------------------------------------------------------------------------

    async def set_ex(self, key: str, value: str, seconds: int) -> None:
        if self.in_memory:
            self._memory[key] = (value, time.monotonic() + seconds)
            return
        await self._redis().set(key, value, ex=seconds)

    async def get(self, key: str) -> str | None:
        if self.in_memory:
            return self._live(key)
        return await self._redis().get(key)

    async def hit(self, key: str, window_ms: int) -> tuple[int, int]:
        """Count one hit in a fixed window; return (hits so far, ms until the window ends)."""
        if self.in_memory:
            async with self._lock:
                hits = (self._live(key) or 0) + 1
                _, expires = self._memory.get(key, (None, None))
                now = time.monotonic()
                if hits == 1 or expires is None:
                    expires = now + window_ms / 1000
                self._memory[key] = (hits, expires)
                return hits, int((expires - now) * 1000)
        hits, ttl = await self._redis().eval(_HIT_SCRIPT, 1, key, window_ms)
        return int(hits), int(ttl)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
