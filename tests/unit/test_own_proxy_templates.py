# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nginx server block and the Traefik dynamic configuration the role writes for
postiz_stack_proxy: none, rendered for other ports, addresses and HSTS settings than the
own_proxy scenario's (which runs the nginx one in Debian's nginx)."""

from __future__ import annotations

import os
import re
import urllib.parse

import jinja2
import pytest
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATES = os.path.join(ROOT, "roles", "postiz_stack", "templates")


def urlsplit(url: str, part: str) -> str:
    return getattr(urllib.parse.urlsplit(url), part)


def render(name: str, url: str, port: int, address: str, hsts: int = 31536000) -> str:
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["urlsplit"] = urlsplit
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as handle:
        return env.from_string(handle.read()).render(
            ansible_managed="managed",
            postiz_stack_project_name="postiz-blue",
            __postiz_stack_frontend_url=url,
            __postiz_stack_public_port=port,
            __postiz_stack_app_address=address,
            postiz_stack_proxy_hsts_max_age=hsts,
            postiz_stack_own_proxy_certificate="/etc/ssl/postiz.pem",
            postiz_stack_own_proxy_certificate_key="/etc/ssl/private/postiz.key",
        )


def directives(text: str) -> list[str]:
    """The active lines of an nginx file, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


CASES = [
    ("https://postiz.example.com", 443, "127.0.0.1:4007", 31536000),
    ("https://postiz.lan:8443", 8443, "[::1]:4017", 0),
]


@pytest.mark.parametrize(("url", "port", "address", "hsts"), CASES)
def test_nginx_serves_the_public_name_and_forwards_what_postiz_needs(url, port, address, hsts):
    lines = directives(render("own-proxy-nginx.conf.j2", url, port, address, hsts))
    host = urllib.parse.urlsplit(url).hostname
    text = "\n".join(lines)
    assert text.count("{") == text.count("}")
    assert f"listen {port} ssl;" in lines
    assert f"server_name {host};" in lines
    assert "ssl_certificate /etc/ssl/postiz.pem;" in lines
    assert "ssl_certificate_key /etc/ssl/private/postiz.key;" in lines
    assert f"proxy_pass http://{address};" in lines
    for needed in (
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-Proto https;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "client_max_body_size 2G;",
        "proxy_buffering off;",
        "proxy_request_buffering off;",
    ):
        assert needed in lines, needed
    # Plain http on 80 is redirected only when the URL is on https's own port.
    assert ("listen 80;" in lines) is (port == 443)
    assert ("return 301 https://$host$request_uri;" in lines) is (port == 443)
    hsts_lines = [line for line in lines if "Strict-Transport-Security" in line]
    assert hsts_lines == ([f'add_header Strict-Transport-Security "max-age={hsts}" always;'] if hsts else [])
    # No IPv6 listener by default: nginx does not start where the kernel has IPv6 off.
    assert not [line for line in lines if re.match(r"listen \[", line)]


@pytest.mark.parametrize(("url", "port", "address", "hsts"), CASES)
def test_traefik_routes_the_public_name_to_the_app(url, port, address, hsts):
    config = yaml.safe_load(render("own-proxy-traefik.yml.j2", url, port, address, hsts))["http"]
    host = urllib.parse.urlsplit(url).hostname
    router = config["routers"]["postiz-blue"]
    assert router["rule"] == f"Host(`{host}`)"
    assert router["service"] == "postiz-blue"
    assert router["entryPoints"] == ["websecure"]
    assert router["tls"] == {}
    balancer = config["services"]["postiz-blue"]["loadBalancer"]
    assert balancer == {"passHostHeader": True, "servers": [{"url": f"http://{address}"}]}
    if hsts:
        assert router["middlewares"] == ["postiz-blue-hsts"]
        assert config["middlewares"] == {"postiz-blue-hsts": {"headers": {"stsSeconds": hsts}}}
    else:
        assert "middlewares" not in router
        assert "middlewares" not in config
