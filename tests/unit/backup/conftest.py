# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup command is a standalone script installed by the backup_cron role (not a
module or package): load it by path, once, as ``postiz_backup``."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

SCRIPT = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "roles", "backup_cron", "files", "postiz_backup.py"
)
# The script imports the stack's model as a sibling module, postiz_stack_model, the name
# backup_cron installs module_utils/_postiz_stack_model.py under.
MODEL = os.path.normpath(
    os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "plugins", "module_utils", "_postiz_stack_model.py"
    )
)


def _load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load():
    if "postiz_backup" not in sys.modules:
        if "postiz_stack_model" not in sys.modules:
            _load_by_path("postiz_stack_model", MODEL)
        _load_by_path("postiz_backup", os.path.normpath(SCRIPT))
    return sys.modules["postiz_backup"]


@pytest.fixture(name="pb", scope="session")
def fixture_pb():
    return _load()


@pytest.fixture(name="config")
def fixture_config(pb, tmp_path):
    """The configuration of project "demo" in tmp_path (nothing made on disk)."""
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "project_name": "demo",
                "project_dir": str(tmp_path / "project"),
                "backup_dir": str(tmp_path / "backups"),
                "state_dir": str(tmp_path / "state"),
            }
        )
    )
    return pb.load_config(str(path))


@pytest.fixture(name="run_config")
def fixture_run_config(config):
    """The same configuration, its backup and state directories made."""
    for key in ("backup_dir", "state_dir"):
        os.makedirs(config[key])
    return config
