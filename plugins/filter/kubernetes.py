# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack as Kubernetes manifests, from the Compose file the role renders.

The logic lives in ``module_utils/_postiz_kubernetes.py``; the documentation in
``postiz_kubernetes_manifests.yml`` and ``postiz_kubernetes_files.yml`` next to this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_kubernetes as kubernetes


class _ManifestDumper(yaml.SafeDumper):
    """Block style for multi-line strings (a config file in a ConfigMap stays readable)."""


def _represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ManifestDumper.add_representer(str, _represent_str)


def _dump(documents):
    return yaml.dump_all(
        documents,
        Dumper=_ManifestDumper,
        sort_keys=False,
        default_flow_style=False,
        width=120,
        explicit_start=True,
    )


def postiz_kubernetes_manifests(compose, settings):
    """The Kubernetes objects (a list of dicts) for the parsed Compose file."""
    if not isinstance(settings, Mapping) or not settings.get("namespace"):
        raise AnsibleFilterError(
            "postiz_kubernetes_manifests: the settings must be a dict with the namespace."
        )
    try:
        return kubernetes.manifests(compose, dict(settings))
    except kubernetes.KubernetesManifestError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def postiz_kubernetes_files(objects):
    """{file name: YAML text} of the objects, one file per kind, and the kustomization listing them."""
    if not isinstance(objects, (list, tuple)) or not all(isinstance(obj, Mapping) for obj in objects):
        raise AnsibleFilterError(
            "postiz_kubernetes_files: give the list of objects postiz_kubernetes_manifests returns."
        )
    try:
        groups = kubernetes.file_groups(json.loads(json.dumps(list(objects))))
    except kubernetes.KubernetesManifestError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    files = {name: _dump(documents) for name, documents in groups.items()}
    files[kubernetes.KUSTOMIZATION] = _dump([kubernetes.kustomization(groups)])
    return files


class FilterModule:
    """Kubernetes filters."""

    def filters(self):
        return {
            "postiz_kubernetes_manifests": postiz_kubernetes_manifests,
            "postiz_kubernetes_files": postiz_kubernetes_files,
        }
