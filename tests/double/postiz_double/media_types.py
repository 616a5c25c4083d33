# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upload rules of FACTS §5.3: type sniffed from the bytes, size caps, stored file names.

The declared Content-Type and the client's file name are ignored, as in Postiz.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

IMAGE_MAX_BYTES = 10 * 1024 * 1024
VIDEO_MAX_BYTES = 1024 * 1024 * 1024
SNIFF_BYTES = 64
# What a media URL must end with (upload-from-url, post images, MCP attachments).
URL_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4")

# ISO BMFF brands that are MP4 video (file-type reports these as video/mp4).
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"mmp4",
}
_AVIF_BRANDS = {b"avif", b"avis"}


@dataclass(frozen=True)
class MediaType:
    mime: str
    extension: str

    @property
    def is_video(self) -> bool:
        return self.mime.startswith("video/")

    @property
    def max_bytes(self) -> int:
        return VIDEO_MAX_BYTES if self.is_video else IMAGE_MAX_BYTES

    @property
    def media_kind(self) -> str:
        """``Media.type``."""
        return "video" if self.is_video else "image"


def sniff(head: bytes) -> MediaType | None:
    """The allowed type the leading bytes prove, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType("image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType("image/png", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType("image/gif", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType("image/webp", "webp")
    if head[:2] == b"BM" and len(head) >= 14:
        return MediaType("image/bmp", "bmp")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaType("image/tiff", "tif")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return MediaType("image/avif", "avif")
        if brand in _MP4_BRANDS:
            return MediaType("video/mp4", "mp4")
    return None


def random_name() -> str:
    """32 draws of 0..16 in hex, so 32 to 64 characters (FACTS §5.3)."""
    return "".join(format(secrets.randbelow(17), "x") for _ in range(32))


def dated_relative_path(name: str, extension: str, now: datetime) -> str:
    return f"{now:%Y/%m/%d}/{name}.{extension}"


def public_url(frontend_url: str | None, relative: str) -> str:
    return f"{frontend_url if frontend_url is not None else 'undefined'}/uploads/{relative}"


def url_has_media_extension(url: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return path.lower().endswith(URL_EXTENSIONS)
