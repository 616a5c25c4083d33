# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NestJS/Express response shapes (FACTS §5.6)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..config import Settings
from ..cookies import cleared_cookie, cookie_domain

# Express' res.send(<string>) labels strings as HTML; Nest controllers that send text
# (``App is running!``, the auth errors) therefore answer text/html.
EXPRESS_TEXT = "text/html; charset=utf-8"


def express_text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, headers=headers, media_type=EXPRESS_TEXT)


def not_found(request: Request) -> JSONResponse:
    # Nest reports the backend path (no /api prefix) with its query string.
    url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return JSONResponse(
        {"message": f"Cannot {request.method} {url}", "error": "Not Found", "statusCode": 404},
        status_code=404,
    )


def validation_failed(messages: Iterable[str]) -> JSONResponse:
    return JSONResponse(
        {"statusCode": 400, "message": list(messages), "error": "Bad Request"}, status_code=400
    )


def internal_error() -> JSONResponse:
    return JSONResponse({"statusCode": 500, "message": "Internal server error"}, status_code=500)


def unauthorized_logout(settings: Settings) -> Response:
    """Dashboard auth failure: 401, empty body, ``logout: true`` and the cookie cleared."""
    response = Response(b"", status_code=401, headers={"logout": "true"})
    response.headers.append(
        "set-cookie", cleared_cookie(cookie_domain(settings.frontend_url), settings.not_secured)
    )
    return response
