# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pre-restore backups are named and marked apart: listed with their kind, never `latest`,
kept by a rule of their own that never pushes a regular backup out, and their run applies
no retention and makes no off-site copy."""

from __future__ import annotations

import datetime as dt
import json
import os

WHEN = dt.datetime(2026, 6, 10, 3, 15, tzinfo=dt.UTC)


class NoDocker:
    def cli(self, *args, **kwargs):
        return ""

    def remove_labelled(self, label):
        return None


def day(days_before, hour=3):
    return (WHEN - dt.timedelta(days=days_before)).replace(hour=hour).strftime("%Y%m%dT%H%M%SZ")


def make_backup(directory, ident, kind=None, project="demo"):
    path = os.path.join(directory, ident + ("-pre-restore" if kind == "pre-restore" else ""))
    os.makedirs(path)
    manifest = {"id": ident, "status": "ok", "project": project, "archive": {"name": "a.tar", "size": 1}}
    if kind:
        manifest["kind"] = kind
    with open(os.path.join(path, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
    return path


def test_a_pre_restore_run_publishes_a_marked_directory(pb, run_config):
    run = pb.BackupRun(run_config, WHEN, kind=pb.PRE_RESTORE)
    os.makedirs(run.payload)
    final = run.publish(
        {"id": run.ident, "status": "ok", "project": "demo", "kind": pb.PRE_RESTORE, "archive": {"size": 1}}
    )
    assert os.path.basename(final) == f"{run.ident}-pre-restore"
    listed = pb.list_backups(run_config["backup_dir"], "demo")
    assert [(m["id"], m["kind"], m["path"]) for m in listed] == [(run.ident, "pre-restore", final)]


def test_latest_is_the_newest_regular_backup_and_a_pre_restore_one_is_found_by_id(pb, run_config):
    backups = run_config["backup_dir"]
    make_backup(backups, day(1))
    make_backup(backups, day(0, hour=14), kind="pre-restore")
    assert [m["kind"] for m in pb.list_backups(backups, "demo")] == ["regular", "pre-restore"]
    assert pb.locate_backup(backups, "latest", "demo")["id"] == day(1)
    assert pb.locate_backup(backups, day(0, hour=14), "demo")["kind"] == "pre-restore"


def test_retention_keeps_pre_restore_backups_apart(pb, run_config):
    backups = run_config["backup_dir"]
    run_config["retention"] = {"daily": 7, "weekly": 1, "monthly": 1}
    for days_before in range(10):
        make_backup(backups, day(days_before))
    # The same days as regular backups, later in the day: they must not push those out.
    recent = [day(0, hour=14), day(3, hour=14)]
    old = [day(20, hour=14)]
    for ident in recent + old:
        make_backup(backups, ident, kind="pre-restore")
    run = pb.BackupRun(run_config, WHEN)
    run.docker = NoDocker()
    removed = run.apply_retention()
    assert sorted(removed) == sorted([day(7), day(8), day(9), f"{old[0]}-pre-restore"])
    listed = pb.list_backups(backups, "demo")
    assert sorted(m["id"] for m in listed if m["kind"] == "regular") == sorted(day(n) for n in range(7))
    assert sorted(m["id"] for m in listed if m["kind"] == "pre-restore") == sorted(recent)


def test_the_newest_pre_restore_backup_is_kept_however_old(pb):
    ids = [day(40, hour=14), day(30, hour=14)]
    assert pb.select_retained_pre_restore(ids, WHEN, 7) == {day(30, hour=14)}
    assert pb.select_retained_pre_restore([day(1), day(6), day(8)], WHEN, 7) == {day(1), day(6)}


def test_a_pre_restore_run_applies_no_retention_and_copies_nothing_off_site(pb, run_config, monkeypatch):
    backups = run_config["backup_dir"]
    run_config["retention"] = {"daily": 1, "weekly": 1, "monthly": 1}
    run_config["restic"]["repository"] = "/nonexistent/restic"
    for days_before in range(5):
        make_backup(backups, day(days_before))

    def no_restic(*args, **kwargs):
        raise AssertionError("restic ran")

    monkeypatch.setattr(pb, "run_command", no_restic)
    run = pb.BackupRun(run_config, WHEN, kind=pb.PRE_RESTORE)
    assert run.apply_retention() == []
    run.offsite(os.path.join(backups, day(0)))
    assert len(pb.list_backups(backups, "demo")) == 5


def test_the_pre_restore_run_leaves_the_restores_unpacked_backup(pb, run_config):
    unpacked = os.path.join(run_config["backup_dir"], ".restore-demo-abcd1234")
    stale = os.path.join(run_config["backup_dir"], ".restore-demo-zzzz9999")
    os.makedirs(unpacked)
    os.makedirs(stale)
    run = pb.BackupRun(run_config, WHEN, kind=pb.PRE_RESTORE, keep=[".restore-demo-abcd1234"])
    run.docker = NoDocker()
    run.cleanup_leftovers()
    assert os.path.isdir(unpacked) and not os.path.exists(stale)
