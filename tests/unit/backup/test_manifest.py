# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Manifest entries, archive round trip (plain and age), comparisons and config loading."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import tarfile

import pytest


def populate(root):
    files = {
        "db/postiz-postgres/postiz-db-local.dump": b"PGDMP" + bytes(range(256)) * 10,
        "uploads.tar": b"\0" * 10240,
        "config/env/postiz.env": b"JWT_SECRET='x'\n",
        "config/secrets/secrets.json": b'{"JWT_SECRET": "x"}\n',
    }
    for rel, data in files.items():
        path = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return files


def make_run(pb, config, tmp_path):
    os.makedirs(config["backup_dir"])
    run = pb.BackupRun(config, dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC))
    populate(run.payload)
    return run


def manifest_for(run, archive, members):
    final = os.path.join(run.backup_dir, run.ident)
    os.rename(run.staging, final)
    return {"id": run.ident, "status": "ok", "archive": archive, "files": members, "path": final}


def test_file_entries_hash_every_file_sorted(pb, tmp_path):
    files = populate(str(tmp_path))
    entries = pb.file_entries(str(tmp_path))
    assert [e["path"] for e in entries] == sorted(files)
    for entry in entries:
        assert entry["sha256"] == hashlib.sha256(files[entry["path"]]).hexdigest()
        assert entry["size"] == len(files[entry["path"]])
    assert pb.verify_entries(str(tmp_path), entries) == []
    with open(tmp_path / "uploads.tar", "r+b") as handle:
        handle.write(b"x")
    (tmp_path / "config" / "env" / "postiz.env").unlink()
    problems = pb.verify_entries(str(tmp_path), entries)
    assert any("uploads.tar" in p and "sha256" in p for p in problems)
    assert any("postiz.env is missing" in p for p in problems)


def test_plain_archive_round_trip(pb, config, tmp_path):
    run = make_run(pb, config, tmp_path)
    archive, members = run.write_archive()
    assert archive["name"] == "postiz-backup-demo-20260601T031500Z.tar"
    assert archive["encryption"] is None
    assert oct(os.stat(os.path.join(run.staging, archive["name"])).st_mode & 0o777) == "0o600"
    manifest = manifest_for(run, archive, members)
    dest = tmp_path / "out"
    pb.extract_backup(manifest, str(dest), None, "age")
    assert pb.verify_entries(str(dest), members) == []
    assert oct(os.stat(dest / "uploads.tar").st_mode & 0o777) == "0o600"


def test_a_changed_archive_is_refused_before_unpacking(pb, config, tmp_path):
    run = make_run(pb, config, tmp_path)
    archive, members = run.write_archive()
    manifest = manifest_for(run, archive, members)
    with open(os.path.join(manifest["path"], archive["name"]), "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(pb.BackupError, match="sha256"):
        pb.extract_backup(manifest, str(tmp_path / "out"), None, "age")
    assert not (tmp_path / "out").exists()


def test_age_archive_round_trip_needs_the_identity(pb, config, tmp_path):
    identity = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    config["age_recipients"] = [recipient]
    run = make_run(pb, config, tmp_path)
    archive, members = run.write_archive()
    assert archive["name"].endswith(".tar.age")
    assert archive["recipients"] == [recipient]
    with open(os.path.join(run.staging, archive["name"]), "rb") as handle:
        assert handle.read(21) == b"age-encryption.org/v1"
    manifest = manifest_for(run, archive, members)
    with pytest.raises(pb.BackupError, match="identity"):
        pb.extract_backup(manifest, str(tmp_path / "none"), None, "age")
    pb.extract_backup(manifest, str(tmp_path / "out"), str(identity), "age")
    assert pb.verify_entries(str(tmp_path / "out"), members) == []


def test_unsafe_archive_members_are_refused(pb, tmp_path):
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("../escape")
        info.size = 0
        tar.addfile(info)
    manifest = {
        "id": "x",
        "archive": {"name": "evil.tar", "sha256": pb.sha256_file(str(evil))},
        "files": [],
        "path": str(tmp_path),
    }
    with pytest.raises(pb.BackupError, match="unsafe"):
        pb.extract_backup(manifest, str(tmp_path / "out"), None, "age")
    assert not (tmp_path / "escape").exists()


@pytest.mark.parametrize(
    "name, safe",
    [("db/x.dump", True), ("/etc/passwd", False), ("a/../../b", False), ("", False), ("a\\b", False)],
)
def test_safe_member_names(pb, name, safe):
    assert pb.safe_member_name(name) is safe


def test_differing_secrets_names_never_values(pb):
    host = {"JWT_SECRET": "a", "POSTIZ_POSTGRES_PASSWORD": "p", "ONLY_HOST": "h"}
    backup = {"JWT_SECRET": "b", "POSTIZ_POSTGRES_PASSWORD": "p", "ONLY_BACKUP": "o"}
    assert pb.differing_secrets(host, backup) == ["JWT_SECRET", "ONLY_BACKUP", "ONLY_HOST"]
    assert pb.differing_secrets(host, dict(host)) == []


def test_count_mismatches(pb):
    assert pb.count_mismatches({"Post": 3, "Media": 1}, {"Post": 3, "Media": 1}) == {}
    assert pb.count_mismatches({"Post": 3, "Media": 1}, {"Post": 2, "Media": 1}) == {"Post": [3, 2]}
    assert pb.count_mismatches({"Post": 3}, {}) == {"Post": [3, None]}


def test_counts_query_and_parsing(pb):
    sql = pb.counts_query(["Post", "Media"])
    assert sql.count("UNION ALL") == 1 and 'public."Post"' in sql
    with pytest.raises(pb.BackupError):
        pb.counts_query(['Post"; DROP TABLE "User'])
    assert pb.parse_counts("Post|3\nMedia|\n\n") == {"Post": 3, "Media": None}


def test_config_defaults_merge_and_required_keys(pb, config, tmp_path):
    assert config["retention"] == {"daily": 7, "weekly": 4, "monthly": 6}
    assert config["secrets_dir"] == os.path.join(config["project_dir"], "secrets")
    assert config["external"] == {"postgres": False, "temporal_postgres": False}
    partial = tmp_path / "partial.json"
    partial.write_text(
        json.dumps(
            {
                "project_name": "x",
                "project_dir": "/p",
                "backup_dir": "/b",
                "state_dir": "/s",
                "retention": {"daily": 3},
                "drill": {"enabled": False},
            }
        )
    )
    merged = pb.load_config(str(partial))
    assert merged["retention"] == {"daily": 3, "weekly": 4, "monthly": 6}
    assert merged["drill"]["enabled"] is False and merged["drill"]["tables"][0] == "Organization"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"project_name": "x"}))
    with pytest.raises(pb.BackupError, match="project_dir"):
        pb.load_config(str(broken))


def test_list_backups_ignores_incomplete_and_foreign_dirs(pb, tmp_path):
    for name, manifest in (
        ("20260601T031500Z", {"id": "20260601T031500Z", "status": "ok", "project": "demo"}),
        ("20260602T031500Z", None),
        (".incomplete-demo-20260603T031500Z", {"id": "20260603T031500Z", "status": "ok", "project": "demo"}),
        ("notes", {"id": "notes", "status": "ok", "project": "demo"}),
    ):
        os.makedirs(tmp_path / name)
        if manifest:
            (tmp_path / name / "manifest.json").write_text(json.dumps(manifest))
    assert [m["id"] for m in pb.list_backups(str(tmp_path), "demo")] == ["20260601T031500Z"]
    assert pb.locate_backup(str(tmp_path), "latest", "demo")["id"] == "20260601T031500Z"
    with pytest.raises(pb.BackupError, match="no backup 20990101T000000Z"):
        pb.locate_backup(str(tmp_path), "20990101T000000Z", "demo")


def test_free_space_needed(pb):
    assert pb.free_space_needed(None) == 64 * 1024 * 1024
    assert pb.free_space_needed(1024**3) == 2 * 1024**3
