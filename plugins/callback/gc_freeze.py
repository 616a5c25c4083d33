# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cheaper task forks: freeze the controller's objects before each task (see DOCUMENTATION)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: gc_freeze
type: aggregate
short_description: Makes each task's worker process cheaper to start
description:
  - Before each task, moves the objects of the controller process (C(ansible-playbook)) into
    Python's permanent garbage-collector generation (the C(gc.freeze) function). Ansible forks a worker
    process for every task and host; a worker's garbage collection then skips those objects
    instead of touching, and so copying, the memory pages that hold them.
  - The README's benchmark section gives what it saves on a re-run of C(site.yml).
  - At the start of each play it lets the collector see the frozen objects again and collects
    once, so that what the play before left as garbage is freed.
  - Prints nothing and changes no result. Enable it with C(callbacks_enabled) in C(ansible.cfg),
    as this collection's own C(ansible.cfg) does.
requirements:
  - Enabled in the Ansible configuration (C(callbacks_enabled = selfhosted.postiz.gc_freeze))
    or in E(ANSIBLE_CALLBACKS_ENABLED).
author:
  - selfhosted.postiz maintainers (@selfhosted)
"""

import gc

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Freezes the controller's objects before each task; thaws and collects at each play."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "selfhosted.postiz.gc_freeze"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_play_start(self, play):
        thaw_and_collect()

    def v2_playbook_on_task_start(self, task, is_conditional):
        gc.freeze()

    def v2_playbook_on_handler_task_start(self, task):
        gc.freeze()


def thaw_and_collect():
    """Let the collector see every object again, and free what is garbage now."""
    gc.unfreeze()
    gc.collect()
