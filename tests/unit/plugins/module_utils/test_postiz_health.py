# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""postiz_health logic: Docker output parsing, sums, messages, and whole runs against a
fake docker (in-process) and a real loopback HTTP server faking the app."""

from __future__ import annotations

import collections
import datetime
import json
import threading

import pytest

from ansible_collections.selfhosted.postiz.plugins.filter.stack import postiz_deploy_record, postiz_up_reasons
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_health as ph
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import HttpClient
from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_stack import (
    FakeDocker,
    FakePostizApp,
    healthy_stack,
    with_changes,
)

KEY = "5e" * 32
StatVfs = collections.namedtuple("StatVfs", "f_bavail f_frsize")
PLENTY = StatVfs(f_bavail=50 * 1024 * 256, f_frsize=4096)  # 50 GiB


# -- parsing ---------------------------------------------------------------------


def test_json_documents_lines_array_and_empty():
    assert ph.parse_json_documents('{"a": 1}\n\n{"a": 2}\n') == [{"a": 1}, {"a": 2}]
    # Compose before 2.21 printed one array.
    assert ph.parse_json_documents('[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]
    assert ph.parse_json_documents("  \n") == []
    with pytest.raises(ValueError):
        ph.parse_json_documents("not json")


def test_compose_ps_indexes_by_service_and_prefers_the_running_container():
    text = "\n".join(
        json.dumps(entry)
        for entry in [
            {
                "ID": "run",
                "Name": "p-postiz-redis-run-1f2e",
                "Service": "postiz-redis",
                "State": "running",
                "Labels": "com.docker.compose.oneoff=True,com.docker.compose.service=postiz-redis",
            },
            {
                "ID": "old",
                "Name": "p-temporal-2",
                "Service": "temporal",
                "State": "exited",
                "Health": "",
                "Status": "Exited (1) 2 hours ago",
                "ExitCode": 1,
            },
            {
                "ID": "new",
                "Name": "p-temporal-1",
                "Service": "temporal",
                "State": "running",
                "Health": "healthy",
                "Status": "Up 2 hours (healthy)",
                "ExitCode": 0,
            },
            {
                "ID": "r",
                "Names": "p-postiz-redis-1",
                "Service": "postiz-redis",
                "State": "Running",
                "Health": "",
            },
            {"ID": "x", "Name": "no-service"},
        ]
    )
    parsed = ph.parse_compose_ps(text)
    assert sorted(parsed) == ["postiz-redis", "temporal"]
    assert parsed["temporal"]["id"] == "new" and parsed["temporal"]["health"] == "healthy"
    assert parsed["postiz-redis"] == {
        "id": "r",
        "name": "p-postiz-redis-1",
        "state": "running",
        "health": "",
        "status": "",
        "exit_code": None,
    }


@pytest.mark.parametrize(
    "text, mib",
    [
        ("89.26MiB", 89.26),
        ("1.25GiB", 1280.0),
        ("512KiB", 0.5),
        ("0B", 0.0),
        ("1.5GB", 1.5e9 / 1024**2),
        ("2kB", 2000 / 1024.0**2),
        ("3", 3 / 1024.0**2),
    ],
)
def test_size_units(text, mib):
    assert ph.parse_size_mb(text) == pytest.approx(mib)


@pytest.mark.parametrize("text", ["", "--", "12 parsecs", "MiB", "1.2.3MiB"])
def test_size_refuses_junk(text):
    with pytest.raises(ValueError):
        ph.parse_size_mb(text)


def test_mem_usage_and_stats():
    assert ph.parse_mem_usage("89.26MiB / 1.25GiB") == (pytest.approx(89.26), pytest.approx(1280.0))
    assert ph.parse_mem_usage("10MiB") == (pytest.approx(10.0), 0.0)
    stats = (
        '{"Name": "p-postiz-1", "MemUsage": "100MiB / 1GiB"}\n{"Container": "abc", "MemUsage": "1GiB / 2GiB"}'
    )
    assert ph.parse_stats(stats) == {"p-postiz-1": pytest.approx(100.0), "abc": pytest.approx(1024.0)}


def test_docker_times():
    nanos = ph.parse_docker_time("2026-11-28T00:56:13.123456789Z")
    assert nanos == datetime.datetime(2026, 11, 28, 0, 56, 13, 123456, tzinfo=datetime.UTC)
    # Fewer fractional digits and none at all compare right (text comparison would not).
    assert ph.parse_docker_time("2026-11-28T00:56:13Z") < ph.parse_docker_time("2026-11-28T00:56:13.5Z")
    assert ph.parse_docker_time("2026-11-28T02:56:13+02:00") == ph.parse_docker_time("2026-11-28T00:56:13Z")
    assert ph.parse_docker_time("0001-01-01T00:00:00Z") is None
    assert ph.parse_docker_time("yesterday") is None and ph.parse_docker_time(None) is None


def test_inspect_and_short_ids():
    text = json.dumps(
        [
            {
                "Id": "abcdef0123456789",
                "RestartCount": 3,
                "State": {
                    "StartedAt": "2026-11-28T00:56:13Z",
                    "OOMKilled": True,
                    "Health": {"Log": [{"Output": "old"}, {"Output": "curl: (7)\n refused "}]},
                },
                "Config": {"Labels": {"com.docker.compose.service": "postiz"}},
            }
        ]
    )
    inspected = ph.parse_inspect(text)
    info = ph.by_short_id(inspected, "abcdef012345")
    assert info["oom_killed"] is True and info["restarts"] == 3 and info["service"] == "postiz"
    assert info["health_output"] == "curl: (7) refused"
    assert ph.by_short_id(inspected, "ffff") is None and ph.by_short_id(inspected, "") is None


def test_memory_sum_names_services_largest_first():
    containers = {"postiz": {"name": "p-postiz-1"}, "postiz-redis": {"name": "p-postiz-redis-1"}}
    total, per_service = ph.sum_memory(
        {"p-postiz-redis-1": 3.5, "p-postiz-1": 90.0, "stray": 1.0}, containers
    )
    assert total == pytest.approx(94.5)
    assert per_service == [("postiz", 90.0), ("postiz-redis", 3.5), ("stray", 1.0)]


def test_free_space_of_a_missing_path_is_its_parents(tmp_path):
    seen = []

    def statvfs(path):
        seen.append(path)
        return StatVfs(f_bavail=1024, f_frsize=4096)

    free, probe = ph.free_mb_of(str(tmp_path / "not" / "yet"), statvfs)
    assert free == 4.0 and probe == str(tmp_path) and seen == [str(tmp_path)]


def test_messages_and_lines():
    failed = ph.CheckResult(
        "app_network:temporal", "Temporal", ph.FAILED, 12, "not reachable", "restart the app"
    )
    passed = ph.CheckResult("api", "Backend", ph.OK, 3, "GET /api/: HTTP 200")
    skipped = ph.CheckResult("mcp", "MCP", ph.SKIPPED, 0, "skipped: no key")
    assert failed.message() == "Temporal: not reachable \u2014 restart the app"
    assert failed.line() == "\u2717 app_network:temporal: not reachable (12 ms) \u2192 restart the app"
    assert passed.line() == "\u2713 api: GET /api/: HTTP 200 (3 ms)"
    assert skipped.line() == "- mcp: skipped: no key" and skipped.ok and not failed.ok
    assert ph.failure_message("postiz", [failed, passed, skipped]) == (
        "Postiz stack postiz is not healthy (1 of 2 checks failed): Temporal: not reachable \u2014 restart the app"
    )
    assert ph.summary_lines("postiz", "http://x", [failed, passed, skipped])[0] == (
        "Postiz stack postiz at http://x: NOT healthy (1 passed, 1 failed, 1 skipped)"
    )


def test_docker_wrapper_adds_a_timeout_and_names_it():
    calls = []

    def run(command):
        calls.append(command)
        return 124, "", "Terminated"

    docker = ph.Docker(run, docker="/usr/bin/docker", timeout_bin="/usr/bin/timeout", timeout=7)
    assert docker("ps") == (124, "", "no answer within 7 s")
    assert calls == [["/usr/bin/timeout", "--kill-after=5", "7", "/usr/bin/docker", "ps"]]


# -- whole runs -------------------------------------------------------------------


@pytest.fixture
def app():
    server = FakePostizApp(KEY).start()
    yield server
    server.stop()


def health_for(scenario, url, statvfs=lambda path: PLENTY, **options):
    options.setdefault("api_key", KEY)
    options.setdefault("memory_budget_mb", 2560)
    fake = FakeDocker(scenario)
    health = ph.HealthCheck(
        ph.Docker(fake, timeout=5),
        scenario["project"],
        "/opt/" + scenario["project"],
        url,
        http=HttpClient(timeout=5),
        statvfs=statvfs,
        **options,
    )
    health.fake = fake
    return health


def by_name(health):
    return {result.name: result for result in health.results}


def failed(health):
    return [result.name for result in health.results if result.status == ph.FAILED]


def test_healthy_stack(app):
    health = health_for(healthy_stack(), app.url)
    health.run()
    assert health.healthy, [r.message() for r in health.results if not r.ok]
    names = [result.name for result in health.results]
    assert names == [
        "containers",
        "api",
        "frontend",
        "public_api",
        "mcp",
        "postgres:postiz-postgres",
        "postgres:temporal-postgresql",
        "redis",
        "temporal",
        "temporal:start_order",
        "app_network:postiz-postgres",
        "app_network:postiz-redis",
        "app_network:temporal",
        "disk",
        "memory",
    ]
    results = by_name(health)
    assert results["containers"].detail.startswith("all 5 running and healthy: postiz, postiz-postgres")
    assert results["memory"].detail.startswith(
        "259 MiB used of the 2560 MiB budget (10%): temporal 94 MiB, postiz 89 MiB"
    )
    assert health.memory_used_mb == 259 and health.disk_free_mb == 51200
    assert results["disk"].detail == "/var/lib/docker 51200 MiB free, /opt/postiz 51200 MiB free"
    assert results["mcp"].detail.startswith("Postiz MCP, 5 tools; initialize ")
    assert app.calls == [("integrationList", {})]
    # Nothing but reads: no docker verb that changes state.
    verbs = {call[1] for call in health.fake.calls}
    assert verbs <= {"compose", "inspect", "exec", "info", "stats"}
    assert KEY not in json.dumps(health.as_dict())


def test_stopped_temporal_gives_the_temporal_fix(app):
    scenario = with_changes(
        healthy_stack(), temporal={"state": "exited", "status": "Exited (0) 1 minute ago"}
    )
    scenario["reach"]["temporal:7233"] = [False, 4, "ENOTFOUND"]
    health = health_for(scenario, app.url)
    health.run()
    assert not health.healthy
    assert failed(health) == ["containers", "temporal", "app_network:temporal"]
    message = ph.failure_message("postiz", health.results)
    assert message.startswith(
        "Postiz stack postiz is not healthy (3 of 14 checks failed): Containers: temporal is "
        "exited (Exited (0) 1 minute ago)"
    )
    reach = by_name(health)["app_network:temporal"]
    assert reach.message() == (
        "Temporal: not reachable from the app container (temporal:7233: ENOTFOUND) \u2014 the app's Temporal "
        "workers connect once and never retry (gitroomhq/postiz-app#1748): make Temporal healthy (docker compose -p "
        "postiz ps -a temporal; docker compose -p postiz logs --tail 100 temporal), then restart the app container: "
        "docker compose -p postiz restart postiz"
    )
    assert by_name(health)["temporal"].fix.startswith("start it: docker compose -p postiz start temporal; ")
    assert "restart postiz" in by_name(health)["temporal"].fix
    # The start order cannot be judged without Temporal running.
    assert "temporal:start_order" not in by_name(health)


def test_temporal_started_after_the_app(app):
    scenario = with_changes(healthy_stack(), temporal={"started_at": "2026-11-28T01:30:00.5Z"})
    health = health_for(scenario, app.url)
    health.run(["start_order"])
    order = by_name(health)["temporal:start_order"]
    assert failed(health) == ["temporal:start_order"]
    # The deploy asks this check alone after each converge: it lists and inspects, nothing more.
    assert {call[1] for call in health.fake.calls} <= {"compose", "inspect"}
    assert order.detail == (
        "Temporal started after the app (2026-11-28 01:30:00 UTC, app 2026-11-28 00:59:13 UTC)"
    )
    assert order.fix.endswith(
        "restart the app now that Temporal is healthy: docker compose -p postiz restart postiz"
    )


def test_unhealthy_starting_missing_and_oom(app):
    scenario = with_changes(
        healthy_stack(),
        **{
            "postiz-redis": {"health": "unhealthy"},
            "temporal": {"health": "starting"},
            "postiz-postgres": {"oom_killed": True, "restarts": 2},
            "temporal-postgresql": None,
        },
    )
    health = health_for(scenario, app.url)
    health.run(["containers"])
    result = health.results[0]
    assert result.detail == (
        "postiz-postgres was OOM-killed earlier (2 restarts); postiz-redis is unhealthy; "
        "temporal is starting; temporal-postgresql has no container"
    )
    assert "raise postiz_stack_memory_limits_mb[postiz-postgres]" in result.fix
    assert "docker compose -p postiz logs --tail 100 postiz-redis" in result.fix
    assert "temporal is still starting" in result.fix
    assert (
        "create it: docker compose --project-directory /opt/postiz -p postiz up -d --wait (or re-run"
        in result.fix
    )


def test_a_timed_out_healthcheck_points_at_the_load(app):
    scenario = with_changes(
        healthy_stack(), postiz={"health": "unhealthy", "health_output": "Health check exceeded timeout (5s)"}
    )
    health = health_for(scenario, app.url)
    health.run(["containers"])
    result = health.results[0]
    assert result.detail == "postiz is unhealthy (last healthcheck: Health check exceeded timeout (5s))"
    assert result.fix.startswith(
        "its healthcheck timed out, so postiz or the host is overloaded: see docker stats"
    )


def test_backend_down_and_refused(app):
    app.backend_down = True
    health = health_for(healthy_stack(), app.url)
    health.run(["api", "frontend", "public_api"])
    assert failed(health) == ["api", "public_api"]
    assert by_name(health)["api"].detail == "GET /api/: HTTP 502"
    assert "the backend behind nginx is down or still starting" in by_name(health)["api"].fix
    health = health_for(healthy_stack(), "http://127.0.0.1:9")
    health.run(["frontend"])
    assert health.results[0].detail.startswith("GET /auth failed: connection refused")
    assert health.results[0].fix.startswith("nothing listens on http://127.0.0.1:9")


def test_wrong_key_is_refused_and_never_shown(app):
    wrong = "ab" * 32
    health = health_for(healthy_stack(), app.url, api_key=wrong)
    health.run(["public_api", "mcp"])
    assert failed(health) == ["public_api", "mcp"]
    assert by_name(health)["public_api"].fix.startswith("the API key was refused: read it again with")
    assert "read the key again" in by_name(health)["mcp"].fix
    assert wrong not in json.dumps(health.as_dict()) and wrong not in ph.failure_message("p", health.results)


def test_no_key_skips_the_key_checks(app):
    health = health_for(healthy_stack(), app.url, api_key=None)
    health.run(["public_api", "mcp"])
    assert [(r.name, r.status, r.detail) for r in health.results] == [
        ("public_api", "skipped", "skipped: no key"),
        ("mcp", "skipped", "skipped: no key"),
    ]
    assert health.healthy and app.requests == []


def test_slow_mcp_names_the_limit(app):
    app.delays = {"tools/list": 0.2}
    health = health_for(
        healthy_stack(), app.url, max_latency_ms=100, latency_limit_name="postiz_mcp_max_latency_ms"
    )
    health.run(["mcp"])
    result = health.results[0]
    assert not result.ok and "over postiz_mcp_max_latency_ms (100)" in result.detail
    assert "raise postiz_mcp_max_latency_ms only if" in result.fix


def test_external_services_are_skipped_and_app_targets_tested(app):
    scenario = healthy_stack(services=("postiz", "postiz-redis", "temporal", "temporal-postgresql"))
    scenario["reach"]["db.internal:5432"] = [False, 3000, "timed out after 3 s"]
    health = health_for(scenario, app.url, app_targets=["db.internal:5432"])
    health.run(["postgres", "app_network"])
    results = by_name(health)
    assert results["postgres:postiz-postgres"].status == "skipped"
    assert results["postgres:postiz-postgres"].detail == (
        "skipped: postiz-postgres is not part of this project (an external service)"
    )
    assert results["postgres:temporal-postgresql"].ok
    assert failed(health) == ["app_network:db.internal:5432"]
    assert (
        results["app_network:db.internal:5432"]
        .message()
        .startswith(
            "db.internal:5432: not reachable from the app container (db.internal:5432: timed out after 3 s)"
        )
    )
    exec_call = [call for call in health.fake.calls if call[1] == "exec" and "sh" in call][-1]
    assert json.loads(exec_call[-1]) == [["postiz-redis", 6379], ["temporal", 7233], ["db.internal", 5432]]


def test_in_stack_probe_failures(app):
    scenario = healthy_stack()
    scenario["exec"]["pg_isready"] = [2, "/var/run/postgresql:5432 - no response\n", ""]
    scenario["exec"]["temporal"] = [1, "", "Error: unable to describe namespace: context deadline exceeded"]
    health = health_for(scenario, app.url)
    health.run(["postgres", "redis", "temporal"])
    results = by_name(health)
    # The start order is a check of its own, not part of "temporal".
    assert "temporal:start_order" not in results
    assert (
        results["postgres:postiz-postgres"].detail
        == "postiz-postgres: /var/run/postgresql:5432 - no response (exit status 2)"
    )
    assert results["temporal"].detail == (
        "temporal: Error: unable to describe namespace: context deadline exceeded (exit status 1)"
    )
    assert results["redis"].ok and results["redis"].detail == "postiz-redis: PONG"
    assert "restart temporal and, once it is healthy, postiz" in results["postgres:temporal-postgresql"].fix


def test_memory_over_budget_and_low_disk(app):
    scenario = with_changes(healthy_stack(), postiz={"mem": "2.4GiB / 2.5GiB"})
    low = StatVfs(f_bavail=256 * 100, f_frsize=4096)  # 100 MiB
    health = health_for(scenario, app.url, statvfs=lambda path: low, memory_budget_mb=2560)
    health.run(["disk", "memory"])
    results = by_name(health)
    assert results["memory"].detail.startswith("2628 MiB used of the 2560 MiB budget (103%): postiz 2458 MiB")
    assert "the largest user is postiz" in results["memory"].fix
    assert results["disk"].detail == (
        "/var/lib/docker has 100 MiB; /opt/postiz has 100 MiB, under the 2048 MiB minimum (min_free_disk_mb)"
    )
    assert health.disk_free_mb == 100 and health.memory_used_mb == 2628


def test_no_budget_only_reports(app):
    health = health_for(healthy_stack(), app.url, memory_budget_mb=0)
    health.run(["memory"])
    assert health.results[0].ok and health.results[0].detail.startswith("259 MiB used (no budget set)")


def test_docker_failures_are_reported_not_raised(app):
    scenario = healthy_stack()
    scenario["fail"] = {
        "ps": [1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock"],
        "info": [1, "", "down"],
    }
    health = health_for(scenario, app.url, statvfs=lambda path: PLENTY)
    health.run(["containers", "memory", "redis", "disk"])
    results = by_name(health)
    assert results["containers"].detail == (
        "cannot list the containers of project postiz: Cannot connect to the "
        "Docker daemon at unix:///var/run/docker.sock"
    )
    assert results["memory"].detail == "no running container of project postiz to measure"
    assert results["redis"].detail == "no postiz-redis container"
    # Without docker info only the project directory is measured.
    assert results["disk"].detail == "/opt/postiz 51200 MiB free"


def test_stats_failure(app):
    scenario = healthy_stack()
    scenario["fail"] = {"stats": [1, "", "Error response from daemon: boom"]}
    health = health_for(scenario, app.url)
    health.run(["memory"])
    assert health.results[0].detail == "docker stats failed: Error response from daemon: boom"
    assert health.memory_used_mb is None


def test_docker_stats_samples_while_the_other_checks_run(app):
    # docker stats takes a second or more: it must overlap the other checks, not follow them.
    # Here the Redis probe, an earlier check, answers only once the sampling has begun; were
    # the sampling run in its turn, last, the probe would wait its whole 5 s and fail.
    sampling = threading.Event()
    fake = FakeDocker(healthy_stack())

    def run(command):
        if command[1] == "stats":
            sampling.set()
        elif command[1] == "exec" and "redis-cli" in command and not sampling.wait(5):
            return 1, "", "docker stats had not begun"
        return fake(command)

    health = ph.HealthCheck(
        ph.Docker(run, timeout=5),
        "postiz",
        "/opt/postiz",
        app.url,
        api_key=KEY,
        memory_budget_mb=2560,
        http=HttpClient(timeout=5),
        statvfs=lambda path: PLENTY,
    )
    health.run(["containers", "redis", "memory"])
    assert [r.name for r in health.results] == ["containers", "redis", "memory"]
    assert failed(health) == []
    assert health.memory_used_mb == 259


def test_checks_run_in_their_own_order(app):
    health = health_for(healthy_stack(), app.url)
    health.run(["memory", "api"])
    assert [r.name for r in health.results] == ["api", "memory"]


def test_nothing_deployed(app):
    scenario = healthy_stack(services=())
    scenario["fail"] = {"config": [1, "", "open /opt/postiz/compose.yaml: no such file or directory"]}
    health = health_for(scenario, app.url, api_key=None)
    health.run(["containers", "redis", "app_network"])
    results = by_name(health)
    assert results["containers"].fix.startswith(
        "deploy it: run site.yml with postiz_stack_project_dir=/opt/postiz"
    )
    assert results["redis"].detail == "skipped: project postiz is not deployed (no services, no containers)"
    assert results["app_network"].detail == "skipped: no dependencies to reach"


# -- memory from the cgroup files --------------------------------------------------------------

FULL_ID = "ab" * 32


def _cgroup(root, layout, usage_file, usage, stat_text):
    directory = root / layout.format(id=FULL_ID)
    directory.mkdir(parents=True)
    (directory / usage_file).write_text(f"{usage}\n")
    (directory / "memory.stat").write_text(stat_text)


@pytest.mark.parametrize(
    ("layout", "usage_file", "stat_text"),
    [
        (
            "system.slice/docker-{id}.scope",
            "memory.current",
            "anon 1\ninactive_file 20971520\nactive_file 5\n",
        ),
        ("docker/{id}", "memory.current", "inactive_file 20971520\n"),
        ("memory/docker/{id}", "memory.usage_in_bytes", "cache 9\ntotal_inactive_file 20971520\n"),
    ],
)
def test_cgroup_memory_is_usage_without_the_inactive_file_cache(tmp_path, layout, usage_file, stat_text):
    _cgroup(tmp_path, layout, usage_file, 120 * 1024 * 1024, stat_text)
    assert ph.cgroup_memory_mb(FULL_ID, str(tmp_path)) == pytest.approx(100.0)


def test_cgroup_memory_without_a_stat_file_is_the_usage(tmp_path):
    _cgroup(tmp_path, "docker/{id}", "memory.current", 64 * 1024 * 1024, "")
    (tmp_path / "docker" / FULL_ID / "memory.stat").unlink()
    assert ph.cgroup_memory_mb(FULL_ID, str(tmp_path)) == pytest.approx(64.0)


@pytest.mark.parametrize("full_id", [FULL_ID, "../../etc", "", None, "AB" * 32])
def test_cgroup_memory_is_none_when_unreadable_or_not_an_id(tmp_path, full_id):
    assert ph.cgroup_memory_mb(full_id, str(tmp_path)) is None


def test_memory_comes_from_the_cgroup_files_when_all_are_readable(app, tmp_path):
    scenario = healthy_stack()
    health = health_for(scenario, app.url, cgroup_root=str(tmp_path))
    for container in health.containers().values():
        full_id = container["id"] + "f" * 52
        directory = tmp_path / "docker" / full_id
        directory.mkdir(parents=True)
        (directory / "memory.current").write_text(str(10 * 1024 * 1024))
        (directory / "memory.stat").write_text("inactive_file 0\n")
    health.run(["memory"])
    assert failed(health) == []
    assert health.memory_used_mb == 10 * len(health.containers())
    assert not [call for call in health.fake.calls if "stats" in call]


def test_memory_falls_back_to_docker_stats_when_a_cgroup_is_unreadable(app, tmp_path):
    health = health_for(healthy_stack(), app.url, cgroup_root=str(tmp_path))
    first = next(iter(health.containers().values()))
    directory = tmp_path / "docker" / (first["id"] + "f" * 52)
    directory.mkdir(parents=True)
    (directory / "memory.current").write_text("1")
    health.run(["memory"])
    assert health.memory_used_mb == 259
    assert [call for call in health.fake.calls if "stats" in call]


# -- the listing the deploy decides with ----------------------------------------------


def test_listing_entries_take_the_api_listing_terms():
    text = json.dumps(
        [
            {
                "Id": "ab" * 32,
                "State": {"Status": "running", "Health": {"Status": "starting"}},
                "Config": {"Image": "example/app:1", "Labels": {"com.docker.compose.service": "postiz"}},
            },
            {"Id": "cd" * 32, "State": {"Status": "exited"}, "Config": {"Image": "example/db:1"}},
        ]
    )
    assert ph.listing_entries(text) == [
        {
            "Id": "ab" * 32,
            "Image": "example/app:1",
            "State": "running",
            "Health": "starting",
            "Labels": {"com.docker.compose.service": "postiz"},
        },
        {"Id": "cd" * 32, "Image": "example/db:1", "State": "exited", "Health": "", "Labels": {}},
    ]


def test_start_order_lists_every_container_for_the_deploy_record(app):
    scenario = healthy_stack()
    health = health_for(scenario, app.url)
    health.run(["start_order"])
    listing = health.as_dict()["containers"]
    services = sorted(entry["Labels"]["com.docker.compose.service"] for entry in listing)
    assert services == sorted(scenario["containers"])
    # Full ids, as the record of the last deploy holds them.
    assert all(len(entry["Id"]) == 64 for entry in listing)
    record = postiz_deploy_record(listing, services)
    assert postiz_up_reasons(listing, json.dumps(record), services) == []
    # The health the listing carries decides, as Status does in docker_host_info's listing.
    starting = with_changes(scenario, temporal={"health": "starting"})
    again = health_for(starting, app.url)
    again.run(["start_order"])
    assert postiz_up_reasons(again.as_dict()["containers"], json.dumps(record), services) == [
        "temporal is starting"
    ]


def test_start_order_lists_the_containers_also_when_temporal_is_stopped(app):
    scenario = with_changes(
        healthy_stack(), temporal={"state": "exited", "status": "Exited (0) 1 minute ago"}
    )
    health = health_for(scenario, app.url)
    health.run(["start_order"])
    assert health.results == []
    assert len(health.as_dict()["containers"]) == len(scenario["containers"])


def test_checks_that_ask_docker_nothing_list_no_containers(app):
    health = health_for(healthy_stack(), app.url)
    health.run(["api"])
    assert health.as_dict()["containers"] is None


def test_the_in_container_checks_wait_on_their_docker_exec_side_by_side(app):
    """The first exec of postgres, redis, temporal and app_network must all be under way at
    once: each waits at a barrier for the other three, which one after the other never reach."""
    health = health_for(healthy_stack(), app.url)
    barrier = threading.Barrier(4, timeout=10)
    seen = set()
    lock = threading.Lock()
    real = health.fake.__call__

    def docker(command):
        if command[1] == "exec":
            with lock:
                first = threading.get_ident() not in seen
                seen.add(threading.get_ident())
            if first:
                barrier.wait()
        return real(command)

    health.docker._run = docker
    health.run(["postgres", "redis", "temporal", "app_network"])
    assert health.healthy, [result.message() for result in health.results]
    # Listed in the order of the checks, whatever order the threads ended in.
    assert [result.name for result in health.results] == [
        "postgres:postiz-postgres",
        "postgres:temporal-postgresql",
        "redis",
        "temporal",
        "app_network:postiz-postgres",
        "app_network:postiz-redis",
        "app_network:temporal",
    ]
