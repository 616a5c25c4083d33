# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Static checks of the Kubernetes manifests, for every shape of the stack the role renders.

- Every object, as written to its file and read back, follows the OpenAPI schema of its kind in
  strict mode (an unknown field fails), for the oldest Kubernetes release the README names and the
  newest one kubernetes-validate bundles (offline; requirements-unit.txt pins it);
- the objects fit together: each Service selects the pods of a Deployment, each Secret, ConfigMap
  and claim a pod names exists, no two Deployments claim the same pods, the app's replicas add up
  and all but one leave the limited queues to the pinned one.
"""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml
from compose_template import render
from kubernetes_settings import CA_FILE, SHAPES, settings

from ansible_collections.selfhosted.postiz.plugins.filter.kubernetes import postiz_kubernetes_files
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_kubernetes as kubernetes
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm

# The oldest Kubernetes release the README says the manifests are for, and the newest with schemas.
KUBERNETES_VERSIONS = ("1.30", "1.37")


def written(shape):
    """(the objects as read back from the files the role writes, app replicas) of a shape."""
    switches, replicas, uploads = SHAPES[shape]
    compose = render(switches, ca_certificates=CA_FILE)
    files = postiz_kubernetes_files(kubernetes.manifests(compose, settings(compose, replicas, uploads)))
    objects = [
        document
        for name, text in files.items()
        if name != kubernetes.KUSTOMIZATION
        for document in yaml.safe_load_all(text)
    ]
    return objects, replicas


def schema_problems(obj, version):
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return f"{obj['kind']} {obj['metadata']['name']}: {exc.message}"
    return None


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_object_follows_the_kubernetes_schema_in_strict_mode(shape, version):
    objects = written(shape)[0]
    assert [problem for problem in (schema_problems(obj, version) for obj in objects) if problem] == []


def test_the_schema_check_can_fail():
    # The same route with an unknown field, and with a known one of the wrong type, must not pass.
    objects = written("https, one replica")[0]
    deployment = next(obj for obj in objects if obj["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["memoryLimit"] = "256Mi"
    assert "memoryLimit" in schema_problems(deployment, KUBERNETES_VERSIONS[0])
    service = next(obj for obj in objects if obj["kind"] == "Service")
    service["spec"]["clusterIP"] = 0
    assert schema_problems(service, KUBERNETES_VERSIONS[-1])


def _pod_templates(objects):
    return {
        obj["metadata"]["name"]: obj["spec"]["template"] for obj in objects if obj["kind"] == "Deployment"
    }


def structure_problems(objects, replicas):
    """What does not fit together in the objects; [] when they do."""
    problems = []
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
    if len(names) != len(objects):
        problems.append("two objects of one kind share a name")
    namespaces = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Namespace"}
    if len(namespaces) != 1:
        problems.append(f"one Namespace expected, got {sorted(namespaces)}")
    for obj in objects:
        if obj["kind"] != "Namespace" and obj["metadata"].get("namespace") not in namespaces:
            problems.append(f"{obj['kind']} {obj['metadata']['name']} is outside the namespace")
    templates = _pod_templates(objects)
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    for deployment in deployments:
        selector = deployment["spec"]["selector"]["matchLabels"]
        for other, template in templates.items():
            matches = selector.items() <= template["metadata"]["labels"].items()
            if matches != (other == deployment["metadata"]["name"]):
                problems.append(f"Deployment {deployment['metadata']['name']} selects the pods of {other}")
    for service in (obj for obj in objects if obj["kind"] == "Service"):
        selected = [
            name
            for name, template in templates.items()
            if service["spec"]["selector"].items() <= template["metadata"]["labels"].items()
        ]
        if not selected:
            problems.append(f"Service {service['metadata']['name']} selects no Deployment's pods")
    for name, template in templates.items():
        spec = template["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                if ("Secret", source["secretRef"]["name"]) not in names:
                    problems.append(f"{name} reads the missing Secret {source['secretRef']['name']}")
        declared = {volume["name"] for volume in spec.get("volumes", [])}
        for container in spec["containers"]:
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in declared:
                    problems.append(f"{name} mounts the undeclared volume {mount['name']}")
        for volume in spec.get("volumes", []):
            if "configMap" in volume and ("ConfigMap", volume["configMap"]["name"]) not in names:
                problems.append(f"{name} mounts the missing ConfigMap {volume['configMap']['name']}")
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            if claim and ("PersistentVolumeClaim", claim) not in names:
                problems.append(f"{name} mounts the missing claim {claim}")
        for wait in spec.get("initContainers", []):
            for needed in wait["command"][3:]:
                headless = [
                    obj
                    for obj in objects
                    if obj["kind"] == "Service"
                    and obj["metadata"]["name"] == needed
                    and obj["spec"].get("clusterIP") == "None"
                ]
                if not headless:
                    problems.append(f"{name} waits for {needed}, which is not a headless Service")
    app = [
        obj
        for obj in deployments
        if obj["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "postiz"
    ]
    if sum(obj["spec"]["replicas"] for obj in app) != replicas:
        problems.append(f"the app's Deployments do not add up to {replicas} replicas")
    excluding = 0
    for deployment in app:
        env = {
            item["name"]: item.get("value")
            for item in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        if env.get("WORKER_CONCURRENCY_DIVIDER") != str(replicas):
            problems.append(f"{deployment['metadata']['name']} does not divide the concurrency by {replicas}")
        if "EXCLUDE_QUEUE" in env:
            excluding += deployment["spec"]["replicas"]
            if env["EXCLUDE_QUEUE"] != ",".join(swarm.limited_queues(replicas)):
                problems.append(f"{deployment['metadata']['name']} excludes {env['EXCLUDE_QUEUE']}")
    if excluding != replicas - 1:
        problems.append(f"{excluding} app replicas leave the limited queues, not {replicas - 1}")
    for ingress in (obj for obj in objects if obj["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                target = [
                    obj
                    for obj in objects
                    if obj["kind"] == "Service"
                    and obj["metadata"]["name"] == backend["name"]
                    and backend["port"]["number"] in [port["port"] for port in obj["spec"].get("ports", [])]
                ]
                if not target:
                    problems.append(f"the Ingress sends to {backend}, which no Service answers on")
    return problems


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_objects_fit_together(shape):
    objects, replicas = written(shape)
    assert structure_problems(objects, replicas) == []


def test_the_structure_check_can_fail():
    objects, replicas = written("three replicas on a ReadWriteMany class")
    without_app_secret = [
        obj for obj in objects if (obj["kind"], obj["metadata"]["name"]) != ("Secret", "postiz-env")
    ]
    assert structure_problems(without_app_secret, replicas) == [
        "postiz reads the missing Secret postiz-env",
        "postiz-replicas reads the missing Secret postiz-env",
    ]
    # Four replicas leave the same queues as three: every limit is below three.
    assert structure_problems(objects, replicas + 1) == [
        "the app's Deployments do not add up to 4 replicas",
        "postiz does not divide the concurrency by 4",
        "postiz-replicas does not divide the concurrency by 4",
        "2 app replicas leave the limited queues, not 3",
    ]


def test_the_kustomization_lists_every_file_and_nothing_else():
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    files = postiz_kubernetes_files(kubernetes.manifests(compose, settings(compose)))
    listed = yaml.safe_load(files[kubernetes.KUSTOMIZATION])["resources"]
    assert sorted(listed) == sorted(set(files) - {kubernetes.KUSTOMIZATION})
    assert listed[0] == "namespace.yaml"
