# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The restore (playbooks/restore.yml, and the upgrade's rollback, which runs the same tasks)
leaves stopping the app and replacing the data to the backup command, which does both under
the lock a scheduled backup takes: no task of theirs stops a service by itself, so a nightly
backup can never start with the app stopped half-way through a restore."""

from __future__ import annotations

import glob
import os

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
FILES = [
    *sorted(glob.glob(os.path.join(ROOT, "roles", "backup_cron", "tasks", "restore*.yml"))),
    os.path.join(ROOT, "roles", "postiz_upgrade", "tasks", "rollback.yml"),
]


def tasks_in(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks_in(task.get(key))


def all_tasks():
    for path in FILES:
        with open(path, encoding="utf-8") as handle:
            for task in tasks_in(yaml.safe_load(handle)):
                yield os.path.relpath(path, ROOT), task


def test_the_files_are_found():
    names = {os.path.basename(path) for path in FILES}
    assert {"restore.yml", "restore_apply.yml", "restore_unpack.yml", "rollback.yml"} <= names


def test_no_restore_task_stops_a_service_outside_the_backup_command():
    stopping = []
    for path, task in all_tasks():
        compose = task.get("community.docker.docker_compose_v2")
        if compose is not None and compose.get("state", "present") != "present":
            stopping.append((path, task["name"]))
        container = task.get("community.docker.docker_container")
        if container is not None and container.get("state") in ("stopped", "absent"):
            stopping.append((path, task["name"]))
        command = task.get("ansible.builtin.command") or task.get("ansible.builtin.shell") or {}
        text = command if isinstance(command, str) else str(command.get("argv") or command.get("cmd") or "")
        if "docker" in text and (" stop" in text or "'stop'" in text):
            stopping.append((path, task["name"]))
    assert stopping == []


def test_the_backup_command_stops_and_restores():
    restores = [
        task
        for path, task in all_tasks()
        if "'restore'" in str((task.get("ansible.builtin.command") or {}).get("argv", ""))
    ]
    assert len(restores) == 1
    argv = restores[0]["ansible.builtin.command"]["argv"]
    assert "--no-safety-backup" in argv and "backup_cron_restore_safety_backup" in argv
