# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Kubernetes manifests keep, change and refuse of the rendered Compose file."""

from __future__ import annotations

import re

import pytest
import yaml
from compose_template import render
from kubernetes_settings import CA_FILE, settings

from ansible_collections.selfhosted.postiz.plugins.filter.kubernetes import postiz_kubernetes_files
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_kubernetes as kubernetes


def build(switches=None, replicas=1, uploads="", **changes):
    compose = render({"proxy": True} if switches is None else switches, ca_certificates=CA_FILE)
    given = settings(compose, replicas, uploads)
    given.update(changes)
    return compose, kubernetes.manifests(compose, given)


def of_kind(objects, kind):
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def container(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def env(deployment):
    return {item["name"]: item["value"] for item in container(deployment).get("env", [])}


def expand(text):
    """What Kubernetes makes of text in env values, command, args and exec probes: $$ is a $."""
    return re.sub(r"\$\$", "$", text)


def test_each_service_but_the_proxy_is_a_deployment_and_a_service_of_its_name():
    compose, objects = build()
    services = sorted(set(compose["services"]) - {"postiz-proxy"})
    assert sorted(of_kind(objects, "Deployment")) == services
    assert sorted(of_kind(objects, "Service")) == services
    for name in services:
        carried = container(of_kind(objects, "Deployment")[name])
        source = compose["services"][name]
        assert carried["image"] == source["image"]
        assert carried["resources"] == {"limits": {"memory": source["mem_limit"].replace("m", "Mi")}}
        probe = carried["readinessProbe"]
        assert f"{probe['periodSeconds']}s" == source["healthcheck"]["interval"]
        assert f"{probe['timeoutSeconds']}s" == source["healthcheck"]["timeout"]
        assert probe["failureThreshold"] == source["healthcheck"]["retries"]
        assert "livenessProbe" not in carried and "startupProbe" not in carried
    assert {obj["metadata"]["namespace"] for obj in objects if obj["kind"] != "Namespace"} == {"postiz"}


def test_data_services_run_one_pod_replaced_after_the_old_one_goes():
    objects = build()[1]
    for name in ("postiz-postgres", "postiz-redis", "temporal-postgresql", "temporal"):
        deployment = of_kind(objects, "Deployment")[name]
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_services_without_a_published_port_are_headless_and_the_app_has_its_port():
    objects = build({"temporal_ui": True})[1]
    services = of_kind(objects, "Service")
    for name in ("postiz-postgres", "postiz-redis", "temporal-postgresql", "temporal"):
        assert services[name]["spec"]["clusterIP"] == "None"
        assert "ports" not in services[name]["spec"]
    assert [port["port"] for port in services["postiz"]["spec"]["ports"]] == [5000]
    # Temporal UI has no login: a ClusterIP Service (kubectl port-forward), never the Ingress.
    assert [port["port"] for port in services["temporal-ui"]["spec"]["ports"]] == [8080]
    ingress = of_kind(objects, "Ingress")["postiz"]
    assert [path["backend"]["service"]["name"] for path in ingress["spec"]["rules"][0]["http"]["paths"]] == [
        "postiz"
    ]


def test_env_files_become_secrets_read_whole_and_taken_literally():
    compose, objects = build()
    secrets = of_kind(objects, "Secret")
    assert sorted(secrets) == ["postiz-env", "postiz-postgres-env", "temporal-env", "temporal-postgresql-env"]
    # envFrom values are not expanded by Kubernetes: the value stays exactly as the role gives it.
    assert secrets["postiz-env"]["stringData"]["PASSWORD"] == "pa$$(word)'x"
    app = of_kind(objects, "Deployment")["postiz"]
    assert container(app)["envFrom"] == [{"secretRef": {"name": "postiz-env"}}]
    assert "postiz-env" not in str(compose["services"]["postiz-redis"])


def test_a_shell_healthcheck_gets_the_variable_compose_would_have_given_it():
    compose, objects = build()
    assert compose["services"]["postiz-postgres"]["healthcheck"]["test"][1].startswith(
        'pg_isready -U "$$POSTGRES_USER"'
    )
    command = container(of_kind(objects, "Deployment")["postiz-postgres"])["readinessProbe"]["exec"][
        "command"
    ]
    assert command[:2] == ["/bin/sh", "-c"]
    # Compose reads $$ as $; so does Kubernetes in an exec probe: the shell sees $POSTGRES_USER.
    assert expand(command[2]) == 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'
    temporal = container(of_kind(objects, "Deployment")["temporal"])["readinessProbe"]["exec"]["command"][2]
    assert '"$(hostname -i' in expand(temporal)


def test_environment_values_keep_their_dollar_signs_through_kubernetes_expansion():
    compose = render({"elasticsearch": True}, ca_certificates=CA_FILE)
    compose["services"]["temporal-elasticsearch"]["environment"]["NOTE"] = "cost $$5 $$(not a variable)"
    result = kubernetes.manifests(compose, settings(compose))
    variables = env(of_kind(result, "Deployment")["temporal-elasticsearch"])
    assert expand(variables["NOTE"]) == "cost $5 $(not a variable)"
    assert variables["discovery.type"] == "single-node"


def test_compose_interpolation_is_refused():
    compose = render({}, ca_certificates=CA_FILE)
    compose["services"]["postiz-redis"]["healthcheck"]["test"] = ["CMD-SHELL", "redis-cli -a $PASSWORD ping"]
    with pytest.raises(kubernetes.KubernetesManifestError, match="interpolate"):
        kubernetes.manifests(compose, settings(compose))


def test_hardening_is_carried_over():
    compose, objects = build()
    for name, deployment in of_kind(objects, "Deployment").items():
        context = container(deployment)["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, name
        pod = deployment["spec"]["template"]["spec"]
        assert pod["enableServiceLinks"] is False and pod["automountServiceAccountToken"] is False
    temporal = container(of_kind(objects, "Deployment")["temporal"])["securityContext"]["capabilities"]
    assert temporal == {"drop": ["ALL"], "add": compose["services"]["temporal"]["cap_add"]}


def test_bind_mounts_become_config_maps_at_the_same_paths():
    objects = build()[1]
    maps = of_kind(objects, "ConfigMap")
    assert maps["temporal-dynamicconfig"]["data"] == {
        "development-sql.yaml": "limit.maxIDLength:\n  - value: 255\n"
    }
    assert list(maps["postiz-ca-certificates-crt"]["data"]) == ["ca-certificates.crt"]
    temporal = container(of_kind(objects, "Deployment")["temporal"])["volumeMounts"]
    assert temporal == [
        {
            "name": "temporal-dynamicconfig",
            "mountPath": "/etc/temporal/config/dynamicconfig",
            "readOnly": True,
        }
    ]
    app = container(of_kind(objects, "Deployment")["postiz"])["volumeMounts"]
    assert {
        "name": "postiz-ca-certificates-crt",
        "mountPath": "/usr/local/share/postiz/extra-ca-certificates.pem",
        "readOnly": True,
        "subPath": "ca-certificates.crt",
    } in app


def test_a_change_to_a_secret_or_config_map_rolls_the_pods_that_read_it():
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    before = of_kind(kubernetes.manifests(compose, settings(compose)), "Deployment")
    changed = settings(compose)
    changed["env_files"]["env/temporal.env"]["NEW"] = "1"
    after = of_kind(kubernetes.manifests(compose, changed), "Deployment")

    def digest(deployments, name):
        return deployments[name]["spec"]["template"]["metadata"]["annotations"][kubernetes.DIGEST_ANNOTATION]

    assert digest(before, "temporal") != digest(after, "temporal")
    assert digest(before, "postiz") == digest(after, "postiz")


def test_named_volumes_are_claims_mounted_through_a_subdirectory():
    objects = build()[1]
    claims = of_kind(objects, "PersistentVolumeClaim")
    assert sorted(claims) == [
        "postgres-volume",
        "postiz-redis-data",
        "postiz-uploads",
        "temporal-postgres-data",
    ]
    assert {tuple(claim["spec"]["accessModes"]) for claim in claims.values()} == {("ReadWriteOnce",)}
    assert claims["postgres-volume"]["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert all("storageClassName" not in claim["spec"] for claim in claims.values())
    postgres = container(of_kind(objects, "Deployment")["postiz-postgres"])["volumeMounts"]
    assert postgres == [
        {"name": "postgres-volume", "mountPath": "/var/lib/postgresql/data", "subPath": "data"}
    ]


def test_elasticsearch_gets_a_volume_its_user_can_write():
    objects = build({"elasticsearch": True})[1]
    pod = of_kind(objects, "Deployment")["temporal-elasticsearch"]["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"fsGroup": 1000}


def test_a_missing_volume_size_is_refused():
    compose = render({}, ca_certificates=CA_FILE)
    given = settings(compose)
    del given["volume_sizes"]["postgres-volume"]
    with pytest.raises(kubernetes.KubernetesManifestError, match="postgres-volume needs a size"):
        kubernetes.manifests(compose, given)


def test_one_replica_is_one_deployment_on_every_queue():
    objects = build()[1]
    app = [
        obj
        for obj in of_kind(objects, "Deployment").values()
        if obj["metadata"]["labels"]["app.kubernetes.io/name"] == "postiz"
    ]
    assert [obj["metadata"]["name"] for obj in app] == ["postiz"]
    assert env(app[0]) == {"WORKER_CONCURRENCY_DIVIDER": "1"}
    assert "postiz-pinned" not in of_kind(objects, "Service")
    wait = app[0]["spec"]["template"]["spec"]["initContainers"][0]
    assert wait["command"][3:] == ["postiz-postgres", "postiz-redis", "temporal"]
    assert wait["image"] == container(app[0])["image"]


@pytest.mark.parametrize(
    ("replicas", "excluded"),
    [(2, "reddit,twitch,x"), (3, "bluesky,linkedin,reddit,threads,twitch,vk,x")],
)
def test_several_replicas_leave_the_limited_queues_to_the_pinned_one(replicas, excluded):
    objects = build(replicas=replicas, uploads="rwx")[1]
    deployments = of_kind(objects, "Deployment")
    pinned, others = deployments["postiz"], deployments["postiz-replicas"]
    assert pinned["spec"]["replicas"] == 1 and others["spec"]["replicas"] == replicas - 1
    assert env(pinned) == {"WORKER_CONCURRENCY_DIVIDER": str(replicas)}
    assert env(others) == {"WORKER_CONCURRENCY_DIVIDER": str(replicas), "EXCLUDE_QUEUE": excluded}
    one_at_a_time = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    assert pinned["spec"]["strategy"] == one_at_a_time == others["spec"]["strategy"]
    # The others start once the pinned replica is ready: its headless Service resolves then.
    assert others["spec"]["template"]["spec"]["initContainers"][0]["command"][-1] == "postiz-pinned"
    pinned_service = of_kind(objects, "Service")["postiz-pinned"]["spec"]
    assert pinned_service == {
        "selector": {**pinned["spec"]["selector"]["matchLabels"]},
        "clusterIP": "None",
    }
    # One Service sends to both.
    assert of_kind(objects, "Service")["postiz"]["spec"]["selector"] == {
        "app.kubernetes.io/name": "postiz",
        "app.kubernetes.io/instance": "postiz",
    }


def test_several_replicas_share_uploads_on_a_read_write_many_claim():
    claims = of_kind(build(replicas=3, uploads="rwx")[1], "PersistentVolumeClaim")
    assert claims["postiz-uploads"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claims["postiz-uploads"]["spec"]["storageClassName"] == "nfs-client"
    assert claims["postgres-volume"]["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_with_object_storage_the_replicas_keep_no_uploads():
    objects = build(replicas=2, uploads="object")[1]
    assert "postiz-uploads" not in of_kind(objects, "PersistentVolumeClaim")
    volumes = of_kind(objects, "Deployment")["postiz"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "postiz-uploads", "emptyDir": {}} in volumes


def test_several_replicas_without_shared_uploads_are_refused():
    with pytest.raises(kubernetes.KubernetesManifestError, match="need shared uploads"):
        build(replicas=2)


@pytest.mark.parametrize("replicas", [0, -1, "two", " ", "-2", True, 1.5])
def test_a_replica_count_that_is_not_a_whole_number_of_at_least_one_is_refused(replicas):
    with pytest.raises(kubernetes.KubernetesManifestError, match="whole number"):
        build(replicas=replicas, uploads="object")


def test_the_proxy_is_not_carried_over_and_the_ingress_takes_its_place():
    compose, objects = build({"proxy": True})
    assert "postiz-proxy" in compose["services"]
    assert not [obj for obj in objects if "postiz-proxy" in str(obj["metadata"]["name"])]
    assert "caddy-data" not in of_kind(objects, "PersistentVolumeClaim")
    ingress = of_kind(objects, "Ingress")["postiz"]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["rules"][0]["host"] == "postiz.example.com"
    assert ingress["tls"] == [{"secretName": "postiz-tls", "hosts": ["postiz.example.com"]}]


def test_the_ingress_takes_annotations_can_be_left_out_and_has_no_host_for_an_address():
    annotations = {"cert-manager.io/cluster-issuer": "letsencrypt"}
    objects = build(ingress={"annotations": annotations}, public_url="http://192.0.2.10")[1]
    ingress = of_kind(objects, "Ingress")["postiz"]
    assert ingress["metadata"]["annotations"] == annotations
    assert "host" not in ingress["spec"]["rules"][0] and "tls" not in ingress["spec"]
    assert "ingressClassName" not in ingress["spec"]
    assert not of_kind(build(ingress={"enabled": False})[1], "Ingress")
    with pytest.raises(kubernetes.KubernetesManifestError, match="needs a public URL with a host name"):
        build(ingress={"tls_secret": "tls"}, public_url="http://192.0.2.10")


def test_services_that_run_elsewhere_leave_nothing_behind():
    objects = build({"external_database": True, "external_redis": True, "temporal_cloud": True})[1]
    assert sorted(of_kind(objects, "Deployment")) == ["postiz"]
    assert sorted(of_kind(objects, "PersistentVolumeClaim")) == ["postiz-uploads"]
    assert "temporal-dynamicconfig" not in of_kind(objects, "ConfigMap")
    assert "initContainers" not in of_kind(objects, "Deployment")["postiz"]["spec"]["template"]["spec"]
    assert not of_kind(objects, "NetworkPolicy")


def test_the_internal_network_keeps_its_services_to_the_instance():
    objects = build({"elasticsearch": True, "temporal_ui": True})[1]
    policy = of_kind(objects, "NetworkPolicy")["internal-network"]["spec"]
    members = policy["podSelector"]["matchExpressions"][0]["values"]
    # Temporal UI is on the edge network too: it is not held in.
    assert members == [
        "postiz-postgres",
        "postiz-redis",
        "temporal",
        "temporal-elasticsearch",
        "temporal-postgresql",
    ]
    assert policy["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["services"]["postiz-redis"].update(ulimits={"nofile": 1024}), "cannot carry ulimits"),
        (
            lambda c: c["services"]["temporal"].update(volumes=["./dynamicconfig:/etc/x"]),
            "writable bind mount",
        ),
        (
            lambda c: c["services"]["temporal"].update(volumes=["/srv/other:/etc/x:ro"]),
            "only read-only files",
        ),
        (lambda c: c["services"]["postiz-redis"].update(restart="no"), "always restarts"),
        (
            lambda c: c["services"]["postiz-redis"].update(security_opt=["seccomp:unconfined"]),
            "security option",
        ),
        (lambda c: c["services"]["postiz-redis"].update(mem_limit="lots"), "memory limit"),
        (
            lambda c: (
                c["networks"].update({"external-0": {"name": "shared", "external": True}})
                or c["services"]["postiz"]["networks"].append("external-0")
            ),
            "do not exist in a cluster",
        ),
    ],
)
def test_what_cannot_be_carried_over_is_refused(change, message):
    compose = render({}, ca_certificates=CA_FILE)
    change(compose)
    with pytest.raises(kubernetes.KubernetesManifestError, match=message):
        kubernetes.manifests(compose, settings(compose))


def test_a_boolean_in_an_env_file_is_refused():
    compose = render({}, ca_certificates=CA_FILE)
    given = settings(compose)
    given["env_files"]["env/postiz.env"]["RUN_CRON"] = True
    with pytest.raises(kubernetes.KubernetesManifestError, match="RUN_CRON"):
        kubernetes.manifests(compose, given)


@pytest.mark.parametrize("namespace", ["", "Postiz", "postiz_prod", "a" * 64])
def test_a_namespace_kubernetes_would_refuse_is_refused(namespace):
    with pytest.raises(kubernetes.KubernetesManifestError, match="not a Kubernetes name"):
        build(namespace=namespace)


def test_the_files_hold_the_objects_with_secrets_in_one_file_only():
    objects = build()[1]
    files = postiz_kubernetes_files(objects)
    read_back = [
        doc
        for name, text in files.items()
        if name != "kustomization.yaml"
        for doc in yaml.safe_load_all(text)
    ]
    assert sorted(map(str, read_back)) == sorted(map(str, objects))
    holding_secrets = [name for name, text in files.items() if "kind: Secret" in text]
    assert holding_secrets == [kubernetes.SECRET_FILE]
    # A multi-line config file stays readable.
    assert "development-sql.yaml: |" in files["configmaps.yaml"]


def test_settings_given_as_text_mean_what_they_say():
    """ansible-core before 2.19 passes the values of a dict variable as text."""
    compose, as_values = build(replicas=2, uploads="object")
    as_text = settings(compose, "2", "object")
    as_text.update(object_storage="True", ingress={**as_text["ingress"], "enabled": "True"})
    assert kubernetes.manifests(compose, as_text) == as_values
    as_text.update(object_storage="False")
    with pytest.raises(kubernetes.KubernetesManifestError, match="need shared uploads"):
        kubernetes.manifests(compose, as_text)
    as_text.update(object_storage="True", ingress={**as_text["ingress"], "enabled": "False"})
    assert not of_kind(kubernetes.manifests(compose, as_text), "Ingress")
