# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many instances in one inventory on this machine: the re-run of all against the re-run of one.

Deploys N throw-away projects with the offline images (postiz-many-1 ... in /opt/postiz-many-<i>,
ports 4101 and up), one inventory host each, all on this machine (``ansible_connection: local``),
then prints one Markdown table: the converge of all, the idempotent re-run of one host
(``--limit``) and its CPU time, the floor of the re-run of all (one re-run, or N times its CPU
time over the machine's cores if longer), and the re-run of all at each ``--forks`` value, with
its ratio to the re-run of one and to that floor. Every project is removed at the end, also
after a failure, as bench/run.py removes its own.

    .venv/bin/python bench/many.py [--instances 10] [--forks 5,10] [--keep]

Run it as root from the clone, after `make images`, on a machine nothing else loads: the
figures are wall-clock times. Not a test: it asserts nothing beyond each step succeeding.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (
    BIN,
    REPO,
    Bench,
    StepFailed,
    add_callbacks_option,
    children_cpu_seconds,
    finish,
    measure,
    print_table,
)


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks, from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as handle:
        values = [int(value) for value in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)", re.MULTILINE)


class Many:
    def __init__(self, args: argparse.Namespace):
        self.count = args.instances
        self.base_port = args.base_port
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.log_dir = args.log_dir or f"/tmp/postiz-many-{stamp}"
        os.makedirs(self.log_dir, exist_ok=True)
        self.hosts = [f"bench-{i}" for i in range(1, self.count + 1)]
        self.benches = [
            Bench(
                argparse.Namespace(
                    project_dir=f"/opt/postiz-many-{i}",
                    project_name=f"postiz-many-{i}",
                    port=self.base_port + i,
                    log_dir=self.log_dir,
                    without_config_callbacks=args.without_config_callbacks,
                )
            )
            for i in range(1, self.count + 1)
        ]
        self.inventory = os.path.join(self.log_dir, "inventory.yml")
        with open(self.inventory, "w", encoding="utf-8") as handle:
            yaml.safe_dump(self.inventory_data(), handle)
        self.rows: list[tuple[str, str]] = []
        # CPU seconds (user + system) of each step, with every process it started.
        self.cpu: dict[str, float] = {}
        # How busy the machine's cores were during each step (0 to 1): the playbook, Docker's
        # daemons, the containers' healthchecks and anything else.
        self.busy: dict[str, float] = {}

    def inventory_data(self) -> dict:
        hosts = {
            host: {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "postiz_stack_project_dir": bench.project_dir,
                "postiz_stack_project_name": bench.project,
                "postiz_stack_http_port": bench.port,
            }
            for host, bench in zip(self.hosts, self.benches, strict=True)
        }
        return {"all": {"children": {"postiz_servers": {"hosts": hosts}}}}

    def playbook(self, name: str, forks: int, *options: str) -> tuple[float, str]:
        env = dict(self.benches[0].env, ANSIBLE_FORKS=str(forks))
        command = [
            os.path.join(BIN, "ansible-playbook"),
            "-i",
            self.inventory,
            "-e",
            "@tests/offline.yml",
            *options,
            "site.yml",
        ]
        cpu_before = children_cpu_seconds()
        jiffies_before = machine_jiffies()
        started = time.monotonic()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        self.cpu[name] = children_cpu_seconds() - cpu_before
        jiffies_after = machine_jiffies()
        self.busy[name] = (jiffies_after[0] - jiffies_before[0]) / max(
            1, jiffies_after[1] - jiffies_before[1]
        )
        log_path = os.path.join(self.log_dir, f"{name}.log")
        with open(log_path, "w", encoding="utf-8") as handle:
            handle.write(done.stdout + done.stderr)
        if done.returncode != 0:
            raise StepFailed(f"{name} failed (exit {done.returncode}); see {log_path}")
        return seconds, done.stdout

    @staticmethod
    def changed(output: str) -> int:
        return sum(int(match.group("changed")) for match in RECAP.finditer(output))

    def run(self, forks_list: list[int]) -> None:
        seconds, _out = self.playbook("1-converge", min(5, self.count))
        self.rows.append(
            (f"Converge of {self.count} instances (forks {min(5, self.count)})", f"{seconds:.1f} s")
        )
        one, out = self.playbook("2-rerun-one", 1, "--limit", self.hosts[0])
        self.rows.append(
            ("Idempotent re-run of one instance (`--limit`)", f"{one:.1f} s (changed={self.changed(out)})")
        )
        cores = os.cpu_count() or 1
        one_cpu = self.cpu["2-rerun-one"]
        self.rows.append(
            (
                "CPU time of that re-run (user + system, with every process it started)",
                f"{one_cpu:.1f} s; the machine's {cores} cores {self.busy['2-rerun-one']:.0%} busy meanwhile",
            )
        )
        # The floor of the re-run of all: no shorter than one re-run, nor than N times its CPU
        # time spread over every core. Not a tight one: Docker's daemons, the work the checks
        # cause inside the containers and the stacks' own healthchecks need the cores too.
        floor = max(one, self.count * one_cpu / cores)
        self.rows.append(
            (
                f"Floor: one re-run, or {self.count} x its CPU time over the machine's {cores} cores if longer",
                f"{floor:.1f} s, {floor / one:.1f}x the re-run of one",
            )
        )
        for forks in forks_list:
            name = f"3-rerun-all-forks{forks}"
            seconds, out = self.playbook(name, forks)
            self.rows.append(
                (
                    f"Idempotent re-run of all {self.count} (forks {forks})",
                    f"{seconds:.1f} s (changed={self.changed(out)}), {seconds / one:.1f}x the re-run of one, "
                    f"{seconds / floor:.1f}x the floor; CPU time {self.cpu[name]:.1f} s, "
                    f"the cores {self.busy[name]:.0%} busy",
                )
            )

    def teardown(self) -> None:
        try:
            self.playbook(
                "9-teardown",
                min(5, self.count),
                "-e",
                json.dumps({"postiz_stack_state": "absent", "postiz_stack_remove_data": True}),
            )
        except StepFailed as exc:
            print(f"teardown through site.yml failed ({exc}); swept by hand")
        for bench in self.benches:
            bench.sweep()

    def report(self, load_before: tuple, load_after: tuple) -> None:
        print(f"Postiz collection benchmark: {self.count} instances in one inventory, one machine")
        print(f"Machine: {self.benches[0].machine()}")
        print(
            f"Load average before / after: {' '.join(f'{x:.1f}' for x in load_before)} / "
            f"{' '.join(f'{x:.1f}' for x in load_after)}; logs: {self.log_dir}"
        )
        print()
        print_table(self.rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--base-port", type=int, default=4100, help="instance i answers on base + i")
    parser.add_argument("--forks", default="5,10", help="comma-separated forks for the re-run of all")
    parser.add_argument("--log-dir", help="where each step's output goes (default /tmp/postiz-many-<time>)")
    parser.add_argument("--keep", action="store_true", help="leave the projects running at the end")
    add_callbacks_option(parser)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: site.yml deploys under /opt and manages Docker")
    if args.instances < 1:
        sys.exit("--instances must be at least 1")
    forks_list = [int(value) for value in args.forks.split(",") if value.strip()]
    many = Many(args)
    failure, load_before, load_after = measure(lambda: many.run(forks_list), many.teardown, args.keep)
    many.report(load_before, load_after)
    return finish(failure)


if __name__ == "__main__":
    sys.exit(main())
