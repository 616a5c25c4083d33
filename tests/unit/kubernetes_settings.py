# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kubernetes settings for the rendered Compose file, as the role gives them to postiz_kubernetes_manifests,
and the stack shapes the tests render."""

from __future__ import annotations

CA_FILE = "/etc/ssl/certs/ca-certificates.crt"

# {shape: (Compose switches, app replicas, how the replicas share uploads: "", "rwx" or "object")}
SHAPES = {
    "https, one replica": ({"proxy": True}, 1, ""),
    "plain http, no proxy": ({}, 1, ""),
    "three replicas on a ReadWriteMany class": ({"proxy": True}, 3, "rwx"),
    "two replicas with object storage": ({"proxy": True}, 2, "object"),
    "external database and redis": ({"external_database": True, "external_redis": True}, 2, "rwx"),
    "temporal cloud": ({"temporal_cloud": True, "proxy": True}, 1, ""),
    "elasticsearch and temporal ui": ({"elasticsearch": True, "temporal_ui": True}, 1, ""),
}

SIZES = {
    "postiz-uploads": "20Gi",
    "postgres-volume": "10Gi",
    "postiz-redis-data": "1Gi",
    "temporal-postgres-data": "5Gi",
    "temporal-elasticsearch-data": "5Gi",
}


def env_files(compose):
    """{env file: variables} for every env file the Compose file names; values with a $ and a quote."""
    found = {}
    for name, service in compose["services"].items():
        for path in service.get("env_file") or []:
            found[path] = {"SERVICE": name, "PASSWORD": "pa$$(word)'x", "PORT": "5432"}
    return found


def settings(compose, replicas=1, uploads=""):
    return {
        "namespace": "postiz",
        "instance": "postiz",
        "app_replicas": replicas,
        "env_files": env_files(compose),
        "configs": {
            "./dynamicconfig": {"development-sql.yaml": "limit.maxIDLength:\n  - value: 255\n"},
            CA_FILE: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        },
        "volume_sizes": dict(SIZES),
        "storage_class": "",
        "uploads_storage_class": "nfs-client" if uploads == "rwx" else "",
        "object_storage": uploads == "object",
        "public_url": "https://postiz.example.com",
        "ingress": {"enabled": True, "class_name": "nginx", "annotations": {}, "tls_secret": "postiz-tls"},
    }
