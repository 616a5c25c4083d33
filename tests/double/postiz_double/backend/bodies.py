# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request bodies as Express' JSON and urlencoded parsers hand them to Nest."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse


class BadBody(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.response = JSONResponse(
            {"statusCode": 400, "message": message, "error": "Bad Request"}, status_code=400
        )


async def read_object(request: Request) -> dict[str, Any]:
    """The body as a dict; an absent or non-object body counts as ``{}``."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw:
        return {}
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadBody(f"Unexpected token in JSON: {exc}") from None
        return value if isinstance(value, dict) else {}
    return {}
