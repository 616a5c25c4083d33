# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tags a playbook run can be limited to (`--tags`), as the README lists them.

A tag on a few tasks of a role runs them without the tasks before them that load what they
need (the secrets, the settings): such a slice fails on its own. So the tasks carry only the
tags the README offers: a role's name (that role whole), `validate` (the checks alone),
`health` (the end-to-end check alone), and `always`."""

from __future__ import annotations

import glob
import os
import re

import yaml
from task_rules import ROOT, every_task

ROLES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(ROOT, "roles", "*")))
OFFERED = set(ROLES) | {"validate", "health", "always"}


def _tags(task):
    """The tags a task, block, play or role entry carries, with those an include applies."""
    tags = [task.get("tags") or []]
    for key in (
        "include_role",
        "include_tasks",
        "ansible.builtin.include_role",
        "ansible.builtin.include_tasks",
    ):
        if isinstance(task.get(key), dict):
            tags.append((task[key].get("apply") or {}).get("tags") or [])
    return [tag for group in tags for tag in ([group] if isinstance(group, str) else group)]


def _files():
    patterns = ("roles/*/tasks/*.yml", "roles/*/handlers/*.yml", "playbooks/*.yml", "*.yml")
    for pattern in patterns:
        yield from sorted(glob.glob(os.path.join(ROOT, pattern)))


def test_every_task_tag_is_one_the_readme_offers():
    found = {}
    for path in _files():
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if not isinstance(data, list):
            continue
        for task in every_task(data):
            for tag in _tags(task):
                found.setdefault(tag, os.path.relpath(path, ROOT))
    assert found, "no tag found: the walk over the task files is broken"
    assert {tag: path for tag, path in found.items() if tag not in OFFERED} == {}


def test_the_readme_lists_the_offered_tags():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    section = readme.split("### Running part of `site.yml`", 1)[1].split("\n#", 1)[0]
    listed = set(re.findall(r"`([a-z_]+)`", section))
    assert {
        "validate",
        "health",
        "always",
        "docker_host",
        "postiz_stack",
        "backup_cron",
        "mcp_client",
    } <= listed
    assert listed - OFFERED - {"site.yml", "tags", "skip_tags"} == set()
