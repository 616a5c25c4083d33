# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role writes its file in /etc/cron.d whole (postiz_files, skipped when the read finds it
the same): its text must be the one ansible.builtin.cron wrote there before, or every host set
up then would see its schedule rewritten. The role's template, rendered by Ansible, against
what the cron module itself renders for the same job."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.modules.cron import CronTab
from task_rules import ROOT, render

with open(os.path.join(ROOT, "roles", "backup_cron", "vars", "main.yml"), encoding="utf-8") as handle:
    ROLE_VARS = yaml.safe_load(handle)


class _CronModule:
    """What CronTab asks of its module for a cron file: the crontab binary's path."""

    def get_bin_path(self, name, required=False):
        return f"/usr/bin/{name}"


def _cron_module_text(tmp_path, name, minute, hour, job):
    """The file ansible.builtin.cron writes for a new entry (cron_file, user root)."""
    crontab = CronTab(_CronModule(), user="root", cron_file=str(tmp_path / "cron-file"))
    # The module's options are strings: an int setting arrives as its decimal text.
    line = crontab.get_cron_job(str(minute), str(hour), "*", "*", "*", job, None, False)
    crontab.add_job(name, line)
    return crontab.render()


@pytest.mark.parametrize(
    "settings",
    [
        {"backup_cron_project_name": "postiz", "backup_cron_hour": 3, "backup_cron_minute": 15},
        {"backup_cron_project_name": "shop-2", "backup_cron_hour": 0, "backup_cron_minute": 5},
        # A path that needs quoting on the job line.
        {
            "backup_cron_project_name": "postiz",
            "backup_cron_hour": 23,
            "backup_cron_minute": 59,
            "backup_cron_command_path": "/opt/backup tools/postiz-backup",
        },
    ],
    ids=["defaults", "other-project", "quoted-path"],
)
def test_the_cron_file_is_the_text_the_cron_module_wrote(tmp_path, settings):
    variables = dict(
        ROLE_VARS,
        backup_cron_command_path=f"/usr/local/sbin/postiz-backup-{settings['backup_cron_project_name']}",
        backup_cron_config_path=f"/etc/postiz-backup/{settings['backup_cron_project_name']}.json",
    )
    variables.update(settings)
    text, job = render(["{{ __backup_cron_cron_text }}", "{{ __backup_cron_job }}"], variables)
    name = f"Postiz backup of project {settings['backup_cron_project_name']}"
    assert text == _cron_module_text(
        tmp_path, name, settings["backup_cron_minute"], settings["backup_cron_hour"], job
    )
    assert text.startswith(f"#Ansible: {name}\n") and text.count("\n") == 2
