# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role's variables are declared, described and documented in one consistent way.

A default without an argument spec escapes validation; an option without a default or a
README row is a setting users cannot find. README tables may shorten a family of names:
`backup_cron_keep_daily` / `_weekly` stands for backup_cron_keep_weekly too.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ROLES_DIR = os.path.join(ROOT, "roles")
ROLES = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))

# Options that have no default on purpose, with the reason.
NO_DEFAULT = {
    # Read from the running stack by the admin bootstrap; a user may give it instead.
    "postiz_stack_api_key",
}


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _defaults(role):
    values = {}
    directory = os.path.join(ROLES_DIR, role, "defaults")
    main = os.path.join(directory, "main.yml")
    if os.path.isfile(main):
        values.update(_load(main))
    if os.path.isdir(os.path.join(directory, "main")):
        for name in sorted(os.listdir(os.path.join(directory, "main"))):
            values.update(_load(os.path.join(directory, "main", name)))
    return values


def _specs(role):
    return _load(os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml"))["argument_specs"]


def _all_options(role):
    options = {}
    for entry in _specs(role).values():
        options.update(entry.get("options") or {})
    return options


def _table_row_names(line, known):
    """The variable names one README table row mentions, shorthand families expanded."""
    tokens = re.findall(r"`([A-Za-z0-9_.]+)`", line)
    full = [token for token in tokens if not token.startswith("_")]
    names = set(full)
    for short in (token for token in tokens if token.startswith("_")):
        for name in full:
            for cut in (index for index, char in enumerate(name) if char == "_"):
                if name[:cut] + short in known:
                    names.add(name[:cut] + short)
    return names


def _readme_names(role, known):
    with open(os.path.join(ROLES_DIR, role, "README.md"), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    names = set()
    for line in lines:
        if line.startswith("|"):
            names |= _table_row_names(line, known)
    return names


@pytest.mark.parametrize("role", ROLES)
def test_every_default_has_an_argument_spec(role):
    assert sorted(set(_defaults(role)) - set(_all_options(role))) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_main_option_has_a_default(role):
    main = set(_specs(role).get("main", {}).get("options") or {})
    assert sorted(main - set(_defaults(role)) - NO_DEFAULT) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_typed_and_described(role):
    for entry_point, entry in _specs(role).items():
        assert entry.get("short_description"), entry_point
        for name, option in (entry.get("options") or {}).items():
            assert option.get("type"), f"{entry_point}: {name} has no type"
            assert option.get("description"), f"{entry_point}: {name} has no description"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_in_the_readme_table(role):
    defaults = set(_defaults(role))
    assert sorted(defaults - _readme_names(role, defaults)) == []


def test_the_shorthand_expands_only_to_known_names():
    known = {"backup_cron_keep_daily", "backup_cron_keep_weekly", "backup_cron_project_name"}
    line = "| `backup_cron_keep_daily` / `_weekly` / `_yearly`, `_project_name` | `7` | x |"
    assert _table_row_names(line, known) == {
        "backup_cron_keep_daily",
        "backup_cron_keep_weekly",
        "backup_cron_project_name",
        "7",
    }
