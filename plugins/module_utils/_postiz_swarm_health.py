# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The health checks of an instance on Docker Swarm, run on a manager: the swarm's machines
(``docker node ls``) and the stack's services and tasks (``docker stack services``,
``docker stack ps``). Pure logic over a ``docker(*args) -> (rc, out, err)`` callable, as in
_postiz_health, whose report these results join.

A swarm runs a service's tasks wherever its placement allows, so the checks read what the
managers know: how many replicas of each service run against how many the stack file asks
for, and, when they differ, the state and error of the tasks that should run.
"""

from __future__ import annotations

import re

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

_JSON_FORMAT = "{{json .}}"
_AVAILABILITY = {"Drain": "drained", "Pause": "paused"}
_REPLICAS_RE = re.compile(r"^\s*(\d+)/(\d+)")


def parse_replicas(text):
    """``Replicas`` of ``docker service ls`` ("2/2", "1/2 (max 1 per node)") -> (running, desired)."""
    match = _REPLICAS_RE.match(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def service_of_task(task_name):
    """``<stack>_<service>.<slot>`` (or ``.<node id>`` for a global service) -> ``<stack>_<service>``."""
    return task_name.rsplit(".", 1)[0]


def node_problems(nodes):
    """(problems, notes) for ``docker node ls`` entries: a machine that is not Ready fails;
    one drained or paused by its operator is only noted."""
    problems, notes = [], []
    for node in nodes:
        name = node.get("Hostname") or node.get("ID", "?")
        if node.get("Status") != "Ready":
            problems.append(f"{name} is {node.get('Status') or 'unknown'}")
        if node.get("Availability") not in (None, "", "Active"):
            notes.append(f"{name} is {_AVAILABILITY.get(node['Availability'], node['Availability'].lower())}")
    return problems, notes


def task_trouble(tasks, service):
    """What the tasks of ``service`` that should run say instead: their states and errors,
    newest first, each once."""
    seen, out = set(), []
    for task in tasks:
        if service_of_task(task.get("Name", "")) != service:
            continue
        state, error = task.get("CurrentState", ""), task.get("Error", "")
        if task.get("DesiredState") == "Running" and state.startswith("Running") and not error:
            continue
        text = state.split(" ")[0].lower() + (f": {error}" if error else "")
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out[:3]


class SwarmChecks:
    """The ``nodes`` and ``services`` checks of one stack, adding to a HealthCheck's results."""

    def __init__(self, health, expected_replicas=None):
        self.health = health
        self.docker = health.docker
        self.project = health.project
        # {service of the stack file: replicas} (service names without the stack's prefix).
        self.expected = {
            f"{self.project}_{name}": int(count) for name, count in (expected_replicas or {}).items()
        }

    def _list(self, *args):
        """(entries, error) of a docker listing in JSON lines."""
        rc, out, err = self.docker(*args, "--format", _JSON_FORMAT)
        if rc != 0:
            return [], err or f"exit status {rc}"
        try:
            return model.json_documents(out), ""
        except ValueError as exc:
            return [], f"unreadable output: {exc}"

    def check_nodes(self):
        started = self.health._clock()
        nodes, error = self._list("node", "ls")
        if error:
            self.health._add(
                "nodes",
                "Swarm machines",
                started,
                False,
                f"cannot list the swarm's machines: {error}",
                "run this on a manager of the swarm (the first host of postiz_swarm_managers), where Docker runs",
            )
            return
        problems, notes = node_problems(nodes)
        detail = f"{len(nodes) - len(problems)} of {len(nodes)} ready"
        if problems:
            detail += ": " + "; ".join(problems)
        if notes:
            detail += " ({})".format("; ".join(notes))
        self.health._add(
            "nodes",
            "Swarm machines",
            started,
            not problems,
            detail,
            "start Docker on each machine that is not ready, or take it out of the swarm for good "
            "(docker node rm on a manager) and out of the inventory; its tasks run elsewhere meanwhile "
            "if the placement allows",
        )

    def check_services(self):
        started = self.health._clock()
        services, error = self._list("stack", "services", self.project)
        if error or not services:
            self.health._add(
                "services",
                "Services",
                started,
                False,
                f"cannot list the services of stack {self.project}: {error or 'it has none'}",
                "run this on a manager of the swarm; if the stack is not deployed, run site.yml",
            )
            return
        running = {entry.get("Name", ""): parse_replicas(entry.get("Replicas", "")) for entry in services}
        problems, fixes = [], []
        short = [name for name in running if self.expected and name not in self.expected]
        for name in sorted(set(self.expected) - set(running)):
            problems.append(f"{name} is missing")
        scaled = []
        for name, (count, desired) in sorted(running.items()):
            want = self.expected.get(name, desired)
            if desired != want:
                scaled.append(f"{name} is set to {desired} replica(s), the stack file asks for {want}")
            if count < max(desired, want):
                problems.append(f"{name} runs {count} of {max(desired, want)}")
        if problems or scaled:
            fixes.append(
                "run site.yml again: it deploys the stack file and waits until every task is healthy"
            )
        trouble = []
        if any("runs" in problem for problem in problems):
            tasks, task_error = self._list("stack", "ps", self.project, "--no-trunc")
            for name, (count, desired) in sorted(running.items()):
                if count < max(desired, self.expected.get(name, desired)):
                    said = task_trouble(tasks, name)
                    if said:
                        trouble.append("{}: {}".format(name, ", ".join(said)))
            if task_error:
                trouble.append(f"the tasks could not be listed: {task_error}")
            fixes.append(
                "see why with: docker service ps --no-trunc <service>; docker service logs <service>"
            )
        if problems or scaled:
            detail = "; ".join(problems + scaled + trouble)
            self.health._add("services", "Services", started, False, detail, "; ".join(fixes))
            return
        detail = "all {} running: {}".format(
            len(running),
            ", ".join(f"{name} {count}/{desired}" for name, (count, desired) in sorted(running.items())),
        )
        if short:
            detail += "; also {}, not in the stack file".format(", ".join(sorted(short)))
        self.health._add("services", "Services", started, True, detail)
