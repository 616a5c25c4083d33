# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml's `up` in the background: where each part runs, and when Compose is asked again.

The play brings the stack up in the background, installs the backups meanwhile, then runs
postiz_stack's ``finish`` entry point; the role used on its own waits in its main tasks. The
decisions of deploy_wait.yml are rendered by Ansible from the results a job can leave."""

from __future__ import annotations

import json
import os
import re

import yaml
from task_rules import ROOT, load_task, render_cases

WAIT = "roles/postiz_stack/tasks/deploy_wait.yml"
UP_TASK = "Bring the stack up, without its public proxy, and wait until every container is healthy"


def _yaml(relative_path):
    with open(os.path.join(ROOT, relative_path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_site_installs_the_backups_between_the_start_and_the_wait():
    [play] = _yaml("playbooks/site.yml")
    roles = [entry["role"] for entry in play["roles"]]
    assert roles.index("selfhosted.postiz.postiz_stack") < roles.index("selfhosted.postiz.backup_cron")
    names = [next(iter(task[key]["name"] for key in task if key.endswith("_role"))) for task in play["tasks"]]
    finish = play["tasks"][0]["ansible.builtin.include_role"]
    assert finish == {
        "name": "selfhosted.postiz.postiz_stack",
        "tasks_from": "finish",
        "apply": {"tags": ["postiz_stack"]},
    }
    # The MCP clients need the API key the finish tasks read.
    assert names.index("selfhosted.postiz.postiz_stack") < names.index("selfhosted.postiz.mcp_client")
    assert "postiz_stack_up_in_background | bool" in play["tasks"][0]["when"]


def test_site_waits_in_the_foreground_in_a_dry_run_on_swarm_and_for_a_backup_now():
    [play] = _yaml("playbooks/site.yml")
    expression = play["vars"]["postiz_stack_up_in_background"]
    cases = [
        {"ansible_check_mode": False},
        {"ansible_check_mode": True},
        {"ansible_check_mode": False, "postiz_engine": "swarm"},
        {"ansible_check_mode": False, "postiz_engine": "kubernetes"},
        {"ansible_check_mode": False, "backup_cron_run_now": True},
        {"ansible_check_mode": False, "backup_cron_run_now": "false"},
    ]
    assert [str(value).strip() for value in render_cases(expression, cases)] == [
        "True",
        "False",
        "False",
        "False",
        "False",
        "True",
    ]


def test_the_role_alone_waits_in_its_main_tasks_and_the_upgrade_never_in_the_background():
    main = {task["name"]: task for task in _yaml("roles/postiz_stack/tasks/main.yml")}
    finish = main["Wait for the stack, create the admin account and record the images it runs"]
    assert finish["ansible.builtin.include_tasks"]["file"] == "finish.yml"
    assert finish["when"] == "not postiz_stack_up_in_background | bool"
    defaults = _yaml("roles/postiz_stack/defaults/main.yml")
    assert defaults["postiz_stack_up_in_background"] is False
    for path in ("roles/postiz_upgrade/tasks/apply.yml", "roles/postiz_upgrade/tasks/rollback.yml"):
        with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
            text = handle.read()
        assert text.count("name: selfhosted.postiz.postiz_stack\n      vars:") == text.count(
            "postiz_stack_up_in_background: false"
        ), path


def _ask_again(cases):
    """Whether deploy_wait.yml runs Compose in the foreground, for each case of a job's result."""
    task = load_task(WAIT, UP_TASK)
    condition = " and ".join(f"({item})" for item in task["when"])
    base = {
        "__postiz_stack_up_reasons": ["a file changed"],
        "ansible_check_mode": False,
        "__postiz_stack_files_changed": True,
    }
    rendered = render_cases(
        "{{ " + condition + " }}", [dict(base, **case) for case in cases], role_vars=task["vars"]
    )
    return [str(value).strip() == "True" for value in rendered]


def test_compose_is_asked_in_the_foreground_without_a_job_and_again_after_an_unhealthy_app():
    started = {"__postiz_stack_up_job": {"ansible_job_id": "j1", "results_file": "/root/.ansible_async/j1"}}
    assert _ask_again(
        [
            # No job: the role on its own, or a dry run.
            {"__postiz_stack_up_job": {"skipped": True, "changed": False}},
            # The job ended well: its result is kept.
            dict(
                started,
                __postiz_stack_compose_up_job_result={"finished": 1, "changed": True, "failed": False},
            ),
            # The app went unhealthy while a service it needs was starting: ask again.
            dict(
                started,
                __postiz_stack_compose_up_job_result={
                    "finished": 1,
                    "failed": False,
                    "msg": "Error while running docker compose up: container postiz-postiz-1 is unhealthy",
                },
            ),
            # Nothing to bring up.
            {"__postiz_stack_up_job": {"skipped": True}, "__postiz_stack_up_reasons": []},
        ]
    ) == [True, False, True, False]


JOB = "roles/postiz_stack/tasks/deploy_wait_job.yml"
WAIT_JOB_TASK = "Wait until Compose, started in the background, has ended, and read its result"
KEEP_JOB_TASK = "Bring the stack up, without its public proxy, and wait until every container is healthy (Compose's result)"


def test_the_wait_reads_the_jobs_final_result_and_not_its_start():
    regex = re.compile(load_task(JOB, WAIT_JOB_TASK)["ansible.builtin.wait_for"]["search_regex"])
    # What Ansible's async wrapper writes when the job starts, and when it was stopped.
    assert (
        regex.search('{"started": 1, "finished": 0, "ansible_job_id": "j1", "results_file": "/r/j1"}') is None
    )
    stopped = '{"failed": 1, "msg": "Timeout exceeded", "child_pid": 7}'
    assert regex.search(stopped).group(1) == stopped
    result = json.dumps(
        {"changed": True, "containers": [{"Name": "p-postiz-1", "Health": "healthy"}], "msg": "a\nb"},
        indent=1,
    )
    assert json.loads(regex.search(result + "\n").group(1))["containers"][0]["Health"] == "healthy"


def test_the_result_kept_is_composes_or_a_sentence():
    task = load_task(JOB, KEEP_JOB_TASK)
    expression = task["ansible.builtin.set_fact"]["__postiz_stack_compose_up_job_result"]
    job = {"results_file": "/root/.ansible_async/j1"}
    rendered = render_cases(
        expression,
        [
            {
                "__postiz_stack_up_job": job,
                "__postiz_stack_up_job_seconds": 3900,
                "__postiz_stack_up_job_wait": {
                    "match_groups": ['{"changed": true, "failed": false, "containers": []}']
                },
            },
            {
                "__postiz_stack_up_job": job,
                "__postiz_stack_up_job_seconds": 3900,
                "__postiz_stack_up_job_wait": {
                    "failed": True,
                    "msg": "Timeout when waiting for search string",
                },
            },
        ],
    )
    assert rendered[0] == {"changed": True, "failed": False, "containers": []}
    assert rendered[1]["failed"] is True
    assert (
        rendered[1]["msg"]
        == "Compose, started in the background, left no result in /root/.ansible_async/j1 within 3900 s."
    )


def test_the_wait_reports_a_change_when_compose_changed_something():
    # A converge that corrects drift in the containers alone must say it changed something.
    task = load_task(JOB, KEEP_JOB_TASK)
    # The kept result, as the task sets it, is what its changed_when reads.
    kept = {
        "__postiz_stack_compose_up_job_result": task["ansible.builtin.set_fact"][
            "__postiz_stack_compose_up_job_result"
        ]
    }
    job = {
        "__postiz_stack_up_job": {"results_file": "/root/.ansible_async/j1"},
        "__postiz_stack_up_job_seconds": 3900,
    }
    rendered = render_cases(
        "{{ " + task["changed_when"] + " }}",
        [
            {"__postiz_stack_up_job_wait": {"match_groups": ['{"changed": true, "containers": []}']}, **job},
            {"__postiz_stack_up_job_wait": {"match_groups": ['{"changed": false, "containers": []}']}, **job},
            {
                "__postiz_stack_up_job_wait": {"match_groups": ['{"failed": 1, "msg": "Timeout exceeded"}']},
                **job,
            },
            {
                "__postiz_stack_up_job_wait": {
                    "failed": True,
                    "msg": "Timeout when waiting for search string",
                },
                **job,
            },
        ],
        role_vars=kept,
    )
    assert [str(value).strip() for value in rendered] == ["True", "False", "False", "False"]
