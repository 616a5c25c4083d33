# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Saving uploads to local storage and fetching media by URL (FACTS §2.7, §5.3); shared by MCP.

The double never fetches anything off the machine: a public URL is refused with the same
``Failed to fetch URL`` Postiz gives when the fetch fails. Only with
``DISABLE_SSRF_PROTECTION=true`` does it fetch, and then only from loopback or private
addresses (a test fixture server), never from a public one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import tempfile
from typing import IO, Any
from urllib.parse import urlsplit

from .. import content_repo, logs, media_types
from ..config import Settings
from ..db import utcnow
from ..temporal_ops import describe_error

FETCH_TIMEOUT_SECONDS = 10.0
RESOLVE_TIMEOUT_SECONDS = 3.0
FETCH_FAILED = "Failed to fetch URL"
UNSUPPORTED = "Unsupported file type."
TOO_LARGE = "File is too large."


class UploadRefused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def body(self) -> dict[str, Any]:
        if self.status == 500:
            return {"statusCode": 500, "message": "Internal server error"}
        return {"msg": self.message}


def media_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "originalName": row["originalName"],
        "path": row["path"],
        "thumbnail": row["thumbnail"],
        "alt": row["alt"],
    }


def _local_directory(settings: Settings) -> str:
    provider = settings.storage_provider or "local"
    if provider != "local" or not settings.upload_directory:
        # Cloudflare R2 cannot be reached offline; other values throw in Postiz's factory.
        logs.error("UploadFactory", f"Storage provider {provider!r} is not usable by the contract double")
        raise UploadRefused("storage", status=500)
    return settings.upload_directory


async def save(ctx, org_id: str, source: IO[bytes], size: int) -> dict[str, Any]:
    """Sniff, check size, write ``YYYY/MM/DD/<hex>.<ext>`` and add the Media row."""
    source.seek(0)
    kind = media_types.sniff(source.read(media_types.SNIFF_BYTES))
    if kind is None:
        raise UploadRefused(UNSUPPORTED)
    if size > kind.max_bytes:
        raise UploadRefused(TOO_LARGE)
    settings = ctx.settings
    directory = _local_directory(settings)
    relative = media_types.dated_relative_path(media_types.random_name(), kind.extension, utcnow())
    target = os.path.join(directory, relative)

    def write() -> None:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        source.seek(0)
        with open(target, "wb") as out:
            shutil.copyfileobj(source, out)

    await asyncio.to_thread(write)
    async with ctx.database.connect() as conn:
        row = await content_repo.insert_media(
            conn,
            org_id=org_id,
            name=os.path.basename(relative),
            path=media_types.public_url(settings.frontend_url, relative),
            kind=kind.media_kind,
            size=size,
        )
    return media_json(row)


async def _only_non_public(host: str, port: int) -> bool:
    """True if every address of ``host`` is loopback/private (never resolves when protection is on)."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port), timeout=RESOLVE_TIMEOUT_SECONDS)
        except (OSError, TimeoutError):
            return False
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return bool(addresses) and not any(a.is_global for a in addresses)


async def _download(url: str, sink: IO[bytes]) -> int:
    import httpx  # lazy: only this path needs it

    size = 0
    client = httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, trust_env=False, follow_redirects=False)
    async with client, client.stream("GET", url) as response:
        if response.status_code >= 300:
            raise UploadRefused(FETCH_FAILED)
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > media_types.VIDEO_MAX_BYTES:
                raise UploadRefused(TOO_LARGE)
            sink.write(chunk)
    return size


async def from_url(ctx, org_id: str, url: str) -> dict[str, Any]:
    settings = ctx.settings
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UploadRefused(FETCH_FAILED) from None
    if parts.scheme not in ("http", "https") or not host:
        raise UploadRefused(FETCH_FAILED)
    if not media_types.url_has_media_extension(url):
        raise UploadRefused(UNSUPPORTED)
    if not settings.disable_ssrf_protection:
        # Postiz would fetch public HTTPS URLs; the test double has no way out (see module doc).
        raise UploadRefused(FETCH_FAILED)
    if not await _only_non_public(host, port):
        raise UploadRefused(FETCH_FAILED)
    with tempfile.TemporaryFile() as sink:
        try:
            size = await _download(url, sink)
        except UploadRefused:
            raise
        except Exception as exc:
            logs.warn("MediaService", f"upload-from-url fetch failed: {describe_error(exc)}")
            raise UploadRefused(FETCH_FAILED) from None
        return await save(ctx, org_id, sink, size)
