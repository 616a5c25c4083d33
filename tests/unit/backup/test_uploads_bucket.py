# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""With uploads in a Cloudflare R2 bucket (postiz_stack_storage), a backup still holds the
uploads volume, and its manifest says the bucket's uploads are not in it, naming the bucket;
a restore says they were not restored."""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest

WHEN = dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC)
BUCKET = {"name": "postiz-media", "url": "https://media.example.com"}


def manifest_of_a_run(pb, config, monkeypatch):
    """The manifest BackupRun.execute publishes, every step that needs Docker faked."""
    config["external"] = {"postgres": True, "temporal_postgres": True}
    run = pb.BackupRun(config, WHEN)
    published = {}
    steps = {
        "check_new": None,
        "cleanup_leftovers": None,
        "check_space": None,
        "image_versions": {},
        "archive_uploads": None,
        "copy_config": None,
        "apply_retention": [],
        "offsite": None,
    }
    for name, value in steps.items():
        monkeypatch.setattr(run, name, lambda *args, value=value, **kwargs: value)
    app = {"Id": "app-id", "Image": "app-image", "State": {"Status": "exited"}}
    monkeypatch.setattr(run, "service_container", lambda key, required: app if key == "app" else None)
    monkeypatch.setattr(run, "write_archive", lambda: ({"name": "a.tar", "size": 1}, []))

    def publish(manifest):
        published.update(manifest)
        return os.path.join(config["backup_dir"], run.ident)

    monkeypatch.setattr(run, "publish", publish)
    run.execute()
    return published


def test_without_a_bucket_the_uploads_are_all_in_the_backup(pb, run_config, monkeypatch):
    assert run_config["uploads_bucket"] == {"name": "", "url": ""}
    manifest = manifest_of_a_run(pb, run_config, monkeypatch)
    assert manifest["uploads"] == {"volume": "postiz-uploads", "in_backup": True, "bucket": None}


def test_with_a_bucket_the_manifest_names_it_and_says_it_is_not_backed_up(
    pb, run_config, monkeypatch, caplog
):
    run_config["uploads_bucket"] = dict(BUCKET)
    with caplog.at_level(logging.WARNING, logger=pb.LOG.name):
        manifest = manifest_of_a_run(pb, run_config, monkeypatch)
    uploads = manifest["uploads"]
    assert uploads["in_backup"] is False
    assert uploads["volume"] == "postiz-uploads"
    assert uploads["bucket"] == {"provider": "cloudflare-r2", "name": "postiz-media", "url": BUCKET["url"]}
    assert "bucket postiz-media, which is not in this backup" in uploads["note"]
    assert uploads["note"] in caplog.text


@pytest.mark.parametrize("bucket", [None, {"provider": "cloudflare-r2", "name": "postiz-media", "url": None}])
def test_a_restore_says_the_bucket_was_not_restored(pb, config, tmp_path, monkeypatch, caplog, bucket):
    class Stack:
        binary = "docker"

        def volume(self, name):
            return name

        def container(self, service):
            return {"Id": service, "Image": "postgres-image", "State": {"Status": "running"}}

    monkeypatch.setattr(pb, "Docker", lambda config: Stack())
    monkeypatch.setattr(pb, "stream_command", lambda *args, **kwargs: (0, ""))
    manifest = {"id": "20260601T031500Z", "uploads": {"volume": "postiz-uploads", "bucket": bucket}}
    with caplog.at_level(logging.WARNING, logger=pb.LOG.name):
        pb.Restore(config, str(tmp_path), manifest).restore_uploads()
    said = "bucket postiz-media are not in backup 20260601T031500Z and were not restored" in caplog.text
    assert said is (bucket is not None)
