# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Swarm checks of postiz_health, over a fake docker CLI that answers as a manager does."""

from __future__ import annotations

import json

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_health as ph
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm_health as sh

EXPECTED = {"postiz": 2, "postiz-redis": 1}


def lines(*entries):
    return "\n".join(json.dumps(entry) for entry in entries)


NODES = [
    {
        "ID": "a1",
        "Hostname": "swarm-a",
        "Status": "Ready",
        "Availability": "Active",
        "ManagerStatus": "Leader",
    },
    {"ID": "b1", "Hostname": "swarm-b", "Status": "Ready", "Availability": "Active"},
    {"ID": "c1", "Hostname": "swarm-c", "Status": "Ready", "Availability": "Active"},
]
SERVICES = [
    {"Name": "postiz_postiz", "Replicas": "2/2 (max 1 per node)", "Mode": "replicated"},
    {"Name": "postiz_postiz-redis", "Replicas": "1/1", "Mode": "replicated"},
]
TASKS = [
    {
        "Name": "postiz_postiz.1",
        "DesiredState": "Running",
        "CurrentState": "Running 5 minutes ago",
        "Error": "",
    },
    {
        "Name": "postiz_postiz.2",
        "DesiredState": "Running",
        "CurrentState": "Running 5 minutes ago",
        "Error": "",
    },
    {
        "Name": "postiz_postiz-redis.1",
        "DesiredState": "Running",
        "CurrentState": "Running 6 minutes ago",
        "Error": "",
    },
]


class FakeDocker:
    """Answers node ls, stack services and stack ps from lists; records what was asked."""

    def __init__(self, nodes=None, services=None, tasks=None, fail=None):
        self.listings = {
            "node": NODES if nodes is None else nodes,
            "services": SERVICES if services is None else services,
            "ps": TASKS if tasks is None else tasks,
        }
        self.fail = fail or {}
        self.calls = []
        self.timeout = 30

    def __call__(self, *args):
        self.calls.append(args)
        key = "node" if args[0] == "node" else args[1]
        if key in self.fail:
            return 1, "", self.fail[key]
        return 0, lines(*self.listings[key]), ""


def run(docker, expected=None):
    expected = EXPECTED if expected is None else expected
    health = ph.HealthCheck(
        docker, "postiz", "/opt/postiz", "http://127.0.0.1:4007", expected_replicas=expected
    )
    health.run(["nodes", "services"])
    return {result.name: result for result in health.results}


def test_replicas_and_task_names():
    assert sh.parse_replicas("2/2 (max 1 per node)") == (2, 2)
    assert sh.parse_replicas("0/1") == (0, 1)
    assert sh.parse_replicas("") == (0, 0)
    assert sh.service_of_task("postiz_postiz-redis.1") == "postiz_postiz-redis"


def test_a_healthy_swarm_lists_every_service_and_never_reads_the_tasks():
    docker = FakeDocker()
    results = run(docker)
    assert results["nodes"].ok and results["nodes"].detail == "3 of 3 ready"
    assert results["services"].ok
    assert results["services"].detail == "all 2 running: postiz_postiz 2/2, postiz_postiz-redis 1/1"
    assert not [call for call in docker.calls if call[:2] == ("stack", "ps")]


def test_the_default_checks_leave_the_swarm_alone():
    assert "nodes" not in ph.DEFAULT_CHECKS and "services" not in ph.DEFAULT_CHECKS
    assert set(ph.DEFAULT_CHECKS) | set(ph.SWARM_CHECKS) == set(ph.CHECKS)


def test_a_machine_down_fails_and_a_drained_one_is_noted():
    nodes = [dict(NODES[0]), dict(NODES[1], Status="Down"), dict(NODES[2], Availability="Drain")]
    result = run(FakeDocker(nodes=nodes))["nodes"]
    assert not result.ok
    assert result.detail == "2 of 3 ready: swarm-b is Down (swarm-c is drained)"
    assert "docker node rm" in result.fix


def test_a_drained_machine_alone_passes():
    nodes = [dict(NODES[0]), dict(NODES[1]), dict(NODES[2], Availability="Drain")]
    result = run(FakeDocker(nodes=nodes))["nodes"]
    assert result.ok and "swarm-c is drained" in result.detail


def test_a_replica_short_names_its_tasks_error():
    services = [dict(SERVICES[0], Replicas="1/2 (max 1 per node)"), SERVICES[1]]
    tasks = [
        TASKS[0],
        {
            "Name": "postiz_postiz.2",
            "DesiredState": "Running",
            "CurrentState": "Pending 2 minutes ago",
            "Error": "no suitable node (max replicas per node limit exceed)",
        },
        {
            "Name": "postiz_postiz.2",
            "DesiredState": "Shutdown",
            "CurrentState": "Failed 3 minutes ago",
            "Error": "task: non-zero exit (1)",
        },
        TASKS[2],
    ]
    result = run(FakeDocker(services=services, tasks=tasks))["services"]
    assert not result.ok
    assert result.detail.startswith("postiz_postiz runs 1 of 2; postiz_postiz: pending: no suitable node")
    assert "failed: task: non-zero exit (1)" in result.detail
    assert "run site.yml again" in result.fix and "docker service ps --no-trunc" in result.fix


def test_scaled_by_hand_or_missing_fails():
    services = [dict(SERVICES[0], Replicas="1/1 (max 1 per node)")]
    result = run(FakeDocker(services=services))["services"]
    assert not result.ok
    assert "postiz_postiz-redis is missing" in result.detail
    assert "postiz_postiz runs 1 of 2" in result.detail
    assert "postiz_postiz is set to 1 replica(s), the stack file asks for 2" in result.detail


def test_without_expected_counts_the_swarms_own_are_the_measure():
    services = [dict(SERVICES[0], Replicas="0/1")]
    result = run(FakeDocker(services=services, tasks=[]), expected={})["services"]
    assert not result.ok and result.detail == "postiz_postiz runs 0 of 1"
    result = run(FakeDocker(), expected={})["services"]
    assert result.ok and "not in the stack file" not in result.detail


def test_a_service_the_stack_file_does_not_know_is_named():
    services = [*SERVICES, {"Name": "postiz_extra", "Replicas": "1/1"}]
    result = run(FakeDocker(services=services))["services"]
    assert result.ok and result.detail.endswith("also postiz_extra, not in the stack file")


def test_not_a_manager_or_no_stack():
    docker = FakeDocker(
        fail={"node": "This node is not a swarm manager.", "services": "nothing found in stack: postiz"}
    )
    results = run(docker)
    assert not results["nodes"].ok and "This node is not a swarm manager." in results["nodes"].detail
    assert not results["services"].ok and "nothing found in stack: postiz" in results["services"].detail
    assert "run site.yml" in results["services"].fix
    result = run(FakeDocker(services=[]))["services"]
    assert not result.ok and result.detail.endswith("it has none")
