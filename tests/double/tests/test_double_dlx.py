# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The start-up ``pnpm dlx prisma@6.5.0``: Prisma comes from the configured registry, or the start fails.

The registry is the suite's stand-in (tests/machines/npm_registry.py) on 127.0.0.1, in a thread.
"""

import contextlib
import importlib.util
import json
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from postiz_double import __main__ as entry
from postiz_double import dbpush, dlx

STANDIN = Path(__file__).resolve().parents[2] / "machines" / "npm_registry.py"
_spec = importlib.util.spec_from_file_location("npm_registry_standin", STANDIN)
npm_registry = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(npm_registry)


@contextlib.contextmanager
def _running(server: ThreadingHTTPServer):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def standin():
    with _running(npm_registry.serve("127.0.0.1", 0)) as url:
        yield url


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "https://registry.npmjs.org/"),
        ({"npm_config_registry": ""}, "https://registry.npmjs.org/"),
        ({"npm_config_registry": "http://npm.example:4873"}, "http://npm.example:4873/"),
        ({"NPM_CONFIG_REGISTRY": "https://npm.example/repo/npm/"}, "https://npm.example/repo/npm/"),
        ({"npm_config_registry": "http://a/", "NPM_CONFIG_REGISTRY": "http://b/"}, "http://a/"),
    ],
)
def test_the_registry_is_npm_config_registry_else_the_public_one(env, expected):
    assert dlx.registry_url(env) == expected


def test_prisma_comes_from_the_configured_registry(standin, capsys):
    tarball = dlx.fetch_prisma({"npm_config_registry": standin})
    assert tarball == f"{standin}/prisma/-/prisma-6.5.0.tgz"
    assert f"prisma@6.5.0 from {standin}/" in capsys.readouterr().out


def test_an_unreachable_registry_fails_like_pnpm_naming_the_url(capsys):
    registry = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(dlx.FetchFailed):
        dlx.fetch_prisma({"npm_config_registry": registry}, timeout=5)
    out = capsys.readouterr().out
    assert (
        f"ERR_PNPM_META_FETCH_FAIL  GET {registry}/prisma: request to {registry}/prisma failed, reason:"
        in out
    )
    assert "Connection refused" in out or "ConnectionRefusedError" in out


def test_a_registry_without_prisma_answers_404(standin, capsys):
    with pytest.raises(dlx.FetchFailed):
        dlx.fetch_prisma({"npm_config_registry": f"{standin}/elsewhere/"})
    assert f"ERR_PNPM_FETCH_404  GET {standin}/elsewhere/prisma: Not Found - 404" in capsys.readouterr().out


class _OtherVersionsOnly(BaseHTTPRequestHandler):
    tarball = ""

    def do_GET(self):
        versions = {"9.9.9": {"dist": {"tarball": "http://127.0.0.1:1/x.tgz"}}}
        if self.tarball:
            versions["6.5.0"] = {"dist": {"tarball": self.tarball}}
        body = json.dumps({"name": "prisma", "versions": versions}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_registry_without_the_version_says_no_matching_version(capsys):
    with (
        _running(ThreadingHTTPServer(("127.0.0.1", 0), _OtherVersionsOnly)) as url,
        pytest.raises(dlx.FetchFailed),
    ):
        dlx.fetch_prisma({"npm_config_registry": url})
    out = capsys.readouterr().out
    assert (
        f"ERR_PNPM_NO_MATCHING_VERSION  No matching version found for prisma@6.5.0 while fetching it from {url}/"
        in out
    )


def test_an_unreachable_tarball_fails_naming_the_tarball(capsys):
    tarball = f"http://127.0.0.1:{_closed_port()}/prisma/-/prisma-6.5.0.tgz"
    handler = type("Handler", (_OtherVersionsOnly,), {"tarball": tarball})
    with _running(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url, pytest.raises(dlx.FetchFailed):
        dlx.fetch_prisma({"npm_config_registry": url}, timeout=5)
    assert (
        f"ERR_PNPM_TARBALL_FETCH_FAIL  GET {tarball}: request to {tarball} failed" in capsys.readouterr().out
    )


def test_the_standin_serves_a_tarball_matching_its_document(standin):
    import hashlib
    import urllib.request

    with urllib.request.urlopen(f"{standin}/prisma") as resp:
        dist = json.load(resp)["versions"]["6.5.0"]["dist"]
    with urllib.request.urlopen(dist["tarball"]) as resp:
        data = resp.read()
    assert hashlib.sha1(data).hexdigest() == dist["shasum"]
    with urllib.request.urlopen(f"{standin}/-/ping") as resp:
        assert json.load(resp) == {}


def _start(monkeypatch, env):
    for name in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/postiz")
    pushed = []

    def fake_push(url):
        pushed.append(url)
        raise dbpush.PushFailed("stop here")

    monkeypatch.setattr(dbpush, "push", fake_push)
    return entry.main(), pushed


def test_the_start_stops_before_the_db_push_when_the_registry_is_unreachable(monkeypatch, capsys):
    status, pushed = _start(monkeypatch, {"npm_config_registry": f"http://127.0.0.1:{_closed_port()}/"})
    assert status == 1
    assert pushed == []
    assert "ERR_PNPM_META_FETCH_FAIL" in capsys.readouterr().out


def test_the_start_goes_on_to_the_db_push_with_a_reachable_registry(monkeypatch, standin):
    status, pushed = _start(monkeypatch, {"npm_config_registry": standin})
    assert status == 1  # the fake push fails: the point is that it ran
    assert pushed == ["postgresql://u:p@db:5432/postiz"]


@pytest.fixture
def tls_standin(tmp_path):
    """The stand-in over TLS with a certificate of its own CA, which no system trusts."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = npm_registry.serve("127.0.0.1", 0)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with _running(server) as url:
        yield url.replace("http://", "https://"), cert


def test_a_registry_signed_by_an_unknown_ca_fails(tls_standin, capsys):
    url, _ = tls_standin
    with pytest.raises(dlx.FetchFailed):
        dlx.fetch_prisma({"npm_config_registry": url}, timeout=5)
    assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().out


def test_node_extra_ca_certs_adds_the_ca_the_registry_needs(tls_standin, capsys):
    url, cert = tls_standin
    dlx.fetch_prisma({"npm_config_registry": url, "NODE_EXTRA_CA_CERTS": str(cert)}, timeout=5)
    assert f"prisma@6.5.0 from {url}/" in capsys.readouterr().out


def test_an_unreadable_node_extra_ca_certs_is_ignored_with_a_warning(tls_standin, tmp_path, capsys):
    url, _ = tls_standin
    missing = tmp_path / "missing.pem"
    with pytest.raises(dlx.FetchFailed):
        dlx.fetch_prisma({"npm_config_registry": url, "NODE_EXTRA_CA_CERTS": str(missing)}, timeout=5)
    out = capsys.readouterr().out
    assert f"Warning: Ignoring extra certs from `{missing}`, load failed:" in out
    assert "CERTIFICATE_VERIFY_FAILED" in out
