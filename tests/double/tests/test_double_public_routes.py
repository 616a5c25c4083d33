# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Public API and MCP answers that need no service (FACTS §4.1, §5.1, §5.6)."""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
    from starlette.testclient import TestClient

from postiz_double.app import PublicApp
from postiz_double.config import load_settings
from postiz_double.context import AppContext

ENV = {
    "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/x",
    "JWT_SECRET": "s",
    "FRONTEND_URL": "https://p.example.com",
}


def client(**env):
    ctx = AppContext.build(load_settings({**ENV, **env}))
    ctx.readiness.ready = True
    return TestClient(PublicApp(ctx, env={}), base_url="http://testserver", raise_server_exceptions=False)


def test_public_api_without_a_key():
    c = client()
    for method, path in (
        ("GET", "/is-connected"),
        ("POST", "/posts"),
        ("GET", "/integrations"),
        ("POST", "/upload"),
    ):
        r = c.request(method, "/api/public/v1" + path)
        assert (r.status_code, r.json()) == (401, {"msg": "No API Key found"}), path


def test_unknown_public_routes_are_nest_404s_before_auth():
    r = client().get("/api/public/v1/nothing")
    assert r.status_code == 404
    assert r.json()["message"] == "Cannot GET /public/v1/nothing"
    assert client().put("/api/public/v1/is-connected").status_code == 404


def test_mcp_only_is_not_read_by_v2_23_0():
    # MCP_ONLY (only GET / and MCP) came after v2.23.0: the API stays served.
    c = client(MCP_ONLY="true")
    assert c.get("/api/public/v1/is-connected").status_code == 401
    assert c.get("/api/").text == "App is running!"


def test_mcp_bearer_route_without_header():
    r = client().post("/api/mcp", json={})
    assert (r.status_code, r.text) == (401, "Missing Authorization header")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-expose-headers"] == "*"


def test_mcp_options_and_cors():
    for path in ("/api/mcp", "/api/mcp/any-key"):
        r = client().options(
            path, headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
        )
        assert r.status_code == 200 and r.content == b""
        assert r.headers["access-control-allow-methods"] == "*"


def test_dashboard_social_route_needs_a_session():
    r = client().get("/api/integrations/social/linkedin")
    assert r.status_code == 401 and r.headers["logout"] == "true"


def test_public_refusals():
    from postiz_double.backend.public_auth import public_refusal

    settings = load_settings(ENV)
    org = {"id": "o1"}
    cases = [
        (None, None, 401, b'{"msg":"No API Key found"}'),
        ("", None, 401, b'{"msg":"No API Key found"}'),
        ("Bearer abc", None, 401, b'{"msg":"Invalid API key"}'),
        ("pos_abc", None, 401, b'{"msg":"Invalid OAuth token"}'),
    ]
    for credential, found, status, body in cases:
        r = public_refusal(credential, found, settings)
        assert (r.status_code, r.body) == (status, body)
    assert public_refusal("k", org, settings) is None
    billing = load_settings({**ENV, "STRIPE_SECRET_KEY": "sk"})
    assert public_refusal("k", org, billing).body == b'{"msg":"No subscription found"}'


def test_seed_arguments():
    from postiz_double.seed import parse_args

    args = parse_args(["--org", "o1", "--provider", "linkedin-page", "--name", "Page", "--customer", "A B"])
    assert (args.provider, args.name, args.customer, args.disabled) == ("linkedin-page", "Page", "A B", False)


def test_broken_json_is_refused_before_auth():
    r = client().post("/api/public/v1/posts", content=b"{oops", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "Bad Request"
