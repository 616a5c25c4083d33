# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files renamed into place (status, manifest, archive, the backup directory) are on the disk
first, and so is the rename: a crash or power loss leaves the old file or the new one."""

from __future__ import annotations

import datetime as dt
import os

import pytest

WHEN = dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC)


@pytest.fixture(name="synced")
def fixture_synced(pb, monkeypatch):
    """The (device, inode) of everything fsync()ed from now on."""
    found = set()
    real = os.fsync

    def recording(fd):
        info = os.fstat(fd)
        found.add((info.st_dev, info.st_ino))
        return real(fd)

    monkeypatch.setattr(pb.os, "fsync", recording)
    return found


def identity(path):
    info = os.stat(path)
    return (info.st_dev, info.st_ino)


def test_json_files_reach_the_disk_before_and_after_the_rename(pb, tmp_path, synced):
    path = str(tmp_path / "status.json")
    pb.write_json(path, {"ok": True})
    assert identity(path) in synced
    assert identity(str(tmp_path)) in synced


def test_the_archive_and_the_published_backup_reach_the_disk(pb, run_config, synced):
    run = pb.BackupRun(run_config, WHEN)
    os.makedirs(os.path.join(run.payload, "db"))
    with open(os.path.join(run.payload, "db", "x.dump"), "wb") as handle:
        handle.write(b"PGDMP")
    archive, _dummy = run.write_archive()
    assert identity(os.path.join(run.staging, archive["name"])) in synced
    final = run.publish({"id": run.ident, "status": "ok", "project": "demo", "archive": archive})
    assert identity(os.path.join(final, "manifest.json")) in synced
    assert identity(run_config["backup_dir"]) in synced
