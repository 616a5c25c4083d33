# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No older Postiz on a newer database: the roles' own refusal tasks, rendered by Ansible from
what the tasks before them read on the host (the app container, images.json, the record of an
unfinished upgrade, a backup's manifest, the host's compose.yaml), and the wiring that makes
site.yml, the role, restore.yml and upgrade.yml run them at the right moment."""

from __future__ import annotations

import base64
import json
import os

import yaml
from task_rules import ROOT, evaluate

SITE_TASK = (
    "roles/postiz_stack/tasks/validate_version.yml",
    "Refuse an older Postiz than the database last ran, and a deploy over an unfinished upgrade",
)
RESTORE_TASK = (
    "roles/backup_cron/tasks/restore_version.yml",
    "Refuse a backup of a newer Postiz than the one it would run under",
)
APP = "ghcr.io/gitroomhq/postiz-app:"
# The role's own view of the records validate_version.yml read (vars/main.yml).
with open(os.path.join(ROOT, "roles/postiz_stack/vars/main.yml"), encoding="utf-8") as handle:
    SITE_VARS = {"__postiz_stack_record_texts": yaml.safe_load(handle)["__postiz_stack_record_texts"]}


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _slurped(text):
    return {"content": _b64(text)} if text is not None else {"skipped": True}


def site_case(target, running=None, record=None, marker=None, allow=False):
    containers = (
        [{"Image": running, "State": "running", "Labels": {"com.docker.compose.service": "postiz"}}]
        if running
        else []
    )
    return {
        "postiz_images": {"postiz": APP + target},
        "postiz_stack_allow_downgrade": allow,
        "postiz_stack_project_name": "postiz",
        "postiz_stack_project_dir": "/opt/postiz",
        "__postiz_stack_version_records": {
            "contents": {
                name: text
                for name, text in (("images.json", record), ("upgrade-in-progress.json", marker))
                if text is not None
            }
        },
        "__postiz_stack_app_container": {"containers": containers} if running else {"skipped": True},
    }


def test_site_refuses_an_older_app_than_the_container_runs():
    [ok, older, newer, allowed] = evaluate(
        *SITE_TASK,
        role_vars=SITE_VARS,
        cases=[
            site_case("v2.23.0", running=APP + "v2.23.0"),
            site_case("v2.9.1", running=APP + "v2.23.0"),
            site_case("v2.24.0", running=APP + "v2.23.0"),
            site_case("v2.9.1", running=APP + "v2.23.0", allow=True),
        ],
    )
    assert ok["passed"] and newer["passed"] and allowed["passed"]
    assert not older["passed"]
    assert older["message"].startswith(
        "Refusing to deploy Postiz v2.9.1 over v2.23.0: the app container of project "
        "postiz runs " + APP + "v2.23.0"
    )


def test_site_reads_images_json_when_no_container_is_left():
    [first, refused] = evaluate(
        *SITE_TASK,
        role_vars=SITE_VARS,
        cases=[
            site_case("v2.9.1"),
            site_case("v2.9.1", record=json.dumps({"postiz": APP + "v2.23.0"})),
        ],
    )
    assert first["passed"]
    assert not refused["passed"]
    assert "/opt/postiz/images.json records " + APP + "v2.23.0" in refused["message"]


def test_site_refuses_to_deploy_over_an_unfinished_upgrade():
    marker = json.dumps(
        {
            "from": {"postiz": APP + "v2.23.0"},
            "to": {"postiz": APP + "v2.24.0"},
            "started": "2026-09-01T10:15:00Z",
            "backup": {"id": "20260901T101500Z"},
        }
    )
    [refused] = evaluate(
        *SITE_TASK,
        role_vars=SITE_VARS,
        cases=[site_case("v2.24.0", running=APP + "v2.24.0", marker=marker, allow=True)],
    )
    assert not refused["passed"]
    assert refused["message"].startswith(
        "An upgrade of project postiz did not finish: /opt/postiz/upgrade-in-progress.json "
        "records it (app v2.23.0 to v2.24.0"
    )


def restore_case(backup_image, pinned, compose_image=None, restore_config=False, allow=False):
    manifest = {
        "id": "20260901T101500Z",
        "postiz_version": "v2.23.0",
        "images": {"postiz": {"image": backup_image, "id": "sha256:" + "d" * 64}},
    }
    compose = (
        None if compose_image is None else yaml.safe_dump({"services": {"postiz": {"image": compose_image}}})
    )
    return {
        "__backup_cron_restore_manifest": {"content": _b64(json.dumps(manifest))},
        "__backup_cron_restore_compose": _slurped(compose),
        "postiz_images": {"postiz": APP + pinned},
        "postiz_version": pinned,
        "backup_cron_project_dir": "/opt/postiz",
        "backup_cron_restore_config": restore_config,
        "postiz_stack_allow_downgrade": allow,
    }


def test_restore_refuses_a_backup_of_a_newer_app_than_the_pinned_one():
    [refused, same, older_backup, allowed] = evaluate(
        *RESTORE_TASK,
        [
            restore_case(APP + "v2.23.0", "v2.9.1", compose_image=APP + "v2.9.1"),
            restore_case(APP + "v2.23.0", "v2.23.0", compose_image=APP + "v2.23.0"),
            restore_case(APP + "v2.9.1", "v2.23.0", compose_image=APP + "v2.23.0"),
            restore_case(APP + "v2.23.0", "v2.9.1", compose_image=APP + "v2.9.1", allow=True),
        ],
    )
    assert same["passed"] and older_backup["passed"] and allowed["passed"]
    assert not refused["passed"]
    assert refused["message"].startswith(
        "Refusing to restore backup 20260901T101500Z: it was taken under Postiz v2.23.0"
    )
    assert "newer than v2.9.1, the version the inventory pins" in refused["message"]


def test_restore_refuses_a_backup_newer_than_the_app_the_hosts_compose_file_starts():
    # Not read with backup_cron_restore_config (the backup's own compose.yaml comes back), nor on a new host.
    [refused, own_compose] = evaluate(
        *RESTORE_TASK,
        [
            restore_case(APP + "v2.23.0", "v2.23.0", compose_image=APP + "v2.9.1"),
            restore_case(APP + "v2.23.0", "v2.23.0", restore_config=True),
        ],
    )
    assert own_compose["passed"]
    assert not refused["passed"]
    assert "the app /opt/postiz/compose.yaml on this host starts" in refused["message"]


def _tasks(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_site_checks_the_version_before_any_role_changes_anything():
    [play] = _tasks("playbooks/site.yml")
    # Every pre_task reads only: which host deploys, the preflight, the swarm's inventory.
    assert all(
        "ansible.builtin.include_role" in task or "ansible.builtin.set_fact" in task
        for task in play["pre_tasks"]
    )
    [preflight] = [
        task
        for task in play["pre_tasks"]
        if (task.get("ansible.builtin.include_role") or {}).get("tasks_from") == "preflight"
    ]
    assert preflight["ansible.builtin.include_role"] == {
        "name": "selfhosted.postiz.postiz_common",
        "tasks_from": "preflight",
        "apply": {"tags": ["always"]},
    }
    check, handover = _tasks("roles/postiz_common/tasks/preflight.yml")
    checks = [item["tasks"] for item in check["loop"] if item["role"] == "selfhosted.postiz.postiz_stack"]
    assert checks == ["checks", "validate_host"]
    assert "validate_version.yml" in [
        task.get("ansible.builtin.import_tasks") for task in _tasks("roles/postiz_stack/tasks/checks.yml")
    ]
    # The roles take these checks as made only after all of them passed.
    assert list(handover["ansible.builtin.set_fact"]) == ["postiz_common_preflight_passes"]


def test_the_role_checks_the_version_before_it_writes_and_records_after_the_deploy():
    imports = [
        task.get("ansible.builtin.import_tasks")
        or (task.get("ansible.builtin.include_tasks") or {}).get("file")
        for task in _tasks("roles/postiz_stack/tasks/main.yml")
    ]
    assert imports.index("checks.yml") < imports.index("secrets.yml") < imports.index("project.yml")
    # The end of a deploy (finish.yml: the wait, the admin, the records) comes after its start;
    # site.yml runs it itself when Compose brings the stack up in the background.
    assert imports.index("deploy.yml") < imports.index("finish.yml")
    finish = [
        task.get("ansible.builtin.import_tasks")
        or (task.get("ansible.builtin.include_tasks") or {}).get("file")
        for task in _tasks("roles/postiz_stack/tasks/finish.yml")
    ]
    assert finish.index("deploy_wait.yml") < finish.index("record_images.yml")


def test_restore_checks_the_version_after_unpacking_and_before_touching_the_stack():
    [block] = [task for task in _tasks("roles/backup_cron/tasks/restore.yml") if "block" in task]
    imports = [task.get("ansible.builtin.import_tasks") for task in block["block"]]
    assert (
        imports.index("restore_unpack.yml")
        < imports.index("restore_version.yml")
        < imports.index("restore_apply.yml")
    )


def test_upgrade_skips_the_roles_check_only_for_its_own_deploy():
    [deploy] = [
        task
        for task in _tasks("roles/postiz_upgrade/tasks/apply.yml")[2]["block"]
        if task.get("ansible.builtin.include_role", {}).get("name") == "selfhosted.postiz.postiz_stack"
    ]
    assert deploy["vars"]["postiz_stack_version_check"] is False
