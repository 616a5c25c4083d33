# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup command judges the stack's containers by the stack's one rule (postiz_stack_model)."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest


def inspected(cid, service, status="running", health=None, oneoff=False, image="postgres:17"):
    state = {"Status": status}
    if health:
        state["Health"] = {"Status": health}
    labels = {
        "com.docker.compose.service": service,
        "com.docker.compose.oneoff": "True" if oneoff else "False",
    }
    return {
        "Id": cid,
        "Name": f"/demo-{service}-{cid}",
        "State": state,
        "Config": {"Image": image, "Labels": labels},
    }


@pytest.fixture(name="docker")
def fixture_docker(pb):
    class FakeDocker(pb.Docker):
        containers: ClassVar[list] = []

        def cli(self, *args, input_bytes=None, timeout=None):
            if args[0] == "ps":
                return "\n".join(c["Id"] for c in self.containers)
            assert args[0] == "inspect"
            return json.dumps([c for c in self.containers if c["Id"] in args[1:]])

    return FakeDocker(
        {"docker": "docker", "project_name": "demo", "project_dir": "/srv/demo", "command_timeout": 60}
    )


def test_the_service_names_come_from_the_model(pb):
    assert pb.DEFAULTS["services"] == {
        "app": "postiz",
        "postgres": "postiz-postgres",
        "temporal_postgres": "temporal-postgresql",
        "temporal": "temporal",
    }


def test_a_one_off_container_does_not_stand_for_its_service(docker):
    docker.containers = [inspected("run1", "postiz-postgres", "exited", oneoff=True)]
    assert docker.container("postiz-postgres") is None
    docker.containers.append(inspected("own", "postiz-postgres", health="healthy"))
    assert docker.container("postiz-postgres")["Id"] == "own"


def test_the_healthy_running_container_wins_over_a_stopped_or_unhealthy_one(docker):
    docker.containers = [
        inspected("old", "postiz-postgres", "exited"),
        inspected("sick", "postiz-postgres", health="unhealthy"),
        inspected("good", "postiz-postgres", health="healthy"),
    ]
    assert docker.container("postiz-postgres")["Id"] == "good"


@pytest.mark.parametrize(
    "containers, said",
    [
        ([], "service postiz-postgres of project demo is not running (missing); nothing was backed up"),
        (
            [inspected("a", "postiz-postgres", "exited")],
            "service postiz-postgres of project demo is not running (exited)",
        ),
        (
            [inspected("a", "postiz-postgres", health="starting")],
            "service postiz-postgres of project demo is starting",
        ),
    ],
)
def test_a_required_database_must_run_healthy(pb, docker, containers, said):
    docker.containers = containers
    backup = pb.BackupRun.__new__(pb.BackupRun)
    backup.config, backup.project, backup.docker = pb.DEFAULTS, "demo", docker
    with pytest.raises(pb.BackupError, match=said.replace("(", r"\(").replace(")", r"\)")):
        backup.service_container("postgres", required=True)
    assert backup.service_container("postgres", required=False) == (containers[0] if containers else None)
