# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack as Kubernetes objects, derived from the Compose file the role renders.

There is one description of the services' run-time settings: the role's Compose template.
``manifests`` turns its parsed output into plain Kubernetes objects (dicts) for users who run a
cluster already; the collection renders them and never applies them. What Kubernetes does not
take as it is, is carried over or left out:

- each ``env_file`` becomes a Secret, read with ``envFrom`` (Kubernetes does not expand
  ``$(VAR)`` in those values); ``environment`` becomes ``env``, with ``$`` doubled because
  Kubernetes expands ``$(VAR)`` there, in ``command``/``args`` and in exec probes;
- a read-only bind mount of a file or directory becomes a ConfigMap mounted at the same path;
- a named volume becomes a PersistentVolumeClaim (ReadWriteOnce). The app's own volumes (its
  uploads) are ReadWriteMany with several replicas, or an emptyDir when uploads go to object
  storage; several replicas without either are refused. Each claim is mounted through a
  sub-directory, so that a new filesystem's ``lost+found`` never sits in a data directory
  (PostgreSQL's initdb refuses a directory that is not empty);
- each service becomes a Deployment and a Service of the same name, so that the names the env
  files use (``postiz-postgres:5432``, ``temporal:7233``) still resolve. A service that publishes
  no port gets a headless Service: its name resolves to its ready pods, on any port, as on a
  Compose network (the Compose file names no port for it, and none is made up here);
- a healthcheck becomes a readiness probe (``CMD-SHELL`` runs through ``sh -c``), its interval,
  timeout and retries kept. There is no liveness or startup probe: Compose never restarts an
  unhealthy container, and Kubernetes would kill an app whose first start (the schema push)
  outlasts any fixed budget;
- ``depends_on`` has no Kubernetes equivalent. Pods retry on their own, except the app's
  Temporal workers, which never reconnect (gitroomhq/postiz-app#1748): the app waits in an init
  container until the services it depends on resolve, that is until they are ready;
- the app's replicas are a "pinned" Deployment of one, which works on every queue, and one of
  the others, which leave the queues with a low concurrency limit to it (``EXCLUDE_QUEUE``); each
  has ``WORKER_CONCURRENCY_DIVIDER``. Every app start pushes the database schema, so the others
  wait for the pinned one to be ready, and each Deployment replaces one pod at a time;
- the HTTPS proxy (Caddy) is not carried over: an Ingress for the public host name takes its place;
- ``security_opt: no-new-privileges`` becomes ``allowPrivilegeEscalation: false``, the capability
  sets are kept, ``mem_limit`` becomes the memory limit, ``restart: always`` is what a
  Deployment does anyway;
- a Compose network with ``internal: true`` becomes a NetworkPolicy: the pods of services on
  internal networks only talk to the instance's own pods (and DNS), as on Compose;
- the container labels become pod annotations, with a digest of the Secrets and ConfigMaps a pod
  reads, so that a change to them rolls the pods.

Pure Python with no Ansible import: the ``postiz_kubernetes_manifests`` filter and the unit tests
use it.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
from urllib.parse import urlsplit

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_kubernetes_fields as fields
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_kubernetes_fields import (
    KubernetesManifestError,
)

APP = model.APP_SERVICE
PROXY = model.PROXY_SERVICE
# The app replicas that leave the limited queues to the pinned one, and the headless Service
# that resolves only once the pinned replica is ready (the others wait for it).
APP_REPLICAS = APP + "-replicas"
APP_PINNED = APP + "-pinned"
WORKER_LABEL = "selfhosted.postiz/worker"
DIGEST_ANNOTATION = "selfhosted.postiz/config-sha256"
# Where each claim's data lives inside its volume (see the module documentation).
VOLUME_SUBPATH = "data"
# Docker fills a new named volume with the owner of the image's directory; Kubernetes does not.
# Elasticsearch's image runs as uid 1000 from the start (it cannot chown), so its volume must
# be writable by a group it is in.
FS_GROUPS = {"temporal-elasticsearch": 1000}

# Resolves every name given as an argument, retrying every 2 s until all do on two lookups 10 s
# apart: a headless Service's name resolves once one of its pods is ready, and stops resolving
# within seconds of that pod being replaced (an upgrade), so a pod on its way out is not taken
# for a ready one. Runs with the app image's node.
WAIT_SCRIPT = (
    "const dns = require('dns').promises; const names = process.argv.slice(1);"
    " const all = () => Promise.all(names.map((name) => dns.lookup(name)));"
    " const wait = () => all().then(() => new Promise((ok) => setTimeout(ok, 10000))).then(all)"
    ".then(() => process.exit(0), () => { console.log('waiting for ' + names.join(', ')); setTimeout(wait, 2000); });"
    " wait();"
)

# Compose service keys this module carries over; any other stops it, so that nothing the
# template gains is dropped unseen.
_HANDLED = {
    "image",
    "env_file",
    "environment",
    "ports",
    "volumes",
    "labels",
    "networks",
    "mem_limit",
    "healthcheck",
    "depends_on",
    "restart",
    "security_opt",
    "cap_drop",
    "cap_add",
    "entrypoint",
    "command",
}
# The order of a container's keys in the files written, as people read them.
_CONTAINER_KEYS = (
    "name",
    "image",
    "command",
    "args",
    "env",
    "envFrom",
    "ports",
    "volumeMounts",
    "resources",
    "readinessProbe",
    "securityContext",
)


def _ordered(container):
    return {key: container[key] for key in _CONTAINER_KEYS if key in container}


def _check_replicas(replicas):
    try:
        swarm.limited_queues(replicas)
    except swarm.SwarmStackError as exc:
        raise KubernetesManifestError(str(exc)) from exc


class _Builder:
    """The objects of one stack; ``build`` returns them in the order kubectl would create them."""

    def __init__(self, compose, settings):
        if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
            raise KubernetesManifestError("The Compose file has no services to carry to Kubernetes.")
        self.compose = compose
        self.services = {name: service for name, service in compose["services"].items() if name != PROXY}
        self.namespace = fields.label_name(settings.get("namespace"), "The namespace")
        self.instance = fields.label_name(settings.get("instance") or self.namespace, "The instance name")
        self.replicas = swarm.count(settings.get("app_replicas", 1))
        _check_replicas(self.replicas)
        self.object_storage = swarm.flag(settings.get("object_storage"))
        self.storage_class = settings.get("storage_class") or ""
        self.uploads_storage_class = settings.get("uploads_storage_class") or ""
        for what, value in (
            ("storage_class", self.storage_class),
            ("uploads_storage_class", self.uploads_storage_class),
        ):
            if value:
                fields.subdomain(value, f"The {what}")
        if self.replicas > 1 and not self.object_storage and not self.uploads_storage_class:
            raise KubernetesManifestError(
                f"{self.replicas} app replicas need shared uploads: a ReadWriteMany storage class "
                "(uploads_storage_class) or object storage."
            )
        self.sizes = settings.get("volume_sizes") or {}
        self.env_files = settings.get("env_files") or {}
        self.configs = settings.get("configs") or {}
        self.public_url = settings.get("public_url") or ""
        self.ingress = settings.get("ingress") or {}
        self.objects = []
        # {name: data} of the Secrets and ConfigMaps, for the digest of the pods that read them.
        self.data = {}

    # -- metadata -------------------------------------------------------------------------

    def labels(self, name):
        role = model.BY_NAME.get(name, {}).get("role", name)
        return {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": self.instance,
            "app.kubernetes.io/component": role.replace("_", "-"),
            "app.kubernetes.io/part-of": "postiz",
        }

    def selector(self, name):
        return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": self.instance}

    def meta(self, name, labels_of=None):
        return {"name": name, "namespace": self.namespace, "labels": self.labels(labels_of or name)}

    # -- objects --------------------------------------------------------------------------

    def namespace_object(self):
        # The stack meets the "baseline" Pod Security Standard (its data services start as root
        # and add back only the capabilities the baseline allows): enforced, so nothing more slips in.
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": self.namespace,
                "labels": {
                    "app.kubernetes.io/part-of": "postiz",
                    "app.kubernetes.io/instance": self.instance,
                    "pod-security.kubernetes.io/enforce": "baseline",
                },
            },
        }

    def env_secret(self, name, path):
        if path not in self.env_files:
            raise KubernetesManifestError(f"Service {name}: no variables are given for its env file {path}.")
        values = {}
        for key, value in (self.env_files[path] or {}).items():
            if value is None or isinstance(value, bool):
                raise KubernetesManifestError(
                    f"Service {name}: {key} in {path} is {value!r}; give a string, or leave the variable out."
                )
            values[str(key)] = str(value)
        secret_name = fields.label_name(
            fields.slug(path.rsplit("/", 1)[-1].replace(".env", "")) + "-env", "The Secret"
        )
        self.data[("Secret", secret_name)] = values
        self.objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": self.meta(secret_name, name),
                "type": "Opaque",
                "stringData": values,
            }
        )
        return secret_name

    def config_map(self, name, source):
        """The ConfigMap of a read-only bind mount: (its name, the file's key or None for a directory)."""
        if source not in self.configs:
            raise KubernetesManifestError(
                f"Service {name}: the bind mount of {source} cannot be carried to Kubernetes "
                "(only read-only files the role describes become ConfigMaps)."
            )
        described = self.configs[source]
        key = None
        if isinstance(described, dict):
            data = {str(file): str(text) for file, text in described.items()}
        else:
            key = source.rstrip("/").rsplit("/", 1)[-1]
            data = {key: str(described)}
        map_name = fields.label_name(
            f"{name}-{fields.slug(source.rstrip('/').rsplit('/', 1)[-1])}"[:63].strip("-"), "A ConfigMap"
        )
        if ("ConfigMap", map_name) not in self.data:
            self.data[("ConfigMap", map_name)] = data
            self.objects.append(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(map_name, name), "data": data}
            )
        return map_name, key

    def claim(self, volume, users):
        """The PersistentVolumeClaim of a named volume; None when the volume is an emptyDir."""
        shared = APP in users
        if shared and self.replicas > 1 and self.object_storage and not self.uploads_storage_class:
            return None
        size = self.sizes.get(volume)
        if not size or not fields.QUANTITY.match(str(size)):
            raise KubernetesManifestError(
                f"The volume {volume} needs a size such as 10Gi (volume_sizes), got {size!r}."
            )
        storage_class = (self.uploads_storage_class or self.storage_class) if shared else self.storage_class
        spec = {
            "accessModes": ["ReadWriteMany" if shared and self.replicas > 1 else "ReadWriteOnce"],
            "resources": {"requests": {"storage": str(size)}},
        }
        if storage_class:
            spec["storageClassName"] = storage_class
        fields.label_name(volume, "The volume")
        self.objects.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": self.meta(volume, users[0]),
                "spec": spec,
            }
        )
        return volume

    def pod(self, name, source, claims):
        """(pod template spec, digest of what it reads, container ports) of one service."""
        unknown = sorted(set(source) - _HANDLED)
        if unknown:
            raise KubernetesManifestError(f"Service {name}: cannot carry {', '.join(unknown)} to Kubernetes.")
        if str(source.get("restart", "always")) not in ("always", "unless-stopped"):
            raise KubernetesManifestError(f"Service {name}: a Deployment always restarts its containers.")
        networks = source.get("networks") or []
        external = [
            key for key in networks if (self.compose.get("networks") or {}).get(key, {}).get("external")
        ]
        if external:
            raise KubernetesManifestError(
                f"Service {name}: the Docker networks {', '.join(external)} do not exist in a cluster."
            )
        container = {"name": name, "image": str(source["image"])}
        if source.get("entrypoint"):
            container["command"] = fields.command(name, source["entrypoint"])
        if source.get("command"):
            container["args"] = fields.command(name, source["command"])
        env = fields.environment(name, source.get("environment"))
        if env:
            container["env"] = env
        reads = []
        env_files = source.get("env_file") or []
        for path in [env_files] if isinstance(env_files, str) else env_files:
            secret_name = self.env_secret(name, path)
            container.setdefault("envFrom", []).append({"secretRef": {"name": secret_name}})
            reads.append(("Secret", secret_name))
        ports = fields.ports(name, source.get("ports"))
        if ports:
            container["ports"] = ports
        mounts, volumes = [], []
        for volume_source, target, read_only, bind in fields.volume_entries(name, source.get("volumes")):
            if bind:
                if not read_only:
                    raise KubernetesManifestError(
                        f"Service {name}: the writable bind mount of {volume_source} cannot be carried to Kubernetes."
                    )
                map_name, key = self.config_map(name, volume_source)
                reads.append(("ConfigMap", map_name))
                mount = {"name": map_name, "mountPath": target, "readOnly": True}
                if key:
                    mount["subPath"] = key
                mounts.append(mount)
                volumes.append({"name": map_name, "configMap": {"name": map_name}})
                continue
            claim_name = claims.get(volume_source)
            mounts.append({"name": fields.label_name(volume_source, "The volume"), "mountPath": target})
            if claim_name:
                mounts[-1]["subPath"] = VOLUME_SUBPATH
                volumes.append({"name": volume_source, "persistentVolumeClaim": {"claimName": claim_name}})
            else:
                volumes.append({"name": volume_source, "emptyDir": {}})
        if mounts:
            container["volumeMounts"] = mounts
        if "mem_limit" in source:
            container["resources"] = {"limits": {"memory": fields.memory(name, source["mem_limit"])}}
        probe = fields.probe(name, source.get("healthcheck"))
        if probe:
            container["readinessProbe"] = probe
        context = fields.security_context(name, source)
        if context:
            container["securityContext"] = context
        spec = {
            # Compose puts no variables about other services into a container; Kubernetes
            # would (TEMPORAL_PORT=tcp://..., POSTIZ_PORT=...), which images may misread.
            "enableServiceLinks": False,
            # No pod of the stack talks to the Kubernetes API.
            "automountServiceAccountToken": False,
            "containers": [_ordered(container)],
        }
        if name in FS_GROUPS:
            spec["securityContext"] = {"fsGroup": FS_GROUPS[name]}
        if volumes:
            spec["volumes"] = volumes
        digest = ""
        if reads:
            digest = hashlib.sha256(
                json.dumps([self.data[key] for key in reads], sort_keys=True).encode("utf-8")
            ).hexdigest()
        return spec, digest, ports

    def template(self, source, spec, digest, labels):
        annotations = {str(key): str(value) for key, value in (source.get("labels") or {}).items()}
        if digest:
            annotations[DIGEST_ANNOTATION] = digest
        metadata = {"labels": labels}
        if annotations:
            metadata["annotations"] = annotations
        return {"metadata": metadata, "spec": spec}

    def deployment(self, name, labels_of, replicas, selector, template, strategy):
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.meta(name, labels_of),
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": selector},
                "strategy": strategy,
                "template": template,
            },
        }

    def service(self, name, selector, ports, labels_of=None):
        spec = {"selector": selector}
        if ports:
            spec["type"] = "ClusterIP"
            spec["ports"] = [
                {
                    "name": f"{port['protocol'].lower()}-{port['containerPort']}",
                    "port": port["containerPort"],
                    "targetPort": port["containerPort"],
                    "protocol": port["protocol"],
                }
                for port in ports
            ]
        else:
            spec["clusterIP"] = "None"
        return {"apiVersion": "v1", "kind": "Service", "metadata": self.meta(name, labels_of), "spec": spec}

    def app_deployments(self, source, spec, digest):
        """The pinned app Deployment and, with several replicas, the one of the others."""
        one_at_a_time = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
        needs = [
            service
            for service in (source.get("depends_on") or {})
            if service in self.services and not self.services[service].get("ports")
        ]
        container = spec["containers"][0]
        divider = {"name": "WORKER_CONCURRENCY_DIVIDER", "value": str(self.replicas)}
        shapes = [(APP, 1, "pinned", [], needs)]
        if self.replicas > 1:
            queues = ",".join(swarm.limited_queues(self.replicas))
            shapes.append(
                (
                    APP_REPLICAS,
                    self.replicas - 1,
                    "shared",
                    [{"name": "EXCLUDE_QUEUE", "value": queues}],
                    [*needs, APP_PINNED],
                )
            )
        result = []
        for name, replicas, worker, extra_env, waits_for in shapes:
            pod_spec = copy.deepcopy(spec)
            pod_container = pod_spec["containers"][0]
            pod_container["env"] = [*container.get("env", []), divider, *extra_env]
            pod_spec["containers"] = [_ordered(pod_container)]
            if waits_for:
                wait = {"name": "wait-for-services", "image": container["image"]}
                wait["command"] = ["node", "-e", WAIT_SCRIPT, *waits_for]
                wait.update(
                    {key: container[key] for key in ("resources", "securityContext") if key in container}
                )
                # Before the containers, where people look first.
                pod_spec = {"initContainers": [wait], **pod_spec}
            selector = dict(self.selector(APP), **{WORKER_LABEL: worker})
            labels = dict(self.labels(APP), **{WORKER_LABEL: worker})
            template = self.template(source, pod_spec, digest, labels)
            result.append(self.deployment(name, APP, replicas, selector, template, one_at_a_time))
        return result

    def network_policies(self):
        """A NetworkPolicy per internal Compose network, over the services on internal networks only."""
        networks = self.compose.get("networks") or {}
        internal = {key for key, network in networks.items() if (network or {}).get("internal")}
        policies = []
        for key in sorted(internal):
            members = sorted(
                name
                for name, service in self.services.items()
                if key in (service.get("networks") or []) and set(service.get("networks") or []) <= internal
            )
            if not members:
                continue
            everyone_here = [{"podSelector": {"matchLabels": {"app.kubernetes.io/instance": self.instance}}}]
            dns = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
            policies.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {
                        "name": fields.label_name(f"{fields.slug(key)}-network", "The network policy"),
                        "namespace": self.namespace,
                        "labels": {
                            "app.kubernetes.io/instance": self.instance,
                            "app.kubernetes.io/part-of": "postiz",
                        },
                    },
                    "spec": {
                        "podSelector": {
                            "matchLabels": {"app.kubernetes.io/instance": self.instance},
                            "matchExpressions": [
                                {"key": "app.kubernetes.io/name", "operator": "In", "values": members}
                            ],
                        },
                        "policyTypes": ["Ingress", "Egress"],
                        "ingress": [{"from": everyone_here}],
                        "egress": [{"to": everyone_here}, {"ports": dns}],
                    },
                }
            )
        return policies

    def ingress_object(self, app_ports):
        if not swarm.flag(self.ingress.get("enabled", True)):
            return None
        host = urlsplit(self.public_url).hostname or ""
        try:
            ipaddress.ip_address(host)
            host = ""
        except ValueError:
            pass
        rule = {
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {
                            "service": {"name": APP, "port": {"number": app_ports[0]["containerPort"]}}
                        },
                    }
                ]
            }
        }
        if host and host != "localhost":
            rule = {"host": fields.subdomain(host, "The public host name"), **rule}
        spec = {"rules": [rule]}
        if self.ingress.get("class_name"):
            spec["ingressClassName"] = fields.subdomain(self.ingress["class_name"], "The ingress class")
        if self.ingress.get("tls_secret"):
            if "host" not in rule:
                raise KubernetesManifestError(
                    "A TLS secret for the Ingress needs a public URL with a host name."
                )
            spec["tls"] = [
                {
                    "secretName": fields.subdomain(self.ingress["tls_secret"], "The TLS secret"),
                    "hosts": [rule["host"]],
                }
            ]
        metadata = self.meta(APP)
        annotations = {str(key): str(value) for key, value in (self.ingress.get("annotations") or {}).items()}
        if annotations:
            metadata["annotations"] = annotations
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": spec}

    def build(self):
        if APP not in self.services:
            raise KubernetesManifestError(f"The Compose file has no {APP} service.")
        users = {}
        for name, source in self.services.items():
            for volume_source, _target, _read_only, bind in fields.volume_entries(
                name, source.get("volumes")
            ):
                if not bind:
                    users.setdefault(volume_source, []).append(name)
        claims = {
            volume: self.claim(volume, sorted(names, key=lambda n: n != APP))
            for volume, names in users.items()
        }
        workloads, services = [], []
        app_ports = []
        for name, source in self.services.items():
            fields.label_name(name, "The service name")
            spec, digest, ports = self.pod(name, source, claims)
            if name == APP:
                app_ports = ports
                workloads.extend(self.app_deployments(source, spec, digest))
            else:
                template = self.template(source, spec, digest, self.labels(name))
                # A data service's volume is attached to one pod at a time: the old pod goes first.
                workloads.append(
                    self.deployment(name, name, 1, self.selector(name), template, {"type": "Recreate"})
                )
            services.append(self.service(name, self.selector(name), ports))
            if name == APP and self.replicas > 1:
                pinned = dict(self.selector(APP), **{WORKER_LABEL: "pinned"})
                services.append(self.service(APP_PINNED, pinned, [], labels_of=APP))
        if not app_ports:
            raise KubernetesManifestError(f"The {APP} service publishes no port for the Ingress to reach.")
        ingress = self.ingress_object(app_ports)
        secrets_and_configs = [obj for obj in self.objects if obj["kind"] in ("Secret", "ConfigMap")]
        claims_objects = [obj for obj in self.objects if obj["kind"] == "PersistentVolumeClaim"]
        return [
            self.namespace_object(),
            *secrets_and_configs,
            *claims_objects,
            *services,
            *workloads,
            *self.network_policies(),
            *([ingress] if ingress else []),
        ]


def manifests(compose, settings):
    """The Kubernetes objects (dicts) for the parsed Compose file ``compose``.

    ``settings``:
      ``namespace`` -- the namespace of every object (created too);
      ``instance`` -- ``app.kubernetes.io/instance`` of every object (default: the namespace);
      ``app_replicas`` -- replicas of the app (1 or more);
      ``env_files`` -- {env file as the Compose file names it: {variable: value}};
      ``configs`` -- {bind source: a file's text, or {file in the directory: text}};
      ``volume_sizes`` -- {named volume: size, such as 10Gi};
      ``storage_class`` -- the claims' storage class (empty: the cluster's default);
      ``uploads_storage_class`` -- the storage class of the app's volumes (ReadWriteMany with
      several replicas);
      ``object_storage`` -- true when uploads go to object storage (the replicas share nothing);
      ``public_url`` -- the URL people use: the Ingress's host;
      ``ingress`` -- {``enabled`` (default true), ``class_name``, ``annotations``, ``tls_secret``}.
    """
    objects = _Builder(compose, dict(settings or {})).build()
    # Plain types only (the settings may hold subclasses of str), and no object shared by two.
    return json.loads(json.dumps(objects))


# The file each kind goes to, in the order kustomization.yaml lists them; Secrets apart (0600).
FILES = (
    ("Namespace", "namespace.yaml"),
    ("Secret", "secrets.yaml"),
    ("ConfigMap", "configmaps.yaml"),
    ("PersistentVolumeClaim", "volumes.yaml"),
    ("Service", "services.yaml"),
    ("Deployment", "deployments.yaml"),
    ("NetworkPolicy", "network-policies.yaml"),
    ("Ingress", "ingress.yaml"),
)
SECRET_FILE = "secrets.yaml"
KUSTOMIZATION = "kustomization.yaml"


def file_groups(objects):
    """{file name: [objects]} of the files that have objects, in FILES order."""
    by_kind = dict(FILES)
    unknown = sorted({obj.get("kind") for obj in objects} - set(by_kind))
    if unknown:
        raise KubernetesManifestError(f"No manifest file for the kinds {', '.join(map(str, unknown))}.")
    groups = {}
    for kind, file_name in FILES:
        found = [obj for obj in objects if obj["kind"] == kind]
        if found:
            groups[file_name] = found
    return groups


def kustomization(file_names):
    """The kustomization that lists the manifest files (``kubectl apply -k <directory>``)."""
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": list(file_names),
    }
