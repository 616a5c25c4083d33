# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No task prints a container's environment (JWT_SECRET, database passwords, OAuth and AI
keys), not even at -v.

`docker inspect` results (community.docker.docker_container_info, docker_container)
hold Config.Env. Such a task must be no_log, and a loop over what it registered prints
each whole item at -v (a loop label does not stop that), so such loops must be no_log too.
"""

from __future__ import annotations

import os

import pytest
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Modules whose result carries the container's environment.
ENV_MODULES = {
    "community.docker.docker_container_info",
    "community.docker.docker_container",
}
LOOP_KEYS = ("loop", "with_items", "with_list", "with_dict", "with_subelements")


def _task_files():
    for top in ("roles", "playbooks"):
        for directory, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith((".yml", ".yaml")) and os.sep + "files" + os.sep not in directory + os.sep:
                    yield os.path.join(directory, name)


def _tasks(node):
    """Every task in a task list or play, blocks and their rescue/always included."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if any(key in node for key in ("block", "tasks", "pre_tasks", "post_tasks", "handlers")):
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
                yield from _tasks(node.get(key) or [])
        else:
            yield node


def _all_tasks():
    found = []
    for path in _task_files():
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if isinstance(data, list):
            found.extend((os.path.relpath(path, ROOT), task) for task in _tasks(data))
    return found


def _returns_env(task):
    for module in ENV_MODULES:
        if module in task:
            args = task[module] or {}
            return not (module == "community.docker.docker_container" and args.get("state") == "absent")
    return False


def _silent(task):
    return task.get("no_log") not in (None, False, "false", "no")


TASKS = _all_tasks()
ENV_TASKS = [(path, task) for path, task in TASKS if _returns_env(task)]


def test_the_scan_finds_tasks():
    assert len(TASKS) > 100


@pytest.mark.parametrize("path, task", ENV_TASKS, ids=[task.get("name", "?") for dummy, task in ENV_TASKS])
def test_a_task_reading_a_containers_environment_is_no_log(path, task):
    assert _silent(task), '{}: "{}" returns Config.Env without no_log'.format(path, task.get("name"))


def test_no_loop_prints_the_items_of_such_a_result():
    registered = {task["register"] for dummy, task in ENV_TASKS if task.get("register")}
    loud = []
    for path, task in TASKS:
        loop = " ".join(str(task.get(key, "")) for key in LOOP_KEYS)
        if any(name in loop for name in registered) and not _silent(task):
            loud.append('{}: "{}"'.format(path, task.get("name")))
    assert loud == [], f"loops print inspect results (Config.Env) at -v: {loud}"
