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


# -- the data services from inside their containers, on the machine that runs them ---------

LOCAL_TASKS = [
    {
        "ID": "pg1",
        "Names": "postiz_postiz-postgres.1.x1",
        "State": "running",
        "Status": "Up 5 minutes (healthy)",
        "Labels": "com.docker.stack.namespace=postiz,com.docker.swarm.service.name=postiz_postiz-postgres",
    },
    {
        "ID": "rd1",
        "Names": "postiz_postiz-redis.1.x2",
        "State": "running",
        "Status": "Up 5 minutes (healthy)",
        "Labels": "com.docker.stack.namespace=postiz,com.docker.swarm.service.name=postiz_postiz-redis",
    },
]


class FakeDataMachine:
    """Answers as the data machine's engine: its running tasks, the compose file's services,
    and `docker exec` by container id."""

    def __init__(self, tasks=None, answers=None):
        self.tasks = LOCAL_TASKS if tasks is None else tasks
        self.answers = answers or {"pg1": (0, "accepting connections", ""), "rd1": (0, "PONG", "")}
        self.calls = []
        self.timeout = 30

    def __call__(self, *args):
        self.calls.append(args)
        if args[0] == "ps":
            return 0, lines(*self.tasks), ""
        if args[0] == "compose":
            return 0, "postiz\npostiz-postgres\npostiz-redis\ntemporal\ntemporal-postgresql\n", ""
        if args[0] == "exec":
            return self.answers[args[1]]
        raise AssertionError(f"unexpected docker {args}")


def run_in_stack(docker):
    health = ph.HealthCheck(docker, "postiz", "/opt/postiz", "http://127.0.0.1:4007", engine="swarm")
    health.run(["postgres", "redis", "temporal"])
    return {result.name: result for result in health.results}


def test_the_data_services_answer_from_their_tasks_on_this_machine():
    docker = FakeDataMachine()
    results = run_in_stack(docker)
    assert results["redis"].status == ph.OK and results["redis"].detail == "postiz-redis: PONG"
    assert results["postgres:postiz-postgres"].status == ph.OK
    ps = next(call for call in docker.calls if call[0] == "ps")
    assert "--all" not in ps and "label=com.docker.stack.namespace=postiz" in ps
    # Tasks on other machines are skipped, not failed: the services check counts them.
    for name in ("postgres:temporal-postgresql", "temporal"):
        assert results[name].status == ph.SKIPPED
        assert "runs on this machine (the services check counts its replicas)" in results[name].detail


def test_a_data_service_that_does_not_answer_names_the_swarm_commands():
    docker = FakeDataMachine(
        answers={"pg1": (0, "accepting connections", ""), "rd1": (1, "", "Connection refused")}
    )
    result = run_in_stack(docker)["redis"]
    assert result.status == ph.FAILED
    assert result.fix == (
        "read docker service logs --tail 100 postiz_postiz-redis, then restart it: "
        "docker service update --force postiz_postiz-redis"
    )


def test_another_stacks_tasks_do_not_count():
    other = [
        dict(
            LOCAL_TASKS[1],
            Labels="com.docker.stack.namespace=postiz2,com.docker.swarm.service.name=postiz2_postiz-redis",
        )
    ]
    assert ph.parse_swarm_ps(lines(*other), "postiz") == {}
    assert set(ph.parse_swarm_ps(lines(*LOCAL_TASKS), "postiz")) == {"postiz-postgres", "postiz-redis"}
