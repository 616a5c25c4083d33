# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Postiz stack in one place: its services, and when its containers are healthy.

Pure Python with no Ansible import, so that every consumer reads the same description:
the ``postiz_stack`` role (through the ``postiz_services`` and ``postiz_container_problems``
filters), the ``postiz_health`` module, the maintenance role, the Molecule scenarios, and the
backup command, which runs from cron without Ansible (``backup_cron`` installs this file next
to it).

Each service has a name (the Compose service, also its key in ``postiz_images`` and
``postiz_stack_memory_limits_mb``), a role, its health rule, its named volumes, and the
switch that leaves it out: ``external`` switches mean the user runs it elsewhere,
``enabled`` switches turn an optional service on.

The health rule (``container_problems``) reads ``docker compose ps --all --format json``
entries, as Compose prints them and as ``community.docker.docker_compose_v2`` returns them:

- one-off containers (``docker compose run``, label ``com.docker.compose.oneoff=True``) are
  not the service's: they are ignored, whatever their state;
- when a service has several containers (left-overs of a scale-down, a recreation under
  way), the best one speaks for the service: running before stopped, then healthy (or
  without a healthcheck) before starting or unhealthy, then running the expected image;
  ties go to the first name in sort order. The others are not reported;
- a service is fine when that container runs, its health is ``healthy`` or empty (no
  healthcheck), and, when an image is expected, it runs that image reference exactly.
"""

from __future__ import annotations

import json

ONEOFF_LABEL = "com.docker.compose.oneoff"

# Switches (keys of the settings given to ``services``) and the role variable that sets each.
SWITCH_VARIABLES = {
    "external_database": "postiz_stack_external_database_url",
    "external_redis": "postiz_stack_external_redis_url",
    "temporal_cloud": "postiz_stack_temporal_cloud",
    "temporal_ui": "postiz_stack_temporal_ui_enabled",
    "elasticsearch": "postiz_stack_elasticsearch_enabled",
    "proxy": "postiz_public_url (https://)",
}


# Healthcheck timing. Each probe is a process the engine starts in the container, so probes
# cost CPU for as long as the stack runs. An engine without start_interval probes every
# `interval` from the start, so that interval must be short for the stack to be healthy soon
# after it starts. Docker Engine 25 and later (API 1.44) probe a starting container every
# start_interval until it is first healthy, within its start_period, then every interval.
# There: every second while a service starts, its start_period the service's slowest start,
# then Docker's default interval and retries.
STEADY_PROBE = {"interval": "30s", "retries": 3, "start_interval": "1s"}


def _probe(interval, timeout, retries, start_period, slowest_start):
    """A service's timing: the healthcheck keys on every engine, and its slowest start."""
    return {
        "interval": interval,
        "timeout": timeout,
        "retries": retries,
        "start_period": start_period,
        "slowest_start": slowest_start,
    }


def _service(name, role, health, probe, volumes=(), external=None, enabled=None, port=None, label=""):
    return {
        "name": name,
        "role": role,
        "image_key": name,
        "health": health,
        "probe": probe,
        "volumes": list(volumes),
        "external": external,
        "enabled": enabled,
        "port": port,
        "label": label or name,
    }


# The app first, because everything else exists for it. The two optional Temporal add-ons need
# the local Temporal: the role refuses them together with postiz_stack_temporal_cloud.
SERVICES = (
    _service(
        "postiz",
        "app",
        "GET /api/ is 200 and / answers below 500",
        # Generous timeout: on a busy host a slow probe must not mark a working app unhealthy.
        _probe("10s", "15s", 6, "180s", "180s"),
        ["postiz-uploads"],
        label="Postiz",
    ),
    _service(
        "postiz-postgres",
        "database",
        "pg_isready",
        _probe("5s", "5s", 10, "10s", "60s"),
        ["postgres-volume"],
        external="external_database",
        port=5432,
        label="PostgreSQL",
    ),
    _service(
        "postiz-redis",
        "cache",
        "redis-cli ping answers PONG",
        _probe("5s", "5s", 10, "5s", "30s"),
        ["postiz-redis-data"],
        external="external_redis",
        port=6379,
        label="Redis",
    ),
    _service(
        "temporal-postgresql",
        "workflow_database",
        "pg_isready",
        _probe("5s", "5s", 10, "10s", "60s"),
        ["temporal-postgres-data"],
        external="temporal_cloud",
        label="Temporal's PostgreSQL",
    ),
    _service(
        "temporal",
        "workflow",
        "the namespace answers temporal operator namespace describe",
        # The first start creates Temporal's schema and namespace.
        _probe("5s", "5s", 30, "20s", "120s"),
        external="temporal_cloud",
        port=7233,
        label="Temporal",
    ),
    _service(
        "temporal-ui",
        "workflow_ui",
        "GET /healthz",
        _probe("10s", "5s", 10, "20s", "60s"),
        enabled="temporal_ui",
        label="Temporal UI",
    ),
    _service(
        "temporal-elasticsearch",
        "workflow_search",
        "cluster health yellow or better",
        _probe("10s", "10s", 10, "60s", "120s"),
        ["temporal-elasticsearch-data"],
        enabled="elasticsearch",
        label="Elasticsearch",
    ),
    _service(
        "postiz-proxy",
        "proxy",
        "Caddy's admin API answers",
        _probe("10s", "5s", 5, "10s", "30s"),
        ["caddy-data", "caddy-config"],
        enabled="proxy",
        label="the HTTPS proxy",
    ),
)

BY_NAME = {service["name"]: service for service in SERVICES}
BY_ROLE = {service["role"]: service for service in SERVICES}
# The app must not start before these are healthy (Temporal's workers never retry).
APP_DEPENDENCY_ROLES = ("database", "cache", "workflow")


def name_of(role):
    """The service name of a role (``'database'`` -> ``'postiz-postgres'``)."""
    return BY_ROLE[role]["name"]


def names_by_role():
    """{role: service name} of every service the model knows."""
    return {service["role"]: service["name"] for service in SERVICES}


APP_SERVICE = name_of("app")
# PostgreSQL services of the stack: their data directory only their own major version reads.
POSTGRES_SERVICES = (name_of("database"), name_of("workflow_database"))
REDIS_SERVICE = name_of("cache")
TEMPORAL_SERVICE = name_of("workflow")
PROXY_SERVICE = name_of("proxy")
# Core services: they run unless a switch says they run elsewhere.
CORE_SERVICES = tuple(s["name"] for s in SERVICES if not s["enabled"])
# What the app container must reach on the project network: service, port, label.
APP_DEPENDENCIES = tuple(
    (BY_ROLE[role]["name"], BY_ROLE[role]["port"], BY_ROLE[role]["label"]) for role in APP_DEPENDENCY_ROLES
)


def healthcheck_timing(name, start_interval=False):
    """The timing keys of the service's healthcheck, in compose.yaml's order.

    ``start_interval``: whether the engine takes it (Docker Engine 25 and later).
    """
    probe = BY_NAME[name]["probe"]
    if not start_interval:
        return {key: probe[key] for key in ("interval", "timeout", "retries", "start_period")}
    return {
        "interval": STEADY_PROBE["interval"],
        "timeout": probe["timeout"],
        "retries": STEADY_PROBE["retries"],
        "start_period": probe["slowest_start"],
        "start_interval": STEADY_PROBE["start_interval"],
    }


def _on(switches, key):
    value = (switches or {}).get(key)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "no", "off", "0")
    return bool(value)


def service_state(service, switches=None):
    """``'running'`` (the stack runs it), ``'external'`` (it runs elsewhere) or ``'off'``."""
    if service["external"] and _on(switches, service["external"]):
        return "external"
    if service["enabled"] and not _on(switches, service["enabled"]):
        return "off"
    return "running"


def services(switches=None, state="running", role=None):
    """Service records for the settings, in the model's order.

    ``switches``: {switch: value} (see SWITCH_VARIABLES); a true or non-empty value turns the
    switch on, a missing one is off. ``state``: ``running``, ``external``, ``off`` or ``all``.
    ``role``: only the services of that role (or of these roles, given a list).
    """
    if state not in ("running", "external", "off", "all"):
        raise ValueError(f"state must be running, external, off or all, not {state!r}")
    roles = [role] if isinstance(role, str) else role
    found = []
    for service in SERVICES:
        if roles and service["role"] not in roles:
            continue
        current = service_state(service, switches)
        if state in ("all", current):
            found.append(dict(service, state=current))
    return found


def service_names(switches=None, state="running", role=None):
    """Names of ``services(...)``."""
    return [service["name"] for service in services(switches, state, role)]


def volumes(switches=None, state="running"):
    """Named volumes of those services, in the model's order."""
    return [volume for service in services(switches, state) for volume in service["volumes"]]


# -- the health rule ----------------------------------------------------------------------


def json_documents(text):
    """Objects from Docker's JSON output: one array, or one object per line (Compose >= 2.21)."""
    text = (text or "").strip()
    if not text:
        return []
    if text.startswith("["):
        return [item for item in json.loads(text) if isinstance(item, dict)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _labels(entry):
    """A ps entry's labels as a dict: Compose prints ``k=v,k=v``; docker inspect gives a dict."""
    labels = entry.get("Labels") or {}
    if isinstance(labels, dict):
        return labels
    found = {}
    for part in str(labels).split(","):
        key, _sep, value = part.partition("=")
        found[key.strip()] = value
    return found


def is_oneoff(entry):
    """Whether a ps entry is a ``docker compose run`` container (not the service's own)."""
    return str(_labels(entry).get(ONEOFF_LABEL, "")).lower() == "true"


def _state(entry):
    return str(entry.get("State") or "").lower()


def _health(entry):
    return str(entry.get("Health") or "").lower()


def _rank(entry, image):
    return (
        _state(entry) != "running",
        _health(entry) not in ("", "healthy"),
        bool(image) and entry.get("Image") != image,
        str(entry.get("Name") or entry.get("Names") or ""),
    )


def select_containers(entries, images=None):
    """{service: the ps entry that speaks for it}; one-off containers left out (see the module doc)."""
    images = images if isinstance(images, dict) else {}
    chosen = {}
    for entry in entries or []:
        service = entry.get("Service")
        if not service or is_oneoff(entry):
            continue
        known = chosen.get(service)
        if known is None or _rank(entry, images.get(service)) < _rank(known, images.get(service)):
            chosen[service] = entry
    return chosen


def container_problem(service, entry, image=None):
    """(kind, sentence) of what is wrong with a service's container; None when it is fine.

    kind: ``missing``, ``stopped``, ``image`` or ``health``.
    """
    if entry is None:
        return "missing", f"{service} has no container"
    state = _state(entry)
    if state != "running":
        status = entry.get("Status") or ""
        return "stopped", f"{service} is {state or 'unknown'}" + (f" ({status})" if status else "")
    if image and entry.get("Image") != image:
        return "image", f"{service} runs {entry.get('Image') or 'no image'}, not {image}"
    health = _health(entry)
    if health not in ("", "healthy"):
        return "health", f"{service} is {health}"
    return None


def container_problems(entries, expected=None):
    """Sentences saying what is wrong with a project's containers; [] when all is well.

    ``entries``: ``docker compose ps --all --format json`` entries, or that command's output
    (see json_documents). ``expected``: the services
    that must run, as a list of names or as {service: image} (then each must run that image);
    None: the services the (non one-off) entries name.
    """
    if isinstance(entries, str):
        entries = json_documents(entries)
    images = expected if isinstance(expected, dict) else {}
    chosen = select_containers(entries, images)
    wanted = list(expected) if expected is not None else sorted(chosen)
    problems = []
    for service in wanted:
        problem = container_problem(service, chosen.get(service), images.get(service))
        if problem:
            problems.append(problem[1])
    return problems


SERVICE_LABEL = "com.docker.compose.service"
# The labels `docker stack deploy` gives a stack's containers and volumes.
SWARM_STACK_LABEL = "com.docker.stack.namespace"
SWARM_SERVICE_LABEL = "com.docker.swarm.service.name"


def swarm_service(labels, stack=None):
    """The stack file's name of a Swarm task's service: its Swarm service name without the
    "<stack>_" prefix `docker stack deploy` gives it ("" for another stack's or no task).
    ``labels``: a dict, or Docker's ``k=v,k=v`` text; ``stack``: the stack's name (default:
    the task's own stack label)."""
    labels = _labels({"Labels": labels})
    stack = stack if stack is not None else labels.get(SWARM_STACK_LABEL, "")
    name = labels.get(SWARM_SERVICE_LABEL, "")
    return name[len(stack) + 1 :] if stack and name.startswith(f"{stack}_") else ""


def _api_health(entry):
    """Health from a Docker API container listing's Status ("Up 2 minutes (healthy)")."""
    status = str(entry.get("Status") or "")
    for marker, health in (
        ("(healthy)", "healthy"),
        ("(unhealthy)", "unhealthy"),
        ("(health: starting)", "starting"),
    ):
        if marker in status:
            return health
    return ""


def _json_object(text):
    try:
        value = json.loads(text or "")
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def deploy_record(containers, services):
    """{service: container id} of the project's containers for ``services`` (the record
    ``up_reasons`` compares with); Docker API listing entries, one-off containers left out."""
    record = {}
    for entry in containers or []:
        service = _labels(entry).get(SERVICE_LABEL)
        if service in services and not is_oneoff(entry):
            record[service] = entry.get("Id")
    return record


def up_reasons(containers, record_text, services, project_services=None, images_text=None):
    """Why ``docker compose up`` must run although no file of the project changed; [] when
    the stack runs exactly as the last deploy left it.

    ``containers``: the project's containers as the Docker API lists them (Id, State,
    Status, Image, Labels; ``docker_host_info`` with ``verbose_output``), or with their
    health in ``Health`` instead of ``Status`` (``postiz_health``'s ``containers``). ``record_text``:
    the JSON {service: container id} written after the last ``up`` (see ``deploy_record``).
    ``services``: the services ``up`` starts. ``project_services``: every service of the
    Compose file (default ``services``); a container of any other service is an orphan
    that ``up`` would remove. ``images_text``: the text of images.json, which must say
    what each service's container runs (None: not compared).

    Every recreation gives a container a new id, so a container someone removed, recreated
    (with ``docker compose`` from another file, say) or replaced is never taken for the
    deployed one; a stopped, paused, starting or unhealthy one is not either.
    """
    record = _json_object(record_text)
    if not record:
        return ["there is no readable record of the containers the last deploy created"]
    project_services = list(project_services if project_services is not None else services)
    by_service = {}
    for entry in containers or []:
        service = _labels(entry).get(SERVICE_LABEL)
        if service and not is_oneoff(entry):
            by_service.setdefault(service, []).append(entry)
    reasons = []
    for service in services:
        found = by_service.get(service, [])
        if [entry.get("Id") for entry in found] != [record.get(service)]:
            reasons.append(f"{service} does not run the one container the last deploy created")
            continue
        state, health = _state(found[0]), _health(found[0]) or _api_health(found[0])
        if state != "running":
            reasons.append(f"{service} is {state or 'in an unknown state'}")
        elif health not in ("", "healthy"):
            reasons.append(f"{service} is {health}")
    orphans = sorted(set(by_service) - set(project_services) - set(services))
    if orphans:
        reasons.append(f"containers of services the Compose file no longer has: {', '.join(orphans)}")
    if images_text is not None:
        running = {
            service: entries[0].get("Image")
            for service, entries in by_service.items()
            if service in project_services and len(entries) == 1
        }
        if _json_object(images_text) != running:
            reasons.append("images.json does not say what the containers run")
    return reasons
