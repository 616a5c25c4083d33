# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's check of a stack on Docker Swarm, rendered by Ansible: each setting Swarm cannot
take is refused with a sentence that names it and the fix."""

from __future__ import annotations

import pytest
from task_rules import evaluate

TASKS = "roles/postiz_stack/tasks/validate_swarm.yml"
CHECK = "Check the settings of a stack on Docker Swarm"
GOOD = {
    "postiz_stack_http_port": 5000,
    "__postiz_stack_proxy_enabled": False,
    "postiz_stack_temporal_ui_enabled": False,
    "postiz_stack_remove_data": False,
    "postiz_stack_state": "present",
    "postiz_stack_project_name": "postiz",
    "postiz_stack_app_replicas": 2,
    "postiz_stack_uploads_shared_path": "/srv/postiz-uploads",
    "__postiz_stack_storage_provider": "local",
    "postiz_stack_swarm_update_monitor": "30s",
}


@pytest.mark.parametrize("monitor", ["30s", "2m", "500ms", "1h"])
def test_a_duration_passes(monitor):
    [result] = evaluate(TASKS, CHECK, [dict(GOOD, postiz_stack_swarm_update_monitor=monitor)])
    assert result["passed"], result["message"]


@pytest.mark.parametrize("monitor", ["30", "1.5s", "", "thirty seconds", "-5s"])
def test_a_monitor_that_is_no_duration_is_refused_by_name(monitor):
    [result] = evaluate(TASKS, CHECK, [dict(GOOD, postiz_stack_swarm_update_monitor=monitor)])
    assert not result["passed"]
    assert "postiz_stack_swarm_update_monitor is" in result["message"]
    assert "such as 30s, 2m or 500ms" in result["message"]


def test_replicas_without_shared_uploads_are_refused_with_the_fix():
    [result] = evaluate(TASKS, CHECK, [dict(GOOD, postiz_stack_uploads_shared_path="")])
    assert not result["passed"]
    assert "the replicas must share the uploads" in result["message"]
