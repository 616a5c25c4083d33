# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One benchmark run of the collection on this machine with the offline images.

Deploys a throw-away project (default /opt/postiz-bench, project postiz-bench, port 4077)
and prints one Markdown table:

* converge from empty to all-healthy: site.yml on a fresh project (it ends with the
  postiz_health check, so success means every container and probe is healthy);
* the idempotent re-run of site.yml, and its changed count;
* stack memory (docker stats) against postiz_memory_budget_mb;
* MCP ``tools/call`` p50/p95 over N calls (bench/mcp_latency.py, the Python mcp SDK);
* backup (playbooks/backup.yml), its restore drill, and restore (playbooks/restore.yml),
  when those playbooks exist;
* the floor: the same compose file brought up by plain ``docker compose up -d --wait``
  after ``down -v`` (empty volumes, images present), and converge / floor.

The project is torn down at the end (site.yml with postiz_stack_state=absent and
postiz_stack_remove_data=true, then its backups), also after a failure. Every
playbook's output goes to a log directory named in the output. Not a test: it asserts
nothing beyond each step succeeding.

    .venv/bin/python bench/run.py [--project-dir /opt/postiz-bench] [--port 4077] [--calls 200] [--keep]

Run it as root from the clone, after `make images`, on a machine nothing else loads:
the figures are wall-clock times.
"""

from __future__ import annotations

import argparse
import configparser
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "collections"))

# The parsing of `docker stats` the postiz_health module uses.
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_health import parse_stats  # noqa: E402

BIN = os.path.dirname(sys.executable)


class StepFailed(Exception):
    pass


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.project_dir = args.project_dir
        self.project = args.project_name
        self.port = args.port
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.log_dir = args.log_dir or f"/tmp/postiz-bench-{stamp}"
        os.makedirs(self.log_dir, exist_ok=True)
        self.vars = {
            "postiz_stack_project_dir": self.project_dir,
            "postiz_stack_project_name": self.project,
            "postiz_stack_http_port": self.port,
        }
        self.env = dict(
            os.environ,
            ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"),
            ANSIBLE_FORCE_COLOR="0",
            # The per-task profile: each playbook prints its slowest tasks at the end. Beside
            # the callbacks ansible.cfg enables, unless --without-config-callbacks.
            ANSIBLE_CALLBACKS_ENABLED=",".join(
                ([] if args.without_config_callbacks else configured_callbacks())
                + ["ansible.posix.profile_tasks"]
            ),
            PROFILE_TASKS_TASK_OUTPUT_LIMIT="10",
            PROFILE_TASKS_SORT_ORDER="descending",
            PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
        )
        self.rows: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.profiles: list[tuple[str, list[str]]] = []
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    # -- running things ---------------------------------------------------------

    def run(self, name: str, command: list[str], timeout: float = 1800) -> tuple[float, str]:
        """Run ``command``, log its output to <log dir>/<name>.log; (seconds, stdout). Raises on failure."""
        log_path = os.path.join(self.log_dir, f"{name}.log")
        # CPU time of the command and every process it started (the modules, docker's CLI).
        before = children_cpu_seconds()
        started = time.monotonic()
        done = subprocess.run(
            command,
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        seconds = time.monotonic() - started
        self.cpu[name] = children_cpu_seconds() - before
        with open(log_path, "w", encoding="utf-8") as handle:
            handle.write(done.stdout)
        if done.returncode != 0:
            raise StepFailed(f"{name} failed (exit {done.returncode}); see {log_path}")
        return seconds, done.stdout

    def playbook(self, name: str, path: str, **extra: object) -> tuple[float, str]:
        variables = dict(self.vars, **extra)
        return self.run(
            name,
            [
                os.path.join(BIN, "ansible-playbook"),
                "-e",
                "@tests/offline.yml",
                "-e",
                json.dumps(variables),
                path,
            ],
        )

    def compose(self, *args: str) -> list[str]:
        return ["docker", "compose", "--project-directory", self.project_dir, "-p", self.project, *args]

    # -- steps ------------------------------------------------------------------

    def preflight(self) -> None:
        leftovers = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if leftovers or os.path.exists(self.project_dir):
            if not self.args.force:
                sys.exit(
                    f"{self.project_dir} or containers of project {self.project} exist already; "
                    "give --force to delete them first, or other --project-dir/--project-name"
                )
            self.sweep()
        with socket.socket() as probe:
            probe.settimeout(2)
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                sys.exit(f"127.0.0.1:{self.port} is in use; give another --port")

    def converge(self) -> float:
        seconds, output = self.playbook("1-converge", "site.yml")
        self.profiles.append(("converge", top_tasks(output)))
        if "): HEALTHY" not in output:
            raise StepFailed("site.yml passed but printed no HEALTHY summary")
        self.rows.append(
            ("Converge from empty to all-healthy (`site.yml`, ends with `postiz_health`)", f"{seconds:.1f} s")
        )
        return seconds

    def rerun(self) -> None:
        seconds, output = self.playbook("2-rerun", "site.yml")
        self.profiles.append(("idempotent re-run", top_tasks(output)))
        changed = re.search(r"localhost\s+:.*changed=(\d+)", output)
        count = changed.group(1) if changed else "?"
        self.rows.append(("Idempotent re-run (`site.yml`)", f"{seconds:.1f} s (changed={count})"))
        cpu = self.cpu["2-rerun"]
        self.rows.append(
            (
                "CPU time of that re-run (user + system, with every process it started)",
                f"{cpu:.1f} s ({cpu / seconds:.0%} of its wall time)",
            )
        )
        floor, _output = self.playbook("3-one-task", "bench/one_task.yml")
        self.rows.append(
            ("One-task play with facts, same inventory (`bench/one_task.yml`)", f"{floor:.1f} s")
        )
        self.rows.append(("Ratio re-run / one-task play", f"{seconds / floor:.1f}x"))

    def memory(self) -> None:
        ids = subprocess.run(
            ["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        stats = subprocess.run(
            ["docker", "stats", "--no-stream", "--format", "{{json .}}", *ids],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        usage = parse_stats(stats)
        if usage and not any(usage.values()):
            # Some engines cannot read their containers' cgroups and report 0 B for all of
            # them; the kernel's own count (cgroup v1 or v2) is then the figure.
            usage = {name: cgroup_mib(name) for name in usage}
            self.notes.append(
                "docker stats reported 0 B for every container; memory read from the cgroup files"
            )
        total = sum(usage.values())
        budget = self.budget_mb()
        largest = sorted(usage.items(), key=lambda item: -item[1])
        prefix = self.project + "-"
        # Container names are <project>-<service>-<n>.
        parts = ", ".join(
            f"{name[len(prefix) :].rsplit('-', 1)[0] if name.startswith(prefix) else name} {used:.0f}"
            for name, used in largest
        )
        self.rows.append(
            (
                "Stack memory (`docker stats`, idle) vs `postiz_memory_budget_mb`",
                f"{total:.0f} MiB of {budget} MiB ({100 * total / budget:.0f}%): {parts}",
            )
        )

    def budget_mb(self) -> int:
        with open(os.path.join(REPO, "roles/postiz_stack/defaults/main.yml"), encoding="utf-8") as handle:
            match = re.search(r"^postiz_memory_budget_mb:\s*(\d+)", handle.read(), re.M)
        return int(match.group(1)) if match else 0

    def mcp(self) -> None:
        script = os.path.join(REPO, "bench", "mcp_latency.py")
        _seconds, output = self.run(
            "4-mcp",
            [
                sys.executable,
                script,
                "--project-dir",
                self.project_dir,
                "--base-url",
                f"http://127.0.0.1:{self.port}",
                "-n",
                str(self.args.calls),
            ],
        )
        match = re.search(r"p50 ([\d.]+) ms\s+p95 ([\d.]+) ms\s+max ([\d.]+) ms", output)
        if not match:
            raise StepFailed(f"no percentiles in the output of {script}; see {self.log_dir}/4-mcp.log")
        self.rows.append(
            (
                f"MCP `tools/call integrationList` p50 / p95 ({self.args.calls} calls, max)",
                f"{match.group(1)} / {match.group(2)} ms (max {match.group(3)} ms)",
            )
        )

    def backup_and_restore(self) -> None:
        backup, restore = (
            os.path.join(REPO, "playbooks/backup.yml"),
            os.path.join(REPO, "playbooks/restore.yml"),
        )
        if not os.path.exists(backup):
            self.rows.append(("Backup / drill / restore", "n/a (not installed)"))
            return
        seconds, output = self.playbook("5-backup", "playbooks/backup.yml")
        self.profiles.append(("backup.yml", top_tasks(output)))
        durations = self.last_backup_durations()
        command = durations.get("total", 0)
        self.rows.append(
            (
                "Backup (`playbooks/backup.yml`; the backup command alone)",
                f"{seconds:.1f} s ({command:.1f} s)",
            )
        )
        if command:
            self.rows.append(("Ratio backup playbook / backup command", f"{seconds / command:.1f}x"))
        drill = durations.get("drill")
        self.rows.append(
            (
                "Restore drill (inside the backup)",
                f"{drill:.1f} s" if drill is not None else "n/a (drill off)",
            )
        )
        if not os.path.exists(restore):
            self.rows.append(("Restore", "n/a (not installed)"))
            return
        seconds, _output = self.playbook("6-restore", "playbooks/restore.yml")
        self.rows.append(
            ("Restore of that backup (`playbooks/restore.yml`, until healthy)", f"{seconds:.1f} s")
        )

    def last_backup_durations(self) -> dict:
        status_path = f"/var/lib/postiz-backup/{self.project}/status.json"
        try:
            with open(status_path, encoding="utf-8") as handle:
                status = json.load(handle)
        except (OSError, ValueError):
            return {}
        return (status.get("last_run") or {}).get("durations") or {}

    def floor(self, converge_seconds: float) -> None:
        self.run("7-down", self.compose("down", "-v"))
        seconds, _output = self.run("8-floor-up", self.compose("up", "-d", "--wait", "--wait-timeout", "900"))
        self.rows.insert(
            1, ("Floor: same compose file, `docker compose up -d --wait` after `down -v`", f"{seconds:.1f} s")
        )
        self.rows.insert(2, ("Ratio converge / floor", f"{converge_seconds / seconds:.1f}x"))

    def teardown(self) -> None:
        try:
            self.playbook(
                "9-teardown", "site.yml", postiz_stack_state="absent", postiz_stack_remove_data=True
            )
        except StepFailed as exc:
            self.notes.append(f"teardown through site.yml failed ({exc}); swept by hand")
        self.sweep()

    def sweep(self) -> None:
        """Whatever of the bench project is left: containers, volumes, networks, files, backups."""
        label = f"label=com.docker.compose.project={self.project}"
        for kind, list_flags, remove in (
            ("container", ["-a"], ["rm", "-f"]),
            ("volume", [], ["rm", "-f"]),
            ("network", [], ["rm"]),
        ):
            listed = subprocess.run(
                ["docker", kind, "ls", "-q", *list_flags, "--filter", label],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            if listed:
                subprocess.run(["docker", kind, *remove, *listed], capture_output=True, check=False)
        for path in (
            self.project_dir,
            f"/var/backups/postiz/{self.project}",
            f"/var/lib/postiz-backup/{self.project}",
        ):
            shutil.rmtree(path, ignore_errors=True)
        for path in (
            f"/var/log/postiz-backup/{self.project}.log",
            f"/etc/postiz-backup/{self.project}.json",
            f"/usr/local/sbin/postiz-backup-{self.project}",
            f"/etc/cron.d/postiz-backup-{self.project}",
        ):
            if os.path.exists(path):
                os.remove(path)

    # -- report -----------------------------------------------------------------

    def machine(self) -> str:
        cpu = "?"
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as handle:
                models = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
            cpu = f"{len(models)} x {models[0]}" if models else f"{os.cpu_count()} CPU"
        except OSError:
            pass
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        docker = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        compose = subprocess.run(
            ["docker", "compose", "version", "--short"], capture_output=True, text=True, check=False
        ).stdout.strip()
        return (
            f"{platform.node()}: {cpu}, {mem_gib:.1f} GiB RAM, {platform.platform(terse=True)}, "
            f"Docker Engine {docker}, Compose {compose}, offline images (tests/offline.yml)"
        )

    def report(self, started: dt.datetime, load_before: tuple, load_after: tuple) -> None:
        print(f"Postiz collection benchmark, {started:%Y-%m-%d %H:%M} UTC")
        print(f"Machine: {self.machine()}")
        print(
            f"Load average before / after: {' '.join(f'{x:.1f}' for x in load_before)} / "
            f"{' '.join(f'{x:.1f}' for x in load_after)}"
        )
        print(f"Project: {self.project} in {self.project_dir}, port {self.port}; logs: {self.log_dir}")
        print()
        print_table(self.rows)
        for note in self.notes:
            print(f"\nNote: {note}")
        for name, tasks in self.profiles:
            print(f"\nSlowest tasks of the {name} (ansible.posix.profile_tasks):")
            for line in tasks or ["(no profile in the output)"]:
                print(f"  {line}")


def add_callbacks_option(parser: argparse.ArgumentParser) -> None:
    """--without-config-callbacks, which every benchmark takes."""
    parser.add_argument(
        "--without-config-callbacks",
        action="store_true",
        help="run without the callbacks ansible.cfg enables (selfhosted.postiz.gc_freeze), to measure what they save",
    )


def configured_callbacks() -> list[str]:
    """The callbacks the repository's ansible.cfg enables (an environment setting replaces them)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(REPO, "ansible.cfg"))
    names = config.get("defaults", "callbacks_enabled", fallback="")
    return [name.strip() for name in names.split(",") if name.strip()]


def children_cpu_seconds() -> float:
    """User plus system CPU time of every child process that ended so far, and of theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_table(rows: list[tuple[str, str]]) -> None:
    """The Markdown table of (measure, value) rows every benchmark prints."""
    width = max([len(name) for name, _value in rows] + [len("Measure")])
    print(f"| {'Measure'.ljust(width)} | Value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def measure(steps, teardown, keep: bool) -> tuple[str | None, tuple, tuple]:
    """Run ``steps``, then ``teardown`` unless ``keep``, also after a failure.

    Returns (the failure's text or None, load average before, load average after the steps).
    """
    load_before = os.getloadavg()
    failure = None
    try:
        steps()
    except (StepFailed, subprocess.SubprocessError, OSError) as exc:
        failure = str(exc)
    finally:
        load_after = os.getloadavg()
        if not keep:
            teardown()
    return failure, load_before, load_after


def finish(failure: str | None) -> int:
    """The exit status, after saying what failed."""
    if failure:
        print(f"\nFAILED: {failure}")
        return 1
    return 0


def cgroup_mib(container: str) -> float:
    """Memory in use by ``container`` from its cgroup (v1 or v2 layout), in MiB; 0 if unreadable."""
    full_id = subprocess.run(
        ["docker", "inspect", "--format", "{{.Id}}", container], capture_output=True, text=True, check=False
    ).stdout.strip()
    for path in (
        f"/sys/fs/cgroup/memory/docker/{full_id}/memory.usage_in_bytes",
        f"/sys/fs/cgroup/system.slice/docker-{full_id}.scope/memory.current",
        f"/sys/fs/cgroup/docker/{full_id}/memory.current",
    ):
        try:
            with open(path, encoding="ascii") as handle:
                return int(handle.read()) / 1024**2
        except (OSError, ValueError):
            continue
    return 0.0


PROFILE_LINE = re.compile(r"^(?P<task>.+?) -{2,} (?P<seconds>[\d.]+)s$")


def top_tasks(output: str, limit: int = 10) -> list[str]:
    """The slowest tasks profile_tasks printed at the end of a run, as "  1.23 s  task"."""
    lines = output.splitlines()
    try:
        start = max(i for i, line in enumerate(lines) if line.startswith("=" * 20))
    except ValueError:
        return []
    found = []
    for line in lines[start + 1 :]:
        match = PROFILE_LINE.match(line.strip())
        if match and len(found) < limit:
            found.append(f"{float(match['seconds']):6.2f} s  {match['task']}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--project-dir", default="/opt/postiz-bench")
    parser.add_argument("--project-name", default="postiz-bench")
    parser.add_argument("--port", type=int, default=4077)
    parser.add_argument("--calls", type=int, default=200, help="MCP tools/call samples (default 200)")
    parser.add_argument("--log-dir", help="where each step's output goes (default /tmp/postiz-bench-<time>)")
    parser.add_argument("--force", action="store_true", help="delete a left-over bench project first")
    parser.add_argument("--keep", action="store_true", help="leave the project running at the end")
    add_callbacks_option(parser)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: site.yml deploys under /opt and manages Docker")

    bench = Bench(args)
    bench.preflight()
    started = dt.datetime.now(dt.UTC)

    def steps() -> None:
        converge_seconds = bench.converge()
        bench.rerun()
        bench.memory()
        bench.mcp()
        bench.backup_and_restore()
        bench.floor(converge_seconds)

    failure, load_before, load_after = measure(steps, bench.teardown, args.keep)
    bench.report(started, load_before, load_after)
    return finish(failure)


if __name__ == "__main__":
    sys.exit(main())
