# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A backup of a stack on Docker Swarm (engine swarm): containers and volumes found by the
labels `docker stack deploy` gives them, uploads from the shared directory, the stack file
in the configuration, and no pause. The restore on Swarm: test_restore_safety.py."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

WHEN = dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC)


@pytest.fixture(name="swarm_config")
def fixture_swarm_config(run_config):
    run_config["engine"] = "swarm"
    return run_config


def record_cli(pb, monkeypatch, answers):
    """Docker.cli recording its arguments; each answer is (first argument, output)."""
    calls = []

    def cli(self, *args, **kwargs):
        calls.append(args)
        for first, output in answers:
            if args[0] == first:
                return output
        return ""

    monkeypatch.setattr(pb.Docker, "cli", cli)
    return calls


def test_a_task_container_speaks_for_its_service_by_the_stacks_name(pb):
    labels = {
        "com.docker.stack.namespace": "demo",
        "com.docker.swarm.service.name": "demo_postiz-postgres",
    }
    entry = pb.ps_entry({"Config": {"Labels": labels}, "State": {"Status": "running"}})
    assert entry["Service"] == "postiz-postgres"
    # Another stack's service, or a container of neither engine, speaks for none.
    assert pb.model.swarm_service({**labels, "com.docker.stack.namespace": "other"}) == ""
    assert pb.model.swarm_service({}) == ""


def test_on_swarm_only_the_stacks_running_tasks_are_asked_for(pb, swarm_config, monkeypatch):
    inspected = {
        "Id": "c1",
        "Config": {
            "Image": "postgres:17",
            "Labels": {
                "com.docker.stack.namespace": "demo",
                "com.docker.swarm.service.name": "demo_postiz-postgres",
            },
        },
        "State": {"Status": "running", "Health": {"Status": "healthy"}},
        "Name": "/demo_postiz-postgres.1.abc",
    }
    calls = record_cli(pb, monkeypatch, [("ps", "c1\n"), ("inspect", json.dumps([inspected]))])
    found = pb.Docker(swarm_config).container("postiz-postgres")
    assert found["Id"] == "c1"
    ps = calls[0]
    assert "--all" not in ps
    assert "label=com.docker.stack.namespace=demo" in ps
    assert "label=com.docker.swarm.service.name=demo_postiz-postgres" in ps
    assert not any("com.docker.compose" in arg for arg in ps)


def test_on_compose_stopped_containers_count_too(pb, run_config, monkeypatch):
    calls = record_cli(pb, monkeypatch, [("ps", "")])
    assert pb.Docker(run_config).container("postiz-postgres") is None
    assert "--all" in calls[0]
    assert "label=com.docker.compose.service=postiz-postgres" in calls[0]


def test_a_swarm_volume_is_found_by_its_exact_stack_name(pb, swarm_config, monkeypatch):
    record_cli(pb, monkeypatch, [("volume", "demo_postiz-uploads-old\ndemo_postiz-uploads\n")])
    assert pb.Docker(swarm_config).volume("postiz-uploads") == "demo_postiz-uploads"
    record_cli(pb, monkeypatch, [("volume", "demo_postiz-uploads-old\n")])
    assert pb.Docker(swarm_config).volume("postiz-uploads") is None


def test_the_shared_uploads_directory_is_archived_when_it_is_mounted_here(pb, swarm_config, tmp_path):
    shared = tmp_path / "share"
    swarm_config["uploads_host_path"] = str(shared)
    docker = pb.Docker(swarm_config)
    with pytest.raises(pb.BackupError, match=r"shared uploads directory .* is not mounted on this machine"):
        pb.uploads_source(swarm_config, docker)
    shared.mkdir()
    assert pb.uploads_source(swarm_config, docker) == str(shared)
    assert pb.uploads_entry(swarm_config)["path"] == str(shared)


def test_a_swarm_volume_on_another_machine_is_named_with_the_fix(pb, swarm_config, monkeypatch):
    record_cli(pb, monkeypatch, [("volume", "")])
    with pytest.raises(pb.BackupError, match="postiz_stack_uploads_shared_path"):
        pb.uploads_source(swarm_config, pb.Docker(swarm_config))


def test_the_configuration_of_a_swarm_stack_holds_its_stack_file(pb, swarm_config, tmp_path):
    project = tmp_path / "project"
    for rel in ("compose.yaml", "env/postiz.env", "swarm/postiz.env", "secrets/secrets.json"):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(rel)
    run = pb.BackupRun(swarm_config, WHEN)
    with pytest.raises(pb.BackupError, match=r"stack\.yaml is missing"):
        run.copy_config()
    (project / "stack.yaml").write_text("services: {}\n")
    run.copy_config()
    copied = os.path.join(run.payload, "config")
    assert sorted(
        os.path.relpath(os.path.join(root, name), copied)
        for root, _dirs, names in os.walk(copied)
        for name in names
    ) == ["compose.yaml", "env/postiz.env", "secrets/secrets.json", "stack.yaml", "swarm/postiz.env"]


def test_a_swarm_backup_does_not_pause_the_app(pb, swarm_config):
    run = pb.BackupRun(swarm_config, WHEN)
    # execute() gives the quiesce step no app on Swarm; its step then does nothing.
    with run.quiesced(None):
        pass
    assert not os.path.exists(run.paused_marker)
    assert "app_quiesced" not in run.durations


def test_swarm_scale_waits_until_each_service_runs_exactly_its_replicas(pb, swarm_config, monkeypatch):
    listings = iter(
        [
            "demo_postiz 1/2 (max 1 per node)\ndemo_temporal 1/1\n",
            "demo_postiz 2/2 (max 1 per node)\ndemo_temporal 1/1\n",
        ]
    )
    calls = []

    def cli(self, *args, **kwargs):
        calls.append(args)
        return next(listings) if args[:2] == ("service", "ls") else ""

    monkeypatch.setattr(pb.Docker, "cli", cli)
    monkeypatch.setattr(pb.time, "sleep", lambda seconds: None)
    pb.Docker(swarm_config).scale({"temporal": 1, "postiz": 2}, 300)
    assert calls[0] == ("service", "scale", "--detach", "demo_temporal=1", "demo_postiz=2")
    assert [call[:2] for call in calls[1:]] == [("service", "ls")] * 2


def test_swarm_scale_that_does_not_converge_names_the_service_and_the_command(pb, swarm_config, monkeypatch):
    record_cli(pb, monkeypatch, [("service", "demo_postiz 0/1 (max 1 per node)\n")])
    monkeypatch.setattr(pb.time, "sleep", lambda seconds: None)
    clock = iter(range(0, 1000, 100))
    monkeypatch.setattr(pb.time, "monotonic", lambda: next(clock))
    with pytest.raises(
        pb.BackupError, match=r"demo_postiz 0/1 running.*docker service ps --no-trunc demo_postiz$"
    ):
        pb.Docker(swarm_config).scale({"postiz": 1}, 300)


def test_swarm_replicas_are_read_with_those_asked_for(pb, swarm_config, monkeypatch):
    record_cli(pb, monkeypatch, [("service", "demo_postiz 1/3 (max 1 per node)\ndemo_temporal 0/1\n")])
    assert pb.Docker(swarm_config).running_replicas() == {"postiz": (1, 3), "temporal": (0, 1)}


def test_an_unknown_engine_is_refused(pb, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "project_name": "demo",
                "project_dir": str(tmp_path),
                "backup_dir": str(tmp_path),
                "state_dir": str(tmp_path),
                "engine": "nomad",
            }
        )
    )
    with pytest.raises(pb.BackupError, match="engine 'nomad'; known: compose, swarm"):
        pb.load_config(str(path))


def test_on_swarm_a_service_without_a_task_here_is_recorded_with_its_specs_image(
    pb, swarm_config, monkeypatch
):
    local = {
        "Id": "c1",
        "Image": "sha256:1",
        "Config": {
            "Image": "postgres:17",
            "Labels": {
                "com.docker.stack.namespace": "demo",
                "com.docker.swarm.service.name": "demo_postiz-postgres",
            },
        },
        "State": {"Status": "running"},
        "Name": "/demo_postiz-postgres.1.abc",
    }

    def cli(self, *args, **kwargs):
        if args[:2] == ("service", "ls"):
            return "demo_postiz registry.example/postiz-app:v2.23.0@sha256:abc\ndemo_postiz-postgres postgres:17\n"
        if args[0] == "ps":
            return "c1\n" if any("demo_postiz-postgres" in arg for arg in args) else ""
        if args[0] == "inspect":
            return json.dumps([local])
        return ""

    monkeypatch.setattr(pb.Docker, "cli", cli)
    images = pb.BackupRun(swarm_config, WHEN).image_versions()
    assert images["postiz"] == {"image": "registry.example/postiz-app:v2.23.0", "id": ""}
    assert images["postiz-postgres"] == {"image": "postgres:17", "id": "sha256:1"}
