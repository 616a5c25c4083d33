# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The directories an instance owns: the project directory, which removing the instance with
its data deletes, and the backup paths, which must lie outside it.

Both rules are checked through the roles' own assert tasks, rendered by Ansible, and through
the filters those tasks use.
"""

from __future__ import annotations

import pytest
from task_rules import evaluate

from ansible_collections.selfhosted.postiz.plugins.filter.postiz import (
    postiz_outside_problems,
    postiz_project_dir_problems,
)

REFUSED_PROJECT_DIRS = [
    "/",
    "/opt",
    "/opt/",
    "//opt",
    "/opt/..",
    "/opt/../etc",
    "/srv/postiz/../..",
    "/home/alice",
    "/home/alice/",
    "/root",
    "/etc/ssl",
    "/etc",
    "/usr/local",
    "/usr/local/postiz",
    "/var/lib",
    "/var/log",
    "/var/lib/docker",
    "/var/lib/docker/volumes/postiz",
    "/mnt/data",
    "/media/usb",
    "/boot/postiz",
    "opt/postiz",
    "",
    "/opt/./..",
]
ACCEPTED_PROJECT_DIRS = [
    "/opt/postiz",
    "/opt/postiz/",
    "/opt//postiz",
    "/srv/postiz/demo",
    "/home/alice/postiz",
    "/root/postiz",
    "/var/lib/postiz",
    "/mnt/data/postiz",
    "/opt/./postiz",
]

PROJECT_TASK = (
    "roles/postiz_stack/tasks/validate_state.yml",
    "Check that the project directory is a directory of its own",
)
BACKUP_TASK = (
    "roles/backup_cron/tasks/validate.yml",
    "Check that the backup paths are absolute and outside the project",
)

# (project directory, backup path, passes)
BACKUP_CASES = [
    ("/opt/postiz", "/var/backups/postiz/postiz", True),
    ("/opt/postiz", "/opt/postiz-backups", True),
    ("/opt/postiz/", "/var/backups/postiz/postiz", True),
    ("/opt/postiz", "/opt/postiz/backups", False),
    ("/opt/postiz", "/opt/postiz", False),
    ("/opt/postiz", "/opt/postiz/", False),
    ("/opt/postiz/", "/opt/postiz/backups", False),
    ("/opt/postiz//", "/opt/postiz/backups", False),
    ("/opt//postiz", "/opt/postiz/backups", False),
    ("/opt/postiz", "/opt//postiz//backups", False),
    ("/opt/postiz", "/opt/postiz/./backups", False),
    ("/opt/postiz", "/var/backups/../../opt/postiz/backups", False),
    ("/opt/postiz", "var/backups", False),
]


def test_the_role_refuses_system_home_shallow_and_dotdot_project_dirs():
    results = evaluate(
        *PROJECT_TASK,
        [
            {"postiz_stack_project_dir": path, "postiz_stack_project_name": "demo"}
            for path in REFUSED_PROJECT_DIRS
        ],
    )
    accepted = [path for path, result in zip(REFUSED_PROJECT_DIRS, results, strict=False) if result["passed"]]
    assert accepted == []
    for path, result in zip(REFUSED_PROJECT_DIRS, results, strict=False):
        assert result["message"].startswith(f"postiz_stack_project_dir is {path}"), result["message"]


def test_the_role_accepts_an_instances_own_directory():
    results = evaluate(
        *PROJECT_TASK,
        [
            {"postiz_stack_project_dir": path, "postiz_stack_project_name": "demo"}
            for path in ACCEPTED_PROJECT_DIRS
        ],
    )
    assert [
        path for path, result in zip(ACCEPTED_PROJECT_DIRS, results, strict=False) if not result["passed"]
    ] == []


def test_the_role_keeps_backups_outside_the_project_whatever_the_slashes():
    cases = [
        {"backup_cron_project_dir": project, "item": path, "backup_cron_dir": path}
        for project, path, dummy in BACKUP_CASES
    ]
    results = evaluate(*BACKUP_TASK, cases)
    wrong = [case for case, result in zip(BACKUP_CASES, results, strict=False) if result["passed"] != case[2]]
    assert wrong == []


@pytest.mark.parametrize(
    "path, words",
    [
        ("/opt", "less than two levels deep"),
        ("/opt/..", "contains '..'"),
        ("/etc/ssl", "inside the system directory /etc"),
        ("/home/alice", "a home directory"),
        ("/root", "a home directory"),
        ("/mnt/data", "a mount point"),
        ("relative/dir", "absolute path"),
    ],
)
def test_project_dir_sentences(path, words):
    problems = postiz_project_dir_problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"postiz_stack_project_dir is {path}")
    assert words in problems[0]


def test_outside_sentences_name_both_settings():
    problems = postiz_outside_problems(
        "/opt/postiz/backups", "/opt/postiz/", "backup_cron_dir", "backup_cron_project_dir"
    )
    assert problems == [
        "backup_cron_dir is /opt/postiz/backups, inside the project directory /opt/postiz/ (backup_cron_project_dir); "
        "it must lie outside it: a restore replaces files there, and backups must survive the project being removed."
    ]
    assert (
        postiz_outside_problems(
            "/var/backups/postiz/a", "/opt/postiz", "backup_cron_dir", "backup_cron_project_dir"
        )
        == []
    )
