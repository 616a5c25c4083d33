# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One health report for a deployed Postiz Compose project, with a fix per failure.

Pure logic with no AnsibleModule, so it can be unit-tested with a fake ``docker``
and a local HTTP server. The module ``selfhosted.postiz.postiz_health`` is a thin
wrapper around :class:`HealthCheck`.

Everything here only reads: ``docker compose ps``, ``docker inspect``, ``docker
stats --no-stream``, ``docker exec`` of probes that change nothing (``pg_isready``,
``redis-cli ping``, ``temporal operator namespace describe``, a TCP connect), HTTP
GETs, the MCP handshake with a read-only tool, and ``statvfs``.

The in-stack probes use ``docker exec`` on the container ids ``docker compose ps``
returned rather than ``docker compose exec``: that needs no readable compose file
and skips a project load per probe. Fix texts name ``docker compose -p <project>``
commands, which work from any directory.

Postiz specifics (gitroomhq/postiz-app#1748): the backend has no health route, so
``/api/`` and ``/auth`` are probed; the orchestrator's Temporal workers connect once
and never retry, so Temporal being unreachable from the app, or started after it,
is reported with "restart the app after Temporal is healthy".
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import (
    HttpClient,
    TransportError,
    excerpt,
)

# Selectable checks, in the order they run and are reported.
CHECKS = (
    "containers",
    "nodes",
    "services",
    "api",
    "frontend",
    "public_api",
    "mcp",
    "postgres",
    "redis",
    "temporal",
    "start_order",
    "app_network",
    "disk",
    "memory",
)

# On Docker Swarm, run on a manager (_postiz_swarm_health); not asked for by default.
SWARM_CHECKS = ("nodes", "services")
DEFAULT_CHECKS = tuple(name for name in CHECKS if name not in SWARM_CHECKS)

# The stack's services, from its one description (_postiz_stack_model).
APP_SERVICE = model.APP_SERVICE
# The checks that each wait on a `docker exec` into a container of the stack: they run side
# by side, their results still listed in the order of CHECKS.
IN_CONTAINER_CHECKS = ("postgres", "redis", "temporal", "app_network")
POSTGRES_SERVICES = model.POSTGRES_SERVICES
REDIS_SERVICE = model.REDIS_SERVICE
TEMPORAL_SERVICE = model.TEMPORAL_SERVICE
# What the app container must reach on the project network: service, port, label.
APP_DEPENDENCIES = model.APP_DEPENDENCIES

# Upstream's issue, quoted in every Temporal fix.
TEMPORAL_PITFALL = "the app's Temporal workers connect once and never retry (gitroomhq/postiz-app#1748)"
ADMIN_MODULE = "selfhosted.postiz.postiz_admin"
MIB = 1024.0 * 1024.0

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
MARKS = {OK: "\u2713", FAILED: "\u2717", SKIPPED: "-"}

# The TCP probe run inside the app container: node (the real image has it), else python3.
# Each prints [[host, port, ok, ms, error], ...] as JSON for the targets in its first argument.
_NODE_CONNECT = (
    "const net=require('net');"
    "Promise.all(JSON.parse(process.argv[1]).map(([h,p])=>new Promise(done=>{"
    "const t0=Date.now();const s=net.connect({host:h,port:p});s.setTimeout(3000);"
    "const end=(ok,e)=>{s.destroy();done([h,p,ok,Date.now()-t0,e]);};"
    "s.on('connect',()=>end(true,''));s.on('timeout',()=>end(false,'timed out after 3 s'));"
    "s.on('error',e=>end(false,e.code||e.message));})))"
    ".then(r=>console.log(JSON.stringify(r)));"
)
_PYTHON_CONNECT = (
    "import json,socket,sys,time\n"
    "out=[]\n"
    "for h,p in json.loads(sys.argv[1]):\n"
    "    t0=time.monotonic()\n"
    "    try:\n"
    "        socket.create_connection((h,p),3).close();out.append([h,p,True,int((time.monotonic()-t0)*1000),''])\n"
    "    except OSError as e:\n"
    "        out.append([h,p,False,int((time.monotonic()-t0)*1000),str(e)])\n"
    "print(json.dumps(out))\n"
)
_CONNECT_SCRIPT = (
    'if command -v node >/dev/null 2>&1; then exec node -e "$1" "$3"; else exec python3 -c "$2" "$3"; fi'
)

_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKMGTP]?i?B)?\s*$")
_SIZE_FACTORS = {
    "B": 1,
    "": 1,
    "kB": 1e3,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
    "KiB": 1024.0,
    "MiB": 1024.0**2,
    "GiB": 1024.0**3,
    "TiB": 1024.0**4,
    "PiB": 1024.0**5,
}
_TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


class CheckResult:
    """One line of the report. ``label`` starts the failure message; ``fix`` says what to do."""

    def __init__(self, name, label, status, ms=0, detail="", fix=""):
        self.name = name
        self.label = label
        self.status = status
        self.ms = ms
        self.detail = detail
        self.fix = fix

    @property
    def ok(self):
        return self.status != FAILED

    def as_dict(self):
        return {
            "name": self.name,
            "ok": self.ok,
            "status": self.status,
            "ms": self.ms,
            "detail": self.detail,
            "fix": self.fix,
        }

    def message(self):
        """The failure message: what is wrong, then what to do."""
        return (
            f"{self.label}: {self.detail} \u2014 {self.fix}" if self.fix else f"{self.label}: {self.detail}"
        )

    def line(self):
        text = f"{MARKS[self.status]} {self.name}: {self.detail}"
        if self.status != SKIPPED:
            text += f" ({self.ms} ms)"
        if self.status == FAILED and self.fix:
            text += f" \u2192 {self.fix}"
        return text


# -- parsing (pure) -------------------------------------------------------------

# Objects from Docker's JSON output: one array, or one object per line (Compose >= 2.21).
parse_json_documents = model.json_documents


def parse_compose_ps(text):
    """``docker compose ps -a --format json`` -> {service: container dict}.

    Which container speaks for a service (several of one service, one-off containers of
    ``docker compose run``) is the stack's one rule: _postiz_stack_model.select_containers.
    """
    return containers_by_service(parse_json_documents(text))


def containers_by_service(entries):
    """ps entries (each with its ``Service``) -> {service: container dict}."""
    return {
        service: {
            "id": entry.get("ID", ""),
            "name": entry.get("Name") or entry.get("Names") or "",
            "state": (entry.get("State") or "").lower(),
            "health": (entry.get("Health") or "").lower(),
            "status": entry.get("Status") or "",
            "exit_code": entry.get("ExitCode"),
        }
        for service, entry in model.select_containers(entries).items()
    }


def parse_swarm_ps(text, project):
    """``docker ps --format '{{json .}}'`` of a stack's containers on this machine ->
    {service: container dict}; a task's service is its Swarm service without "<stack>_"."""
    entries = [
        dict(entry, Service=model.swarm_service(entry.get("Labels"), project))
        for entry in parse_json_documents(text)
    ]
    return containers_by_service([entry for entry in entries if entry["Service"]])


def _ps_entry(container):
    """A parsed container back in ``compose ps`` terms, for the stack's health rule (None stays None)."""
    if container is None:
        return None
    return {"State": container["state"], "Health": container["health"], "Status": container["status"]}


def parse_size_mb(text):
    """A Docker size (``89.26MiB``, ``1.2GB``, ``512kB``, ``0B``) in MiB; ValueError if unreadable."""
    match = _SIZE_RE.match(text or "")
    if not match or (match.group(2) not in _SIZE_FACTORS and match.group(2) is not None):
        raise ValueError(f"not a size: {text!r}")
    return float(match.group(1)) * _SIZE_FACTORS[match.group(2) or ""] / MIB


def parse_mem_usage(text):
    """``MemUsage`` of ``docker stats`` (``used / limit``) -> (used MiB, limit MiB)."""
    used, _sep, limit = (text or "").partition("/")
    return parse_size_mb(used), parse_size_mb(limit) if limit.strip() else 0.0


def parse_stats(text):
    """``docker stats --no-stream --format '{{json .}}'`` -> {container name: used MiB}."""
    usage = {}
    for entry in parse_json_documents(text):
        used, _limit = parse_mem_usage(entry.get("MemUsage", ""))
        usage[entry.get("Name") or entry.get("Container") or entry.get("ID")] = used
    return usage


def parse_docker_time(text):
    """Docker's RFC 3339 time with nanoseconds -> aware datetime; None for the zero time or junk."""
    match = _TIME_RE.match(text or "")
    if not match or text.startswith("0001-"):
        return None
    base = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    micro = int((match.group(2) or "0")[:6].ljust(6, "0"))
    zone = match.group(3)
    offset = datetime.timedelta(0)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return base.replace(microsecond=micro, tzinfo=datetime.timezone(offset))


def parse_inspect(text):
    """``docker inspect <ids>`` -> {container id: {started_at, oom_killed, restarts, service}}."""
    found = {}
    for entry in json.loads(text or "[]"):
        state = entry.get("State") or {}
        labels = (entry.get("Config") or {}).get("Labels") or {}
        found[entry.get("Id", "")] = {
            "started_at": parse_docker_time(state.get("StartedAt")),
            "oom_killed": bool(state.get("OOMKilled")),
            "restarts": entry.get("RestartCount") or 0,
            "service": labels.get("com.docker.compose.service", ""),
            "health_output": _last_health_output(state),
        }
    return found


def listing_entries(text):
    """``docker inspect <ids>`` -> the containers in the Docker API listing's terms (Id, Image,
    State, Health, Labels), which the stack model's up_reasons and deploy_record read."""
    entries = []
    for entry in json.loads(text or "[]"):
        state = entry.get("State") or {}
        config = entry.get("Config") or {}
        entries.append(
            {
                "Id": entry.get("Id", ""),
                "Image": config.get("Image", ""),
                "State": str(state.get("Status") or "").lower(),
                "Health": str((state.get("Health") or {}).get("Status") or "").lower(),
                "Labels": config.get("Labels") or {},
            }
        )
    return entries


def _last_health_output(state):
    """The output of the container's latest healthcheck, on one line ('' without one)."""
    log = (state.get("Health") or {}).get("Log") or []
    return " ".join(str(log[-1].get("Output") or "").split()) if log else ""


def by_short_id(inspected, short_id):
    """The inspect entry of a container named by the 12-character id ``compose ps`` prints."""
    for full_id, info in inspected.items():
        if short_id and full_id.startswith(short_id):
            return info
    return None


# Where Docker puts a container's cgroup: cgroup v2 with the systemd or the cgroupfs
# driver, then cgroup v1. Each with its usage file and the memory.stat key of the file
# cache the kernel can drop, which `docker stats` leaves out of a container's usage.
CGROUP_LAYOUTS = (
    ("system.slice/docker-{id}.scope", "memory.current", "inactive_file"),
    ("docker/{id}", "memory.current", "inactive_file"),
    ("memory/docker/{id}", "memory.usage_in_bytes", "total_inactive_file"),
    ("memory/system.slice/docker-{id}.scope", "memory.usage_in_bytes", "total_inactive_file"),
)


def _read_text(path):
    with open(path, encoding="ascii") as handle:
        return handle.read()


def cgroup_memory_mb(full_id, root="/sys/fs/cgroup", read=_read_text):
    """MiB a container uses as ``docker stats`` counts it (usage minus inactive file cache),
    read from its cgroup; None when no layout is readable.

    Reading two small files takes microseconds, where ``docker stats --no-stream`` samples
    twice a second apart; and some engines report 0 B there for every container while the
    kernel's count is right.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", full_id or ""):
        return None
    for layout, usage_file, inactive_key in CGROUP_LAYOUTS:
        directory = os.path.join(root, layout.format(id=full_id))
        try:
            usage = int(read(os.path.join(directory, usage_file)).strip())
        except (OSError, ValueError):
            continue
        inactive = 0
        try:
            for line in read(os.path.join(directory, "memory.stat")).splitlines():
                key, _sep, value = line.partition(" ")
                if key == inactive_key:
                    inactive = int(value)
        except (OSError, ValueError):
            inactive = 0
        return (usage - inactive if inactive < usage else usage) / MIB
    return None


def fmt_mb(value):
    return f"{round(value)} MiB"


def sum_memory(usage_by_name, containers):
    """(total MiB, [(service, MiB)]) of the project's containers, largest first."""
    per_service = []
    names = {c["name"]: service for service, c in containers.items()}
    for name, used in usage_by_name.items():
        per_service.append((names.get(name, name), used))
    per_service.sort(key=lambda item: (-item[1], item[0]))
    return sum(used for _service, used in per_service), per_service


def free_mb_of(path, statvfs=os.statvfs):
    """(free MiB for unprivileged users, the existing path measured) of ``path``'s filesystem."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    stats = statvfs(probe)
    return stats.f_bavail * stats.f_frsize / MIB, probe


def failure_message(project, results):
    """The module's failure text: each failed check with its fix."""
    failed = [r for r in results if r.status == FAILED]
    return "Postiz stack {} is not healthy ({} of {} checks failed): {}".format(
        project,
        len(failed),
        len([r for r in results if r.status != SKIPPED]),
        "; ".join(r.message() for r in failed),
    )


def summary_lines(project, url, results):
    failed = len([r for r in results if r.status == FAILED])
    skipped = len([r for r in results if r.status == SKIPPED])
    head = "Postiz stack {} at {}: {} ({} passed, {} failed, {} skipped)".format(
        project,
        url,
        "healthy" if not failed else "NOT healthy",
        len(results) - failed - skipped,
        failed,
        skipped,
    )
    return [head] + [r.line() for r in results]


# -- the checks -------------------------------------------------------------------


class Docker:
    """The docker CLI through a ``run(args) -> (rc, stdout, stderr)`` callable."""

    def __init__(self, run, docker="docker", timeout_bin=None, timeout=30):
        self._run = run
        self.docker = docker
        self.timeout_bin = timeout_bin
        self.timeout = timeout

    def __call__(self, *args):
        if not self.docker:
            # No docker CLI yet (a dry run of the first deploy on a fresh host): every check
            # that needs it fails with this, instead of the whole module failing.
            return 127, "", "the docker CLI is not installed on this host"
        command = [self.docker, *list(args)]
        if self.timeout_bin:
            # A hung `docker exec` (a wedged server) must not hang the play.
            command = [self.timeout_bin, "--kill-after=5", str(self.timeout), *command]
        rc, out, err = self._run(command)
        if rc == 124 and self.timeout_bin:
            err = f"no answer within {self.timeout} s"
        return rc, out or "", (err or "").strip()


class HealthCheck:
    """Runs the selected checks against one Compose project and keeps their results."""

    def __init__(
        self,
        docker,
        project_name,
        project_dir,
        url,
        api_key=None,
        mcp_auth="path",
        max_latency_ms=3000,
        latency_limit_name="max_latency_ms",
        memory_budget_mb=0,
        min_free_disk_mb=2048,
        disk_paths=None,
        app_service=APP_SERVICE,
        temporal_namespace="default",
        app_targets=None,
        expected_replicas=None,
        engine="compose",
        http=None,
        statvfs=os.statvfs,
        clock=time.monotonic,
        cgroup_root="/sys/fs/cgroup",
    ):
        self.docker = docker
        self.project = project_name
        self.project_dir = project_dir
        self.url = url.rstrip("/")
        self.api_key = api_key or ""
        self.mcp_auth = mcp_auth
        self.max_latency_ms = max_latency_ms
        self.latency_limit_name = latency_limit_name
        self.memory_budget_mb = memory_budget_mb
        self.min_free_disk_mb = min_free_disk_mb
        self.disk_paths = list(disk_paths or [])
        self.app_service = app_service
        self.temporal_namespace = temporal_namespace
        self.app_targets = list(app_targets or [])
        self.expected_replicas = dict(expected_replicas or {})
        # swarm: the stack's containers on this machine are found by its Swarm labels, and
        # the fixes name Swarm's commands.
        self.swarm = engine == "swarm"
        self._http = http
        self._statvfs = statvfs
        self._clock = clock
        self._cgroup_root = cgroup_root
        self.results = []
        # Where _add and _skip put results: a check running in a thread of its own gets a list.
        self._local = threading.local()
        self.memory_used_mb = None
        self.disk_free_mb = None
        self._containers = None
        self._containers_error = None
        self._ps_ids = []
        self._listing = None
        self._services = None
        self._inspected = None
        self._stats = None

    # -- helpers ------------------------------------------------------------

    @property
    def http(self):
        """The HTTP client, made when a check first speaks HTTP (the start order check never does)."""
        if self._http is None:
            self._http = HttpClient(timeout=self.docker.timeout)
        if self.api_key and self.api_key not in self._http.secrets:
            self._http.secrets.append(self.api_key)
        return self._http

    @property
    def compose(self):
        return f"docker compose -p {self.project}"

    def _logs(self, service):
        if self.swarm:
            return f"docker service logs --tail 100 {self.project}_{service}"
        return f"{self.compose} logs --tail 100 {service}"

    def _restart(self, service):
        if self.swarm:
            return f"docker service update --force {self.project}_{service}"
        return f"{self.compose} restart {service}"

    def _ms(self, started):
        return round((self._clock() - started) * 1000)

    def _add(self, name, label, started, ok, detail, fix=""):
        result = CheckResult(
            name, label, OK if ok else FAILED, self._ms(started) if started else 0, detail, "" if ok else fix
        )
        self._sink().append(result)
        return result

    def _skip(self, name, label, reason):
        self._sink().append(CheckResult(name, label, SKIPPED, 0, f"skipped: {reason}"))

    def _sink(self):
        sink = getattr(self._local, "results", None)
        return self.results if sink is None else sink

    def _collect(self, step):
        """The results ``step`` adds, kept apart from the others'."""
        self._local.results = []
        try:
            step()
            return self._local.results
        finally:
            self._local.results = None

    def containers(self):
        """{service: container} of the project (cached); {} and an error text when Compose fails."""
        if self._containers is None and self.swarm:
            # The running tasks on this machine: Swarm replaces a task that stops, and keeps
            # the stopped ones as history.
            label = f"label={model.SWARM_STACK_LABEL}={self.project}"
            rc, out, err = self.docker("ps", "--filter", label, "--format", "{{json .}}")
            try:
                self._containers = parse_swarm_ps(out, self.project) if rc == 0 else {}
                self._containers_error = None if rc == 0 else err or f"exit status {rc}"
            except ValueError as exc:
                self._containers, self._containers_error = {}, f"unreadable output of docker ps: {exc}"
        if self._containers is None:
            rc, out, err = self.docker("compose", "-p", self.project, "ps", "-a", "--format", "json")
            if rc != 0:
                self._containers, self._containers_error = {}, err or f"exit status {rc}"
            else:
                try:
                    self._containers = parse_compose_ps(out)
                    # Every container of the project, also those that do not speak for a
                    # service (a second one, a one-off): the listing reports them all.
                    self._ps_ids = [
                        entry.get("ID", "") for entry in parse_json_documents(out) if entry.get("ID")
                    ]
                except ValueError as exc:
                    self._containers, self._containers_error = {}, f"unreadable output of compose ps: {exc}"
        return self._containers

    def services(self):
        """Services the project's compose file defines; those with containers when it cannot be read."""
        if self._services is None:
            compose_file = os.path.join(self.project_dir, "compose.yaml")
            rc, out, _err = self.docker(
                "compose",
                "--project-directory",
                self.project_dir,
                "-f",
                compose_file,
                "-p",
                self.project,
                "config",
                "--services",
            )
            if rc == 0 and out.strip():
                self._services = sorted(line.strip() for line in out.splitlines() if line.strip())
            else:
                self._services = sorted(self.containers())
        return self._services

    def inspected(self):
        if self._inspected is None:
            self.containers()
            self._inspected, self._listing = {}, []
            if self._ps_ids:
                rc, out, _err = self.docker("inspect", *self._ps_ids)
                if rc == 0:
                    try:
                        self._inspected, self._listing = parse_inspect(out), listing_entries(out)
                    except ValueError:
                        self._inspected, self._listing = {}, []
        return self._inspected

    def listing(self):
        """The project's containers in the Docker API listing's terms, when a check inspected
        them (``containers``, ``start_order``); None otherwise."""
        return self._listing

    def _running(self, service):
        container = self.containers().get(service)
        return container if container and container["state"] == "running" else None

    def _exec(self, service, *command):
        container = self._running(service)
        return self.docker("exec", container["id"], *command)

    def _not_running_detail(self, service):
        container = self.containers().get(service)
        if container is None:
            return f"no {service} container"
        return "{} is {} ({})".format(service, container["state"] or "unknown", container["status"])

    def _up(self):
        return f"docker compose --project-directory {self.project_dir} -p {self.project} up -d --wait"

    def _start_fix(self, service):
        if service not in self.containers():
            fix = f"create it: {self._up()} (or re-run site.yml)"
        else:
            fix = f"start it: {self.compose} start {service}; if it stops again, read {self._logs(service)}"
        if service in (TEMPORAL_SERVICE, model.name_of("workflow_database")):
            fix += f"; then, as {TEMPORAL_PITFALL}, restart the app once Temporal is healthy: {self.compose} restart {self.app_service}"
        return fix

    # -- containers -----------------------------------------------------------

    def check_containers(self):
        started = self._clock()
        containers = self.containers()
        if self._containers_error:
            self._add(
                "containers",
                "Containers",
                started,
                False,
                f"cannot list the containers of project {self.project}: {self._containers_error}",
                "check that Docker runs and Compose v2 is installed (docker compose version); "
                "the docker_host role installs both",
            )
            return
        expected = self.services()
        if not expected:
            self._add(
                "containers",
                "Containers",
                started,
                False,
                f"project {self.project} has no containers and {self.project_dir}/compose.yaml lists no services",
                f"deploy it: run site.yml with postiz_stack_project_dir={self.project_dir} and postiz_stack_project_name={self.project}",
            )
            return
        problems, fixes = [], []
        inspected = self.inspected()
        for service in expected:
            container = containers.get(service)
            info = by_short_id(inspected, container["id"]) if container else None
            # The stack's one rule says what is wrong; this adds the evidence and the fix.
            kind, sentence = model.container_problem(service, _ps_entry(container)) or (None, "")
            if kind == "missing":
                problems.append(sentence)
                fixes.append(f"create it: {self._up()} (or re-run site.yml)")
            elif kind == "stopped":
                problems.append(sentence + (", OOM-killed" if info and info["oom_killed"] else ""))
                fixes.append(self._start_fix(service))
            elif kind == "health":
                output = info["health_output"] if info else ""
                problems.append(sentence + (f" (last healthcheck: {excerpt(output)})" if output else ""))
                if container["health"] == "starting":
                    fixes.append(f"{service} is still starting: wait, then run this check again")
                elif "exceeded timeout" in output:
                    fixes.append(
                        f"its healthcheck timed out, so {service} or the host is overloaded: see docker stats and "
                        f"the load average (uptime), then {self._logs(service)}"
                    )
                else:
                    fixes.append(f"read why its healthcheck fails: {self._logs(service)}")
            if info and info["oom_killed"] and container["state"] == "running":
                problems.append("{} was OOM-killed earlier ({} restarts)".format(service, info["restarts"]))
                fixes.append(
                    f"raise postiz_stack_memory_limits_mb[{service}] (within postiz_memory_budget_mb)"
                )
        extra = sorted(set(containers) - set(expected))
        if problems:
            self._add(
                "containers", "Containers", started, False, "; ".join(problems), "; ".join(_unique(fixes))
            )
        else:
            detail = "all {} running and healthy: {}".format(len(expected), ", ".join(expected))
            if extra:
                detail += "; also {}, not in compose.yaml".format(", ".join(extra))
            self._add("containers", "Containers", started, True, detail)

    # -- HTTP -----------------------------------------------------------------

    def _get(self, path, headers=None):
        """(status, text) of GET url+path; raises TransportError."""
        response = self.http.send("GET", self.url + path, headers=headers)
        try:
            return response.status, response.text()
        finally:
            response.close()

    def _http_fix(self, exc_or_status):
        if isinstance(exc_or_status, TransportError):
            if exc_or_status.kind == "refused":
                return (
                    f"nothing listens on {self.url}: check that the app container runs and is published there "
                    f"({self.compose} ps); url must be the address site.yml publishes (postiz_stack_local_url)"
                )
            return f"check that {self.url} is the app's address on this host and the app answers: {self._logs(self.app_service)}"
        if exc_or_status in (502, 503, 504):
            return (
                f"the backend behind nginx is down or still starting: read {self._logs(self.app_service)} (a Temporal or database "
                "problem at boot is the usual cause)"
            )
        if exc_or_status == 404:
            return "url must be the base URL of the app without /api (for example http://127.0.0.1:4007)"
        return f"read {self._logs(self.app_service)}"

    def check_http(self, name, label, path, want):
        started = self._clock()
        try:
            status, text = self._get(path)
        except TransportError as exc:
            self._add(name, label, started, False, f"GET {path} failed: {exc.reason}", self._http_fix(exc))
            return
        ok = status == 200 and (want is None or want in text)
        detail = f"GET {path}: HTTP {status}"
        if status == 200 and want and not ok:
            detail += f", but the body is not {want!r}: {excerpt(text, self.http.secrets)}"
        self._add(name, label, started, ok, detail, self._http_fix(status))

    def check_public_api(self):
        label = "Public API"
        if not self.api_key:
            self._skip("public_api", label, "no key")
            return
        started = self._clock()
        path = "/api/public/v1/is-connected"
        try:
            status, text = self._get(
                path, headers={"Authorization": self.api_key, "Accept": "application/json"}
            )
        except TransportError as exc:
            self._add(
                "public_api", label, started, False, f"GET {path} failed: {exc.reason}", self._http_fix(exc)
            )
            return
        connected = False
        if status == 200:
            try:
                connected = json.loads(text).get("connected") is True
            except (ValueError, AttributeError):
                connected = False
        detail = f"GET {path} with the key: HTTP {status} {excerpt(text, self.http.secrets)}"
        if status == 401:
            fix = f"the API key was refused: read it again with {ADMIN_MODULE} (it changes when rotated)"
        else:
            fix = self._http_fix(status)
        self._add("public_api", label, started, connected, detail, fix)

    def check_mcp(self):
        label = "MCP"
        if not self.api_key:
            self._skip("mcp", label, "no key")
            return
        started = self._clock()
        # Imported here: only this check speaks MCP.
        from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_probe import McpProbe

        probe = McpProbe(
            self.url + "/api/mcp",
            self.api_key,
            auth=self.mcp_auth,
            http=self.http,
            max_latency_ms=self.max_latency_ms,
            latency_limit_name=self.latency_limit_name,
        )
        result = probe.run()
        steps = ", ".join(f"{step.name} {step.ms} ms" for step in result.steps if step.ms or step.ok)
        if result.ok:
            detail = "{}, {} tools; {}; slowest {} ms of {} allowed".format(
                result.server_info.get("name") or "server",
                len(result.tools),
                steps,
                result.max_ms,
                self.max_latency_ms,
            )
            self._add("mcp", label, started, True, detail)
            return
        detail = "; ".join(result.failures)
        if any(" took " in failure for failure in result.failures):
            fix = f"find what slows the app (docker stats, {self._logs(self.app_service)}); raise {self.latency_limit_name} only if this latency is acceptable"
        elif any("API key was refused" in failure for failure in result.failures):
            fix = f"read the key again with {ADMIN_MODULE} (it changes when rotated)"
        else:
            fix = f"read {self._logs(self.app_service)}"
        self._add("mcp", label, started, False, detail, fix)

    # -- inside the stack -------------------------------------------------------

    def _in_stack(self, name, label, service, command, healthy_text, fix):
        if not self.services():
            self._skip(name, label, f"project {self.project} is not deployed (no services, no containers)")
            return
        if service not in self.services():
            self._skip(name, label, f"{service} is not part of this project (an external service)")
            return
        if self.swarm and not self._running(service):
            self._skip(
                name,
                label,
                f"no task of {service} runs on this machine (the services check counts its replicas)",
            )
            return
        started = self._clock()
        if not self._running(service):
            self._add(
                name, label, started, False, self._not_running_detail(service), self._start_fix(service)
            )
            return
        rc, out, err = self._exec(service, *command)
        text = " ".join((out.strip() or err).split())
        ok = rc == 0 and (healthy_text is None or healthy_text in out)
        detail = text if ok else f"{excerpt(text or 'no output')} (exit status {rc})"
        self._add(name, label, started, ok, "{}: {}".format(service, detail or "answers"), fix)

    def check_postgres(self):
        for service in POSTGRES_SERVICES:
            fix = f"read {self._logs(service)}, then restart it: {self._restart(service)}"
            if service == model.name_of("workflow_database"):
                fix += f"; then restart {TEMPORAL_SERVICE} and, once it is healthy, {self.app_service} ({TEMPORAL_PITFALL})"
            # pg_isready does not log in, so the user only names the default database; the
            # variable is the one the healthcheck uses.
            self._in_stack(
                f"postgres:{service}",
                f"PostgreSQL {service}",
                service,
                ["sh", "-c", 'pg_isready -U "${POSTGRES_USER:-postgres}"'],
                "accepting connections",
                fix,
            )

    def check_redis(self):
        fix = f"read {self._logs(REDIS_SERVICE)}, then restart it: {self._restart(REDIS_SERVICE)}"
        self._in_stack("redis", "Redis", REDIS_SERVICE, ["redis-cli", "ping"], "PONG", fix)

    def check_temporal(self):
        fix = (
            "read {} (it needs {}), restart it: {}, then restart the app once "
            "Temporal is healthy, because {}: {}".format(
                self._logs(TEMPORAL_SERVICE),
                model.name_of("workflow_database"),
                self._restart(TEMPORAL_SERVICE),
                TEMPORAL_PITFALL,
                self._restart(self.app_service),
            )
        )
        # The container's own address, as its healthcheck: auto-setup does not bind 127.0.0.1.
        describe = (
            'temporal operator namespace describe --namespace "$1" '
            '--address "$(hostname -i | cut -d" " -f1):7233" >/dev/null && echo "namespace $1 exists"'
        )
        self._in_stack(
            "temporal",
            "Temporal",
            TEMPORAL_SERVICE,
            ["sh", "-c", describe, "sh", self.temporal_namespace],
            "exists",
            fix,
        )

    def check_temporal_order(self):
        """Temporal restarted after the app: the app's workers may be gone."""
        # Inspected first, also when one is not running: the listing (RV containers) is then complete.
        started = self._clock()
        inspected = self.inspected()
        app, temporal = self._running(self.app_service), self._running(TEMPORAL_SERVICE)
        if not (app and temporal):
            return  # reported as not running elsewhere
        app_info, temporal_info = by_short_id(inspected, app["id"]), by_short_id(inspected, temporal["id"])
        if not (app_info and temporal_info and app_info["started_at"] and temporal_info["started_at"]):
            self._skip("temporal:start_order", "Temporal", "start times unknown")
            return
        later = temporal_info["started_at"] > app_info["started_at"]
        detail = "Temporal started {} the app ({}, app {})".format(
            "after" if later else "before", _iso(temporal_info["started_at"]), _iso(app_info["started_at"])
        )
        fix = (
            f"{TEMPORAL_PITFALL}, so scheduled posts may sit in QUEUE: restart the app now that Temporal is "
            f"healthy: {self.compose} restart {self.app_service}"
        )
        self._add("temporal:start_order", "Temporal", started, not later, detail, fix)

    def app_network_targets(self):
        """[(name, host, port, label)] the app must reach: project services, then app_targets."""
        targets = []
        services = self.services()
        for service, port, label in APP_DEPENDENCIES:
            if service in services:
                targets.append((f"app_network:{service}", service, port, label))
        for target in self.app_targets:
            host, _sep, port = target.rpartition(":")
            targets.append((f"app_network:{target}", host.strip("[]"), int(port), target))
        return targets

    def check_app_network(self):
        targets = self.app_network_targets()
        if not targets:
            self._skip("app_network", "App network", "no dependencies to reach")
            return
        started = self._clock()
        if not self._running(self.app_service):
            for name, _host, _port, label in targets:
                self._add(
                    name,
                    label,
                    started,
                    False,
                    f"cannot test from the app container: {self._not_running_detail(self.app_service)}",
                    self._start_fix(self.app_service),
                )
            return
        wanted = json.dumps([[host, port] for _name, host, port, _label in targets])
        rc, out, err = self._exec(
            self.app_service, "sh", "-c", _CONNECT_SCRIPT, "sh", _NODE_CONNECT, _PYTHON_CONNECT, wanted
        )
        try:
            answers = json.loads(out.strip().splitlines()[-1]) if rc == 0 else None
        except (ValueError, IndexError):
            answers = None
        if not isinstance(answers, list) or len(answers) != len(targets):
            for name, _host, _port, label in targets:
                self._add(
                    name,
                    label,
                    started,
                    False,
                    "the TCP probe could not run in the app container: {}".format(
                        excerpt(err or out or f"exit status {rc}")
                    ),
                    "the app image needs node or python3 and sh",
                )
            return
        for (name, host, port, label), answer in zip(targets, answers):
            ok, ms, error = bool(answer[2]), int(answer[3]), answer[4]
            if ok:
                detail = f"the app container reaches {host}:{port}"
            else:
                detail = f"not reachable from the app container ({host}:{port}: {error})"
            # The connect time, not the exec's: starting node in the container dominates that.
            self._sink().append(
                CheckResult(
                    name, label, OK if ok else FAILED, ms, detail, "" if ok else self._reach_fix(host, label)
                )
            )

    def _reach_fix(self, host, label):
        if host == TEMPORAL_SERVICE or label == "Temporal":
            return (
                f"{TEMPORAL_PITFALL}: make Temporal healthy ({self.compose} ps -a {TEMPORAL_SERVICE}; "
                f"{self._logs(TEMPORAL_SERVICE)}), then restart the app container: "
                f"{self.compose} restart {self.app_service}"
            )
        if host in self.services():
            return (
                f"start {host} ({self.compose} start {host}); if it runs, the app and it no longer share the internal network: "
                "re-run site.yml"
            )
        return (
            f"the app container cannot open a TCP connection to {label}: check the address, the firewall, and that "
            "the app joins its network (postiz_stack_external_networks)"
        )

    # -- host resources ---------------------------------------------------------

    def docker_root(self):
        rc, out, _err = self.docker("info", "--format", "{{.DockerRootDir}}")
        return out.strip() if rc == 0 and out.strip().startswith("/") else None

    def check_disk(self):
        started = self._clock()
        paths = self.disk_paths or [p for p in (self.docker_root(), self.project_dir) if p]
        measured, unreadable = [], []
        for path in _unique(paths):
            try:
                free, _probe = free_mb_of(path, self._statvfs)
            except OSError as exc:
                unreadable.append(f"{path}: {exc.strerror or exc}")
                continue
            measured.append((path, free))
        if measured:
            self.disk_free_mb = int(min(free for _path, free in measured))
        low = [f"{path} has {fmt_mb(free)}" for path, free in measured if free < self.min_free_disk_mb]
        parts = [f"{path} {fmt_mb(free)} free" for path, free in measured] + unreadable
        detail = ", ".join(parts) or "no path to measure"
        if low:
            detail = "{}, under the {} MiB minimum (min_free_disk_mb)".format(
                "; ".join(low),
                self.min_free_disk_mb,
            )
        fix = (
            "free space on that filesystem: docker system df, docker image prune, delete old backups; "
            "PostgreSQL and Redis stop writing when the disk is full"
        )
        if unreadable and not low:
            fix = "give readable paths in disk_paths"
        self._add("disk", "Disk", started, not low and not unreadable, detail, fix)

    def _cgroup_usage(self, running):
        """{container name: MiB} from the cgroup files of every running container; None unless all are readable."""
        usage = {}
        for container in running:
            full_id = next(
                (i for i in self.inspected() if container["id"] and i.startswith(container["id"])), ""
            )
            used = cgroup_memory_mb(full_id, self._cgroup_root)
            if used is None:
                return None
            usage[container["name"]] = used
        return usage

    def _start_stats(self):
        """Measure the running containers' memory: from their cgroup files when the host
        lets this module read them all, else with ``docker stats`` in the background.

        ``docker stats`` samples twice, a second or more apart, whatever else runs; started
        first, that second overlaps the other checks instead of adding to them.
        """
        if self._stats is not None:
            return
        containers = [c for c in self.containers().values() if c["state"] == "running"]
        running = [c["id"] for c in containers]
        if not running:
            return
        box = {"started": self._clock()}
        usage = self._cgroup_usage(containers)
        if usage is not None:
            self._stats = dict(box, usage=usage, seconds=self._clock() - box["started"])
            return

        def sample():
            box["answer"] = self.docker("stats", "--no-stream", "--format", "{{json .}}", *running)

        box["thread"] = threading.Thread(target=sample, name="docker-stats", daemon=True)
        self._stats = box
        box["thread"].start()

    def _stats_answer(self):
        """(started, (rc, out, err)) of the background ``docker stats``; run now if none was started."""
        self._start_stats()
        if self._stats is None:
            return self._clock(), (1, "", "no running container")
        if "usage" in self._stats:
            # Reported as long as the reading took, not since it was made.
            return self._clock() - self._stats["seconds"], (0, "", "")
        self._stats["thread"].join()
        return self._stats["started"], self._stats["answer"]

    def check_memory(self):
        started = self._clock()
        running = [c for c in self.containers().values() if c["state"] == "running"]
        if not running:
            self._add(
                "memory",
                "Memory",
                started,
                False,
                f"no running container of project {self.project} to measure",
                f"start the stack: {self._up()} (or re-run site.yml)",
            )
            return
        started, (rc, out, err) = self._stats_answer()
        try:
            usage = self._stats.get("usage") if self._stats else None
            if usage is None:
                usage = parse_stats(out) if rc == 0 else None
        except ValueError as exc:
            usage, err = None, str(exc)
        if usage is None:
            self._add(
                "memory",
                "Memory",
                started,
                False,
                "docker stats failed: {}".format(excerpt(err or f"exit status {rc}")),
                "check that Docker runs (docker info)",
            )
            return
        total, per_service = sum_memory(usage, self.containers())
        self.memory_used_mb = round(total)
        parts = ", ".join(f"{service} {fmt_mb(used)}" for service, used in per_service)
        if self.memory_budget_mb:
            ok = total <= self.memory_budget_mb
            detail = f"{fmt_mb(total)} used of the {self.memory_budget_mb} MiB budget ({round(100.0 * total / self.memory_budget_mb)}%): {parts}"
        else:
            ok, detail = True, f"{fmt_mb(total)} used (no budget set): {parts}"
        fix = (
            "the stack uses more than memory_budget_mb (postiz_memory_budget_mb): the largest user is %s; lower "
            "its limit in postiz_stack_memory_limits_mb, restart it to release memory, or raise the budget if "
            "the host has room" % (per_service[0][0] if per_service else "?")
        )
        self._add("memory", "Memory", started, ok, detail, fix)

    # -- all ------------------------------------------------------------------------

    def _swarm(self):
        # Imported here: only an instance on Docker Swarm asks for these checks.
        from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_swarm_health import (
            SwarmChecks,
        )

        return SwarmChecks(self, self.expected_replicas)

    def run(self, checks=DEFAULT_CHECKS):
        # Each check by its name, in the order of CHECKS whatever the order asked.
        steps = {
            "containers": self.check_containers,
            "nodes": lambda: self._swarm().check_nodes(),
            "services": lambda: self._swarm().check_services(),
            "api": lambda: self.check_http("api", "Backend", "/api/", "App is running"),
            "frontend": lambda: self.check_http("frontend", "Frontend", "/auth", None),
            "public_api": self.check_public_api,
            "mcp": self.check_mcp,
            "postgres": self.check_postgres,
            "redis": self.check_redis,
            "temporal": self.check_temporal,
            "start_order": self.check_temporal_order,
            "app_network": self.check_app_network,
            "disk": self.check_disk,
            "memory": self.check_memory,
        }
        if "memory" in checks:
            self._start_stats()
        wanted = [name for name in CHECKS if name in checks]
        side_by_side = [name for name in wanted if name in IN_CONTAINER_CHECKS]
        found = {}
        if len(side_by_side) > 1:
            # Read once here, not by each thread: the containers and the project's services.
            self.containers()
            self.services()
            with ThreadPoolExecutor(max_workers=len(side_by_side)) as pool:
                futures = {name: pool.submit(self._collect, steps[name]) for name in side_by_side}
                for name in wanted:
                    if name not in futures:
                        found[name] = self._collect(steps[name])
                found.update((name, future.result()) for name, future in futures.items())
        else:
            found = {name: self._collect(steps[name]) for name in wanted}
        for name in wanted:
            self.results.extend(found[name])
        return self.results

    @property
    def healthy(self):
        return all(result.ok for result in self.results)

    def as_dict(self):
        return {
            "checks": [result.as_dict() for result in self.results],
            "healthy": self.healthy,
            "memory_used_mb": self.memory_used_mb,
            "disk_free_mb": self.disk_free_mb,
            "summary": summary_lines(self.project, self.url, self.results),
            "failures": [result.message() for result in self.results if result.status == FAILED],
            "containers": self.listing(),
        }


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
