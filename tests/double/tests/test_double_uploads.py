# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nginx's /uploads/ MIME map and path normalisation (FACTS §1.3)."""

import pytest
from postiz_double.uploads import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, mime_type, normalised_upload_path


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.JPG", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("a.bmp", "image/bmp"),
        ("a.tif", "image/tiff"),
        ("a.tiff", "image/tiff"),
        ("a.mp4", "video/mp4"),
        ("a.svg", "application/octet-stream"),
        ("a.html", "application/octet-stream"),
        ("a.js", "application/octet-stream"),
        ("a.mov", "application/octet-stream"),
        ("noext", "application/octet-stream"),
        ("dir.png/file", "application/octet-stream"),
    ],
)
def test_mime_map(name, mime):
    assert mime_type(name) == mime


def test_security_headers():
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'none'; img-src 'self'; media-src 'self';")
    assert CONTENT_SECURITY_POLICY.endswith("sandbox")


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("/uploads/2026/01/02/abc.png", "2026/01/02/abc.png"),
        ("/uploads//2026/./01/02/abc.png", "2026/01/02/abc.png"),
        ("/uploads/2026/../2026/01/abc.png", "2026/01/abc.png"),
        ("/uploads/2026/", "2026/"),
        ("/uploads/../etc/passwd", None),
        ("/uploads/../../etc/passwd", None),
        ("/uploadsx/a.png", None),
    ],
)
def test_normalised_upload_path(path, relative):
    assert normalised_upload_path(path) == relative
