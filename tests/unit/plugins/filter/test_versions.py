# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Postiz release may start on a database: version order, and the decisions of a deploy
(site.yml) and of a restore (restore.yml)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.selfhosted.postiz.plugins.filter.versions import FilterModule
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import compare_versions

# The filters as Ansible finds them.
postiz_deploy_version_guard = FilterModule().filters()["postiz_deploy_version_guard"]
postiz_restore_version_guard = FilterModule().filters()["postiz_restore_version_guard"]

APP = "ghcr.io/gitroomhq/postiz-app:"
DOUBLE = "registry.postiz.test:5000/selfhosted-postiz-test/postiz-double:"
MARKER = json.dumps(
    {
        "from": {"postiz": DOUBLE + "v-old"},
        "to": {"postiz": DOUBLE + "v-new"},
        "started": "2026-09-01T10:15:00Z",
        "backup": {"id": "20260901T101500Z", "created": "2026-09-01T10:15:00Z"},
    }
)


def running(image, state="running"):
    return {"Image": image, "State": state, "Labels": {"com.docker.compose.service": "postiz"}}


def deploy(target, **kwargs):
    kwargs.setdefault("project", "postiz")
    kwargs.setdefault("project_dir", "/opt/postiz")
    return postiz_deploy_version_guard(target, **kwargs)


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("v2.23.0", "v2.9.1", 1),  # numbers, not text: 23 > 9
        ("v2.9.1", "v2.23.0", -1),
        ("v2.23.0", "v2.23.0", 0),
        ("2.23.0", "v2.23.0", 0),
        ("v2.9", "v2.9.0", 0),
        ("v2.10", "v2.9.9", 1),
        ("v3", "v2.99.99", 1),
        ("v-old", "v-old", 0),  # any tag equals itself
        ("v-old", "v-new", None),  # test builds: no order
        ("v2.24.0-rc1", "v2.23.0", None),
        ("sha256:" + "a" * 64, "sha256:" + "b" * 64, None),
        ("v2.23.0", "latest", None),
    ],
)
def test_compare_versions(left, right, order):
    assert compare_versions(left, right) == order


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"postiz_deploy_version_guard", "postiz_restore_version_guard"}


# --- site.yml: the app to deploy against the one the database last ran ---


def test_a_first_deploy_has_nothing_to_compare():
    result = deploy(APP + "v2.9.1")
    assert (result["order"], result["problems"], result["warnings"]) == ("first", [], [])


@pytest.mark.parametrize(("last", "order"), [("v2.23.0", "same"), ("v2.9.1", "newer"), ("v2.9", "newer")])
def test_the_same_or_a_newer_release_is_deployed(last, order):
    result = deploy(APP + "v2.23.0", containers=[running(APP + last)])
    assert (result["order"], result["problems"]) == (order, [])


def test_an_older_release_than_the_container_runs_is_refused_with_both_versions_and_the_ways_forward():
    result = deploy(APP + "v2.9.1", containers=[running(APP + "v2.23.0")])
    assert result["order"] == "older"
    [problem] = result["problems"]
    assert problem.startswith(
        "Refusing to deploy Postiz v2.9.1 over v2.23.0: the app container of project postiz runs "
        + APP
        + "v2.23.0"
    )
    assert "drops the columns it does not know, with their data" in problem
    assert "The stack was not touched." in problem
    assert "To stay on v2.23.0, set postiz_version (or postiz_images['postiz']) to v2.23.0." in problem
    assert "restore a backup taken under v2.9.1 together with its images" in problem
    assert "backup_cron_restore_config=true" in problem
    assert "postiz_stack_allow_downgrade: true (dangerous" in problem


def test_without_a_container_images_json_tells_what_ran():
    record = json.dumps({"postiz": APP + "v2.23.0", "postiz-redis": "redis:7.2"})
    result = deploy(APP + "v2.9.1", images_record=record, project_dir="/srv/postiz/")
    [problem] = result["problems"]
    assert "/srv/postiz/images.json records " + APP + "v2.23.0 as the app that last ran" in problem


def test_the_container_wins_over_images_json():
    record = json.dumps({"postiz": APP + "v2.9.1"})
    result = deploy(APP + "v2.23.0", containers=[running(APP + "v2.23.0")], images_record=record)
    assert (result["from"], result["problems"]) == ("v2.23.0", [])


def test_a_running_container_wins_over_a_stopped_one():
    containers = [running(APP + "v2.9.1", state="exited"), running(APP + "v2.23.0")]
    assert deploy(APP + "v2.9.1", containers=containers)["order"] == "older"


@pytest.mark.parametrize("image_id", ["sha256:" + "8aade381" * 8, "8aade3811040"])
def test_a_container_listed_by_image_id_says_no_version(image_id):
    # Its image lost its name (the tag was rebuilt or pulled again): images.json tells.
    record = json.dumps({"postiz": DOUBLE + "latest-local"})
    result = deploy(DOUBLE + "latest-local", containers=[running(image_id)], images_record=record)
    assert (result["order"], result["problems"]) == ("same", [])
    assert deploy(DOUBLE + "latest-local", containers=[running(image_id)])["order"] == "first"


def test_other_services_containers_are_ignored():
    other = {
        "Image": "postgres:17-alpine",
        "State": "running",
        "Labels": {"com.docker.compose.service": "postiz-postgres"},
    }
    assert deploy(APP + "v2.9.1", containers=[other])["order"] == "first"


def test_an_unreadable_images_json_counts_as_none():
    assert deploy(APP + "v2.9.1", images_record='{"postiz": ')["order"] == "first"


def test_tags_that_cannot_be_ordered_are_refused_and_say_why():
    result = deploy(DOUBLE + "v-old", containers=[running(DOUBLE + "v-new")], project="postiz-upgrade")
    assert result["order"] == "unknown"
    [problem] = result["problems"]
    assert problem.startswith(
        "Refusing to deploy Postiz v-old over v-new: the app container of project postiz-upgrade"
    )
    assert (
        "v-old and v-new are not both release versions (like v2.23.0), so which one is older cannot be told"
        in problem
    )
    assert "playbooks/upgrade.yml" in problem


def test_the_override_turns_the_refusal_into_a_warning():
    result = deploy(APP + "v2.9.1", containers=[running(APP + "v2.23.0")], allow_downgrade=True)
    assert result["problems"] == []
    [warning] = result["warnings"]
    assert warning.startswith("postiz_stack_allow_downgrade is true: deploying Postiz v2.9.1 over v2.23.0")
    assert "If v2.9.1 is older, its first start drops the columns it does not know" in warning


def test_an_unfinished_upgrade_is_refused_whatever_the_version_and_the_override():
    result = deploy(
        DOUBLE + "v-new",
        containers=[running(DOUBLE + "v-new")],
        marker=MARKER,
        allow_downgrade=True,
        project="postiz-upgrade",
        project_dir="/opt/postiz-upgrade",
    )
    [problem] = result["problems"]
    assert problem.startswith(
        "An upgrade of project postiz-upgrade did not finish: "
        "/opt/postiz-upgrade/upgrade-in-progress.json records it (app v-old to v-new, backup "
        "20260901T101500Z, started 2026-09-01T10:15:00Z)."
    )
    assert "Run playbooks/upgrade.yml with the same settings" in problem
    assert "playbooks/restore.yml -e backup_cron_restore_backup=20260901T101500Z" in problem
    assert "Then delete /opt/postiz-upgrade/upgrade-in-progress.json and run site.yml again." in problem


def test_a_damaged_record_of_an_upgrade_is_still_refused():
    [problem] = deploy(APP + "v2.23.0", marker='{"from": ')["problems"]
    assert "did not finish" in problem and "backup none" in problem


def test_an_unfinished_upgrade_and_a_downgrade_are_both_said():
    result = deploy(DOUBLE + "v-old", containers=[running(DOUBLE + "v-new")], marker=MARKER)
    assert len(result["problems"]) == 2


# --- restore.yml: the backup's release against the one its data would meet ---


def manifest(image=None, postiz_version=None):
    value = {"id": "20260901T101500Z", "postiz_version": postiz_version, "images": {}}
    if image:
        value["images"]["postiz"] = {"image": image, "id": "sha256:" + "c" * 64}
    return value


def test_a_backup_of_a_newer_release_than_the_pinned_one_is_refused():
    result = postiz_restore_version_guard(manifest(APP + "v2.23.0", "v2.23.0"), pinned_image=APP + "v2.9.1")
    assert result["version"] == "v2.23.0"
    [problem] = result["problems"]
    assert problem.startswith(
        "Refusing to restore backup 20260901T101500Z: it was taken under Postiz v2.23.0 (its app "
        "container ran " + APP + "v2.23.0), newer than v2.9.1, the version the inventory pins"
    )
    assert "Nothing was changed." in problem
    assert "set postiz_version (or postiz_images['postiz']) to v2.23.0 in the inventory" in problem
    assert "backup_cron_restore_config=true" in problem
    assert "postiz_stack_allow_downgrade: true (dangerous" in problem


@pytest.mark.parametrize("pinned", ["v2.23.0", "v2.24.0", "v3.0"])
def test_a_backup_of_the_same_or_an_older_release_is_restored(pinned):
    result = postiz_restore_version_guard(
        manifest(APP + "v2.23.0"), pinned_image=APP + pinned, start_image=APP + pinned
    )
    assert (result["problems"], result["warnings"]) == ([], [])


def test_the_app_image_that_ran_wins_over_the_postiz_version_setting():
    # A mirror map with its own tags: the setting said v2.23.0, the app was the v-new build.
    result = postiz_restore_version_guard(
        manifest(DOUBLE + "v-new", "v2.23.0"), pinned_image=DOUBLE + "v-old"
    )
    assert result["version"] == "v-new"
    [problem] = result["problems"]
    assert "taken under Postiz v-new" in problem and "cannot be ordered" in problem


def test_postiz_version_stands_in_when_no_app_container_was_recorded():
    result = postiz_restore_version_guard(manifest(None, "v2.23.0"), pinned_image=APP + "v2.9.1")
    assert result["version"] == "v2.23.0"
    assert "its manifest records postiz_version v2.23.0" in result["problems"][0]


def test_a_backup_without_a_version_is_let_through_with_a_warning():
    result = postiz_restore_version_guard(manifest(), pinned_image=APP + "v2.9.1")
    assert result["problems"] == []
    assert "records no Postiz version" in result["warnings"][0]


def test_an_older_app_in_the_hosts_compose_file_is_refused_too():
    result = postiz_restore_version_guard(
        manifest(APP + "v2.23.0"),
        pinned_image=APP + "v2.23.0",
        start_image=APP + "v2.9.1",
        compose_path="/opt/postiz/compose.yaml",
    )
    [problem] = result["problems"]
    assert "newer than v2.9.1, the app /opt/postiz/compose.yaml on this host starts" in problem
    assert any("not v2.23.0 that the inventory pins" in warning for warning in result["warnings"])


def test_the_override_turns_the_restore_refusal_into_a_warning():
    result = postiz_restore_version_guard(
        manifest(APP + "v2.23.0"), pinned_image=APP + "v2.9.1", allow_downgrade=True
    )
    assert result["problems"] == []
    assert result["warnings"][0].startswith(
        "postiz_stack_allow_downgrade is true: restoring backup 20260901T101500Z"
    )
