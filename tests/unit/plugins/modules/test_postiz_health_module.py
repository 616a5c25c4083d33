# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real postiz_health entry point: a fake ``docker`` executable first on PATH
(called through module.run_command) and a real loopback HTTP server faking the app."""

from __future__ import annotations

import json

import pytest

from ansible_collections.selfhosted.postiz.plugins.modules import postiz_health
from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_stack import (
    FakePostizApp,
    healthy_stack,
    install,
    with_changes,
)

KEY = "0123456789abcdef" * 4


@pytest.fixture
def app():
    server = FakePostizApp(KEY).start()
    yield server
    server.stop()


@pytest.fixture
def docker(tmp_path, monkeypatch):
    """Install a fake docker for a scenario; returns a function reading the calls it got."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")

    def _install(scenario):
        log = install(bin_dir, scenario)

        def calls():
            with open(log) as handle:
                return [json.loads(line) for line in handle]

        return calls

    return _install


@pytest.fixture
def run(run_module, tmp_path):
    def _run(check_mode=False, **args):
        args.setdefault("project_name", "postiz")
        args.setdefault("project_dir", str(tmp_path))
        return run_module(postiz_health.main, check_mode=check_mode, **args)

    return _run


def assert_key_never_shown(result):
    # AnsibleModule would mask a leaked no_log value as ********; there must be nothing to mask.
    assert KEY not in result["_raw"] and "********" not in result["_raw"]


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
def test_healthy_stack_changes_nothing(run, app, docker, tmp_path, check_mode):
    calls = docker(healthy_stack(root=str(tmp_path)))
    result = run(check_mode=check_mode, url=app.url, api_key=KEY, memory_budget_mb=2560, min_free_disk_mb=1)
    assert result["changed"] is False and "failed" not in result, result.get("msg")
    assert result["healthy"] is True and len(result["checks"]) == 15
    assert all(check["ok"] and check["status"] == "ok" for check in result["checks"])
    assert result["memory_used_mb"] == 259 and result["disk_free_mb"] > 0
    assert (
        result["summary"][0] == f"Postiz stack postiz at {app.url}: healthy (15 passed, 0 failed, 0 skipped)"
    )
    assert result["summary"][1].startswith("\u2713 containers: all 5 running and healthy")
    verbs = [call[0] for call in calls()]
    assert set(verbs) == {"compose", "inspect", "exec", "info", "stats"}
    # In-stack probes: two pg_isready, redis-cli, temporal, and the TCP probe from the app.
    assert verbs.count("exec") == 5
    assert_key_never_shown(result)


def test_stopped_temporal_fails_with_the_temporal_fix(run, app, docker, tmp_path):
    scenario = with_changes(
        healthy_stack(root=str(tmp_path)), temporal={"state": "exited", "status": "Exited (0)"}
    )
    scenario["reach"]["temporal:7233"] = [False, 5, "ENOTFOUND"]
    docker(scenario)
    result = run(url=app.url, api_key=KEY, min_free_disk_mb=1)
    assert result["failed"] is True and result["healthy"] is False
    assert result["msg"].startswith(
        "Postiz stack postiz is not healthy (3 of 14 checks failed): Containers: "
        "temporal is exited (Exited (0))"
    )
    assert (
        "Temporal: not reachable from the app container (temporal:7233: ENOTFOUND) \u2014 the app's Temporal "
        "workers connect once and never retry (gitroomhq/postiz-app#1748)"
    ) in result["msg"]
    assert result["msg"].endswith("then restart the app container: docker compose -p postiz restart postiz")
    failed = [check["name"] for check in result["checks"] if not check["ok"]]
    assert failed == ["containers", "temporal", "app_network:temporal"]
    assert_key_never_shown(result)


def test_report_only(run, app, docker, tmp_path):
    docker(with_changes(healthy_stack(root=str(tmp_path)), **{"postiz-redis": {"health": "unhealthy"}}))
    result = run(url=app.url, checks=["containers", "public_api"], fail_on_unhealthy=False)
    assert "failed" not in result and result["healthy"] is False
    assert [(c["name"], c["status"]) for c in result["checks"]] == [
        ("containers", "failed"),
        ("public_api", "skipped"),
    ]
    assert (
        result["checks"][0]["fix"]
        == "read why its healthcheck fails: docker compose -p postiz logs --tail 100 postiz-redis"
    )


def test_host_without_docker_is_reported_not_crashed(run, app, tmp_path, monkeypatch):
    # A dry run of the first deploy on a fresh host: Docker is not installed yet.
    bin_dir = tmp_path / "empty-bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    result = run(
        check_mode=True,
        url=app.url,
        checks=["containers", "memory", "disk"],
        min_free_disk_mb=1,
        fail_on_unhealthy=False,
    )
    assert "failed" not in result and result["healthy"] is False
    assert [(c["name"], c["status"]) for c in result["checks"]] == [
        ("containers", "failed"),
        ("disk", "ok"),
        ("memory", "failed"),
    ]
    assert "the docker CLI is not installed on this host" in result["checks"][0]["detail"]
    assert "the docker_host role installs both" in result["checks"][0]["fix"]


def test_project_dir_is_passed_to_compose_config(run, app, docker, tmp_path):
    calls = docker(healthy_stack(root=str(tmp_path)))
    run(url=app.url, checks=["containers"], project_dir=str(tmp_path / "p"), project_name="postiz")
    config = next(call for call in calls() if "config" in call)
    assert config == [
        "compose",
        "--project-directory",
        str(tmp_path / "p"),
        "-f",
        str(tmp_path / "p" / "compose.yaml"),
        "-p",
        "postiz",
        "config",
        "--services",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"max_latency_ms": 0}, "max_latency_ms must be at least 1, got 0"),
        ({"min_free_disk_mb": -1}, "min_free_disk_mb must not be negative, got -1"),
        ({"app_targets": ["db.example"]}, "app_targets entries must be host:port, got 'db.example'"),
        ({"app_targets": ["db:99999"]}, "app_targets entries must be host:port, got 'db:99999'"),
    ],
)
def test_bad_options(run, docker, tmp_path, args, message):
    docker(healthy_stack(root=str(tmp_path)))
    result = run(url="http://127.0.0.1:9", **args)
    assert result["failed"] is True and result["msg"] == message


def test_invocation_masks_the_key(run, app, docker, tmp_path):
    docker(healthy_stack(root=str(tmp_path)))
    result = run(url=app.url, api_key=KEY, checks=["public_api"])
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["checks"][0]["ok"] is True
