# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a service is enabled and running, as ``docker_setup_info`` reads it: a host laid
out in a tmp directory (systemd's runtime directory, init scripts, runlevel links) and a
``run`` that answers for the commands."""

from __future__ import annotations

import os

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils._docker_setup import service_states

SHOW = ["systemctl", "show", "--property=UnitFileState,ActiveState", "--"]


class Commands:
    """argv tuple -> (rc, out, err), or an OSError to raise; each call is recorded."""

    def __init__(self):
        self.answers, self.calls = {}, []

    def __call__(self, argv):
        self.calls.append(list(argv))
        answer = self.answers.get(tuple(argv))
        if isinstance(answer, OSError):
            raise answer
        if answer is None:
            raise AssertionError(f"unexpected command {argv}")
        return answer


@pytest.fixture
def run():
    return Commands()


def _host(root, systemd=False, scripts=(), links=()):
    if systemd:
        os.makedirs(root / "run/systemd/system")
    os.makedirs(root / "etc/init.d")
    for name in scripts:
        (root / "etc/init.d" / name).write_text("#!/bin/sh\n")
    for link in links:
        directory, name = link.split("/")
        os.makedirs(root / "etc" / directory, exist_ok=True)
        os.symlink(f"../init.d/{name[3:]}", root / "etc" / directory / name)
    return str(root)


def test_no_service_asks_nothing(run, tmp_path):
    assert service_states(run, [], root=_host(tmp_path, systemd=True)) == {}
    assert run.calls == []


def test_systemd_answers_all_units_in_one_call(run, tmp_path):
    root = _host(tmp_path, systemd=True)
    run.answers[(*SHOW, "cron", "postiz-backup-a.timer", "missing")] = (
        0,
        "UnitFileState=enabled\nActiveState=active\n\n"
        "ActiveState=inactive\nUnitFileState=disabled\n\n"
        "UnitFileState=\nActiveState=inactive\n",
        "",
    )
    assert service_states(run, ["cron", "postiz-backup-a.timer", "missing", "cron"], root=root) == {
        "cron": {"manager": "systemd", "enabled": True, "active": True},
        "postiz-backup-a.timer": {"manager": "systemd", "enabled": False, "active": False},
        # A unit systemd does not know has no file state: unknown, so a play starts it.
        "missing": {"manager": "systemd", "enabled": None, "active": False},
    }
    assert len(run.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [
        FileNotFoundError(2, "No such file or directory"),
        (1, "", "Failed to connect to bus: No such file or directory"),
        (0, "UnitFileState=enabled\nActiveState=active\n", ""),  # one block for two units
    ],
    ids=["no-systemctl", "no-bus", "short-answer"],
)
def test_systemd_that_cannot_answer_leaves_both_unknown(run, tmp_path, answer):
    run.answers[(*SHOW, "cron", "docker")] = answer
    unknown = {"manager": "systemd", "enabled": None, "active": None}
    assert service_states(run, ["cron", "docker"], root=_host(tmp_path, systemd=True)) == {
        "cron": unknown,
        "docker": unknown,
    }


def test_sysv_enabled_by_a_start_link_and_running_by_its_status(run, tmp_path):
    root = _host(tmp_path, scripts=["cron", "exim4"], links=["rc2.d/S01cron", "rc0.d/K01exim4"])
    run.answers[(f"{root}/etc/init.d/cron", "status")] = (0, "cron is running.\n", "")
    run.answers[(f"{root}/etc/init.d/exim4", "status")] = (3, "exim4 is not running ... failed!\n", "")
    assert service_states(run, ["cron", "exim4"], root=root) == {
        "cron": {"manager": "sysv", "enabled": True, "active": True},
        # A stop link only: not enabled.
        "exim4": {"manager": "sysv", "enabled": False, "active": False},
    }


def test_sysv_without_an_init_script_is_neither_and_runs_nothing(run, tmp_path):
    assert service_states(run, ["cron"], root=_host(tmp_path)) == {
        "cron": {"manager": "sysv", "enabled": False, "active": False}
    }
    assert run.calls == []


def test_sysv_script_that_cannot_run_leaves_running_unknown(run, tmp_path):
    root = _host(tmp_path, scripts=["cron"], links=["rc2.d/S01cron"])
    run.answers[(f"{root}/etc/init.d/cron", "status")] = PermissionError(13, "Permission denied")
    assert service_states(run, ["cron"], root=root) == {
        "cron": {"manager": "sysv", "enabled": True, "active": None}
    }
