# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nginx's ``location /uploads/`` (alias /uploads/): static files, locked down (FACTS §1.3)."""

from __future__ import annotations

import os
import posixpath

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from . import nginx

PREFIX = "/uploads/"

# The only types nginx's map knows; everything else is served as a download blob.
MIME_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "mp4": "video/mp4",
}
DEFAULT_MIME = "application/octet-stream"

# FACTS quotes the start and the end of the policy ("default-src 'none'; img-src 'self';
# media-src 'self'; … sandbox"); the directives elided there are not reproduced.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def mime_type(filename: str) -> str:
    """nginx matches extensions case-insensitively."""
    _, dot, ext = filename.rpartition(".")
    if not dot:
        return DEFAULT_MIME
    return MIME_TYPES.get(ext.lower(), DEFAULT_MIME)


def normalised_upload_path(path: str) -> str | None:
    """The path below the uploads root, or None if (after nginx's normalisation of
    ``.``/``..``/``//``) the URI no longer falls in ``/uploads/``."""
    collapsed = posixpath.normpath("/" + path.lstrip("/"))
    if path.endswith("/") and not collapsed.endswith("/"):
        collapsed += "/"
    if not collapsed.startswith(PREFIX):
        return None
    return collapsed[len(PREFIX) :]


def serve(request: Request, root: str, relative: str) -> Response:
    if request.method not in ("GET", "HEAD"):
        return nginx.error_response(405)
    target = os.path.join(root, relative)
    if os.path.isdir(target):
        if not request.url.path.endswith("/"):
            return RedirectResponse(request.url.path + "/", status_code=301)
        return nginx.error_response(403)  # no index.html, autoindex off
    if not os.path.isfile(target):
        return nginx.error_response(404)
    if not os.access(target, os.R_OK):
        return nginx.error_response(403)
    return FileResponse(target, media_type=mime_type(target), headers=dict(SECURITY_HEADERS))
