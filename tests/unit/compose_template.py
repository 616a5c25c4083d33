# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's Compose template rendered outside Ansible, for tests that read its output."""

from __future__ import annotations

import collections
import json
import os
import shlex

import jinja2
import yaml

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATE = os.path.join(ROOT, "roles", "postiz_stack", "templates", "compose.yaml.j2")


def render(switches=None, start_interval=False, ca_certificates="", http_bind="127.0.0.1"):
    """The parsed Compose file for these stack switches (default: the HTTPS proxy on)."""
    switches = {"proxy": True} if switches is None else switches
    proxy = bool(switches.get("proxy"))
    with open(TEMPLATE, encoding="utf-8") as handle:
        env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
        env.filters["bool"] = bool
        env.filters["quote"] = shlex.quote
        env.filters["to_json"] = json.dumps
        env.filters["hash"] = lambda text, _algorithm: str(hash(text))
        env.filters["selfhosted.postiz.postiz_healthcheck_timing"] = model.healthcheck_timing
        rendered = env.from_string(handle.read()).render(
            ansible_managed="managed",
            postiz_stack_project_name="postiz",
            postiz_images=collections.defaultdict(lambda: "example/image:1"),
            postiz_stack_memory_limits_mb=collections.defaultdict(lambda: 256),
            postiz_stack_http_bind=http_bind,
            postiz_stack_http_port=5000,
            postiz_stack_temporal_namespace="default",
            postiz_stack_temporal_ui_enabled=bool(switches.get("temporal_ui")),
            postiz_stack_temporal_ui_port=8080,
            postiz_stack_elasticsearch_enabled=bool(switches.get("elasticsearch")),
            postiz_stack_external_networks=[],
            __postiz_stack_external_network_keys=[],
            __postiz_stack_running_services=model.service_names(switches),
            __postiz_stack_app_needs=model.service_names(switches, role=["database", "cache", "workflow"]),
            __postiz_stack_volumes=model.volumes(switches),
            __postiz_stack_proxy_enabled=proxy,
            __postiz_stack_frontend_url="https://postiz.example.com" if proxy else "http://localhost:5000",
            __postiz_stack_caddyfile="postiz.example.com { }",
            postiz_stack_proxy_bind="0.0.0.0",
            postiz_stack_proxy_http_port=80,
            postiz_stack_proxy_https_port=443,
            __postiz_stack_start_interval=start_interval,
            postiz_stack_ca_certificates=ca_certificates,
            __postiz_stack_ca_certificates_target="/usr/local/share/postiz/extra-ca-certificates.pem",
            __postiz_stack_ca_certificates_facts={"type": "file", "sha1": "0123abcd"},
        )
    return yaml.safe_load(rendered)
