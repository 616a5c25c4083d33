# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tests/host_fingerprint.py: what counts as the suite's own, and what is reported."""

from __future__ import annotations

import importlib.util
import os
import pathlib

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "host_fingerprint.py"
spec = importlib.util.spec_from_file_location("host_fingerprint", SCRIPT)
fp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fp)


def test_differences_name_what_appeared_went_and_changed():
    before = {
        "containers": {"web": {"id": "1", "started": "a"}, "db": {"id": "2"}},
        "files": {"/opt/x": {"size": 1}},
    }
    after = {
        "containers": {"web": {"id": "1", "started": "b"}, "cache": {"id": "3"}},
        "files": {"/opt/x": {"size": 1}},
    }
    assert fp.differences(before, after) == [
        "containers: cache appeared",
        "containers: db is gone",
        "containers: web changed (started)",
    ]


def test_no_difference_when_nothing_changed():
    state = {"volumes": {"data": {"driver": "local"}}, "files": {}}
    assert fp.differences(state, state) == []


def test_images_of_the_suite_are_left_out_and_others_kept(monkeypatch):
    listed = [
        {"Id": "sha256:a", "RepoTags": ["selfhosted-postiz-test/postgres:15"], "Config": {"Labels": None}},
        {"Id": "sha256:b", "RepoTags": [], "Config": {"Labels": {"selfhosted.postiz.inputs": "x"}}},
        {"Id": "sha256:c", "RepoTags": ["postgres:17-alpine"], "Config": {"Labels": {}}},
        {"Id": "sha256:d", "RepoTags": ["selfhosted-postiz-test/x:1", "mine:1"], "Config": {"Labels": {}}},
    ]
    monkeypatch.setattr(fp, "docker_json", lambda *args: [{"ID": i["Id"]} for i in listed])
    monkeypatch.setattr(fp, "inspect", lambda kind, ids: listed)
    assert sorted(fp.images()) == ["sha256:c", "sha256:d"]


def test_containers_of_the_suite_are_left_out(monkeypatch):
    listed = [
        {
            "Id": "1",
            "Name": "/selfhosted-postiz-test-default",
            "Image": "i",
            "Created": "c",
            "State": {"StartedAt": "s"},
            "Config": {"Labels": {}},
        },
        {
            "Id": "2",
            "Name": "/postiz-postiz-1",
            "Image": "i",
            "Created": "c",
            "State": {"StartedAt": "s"},
            "Config": {"Labels": {"com.docker.compose.project": "postiz"}},
            "RestartCount": 0,
        },
    ]
    listed.append(
        {
            "Id": "3",
            "Name": "/postiz-postiz-redis-1",
            "Image": "i",
            "Created": "c",
            "State": {"StartedAt": "s"},
            "Config": {"Labels": {"selfhosted.postiz.inputs": "from the test image"}},
            "RestartCount": 0,
        }
    )
    monkeypatch.setattr(fp, "docker_json", lambda *args: [{"ID": c["Id"]} for c in listed])
    monkeypatch.setattr(fp, "inspect", lambda kind, ids: listed)
    # A user's instance deployed from the suite's test images is still the user's.
    assert list(fp.containers()) == ["postiz-postiz-1", "postiz-postiz-redis-1"]


def test_tree_never_follows_links(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "link")
    found = fp.tree(str(root))
    assert str(root / "link") in found
    assert found[str(root / "link")]["target"] == str(outside)
    assert not any(path.endswith("secret") for path in found)


@pytest.mark.parametrize("missing", ["/nonexistent-selfhosted-postiz-path"])
def test_missing_tree_is_empty(missing):
    assert fp.tree(missing) == {}


def test_watches_the_deployments_backups_not_the_systems_own():
    """Debian's daily cron job writes /var/backups/dpkg.status.0 and the like on a
    host whose cron runs; only the deployment's backup tree is the suite's concern."""
    import yaml

    defaults = SCRIPT.parents[1] / "roles" / "backup_cron" / "defaults" / "main.yml"
    backup_dir = yaml.safe_load(defaults.read_text())["backup_cron_dir"]
    assert any(backup_dir.startswith(root + "/") for root in fp.TREES), backup_dir
    assert "/var/backups" not in fp.TREES
