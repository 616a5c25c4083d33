# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two projects backing up into one directory never list, keep, delete or clean up each
other's backups, and two runs in the same second both get a directory of their own."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import pytest

WHEN = dt.datetime(2026, 6, 8, 3, 15, tzinfo=dt.UTC)


class NoDocker:
    """The leftover clean-up asks Docker for labelled containers: there are none."""

    def cli(self, *args, **kwargs):
        return ""

    def container(self, service):
        return None

    def remove_labelled(self, label):
        return None


@pytest.fixture(name="shared")
def fixture_shared(tmp_path):
    shared = tmp_path / "backups"
    shared.mkdir()
    return shared


def config_for(pb, tmp_path, project, backup_dir):
    path = tmp_path / f"{project}.json"
    path.write_text(
        json.dumps(
            {
                "project_name": project,
                "project_dir": str(tmp_path / project),
                "backup_dir": str(backup_dir),
                "state_dir": str(tmp_path / "state" / project),
            }
        )
    )
    config = pb.load_config(str(path))
    os.makedirs(config["state_dir"], exist_ok=True)
    return config


def day(days_before):
    return (WHEN - dt.timedelta(days=days_before)).strftime("%Y%m%dT%H%M%SZ")


def make_backup(directory, project, ident, name=None):
    path = directory / (name or ident)
    path.mkdir()
    archive = f"postiz-backup-{project}-{ident}.tar"
    (path / archive).write_bytes(b"archive")
    (path / "manifest.json").write_text(
        json.dumps(
            {
                "id": ident,
                "status": "ok",
                "project": project,
                "archive": {"name": archive, "size": 7},
            }
        )
    )
    return path


def run_for(pb, config, when=WHEN):
    run = pb.BackupRun(config, when)
    run.docker = NoDocker()
    return run


def test_listing_and_latest_see_only_the_projects_own_backups(pb, shared):
    make_backup(shared, "alpha", day(2))
    make_backup(shared, "beta", day(1))
    make_backup(shared, "alpha-two", day(0))
    assert [m["id"] for m in pb.list_backups(str(shared), "alpha")] == [day(2)]
    assert pb.locate_backup(str(shared), "latest", "alpha")["id"] == day(2)
    assert pb.locate_backup(str(shared), "latest", "beta")["id"] == day(1)
    with pytest.raises(pb.BackupError, match=f"no backup {day(1)}"):
        pb.locate_backup(str(shared), day(1), "alpha")


def test_retention_deletes_only_the_projects_own_backups(pb, tmp_path, shared):
    # beta has 30 daily backups, all older than alpha's newest: alpha must not touch them.
    for days_before in range(10, 40):
        make_backup(shared, "beta", day(days_before))
    for days_before in range(10):
        make_backup(shared, "alpha", day(days_before))
    config = config_for(pb, tmp_path, "alpha", shared)
    config["retention"] = {"daily": 3, "weekly": 1, "monthly": 1}
    removed = run_for(pb, config).apply_retention()
    assert sorted(removed) == sorted(day(n) for n in range(3, 10))
    assert sorted(m["id"] for m in pb.list_backups(str(shared), "beta")) == sorted(
        day(n) for n in range(10, 40)
    )
    assert sorted(m["id"] for m in pb.list_backups(str(shared), "alpha")) == sorted(day(n) for n in range(3))


def test_leftover_clean_up_leaves_other_projects_runs_alone(pb, tmp_path, shared):
    ours = [f".incomplete-alpha-{day(1)}", ".restore-alpha-ab12_x9z"]
    theirs = [
        f".incomplete-beta-{day(0)}",
        ".restore-beta-ab12_x9z",
        f".incomplete-alpha-two-{day(0)}",
        ".restore-alpha-two-ab12_x9z",
        f".incomplete-{day(0)}",
        ".restore-ab12_x9z",
    ]
    for name in ours + theirs:
        (shared / name / "payload").mkdir(parents=True)
    run_for(pb, config_for(pb, tmp_path, "alpha", shared)).cleanup_leftovers()
    assert sorted(os.listdir(shared)) == sorted(theirs)


def test_unscoped_leftovers_of_earlier_versions_go_only_after_a_day(pb, tmp_path, shared):
    old = [f".incomplete-{day(3)}", ".restore-oldoldol"]
    fresh = [f".incomplete-{day(0)}", ".restore-freshfre"]
    for name in old + fresh:
        (shared / name).mkdir()
    two_days_ago = time.time() - 2 * 86400
    for name in old:
        os.utime(shared / name, (two_days_ago, two_days_ago))
    run_for(pb, config_for(pb, tmp_path, "alpha", shared)).cleanup_leftovers()
    assert sorted(os.listdir(shared)) == sorted(fresh)


def test_staging_and_restore_directories_carry_the_project(pb, tmp_path, shared):
    run = run_for(pb, config_for(pb, tmp_path, "alpha", shared))
    assert os.path.basename(run.staging) == f".incomplete-alpha-{run.ident}"


def test_two_projects_in_the_same_second_both_keep_their_backup(pb, tmp_path, shared):
    make_backup(shared, "alpha", day(0))
    run = run_for(pb, config_for(pb, tmp_path, "beta", shared))
    os.makedirs(run.staging)
    (open(os.path.join(run.staging, "postiz-backup-beta.tar"), "wb")).close()
    final = run.publish(
        {"id": run.ident, "status": "ok", "project": "beta", "archive": {"name": "x", "size": 0}}
    )
    assert os.path.basename(final) == f"{day(0)}-beta"
    assert [m["path"] for m in pb.list_backups(str(shared), "beta")] == [final]
    assert [m["id"] for m in pb.list_backups(str(shared), "alpha")] == [day(0)]


def test_the_same_project_twice_in_one_second_is_refused(pb, tmp_path, shared):
    make_backup(shared, "alpha", day(0))
    run = run_for(pb, config_for(pb, tmp_path, "alpha", shared))
    with pytest.raises(pb.BackupError, match="already exists"):
        run.check_new()


def test_a_dedicated_directory_keeps_plain_id_names(pb, tmp_path, shared):
    run = run_for(pb, config_for(pb, tmp_path, "alpha", shared))
    os.makedirs(run.staging)
    final = run.publish(
        {"id": run.ident, "status": "ok", "project": "alpha", "archive": {"name": "x", "size": 0}}
    )
    assert os.path.basename(final) == run.ident
    assert sorted(os.listdir(final)) == ["manifest.json"]
