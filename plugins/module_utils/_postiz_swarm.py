# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack on Docker Swarm, derived from the Compose file the role renders.

There is one description of the services' run-time settings: the role's Compose template.
``stack`` turns its parsed output into a Swarm stack file (Compose file format 3.8, which
``docker stack deploy`` reads), so that an image, a healthcheck, a memory limit or a volume
changes in one place for both engines. What Swarm does not take is carried over:

- ``mem_limit`` becomes ``deploy.resources.limits.memory``; ``restart`` becomes a restart
  policy; the top-level ``name`` becomes the stack name given to ``docker stack deploy``;
- ``depends_on`` conditions have no Swarm equivalent: the role deploys in phases instead
  (data services, then the app one replica at a time);
- ``security_opt`` is not supported by Swarm services: ``no-new-privileges`` is lost there
  (the capability sets, which Swarm supports since Engine 20.10, are kept);
- ``env_file`` would put every secret in ``docker service inspect``: each env file is a Swarm
  secret instead, read by a POSIX shell wrapper before the image's own entrypoint and command
  (read from the image on the manager) run;
- a bind-mounted file or directory becomes one Swarm config per file, named after its content
  so that a change rolls the services that use it;
- published ports are host-mode (no routing mesh: it needs IPVS) and only the proxy, or the app
  when no proxy runs, publishes; every service uses ``endpoint_mode: dnsrr`` for the same reason;
- a healthcheck's ``start_interval`` (Engine 25+) is not in format 3.8: it is left out, and the
  healthcheck keeps the timing of an engine without it.

Pure Python with no Ansible import: the ``postiz_swarm_stack`` filter and the unit tests use it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

APP = "postiz"
PROXY = "postiz-proxy"
SECRETS_DIR = "/run/secrets"
# Where the role writes the env files for the shell, in the project directory.
ENV_DIR = "swarm"
FORMAT_VERSION = "3.8"

# Temporal activity queues whose concurrency limit is below a given number of replicas once
# divided by WORKER_CONCURRENCY_DIVIDER: limit 1 (reddit, x, twitch), limit 2 (bluesky, the
# linkedin family, threads, vk). A queue is named after the provider family (the identifier
# up to its first "-": linkedin-page works on "linkedin").
LIMITED_QUEUES = {"reddit": 1, "x": 1, "twitch": 1, "bluesky": 2, "linkedin": 2, "threads": 2, "vk": 2}
# The replica that keeps every queue: Swarm gives the tasks of a replicated service stable
# slots 1..N, and a task that moves to another node keeps its slot.
PINNED_SLOT = 1

# Reads KEY='value' lines written for the shell (postiz_env_file with style sh), exports them,
# then runs the image's own entrypoint and command, which follow as arguments. In the stack
# file every $ is doubled: docker stack deploy interpolates variables, $$ is a literal $.
ENV_WRAPPER = 'set -a && . "$0" && set +a && exec "$@"'

# Keys of a Compose service that Swarm ignores and that this module replaces or drops.
_DROPPED = ("restart", "security_opt", "depends_on", "mem_limit", "env_file", "container_name")
_PORT = re.compile(r"^(?:(?P<ip>[^:]+):)?(?P<published>\d+):(?P<target>\d+)(?:/(?P<protocol>tcp|udp))?$")
_NAME_SAFE = re.compile(r"[^a-zA-Z0-9_.-]+")


# Node labels saying what runs on a machine (the postiz_swarm role sets them); the stack's
# placement constraints require them unless the settings give others.
NODE_ROLES = ("data", "app", "proxy")
LABEL_PREFIX = "selfhosted.postiz."


def node_labels(roles):
    """{label: "true"} for a machine's roles, and the known labels it must not have."""
    unknown = sorted(set(roles) - set(NODE_ROLES))
    if unknown:
        raise SwarmStackError(
            f"Unknown swarm node role {', '.join(unknown)}; known: {', '.join(NODE_ROLES)}."
        )
    return {
        "labels": {LABEL_PREFIX + role: "true" for role in NODE_ROLES if role in roles},
        "remove": [LABEL_PREFIX + role for role in NODE_ROLES if role not in roles],
    }


def default_placement():
    """{placement role: [constraint]}: each service on the machines labelled for it."""
    return {role: [f"node.labels.{LABEL_PREFIX}{role} == true"] for role in NODE_ROLES}


class SwarmStackError(ValueError):
    """The Compose file holds something that cannot be carried to Swarm."""


def limited_queues(replicas):
    """Queues only the pinned replica works on with this many replicas (sorted)."""
    _check_replicas(replicas)
    return sorted(queue for queue, limit in LIMITED_QUEUES.items() if limit < replicas)


def worker_environment(replicas):
    """Environment of the app's replicas: the divider, and EXCLUDE_QUEUE on all but one.

    EXCLUDE_QUEUE is a Swarm service template, evaluated per task: empty on the pinned slot.
    """
    excluded = limited_queues(replicas)
    env = {"WORKER_CONCURRENCY_DIVIDER": str(replicas)}
    if excluded:
        queues = ",".join(excluded)
        env["EXCLUDE_QUEUE"] = '{{if eq .Task.Slot "' + str(PINNED_SLOT) + '"}}{{else}}' + queues + "{{end}}"
    return env


def content_name(project, label, digest):
    """Name of a Swarm secret or config: immutable in Swarm, so it carries its content's digest."""
    slug = _NAME_SAFE.sub("-", label).strip("-.") or "file"
    return f"{project}_{slug}_{digest[:12]}"


def sha1_text(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # nosec B324 - a content tag, not security


def _literal(text):
    """Text that docker stack deploy's interpolation leaves as it is."""
    return text.replace("$", "$$")


# Text that ansible-core before 2.19 gives for a boolean templated inside a dict variable.
_FALSE_TEXTS = ("", "false", "no", "off", "0", "none")


def flag(value):
    """A setting's truth, also when ansible-core before 2.19 passed it as text ("False")."""
    return value.strip().lower() not in _FALSE_TEXTS if isinstance(value, str) else bool(value)


def count(value):
    """A whole-number setting, also when ansible-core before 2.19 passed it as text ("2");
    anything else is returned as it is, for the caller's check to refuse."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


def _check_replicas(replicas):
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise SwarmStackError(
            f"The app's replica count must be a whole number of at least 1, got {replicas!r}."
        )


def _ports(name, ports):
    """Long-syntax host-mode ports; a bind address cannot be kept (Swarm publishes on all)."""
    result = []
    for entry in ports or []:
        match = _PORT.match(str(entry))
        if not match:
            raise SwarmStackError(f"Service {name}: cannot carry the port {entry!r} to Swarm.")
        result.append(
            {
                "target": int(match["target"]),
                "published": int(match["published"]),
                "protocol": match["protocol"] or "tcp",
                "mode": "host",
            }
        )
    return result


def _memory(name, value):
    match = re.fullmatch(r"(\d+)\s*([mMgG])", str(value))
    if not match:
        raise SwarmStackError(f"Service {name}: cannot read the memory limit {value!r}.")
    return f"{match[1]}{match[2].upper()}"


def _absolute(project_dir, path):
    """A path relative to the project directory made absolute, so that the stack file works
    from anywhere (docker_stack hands an inline stack to the CLI as a temporary file)."""
    if not project_dir or path.startswith("/"):
        return path
    return (
        project_dir.rstrip("/") + "/" + path[2:]
        if path.startswith("./")
        else project_dir.rstrip("/") + "/" + path
    )


def _volumes(name, volumes, configs, uploads_path, top_configs, project, project_dir=""):
    """Named volumes stay; bind mounts become configs, or the shared uploads path."""
    kept, config_refs = [], []
    for volume in volumes or []:
        if isinstance(volume, str):
            source, rest = [*volume.split(":", 1), ""][:2]
            target = rest.split(":")[0]
            read_only = rest.endswith(":ro")
            bind = source.startswith(("/", "./", "../"))
        else:
            source, target = volume.get("source", ""), volume.get("target", "")
            read_only = bool(volume.get("read_only"))
            bind = volume.get("type") == "bind"
        if not bind:
            if name == APP and source == "postiz-uploads" and uploads_path:
                kept.append({"type": "bind", "source": uploads_path, "target": target})
            else:
                kept.append(copy.deepcopy(volume))
            continue
        if not read_only or source not in configs:
            raise SwarmStackError(
                f"Service {name}: the bind mount of {source} cannot be carried to Swarm "
                "(only read-only files the role describes become Swarm configs)."
            )
        described = configs[source]
        files = described.items() if isinstance(described, dict) else [("", described)]
        for relative, digest in sorted(files):
            file_source = f"{source}/{relative}" if relative else source
            file_target = f"{target}/{relative}" if relative else target
            config_name = content_name(project, file_source.lstrip("./").replace("/", "-"), digest)
            top_configs[config_name] = {"name": config_name, "file": _absolute(project_dir, file_source)}
            config_refs.append({"source": config_name, "target": file_target, "mode": 0o444})
    return kept, config_refs


def _placement(service_role, placement):
    constraints = list(placement.get(service_role) or [])
    return {"constraints": constraints} if constraints else {}


def stack(compose, settings):
    """The Swarm stack file (a dict) for the parsed Compose file ``compose``.

    ``settings``:
      ``project`` -- the stack name;
      ``app_replicas`` -- replicas of the app (1 or more);
      ``update_monitor`` -- how long each new app replica of an update must run before the next
      (default 30s);
      ``roles`` -- {service: placement role}: ``app``, ``proxy``, or ``data`` (the default);
      ``placement`` -- {placement role: [constraint, ...]} (default: the node labels);
      ``env_secrets`` -- {service: {"file": path of its env file for the shell, "sha1": digest}},
      or ``env_files`` -- {service: that file's text}, written to swarm/<service>.env;
      ``commands`` -- {service: the image's entrypoint followed by its command}, or ``images`` --
      {service: the image's Config, as docker image inspect gives it};
      ``configs`` -- {bind source: sha1 of a file, or {file in the directory: sha1}};
      ``uploads_path`` -- a path every app node shares, bind-mounted over the uploads volume;
      ``object_storage`` -- true when uploads go to object storage (R2): replicas share nothing;
      ``project_dir`` -- the directory relative files are in (they are made absolute).
    """
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict):
        raise SwarmStackError("The Compose file has no services to carry to Swarm.")
    project = settings["project"]
    replicas = count(settings.get("app_replicas", 1))
    _check_replicas(replicas)
    uploads_path = settings.get("uploads_path") or ""
    project_dir = settings.get("project_dir") or ""
    object_storage = flag(settings.get("object_storage"))
    if replicas > 1 and not uploads_path and not object_storage:
        raise SwarmStackError(
            f"{replicas} app replicas need shared uploads: a path every app node mounts, or object storage."
        )
    roles = settings.get("roles") or {}
    placement = settings.get("placement") or default_placement()
    env_secrets = settings.get("env_secrets") or {
        name: {"file": f"{ENV_DIR}/{name}.env", "sha1": sha1_text(text)}
        for name, text in (settings.get("env_files") or {}).items()
    }
    commands = settings.get("commands") or {
        name: list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
        for name, config in (settings.get("images") or {}).items()
    }
    configs = settings.get("configs") or {}
    publishing = PROXY if PROXY in compose["services"] else APP

    top_secrets, top_configs, services = {}, {}, {}
    for name, source in compose["services"].items():
        service = {key: copy.deepcopy(value) for key, value in source.items() if key not in _DROPPED}
        role = roles.get(name, "data")
        deploy = {
            "mode": "replicated",
            "replicas": replicas if name == APP else 1,
            "endpoint_mode": "dnsrr",
            "restart_policy": {"condition": "any", "delay": "5s"},
        }
        if "mem_limit" in source:
            deploy["resources"] = {"limits": {"memory": _memory(name, source["mem_limit"])}}
        where = _placement(role, placement)
        if name == APP and replicas > 1:
            # One replica per node: host-mode ports and a node's loss take one replica only.
            where["max_replicas_per_node"] = 1
        if where:
            deploy["placement"] = where
        if name == APP:
            # One replica at a time (each start runs the database schema push), rolled back when
            # the new one does not become healthy. A single replica starts its successor first
            # (no downtime); several stop one first, since one per node leaves a new task
            # nowhere to start while the old one still holds its node.
            order = "start-first" if replicas == 1 else "stop-first"
            deploy["update_config"] = {
                "parallelism": 1,
                "order": order,
                "failure_action": "rollback",
                "monitor": str(settings.get("update_monitor") or "30s"),
            }
            deploy["rollback_config"] = {"parallelism": 1, "order": order}
            environment = dict(service.get("environment") or {})
            environment.update(worker_environment(replicas))
            service["environment"] = environment
        service["deploy"] = deploy

        # Without start_interval a service is probed every `interval` from its start: the timing
        # of an engine that has none, so that a task is healthy as soon as before.
        healthcheck = service.get("healthcheck")
        if isinstance(healthcheck, dict) and healthcheck.pop("start_interval", None) is not None:
            healthcheck.update(model.healthcheck_timing(name))

        if "ports" in source:
            if name == publishing:
                service["ports"] = _ports(name, source["ports"])
            else:
                service.pop("ports")

        volumes, config_refs = _volumes(
            name, source.get("volumes"), configs, uploads_path, top_configs, project, project_dir
        )
        if volumes:
            service["volumes"] = volumes
        else:
            service.pop("volumes", None)
        if config_refs:
            service["configs"] = config_refs

        if source.get("env_file"):
            secret = env_secrets.get(name)
            command = commands.get(name)
            if not secret or not command:
                raise SwarmStackError(
                    f"Service {name}: its env file needs a Swarm secret and the image's entrypoint and command."
                )
            secret_name = content_name(project, f"{name}-env", secret["sha1"])
            top_secrets[secret_name] = {"name": secret_name, "file": _absolute(project_dir, secret["file"])}
            service["secrets"] = [{"source": secret_name, "target": f"{name}.env", "mode": 0o400}]
            service["entrypoint"] = [
                _literal(arg) for arg in ("/bin/sh", "-c", ENV_WRAPPER, f"{SECRETS_DIR}/{name}.env")
            ]
            service["command"] = [_literal(str(arg)) for arg in command]
            # A healthcheck runs with the container's environment, which the secret is not part
            # of: a shell check that reads a variable (pg_isready -U "$POSTGRES_USER") reads it too.
            if isinstance(healthcheck, dict) and (healthcheck.get("test") or [None])[0] == "CMD-SHELL":
                test = healthcheck["test"]
                healthcheck["test"] = [
                    "CMD-SHELL",
                    f"set -a && . {SECRETS_DIR}/{name}.env && set +a && {test[1]}",
                ]
        services[name] = service

    networks = {}
    for key, network in (compose.get("networks") or {}).items():
        network = dict(network or {})
        if not network.get("external"):
            network["driver"] = "overlay"
        networks[key] = network

    result = {"version": FORMAT_VERSION, "services": services, "networks": networks}
    if compose.get("volumes"):
        result["volumes"] = copy.deepcopy(compose["volumes"])
    if top_secrets:
        result["secrets"] = top_secrets
    if top_configs:
        result["configs"] = top_configs
    return result


_REPLICAS = re.compile(r"^(\d+)/(\d+)")


def services_state(lines, project, expected=None):
    """What `docker service ls --format '{{json .}}'` (or docker_swarm_info's services, as dicts)
    says of the stack's services: the image each one's spec names (service name without the
    stack's prefix), and the problems of the services in ``expected`` (service -> image):
    missing, another image, or not every replica running (a task with a healthcheck runs once
    it is healthy; only the CLI's lines say how many run)."""
    prefix = f"{project}_"
    images, replicas = {}, {}
    for line in lines:
        if not str(line).strip():
            continue
        try:
            entry = json.loads(line) if isinstance(line, str) else dict(line)
        except (TypeError, ValueError) as exc:
            raise SwarmStackError(f"not a line of `docker service ls --format json`: {line!r}") from exc
        name = str(entry.get("Name", ""))
        if not name.startswith(prefix):
            continue
        service = name[len(prefix) :]
        # The CLI shows a pinned image as image:tag@sha256:...; the stack file names image:tag.
        images[service] = str(entry.get("Image", "")).split("@", 1)[0]
        replicas[service] = str(entry.get("Replicas", ""))
    problems = []
    for service, image in sorted((expected or {}).items()):
        if service not in images:
            problems.append(f"{prefix}{service} is not a service of the swarm")
            continue
        if images[service] != str(image).split("@", 1)[0]:
            problems.append(f"{prefix}{service} runs {images[service]}, not {image}")
        counted = _REPLICAS.match(replicas[service])
        if not counted or counted.group(1) != counted.group(2) or counted.group(2) == "0":
            problems.append(f"{prefix}{service} has {replicas[service] or 'no'} replicas running")
    return {"images": images, "problems": problems}
