# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from datetime import UTC

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.upgrade import (
    FilterModule,
    image_tag,
    parse_version,
    postiz_upgrade_backups,
    postiz_upgrade_plan,
    postiz_upgrade_running_images,
)

APP = "ghcr.io/gitroomhq/postiz-app:"
CURRENT = {
    "postiz": APP + "v2.23.0",
    "postiz-postgres": "postgres:17-alpine",
    "postiz-redis": "redis:7.2",
    "temporal-postgresql": "postgres:16",
    "temporal": "temporalio/auto-setup:1.28.1",
}
SERVICES = list(CURRENT)
BREAKING = [
    {
        "version": "v2.12.0",
        "summary": "Temporal is required.",
        "changelog_url": "https://example.com/v2.12.0",
    },
    {"version": "v2.30.0", "summary": "Something moved.", "changelog_url": "https://example.com/v2.30.0"},
    {"version": "v-gated", "summary": "A test build.", "changelog_url": "https://example.com/test"},
]


def plan(target_changes, **kwargs):
    return postiz_upgrade_plan(CURRENT, dict(CURRENT, **target_changes), services=SERVICES, **kwargs)


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("ghcr.io/gitroomhq/postiz-app:v2.23.0", "v2.23.0"),
        ("registry.lan:5000/postiz-app:v2.23.0", "v2.23.0"),
        ("registry.lan:5000/postiz-app", ""),
        ("postgres", ""),
        ("postgres:17-alpine@sha256:" + "a" * 64, "17-alpine"),
        ("postgres@sha256:" + "b" * 64, "sha256:" + "b" * 64),
    ],
)
def test_image_tag(image, tag):
    assert image_tag(image) == tag


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("v2.23.0", (2, 23, 0)),
        ("2.12", (2, 12)),
        ("v-old", None),
        ("latest", None),
        ("17-alpine", None),
    ],
)
def test_parse_version(text, parsed):
    assert parse_version(text) == parsed


def test_same_images_change_nothing():
    result = plan({}, breaking_changes=BREAKING)
    assert result == {
        "changes": [],
        "from_version": "v2.23.0",
        "to_version": "v2.23.0",
        "breaking": [],
        "acknowledged": True,
        "problems": [],
    }


def test_changes_follow_the_service_order_and_carry_tags():
    result = plan({"temporal": "temporalio/auto-setup:1.28.2", "postiz": APP + "v2.24.0"})
    assert [c["service"] for c in result["changes"]] == ["postiz", "temporal"]
    assert result["changes"][0] == {
        "service": "postiz",
        "from": APP + "v2.23.0",
        "to": APP + "v2.24.0",
        "from_tag": "v2.23.0",
        "to_tag": "v2.24.0",
    }
    assert (result["from_version"], result["to_version"]) == ("v2.23.0", "v2.24.0")


def test_services_that_do_not_run_are_not_compared():
    result = postiz_upgrade_plan(
        dict(CURRENT, **{"temporal-ui": "temporalio/ui:2.34.0"}),
        dict(CURRENT, **{"temporal-ui": "temporalio/ui:2.35.0"}),
        services=SERVICES,
    )
    assert result["changes"] == []


def test_a_release_range_crosses_the_entries_between_the_versions():
    result = plan({"postiz": APP + "v2.31.0"}, breaking_changes=BREAKING)
    assert [entry["version"] for entry in result["breaking"]] == ["v2.30.0"]
    assert result["acknowledged"] is False


def test_an_entry_at_the_running_version_is_not_crossed_again():
    current = dict(CURRENT, postiz=APP + "v2.30.0")
    result = postiz_upgrade_plan(
        current, dict(CURRENT, postiz=APP + "v2.31.0"), services=SERVICES, breaking_changes=BREAKING
    )
    assert result["breaking"] == []


def test_test_tags_match_exactly():
    current = dict(CURRENT, postiz="selfhosted-postiz-test/postiz-double:v-old")
    result = postiz_upgrade_plan(
        current,
        dict(CURRENT, postiz="selfhosted-postiz-test/postiz-double:v-gated"),
        services=SERVICES,
        breaking_changes=BREAKING,
    )
    assert [entry["version"] for entry in result["breaking"]] == ["v-gated"]
    assert result["acknowledged"] is False
    acknowledged = postiz_upgrade_plan(
        current,
        dict(CURRENT, postiz="selfhosted-postiz-test/postiz-double:v-gated"),
        services=SERVICES,
        breaking_changes=BREAKING,
        acknowledged="v-gated",
    )
    assert acknowledged["acknowledged"] is True


@pytest.mark.parametrize(
    ("acknowledged", "ok"),
    [
        ("", False),
        ("v2.29.0", False),
        ("v2.30.0", True),
        ("2.30", True),
        ("v2.31.0", True),
        ("v2.40.0", True),
        ("yes", False),
    ],
)
def test_acknowledging(acknowledged, ok):
    assert (
        plan({"postiz": APP + "v2.31.0"}, breaking_changes=BREAKING, acknowledged=acknowledged)[
            "acknowledged"
        ]
        is ok
    )


def test_breaking_changes_only_gate_app_upgrades():
    result = plan({"temporal": "temporalio/auto-setup:1.29.0"}, breaking_changes=BREAKING)
    assert result["breaking"] == [] and result["acknowledged"] is True


def test_an_app_downgrade_is_refused():
    result = plan({"postiz": APP + "v2.22.1"})
    assert len(result["problems"]) == 1
    assert "back from v2.23.0 to v2.22.1" in result["problems"][0]
    assert "restore a backup" in result["problems"][0]


def test_a_postgres_major_change_is_refused_and_a_minor_one_is_not():
    result = plan({"postiz-postgres": "postgres:18-alpine", "temporal-postgresql": "postgres:16.4"})
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith(
        "postiz-postgres would move from PostgreSQL 17 (postgres:17-alpine) to 18"
    )


def test_test_tags_are_never_called_a_downgrade():
    current = dict(CURRENT, postiz="selfhosted-postiz-test/postiz-double:v-old")
    result = postiz_upgrade_plan(
        current, dict(CURRENT, postiz="selfhosted-postiz-test/postiz-double:v-broken"), services=SERVICES
    )
    assert result["problems"] == []


@pytest.mark.parametrize(
    "entries",
    [
        "v2.12.0",
        [{"version": "v2.12.0", "summary": "x"}],
        [{"version": "", "summary": "x", "changelog_url": "u"}],
        ["v2"],
    ],
)
def test_malformed_breaking_changes_raise(entries):
    with pytest.raises(AnsibleFilterError, match="breaking_changes"):
        plan({}, breaking_changes=entries)


def test_a_service_without_an_image_raises():
    with pytest.raises(AnsibleFilterError, match="temporal"):
        postiz_upgrade_plan({"postiz": APP + "v1"}, {"postiz": APP + "v2"}, services=["postiz", "temporal"])


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert filters["postiz_upgrade_plan"] is postiz_upgrade_plan
    assert filters["postiz_upgrade_running_images"] is postiz_upgrade_running_images
    assert filters["postiz_upgrade_backups"] is postiz_upgrade_backups


def container(service, image):
    labels = {"com.docker.compose.project": "postiz"}
    if service:
        labels["com.docker.compose.service"] = service
    return {"Image": image, "State": "running", "Labels": labels}


def test_running_images_map_each_service_to_its_containers_image():
    assert postiz_upgrade_running_images(
        [
            container("postiz", APP + "v2.23.0"),
            container("temporal", "temporalio/auto-setup:1.28.1"),
        ]
    ) == {"postiz": APP + "v2.23.0", "temporal": "temporalio/auto-setup:1.28.1"}


def test_running_images_take_the_last_container_of_a_service_and_skip_unlabelled_ones():
    assert postiz_upgrade_running_images(
        [
            container("postiz", APP + "v2.9.1"),
            container(None, "busybox:1"),
            container("postiz", APP + "v2.23.0"),
        ]
    ) == {"postiz": APP + "v2.23.0"}
    assert postiz_upgrade_running_images([]) == {}


@pytest.mark.parametrize("containers", ["postiz", {"postiz": "x"}, None])
def test_running_images_refuse_what_is_not_a_container_list(containers):
    with pytest.raises(AnsibleFilterError):
        postiz_upgrade_running_images(containers)


NOW = "2026-09-01T12:00:00Z"
RUNNING = {"postiz": APP + "v2.23.0", "postiz-postgres": "postgres:17-alpine", "postiz-redis": "redis:7.2"}


def backup(ident, created, kind=None, **images):
    recorded = {"postiz": APP + "v2.23.0", "postiz-postgres": "postgres:17-alpine"}
    recorded.update(images)
    entry = {
        "id": ident,
        "created": created,
        "images": {
            service: {"image": image, "id": "sha256:" + "a" * 64}
            for service, image in recorded.items()
            if image
        },
    }
    if kind:
        entry["kind"] = kind
    return entry


def ids(found):
    return [entry["id"] for entry in found]


def test_backups_no_older_than_the_limit_keep_their_order():
    backups = [
        backup("old", "2026-09-01T08:59:59Z"),
        backup("edge", "2026-09-01T09:00:00Z"),
        backup("new", "2026-09-01T11:30:00Z"),
    ]
    assert ids(postiz_upgrade_backups(backups, RUNNING, 3, now=NOW)) == ["edge", "new"]
    assert ids(postiz_upgrade_backups(backups, RUNNING, 0, now=NOW)) == []
    assert ids(postiz_upgrade_backups(backups, RUNNING, "24", now=NOW)) == ["old", "edge", "new"]


def test_backups_of_other_images_or_without_the_app_or_before_a_restore_are_left_out():
    backups = [
        backup("other-app", "2026-09-01T11:00:00Z", postiz=APP + "v2.9.1"),
        backup("other-postgres", "2026-09-01T11:00:00Z", **{"postiz-postgres": "postgres:16"}),
        backup("no-app", "2026-09-01T11:00:00Z", postiz=None),
        backup("pre-restore", "2026-09-01T11:00:00Z", kind="pre-restore"),
        # A service that does not run now (Temporal outside the stack) does not count.
        backup("extra-service", "2026-09-01T11:00:00Z", temporal="temporalio/auto-setup:1.20.0"),
        backup("regular", "2026-09-01T11:00:00Z", kind="regular"),
    ]
    assert ids(postiz_upgrade_backups(backups, RUNNING, 24, now=NOW)) == ["extra-service", "regular"]


def test_backups_are_judged_against_the_current_time_by_default():
    from datetime import datetime, timedelta

    fresh = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(postiz_upgrade_backups([backup("fresh", fresh)], RUNNING, 1)) == ["fresh"]


@pytest.mark.parametrize(("backups", "running"), [("[]", RUNNING), ([], ["postiz"])])
def test_backups_refuse_wrong_input(backups, running):
    with pytest.raises(AnsibleFilterError):
        postiz_upgrade_backups(backups, running)
