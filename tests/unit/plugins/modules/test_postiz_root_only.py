# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's real ``main()``: it reports, changes nothing and never fails on a finding.
Whoever runs the tests stands for root (the tmp directory is theirs)."""

from __future__ import annotations

import functools
import os

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _root_only as root_only
from ansible_collections.selfhosted.postiz.plugins.modules import postiz_root_only


@pytest.fixture
def run(run_module, monkeypatch):
    monkeypatch.setattr(root_only, "ROOT", (0, os.geteuid()))
    return functools.partial(run_module, postiz_root_only.main)


@pytest.fixture
def tree(tmp_path):
    os.chmod(tmp_path, 0o755)
    (tmp_path / "playbooks").mkdir(mode=0o755)
    (tmp_path / "playbooks" / "maintenance.yml").write_text("---\n")
    os.chmod(tmp_path / "playbooks" / "maintenance.yml", 0o644)
    return tmp_path


@pytest.mark.parametrize("check_mode", [False, True])
def test_nothing_found_in_a_tree_only_root_can_change(run, tree, check_mode):
    result = run(paths=[str(tree / "playbooks/maintenance.yml")], trees=[str(tree)], check_mode=check_mode)
    assert result["changed"] is False
    assert "failed" not in result
    assert result["problems"] == []
    assert result["checked"] >= 3


def test_findings_are_reported_not_failed(run, tree):
    os.chmod(tree / "playbooks", 0o777)
    result = run(paths=[str(tree / "missing.yml")], trees=[str(tree)])
    assert "failed" not in result and result["changed"] is False
    assert result["problems"] == [
        "%s does not exist" % (tree / "missing.yml"),
        "%s is writable by everyone (mode 0777)" % (tree / "playbooks"),
    ]


def test_a_limit_below_one_is_refused(run, tree):
    result = run(trees=[str(tree)], limit=0)
    assert result["failed"] is True
    assert result["msg"] == "limit must be at least 1, not 0."
