# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What `docker service ls` says of a stack's services: their images, and whether each runs
the image it must with every replica (upgrade.yml's check on Docker Swarm)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.selfhosted.postiz.plugins.filter.swarm import postiz_swarm_services
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm

APP = "registry.example/postiz-app:v2.23.0"


def line(name, image, replicas):
    return json.dumps(
        {"ID": "x", "Image": image, "Mode": "replicated", "Name": name, "Ports": "", "Replicas": replicas}
    )


LINES = [
    line("demo_postiz", APP, "2/2 (max 1 per node)"),
    line("demo_postiz-postgres", "postgres:17-alpine", "1/1"),
    line("other_postiz", "other:1", "1/1"),
    "",
]


def test_the_stacks_images_by_service_name_and_no_problem_when_all_runs():
    state = swarm.services_state(LINES, "demo", {"postiz": APP, "postiz-postgres": "postgres:17-alpine"})
    assert state == {"images": {"postiz": APP, "postiz-postgres": "postgres:17-alpine"}, "problems": []}


@pytest.mark.parametrize(
    ("replicas", "image", "expected", "problem"),
    [
        (
            "1/2 (max 1 per node)",
            APP,
            {"postiz": APP},
            "demo_postiz has 1/2 (max 1 per node) replicas running",
        ),
        ("0/0", APP, {"postiz": APP}, "demo_postiz has 0/0 replicas running"),
        (
            "2/2",
            "registry.example/postiz-app:v2.22.0",
            {"postiz": APP},
            "demo_postiz runs registry.example/postiz-app:v2.22.0, not " + APP,
        ),
        ("2/2", APP, {"temporal": "temporal:1"}, "demo_temporal is not a service of the swarm"),
    ],
)
def test_each_problem_is_one_sentence(replicas, image, expected, problem):
    assert swarm.services_state([line("demo_postiz", image, replicas)], "demo", expected)["problems"] == [
        problem
    ]


def test_a_digest_the_cli_shows_does_not_count_as_another_image():
    state = swarm.services_state(
        [line("demo_postiz", APP + "@sha256:" + "a" * 64, "1/1")], "demo", {"postiz": APP}
    )
    assert state["problems"] == [] and state["images"]["postiz"] == APP


def test_the_filter_refuses_what_is_not_lines_with_a_sentence():
    with pytest.raises(Exception, match="lines of `docker service ls"):
        postiz_swarm_services("text", "demo")
    with pytest.raises(Exception, match="not a line of `docker service ls --format json`"):
        postiz_swarm_services(["{not json"], "demo")
    assert postiz_swarm_services(LINES, "demo")["problems"] == []


def test_docker_swarm_info_services_give_the_images():
    services = [
        {"ID": "x", "Name": "demo_postiz", "Mode": "Replicated", "Replicas": 2, "Image": APP, "Ports": []}
    ]
    assert swarm.services_state(services, "demo")["images"] == {"postiz": APP}
