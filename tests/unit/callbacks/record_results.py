# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stdout callback for tests that run ansible-playbook: prints every task's name and result
as one JSON document at the end. ansible-core 2.17 has no built-in JSON callback (it lives in
ansible.posix there), and the unit tests run under 2.17 and 2.19 alike."""

from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "record_results"

    def __init__(self):
        super().__init__()
        self.tasks = []

    def _record(self, result, **outcome):
        entry = dict(result._result)  # pylint: disable=protected-access
        entry.update(outcome)
        task = result._task  # pylint: disable=protected-access
        self.tasks.append({"name": task.get_name(), "action": task.action, "result": entry})

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        self._display.display(json.dumps({"tasks": self.tasks}, default=str))
