# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gc_freeze callback: objects frozen before each task, thawed and collected at each play,
and enabled by the repository's ansible.cfg."""

from __future__ import annotations

import gc
import weakref

import pytest

from ansible_collections.selfhosted.postiz.plugins.callback.gc_freeze import CallbackModule
from ansible_collections.selfhosted.postiz.tests.unit.recorded_playbook import run_recorded


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def callback():
    gc.unfreeze()
    yield CallbackModule()
    gc.unfreeze()


def _unreachable_cycle():
    node = Node()
    return weakref.ref(node)


def test_task_start_freezes_what_exists(callback):
    assert gc.get_freeze_count() == 0
    callback.v2_playbook_on_task_start(None, False)
    assert gc.get_freeze_count() > 0


def test_handler_start_freezes_too(callback):
    callback.v2_playbook_on_handler_task_start(None)
    assert gc.get_freeze_count() > 0


def test_collections_skip_frozen_objects_until_the_next_play(callback):
    garbage = _unreachable_cycle()
    callback.v2_playbook_on_task_start(None, False)
    gc.collect()
    assert garbage() is not None, "a frozen cycle was collected: the freeze did not happen"
    callback.v2_playbook_on_play_start(None)
    assert gc.get_freeze_count() == 0
    assert garbage() is None, "the garbage of the play before was kept"


def test_the_repository_configuration_loads_it(tmp_path, monkeypatch):
    # Only ansible.cfg's callbacks_enabled: an environment setting would replace it.
    monkeypatch.delenv("ANSIBLE_CALLBACKS_ENABLED", raising=False)
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: One task\n      ansible.builtin.debug:\n        msg: answered\n",
        encoding="utf-8",
    )
    rc, _tasks, out, err = run_recorded(tmp_path, "-vvvv", str(play))
    assert rc == 0, out[-2000:] + err[-2000:]
    assert "Loading callback plugin selfhosted.postiz.gc_freeze" in out
