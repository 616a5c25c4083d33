# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""When a re-run may leave the stack alone: postiz_up_reasons and postiz_deploy_record."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.stack import (
    FilterModule,
    postiz_deploy_record,
    postiz_up_reasons,
)

SERVICES = ["postiz", "postiz-postgres", "temporal"]
PROJECT = [*SERVICES, "caddy"]


def container(service, cid=None, state="running", status="Up 5 minutes (healthy)", image=None, oneoff=False):
    """One entry as docker_host_info lists it with verbose_output."""
    return {
        "Id": cid or f"id-{service}",
        "Names": [f"/postiz-{service}-1"],
        "Image": image or f"example/{service}:1",
        "State": state,
        "Status": status,
        "Labels": {
            "com.docker.compose.project": "postiz",
            "com.docker.compose.service": service,
            "com.docker.compose.oneoff": "True" if oneoff else "False",
        },
    }


def deployed():
    containers = [container(service) for service in SERVICES]
    return containers, json.dumps(postiz_deploy_record(containers, SERVICES))


def images_of(containers):
    return json.dumps({c["Labels"]["com.docker.compose.service"]: c["Image"] for c in containers})


def test_the_stack_as_deployed_needs_no_up():
    containers, record = deployed()
    assert postiz_up_reasons(containers, record, SERVICES, PROJECT, images_of(containers)) == []
    assert postiz_up_reasons(containers, record, SERVICES) == []


def test_a_container_without_healthcheck_counts_as_healthy():
    containers, record = deployed()
    containers[0]["Status"] = "Up 3 hours"
    assert postiz_up_reasons(containers, record, SERVICES) == []


@pytest.mark.parametrize("record", ["", "not json", "[]", "{}", None])
def test_without_a_readable_record_the_stack_is_brought_up(record):
    containers = deployed()[0]
    assert postiz_up_reasons(containers, record, SERVICES) == [
        "there is no readable record of the containers the last deploy created"
    ]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda c: c.pop(0), "postiz does not run the one container the last deploy created"),
        (
            lambda c: c[0].update(Id="recreated"),
            "postiz does not run the one container the last deploy created",
        ),
        (
            lambda c: c.append(container("postiz", cid="second")),
            "postiz does not run the one container the last deploy created",
        ),
        (
            lambda c: c[1].update(State="exited", Status="Exited (0) 1 minute ago"),
            "postiz-postgres is exited",
        ),
        (lambda c: c[1].update(State="paused"), "postiz-postgres is paused"),
        (lambda c: c[2].update(Status="Up 2 seconds (health: starting)"), "temporal is starting"),
        (lambda c: c[2].update(Status="Up 2 minutes (unhealthy)"), "temporal is unhealthy"),
        (
            lambda c: c.append(container("elasticsearch")),
            "containers of services the Compose file no longer has: elasticsearch",
        ),
    ],
)
def test_each_drift_is_a_reason_to_bring_the_stack_up(change, said):
    containers, record = deployed()
    change(containers)
    assert postiz_up_reasons(containers, record, SERVICES, PROJECT) == [said]


def test_one_off_containers_are_not_the_services():
    containers, record = deployed()
    containers.append(container("postiz", cid="run-1", state="exited", oneoff=True))
    assert postiz_up_reasons(containers, record, SERVICES, PROJECT, images_of(containers[:3])) == []


def test_the_proxy_of_the_project_is_no_orphan():
    containers, record = deployed()
    containers.append(container("caddy"))
    assert postiz_up_reasons(containers, record, SERVICES, PROJECT, images_of(containers)) == []


@pytest.mark.parametrize("images", ["", "{}", '{"postiz": "example/postiz:0"}', "garbage"])
def test_an_images_record_that_does_not_say_what_runs_is_a_reason(images):
    containers, record = deployed()
    assert postiz_up_reasons(containers, record, SERVICES, PROJECT, images) == [
        "images.json does not say what the containers run"
    ]


def test_the_record_maps_each_service_to_its_container_id():
    containers = [
        container("postiz", cid="a"),
        container("temporal", cid="b"),
        container("postiz", cid="c", oneoff=True),
    ]
    assert postiz_deploy_record(containers, ["postiz", "temporal", "postiz-redis"]) == {
        "postiz": "a",
        "temporal": "b",
    }


@pytest.mark.parametrize("bad", ["text", None, 3])
def test_the_filters_refuse_what_is_no_container_list(bad):
    with pytest.raises(AnsibleFilterError, match="list of containers"):
        postiz_up_reasons(bad, "{}", SERVICES)
    with pytest.raises(AnsibleFilterError, match="list of containers"):
        postiz_deploy_record(bad, SERVICES)


def test_the_services_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match="services must be a list"):
        postiz_up_reasons([], "{}", "postiz")


def test_both_filters_are_registered():
    filters = FilterModule().filters()
    assert filters["postiz_up_reasons"] is postiz_up_reasons
    assert filters["postiz_deploy_record"] is postiz_deploy_record
