# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Port-5000 routing without any service: nginx gating, Nest 404s, /uploads/, frontend redirects."""

import warnings

import pytest

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx is what the venv has.
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    from starlette.testclient import TestClient

from postiz_double import jwt_hs256
from postiz_double.app import PublicApp
from postiz_double.config import load_settings
from postiz_double.context import AppContext

BASE_ENV = {
    "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/x",
    "JWT_SECRET": "unit-test-secret",
    "FRONTEND_URL": "https://postiz.example.com",
    "IS_GENERAL": "true",
}


def client(tmp_path, ready=True, **env):
    settings = load_settings({**BASE_ENV, "POSTIZ_DOUBLE_UPLOADS_ROOT": str(tmp_path), **env})
    ctx = AppContext.build(settings)
    ctx.readiness.ready = ready
    # No `with`: lifespan (and so the dependency loop) does not run.
    return TestClient(PublicApp(ctx, env={}), base_url="http://testserver", follow_redirects=False)


def test_api_is_502_until_ready_but_frontend_answers(tmp_path):
    c = client(tmp_path, ready=False)
    for path in ("/api/", "/api/auth/can-register", "/api/user/self"):
        r = c.get(path)
        assert r.status_code == 502 and "<title>502 Bad Gateway</title>" in r.text
        assert r.headers["server"] == "nginx/1.22.1"
    assert c.get("/").status_code == 307
    assert c.get("/auth").status_code == 200


def test_backend_root_and_nest_404(tmp_path):
    c = client(tmp_path)
    r = c.get("/api/")
    assert (r.status_code, r.text) == (200, "App is running!")
    r = c.get("/api/health")
    assert r.status_code == 404
    assert r.json() == {"message": "Cannot GET /health", "error": "Not Found", "statusCode": 404}
    r = c.post("/api/")
    assert r.json()["message"] == "Cannot POST /"


def test_api_without_trailing_slash_goes_to_the_frontend(tmp_path):
    r = client(tmp_path).get("/api")
    assert (r.status_code, r.headers["location"]) == (307, "/auth")


def test_dashboard_routes_without_a_valid_token_get_logout(tmp_path):
    c = client(tmp_path)
    forged = jwt_hs256.encode({"id": "u1"}, "another-secret")
    for headers in ({}, {"auth": "garbage"}, {"auth": forged}):
        r = c.get("/api/user/self", headers=headers)
        assert r.status_code == 401 and r.content == b""
        assert r.headers["logout"] == "true"
        assert r.headers["set-cookie"].startswith(
            "auth=; Domain=.example.com; Path=/; Expires=Thu, 01 Jan 1970"
        )
    assert c.post("/api/user/api-key/rotate").status_code == 401


@pytest.mark.parametrize(("is_general", "target"), [("true", "/launches"), ("", "/analytics")])
def test_root_redirects(tmp_path, is_general, target):
    c = client(tmp_path, IS_GENERAL=is_general)
    assert c.get("/").headers["location"] == "/auth"
    c.cookies.set("auth", "anything")
    assert c.get("/").headers["location"] == target


def test_register_page_redirects_when_registration_is_disabled(tmp_path):
    assert (
        client(tmp_path, DISABLE_REGISTRATION="true").get("/auth/register").headers["location"]
        == "/auth/login"
    )
    assert client(tmp_path, DISABLE_REGISTRATION="TRUE").get("/auth/register").status_code == 200


def test_uploads(tmp_path):
    day = tmp_path / "2026" / "01" / "02"
    day.mkdir(parents=True)
    (day / "0a1b.png").write_bytes(b"\x89PNG")
    (day / "evil.html").write_bytes(b"<script>")
    c = client(tmp_path, ready=False)  # nginx serves files even while the backend is down
    r = c.get("/uploads/2026/01/02/0a1b.png")
    assert r.status_code == 200 and r.content == b"\x89PNG"
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    assert c.get("/uploads/2026/01/02/evil.html").headers["content-type"] == "application/octet-stream"
    assert c.get("/uploads/2026/01/02/missing.png").status_code == 404
    assert c.get("/uploads/2026/").status_code == 403
    assert c.post("/uploads/2026/01/02/0a1b.png").status_code == 405
