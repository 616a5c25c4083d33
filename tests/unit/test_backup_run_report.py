# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""backup_cron's run through ``raw``: the command's output (its log lines, on a terminal, then
its JSON summary) rendered by Ansible into the report and the failure message."""

from __future__ import annotations

import json

from task_rules import load_task, render

RUN = "roles/backup_cron/tasks/run.yml"
SUMMARY = {
    "backup": "20261206T120000Z",
    "archive": {"name": "postiz-backup-p-20261206T120000Z.tar", "size": 71680},
    "durations": {"total": 3.1},
    "removed": ["postiz-backup-p-20261129T120000Z.tar"],
}
SETTINGS = {
    "backup_cron_project_name": "p",
    "backup_cron_dir": "/var/backups/postiz/p",
    "backup_cron_log_file": "/var/log/p.log",
}


def _report(stdout_lines):
    task = load_task(RUN, "Report the backup")
    variables = dict(SETTINGS, **task["vars"], __backup_cron_run={"rc": 0, "stdout_lines": stdout_lines})
    [message] = render([task["ansible.builtin.debug"]["msg"]], variables)
    return message


def test_the_report_reads_the_summary_on_the_last_line_after_the_log_lines_of_a_terminal():
    lines = [
        "2026-12-06 12:00:00 INFO dumping postiz {with braces}\r",
        "2026-12-06 12:00:02 INFO drill passed\r",
        json.dumps(SUMMARY, sort_keys=True) + "\r",
    ]
    message = _report(lines)
    assert message.startswith(
        "Backup 20261206T120000Z of project p: postiz-backup-p-20261206T120000Z.tar, 70.00 KB"
    )
    assert "3.1 s (removed postiz-backup-p-20261129T120000Z.tar by retention)" in message


def test_the_report_reads_the_summary_alone():
    assert "nothing removed" in _report([json.dumps(dict(SUMMARY, removed=[]))])


def test_a_failure_names_the_last_lines_of_the_command():
    task = load_task(RUN, "Fail with the backup's error")
    lines = [f"line {number}\r" for number in range(8)] + ["ERROR pg_dump failed: connection refused\r"]
    variables = dict(SETTINGS, __backup_cron_run={"rc": 1, "stdout_lines": lines})
    [message] = render([task["ansible.builtin.fail"]["msg"]], variables)
    assert message.startswith(
        "The backup of project p failed (exit 1): line 4 line 5 line 6 line 7 ERROR pg_dump"
    )
    assert message.endswith("The full log is /var/log/p.log.")
