# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The public API throttler (FACTS §5.2).

One fixed window of one hour per organization, ``API_LIMIT`` hits (default 90), only for
``POST`` requests whose URL contains ``/public/v1/posts``. The counter lives in the real
Redis under ``throttler:<orgId>_posts``; the window starts at the first hit and every
hit inside it counts, whatever the request's outcome (the guard runs before validation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.responses import JSONResponse

WINDOW_MS = 3_600_000
THROTTLED_PATH = "/public/v1/posts"
TOO_MANY = {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}


def applies(method: str, url: str) -> bool:
    """Only POSTs whose URL (path and query) contains /public/v1/posts are counted."""
    return method.upper() == "POST" and THROTTLED_PATH in url


def key(org_id: str) -> str:
    return f"throttler:{org_id}_posts"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int  # whole seconds until the window ends (0 while allowed)


def decide(hits: int, ttl_ms: int, limit: int) -> Decision:
    """The hit that makes the count exceed ``limit`` and every later one in the window are refused."""
    if hits <= limit:
        return Decision(True, 0)
    return Decision(False, max(1, math.ceil(max(ttl_ms, 0) / 1000)))


def too_many_requests(decision: Decision) -> JSONResponse:
    # Retry-After mirrors @nestjs/throttler; FACTS only fixes the status and body.
    return JSONResponse(TOO_MANY, status_code=429, headers={"Retry-After": str(decision.retry_after_seconds)})
