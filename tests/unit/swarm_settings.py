# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Swarm settings for the rendered Compose file, as the role gives them to postiz_swarm_stack."""

from __future__ import annotations

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

CA_FILE = "/etc/ssl/certs/ca-certificates.crt"


def settings(compose, replicas=1, uploads_path=""):
    env_services = [name for name, service in compose["services"].items() if service.get("env_file")]
    return {
        "project": "postiz",
        "app_replicas": replicas,
        "roles": {model.APP_SERVICE: "app", model.PROXY_SERVICE: "proxy"},
        "placement": {
            "app": ["node.labels.selfhosted.postiz.app == true"],
            "proxy": ["node.labels.selfhosted.postiz.proxy == true"],
            "data": ["node.labels.selfhosted.postiz.data == true"],
        },
        "env_secrets": {
            name: {"file": f"swarm/{name}.env", "sha1": f"{index:040d}"}
            for index, name in enumerate(env_services)
        },
        "commands": {name: ["/usr/bin/tini", "--", "run", name] for name in env_services},
        "configs": {
            "./dynamicconfig": {"development-sql.yaml": "1" * 40},
            "./Caddyfile": "2" * 40,
            CA_FILE: "3" * 40,
        },
        "uploads_path": uploads_path,
    }
