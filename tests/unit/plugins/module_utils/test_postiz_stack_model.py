# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack's one description and its one health rule.

The cases under "where the old copies disagreed" are the ones on which the four earlier copies of
the rule (deploy's Jinja filter chain, the upgrade's namespace() loop, postiz_health and the backup
command) gave different answers; each says which answer is now the rule.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.stack import (
    FilterModule,
    postiz_container_problems,
    postiz_healthcheck_timing,
    postiz_services,
    postiz_stack_services,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

CORE = ["postiz", "postiz-postgres", "postiz-redis", "temporal-postgresql", "temporal"]
ONEOFF = "com.docker.compose.project=postiz,com.docker.compose.oneoff=True,com.docker.compose.service=%s"
OWN = "com.docker.compose.project=postiz,com.docker.compose.oneoff=False,com.docker.compose.service=%s"


def entry(service, state="running", health="healthy", image=None, name=None, oneoff=False, status=""):
    return {
        "Service": service,
        "State": state,
        "Health": health,
        "Image": image or f"{service}:1",
        "Name": name or f"postiz-{service}-1",
        "Status": status,
        "Labels": (ONEOFF if oneoff else OWN) % service,
    }


def healthy_stack(services=None):
    return [entry(service) for service in (CORE if services is None else services)]


# -- the services --------------------------------------------------------------------------


def test_the_core_services_run_by_default_in_the_order_the_role_always_used():
    assert model.service_names() == CORE
    assert list(model.CORE_SERVICES) == CORE


@pytest.mark.parametrize(
    "switches, running, external",
    [
        (
            {"external_database": True},
            ["postiz", "postiz-redis", "temporal-postgresql", "temporal"],
            ["postiz-postgres"],
        ),
        (
            {"external_redis": "True"},
            ["postiz", "postiz-postgres", "temporal-postgresql", "temporal"],
            ["postiz-redis"],
        ),
        (
            {"temporal_cloud": True},
            ["postiz", "postiz-postgres", "postiz-redis"],
            ["temporal-postgresql", "temporal"],
        ),
        ({"external_database": "False", "external_redis": "", "temporal_cloud": False}, CORE, []),
        (
            {"temporal_ui": True, "elasticsearch": True, "proxy": True},
            [*CORE, "temporal-ui", "temporal-elasticsearch", "postiz-proxy"],
            [],
        ),
    ],
)
def test_switches_move_services_elsewhere_or_turn_them_on(switches, running, external):
    assert model.service_names(switches) == running
    assert model.service_names(switches, "external") == external


def test_every_service_has_a_role_an_image_key_a_health_rule_and_one_role_each():
    records = model.services(state="all")
    assert [r["name"] for r in records] == [*CORE, "temporal-ui", "temporal-elasticsearch", "postiz-proxy"]
    assert len({r["role"] for r in records}) == len(records)
    assert all(r["image_key"] == r["name"] and r["health"] for r in records)
    assert model.services(role="proxy", state="all")[0]["state"] == "off"


def test_the_names_other_modules_import_come_from_the_model():
    assert model.APP_SERVICE == "postiz"
    assert model.POSTGRES_SERVICES == ("postiz-postgres", "temporal-postgresql")
    assert model.REDIS_SERVICE == "postiz-redis"
    assert model.TEMPORAL_SERVICE == "temporal"
    assert model.PROXY_SERVICE == "postiz-proxy"
    assert model.APP_DEPENDENCIES == (
        ("postiz-postgres", 5432, "PostgreSQL"),
        ("postiz-redis", 6379, "Redis"),
        ("temporal", 7233, "Temporal"),
    )
    assert model.service_names(role=["database", "workflow_database"]) == list(model.POSTGRES_SERVICES)


def test_volumes_follow_the_services_that_run():
    assert model.volumes() == [
        "postiz-uploads",
        "postgres-volume",
        "postiz-redis-data",
        "temporal-postgres-data",
    ]
    assert model.volumes({"external_database": True, "temporal_cloud": True, "proxy": True}) == [
        "postiz-uploads",
        "postiz-redis-data",
        "caddy-data",
        "caddy-config",
    ]


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="state must be"):
        model.services(state="up")


# -- the health rule -------------------------------------------------------------------------


def test_a_healthy_stack_has_no_problem():
    assert model.container_problems(healthy_stack(), CORE) == []
    assert model.container_problems(healthy_stack()) == []


@pytest.mark.parametrize(
    "bad, said",
    [
        (None, "temporal has no container"),
        (
            entry("temporal", "exited", "", status="Exited (1) 2 minutes ago"),
            "temporal is exited (Exited (1) 2 minutes ago)",
        ),
        (entry("temporal", "created", ""), "temporal is created"),
        (entry("temporal", health="unhealthy"), "temporal is unhealthy"),
        (entry("temporal", health="starting"), "temporal is starting"),
    ],
)
def test_each_kind_of_problem_is_one_sentence(bad, said):
    entries = healthy_stack(CORE[:-1]) + ([bad] if bad else [])
    assert model.container_problems(entries, CORE) == [said]


def test_a_container_without_healthcheck_is_healthy_when_it_runs():
    assert model.container_problems([entry("postiz", health="")], ["postiz"]) == []


def test_an_expected_image_must_be_run_exactly():
    entries = healthy_stack()
    expect = {service: f"{service}:1" for service in CORE}
    assert model.container_problems(entries, expect) == []
    expect["postiz"] = "postiz:2"
    assert model.container_problems(entries, expect) == ["postiz runs postiz:1, not postiz:2"]


def test_a_stopped_container_is_reported_before_its_image_and_its_image_before_its_health():
    expect = {"postiz": "postiz:2"}
    assert model.container_problems([entry("postiz", "exited", "unhealthy")], expect) == ["postiz is exited"]
    assert model.container_problems([entry("postiz", health="unhealthy")], expect) == [
        "postiz runs postiz:1, not postiz:2"
    ]


def test_labels_as_a_dict_work_as_well_as_composes_string():
    oneoff = dict(entry("postiz", "exited"), Labels={"com.docker.compose.oneoff": "True"})
    assert model.is_oneoff(oneoff)
    assert model.container_problems([oneoff, entry("postiz")], ["postiz"]) == []


# -- where the old copies disagreed ------------------------------------------------------------


def test_a_one_off_container_is_not_the_service():
    """`docker compose run postiz-postgres psql ...` left an exited container: deploy's filter chain
    and the upgrade's loop reported the service stopped (the loop even let it hide the real one);
    postiz_health ignored it. Ignored now."""
    entries = [
        *healthy_stack(),
        entry("postiz-postgres", "exited", "", name="postiz-postgres-run-1a2b", oneoff=True),
    ]
    assert model.container_problems(entries, CORE) == []
    assert model.container_problems(entries) == []


def test_a_one_off_container_alone_does_not_stand_for_its_service():
    entries = [*healthy_stack(CORE[1:]), entry("postiz", name="postiz-postiz-run-1", oneoff=True)]
    assert model.container_problems(entries, CORE) == ["postiz has no container"]


def test_a_stopped_leftover_beside_a_healthy_container_is_no_problem():
    """Deploy's filter chain failed on any stopped container; the upgrade's loop kept whichever came
    last; postiz_health and the backup command preferred the running one. The running one wins."""
    leftover = entry("postiz", "exited", "", name="postiz-postiz-2")
    for entries in ([*healthy_stack(), leftover], [leftover, *healthy_stack()]):
        assert model.container_problems(entries, CORE) == []


def test_of_two_running_containers_the_healthy_one_speaks_for_the_service():
    sick = entry("temporal", health="unhealthy", name="postiz-temporal-2")
    for entries in ([*healthy_stack(), sick], [sick, *healthy_stack()]):
        assert model.container_problems(entries, CORE) == []


def test_of_two_healthy_containers_the_one_on_the_expected_image_wins():
    old = entry("postiz", image="postiz:1", name="postiz-postiz-1")
    new = entry("postiz", image="postiz:2", name="postiz-postiz-2")
    assert model.container_problems([old, new], {"postiz": "postiz:2"}) == []
    assert model.container_problems([new, old], {"postiz": "postiz:1"}) == []


def test_between_equals_the_first_name_wins_whatever_the_order():
    one = entry("postiz", "exited", "", name="a", status="Exited (0)")
    two = entry("postiz", "exited", "", name="b", status="Exited (1)")
    assert model.container_problems([two, one], ["postiz"]) == ["postiz is exited (Exited (0))"]
    assert model.container_problems([one, two], ["postiz"]) == ["postiz is exited (Exited (0))"]


def test_an_unexpected_service_is_judged_only_without_an_expected_list():
    """deploy's check judged every container Compose listed; with the expected services given, a
    service outside them (a removed optional service's orphan) is not the stack's."""
    entries = [*healthy_stack(), entry("temporal-ui", "exited", "")]
    assert model.container_problems(entries, CORE) == []
    assert model.container_problems(entries) == ["temporal-ui is exited"]


# -- the filters -------------------------------------------------------------------------------


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "postiz_services",
        "postiz_stack_services",
        "postiz_container_problems",
        "postiz_up_reasons",
        "postiz_deploy_record",
        "postiz_healthcheck_timing",
    }


def test_the_filters_read_the_model():
    assert postiz_services({}) == CORE
    assert postiz_services({"temporal_cloud": True}, "external") == ["temporal-postgresql", "temporal"]
    assert postiz_stack_services({}, role="app")[0]["volumes"] == ["postiz-uploads"]
    assert postiz_container_problems(healthy_stack(), {"postiz": "postiz:1"}) == []
    assert postiz_container_problems([entry("postiz", "exited", "")], ["postiz"]) == ["postiz is exited"]


@pytest.mark.parametrize(
    "call, said",
    [
        (lambda: postiz_services({"external_db": True}), "unknown stack switch external_db"),
        (lambda: postiz_services(["proxy"]), "must be a dict"),
        (lambda: postiz_services({}, "up"), "state must be"),
        (lambda: postiz_container_problems("postiz"), "unreadable"),
        (lambda: postiz_container_problems(42), "list of"),
        (lambda: postiz_container_problems([], "postiz"), "list of names or a dict"),
    ],
)
def test_the_filters_refuse_bad_input_with_a_sentence(call, said):
    with pytest.raises(AnsibleFilterError, match=said):
        call()


def test_the_output_of_compose_ps_is_read_as_the_upgrade_gets_it():
    """Compose >= 2.21 prints one object per line, older ones one array: the upgrade's check
    passes the command's output and {service: image}."""
    import json

    entries = [*healthy_stack(), entry("postiz", "exited", "", name="postiz-postiz-run-1", oneoff=True)]
    expect = {service: f"{service}:1" for service in CORE}
    expect["temporal"] = "temporal:2"
    said = ["temporal runs temporal:1, not temporal:2"]
    assert postiz_container_problems("\n".join(json.dumps(e) for e in entries), expect) == said
    assert postiz_container_problems(json.dumps(entries), expect) == said
    assert postiz_container_problems("", ["postiz"]) == ["postiz has no container"]


# -- healthcheck timing -------------------------------------------------------------------


def seconds(duration):
    assert duration.endswith("s") and duration[:-1].isdigit(), duration
    return int(duration[:-1])


@pytest.mark.parametrize("name", [service["name"] for service in model.SERVICES])
def test_an_older_engine_keeps_short_intervals_and_no_start_interval(name):
    timing = postiz_healthcheck_timing(name)
    assert list(timing) == ["interval", "timeout", "retries", "start_period"]
    assert seconds(timing["interval"]) <= 10
    # Failures before start_period plus retries x interval do not make a slow start unhealthy.
    assert seconds(timing["start_period"]) + timing["retries"] * seconds(timing["interval"]) >= 50


@pytest.mark.parametrize("name", [service["name"] for service in model.SERVICES])
def test_engine_25_probes_every_second_while_starting_then_every_30_s(name):
    older, timing = postiz_healthcheck_timing(name), postiz_healthcheck_timing(name, True)
    assert list(timing) == ["interval", "timeout", "retries", "start_period", "start_interval"]
    assert (timing["interval"], timing["retries"], timing["start_interval"]) == ("30s", 3, "1s")
    assert timing["timeout"] == older["timeout"]
    # Probes 30 s apart after start_period would slow a start that outlasts it: the second-by-second
    # phase covers at least as long as an older engine waits before counting failures, and a minute
    # for the data services' first start (initdb, Temporal's schema).
    assert seconds(timing["start_period"]) >= max(seconds(older["start_period"]), 30)
    if model.BY_NAME[name]["role"] in ("database", "workflow_database", "workflow", "app"):
        assert seconds(timing["start_period"]) >= 60


def test_engine_25_probes_less_often_once_started():
    # Each probe is a process in its container: per minute, the idle stack's probes.
    def per_minute(start_interval):
        return sum(
            60 / seconds(postiz_healthcheck_timing(name, start_interval)["interval"])
            for name in model.service_names()
        )

    assert per_minute(False) == 6 + 12 + 12 + 12 + 12
    assert per_minute(True) == 5 * 2


def test_the_timing_filter_names_the_services_it_knows():
    with pytest.raises(AnsibleFilterError, match="no service 'postiz-db'; known: postiz, postiz-postgres"):
        postiz_healthcheck_timing("postiz-db")
