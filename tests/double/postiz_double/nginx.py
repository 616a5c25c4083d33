# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the image's nginx (Debian bookworm, 1.22.1) adds: its error pages and Server header."""

from __future__ import annotations

from starlette.responses import Response

SERVER = "nginx/1.22.1"

_REASONS = {
    301: "Moved Permanently",
    403: "Forbidden",
    404: "Not Found",
    405: "Not Allowed",
    502: "Bad Gateway",
}


def error_page(status: int) -> str:
    title = f"{status} {_REASONS[status]}"
    return (
        "<html>\r\n"
        f"<head><title>{title}</title></head>\r\n"
        "<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n"
        f"<hr><center>{SERVER}</center>\r\n"
        "</body>\r\n"
        "</html>\r\n"
    )


def error_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(error_page(status), status_code=status, media_type="text/html", headers=headers)


def bad_gateway() -> Response:
    """What nginx answers on /api/ while nothing listens on :3000."""
    return error_response(502)
