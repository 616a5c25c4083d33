# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A restore backs up the current state first, marks itself in progress on the disk before
anything is dropped, stops the app and replaces the data under the backup lock, and removes
the mark only once the row counts match. While the mark is there the backup run refuses
(a failed day), and the next restore completes the interrupted one."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import stat
import tarfile

import pytest

PRE_RESTORE_ID = "20260610T120000Z"


@pytest.fixture(name="main")
def fixture_main(pb, config, tmp_path):
    """pb.main with the test's configuration file; the process state main() changes
    (umask, signal handlers, log handlers) is put back afterwards."""
    umask = os.umask(0o022)
    os.umask(umask)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    log_handlers = list(pb.LOG.handlers)
    for key in ("backup_dir", "state_dir"):
        os.makedirs(config[key], exist_ok=True)

    def run(*argv):
        return pb.main(["--config", str(tmp_path / "config.json"), *argv])

    yield run
    os.umask(umask)
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for handler in list(pb.LOG.handlers):
        if handler not in log_handlers:
            pb.LOG.removeHandler(handler)
    pb.LOG.setLevel(logging.NOTSET)


def lock_held(pb, config):
    """Whether someone holds the project's backup lock (flock: another open file conflicts
    even in the same process)."""
    try:
        with pb.exclusive_lock(os.path.join(config["state_dir"], "lock")):
            return False
    except pb.Busy:
        return True


class FakeStack:
    """The docker CLI of a running stack, recording what the restore does to it and, at each
    step, whether the lock was held and the in-progress marker on the disk."""

    binary = "docker"
    project = "demo"

    def __init__(self, pb, config, events, counts="Post|3\n", fail_on=None, containers=True):
        self.pb = pb
        self.config = config
        self.events = events
        self.counts = counts
        self.fail_on = fail_on
        self.containers = containers
        # On Swarm (engine swarm): the stack's services and the replicas each asks for.
        self.swarm = config.get("engine") == "swarm"
        self.replicas = {"postiz-postgres": 1, "temporal": 1, "postiz": 3}

    def running_replicas(self):
        return {service: (count, count) for service, count in self.replicas.items()}

    def scale(self, replicas, timeout):
        self.record("scale " + " ".join(f"{service}={count}" for service, count in replicas.items()))
        self.replicas.update(replicas)

    def record(self, what):
        if what == self.fail_on:
            raise self.pb.BackupError(f"{what} failed")
        marker = os.path.exists(os.path.join(self.config["state_dir"], "restore-in-progress.json"))
        self.events.append((what, lock_held(self.pb, self.config), marker))

    def compose(self, *args, timeout=None):
        self.record("compose " + args[0] + (" --no-start" if "--no-start" in args else ""))
        return ""

    def cli(self, *args, input_bytes=None, timeout=None):
        sql = (input_bytes or b"").decode()
        if "DROP DATABASE" in sql:
            self.record("drop database")
        elif "count(*)" in sql:
            self.record("count rows")
            return self.counts
        elif "ALTER ROLE" in sql:
            self.record("set role password")
        return ""

    def container(self, service):
        if not self.containers:
            return None
        return {"Id": f"{service}-id", "Image": "postgres-image", "State": {"Status": "running"}}

    def volume(self, name):
        return f"{name}-volume"

    def wait_postgres(self, *args):
        return None


@pytest.fixture(name="stack")
def fixture_stack(pb, config, monkeypatch):
    """Docker and the streamed commands (pg_restore, the uploads' tar) faked; the pre-restore
    backup run faked too (it records itself and returns the backup it would have made)."""
    events = []
    stack = FakeStack(pb, config, events)
    monkeypatch.setattr(pb, "Docker", lambda config: stack)

    def stream(argv, source=None, dest=None, timeout=3600):
        stack.record("restore uploads" if "sh" in argv else "pg_restore")
        return 0, ""

    monkeypatch.setattr(pb, "stream_command", stream)

    def safety_run(run):
        stack.record(f"{run.kind} backup")
        return {
            "backup": PRE_RESTORE_ID,
            "path": os.path.join(config["backup_dir"], f"{PRE_RESTORE_ID}-pre-restore"),
        }

    monkeypatch.setattr(pb.BackupRun, "execute", safety_run)
    return stack


def write_project(config, secrets=None):
    """A deployed project: its compose file and secrets."""
    os.makedirs(os.path.join(config["project_dir"], "secrets"), exist_ok=True)
    with open(os.path.join(config["project_dir"], "compose.yaml"), "w", encoding="utf-8") as handle:
        handle.write("services: {}\n")
    with open(os.path.join(config["secrets_dir"], "secrets.json"), "w", encoding="utf-8") as handle:
        json.dump(secrets or {"JWT_SECRET": "host"}, handle)


def make_backup(pb, config, ident, kind=None, secrets=None, rows=3):
    """A real backup directory (archive and manifest) of project demo."""
    root = os.path.join(config["backup_dir"], ident + ("-pre-restore" if kind == "pre-restore" else ""))
    payload = os.path.join(root, "payload")
    files = {
        "db/postiz-postgres/postiz-db-local.dump": b"PGDMP" + ident.encode(),
        "uploads.tar": b"\0" * 1024,
        "config/compose.yaml": b"services: {}\n",
        "config/secrets/secrets.json": json.dumps(secrets or {"JWT_SECRET": "host"}).encode(),
    }
    for rel, data in files.items():
        path = os.path.join(payload, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    members = pb.file_entries(payload)
    archive = os.path.join(root, f"postiz-backup-demo-{ident}.tar")
    with tarfile.open(archive, "w") as tar:
        for entry in members:
            tar.add(os.path.join(payload, *entry["path"].split("/")), arcname=entry["path"])
    for rel in files:
        os.unlink(os.path.join(payload, *rel.split("/")))
    manifest = {
        "format": 1,
        "status": "ok",
        "id": ident,
        "project": "demo",
        "created": ident,
        "databases": [
            {
                "service": "postiz-postgres",
                "database": "postiz-db-local",
                "owner": "postiz-user",
                "user": "postiz-user",
                "file": "db/postiz-postgres/postiz-db-local.dump",
            }
        ],
        "row_counts": {"Post": rows},
        "files": members,
        "archive": {
            "name": os.path.basename(archive),
            "size": os.path.getsize(archive),
            "sha256": pb.sha256_file(archive),
            "encryption": None,
        },
    }
    if kind:
        manifest["kind"] = kind
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
    return root


def steps(stack):
    return [event[0] for event in stack.events]


def read_marker(config):
    with open(os.path.join(config["state_dir"], "restore-in-progress.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_the_restore_backs_up_marks_then_stops_and_replaces_under_the_lock(pb, config, main, stack, capsys):
    write_project(config)
    backup = make_backup(pb, config, "20260608T031500Z")
    assert main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_OK
    assert steps(stack) == [
        "pre-restore backup",
        "compose stop",
        "compose up --no-start",
        "compose up",
        "drop database",
        "pg_restore",
        "restore uploads",
        "count rows",
    ]
    # Everything under the lock; the marker on the disk from the stop to the row count.
    assert all(event[1] for event in stack.events)
    assert [event[2] for event in stack.events] == [False] + [True] * 7
    assert not os.path.exists(os.path.join(config["state_dir"], "restore-in-progress.json"))
    result = json.loads(capsys.readouterr().out)
    assert result["safety_backup"] == {
        "id": PRE_RESTORE_ID,
        "path": os.path.join(config["backup_dir"], f"{PRE_RESTORE_ID}-pre-restore"),
    }
    assert result["row_counts"] == {"Post": 3} and result["resumed"] is False
    assert os.path.isdir(backup)


def test_a_restore_killed_half_way_leaves_its_marker_and_the_backup_run_refuses(
    pb, config, main, stack, monkeypatch
):
    write_project(config)
    backup = make_backup(pb, config, "20260608T031500Z")
    stack.fail_on = "restore uploads"  # the databases are already replaced
    assert main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_FAILED
    path = os.path.join(config["state_dir"], "restore-in-progress.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    marker = read_marker(config)
    assert marker["backup"]["id"] == "20260608T031500Z" and marker["backup"]["path"] == backup
    assert marker["safety_backup"]["id"] == PRE_RESTORE_ID
    assert marker["pid"] == os.getpid() and marker["restore_config"] is False

    # Seven good days on record: the refusal must end the streak, not extend it.
    status_path = os.path.join(config["state_dir"], "status.json")
    status = {}
    for day in range(1, 8):
        status = pb.record_run(
            status,
            when=dt.datetime(2026, 6, day, 3, 15, tzinfo=dt.UTC),
            ok=True,
            backup=f"202606{day:02d}T031500Z",
            error=None,
            durations={},
        )
    pb.write_json(status_path, status)
    monkeypatch.setattr(pb.BackupRun, "execute", lambda run: pytest.fail("no backup may be taken"))
    monkeypatch.setenv("POSTIZ_BACKUP_NOW", "2026-06-08T03:15:00Z")

    # While a restore holds the lock the run is Busy, as before, and records nothing.
    with pb.exclusive_lock(os.path.join(config["state_dir"], "lock")):
        assert main("run") == pb.EXIT_BUSY
    assert pb.read_json(status_path, {}) == status

    assert main("run") == pb.EXIT_REFUSED
    status = pb.read_json(status_path, {})
    assert status["last_run"]["ok"] is False
    assert "restore of backup 20260608T031500Z" in status["last_failure_error"]
    assert "did not finish" in status["last_failure_error"] and PRE_RESTORE_ID in status["last_failure_error"]
    assert status["consecutive_successful_days"] == 0
    assert os.path.exists(path)


def test_the_next_restore_completes_the_interrupted_one_from_the_marked_backup(
    pb, config, main, stack, capsys
):
    # The interrupted restore was of an older backup, with its configuration (its secrets differ).
    write_project(config, secrets={"JWT_SECRET": "host"})
    marked = make_backup(pb, config, "20260601T031500Z", secrets={"JWT_SECRET": "backup"})
    make_backup(pb, config, "20260608T031500Z")
    make_backup(pb, config, PRE_RESTORE_ID, kind="pre-restore", rows=4)
    pb.write_json(
        os.path.join(config["state_dir"], "restore-in-progress.json"),
        {
            "format": 1,
            "project": "demo",
            "started": "2026-06-10T12:00:05Z",
            "pid": 1,
            "backup": {"id": "20260601T031500Z", "created": "2026-06-01T03:15:00Z", "path": marked},
            "restore_config": True,
            "safety_backup": {"id": PRE_RESTORE_ID, "path": "x"},
            "safety_skipped": None,
        },
    )
    assert main("restore", "--no-start") == pb.EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result["backup"] == "20260601T031500Z"
    assert result["resumed"] is True
    # No new pre-restore backup of half-restored data: the way back is still the first one.
    assert result["safety_backup"]["id"] == PRE_RESTORE_ID
    assert "pre-restore backup" not in steps(stack)
    assert "drop database" in steps(stack)
    assert pb.read_json(os.path.join(config["secrets_dir"], "secrets.json"), {}) == {"JWT_SECRET": "backup"}
    assert not os.path.exists(os.path.join(config["state_dir"], "restore-in-progress.json"))


def test_row_counts_that_differ_keep_the_marker(pb, config, main, stack):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    stack.counts = "Post|2\n"
    assert main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_FAILED
    assert read_marker(config)["backup"]["id"] == "20260608T031500Z"


def test_no_pre_restore_backup_without_any_container_and_it_says_so(pb, config, main, stack, capsys):
    stack.containers = False  # a new host: nothing deployed yet
    make_backup(pb, config, "20260608T031500Z")
    write_project(config)
    assert (
        main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_FAILED
    )  # no container to restore into
    assert steps(stack)[:1] == ["compose stop"]
    assert read_marker(config)["safety_backup"] is None
    assert "no containers" in read_marker(config)["safety_skipped"]
    capsys.readouterr()


def test_a_failing_pre_restore_backup_changes_nothing(pb, config, main, stack, monkeypatch):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")

    def failing(run):
        raise pb.BackupError("service postiz-postgres of project demo is not running (exited)")

    monkeypatch.setattr(pb.BackupRun, "execute", failing)
    assert main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_FAILED
    assert stack.events == []
    assert not os.path.exists(os.path.join(config["state_dir"], "restore-in-progress.json"))
    assert main("restore", "--backup", "20260608T031500Z", "--no-start", "--no-safety-backup") == pb.EXIT_OK
    assert stack.events[0][0] == "compose stop"


@pytest.fixture(name="swarm")
def fixture_swarm(config, stack, tmp_path):
    """The same stack deployed on Docker Swarm, with 3 app replicas and the uploads in a
    shared directory (in the configuration file main() reads, too)."""
    path = tmp_path / "config.json"
    given = json.loads(path.read_text())
    given.update(engine="swarm", uploads_host_path=str(tmp_path / "share"))
    path.write_text(json.dumps(given))
    config.update(given)
    os.makedirs(config["uploads_host_path"])
    stack.swarm = True
    return stack


def test_on_swarm_the_app_and_temporal_are_scaled_to_0_and_back_one_app_replica_first(
    pb, config, main, swarm, capsys
):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    assert main("restore", "--backup", "20260608T031500Z") == pb.EXIT_OK
    assert steps(swarm) == [
        "pre-restore backup",
        "scale temporal=0 postiz=0",
        "drop database",
        "pg_restore",
        "restore uploads",
        "count rows",
        "scale temporal=1",
        "scale postiz=1",
        "scale postiz=3",
    ]
    # No Compose command, and the marker on the disk from the scale-down to the row count.
    assert [event[2] for event in swarm.events] == [False] + [True] * 5 + [False] * 3
    result = json.loads(capsys.readouterr().out)
    assert result["replicas"] == {"temporal": 1, "postiz": 3} and result["config_written"] == []


def test_on_swarm_an_interrupted_restore_scales_back_to_the_replicas_it_recorded(
    pb, config, main, swarm, capsys
):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    swarm.fail_on = "restore uploads"
    assert main("restore", "--backup", "20260608T031500Z") == pb.EXIT_FAILED
    assert read_marker(config)["replicas"] == {"temporal": 1, "postiz": 3}
    assert swarm.replicas["postiz"] == 0
    # The next restore finds the services at 0 replicas: the marker says where they were.
    swarm.fail_on = None
    assert main("restore") == pb.EXIT_OK
    assert steps(swarm)[-1] == "scale postiz=3"
    assert json.loads(capsys.readouterr().out)["resumed"] is True


def test_on_swarm_the_uploads_are_written_over_the_shared_directory_without_deleting(
    pb, config, main, swarm, monkeypatch
):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    seen = []

    def stream(argv, source=None, dest=None, timeout=3600):
        seen.append(argv)
        return 0, ""

    monkeypatch.setattr(pb, "stream_command", stream)
    assert main("restore", "--backup", "20260608T031500Z", "--no-start") == pb.EXIT_OK
    uploads = next(argv for argv in seen if "sh" in argv)
    assert f"{config['uploads_host_path']}:/uploads" in uploads
    assert uploads[-1] == "tar -xf - -C /uploads"
    assert "scale temporal=1" not in steps(swarm)


def test_on_swarm_a_restore_of_the_configuration_is_refused_before_anything_changes(pb, config, main, swarm):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    assert main("restore", "--backup", "20260608T031500Z", "--restore-config") == pb.EXIT_REFUSED
    assert swarm.events == []


def test_on_swarm_a_stack_without_its_app_service_is_named(pb, config, main, swarm):
    write_project(config)
    make_backup(pb, config, "20260608T031500Z")
    del swarm.replicas["postiz"]
    assert main("restore", "--backup", "20260608T031500Z", "--no-safety-backup") == pb.EXIT_FAILED
    assert swarm.events == []
