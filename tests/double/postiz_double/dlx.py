# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The image's ``pnpm dlx prisma@6.5.0``: fetch Prisma from the npm registry, or exit non-zero.

Every start of the real image runs ``pnpm dlx prisma@6.5.0 db push …`` before anything else,
and pnpm downloads the Prisma CLI from the registry that ``npm_config_registry`` names
(https://registry.npmjs.org/ by default; gitroomhq/postiz-app#2081). When the registry
cannot be reached pnpm prints an ``ERR_PNPM_…`` line and the ``&&`` chain stops, so the
container exits, restarts and never becomes healthy. The double does the same two requests:
the package document (what pnpm resolves ``prisma@6.5.0`` from) and the tarball it names.
The tarball is asked with HEAD: the double runs no Prisma code, it only has to prove the
registry serves the file, and the real tarball is megabytes that every start would fetch again.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping

from . import logs

PACKAGE = "prisma"
VERSION = "6.5.0"
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
# pnpm asks for the abbreviated ("corgi") document, which a full one also satisfies.
ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
TIMEOUT_S = 10.0


class FetchFailed(RuntimeError):
    """Printed already; the caller only has to exit with a non-zero status."""


def registry_url(env: Mapping[str, str]) -> str:
    """The registry pnpm uses: npm_config_registry (npm's env config is case-insensitive), with a slash."""
    value = env.get("npm_config_registry") or env.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    return value if value.endswith("/") else value + "/"


def _fail(line: str) -> FetchFailed:
    logs.plain(f" {line}")
    return FetchFailed(line.strip())


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, Exception) else Exception(str(exc.reason))
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _request(url: str, method: str) -> urllib.request.Request:
    return urllib.request.Request(
        url, method=method, headers={"Accept": ACCEPT, "User-Agent": "pnpm (postiz contract double)"}
    )


def _fetch(url: str, method: str, unreachable: str, context: ssl.SSLContext, timeout: float) -> bytes:
    """The answer's body; an HTTP error or an unreachable server fails as pnpm reports it."""
    try:
        with urllib.request.urlopen(_request(url, method), timeout=timeout, context=context) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        raise _fail(f"ERR_PNPM_FETCH_{exc.code}  GET {url}: {exc.reason} - {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _fail(f"{unreachable}  GET {url}: request to {url} failed, reason: {_reason(exc)}") from None


def tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """The system's certificate authorities plus those NODE_EXTRA_CA_CERTS names, as Node trusts.

    Node prints a warning and goes on without them when the file cannot be loaded.
    """
    context = ssl.create_default_context()
    extra = env.get("NODE_EXTRA_CA_CERTS")
    if extra:
        try:
            context.load_verify_locations(cafile=extra)
        except (OSError, ssl.SSLError) as exc:
            logs.plain(f"Warning: Ignoring extra certs from `{extra}`, load failed: {_reason(exc)}")
    return context


def fetch_prisma(env: Mapping[str, str], timeout: float = TIMEOUT_S) -> str:
    """Resolve prisma@6.5.0 at the configured registry and check its tarball; return the tarball URL.

    Raises FetchFailed after printing pnpm-style error lines.
    """
    registry = registry_url(env)
    context = tls_context(env)
    meta_url = registry + PACKAGE
    logs.plain(f"Progress: resolved 0, reused 0, downloaded 0, added 0 ({registry})")
    body = _fetch(meta_url, "GET", "ERR_PNPM_META_FETCH_FAIL", context, timeout)
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise _fail(f"ERR_PNPM_BROKEN_METADATA_JSON  GET {meta_url}: {_reason(exc)}") from None

    version = (document.get("versions") or {}).get(VERSION) if isinstance(document, dict) else None
    tarball = ((version or {}).get("dist") or {}).get("tarball")
    if not isinstance(tarball, str) or not tarball:
        raise _fail(
            f"ERR_PNPM_NO_MATCHING_VERSION  No matching version found for {PACKAGE}@{VERSION} "
            f"while fetching it from {registry}"
        )
    _fetch(tarball, "HEAD", "ERR_PNPM_TARBALL_FETCH_FAIL", context, timeout)
    logs.plain(f"Packages: +1 ({PACKAGE}@{VERSION} from {registry})")
    return tarball
