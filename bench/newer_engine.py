# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's floor on a newer Docker Engine: Debian 13's Docker 26 against Debian 12's 20.10.

The floor is what bench/run.py calls it: the collection's compose file brought up with plain
``docker compose up -d --wait`` after ``docker compose down -v`` (empty volumes, images present).
Here it is measured in two throw-away machines of the same kind, each a container with a Docker
daemon of its own, so that the host's engine and projects are never touched:

* selfhosted-postiz-floor/machine:trixie, Debian 13's ``docker.io`` (Engine 26, which takes a
  healthcheck's ``start_interval``, Engine 25 and later);
* selfhosted-postiz-floor/machine:bookworm, Debian 12's ``docker.io`` (Engine 20.10).

Each image is a ``debootstrap --variant=minbase`` of its suite with ``docker.io``, imported with
``docker import`` and kept under that tag: a later run builds it again only when its recipe
changed (or with --rebuild). Both machines get the host's Compose v2 binary, the stack's images
(``docker save | docker load``) and a copy of an already deployed project directory
(--source-dir, default /opt/postiz-bench: compose.yaml, env/, dynamicconfig/, secrets/), which is
only read. The file is used as deployed (no ``start_interval``) and with each healthcheck's
timing as roles/postiz_stack/templates/compose.yaml.j2 renders it for Engine 25 and later
(``start_interval: 1s``, a longer ``start_period``, then 30 s apart: the collection's
``postiz_healthcheck_timing``). Every variant runs N times (default 5), round-robin across
both machines so that a change in the host's load spreads over all of them, after one warm-up
each; the stack goes down again after each run, so that none starts in one machine while the
other is measured. The output is one Markdown table of median, min and max seconds, then each
service's median seconds from the start of ``up`` to healthy (the inner daemon's events).

The machines (containers selfhosted-postiz-floor-<suite>, volumes selfhosted-postiz-floor-<suite>-docker)
are removed at the end, also after a failure; the machine images are kept.

    .venv/bin/python bench/newer_engine.py [--runs 5] [--source-dir /opt/postiz-bench] [--rebuild]

Run it as root from the clone, after `make images`, with a deployed project to copy (bench/run.py
--keep leaves one): the figures are wall-clock times. Not a test: it asserts nothing beyond each
step succeeding.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import REPO, StepFailed, finish, measure

sys.path.insert(0, os.path.join(REPO, "collections"))
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

PREFIX = "selfhosted-postiz-floor"
LABEL = "selfhosted.postiz.floor"
INPUTS_LABEL = "selfhosted.postiz.floor.inputs"
WORK_DIR = f"/var/cache/{PREFIX}"
# Debian suite -> what the table calls it.
SUITES = {"trixie": "Debian 13", "bookworm": "Debian 12"}
# Only Docker and what it depends on; debootstrap resolves Depends, not Recommends. From
# Debian 13 on, the docker client is a package of its own that docker.io only recommends.
PACKAGES = {"trixie": ["docker.io", "docker-cli"], "bookworm": ["docker.io"]}
IMPORT_CHANGES = [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["dockerd"]',
]
# The settings tests/machines/machine.sh starts its machines with, for the same reasons:
# --privileged is refused where the bounding set lacks CAP_SYS_RESOURCE, so every other
# capability; no seccomp, AppArmor or masked paths; the inner daemon creates its containers'
# devices and cgroups. --init: tini reaps and forwards SIGTERM to dockerd, the command.
MACHINE_FLAGS = [
    "--init",
    "--cap-add",
    "ALL",
    "--cap-drop",
    "SYS_RESOURCE",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--security-opt",
    "systempaths=unconfined",
    "--device-cgroup-rule",
    "a *:* rwm",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
]
PLUGIN_DIRS = [
    os.path.expanduser("~/.docker/cli-plugins"),
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
]
VARIANTS = {False: "compose.yaml", True: "compose.start-interval.yaml"}


class Floor:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.source = args.source_dir.rstrip("/")
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.log_dir = args.log_dir or f"/tmp/postiz-floor-{stamp}"
        os.makedirs(self.log_dir, exist_ok=True)
        self.suites: list[str] = args.engines
        self.engines: dict[str, str] = {}
        self.machines: dict[str, str] = {}
        self.seconds: dict[tuple[str, bool], list[float]] = {}
        self.healthy: dict[tuple[str, bool], dict[str, list[float]]] = {}
        self.refused: dict[tuple[str, bool], str] = {}
        self.notes: list[str] = []
        self.steps = 0
        with open(os.path.join(self.source, "compose.yaml"), encoding="utf-8") as handle:
            self.compose_text = handle.read()
        self.compose = yaml.safe_load(self.compose_text)

    # -- running things ---------------------------------------------------------

    def run(
        self, name: str, command: list[str], timeout: float = 1800, stdin=None, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run ``command``, its output to <log dir>/<nn>-<name>.log; raises on failure when ``check``."""
        self.steps += 1
        log_path = os.path.join(self.log_dir, f"{self.steps:03d}-{name}.log")
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(f"$ {shlex.join(command)}\n")
            log.flush()
            done = subprocess.run(
                command,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                timeout=timeout,
                check=False,
            )
            log.write(done.stdout)
        if check and done.returncode != 0:
            raise StepFailed(f"{name} failed (exit {done.returncode}); see {log_path}")
        return done

    def pipe(self, name: str, producer: list[str], consumer: list[str]) -> None:
        """``producer | consumer``, the consumer run and logged as ``name``; raises if either fails."""
        source = subprocess.Popen(producer, stdout=subprocess.PIPE)
        try:
            self.run(name, consumer, stdin=source.stdout)
        finally:
            # A consumer that failed leaves the producer to a broken pipe.
            source.stdout.close()
            status = source.wait(timeout=600)
        if status != 0:
            raise StepFailed(f"{name}: {shlex.join(producer)} failed (exit {status})")

    def exec(self, suite: str, name: str, script: str, timeout: float = 1800, check: bool = True):
        return self.run(
            name, ["docker", "exec", machine(suite), "sh", "-c", script], timeout=timeout, check=check
        )

    # -- preflight --------------------------------------------------------------

    def preflight(self) -> None:
        self.images = sorted({service["image"] for service in self.compose["services"].values()})
        missing = [image for image in self.images if not docker_ok("image", "inspect", image)]
        if missing:
            sys.exit(f"images of {self.source}/compose.yaml missing here: {', '.join(missing)} (make images)")
        self.compose_binary = compose_plugin()
        leftovers = [name for suite in self.suites for name in ours(suite)]
        if leftovers:
            if not self.args.force:
                sys.exit(
                    f"left over from an earlier run: {', '.join(leftovers)}; give --force to remove them"
                )
            for suite in self.suites:
                self.remove_machine(suite)

    # -- machine images ---------------------------------------------------------

    def machine_image(self, suite: str) -> str:
        """selfhosted-postiz-floor/machine:<suite>, built unless it is there with the same inputs."""
        tag = f"{PREFIX}/machine:{suite}"
        packages = PACKAGES.get(suite, ["docker.io", "docker-cli"])
        inputs = hashlib.sha256(
            json.dumps([suite, self.args.mirror, packages, IMPORT_CHANGES, "minbase"]).encode()
        ).hexdigest()
        current = docker_out(
            "image", "inspect", "--format", f'{{{{index .Config.Labels "{INPUTS_LABEL}"}}}}', tag
        )
        if current == inputs and not self.args.rebuild:
            return tag
        if not shutil.which("debootstrap"):
            sys.exit("debootstrap is not installed (apt-get install debootstrap)")
        os.makedirs(WORK_DIR, exist_ok=True)
        started = time.monotonic()
        with open(os.path.join(WORK_DIR, "build.lock"), "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            rootfs = os.path.join(WORK_DIR, f"rootfs-{suite}")
            cache = os.path.join(WORK_DIR, f"debs-{suite}")
            os.makedirs(cache, exist_ok=True)
            try:
                remove_rootfs(rootfs)
                self.run(
                    f"debootstrap-{suite}",
                    [
                        "debootstrap",
                        "--variant=minbase",
                        f"--include={','.join(packages)}",
                        f"--cache-dir={cache}",
                        suite,
                        rootfs,
                        self.args.mirror,
                    ],
                    timeout=3600,
                )
                if not os.path.exists(os.path.join(rootfs, "usr/sbin/dockerd")):
                    raise StepFailed(f"the {suite} root filesystem has no dockerd after debootstrap")
                slim_rootfs(rootfs)
                changes = [
                    arg
                    for change in [*IMPORT_CHANGES, f"LABEL {INPUTS_LABEL}={inputs}"]
                    for arg in ("--change", change)
                ]
                replaced = docker_out("image", "inspect", "--format", "{{.Id}}", tag)
                self.pipe(
                    f"import-{suite}",
                    ["tar", "-C", rootfs, "--numeric-owner", "-c", "."],
                    ["docker", "import", *changes, "-", tag],
                )
                # The image this one replaces, once nothing tags it (a running machine keeps it).
                if (
                    replaced
                    and docker_out("image", "inspect", "--format", "{{len .RepoTags}}", replaced) == "0"
                ):
                    subprocess.run(["docker", "image", "rm", replaced], capture_output=True, check=False)
            finally:
                remove_rootfs(rootfs)
        self.notes.append(f"built {tag} in {time.monotonic() - started:.0f} s")
        return tag

    # -- machines ---------------------------------------------------------------

    def start_machine(self, suite: str) -> None:
        image = self.machine_image(suite)
        name = machine(suite)
        self.run(
            f"start-{suite}",
            [
                "docker",
                "run",
                "-d",
                "--name",
                name,
                "--hostname",
                f"floor-{suite}",
                "--label",
                f"{LABEL}={suite}",
                *MACHINE_FLAGS,
                "--mount",
                f"type=volume,source={name}-docker,target=/var/lib/docker,volume-label={LABEL}={suite}",
                image,
                "dockerd",
            ],
        )
        deadline = time.monotonic() + 120
        probe = ["docker", "exec", name, "docker", "version", "--format", "{{.Server.Version}}"]
        while subprocess.run(probe, capture_output=True, check=False).returncode != 0:
            if (
                time.monotonic() > deadline
                or docker_out("inspect", "--format", "{{.State.Running}}", name) != "true"
            ):
                logs = subprocess.run(
                    ["docker", "logs", "--tail", "20", name], capture_output=True, text=True, check=False
                )
                raise StepFailed(f"dockerd did not start in {name}: {logs.stdout}{logs.stderr}")
            time.sleep(1)
        self.engines[suite] = self.run(f"engine-{suite}", probe).stdout.strip()
        self.exec(suite, f"docker-info-{suite}", "docker info")
        self.machines[suite] = self.exec(
            suite,
            f"docker-info-short-{suite}",
            "echo \"$(docker info --format '{{.OperatingSystem}}, storage {{.Driver}}, "
            "cgroup v{{.CgroupVersion}} ({{.CgroupDriver}})'), API $(docker version --format '{{.Server.APIVersion}}')\"",
        ).stdout.strip()

    def provision(self, suite: str) -> None:
        """The host's Compose binary, the stack's images, the project's files."""
        name = machine(suite)
        plugins = "/usr/local/lib/docker/cli-plugins"
        self.exec(
            suite, f"mkdir-{suite}", f"mkdir -p {plugins} /opt {shlex.quote(os.path.dirname(self.source))}"
        )
        self.run(
            f"cp-compose-{suite}", ["docker", "cp", self.compose_binary, f"{name}:{plugins}/docker-compose"]
        )
        self.exec(suite, f"compose-version-{suite}", "docker compose version")
        self.pipe(
            f"load-images-{suite}",
            ["docker", "save", *self.images],
            ["docker", "exec", "-i", name, "docker", "load"],
        )
        # docker cp reads the source tree only.
        self.run(f"cp-project-{suite}", ["docker", "cp", self.source, f"{name}:{self.source}"])
        for path in self.host_files():
            self.exec(suite, f"mkdir-host-file-{suite}", f"mkdir -p {shlex.quote(os.path.dirname(path))}")
            self.run(f"cp-host-file-{suite}", ["docker", "cp", "-L", path, f"{name}:{path}"])
        self.run(
            f"cp-start-interval-{suite}",
            ["docker", "cp", self.start_interval_file, f"{name}:{self.source}/{VARIANTS[True]}"],
        )

    def host_files(self) -> list[str]:
        """Absolute bind-mount sources outside the project directory (the CA file): same path in the machine."""
        found = set()
        for service in self.compose["services"].values():
            for volume in service.get("volumes", []):
                source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":", 1)[0]
                if source.startswith("/") and not source.startswith(self.source + "/"):
                    if not os.path.exists(source):
                        raise StepFailed(
                            f"{source}, bind-mounted by {self.source}/compose.yaml, is missing here"
                        )
                    found.add(source)
        return sorted(found)

    def write_start_interval_file(self) -> None:
        """compose.yaml with each healthcheck's timing as the template renders it on Engine 25+."""
        if "start_interval" in self.compose_text:
            raise StepFailed(
                f"{self.source}/compose.yaml already has start_interval: copy one deployed on Engine 24 or older"
            )
        parsed = yaml.safe_load(self.compose_text)
        for name, service in parsed["services"].items():
            check = service.get("healthcheck")
            if not check:
                continue
            if {k: v for k, v in check.items() if k != "test"} != model.healthcheck_timing(name):
                raise StepFailed(
                    f"the healthcheck timing of {name} is not the collection's for Engine 24 or older"
                )
            check.update(model.healthcheck_timing(name, start_interval=True))
        self.start_interval_file = os.path.join(self.log_dir, VARIANTS[True])
        with open(self.start_interval_file, "w", encoding="utf-8") as handle:
            yaml.safe_dump(parsed, handle, sort_keys=False)

    # -- the floor --------------------------------------------------------------

    def floor_once(self, suite: str, start_interval: bool, label: str) -> float:
        """The timed ``up -d --wait`` between two ``down -v``; seconds as the machine's clock counts them.

        The stack is down again before the next run, so that no stack starts in one machine
        while the other is measured. The inner daemon's events give each service's seconds
        from the start of ``up`` to healthy.
        """
        compose = f"docker compose -f {VARIANTS[start_interval]}"
        cd = f"cd {shlex.quote(self.source)} || exit 1; "
        variant = "si" if start_interval else "plain"
        self.exec(
            suite, f"down-{suite}-{variant}-{label}", f"{cd}{compose} down -v --remove-orphans", timeout=600
        )
        # Also each container's restart count: a restart (the app's npm download failing, say)
        # would be in the figure, and is worth a note.
        done = self.exec(
            suite,
            f"up-{suite}-{variant}-{label}",
            f"{cd}s=$(date +%s.%N); {compose} up -d --wait --wait-timeout {self.args.wait_timeout} >&2; rc=$?; "
            f"e=$(date +%s.%N); echo FLOOR $rc $s $e "
            f"$(docker inspect --format '{{{{.RestartCount}}}}' $({compose} ps -aq)); "
            "docker events --since $s --until $e --filter type=container --filter event=health_status "
            "--format 'HEALTHY {{.TimeNano}} {{index .Actor.Attributes \"com.docker.compose.service\"}} {{.Action}}'",
            timeout=self.args.wait_timeout + 300,
        )
        fields = [line for line in done.stdout.splitlines() if line.startswith("FLOOR ")][-1].split()[1:]
        rc, restarts = int(fields[0]), sum(int(x) for x in fields[3:])
        start, end = float(fields[1]), float(fields[2])
        if rc != 0:
            self.exec(
                suite,
                f"ps-{suite}-{variant}-{label}",
                f"{cd}{compose} ps -a; {compose} logs --tail 50",
                check=False,
            )
            raise StepFailed(f"up on {suite} ({variant}, {label}) failed (exit {rc}); see {self.log_dir}")
        if restarts:
            self.notes.append(f"{suite} {variant} {label}: {restarts} container restart(s) during the up")
        healthy = {}
        for line in done.stdout.splitlines():
            parts = line.split()
            if line.startswith("HEALTHY ") and parts[-1] == "healthy":
                healthy.setdefault(parts[2], int(parts[1]) / 1e9 - start)
        if not label.startswith(("warmup", "try")):
            for service, seconds in healthy.items():
                self.healthy.setdefault((suite, start_interval), {}).setdefault(service, []).append(seconds)
        self.exec(
            suite,
            f"down-{suite}-{variant}-{label}-after",
            f"{cd}{compose} down -v --remove-orphans",
            timeout=600,
        )
        return end - start

    def variants(self, suite: str) -> list[bool]:
        """Both files where the engine takes start_interval; else the plain one, after one try of the other."""
        if engine_major(self.engines[suite]) >= 25:
            return [False, True]
        try:
            self.floor_once(suite, True, "try")
        except StepFailed:
            log = max(p for p in os.listdir(self.log_dir) if f"-up-{suite}-si-try" in p)
            with open(os.path.join(self.log_dir, log), encoding="utf-8") as handle:
                errors = [
                    line.strip() for line in handle if "start_interval" in line and not line.startswith("$")
                ]
            self.refused[(suite, True)] = errors[-1] if errors else "failed (see the log)"
            return [False]
        return [False, True]

    def measure(self) -> None:
        self.write_start_interval_file()
        for suite in self.suites:
            self.start_machine(suite)
            self.provision(suite)
        combos = [(suite, si) for suite in self.suites for si in self.variants(suite)]
        for suite, si in combos:
            for i in range(self.args.warmup):
                self.floor_once(suite, si, f"warmup{i + 1}")
        for i in range(self.args.runs):
            for suite, si in combos:
                self.seconds.setdefault((suite, si), []).append(self.floor_once(suite, si, f"run{i + 1}"))

    # -- teardown ---------------------------------------------------------------

    def teardown(self) -> None:
        for suite in self.suites:
            self.remove_machine(suite)

    def remove_machine(self, suite: str) -> None:
        """Only what carries our name and label: the machine, then its /var/lib/docker volume."""
        name = machine(suite)
        if docker_out("ps", "-aq", "--filter", f"name=^{name}$", "--filter", f"label={LABEL}"):
            # The stack first, so that the inner daemon removes its containers' cgroups,
            # then dockerd stops on SIGTERM.
            if docker_out("inspect", "--format", "{{.State.Running}}", name) == "true":
                subprocess.run(
                    [
                        "docker",
                        "exec",
                        name,
                        "sh",
                        "-c",
                        f"cd {shlex.quote(self.source)} && docker compose down -v",
                    ],
                    capture_output=True,
                    timeout=300,
                    check=False,
                )
                subprocess.run(
                    ["docker", "stop", "-t", "60", name], capture_output=True, timeout=120, check=False
                )
            subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True, check=False)
        if docker_out(
            "volume", "ls", "-q", "--filter", f"name=^{name}-docker$", "--filter", f"label={LABEL}"
        ):
            subprocess.run(["docker", "volume", "rm", f"{name}-docker"], capture_output=True, check=False)

    # -- report -----------------------------------------------------------------

    def report(self, started: dt.datetime, load_before: tuple, load_after: tuple, total: float) -> None:
        compose = docker_out("compose", "version", "--short")
        print(f"Postiz stack floor on two Docker Engines, {started:%Y-%m-%d %H:%M} UTC")
        print(
            f"Host: {platform.node()}: {os.cpu_count()} CPU, {platform.platform(terse=True)}, "
            f"its Docker Engine {docker_out('version', '--format', '{{.Server.Version}}')} runs the machines; Compose {compose}"
        )
        print(
            f"Load average before / after: {' '.join(f'{x:.1f}' for x in load_before)} / "
            f"{' '.join(f'{x:.1f}' for x in load_after)}"
        )
        print(
            f"Compose file: {self.source}/compose.yaml (a copy); {self.args.runs} runs per row after "
            f"{self.args.warmup} warm-up, round-robin; script {total:.0f} s; logs: {self.log_dir}"
        )
        for suite in self.suites:
            if suite in self.machines:
                print(f"Machine {machine(suite)}: {self.machines[suite]}")
        print()
        print("| Engine | Machine | start_interval | Median (s) | Min (s) | Max (s) |")
        print("|---|---|---|---|---|---|")
        medians = {}
        for suite in self.suites:
            engine = self.engines.get(suite, "?")
            where = f"{SUITES.get(suite, suite)} ({suite}) `docker.io`"
            for si in (False, True):
                si_text = "1s" if si else "none"
                runs = self.seconds.get((suite, si))
                if runs:
                    medians[(suite, si)] = statistics.median(runs)
                    print(
                        f"| {engine} | {where} | {si_text} | {statistics.median(runs):.1f} | "
                        f"{min(runs):.1f} | {max(runs):.1f} |"
                    )
                elif (suite, si) in self.refused:
                    print(f"| {engine} | {where} | {si_text} | n/a (refused) | | |")
                    self.notes.append(f"Engine {engine} with start_interval: {self.refused[(suite, si)]}")
        print("\nEvery run, seconds in order:")
        for (suite, si), runs in self.seconds.items():
            print(
                f"  {self.engines.get(suite, suite)}, start_interval {'1s' if si else 'none'}: "
                + ", ".join(f"{x:.1f}" for x in runs)
            )
        # In the order they become healthy in the first row.
        first = next(iter(self.healthy.values()), {})
        services = sorted(
            {name for per_service in self.healthy.values() for name in per_service},
            key=lambda name: statistics.median(first.get(name, [float("inf")])),
        )
        if services:
            print(
                "\nSeconds from the start of `up` to healthy, median per service (the inner daemon's events):\n"
            )
            print(f"| Engine | start_interval | {' | '.join(services)} |")
            print(f"|---|---|{'---|' * len(services)}")
            for (suite, si), per_service in self.healthy.items():
                cells = [
                    f"{statistics.median(per_service[name]):.1f}" if name in per_service else ""
                    for name in services
                ]
                print(
                    f"| {self.engines.get(suite, suite)} | {'1s' if si else 'none'} | {' | '.join(cells)} |"
                )
        if len(medians) > 1:
            # Against the oldest engine without start_interval: what a user there has now.
            base = min(medians, key=lambda key: (engine_major(self.engines.get(key[0], "0")), key[1]))
            print(f"\nMedian against {self.engines[base[0]]} without start_interval:")
            for key, value in medians.items():
                if key != base:
                    print(
                        f"  {self.engines[key[0]]}, start_interval {'1s' if key[1] else 'none'}: "
                        f"{value / medians[base]:.2f} ({value - medians[base]:+.1f} s)"
                    )
        for note in self.notes:
            print(f"\nNote: {note}")


def machine(suite: str) -> str:
    return f"{PREFIX}-{suite}"


def engine_major(version: str) -> int:
    match = re.match(r"\d+", version)
    return int(match.group(0)) if match else 0


def docker_out(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=False).stdout.strip()


def docker_ok(*args: str) -> bool:
    return subprocess.run(["docker", *args], capture_output=True, check=False).returncode == 0


def ours(suite: str) -> list[str]:
    """The machine and volume of ``suite`` left by an earlier run, by name and label."""
    name = machine(suite)
    found = []
    if docker_out("ps", "-aq", "--filter", f"name=^{name}$", "--filter", f"label={LABEL}"):
        found.append(name)
    if docker_out("volume", "ls", "-q", "--filter", f"name=^{name}-docker$", "--filter", f"label={LABEL}"):
        found.append(f"{name}-docker")
    return found


def compose_plugin() -> str:
    """The host's Compose v2 binary (static), where the docker CLI finds it."""
    config = os.environ.get("DOCKER_CONFIG")
    for directory in ([os.path.join(config, "cli-plugins")] if config else []) + PLUGIN_DIRS:
        path = os.path.join(directory, "docker-compose")
        if os.access(path, os.X_OK):
            return os.path.realpath(path)
    sys.exit("no docker-compose CLI plugin found (Compose v2)")


def remove_rootfs(rootfs: str) -> None:
    """A debootstrap tree; whatever it left mounted is unmounted first, and rm never crosses into it."""
    if not os.path.isdir(rootfs):
        return
    mounts = subprocess.run(
        ["findmnt", "-rn", "-o", "TARGET"], capture_output=True, text=True, check=False
    ).stdout
    for target in sorted((m for m in mounts.split() if m.startswith(rootfs + "/")), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)
    subprocess.run(["rm", "-rf", "--one-file-system", rootfs], check=True)


def slim_rootfs(rootfs: str) -> None:
    """What a machine never uses and what must not be baked in (see tests/images/base/mkrootfs.sh)."""
    for path in ("etc/resolv.conf", "etc/hostname"):
        if os.path.lexists(os.path.join(rootfs, path)):
            os.remove(os.path.join(rootfs, path))
    with open(os.path.join(rootfs, "etc/machine-id"), "w", encoding="ascii"):
        pass
    for directory in (
        "var/cache/apt/archives",
        "var/lib/apt/lists",
        "usr/share/man",
        "usr/share/doc",
        "tmp",
        "var/tmp",
    ):
        full = os.path.join(rootfs, directory)
        if os.path.isdir(full):
            for entry in os.listdir(full):
                path = os.path.join(full, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                elif entry != "lock":
                    os.remove(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per engine and variant (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per engine and variant first (default 1)"
    )
    parser.add_argument(
        "--source-dir",
        default="/opt/postiz-bench",
        help="a deployed project to copy (read only; default %(default)s)",
    )
    parser.add_argument(
        "--engines",
        type=lambda text: text.split(","),
        default=["trixie", "bookworm"],
        help="Debian suites whose docker.io to compare (default trixie,bookworm)",
    )
    parser.add_argument(
        "--wait-timeout", type=int, default=900, help="seconds for each up --wait (default 900)"
    )
    parser.add_argument("--mirror", default=os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian"))
    parser.add_argument("--rebuild", action="store_true", help="build the machine images even if up to date")
    parser.add_argument("--log-dir", help="where each step's output goes (default /tmp/postiz-floor-<time>)")
    parser.add_argument("--force", action="store_true", help="remove machines left by an earlier run first")
    parser.add_argument("--keep", action="store_true", help="leave the machines running at the end")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: debootstrap and Docker need it")
    if not os.path.isfile(os.path.join(args.source_dir, "compose.yaml")):
        sys.exit(f"{args.source_dir}/compose.yaml not found: give --source-dir of a deployed project")

    clock = time.monotonic()
    started = dt.datetime.now(dt.UTC)
    floor = Floor(args)
    floor.preflight()
    failure, load_before, load_after = measure(floor.measure, floor.teardown, args.keep)
    floor.report(started, load_before, load_after, time.monotonic() - clock)
    return finish(failure)


if __name__ == "__main__":
    sys.exit(main())
