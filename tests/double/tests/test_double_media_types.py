# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upload sniffing, limits and stored names (FACTS §5.3)."""

import re
from datetime import datetime

import pytest
from postiz_double import media_types as mt


@pytest.mark.parametrize(
    ("head", "mime", "ext"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "png"),
        (b"GIF89a\x01\x00", "image/gif", "gif"),
        (b"GIF87a\x01\x00", "image/gif", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", "webp"),
        (b"BM" + b"\x00" * 20, "image/bmp", "bmp"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff", "tif"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff", "tif"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "image/avif", "avif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4", "mp4"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4", "mp4"),
    ],
)
def test_sniff_allowed(head, mime, ext):
    kind = mt.sniff(head)
    assert (kind.mime, kind.extension) == (mime, ext)


@pytest.mark.parametrize(
    "head",
    [
        b"<svg xmlns=",
        b"<html>",
        b"%PDF-1.7",
        b"\x00\x00\x00\x14ftypqt  ",
        b"\x00\x00\x00\x18ftypheic",
        b"",
        b"BM",
    ],
)
def test_sniff_refused(head):
    assert mt.sniff(head) is None


def test_limits_by_kind():
    assert mt.sniff(b"\x89PNG\r\n\x1a\n").max_bytes == 10 * 1024 * 1024
    video = mt.sniff(b"\x00\x00\x00\x18ftypisom")
    assert video.max_bytes == 1024**3 and video.media_kind == "video"


def test_random_name_shape():
    for _ in range(200):
        name = mt.random_name()
        assert 32 <= len(name) <= 64 and re.fullmatch(r"[0-9a-f]+", name)


def test_paths():
    relative = mt.dated_relative_path("abc", "png", datetime(2026, 1, 2, 3, 4))
    assert relative == "2026/01/02/abc.png"
    assert (
        mt.public_url("https://p.example.com", relative) == "https://p.example.com/uploads/2026/01/02/abc.png"
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://cdn.example.com/a.PNG", True),
        ("https://cdn.example.com/a.jpeg?x=1", True),
        ("https://cdn.example.com/a.mp4", True),
        ("https://cdn.example.com/a.svg", False),
        ("https://cdn.example.com/a.png/", False),
        ("https://cdn.example.com/", False),
    ],
)
def test_url_extension(url, ok):
    assert mt.url_has_media_extension(url) is ok
