# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The compose template drops every capability of the data services and the proxy and
gives back only what their entrypoints need; YAML merge keys carry it to each service."""

from __future__ import annotations

import os

import pytest
import yaml
from compose_template import ROOT, render

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model

SWITCHES = {"proxy": True}
SERVICES = model.service_names(SWITCHES)
DATA_SERVICES = model.service_names(role=["database", "cache", "workflow_database", "workflow"])
PROXY = model.PROXY_SERVICE


@pytest.fixture(scope="module")
def project():
    return render()


@pytest.fixture(scope="module")
def services(project):
    return project["services"]


def test_the_template_renders_every_service_and_volume(project):
    assert sorted(project["services"]) == sorted(SERVICES)
    assert sorted(project["volumes"]) == sorted(model.volumes(SWITCHES))
    assert sorted(project["services"]["postiz"]["depends_on"]) == sorted(
        [*DATA_SERVICES[:2], model.TEMPORAL_SERVICE]
    )


@pytest.mark.parametrize("service", DATA_SERVICES)
def test_data_services_keep_only_what_their_entrypoint_needs(services, service):
    assert services[service]["cap_drop"] == ["ALL"]
    assert services[service]["cap_add"] == ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]


@pytest.mark.parametrize("service", [*DATA_SERVICES, PROXY])
def test_the_merge_keeps_the_common_hardening(services, service):
    assert services[service]["security_opt"] == ["no-new-privileges:true"]
    assert services[service]["restart"] == "always"


def test_the_proxy_may_only_bind_low_ports(services):
    assert services[PROXY]["cap_drop"] == ["ALL"]
    assert services[PROXY]["cap_add"] == ["NET_BIND_SERVICE"]


def test_the_app_keeps_the_default_set(services):
    assert "cap_drop" not in services["postiz"]


@pytest.mark.parametrize("start_interval", [True, False])
def test_start_interval_only_where_the_engine_takes_it(start_interval):
    healthchecks = {
        name: service["healthcheck"]
        for name, service in render(start_interval=start_interval)["services"].items()
    }
    assert set(healthchecks) == set(SERVICES)
    for name, check in healthchecks.items():
        assert check["start_period"], name
        assert check.get("start_interval") == ("1s" if start_interval else None), name
        # The timing, in its order, is the stack description's for that engine.
        assert {k: v for k, v in check.items() if k != "test"} == model.healthcheck_timing(
            name, start_interval
        )
        assert list(check)[1:] == list(model.healthcheck_timing(name, start_interval)), name


def _template(expression, variables):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    try:  # ansible-core 2.19 templates only what is marked as trusted
        from ansible.template import trust_as_template
    except ImportError:  # 2.17
        trust_as_template = str
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


@pytest.mark.parametrize(
    "answer, takes_it",
    [
        ({"host_info": {"ServerVersion": "20.10.24+dfsg1"}}, False),
        ({"host_info": {"ServerVersion": "24.0.7"}}, False),
        ({"host_info": {"ServerVersion": "25.0.0"}}, True),
        ({"host_info": {"ServerVersion": "28.5.1"}}, True),
        ({"failed": True, "msg": "Error connecting: no daemon"}, False),
    ],
)
def test_the_engine_version_decides_start_interval(answer, takes_it):
    with open(os.path.join(ROOT, "roles", "postiz_stack", "vars", "main.yml"), encoding="utf-8") as handle:
        expression = yaml.safe_load(handle)["__postiz_stack_start_interval"]
    rendered = _template(expression, {"__postiz_stack_docker_host": answer})
    assert str(rendered).strip() == str(takes_it)


def test_the_app_probe_asks_the_ipv4_loopback(services):
    # Docker 26 gives containers an IPv6 loopback: `localhost` resolves to ::1 first there,
    # where an app listening on IPv4 never answers.
    # tests/unit/test_app_probe.py runs the probe against a server on 127.0.0.1 alone.
    probe = " ".join(services["postiz"]["healthcheck"]["test"])
    assert "host: '127.0.0.1', port: 5000" in probe
    assert "localhost" not in probe


@pytest.mark.parametrize(
    "checked, takes_it",
    [
        ({"host_info": {"ServerVersion": "26.1.5"}, "containers": []}, True),
        ({"host_info": {"ServerVersion": "20.10.24"}, "containers": []}, False),
        ({"failed": False, "msg": "Error connecting"}, False),
    ],
)
def test_the_version_checks_answer_serves_when_the_engine_was_not_asked_again(checked, takes_it):
    # project.yml skips its own question when the version check's listing carried the engine's version.
    with open(os.path.join(ROOT, "roles", "postiz_stack", "vars", "main.yml"), encoding="utf-8") as handle:
        expression = yaml.safe_load(handle)["__postiz_stack_start_interval"]
    rendered = _template(
        expression,
        {
            "__postiz_stack_docker_host": {"skipped": True, "changed": False},
            "__postiz_stack_app_container": checked,
        },
    )
    assert str(rendered).strip() == str(takes_it)


def test_without_any_answer_the_engine_takes_no_start_interval():
    with open(os.path.join(ROOT, "roles", "postiz_stack", "vars", "main.yml"), encoding="utf-8") as handle:
        expression = yaml.safe_load(handle)["__postiz_stack_start_interval"]
    assert str(_template(expression, {})).strip() == "False"


def test_no_certificate_authorities_file_adds_no_mount_and_no_label():
    app = render()["services"]["postiz"]
    assert app["volumes"] == ["postiz-uploads:/uploads"]
    assert "labels" not in app


def test_a_certificate_authorities_file_is_mounted_read_only_and_labelled_by_its_checksum():
    app = render(ca_certificates="/etc/ssl/certs/ca-certificates.crt")["services"]["postiz"]
    assert app["volumes"][1] == {
        "type": "bind",
        "source": "/etc/ssl/certs/ca-certificates.crt",
        "target": "/usr/local/share/postiz/extra-ca-certificates.pem",
        "read_only": True,
    }
    assert app["labels"] == {"selfhosted.postiz.ca-certificates-sha1": "0123abcd"}
