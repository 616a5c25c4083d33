# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""When a deploy records the images the stack runs (images.json), on Compose and on Swarm.

The condition of finish.yml's record step is rendered by Ansible for the results a deploy
leaves. On Swarm, Compose's `up` is always skipped: the record must not depend on it."""

from __future__ import annotations

import glob
import os

import yaml
from task_rules import ROOT, every_task, load_task, render_cases

FINISH = "roles/postiz_stack/tasks/finish.yml"
RECORD = "Record the images the stack runs"


def _records(cases):
    task = load_task(FINISH, RECORD)
    condition = " and ".join(f"({item})" for item in task["when"])
    rendered = render_cases("{{ " + condition + " }}", cases)
    return [str(value).strip() == "True" for value in rendered]


def test_compose_records_after_up_and_swarm_always():
    skipped = {"skipped": True, "changed": False}
    ran = {"changed": True, "failed": False}
    assert _records(
        [
            {"postiz_stack_state": "present", "postiz_engine": "compose", "__postiz_stack_compose_up": ran},
            # A dry run of a first deploy: Compose could not preview `up`.
            {
                "postiz_stack_state": "present",
                "postiz_engine": "compose",
                "__postiz_stack_compose_up": skipped,
            },
            {"postiz_stack_state": "present", "postiz_engine": "swarm", "__postiz_stack_compose_up": skipped},
            {"postiz_stack_state": "present", "postiz_engine": "swarm"},
            {"postiz_stack_state": "absent", "postiz_engine": "swarm", "__postiz_stack_compose_up": skipped},
        ]
    ) == [True, False, True, True, False]


def test_no_task_var_shares_a_name_with_a_registered_variable_of_its_role():
    # A registered variable outranks a task's vars: a task var of the same name would read
    # the registered result instead of its own value.
    clashes = []
    for role in sorted(glob.glob(os.path.join(ROOT, "roles", "*"))):
        tasks = []
        for path in sorted(glob.glob(os.path.join(role, "tasks", "*.yml"))):
            with open(path, encoding="utf-8") as handle:
                tasks.extend((os.path.basename(path), task) for task in every_task(yaml.safe_load(handle)))
        registered = {task["register"] for _path, task in tasks if "register" in task}
        for path, task in tasks:
            for name in set(task.get("vars") or {}) & registered:
                clashes.append(f"{os.path.basename(role)}/{path}: {task.get('name')}: {name}")
    assert clashes == []
