# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The suite's stand-in npm registry: just enough of one for the app's start-up ``pnpm dlx prisma@6.5.0``.

The test machines have egress, but tests must never reach the internet: every scenario points
the app (postiz_stack_npm_registry) at this server. It holds one package, ``prisma`` with the one
version the image asks for, generated here at start: the package document a registry answers at
``/prisma`` (its tarball URL built from the request's Host header, as registries do) and a tiny
tarball at ``/prisma/-/prisma-6.5.0.tgz`` with a package.json only (the contract double fetches
it and runs no Prisma code; the real image cannot use it). ``/-/ping`` answers ``{}`` like npm's.

Standard library only: tests/machines/registry.sh runs it with the base image's python3
(``python3 -c "<this file>" --port 4873``), and the double's unit tests import it.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import ssl
import tarfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PACKAGE = "prisma"
VERSIONS = ("6.5.0",)


def make_tarball(version: str) -> bytes:
    """A reproducible npm tarball: package/package.json only, mtime 0."""
    manifest = json.dumps({"name": PACKAGE, "version": version, "description": "stand-in"}).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(manifest))
    return gzip.compress(raw.getvalue(), mtime=0)


TARBALLS = {f"/{PACKAGE}/-/{PACKAGE}-{v}.tgz": (v, make_tarball(v)) for v in VERSIONS}


def package_document(base_url: str) -> dict:
    """The package document for registry base_url (no trailing slash)."""
    versions = {}
    for path, (version, data) in TARBALLS.items():
        versions[version] = {
            "name": PACKAGE,
            "version": version,
            "dist": {
                "tarball": base_url + path,
                "shasum": hashlib.sha1(data).hexdigest(),
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            },
        }
    return {"name": PACKAGE, "dist-tags": {"latest": VERSIONS[-1]}, "versions": versions}


class Handler(BaseHTTPRequestHandler):
    server_version = "npm-stand-in/1"

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/-/ping":
            self._answer(200, b"{}", "application/json")
        elif path == f"/{PACKAGE}":
            host = (
                self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            )
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            body = json.dumps(package_document(f"{scheme}://{host}")).encode()
            self._answer(200, body, "application/json")
        elif path in TARBALLS:
            self._answer(200, TARBALLS[path][1], "application/octet-stream")
        else:
            self._answer(404, b'{"error":"Not found"}', "application/json")

    do_GET = _route
    do_HEAD = _route

    def log_message(self, format, *args):
        if self.path == "/-/ping":  # the health check, every 2 s
            return
        print(f"{self.address_string()} {format % args}", flush=True)


def serve(host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=4873)
    args = parser.parse_args()
    server = serve(args.host, args.port)
    print(f"npm stand-in serves {PACKAGE}@{','.join(VERSIONS)} on {args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
