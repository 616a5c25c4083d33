#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_health
short_description: Check a deployed Postiz stack end to end and say how to fix what fails
version_added: 0.1.0
description:
  - One call checks a Postiz Docker Compose project and reports each result with an actionable fix.
  - C(containers) checks that every service of the project's C(compose.yaml) has a container that
    is running and healthy, and that none was killed for lack of memory.
  - C(api) checks that C(GET /api/) answers 200 C(App is running!). C(frontend) checks that
    C(GET /auth) answers 200. Upstream Postiz has no health route.
  - "C(public_api) checks that C(GET /api/public/v1/is-connected) with the API key answers
    C({\"connected\": true}). C(mcp) runs the MCP handshake, C(tools/list) and a read-only
    C(tools/call), each within O(max_latency_ms), as M(selfhosted.postiz.postiz_mcp_check) does.
    Both are skipped when O(api_key) is empty."
  - C(postgres) runs C(pg_isready) in each PostgreSQL service. C(redis) runs C(redis-cli ping).
    C(temporal) runs C(temporal operator namespace describe) on the Temporal container's own
    address, as its healthcheck does. C(start_order) checks that Temporal did not start after the app,
    because the app's Temporal workers connect once and never retry; a restarted Docker daemon or
    host starts every container at once, in no set order.
  - On Docker Swarm, run on a manager, C(nodes) checks that every machine of the swarm is ready
    (a drained or paused one is noted, not failed), and C(services) checks that every service of the
    stack runs as many replicas as O(expected_replicas) asks for, naming the state and error of the
    tasks that do not run. Neither is run by default.
  - C(app_network) opens a TCP connection from inside the app container to PostgreSQL, Redis and
    Temporal by service name, and to each of O(app_targets).
  - C(disk) checks the free space on the filesystems of Docker's data root and the project
    directory, or of O(disk_paths). C(memory) adds up C(docker stats) of the project's containers
    and compares the total with O(memory_budget_mb).
  - The checks that need a service which is not part of the project, because it runs elsewhere,
    are skipped.
  - The API key is never shown. It is redacted from every message.
  - On a host without the C(docker) CLI (a dry run of the first deploy), the checks that need it fail
    with that reason instead of the module failing.
extends_documentation_fragment:
  - selfhosted.postiz.attributes.read_only
  - selfhosted.postiz.attributes
requirements:
  - The C(docker) CLI with the Compose v2 plugin on the managed host.
options:
  project_name:
    description:
      - Compose project name of the stack (C(postiz_stack_project_name)).
    type: str
    required: true
  project_dir:
    description:
      - Directory of the project's C(compose.yaml) (C(postiz_stack_project_dir)). The services it
        lists are the ones expected to run.
    type: path
    required: true
  url:
    description:
      - Base URL of the app on the managed host, without C(/api), for example C(http://127.0.0.1:4007).
    type: str
    required: true
  api_key:
    description:
      - The organization API key, as returned by M(selfhosted.postiz.postiz_admin). Without it the
        C(public_api) and C(mcp) checks are skipped.
    type: str
  mcp_auth:
    description:
      - How the MCP check sends the key. V(path) uses C(<url>/api/mcp/<key>); V(bearer) sends an
        C(Authorization) header to C(<url>/api/mcp).
    type: str
    choices: [path, bearer]
    default: path
  max_latency_ms:
    description:
      - Longest time, in milliseconds, one MCP step may take.
    type: int
    default: 3000
  latency_limit_name:
    description:
      - Name of the latency setting shown in failures, for example V(postiz_mcp_max_latency_ms).
    type: str
    default: max_latency_ms
  memory_budget_mb:
    description:
      - Memory, in MiB, the project's containers may use together. V(0) reports the use without a limit.
    type: int
    default: 0
  min_free_disk_mb:
    description:
      - Least free space, in MiB, each measured filesystem must have.
    type: int
    default: 2048
  disk_paths:
    description:
      - Paths whose filesystems the C(disk) check measures. A missing path is measured at its
        nearest existing parent.
      - Empty means Docker's data root (from C(docker info)) and O(project_dir).
    type: list
    elements: path
    default: []
  checks:
    description:
      - The checks to run. They always run in the order listed here.
    type: list
    elements: str
    choices: [containers, nodes, services, api, frontend, public_api, mcp, postgres, redis, temporal, start_order, app_network, disk,
              memory]
    default: [containers, api, frontend, public_api, mcp, postgres, redis, temporal, start_order, app_network, disk, memory]
  app_service:
    description:
      - Compose service of the Postiz app.
    type: str
    default: postiz
  temporal_namespace:
    description:
      - Temporal namespace Postiz uses (C(TEMPORAL_NAMESPACE)).
    type: str
    default: default
  app_targets:
    description:
      - Further C(host:port) addresses the app container must reach, typically external PostgreSQL,
        Redis or Temporal. The project's own services are always tested.
    type: list
    elements: str
    default: []
  expected_replicas:
    description:
      - "For the C(services) check, the services of the stack file, without the stack's name, and the
        replicas each must run, for example C({postiz: 2, postiz-redis: 1}). A service missing from the
        swarm, or scaled to another count by hand, fails the check."
      - Empty means the counts the swarm itself was given.
    type: dict
    default: {}
  engine:
    description:
      - How the project runs. V(compose) finds its containers by the labels of Docker Compose.
      - V(swarm) finds the containers of the stack O(project_name) that run on this machine by the
        labels of C(docker stack deploy), and its fixes name C(docker service) commands. The checks
        inside the data services (C(postgres), C(redis), C(temporal)) are then skipped for a service
        without a task on this machine; run them on the machine that holds the data services.
    type: str
    choices: [compose, swarm]
    default: compose
  fail_on_unhealthy:
    description:
      - Fail when a check fails, with a message listing each failure and its fix. V(false) only
        reports, in RV(healthy) and RV(checks).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer and each C(docker) command.
    type: int
    default: 30
notes:
  - Run it on the Docker host as a user allowed to use Docker (root with the site playbook).
seealso:
  - module: selfhosted.postiz.postiz_mcp_check
  - module: selfhosted.postiz.postiz_admin
"""

EXAMPLES = r"""
- name: Check the whole stack
  selfhosted.postiz.postiz_health:
    project_name: postiz
    project_dir: /opt/postiz
    url: http://127.0.0.1:4007
    api_key: "{{ postiz_stack_api_key }}"
    max_latency_ms: 3000
    memory_budget_mb: 2560
  register: postiz_health

- name: Print the report
  ansible.builtin.debug:
    msg: "{{ postiz_health.summary }}"

- name: Only the containers and Temporal, and report instead of failing
  selfhosted.postiz.postiz_health:
    project_name: postiz
    project_dir: /opt/postiz
    url: http://127.0.0.1:4007
    checks: [containers, temporal, app_network]
    fail_on_unhealthy: false
  register: postiz_health

- name: On a manager of a Docker Swarm, the machines, the services and the app on a machine it runs on
  selfhosted.postiz.postiz_health:
    project_name: postiz
    project_dir: /opt/postiz
    url: http://10.0.0.12:4007
    api_key: "{{ postiz_stack_api_key }}"
    checks: [nodes, services, api, frontend, public_api, mcp, postgres, redis, temporal]
    engine: swarm
    expected_replicas: {postiz: 2, postiz-postgres: 1, postiz-redis: 1, temporal: 1, temporal-postgresql: 1}
"""

RETURN = r"""
checks:
  description: One entry per result, in the order of O(checks). Some checks give several results.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description:
        - The check, with the service or address after a colon when a check has several results,
          for example C(postgres:temporal-postgresql), C(app_network:temporal) or C(temporal:start_order).
      type: str
    ok:
      description: False only for a failure; skipped results are true.
      type: bool
    status:
      description: V(ok), V(failed) or V(skipped).
      type: str
    ms:
      description: Time the check took, in milliseconds (0 when skipped).
      type: int
    detail:
      description: What the check found. Skipped results start with C(skipped:).
      type: str
    fix:
      description: What to do about a failure; empty otherwise.
      type: str
  sample:
    - {name: containers, ok: true, status: ok, ms: 180, fix: '',
       detail: "all 5 running and healthy: postiz, postiz-postgres, postiz-redis, temporal, temporal-postgresql"}
    - {name: app_network:temporal, ok: false, status: failed, ms: 412,
       detail: "not reachable from the app container (temporal:7233: ENOTFOUND)",
       fix: "the app's Temporal workers connect once and never retry (gitroomhq/postiz-app#1748): make Temporal healthy
             (...), then restart the app container: docker compose -p postiz restart postiz"}
containers:
  description:
    - The project's containers as C(docker inspect) describes them, in the terms of the Docker API's
      container listing (C(Id), C(Image), C(State), C(Health), C(Labels)), as the
      P(selfhosted.postiz.postiz_up_reasons#filter) and P(selfhosted.postiz.postiz_deploy_record#filter)
      filters take them. Null when no check asked Docker about them (only C(containers) and
      C(start_order) do).
  returned: always
  type: list
  elements: dict
  sample:
    - {Id: 3f1c0d..., Image: "ghcr.io/gitroomhq/postiz-app:v2.23.0", State: running, Health: healthy,
       Labels: {com.docker.compose.project: postiz, com.docker.compose.service: postiz}}
healthy:
  description: Whether no check failed.
  returned: always
  type: bool
memory_used_mb:
  description: Memory the project's running containers use together, in MiB (null when not measured).
  returned: always
  type: int
  sample: 412
disk_free_mb:
  description: Free space of the fullest measured filesystem, in MiB (null when not measured).
  returned: always
  type: int
  sample: 75820
failures:
  description: One message per failed check, what is wrong and then how to fix it. Empty when RV(healthy).
  returned: always
  type: list
  elements: str
  sample:
    - "Redis: postiz-redis: Could not connect to Redis at 127.0.0.1:6379: Connection refused (exit status 1) —
       read docker compose -p postiz logs --tail 100 postiz-redis, then restart it: docker compose -p postiz restart postiz-redis"
summary:
  description: The report as lines a human reads, a head line and then one line per result.
  returned: always
  type: list
  elements: str
  sample:
    - "Postiz stack postiz at http://127.0.0.1:4007: healthy (16 passed, 0 failed, 0 skipped)"
    - "✓ api: GET /api/: HTTP 200 (12 ms)"
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_health import (
    CHECKS,
    DEFAULT_CHECKS,
    Docker,
    HealthCheck,
    failure_message,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import (
    at_least,
    execute,
    exit_report,
)

ARGUMENT_SPEC = dict(
    project_name=dict(type="str", required=True),
    project_dir=dict(type="path", required=True),
    url=dict(type="str", required=True),
    api_key=dict(type="str", no_log=True),
    mcp_auth=dict(type="str", choices=["path", "bearer"], default="path"),
    max_latency_ms=dict(type="int", default=3000),
    latency_limit_name=dict(type="str", default="max_latency_ms"),
    memory_budget_mb=dict(type="int", default=0),
    min_free_disk_mb=dict(type="int", default=2048),
    disk_paths=dict(type="list", elements="path", default=[]),
    checks=dict(type="list", elements="str", choices=list(CHECKS), default=list(DEFAULT_CHECKS)),
    app_service=dict(type="str", default="postiz"),
    temporal_namespace=dict(type="str", default="default"),
    app_targets=dict(type="list", elements="str", default=[]),
    expected_replicas=dict(type="dict", default={}),
    engine=dict(type="str", choices=["compose", "swarm"], default="compose"),
    fail_on_unhealthy=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)


def validate(module):
    params = module.params
    at_least(module, 1, "max_latency_ms", "timeout")
    for name in ("memory_budget_mb", "min_free_disk_mb"):
        if params[name] < 0:
            module.fail_json(msg=f"{name} must not be negative, got {params[name]}")
    for service, count in params["expected_replicas"].items():
        if not str(count).isdigit():
            module.fail_json(
                msg=f"expected_replicas must map each service to a number of replicas, got {service}: {count!r}"
            )
    for target in params["app_targets"]:
        host, _sep, port = target.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            module.fail_json(msg=f"app_targets entries must be host:port, got {target!r}")


def run_module(module):
    """Run the checks and exit; every decision lives in module_utils._postiz_health."""
    validate(module)
    params = module.params
    # Not required: a host without Docker yet gets a report that says so, check by check.
    docker = Docker(
        module.run_command,
        docker=module.get_bin_path("docker"),
        timeout_bin=module.get_bin_path("timeout"),
        timeout=params["timeout"],
    )
    health = HealthCheck(
        docker,
        params["project_name"],
        params["project_dir"],
        params["url"],
        api_key=params["api_key"],
        mcp_auth=params["mcp_auth"],
        max_latency_ms=params["max_latency_ms"],
        latency_limit_name=params["latency_limit_name"],
        memory_budget_mb=params["memory_budget_mb"],
        min_free_disk_mb=params["min_free_disk_mb"],
        disk_paths=params["disk_paths"],
        app_service=params["app_service"],
        temporal_namespace=params["temporal_namespace"],
        app_targets=params["app_targets"],
        expected_replicas=params["expected_replicas"],
        engine=params["engine"],
    )
    health.run(params["checks"])
    failed = not health.healthy and params["fail_on_unhealthy"]
    exit_report(
        module, health.as_dict(), failure=failed and failure_message(params["project_name"], health.results)
    )


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
