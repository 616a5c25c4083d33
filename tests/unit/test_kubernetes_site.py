# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml with postiz_engine: kubernetes, run for real on the controller (localhost, a scratch
project directory): it writes the manifests and the secrets there and nothing else. No Docker is
installed or asked, nothing is deployed, /opt/postiz is not touched. The role writes its files
owned by root, so these tests run as root, as a deploy does; the scratch directory is removed after."""

from __future__ import annotations

import json
import os
import shutil
import stat

import kubernetes_validate
import pytest
import yaml
from recorded_playbook import ROOT, run_recorded

FILES = {
    "namespace.yaml",
    "secrets.yaml",
    "configmaps.yaml",
    "volumes.yaml",
    "services.yaml",
    "deployments.yaml",
    "network-policies.yaml",
    "ingress.yaml",
    "kustomization.yaml",
}
# Roles and modules of a Docker deploy, none of which may run for Kubernetes.
DOCKER_ROLES = (
    "selfhosted.postiz.docker_host",
    "selfhosted.postiz.backup_cron",
    "selfhosted.postiz.mcp_client",
)


def run_playbook(tmp_path, playbook, variables):
    path = tmp_path / "vars.yml"
    path.write_text(yaml.safe_dump(variables), encoding="utf-8")
    rc, tasks, out, err = run_recorded(tmp_path, "-e", f"@{path}", os.path.join(ROOT, "playbooks", playbook))
    return rc, tasks, out + err


@pytest.fixture
def project(tmp_path):
    directory = tmp_path / "project"
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def variables(project, **changes):
    return {
        "postiz_target_hosts": "localhost",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "postiz_engine": "kubernetes",
        "postiz_stack_project_dir": str(project),
        "postiz_stack_project_name": "postiz_k8s",
        "postiz_public_url": "https://postiz.example.com",
        "postiz_stack_app_replicas": 2,
        "postiz_stack_kubernetes_uploads_storage_class": "nfs-client",
        "postiz_stack_kubernetes_ingress_class": "nginx",
        "postiz_stack_kubernetes_ingress_tls_secret": "postiz-tls",
        **changes,
    }


def ran(tasks):
    return [task for task in tasks if not task["result"].get("skipped")]


def test_site_writes_the_manifests_and_the_secrets_and_nothing_of_docker(tmp_path, project):
    rc, tasks, output = run_playbook(tmp_path, "site.yml", variables(project))
    assert rc == 0, output[-4000:]
    manifests = project / "kubernetes"
    assert {path.name for path in manifests.iterdir()} == FILES
    assert stat.S_IMODE(manifests.stat().st_mode) == 0o700
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in manifests.iterdir()}
    assert modes == {name: 0o600 if name == "secrets.yaml" else 0o644 for name in FILES}
    assert sorted(path.name for path in project.iterdir()) == [
        "OAUTH-SETUP.md",
        "dynamicconfig",
        "kubernetes",
        "secrets",
    ]

    assert [task["name"] for task in ran(tasks) if task["action"].startswith("community.docker.")] == []
    assert [task["name"] for task in ran(tasks) if task["name"].startswith(DOCKER_ROLES)] == []

    # The secrets are the ones generated for the instance, and never printed.
    secrets = json.loads((project / "secrets" / "secrets.json").read_text(encoding="utf-8"))
    objects = [
        doc
        for name in sorted(FILES - {"kustomization.yaml"})
        for doc in yaml.safe_load_all((manifests / name).read_text())
    ]
    app_env = next(
        obj for obj in objects if obj["kind"] == "Secret" and obj["metadata"]["name"] == "postiz-env"
    )
    assert app_env["stringData"]["JWT_SECRET"] == secrets["JWT_SECRET"]
    for value in secrets.values():
        assert value not in output

    for obj in objects:
        kubernetes_validate.validate(obj, "1.30", strict=True)
    assert {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"} == {
        "postiz-k8s"
    }
    # site.yml ends saying how to apply them, and that nothing was deployed.
    said = [
        task for task in tasks if task["name"].endswith("Say where the manifests are and how to apply them")
    ]
    assert f"kubectl apply -k {manifests}" in " ".join(said[0]["result"]["msg"])

    # A second run changes nothing.
    rc, tasks, output = run_playbook(tmp_path, "site.yml", variables(project))
    assert rc == 0, output[-4000:]
    assert [task["name"] for task in tasks if task["result"].get("changed")] == []


def test_several_replicas_without_shared_uploads_stop_before_anything_is_written(tmp_path, project):
    rc, tasks, output = run_playbook(
        tmp_path, "site.yml", variables(project, postiz_stack_kubernetes_uploads_storage_class="")
    )
    assert rc != 0
    failed = [task for task in tasks if task["result"].get("failed")]
    assert "the replicas must share the uploads" in failed[0]["result"]["msg"], output[-4000:]
    assert not project.exists()


@pytest.mark.parametrize("playbook", ["upgrade.yml", "verify.yml"])
def test_playbooks_that_operate_docker_refuse_a_kubernetes_instance(tmp_path, project, playbook):
    rc, tasks, output = run_playbook(tmp_path, playbook, variables(project))
    assert rc != 0
    failed = [task for task in tasks if task["result"].get("failed")]
    assert (
        "runs on Kubernetes (postiz_engine: kubernetes): nothing was changed" in failed[0]["result"]["msg"]
    ), output
    assert not project.exists()
