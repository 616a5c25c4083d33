# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The role installs this file with a `#!/usr/bin/python3` line on top (tasks/install.yml).
"""Back up and restore one Postiz Docker Compose project (installed by the backup_cron role);
back up one Postiz stack on Docker Swarm from its data machine.

    postiz-backup-<project> --config /etc/postiz-backup/<project>.json run
    postiz-backup-<project> --config ... list | status | counts
    postiz-backup-<project> --config ... extract --backup latest --dest DIR [--identity FILE]
    postiz-backup-<project> --config ... restore [--backup ID | --from DIR] [--restore-config] [--no-start]
                                                  [--no-safety-backup]

One ``run``: dumps the Postiz and Temporal databases with ``pg_dump -Fc`` inside their own
containers while the app container is paused, archives the uploads volume and the project's
compose file, env files and secrets, restores the Postiz dump into a throw-away PostgreSQL
container and compares row counts (the drill), writes a manifest, encrypts with age when
recipients are configured, applies retention, copies to restic when configured, records the
result in a status file and pings a healthchecks-style URL. Any failure exits non-zero.

One ``restore``, under the same lock as a run: takes a pre-restore backup of the current
state (kept apart from the regular backups), writes a restore-in-progress marker, stops the
app, replaces the data, checks the row counts and only then removes the marker. While the
marker exists (a restore was killed half-way) ``run`` refuses, and the next ``restore``
completes the interrupted one.

On Docker Swarm (configuration ``engine: swarm``) a ``run`` on the machine that runs the data
services finds the stack's containers by its Swarm labels, archives the uploads from the
shared path the app's replicas mount (``uploads_host_path``) or the stack's volume, and adds
the stack file to the configuration. The app is not paused: its replicas run on other
machines. A ``restore`` there scales the app and Temporal services to 0 replicas, replaces the
data in the running data services and the uploads, then scales them back (the app to one
replica first: each start pushes the database schema). It restores data only: the
configuration is the swarm's (Swarm secrets that site.yml deploys).

Standard library only; talks to Docker through the ``docker`` CLI. Test hook: the environment
variable POSTIZ_BACKUP_NOW (ISO 8601, e.g. 2026-06-01T03:15:00Z) replaces the clock.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import logging.handlers
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Iterable, Iterator

# The stack's one description (its services, and when a service's container is healthy),
# shared with the Ansible roles and modules. backup_cron installs it next to this command,
# and Python looks first in the directory of the script it runs. No bytecode cache beside
# the command: a __pycache__ directory in /usr/local/sbin would be litter.
sys.dont_write_bytecode = True
import postiz_stack_model as model

VERSION = "1.0.0"
MANIFEST_FORMAT = 1
ID_FORMAT = "%Y%m%dT%H%M%SZ"
ID_RE = re.compile(r"^\d{8}T\d{6}Z$")
# A backup's directory: its id, or "<id>-<project>" when another project sharing the
# backup directory took the id in the same second; a pre-restore backup's name ends with
# "-pre-restore". The manifest (project, kind) decides; the name only preselects.
BACKUP_DIR_RE = re.compile(r"^(\d{8}T\d{6}Z)(-.+)?$")
# Kinds of backup (the manifest's "kind"; manifests without one are regular backups).
REGULAR = "regular"
PRE_RESTORE = "pre-restore"
# In the state directory while a restore replaces the data (see Restore).
MARKER_NAME = "restore-in-progress.json"
# Leftovers of killed runs without a project in their name (before backups were scoped
# to their project): another project's run may own them, so only a day-old one goes.
LEGACY_LEFTOVER_RE = re.compile(r"^\.(incomplete-\d{8}T\d{6}Z|restore-[a-z0-9_]{8})$")
LEGACY_LEFTOVER_AGE = 86400
TABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NOW_ENV = "POSTIZ_BACKUP_NOW"
# cron runs jobs with PATH=/usr/bin:/bin; Docker's CLI often lives in /usr/local/bin.
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DRILL_LABEL = "selfhosted.postiz.backup-drill"
HELPER_LABEL = "selfhosted.postiz.backup-helper"
MANIFEST_NAME = "manifest.json"
CHUNK = 1024 * 1024
# Pings carry the end of the run's log: enough to see the failure, no more of the log
# than that on a third party's server.
PING_BODY_LIMIT = 10 * 1024

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_BUSY = 75

LOG = logging.getLogger("postiz-backup")


class BackupError(Exception):
    """A step failed; the message is for people (log, status file, failure ping)."""


class RestoreRefused(BackupError):
    """The restore would run the data under other secrets than the ones it was made with."""


class SafetyBackupFailed(BackupError):
    """The pre-restore backup of the current state failed; the restore changed nothing."""


class Busy(BackupError):
    """Another run of the same project holds the lock."""


class Interrupted(BackupError):
    """SIGTERM or SIGHUP: unwinds like any failure, so a paused app is resumed."""


# --------------------------------------------------------------------------------------------
# Pure logic (unit-tested): clock, ids, retention, status, manifest entries, comparisons.
# --------------------------------------------------------------------------------------------


def now_utc(environ: dict[str, str] | None = None) -> dt.datetime:
    """The current time in UTC, or the injected POSTIZ_BACKUP_NOW (a test hook)."""
    environ = os.environ if environ is None else environ
    value = environ.get(NOW_ENV, "").strip()
    if not value:
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BackupError(f"{NOW_ENV}={value!r} is not an ISO 8601 time like 2026-06-01T03:15:00Z") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).replace(microsecond=0)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def backup_id(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime(ID_FORMAT)


def parse_backup_id(value: str) -> dt.datetime:
    if not ID_RE.match(value):
        raise ValueError(f"{value!r} is not a backup id like 20260601T031500Z")
    return dt.datetime.strptime(value, ID_FORMAT).replace(tzinfo=dt.timezone.utc)


def select_retained(ids: Iterable[str], daily: int, weekly: int, monthly: int) -> set[str]:
    """Backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have a backup (the rule restic and borg use), and always the newest.

    Calendar buckets are UTC, like the ids.
    """
    ordered = sorted(set(ids), reverse=True)
    keep: set[str] = set(ordered[:1])
    buckets = (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    )
    for count, bucket_of in buckets:
        seen: set[Any] = set()
        for ident in ordered:
            bucket = bucket_of(parse_backup_id(ident))
            if bucket in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(bucket)
            keep.add(ident)
    return keep


def select_retained_pre_restore(ids: Iterable[str], when: dt.datetime, days: int) -> set[str]:
    """Pre-restore backups to keep: those taken in the last `days` days before `when`, and
    always the newest. They never take a regular backup's place in the daily, weekly and
    monthly counts (a restore in the afternoon must not push out that night's backup)."""
    ordered = sorted(set(ids), reverse=True)
    oldest = when - dt.timedelta(days=days)
    return set(ordered[:1]) | {ident for ident in ordered if parse_backup_id(ident) > oldest}


def backup_kind(manifest: dict[str, Any]) -> str:
    return manifest.get("kind") or REGULAR


def consecutive_days(history: list[dict[str, Any]]) -> int:
    """Calendar days (UTC) in a row, ending with the newest success, on which a run succeeded
    with no failure after it. A failure as the newest run gives 0; a day without any run ends
    the streak."""
    runs = sorted(history, key=lambda run: run["time"])
    days: set[dt.date] = set()
    for run in reversed(runs):
        if not run.get("ok"):
            break
        days.add(dt.datetime.fromisoformat(run["time"].replace("Z", "+00:00")).date())
    if not days:
        return 0
    day = max(days)
    streak = 0
    while day in days:
        streak += 1
        day -= dt.timedelta(days=1)
    return streak


def record_run(
    status: dict[str, Any],
    *,
    when: dt.datetime,
    ok: bool,
    backup: str | None,
    error: str | None,
    durations: dict[str, float],
    history_limit: int = 120,
) -> dict[str, Any]:
    """The status file's content after one run (a new dict; the input is not changed)."""
    status = dict(status)
    history = list(status.get("history", []))
    history.append({"time": iso(when), "ok": ok, "backup": backup, "error": error})
    history = sorted(history, key=lambda run: run["time"])[-history_limit:]
    status.update(
        {
            "format": 1,
            "history": history,
            "last_run": {
                "time": iso(when),
                "ok": ok,
                "backup": backup,
                "error": error,
                "durations": durations,
            },
            "consecutive_successful_days": consecutive_days(history),
        }
    )
    if ok:
        status["last_success"] = iso(when)
        status["last_success_backup"] = backup
    else:
        status["last_failure"] = iso(when)
        status["last_failure_error"] = error
    return status


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(root: str) -> list[dict[str, Any]]:
    """Path (relative, '/'-separated), size, mode and sha256 of every file below root, sorted."""
    entries = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(directory, name)
            stat = os.stat(path)
            entries.append(
                {
                    "path": os.path.relpath(path, root).replace(os.sep, "/"),
                    "size": stat.st_size,
                    "mode": f"{stat.st_mode & 0o7777:04o}",
                    "sha256": sha256_file(path),
                }
            )
    return sorted(entries, key=lambda entry: entry["path"])


def verify_entries(root: str, entries: list[dict[str, Any]]) -> list[str]:
    """Problems found when checking the files below root against manifest entries."""
    problems = []
    for entry in entries:
        path = os.path.join(root, *entry["path"].split("/"))
        if not os.path.isfile(path):
            problems.append(f"{entry['path']} is missing")
        elif os.path.getsize(path) != entry["size"]:
            problems.append(
                f"{entry['path']} has {os.path.getsize(path)} bytes, the manifest says {entry['size']}"
            )
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']} does not match its sha256 in the manifest")
    return problems


def differing_secrets(host: dict[str, str], backup: dict[str, str]) -> list[str]:
    """Names of secrets whose values differ (or exist on one side only). Never the values."""
    return sorted(name for name in set(host) | set(backup) if host.get(name) != backup.get(name))


def count_mismatches(
    expected: dict[str, int | None], actual: dict[str, int | None]
) -> dict[str, list[int | None]]:
    """Tables whose row counts differ: {table: [expected, actual]}."""
    return {
        table: [expected.get(table), actual.get(table)]
        for table in sorted(set(expected) | set(actual))
        if expected.get(table) != actual.get(table)
    }


def counts_query(tables: Iterable[str]) -> str:
    """One SQL statement printing `table|count` per table; an absent table prints an empty count."""
    rows = []
    for table in tables:
        if not TABLE_RE.match(table):
            raise BackupError(f"table name {table!r} is not a plain identifier")
        rows.append(
            f"SELECT '{table}', CASE WHEN to_regclass('public.\"{table}\"') IS NULL THEN NULL ELSE "
            f"(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM public.\"{table}\"', false, true, '')))[1]::text::bigint END"
        )
    return " UNION ALL ".join(rows) + ";"


def psql_argv(container_id: str, user: str, database: str, *options: str, stdin: bool = True) -> list[str]:
    """`docker exec` arguments of psql in a PostgreSQL container: no psqlrc, stop at the first error."""
    return [
        "exec",
        *(["-i"] if stdin else []),
        container_id,
        "psql",
        "-X",
        *options,
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        user,
        "-d",
        database,
    ]


def parse_counts(output: str) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for line in output.splitlines():
        if "|" in line:
            table, value = line.split("|", 1)
            counts[table] = int(value) if value.strip() else None
    return counts


def safe_member_name(name: str) -> bool:
    """A tar member name that stays inside the extraction directory."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name


def free_space_needed(previous_archive_size: int | None) -> int:
    """Bytes a run needs: plaintext staging plus the archive, about twice the last archive."""
    return max(2 * (previous_archive_size or 0), 64 * 1024 * 1024)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "services": {
        "app": model.APP_SERVICE,
        "postgres": model.name_of("database"),
        "temporal_postgres": model.name_of("workflow_database"),
        "temporal": model.TEMPORAL_SERVICE,
    },
    "postgres": {"user": "postiz-user", "database": "postiz-db-local"},
    "temporal_postgres": {"user": "temporal"},
    # Databases that run outside the stack (postiz_stack_external_database_url, Temporal
    # Cloud): not dumped here; their owner backs them up.
    "external": {"postgres": False, "temporal_postgres": False},
    "uploads_volume": "postiz-uploads",
    "uploads_path": "/uploads",
    # compose, or swarm: the stack deployed with `docker stack deploy` under project_name.
    "engine": "compose",
    # On Swarm: the directory of shared storage the app's replicas mount for their uploads
    # (postiz_stack_uploads_shared_path); "" when they use the stack's volume.
    "uploads_host_path": "",
    # The object-store bucket the app keeps its uploads in (postiz_stack_storage): named in
    # the manifest, not backed up. An empty name: every upload is in the volume.
    "uploads_bucket": {"name": "", "url": ""},
    "secrets_services": {
        "POSTIZ_POSTGRES_PASSWORD": "postgres",
        "TEMPORAL_POSTGRES_PASSWORD": "temporal_postgres",
    },
    "quiesce": "pause",
    "health_timeout": 300,
    "command_timeout": 3600,
    "lock_wait_timeout_ms": 60000,
    "retention": {"daily": 7, "weekly": 4, "monthly": 6},
    "age_recipients": [],
    "drill": {
        "enabled": True,
        "tables": ["Organization", "User", "Integration", "Post", "Media"],
        "memory": "512m",
        "timeout": 300,
    },
    "healthchecks_url": "",
    "ping_timeout": 10,
    "restic": {"repository": "", "password_file": "", "env": {}, "forget": True},
    "postiz_version": "",
    "history_limit": 120,
}


def uploads_entry(config: dict[str, Any]) -> dict[str, Any]:
    """Where the app's uploads are, for the manifest: the volume, which the backup holds, and
    the bucket, which it does not (its owner backs it up), when the app writes to one."""
    bucket = config["uploads_bucket"]
    path = {"path": config["uploads_host_path"]} if config.get("uploads_host_path") else {}
    if not bucket.get("name"):
        return {"volume": config["uploads_volume"], **path, "in_backup": True, "bucket": None}
    return {
        "volume": config["uploads_volume"],
        **path,
        "in_backup": False,
        "bucket": {"provider": "cloudflare-r2", "name": bucket["name"], "url": bucket.get("url") or None},
        "note": (
            f"Postiz stores uploads in the Cloudflare R2 bucket {bucket['name']}, which is not in this backup: "
            f"back it up where it lives. The backup holds the volume {config['uploads_volume']} "
            "(files uploaded before the switch to R2)."
        ),
    }


def merge(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in given.items():
        merged[key] = (
            merge(defaults[key], value)
            if isinstance(value, dict) and isinstance(defaults.get(key), dict)
            else value
        )
    return merged


def load_config(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            given = json.load(handle)
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read the configuration {path}: {exc}") from exc
    config = merge(DEFAULTS, given)
    for key in ("project_name", "project_dir", "backup_dir", "state_dir"):
        if not config.get(key):
            raise BackupError(f"the configuration {path} has no {key}")
    config.setdefault("secrets_dir", os.path.join(config["project_dir"], "secrets"))
    config.setdefault("log_file", "")
    config.setdefault("docker", "")
    if config["engine"] not in ("compose", "swarm"):
        raise BackupError(
            f"the configuration {path} names the engine {config['engine']!r}; known: compose, swarm"
        )
    return config


# --------------------------------------------------------------------------------------------
# Processes and Docker
# --------------------------------------------------------------------------------------------


def run_command(
    argv: list[str],
    *,
    input_bytes: bytes | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> str:
    """Run a command, return stdout as text; raise BackupError with its stderr on failure."""
    LOG.debug("run: %s", mask_urls(" ".join(argv)))
    try:
        proc = subprocess.run(
            argv, input=input_bytes, capture_output=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(
            mask_urls(f"{argv[0]} {' '.join(argv[1:3])} did not finish within {timeout:.0f} s")
        ) from exc
    except OSError as exc:
        raise BackupError(f"cannot run {argv[0]}: {exc}") from exc
    if proc.returncode != 0:
        raise BackupError(
            mask_urls(f"`{' '.join(argv[:4])} …` failed (exit {proc.returncode}): {tail(proc.stderr)}")
        )
    return proc.stdout.decode("utf-8", "replace")


_URL_TOKEN = re.compile(r"\S*://\S*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def mask_url(value: str) -> str:
    """The URL with its password replaced by ***, however malformed: the user part runs from
    the first '://' to the last '@'. The same rule as the collection's
    plugins/plugin_utils/postiz_urls.py (this script stands alone; a unit test compares them)."""
    at = value.rfind("@")
    slashes = value.find("://")
    scheme = _SCHEME.match(value)
    start = slashes + 3 if slashes >= 0 else (scheme.end() if scheme else 0)
    if at < start:
        return value
    user, colon, _password = value[start:at].partition(":")
    if not colon:
        return value
    return value[:start] + user + ":***" + value[at:]


def mask_urls(text: str) -> str:
    """The text with the password of every URL in it masked (restic prints its repository)."""
    return _URL_TOKEN.sub(lambda match: mask_url(match.group(0)), text)


def tail(data: bytes | str, limit: int = 600) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.strip().split())
    return text[-limit:] if text else "(no output)"


def stream_command(
    argv: list[str], *, source: str | None = None, dest: str | None = None, timeout: float = 3600
) -> tuple[int, str]:
    """Run a command with a file as stdin and/or its stdout written to a file (binary, no
    copy in memory). Returns (bytes written, sha256 of them)."""
    LOG.debug("stream: %s", mask_urls(" ".join(argv)))
    digest = hashlib.sha256()
    size = 0
    with contextlib.ExitStack() as stack:
        stdin = stack.enter_context(open(source, "rb")) if source else subprocess.DEVNULL
        stderr = stack.enter_context(tempfile.TemporaryFile())
        out = stack.enter_context(open(dest, "wb")) if dest else None
        try:
            proc = subprocess.Popen(
                argv, stdin=stdin, stdout=subprocess.PIPE if out else subprocess.DEVNULL, stderr=stderr
            )
        except OSError as exc:
            raise BackupError(f"cannot run {argv[0]}: {exc}") from exc
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            if out is not None:
                assert proc.stdout is not None
                for chunk in iter(lambda: proc.stdout.read(CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if returncode != 0:
            stderr.seek(0)
            reason = "killed after the timeout" if returncode == -signal.SIGKILL else f"exit {returncode}"
            raise BackupError(mask_urls(f"`{' '.join(argv[:4])} …` failed ({reason}): {tail(stderr.read())}"))
    return size, digest.hexdigest()


def temporal_pg_service(config: dict[str, Any]) -> str:
    return config["services"]["temporal_postgres"]


def ps_entry(inspected: dict[str, Any]) -> dict[str, Any]:
    """A ``docker inspect`` result in the terms of ``docker compose ps --format json``, which the
    stack's health rule reads."""
    state = inspected.get("State") or {}
    config = inspected.get("Config") or {}
    labels = config.get("Labels") or {}
    return {
        "Service": labels.get("com.docker.compose.service") or model.swarm_service(labels),
        "State": state.get("Status", ""),
        "Health": (state.get("Health") or {}).get("Status", ""),
        "Image": config.get("Image", ""),
        "Name": (inspected.get("Name") or "").lstrip("/"),
        "Labels": labels,
    }


def helper_image_of(*containers: dict[str, Any] | None) -> str:
    """An image already on the host (its container exists) with sh and tar, for the uploads
    volume: no pull, no registry. PostgreSQL's image first (Debian or Alpine based)."""
    for container in containers:
        if container:
            return container["Image"]
    raise BackupError("no container of the stack exists to borrow an image from; is the stack deployed?")


class Docker:
    """The docker CLI, scoped to one Compose project or Swarm stack (containers and volumes
    found by the labels Compose or `docker stack deploy` gives them)."""

    def __init__(self, config: dict[str, Any]):
        self.binary = config["docker"] or shutil.which("docker", path=SAFE_PATH) or "docker"
        self.swarm = config.get("engine") == "swarm"
        self.project = config["project_name"]
        self.project_dir = config["project_dir"]
        self.timeout = float(config["command_timeout"])

    def cli(self, *args: str, input_bytes: bytes | None = None, timeout: float | None = None) -> str:
        return run_command([self.binary, *args], input_bytes=input_bytes, timeout=timeout or 120)

    def compose(self, *args: str, timeout: float | None = None) -> str:
        return self.cli(
            "compose",
            "--project-name",
            self.project,
            "--project-directory",
            self.project_dir,
            "--file",
            os.path.join(self.project_dir, "compose.yaml"),
            *args,
            timeout=timeout,
        )

    def container(self, service: str) -> dict[str, Any] | None:
        """The service's container, inspected; None if there is none. Which one, of several
        or of one-off ``docker compose run`` containers, is the stack's rule (the model's)."""
        if self.swarm:
            # Running tasks only: Swarm replaces a task that stops, and keeps the stopped
            # ones as the service's history.
            scope = [
                "--filter",
                f"label={model.SWARM_STACK_LABEL}={self.project}",
                "--filter",
                f"label={model.SWARM_SERVICE_LABEL}={self.project}_{service}",
            ]
        else:
            scope = [
                "--all",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
                "--filter",
                f"label=com.docker.compose.service={service}",
            ]
        ids = self.cli("ps", "--quiet", "--no-trunc", *scope).split()
        if not ids:
            return None
        found = [
            dict(ps_entry(inspected), inspected=inspected)
            for inspected in json.loads(self.cli("inspect", *ids))
        ]
        chosen = model.select_containers(found).get(service)
        return chosen["inspected"] if chosen else None

    def services_field(self, field: str) -> dict[str, str]:
        """One field of `docker service ls` (Image, Replicas) for each Swarm service of the
        stack, by the service's name without the stack's prefix."""
        lines = self.cli(
            "service",
            "ls",
            "--filter",
            f"label={model.SWARM_STACK_LABEL}={self.project}",
            "--format",
            f"{{{{.Name}}}} {{{{.{field}}}}}",
        ).splitlines()
        found = {}
        for line in lines:
            name, separator, value = line.partition(" ")
            if separator:
                found[name.removeprefix(f"{self.project}_")] = value
        return found

    def service_images(self) -> dict[str, str]:
        """The image each Swarm service of the stack names in its spec (without a digest)."""
        return {service: image.split("@", 1)[0] for service, image in self.services_field("Image").items()}

    def running_replicas(self) -> dict[str, tuple[int, int]]:
        """(running, asked for) of each Swarm service of the stack: a task with a healthcheck
        runs once it is healthy."""
        found = {}
        for service, replicas in self.services_field("Replicas").items():
            counts = re.match(r"(\d+)/(\d+)", replicas)
            if counts:
                found[service] = (int(counts.group(1)), int(counts.group(2)))
        return found

    def scale(self, replicas: dict[str, int], timeout: float) -> None:
        """Scale Swarm services of the stack, then wait until each runs exactly that many tasks
        (polled every second: the CLI's own wait adds a 5-second stability check to each call)."""
        self.cli(
            "service",
            "scale",
            "--detach",
            *(f"{self.project}_{service}={count}" for service, count in replicas.items()),
        )
        deadline = time.monotonic() + timeout
        while True:
            running = self.running_replicas()
            behind = {
                service: running.get(service, (0, 0))
                for service, count in replicas.items()
                if running.get(service) != (count, count)
            }
            if not behind:
                return
            if time.monotonic() > deadline:
                states = ", ".join(f"{self.project}_{s} {r}/{w}" for s, (r, w) in behind.items())
                raise BackupError(
                    f"the services did not reach their replicas within {int(timeout)} s ({states} running); "
                    f"see why with: docker service ps --no-trunc {' '.join(f'{self.project}_{s}' for s in behind)}"
                )
            time.sleep(1)

    def state(self, container_id: str) -> dict[str, Any]:
        return json.loads(self.cli("inspect", "--format", "{{json .State}}", container_id))

    def volume(self, name: str) -> str | None:
        if self.swarm:
            # `docker stack deploy` names a volume "<stack>_<name>"; the name filter matches
            # substrings, so the exact name is picked from what it finds.
            wanted = f"{self.project}_{name}"
            found = self.cli(
                "volume",
                "ls",
                "--quiet",
                "--filter",
                f"label={model.SWARM_STACK_LABEL}={self.project}",
                "--filter",
                f"name={wanted}",
            ).split()
            return wanted if wanted in found else None
        found = self.cli(
            "volume",
            "ls",
            "--quiet",
            "--filter",
            f"label=com.docker.compose.project={self.project}",
            "--filter",
            f"label=com.docker.compose.volume={name}",
        ).split()
        return found[0] if found else None

    def wait_healthy(self, container_id: str, timeout: float, what: str) -> None:
        """Until the container runs and (if it has a healthcheck) is healthy."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(container_id)
            health = (state.get("Health") or {}).get("Status")
            if state["Status"] == "running" and health in (None, "healthy"):
                return
            if state["Status"] in ("exited", "dead"):
                raise BackupError(f"{what} stopped ({state['Status']}, exit {state.get('ExitCode')})")
            if time.monotonic() > deadline:
                raise BackupError(
                    f"{what} is not healthy after {timeout:.0f} s (state {state['Status']}, health {health})"
                )
            time.sleep(1)

    def wait_postgres(self, container: str, user: str, timeout: float, what: str) -> None:
        """Until the PostgreSQL server in the container accepts TCP connections. The images'
        entrypoint first runs a socket-only server to initialise a new data directory (which
        already passes a socket healthcheck), then restarts it; TCP answers only after that."""
        deadline = time.monotonic() + timeout
        while True:
            probe = subprocess.run(
                [self.binary, "exec", container, "pg_isready", "-q", "-h", "127.0.0.1", "-U", user],
                capture_output=True,
                check=False,
            )
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise BackupError(f"{what} does not accept connections after {timeout:.0f} s")
            time.sleep(1)

    def remove_labelled(self, label: str) -> None:
        """Remove leftovers of a killed earlier run (drill or helper containers)."""
        ids = self.cli("ps", "--all", "--quiet", "--filter", f"label={label}={self.project}").split()
        if ids:
            LOG.warning("removing %d container(s) left by an interrupted run", len(ids))
            self.cli("rm", "--force", "--volumes", *ids)


# --------------------------------------------------------------------------------------------
# Notifications, status, lock, logging
# --------------------------------------------------------------------------------------------


def uploads_source(config: dict[str, Any], docker: Docker) -> str:
    """What a helper container mounts at /uploads: the shared directory of a stack on Swarm
    (postiz_stack_uploads_shared_path), or the project's volume."""
    shared = config.get("uploads_host_path")
    if shared:
        if not os.path.isdir(shared):
            raise BackupError(
                f"the shared uploads directory {shared} is not mounted on this machine ({platform.node()}); "
                "mount the share on the data machine too, where the backups run"
            )
        return shared
    volume = docker.volume(config["uploads_volume"])
    if volume is None:
        where = (
            " on this machine: on Docker Swarm the volume is on the machine the app runs on; "
            "give the app shared uploads (postiz_stack_uploads_shared_path) mounted here too"
            if docker.swarm
            else ""
        )
        raise BackupError(
            f"the uploads volume {config['uploads_volume']} of project {docker.project} does not exist{where}"
        )
    return volume


class Pinger:
    """Healthchecks-style pings: <url>/start, <url> on success, <url>/fail with the log tail.
    A ping that fails is logged and never fails the backup."""

    def __init__(self, url: str, timeout: float):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def __call__(self, kind: str, body: str = "") -> None:
        if not self.url:
            return
        url = {"start": f"{self.url}/start", "success": self.url, "fail": f"{self.url}/fail"}[kind]
        data = ping_body(body)
        for attempt in range(1, 4):
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(url, data=data, method="POST"), timeout=self.timeout
                ):
                    return
            except (urllib.error.URLError, OSError) as exc:
                LOG.warning("ping %s failed (attempt %d of 3): %s", kind, attempt, exc)
                if attempt < 3:
                    time.sleep(attempt)


def ping_body(body: str) -> bytes:
    """The last PING_BODY_LIMIT bytes of the log, from the start of a line."""
    data = body.encode("utf-8")
    if len(data) <= PING_BODY_LIMIT:
        return data
    data = data[-PING_BODY_LIMIT:]
    newline = data.find(b"\n")
    return data[newline + 1 :] if newline >= 0 else data.decode("utf-8", "ignore").encode("utf-8")


def read_json(path: str, default: Any) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc


def fsync_path(path: str) -> None:
    """Flush a file, or a directory's entries (a rename in it), to the disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some file systems cannot fsync a directory; the file's own fsync still happened.
        if not os.path.isdir(path):
            raise BackupError(f"cannot flush {path} to the disk: {exc}") from exc
    finally:
        os.close(fd)


def write_json(path: str, data: Any) -> None:
    """Atomically and durably (on the disk before the rename, and the rename too), mode 0600."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    fsync_path(directory)


@contextlib.contextmanager
def exclusive_lock(path: str) -> Iterator[None]:
    """One backup or restore of a project at a time; released when the process ends."""
    with open(path, "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another backup or restore of this project is running (lock {path})") from None
        yield


class RunLog(logging.Handler):
    """Keeps this run's log lines for the failure ping."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


LOG_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")


def setup_logging(verbose: bool) -> RunLog:
    LOG.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    # Under cron only warnings and errors reach stderr (and cron's mail); the file has it all.
    console.setLevel(logging.DEBUG if verbose else (logging.INFO if sys.stderr.isatty() else logging.WARNING))
    console.setFormatter(LOG_FORMAT)
    LOG.addHandler(console)
    run_log = RunLog()
    run_log.setFormatter(LOG_FORMAT)
    LOG.addHandler(run_log)
    return run_log


def log_to_file(log_file: str, verbose: bool) -> None:
    if not log_file:
        return
    os.makedirs(os.path.dirname(log_file), mode=0o700, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2 * 1024 * 1024, backupCount=5)
    os.chmod(log_file, 0o600)
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    handler.setFormatter(LOG_FORMAT)
    LOG.addHandler(handler)


# --------------------------------------------------------------------------------------------
# Backups on disk
# --------------------------------------------------------------------------------------------


def archive_name(project: str, ident: str, encrypted: bool) -> str:
    return f"postiz-backup-{project}-{ident}.tar" + (".age" if encrypted else "")


def backup_dir_names(project: str) -> tuple[str, ...]:
    """What may follow the id in the name of one of the project's backup directories."""
    return ("", f"-{project}", f"-{PRE_RESTORE}", f"-{project}-{PRE_RESTORE}")


def list_backups(backup_dir: str, project: str) -> list[dict[str, Any]]:
    """The project's complete backups (a manifest with status ok naming the project), oldest
    first, as their manifests, each with its "kind" (regular or pre-restore). Other projects'
    backups in the same directory are not listed, so nothing here (retention included) ever
    touches them."""
    found = []
    if not os.path.isdir(backup_dir):
        return found
    suffixes = backup_dir_names(project)
    for name in sorted(os.listdir(backup_dir)):
        path = os.path.join(backup_dir, name)
        match = BACKUP_DIR_RE.match(name)
        if not match or (match.group(2) or "") not in suffixes or not os.path.isdir(path):
            continue
        manifest = read_json(os.path.join(path, MANIFEST_NAME), None)
        if not manifest or manifest.get("status") != "ok" or manifest.get("id") != match.group(1):
            LOG.warning("%s is not a complete backup (no valid manifest); left alone", path)
            continue
        if manifest.get("project") != project:
            continue
        manifest["path"] = path
        manifest["kind"] = backup_kind(manifest)
        found.append(manifest)
    return sorted(found, key=lambda manifest: (manifest["id"], manifest["path"]))


def locate_backup(backup_dir: str, wanted: str, project: str) -> dict[str, Any]:
    """A backup by id, 'latest' (the newest regular backup: a pre-restore one only by its
    id), or a directory path (e.g. restored from restic)."""
    if os.sep in wanted:
        manifest = read_json(os.path.join(wanted, MANIFEST_NAME), None)
        if not manifest or manifest.get("status") != "ok":
            raise BackupError(f"{wanted} holds no complete backup (no {MANIFEST_NAME} with status ok)")
        manifest["path"] = wanted.rstrip("/")
        return manifest
    backups = list_backups(backup_dir, project)
    if wanted == "latest":
        regular = [manifest for manifest in backups if manifest["kind"] == REGULAR]
        if not regular:
            others = (
                f" (only pre-restore backups: {', '.join(m['id'] for m in backups)}; give one by its id)"
                if backups
                else ""
            )
            raise BackupError(f"there is no complete backup of project {project} in {backup_dir}{others}")
        return regular[-1]
    if not backups:
        raise BackupError(f"there is no complete backup of project {project} in {backup_dir}")
    for manifest in backups:
        if manifest["id"] == wanted:
            return manifest
    raise BackupError(
        f"no backup {wanted} of project {project} in {backup_dir}; there are: {', '.join(m['id'] for m in backups)}"
    )


def is_own_leftover(name: str, project: str) -> bool:
    """A staging or restore directory of this project (the project's name exactly: not the
    leftovers of a project whose name merely starts the same)."""
    return bool(
        re.fullmatch(rf"\.incomplete-{re.escape(project)}-\d{{8}}T\d{{6}}Z", name)
        or re.fullmatch(rf"\.restore-{re.escape(project)}-[a-z0-9_]{{8}}", name)
    )


def extract_backup(manifest: dict[str, Any], dest: str, identity: str | None, age_binary: str) -> None:
    """Check the archive's sha256, decrypt it if needed, unpack it into dest (plain files
    only, nothing outside dest) and check every file against the manifest."""
    archive = manifest["archive"]
    path = os.path.join(manifest["path"], archive["name"])
    if not os.path.isfile(path):
        raise BackupError(f"{path} is missing")
    if sha256_file(path) != archive["sha256"]:
        raise BackupError(f"{path} does not match the sha256 in its manifest; it is damaged or was changed")
    os.makedirs(dest, mode=0o700, exist_ok=True)
    proc = None
    with contextlib.ExitStack() as stack:
        if archive.get("encryption") == "age":
            if not identity:
                raise BackupError(
                    f"backup {manifest['id']} is encrypted with age; give the identity file (--identity)"
                )
            if not os.path.isfile(identity):
                raise BackupError(f"the age identity file {identity} does not exist")
            stderr = stack.enter_context(tempfile.TemporaryFile())
            proc = subprocess.Popen(
                [age_binary, "--decrypt", "--identity", identity, path], stdout=subprocess.PIPE, stderr=stderr
            )
            source = proc.stdout
        else:
            source = stack.enter_context(open(path, "rb"))
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                for member in tar:
                    unpack_member(tar, member, dest)
        except tarfile.TarError as exc:
            raise BackupError(f"cannot unpack {path}: {exc}") from exc
        finally:
            if proc is not None:
                assert proc.stdout is not None
                proc.stdout.close()
                if proc.wait() != 0:
                    stderr.seek(0)
                    raise BackupError(f"age could not decrypt {path}: {tail(stderr.read())}")
    problems = verify_entries(dest, manifest["files"])
    if problems:
        raise BackupError("the unpacked backup does not match its manifest: " + "; ".join(problems))


def unpack_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: str) -> None:
    if not safe_member_name(member.name):
        raise BackupError(f"the archive holds an unsafe path: {member.name!r}")
    target = os.path.join(dest, *member.name.split("/"))
    if member.isdir():
        os.makedirs(target, mode=0o700, exist_ok=True)
        return
    if not member.isfile():
        raise BackupError(f"the archive holds something other than a file: {member.name!r}")
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    extracted = tar.extractfile(member)
    assert extracted is not None
    with open(target, "wb") as out:
        shutil.copyfileobj(extracted, out, CHUNK)
    os.chmod(target, 0o600)


# --------------------------------------------------------------------------------------------
# The backup run
# --------------------------------------------------------------------------------------------


class BackupRun:
    """One backup, step by step. Plaintext stays in a 0700 staging directory that becomes the
    backup directory (archive + manifest only) when every step has passed.

    A pre-restore run (kind PRE_RESTORE, started by a restore) is the same backup, stored as
    "<id>-pre-restore" with kind "pre-restore" in its manifest; it applies no retention and
    makes no off-site copy (the restore that follows must not wait for either)."""

    def __init__(
        self, config: dict[str, Any], when: dt.datetime, kind: str = REGULAR, keep: Iterable[str] = ()
    ):
        self.config = config
        self.when = when
        self.kind = kind
        # Entries of the backup directory the leftover clean-up must not remove (the
        # restore's own unpacked backup during a pre-restore run).
        self.keep = set(keep)
        self.ident = backup_id(when)
        self.docker = Docker(config)
        self.project = config["project_name"]
        self.backup_dir = config["backup_dir"]
        # The project in the name: another project's run may be staging in the same directory.
        self.staging = os.path.join(self.backup_dir, f".incomplete-{self.project}-{self.ident}")
        self.payload = os.path.join(self.staging, "payload")
        self.durations: dict[str, float] = {}
        self.databases: list[dict[str, Any]] = []  # the Postiz database first (when it is dumped here)
        self.live_counts: dict[str, int | None] = {}
        self.paused_marker = os.path.join(config["state_dir"], "app-quiesced")

    # -- helpers -------------------------------------------------------------------------
    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.durations[name] = round(time.monotonic() - start, 2)

    def service_container(self, key: str, *, required: bool) -> dict[str, Any] | None:
        service = self.config["services"][key]
        container = self.docker.container(service)
        # The stack's health rule: running, and healthy when it has a healthcheck.
        problem = model.container_problem(service, ps_entry(container) if container else None)
        if required and problem:
            kind, _sentence = problem
            if kind in ("missing", "stopped"):
                status = container["State"]["Status"] if container else "missing"
                raise BackupError(
                    f"service {service} of project {self.project} is not running ({status}); nothing was backed up"
                )
            health = (container["State"].get("Health") or {}).get("Status")
            raise BackupError(
                f"service {service} of project {self.project} is {health}; nothing was backed up"
            )
        return container

    # -- steps ---------------------------------------------------------------------------
    def cleanup_leftovers(self) -> None:
        """Undo what a killed earlier run may have left: a paused or stopped app, containers,
        staging."""
        if os.path.exists(self.paused_marker):
            with open(self.paused_marker, encoding="utf-8") as marker:
                words = marker.read().split()
            # "<id> <mode>"; markers of earlier versions hold the id only.
            mode = words[1] if len(words) > 1 else self.config["quiesce"]
            app = self.docker.container(self.config["services"]["app"])
            if app and app["State"]["Status"] == "paused":
                LOG.warning("the app was left paused by an interrupted run; unpausing it")
                self.docker.cli("unpause", app["Id"])
            elif app and mode == "stop" and app["State"]["Status"] in ("exited", "created"):
                LOG.warning("the app was left stopped by an interrupted run; starting it")
                self.docker.cli("start", app["Id"], timeout=180)
            os.unlink(self.paused_marker)
        self.docker.remove_labelled(DRILL_LABEL)
        self.docker.remove_labelled(HELPER_LABEL)
        for name in os.listdir(self.backup_dir):
            path = os.path.join(self.backup_dir, name)
            if name in self.keep:
                continue
            if is_own_leftover(name, self.project):
                LOG.warning("removing %s left by an interrupted run", name)
            elif (
                LEGACY_LEFTOVER_RE.match(name) and time.time() - os.lstat(path).st_mtime > LEGACY_LEFTOVER_AGE
            ):
                LOG.warning("removing %s left by an interrupted run of an earlier version", name)
            else:
                continue
            shutil.rmtree(path, ignore_errors=True)

    def check_space(self) -> None:
        backups = list_backups(self.backup_dir, self.project)
        previous = backups[-1]["archive"]["size"] if backups else None
        needed = free_space_needed(previous)
        free = shutil.disk_usage(self.backup_dir).free
        if free < needed:
            raise BackupError(
                f"{self.backup_dir} has {free // 2**20} MiB free; a backup needs about {needed // 2**20} MiB"
            )

    def image_versions(self) -> dict[str, Any]:
        """The image of each service: its container's here; on Swarm, for a service with no
        task on this machine (the app's replicas may all run elsewhere), its spec's image."""
        images = {}
        specs = self.docker.service_images() if self.docker.swarm else {}
        for service in self.config["services"].values():
            container = self.docker.container(service)
            if container:
                images[service] = {"image": container["Config"]["Image"], "id": container["Image"]}
            elif service in specs:
                images[service] = {"image": specs[service], "id": ""}
        return images

    def temporal_databases(self, container_id: str) -> list[dict[str, str]]:
        user = self.config["temporal_postgres"]["user"]
        output = self.docker.cli(
            *psql_argv(container_id, user, "template1", "-A", "-t", stdin=False),
            "-c",
            "SELECT datname || '|' || pg_get_userbyid(datdba) FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1",
        )
        return [
            dict(zip(("database", "owner"), line.split("|", 1)))
            for line in output.splitlines()
            if line.strip()
        ]

    def dump(self, container_id: str, service: str, user: str, database: str, owner: str) -> None:
        rel = f"db/{service}/{database}.dump"
        dest = os.path.join(self.payload, *rel.split("/"))
        os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
        lock_wait = f"--lock-wait-timeout={int(self.config['lock_wait_timeout_ms'])}"
        size = stream_command(
            [
                self.docker.binary,
                "exec",
                container_id,
                "pg_dump",
                "-Fc",
                lock_wait,
                "-U",
                user,
                "-d",
                database,
            ],
            dest=dest,
            timeout=float(self.config["command_timeout"]),
        )[0]
        LOG.info("dumped %s/%s (%d bytes)", service, database, size)
        self.databases.append(
            {"service": service, "database": database, "owner": owner, "user": user, "file": rel}
        )

    def counts(self, container_id: str, user: str, database: str) -> dict[str, int | None]:
        output = self.docker.cli(
            *psql_argv(container_id, user, database, "-A", "-t"),
            input_bytes=counts_query(self.config["drill"]["tables"]).encode(),
        )
        return parse_counts(output)

    @contextlib.contextmanager
    def quiesced(self, app: dict[str, Any] | None) -> Iterator[None]:
        """Freeze the app so the two databases are dumped at one moment: nothing else writes
        to the Postiz database, and only the app starts or signals Temporal workflows."""
        mode = self.config["quiesce"]
        if app is None or app["State"]["Status"] != "running" or mode == "none":
            yield
            return
        start = time.monotonic()
        # The marker lets the next run resume an app that a killed run (SIGKILL) left paused
        # or stopped.
        with open(self.paused_marker, "w", encoding="utf-8") as marker:
            marker.write(f"{self.ident} {mode}\n")
        try:
            if mode == "pause":
                self.pause_app(app["Id"])
            else:
                self.docker.cli("stop", app["Id"], timeout=180)
            LOG.info("app %s for the dumps", "paused" if mode == "pause" else "stopped")
            yield
        finally:
            # Also after a failed or interrupted stop or pause: the daemon may finish it after
            # the CLI gave up. A signal now waits until the app runs again.
            with deferred_interrupts():
                try:
                    self.resume_app(app["Id"], mode)
                finally:
                    self.durations["app_quiesced"] = round(time.monotonic() - start, 2)
                os.unlink(self.paused_marker)
                LOG.info("app resumed after %.1f s", self.durations["app_quiesced"])

    def resume_app(self, container_id: str, mode: str) -> None:
        if mode == "stop":
            # A no-op for a running container.
            self.docker.cli("start", container_id, timeout=180)
        elif self.docker.state(container_id)["Status"] == "paused":
            self.docker.cli("unpause", container_id, timeout=180)

    def pause_app(self, container_id: str, attempts: int = 5) -> None:
        """docker pause, retried: the cgroup freezer gives up ("unable to freeze") when a
        process does not stop in time, which happens on a busy host; runc then thaws it."""
        for attempt in range(1, attempts + 1):
            try:
                self.docker.cli("pause", container_id, timeout=180)
                return
            except Interrupted:
                raise
            except BackupError as exc:
                if self.docker.state(container_id)["Status"] == "paused":
                    self.docker.cli("unpause", container_id)
                if attempt == attempts:
                    raise BackupError(
                        f"could not pause the app for the dumps after {attempts} attempts ({exc}); "
                        "if this persists, set backup_cron_quiesce: stop"
                    ) from exc
                LOG.warning("pausing the app failed (attempt %d of %d); retrying", attempt, attempts)
                time.sleep(2 * attempt)

    def check_app_back(self, container_id: str) -> None:
        """A stopped app went through a full start: wait until it is healthy. A paused one
        carried on where it was; it only has to run again. (Docker shows a paused container
        as unhealthy until its next successful probe, which on a busy host can take minutes
        and says nothing about the backup.)"""
        if self.config["quiesce"] == "stop":
            with self.timed("app_healthy_again"):
                self.docker.wait_healthy(
                    container_id, float(self.config["health_timeout"]), "the app after the dumps"
                )
            return
        status = self.docker.state(container_id)["Status"]
        if status != "running":
            raise BackupError(f"the app container is {status} after the dumps, not running")

    def archive_uploads(self, image_id: str) -> None:
        source = uploads_source(self.config, self.docker)
        dest = os.path.join(self.payload, "uploads.tar")
        # The PostgreSQL image is already on the host (its container runs): no pull, no network.
        size = stream_command(
            [
                self.docker.binary,
                "run",
                "--rm",
                "--pull=never",
                "--network=none",
                "--label",
                f"{HELPER_LABEL}={self.project}",
                "--volume",
                f"{source}:/uploads:ro",
                "--entrypoint",
                "tar",
                image_id,
                "-cf",
                "-",
                "-C",
                "/uploads",
                ".",
            ],
            dest=dest,
            timeout=float(self.config["command_timeout"]),
        )[0]
        LOG.info(
            "archived the uploads %s (%d bytes)", "directory" if source.startswith("/") else "volume", size
        )

    def copy_config(self) -> None:
        project_dir = self.config["project_dir"]
        sources = [("compose.yaml", os.path.join(project_dir, "compose.yaml"))]
        # On Swarm: the stack file derived from it, and the env files of the services' secrets.
        if self.docker.swarm:
            sources.append(("stack.yaml", os.path.join(project_dir, "stack.yaml")))
        for sub in ("env", "dynamicconfig", "swarm"):
            directory = os.path.join(project_dir, sub)
            if os.path.isdir(directory):
                sources += [
                    (f"{sub}/{name}", os.path.join(directory, name)) for name in sorted(os.listdir(directory))
                ]
        sources.append(("secrets/secrets.json", os.path.join(self.config["secrets_dir"], "secrets.json")))
        for rel, src in sources:
            if not os.path.isfile(src):
                raise BackupError(f"{src} is missing; the project's configuration cannot be backed up")
            dest = os.path.join(self.payload, "config", *rel.split("/"))
            os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
            shutil.copyfile(src, dest)
            # Keep the original mode for the restore; the staging tree itself is 0700.
            os.chmod(dest, os.stat(src).st_mode & 0o777)

    def drill(self, image_id: str, postiz_dump: dict[str, Any]) -> dict[str, Any]:
        """Restore the Postiz dump into a throw-away PostgreSQL container (no network, reached
        only through docker exec) and compare its row counts with the live ones at dump time."""
        name = f"postiz-backup-drill-{self.project}-{secrets.token_hex(4)}"
        user, database = postiz_dump["user"], postiz_dump["database"]
        drill = self.config["drill"]
        self.docker.cli(
            "run",
            "--detach",
            "--rm",
            "--pull=never",
            "--network=none",
            "--name",
            name,
            "--label",
            f"{DRILL_LABEL}={self.project}",
            "--memory",
            drill["memory"],
            "--env",
            f"POSTGRES_USER={user}",
            "--env",
            f"POSTGRES_DB={database}",
            "--env",
            f"POSTGRES_PASSWORD={secrets.token_hex(16)}",
            image_id,
        )
        try:
            self.docker.wait_postgres(name, user, float(drill["timeout"]), "the drill's PostgreSQL")
            stream_command(
                [
                    self.docker.binary,
                    "exec",
                    "-i",
                    name,
                    "pg_restore",
                    "--exit-on-error",
                    "--no-owner",
                    "-U",
                    user,
                    "-d",
                    database,
                ],
                source=os.path.join(self.payload, *postiz_dump["file"].split("/")),
                timeout=float(drill["timeout"]),
            )
            restored = self.counts(name, user, database)
        finally:
            subprocess.run(
                [self.docker.binary, "rm", "--force", "--volumes", name], capture_output=True, check=False
            )
        mismatches = count_mismatches(self.live_counts, restored)
        if mismatches:
            raise BackupError(
                f"restore drill: row counts differ from the live database (table: [live, restored]): {mismatches}"
            )
        LOG.info("restore drill passed: %s", restored)
        return {"ok": True, "counts": restored}

    def check_dump_lists(self, container_id: str, dumps: list[dict[str, Any]]) -> None:
        """Temporal dumps are not restored in the drill; pg_restore must at least read them."""
        for entry in dumps:
            stream_command(
                [self.docker.binary, "exec", "-i", container_id, "pg_restore", "--list"],
                source=os.path.join(self.payload, *entry["file"].split("/")),
                timeout=600,
            )

    def write_archive(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        recipients = self.config["age_recipients"]
        name = archive_name(self.project, self.ident, bool(recipients))
        dest = os.path.join(self.staging, name)
        members = file_entries(self.payload)
        if recipients:
            age = shutil.which("age", path=SAFE_PATH)
            if not age:
                raise BackupError("age recipients are configured but the age command is not installed")
            argv = [age, "--encrypt", "--output", dest]
            for recipient in recipients:
                argv += ["--recipient", recipient]
            with tempfile.TemporaryFile() as stderr:
                proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=stderr)
                assert proc.stdin is not None
                try:
                    with tarfile.open(fileobj=proc.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                        self._add_members(tar, members)
                finally:
                    proc.stdin.close()
                    code = proc.wait()
                if code != 0:
                    stderr.seek(0)
                    raise BackupError(f"age failed to encrypt the archive: {tail(stderr.read())}")
        else:
            with tarfile.open(dest, mode="w", format=tarfile.PAX_FORMAT) as tar:
                self._add_members(tar, members)
        os.chmod(dest, 0o600)
        fsync_path(dest)
        return {
            "name": name,
            "size": os.path.getsize(dest),
            "sha256": sha256_file(dest),
            "encryption": "age" if recipients else None,
            "recipients": list(recipients),
        }, members

    def _add_members(self, tar: tarfile.TarFile, members: list[dict[str, Any]]) -> None:
        for entry in members:
            info = tar.gettarinfo(
                os.path.join(self.payload, *entry["path"].split("/")), arcname=entry["path"]
            )
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            with open(os.path.join(self.payload, *entry["path"].split("/")), "rb") as handle:
                tar.addfile(info, handle)

    def apply_retention(self) -> list[str]:
        """Delete the project's backups that retention does not keep (never another project's).
        Regular backups follow the daily/weekly/monthly rule among themselves; pre-restore
        backups are kept for as many days as daily backups (and the newest always). Returns
        the removed backups' directory names."""
        if self.kind == PRE_RESTORE:
            return []
        retention = self.config["retention"]
        backups = list_backups(self.backup_dir, self.project)
        regular = [m for m in backups if m["kind"] == REGULAR]
        safety = [m for m in backups if m["kind"] == PRE_RESTORE]
        keep = select_retained(
            [m["id"] for m in regular],
            int(retention["daily"]),
            int(retention["weekly"]),
            int(retention["monthly"]),
        )
        keep_safety = select_retained_pre_restore(
            [m["id"] for m in safety], self.when, int(retention["daily"])
        )
        going = [m for m in regular if m["id"] not in keep] + [
            m for m in safety if m["id"] not in keep_safety
        ]
        removed = []
        for manifest in sorted(going, key=lambda m: m["id"]):
            shutil.rmtree(manifest["path"])
            removed.append(os.path.basename(manifest["path"]))
        if removed:
            LOG.info("retention removed %s", ", ".join(removed))
        return removed

    def offsite(self, final_dir: str) -> None:
        restic = self.config["restic"]
        if not restic.get("repository") or self.kind == PRE_RESTORE:
            return
        binary = shutil.which("restic", path=SAFE_PATH)
        if not binary:
            raise BackupError("a restic repository is configured but the restic command is not installed")
        env = {
            "PATH": SAFE_PATH,
            "HOME": os.environ.get("HOME", "/root"),
            "RESTIC_REPOSITORY": restic["repository"],
        }
        env.update({k: str(v) for k, v in (restic.get("env") or {}).items()})
        if restic.get("password_file"):
            env["RESTIC_PASSWORD_FILE"] = restic["password_file"]
        tag = f"postiz-project={self.project}"
        local_time = self.when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        run_command(
            [
                binary,
                "backup",
                "--quiet",
                "--tag",
                tag,
                "--host",
                platform.node(),
                "--time",
                local_time,
                final_dir,
            ],
            env=env,
            timeout=float(self.config["command_timeout"]),
        )
        if restic.get("forget", True):
            retention = self.config["retention"]
            run_command(
                [
                    binary,
                    "forget",
                    "--quiet",
                    "--prune",
                    "--tag",
                    tag,
                    "--group-by",
                    "host,tags",
                    "--keep-daily",
                    str(retention["daily"]),
                    "--keep-weekly",
                    str(retention["weekly"]),
                    "--keep-monthly",
                    str(retention["monthly"]),
                ],
                env=env,
                timeout=float(self.config["command_timeout"]),
            )
        LOG.info("copied %s to the restic repository", self.ident)

    # -- the whole run -------------------------------------------------------------------
    def check_new(self) -> None:
        if any(
            m["id"] == self.ident and m["kind"] == self.kind
            for m in list_backups(self.backup_dir, self.project)
        ):
            raise BackupError(f"backup {self.ident} already exists")

    def publish(self, manifest: dict[str, Any]) -> str:
        """Write the manifest and move the staging directory to its final name: the id, or
        "<id>-<project>" when another project sharing the directory has that id ("-pre-restore"
        added for a pre-restore backup). Returns it."""
        write_json(os.path.join(self.staging, MANIFEST_NAME), manifest)
        suffix = f"-{PRE_RESTORE}" if self.kind == PRE_RESTORE else ""
        for name in (self.ident + suffix, f"{self.ident}-{self.project}{suffix}"):
            final_dir = os.path.join(self.backup_dir, name)
            if os.path.lexists(final_dir):
                continue
            try:
                os.rename(self.staging, final_dir)
            except OSError as exc:
                # Taken between the check and the rename (ENOTEMPTY, EEXIST): try the next name.
                if os.path.lexists(final_dir):
                    continue
                raise BackupError(f"cannot move the backup to {final_dir}: {exc}") from exc
            fsync_path(self.backup_dir)
            return final_dir
        raise BackupError(f"backup {self.ident} already exists in {self.backup_dir}")

    def execute(self) -> dict[str, Any]:
        started = time.monotonic()
        self.check_new()
        self.cleanup_leftovers()
        self.check_space()

        external = self.config["external"]
        postgres = None if external["postgres"] else self.service_container("postgres", required=True)
        temporal_pg = (
            None
            if external["temporal_postgres"]
            else self.service_container("temporal_postgres", required=True)
        )
        # On Swarm the app's replicas run on several machines and Swarm has no pause: each
        # database is dumped as one consistent snapshot while the app runs.
        app = None if self.docker.swarm else self.service_container("app", required=False)
        if self.docker.swarm:
            LOG.info("Docker Swarm: the app's replicas keep running during the dumps")
        helper_image = helper_image_of(postgres, temporal_pg, app)
        for key in ("postgres", "temporal_postgres"):
            if external[key]:
                LOG.warning(
                    "the %s database runs outside the stack and is not in this backup; back it up where it runs",
                    key,
                )
        uploads = uploads_entry(self.config)
        if uploads["bucket"]:
            LOG.warning("%s", uploads["note"])
        images = self.image_versions()
        temporal_dbs = self.temporal_databases(temporal_pg["Id"]) if temporal_pg else []
        os.makedirs(self.payload, mode=0o700)

        pg_user, pg_db = self.config["postgres"]["user"], self.config["postgres"]["database"]
        with self.timed("dumps"), self.quiesced(app):
            if postgres:
                self.dump(postgres["Id"], self.config["services"]["postgres"], pg_user, pg_db, pg_user)
                self.live_counts = self.counts(postgres["Id"], pg_user, pg_db)
            temporal_service, temporal_user = (
                self.config["services"]["temporal_postgres"],
                self.config["temporal_postgres"]["user"],
            )
            for entry in temporal_dbs:
                self.dump(
                    temporal_pg["Id"], temporal_service, temporal_user, entry["database"], entry["owner"]
                )

        with self.timed("uploads"):
            self.archive_uploads(helper_image)
        self.copy_config()
        drill: dict[str, Any] = {"ok": None, "skipped": True}
        if self.config["drill"]["enabled"] and postgres:
            with self.timed("drill"):
                drill = self.drill(postgres["Image"], self.databases[0])
        if temporal_pg:
            self.check_dump_lists(
                temporal_pg["Id"],
                [d for d in self.databases if d["service"] == temporal_pg_service(self.config)],
            )
        with self.timed("archive"):
            archive, members = self.write_archive()
        shutil.rmtree(self.payload)
        # Before a restore the app is stopped next anyway; a broken app must not stop the restore.
        if app is not None and app["State"]["Status"] == "running" and self.kind != PRE_RESTORE:
            self.check_app_back(app["Id"])

        manifest = {
            "format": MANIFEST_FORMAT,
            "status": "ok",
            "id": self.ident,
            "kind": self.kind,
            "project": self.project,
            "created": iso(self.when),
            "host": platform.node(),
            "tool_version": VERSION,
            "postiz_version": self.config.get("postiz_version") or None,
            "images": images,
            "quiesce": "none" if self.docker.swarm else self.config["quiesce"],
            "engine": "swarm" if self.docker.swarm else "compose",
            "databases": self.databases,
            "uploads_volume": self.config["uploads_volume"],
            "uploads": uploads,
            "row_counts": self.live_counts,
            "drill": drill,
            "files": members,
            "archive": archive,
            "durations": self.durations,
        }
        final_dir = self.publish(manifest)
        LOG.info(
            "%s %s complete: %s (%d bytes)",
            "pre-restore backup" if self.kind == PRE_RESTORE else "backup",
            self.ident,
            archive["name"],
            archive["size"],
        )
        removed = self.apply_retention()
        with self.timed("offsite"):
            self.offsite(final_dir)
        self.durations["total"] = round(time.monotonic() - started, 2)
        return {
            "backup": self.ident,
            "kind": self.kind,
            "path": final_dir,
            "removed": removed,
            "archive": archive,
            "durations": self.durations,
        }


# --------------------------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------------------------


def marker_path(config: dict[str, Any]) -> str:
    return os.path.join(config["state_dir"], MARKER_NAME)


def read_marker(config: dict[str, Any]) -> dict[str, Any] | None:
    """The record of a restore under way or interrupted; None when there is none. A marker
    that cannot be read still counts (as an empty record): it was written before any data
    was dropped."""
    path = marker_path(config)
    if not os.path.lexists(path):
        return None
    try:
        marker = read_json(path, {})
    except (BackupError, OSError) as exc:
        LOG.warning("cannot read %s: %s", path, exc)
        return {}
    return marker if isinstance(marker, dict) else {}


def interrupted_message(marker: dict[str, Any]) -> str:
    """What an interrupted restore's marker says, for people."""
    backup = (marker.get("backup") or {}).get("id") or "(unknown)"
    text = (
        f"a restore of backup {backup} started at {marker.get('started') or '(unknown)'} did not finish "
        f"({MARKER_NAME} is in the state directory), so the project's data may be half-restored"
    )
    safety = marker.get("safety_backup") or {}
    if safety.get("id"):
        text += f"; the state from before that restore is the pre-restore backup {safety['id']}"
    return text


def resume_target(marker: dict[str, Any]) -> str:
    """The backup an interrupted restore was restoring: its directory, or its id."""
    backup = marker.get("backup") or {}
    if backup.get("path") and os.path.isdir(backup["path"]):
        return backup["path"]
    if backup.get("id"):
        return backup["id"]
    raise BackupError(
        f"{interrupted_message(marker)}; its record names no backup: give the backup to restore (--backup)"
    )


class Restore:
    """Restores an unpacked backup (see extract) into the Compose project.

    In order, under the project's lock (main): the secrets check, a pre-restore backup of the
    current state, the restore-in-progress marker (on the disk before anything is dropped),
    the app and Temporal stopped, the data replaced, the row counts checked against the
    manifest, and only then the marker removed. A restore killed in between leaves the
    marker: scheduled runs refuse until a restore completes (see command_run)."""

    def __init__(
        self, config: dict[str, Any], source: str, manifest: dict[str, Any], keep: Iterable[str] = ()
    ):
        self.config = config
        self.source = source
        self.manifest = manifest
        self.docker = Docker(config)
        self.project_dir = config["project_dir"]
        self.secrets_path = os.path.join(config["secrets_dir"], "secrets.json")
        self.marker_path = marker_path(config)
        # Entries of the backup directory the pre-restore run must leave (the unpacked backup).
        self.keep = list(keep)

    def config_targets(self) -> list[tuple[str, str, str]]:
        """(file in the backup, path on the host, mode) of every configuration file."""
        targets = []
        for entry in self.manifest["files"]:
            rel = entry["path"]
            if not rel.startswith("config/"):
                continue
            inner = rel[len("config/") :]
            host = (
                self.secrets_path
                if inner == "secrets/secrets.json"
                else os.path.join(self.project_dir, *inner.split("/"))
            )
            targets.append((rel, host, entry["mode"]))
        return targets

    def check_secrets(self, restore_config: bool) -> None:
        backup = read_json(os.path.join(self.source, "config", "secrets", "secrets.json"), {})
        host = read_json(self.secrets_path, None)
        if host is None or restore_config:
            return
        differ = differing_secrets(host, backup)
        if differ:
            raise RestoreRefused(
                f"the backup was made with other secrets than this host has ({', '.join(differ)} differ). "
                "Restoring the database under another JWT_SECRET logs everyone out and leaves the encrypted "
                "provider credentials unreadable. Restore the backup's secrets and env files too "
                "(restore-config), or restore on the host that made the backup."
            )

    def install_config(self, restore_config: bool) -> list[str]:
        written = []
        for rel, host, mode in self.config_targets():
            if os.path.exists(host) and not restore_config:
                continue
            secret = rel.startswith(("config/env/", "config/secrets/"))
            os.makedirs(os.path.dirname(host), mode=0o700 if secret else 0o755, exist_ok=True)
            if secret:
                os.chmod(os.path.dirname(host), 0o700)
            tmp = host + ".restore-tmp"
            shutil.copyfile(os.path.join(self.source, *rel.split("/")), tmp)
            os.chmod(tmp, int(mode, 8) & (0o600 if secret else 0o777))
            os.replace(tmp, host)
            written.append(host)
        return written

    def psql(self, container_id: str, user: str, database: str, sql: str) -> str:
        return self.docker.cli(
            *psql_argv(container_id, user, database, "-q"),
            input_bytes=sql.encode(),
        )

    def up_and_wait(self, *args: str) -> None:
        """`compose up` of the project (or of the services in args) until healthy, within health_timeout."""
        timeout = self.config["health_timeout"]
        self.docker.compose(
            "up",
            "--detach",
            "--wait",
            "--wait-timeout",
            str(int(timeout)),
            *args,
            timeout=float(timeout) + 60,
        )

    def restore_databases(self) -> None:
        for entry in self.manifest["databases"]:
            key = next(k for k, v in self.config["services"].items() if v == entry["service"])
            container = self.docker.container(entry["service"])
            if container is None or container["State"]["Status"] != "running":
                raise BackupError(f"{entry['service']} must run to restore {entry['database']}")
            admin = self.config[key]["user"]
            self.docker.wait_postgres(
                container["Id"], admin, float(self.config["health_timeout"]), entry["service"]
            )
            name = entry["database"].replace('"', '""')
            self.psql(container["Id"], admin, "template1", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
            stream_command(
                [
                    self.docker.binary,
                    "exec",
                    "-i",
                    container["Id"],
                    "pg_restore",
                    "--create",
                    "--exit-on-error",
                    "-U",
                    admin,
                    "-d",
                    "template1",
                ],
                source=os.path.join(self.source, *entry["file"].split("/")),
                timeout=float(self.config["command_timeout"]),
            )
            LOG.info("restored %s/%s", entry["service"], entry["database"])

    def set_role_passwords(self) -> None:
        """POSTGRES_PASSWORD only applies to a new data directory, so a restored password must
        also be set in the running servers (a dump holds no role passwords)."""
        restored = read_json(self.secrets_path, {})
        for secret, key in self.config["secrets_services"].items():
            if secret not in restored or self.config["external"][key]:
                continue
            container = self.docker.container(self.config["services"][key])
            if container is None:
                continue
            user = self.config[key]["user"].replace('"', '""')
            password = restored[secret].replace("'", "''")
            self.psql(
                container["Id"],
                self.config[key]["user"],
                "template1",
                f"ALTER ROLE \"{user}\" PASSWORD '{password}';",
            )

    def restore_uploads(self) -> None:
        target = uploads_source(self.config, self.docker)
        # The project's volume is the stack's own, emptied first. A shared directory is the
        # user's: the backup's files are written over it and nothing is deleted (files added
        # since the backup stay; the restored database does not refer to them).
        replace = (
            "tar -xf - -C /uploads"
            if target.startswith("/")
            else "find /uploads -mindepth 1 -delete && tar -xf - -C /uploads"
        )
        image = helper_image_of(
            *(
                self.docker.container(self.config["services"][key])
                for key in ("postgres", "temporal_postgres", "app")
            )
        )
        stream_command(
            [
                self.docker.binary,
                "run",
                "--rm",
                "-i",
                "--pull=never",
                "--network=none",
                "--label",
                f"{HELPER_LABEL}={self.config['project_name']}",
                "--volume",
                f"{target}:/uploads",
                "--entrypoint",
                "sh",
                image,
                "-c",
                replace,
            ],
            source=os.path.join(self.source, "uploads.tar"),
            timeout=float(self.config["command_timeout"]),
        )
        LOG.info("restored the uploads %s", "directory" if target.startswith("/") else "volume")
        bucket = (self.manifest.get("uploads") or {}).get("bucket")
        if bucket:
            LOG.warning(
                "uploads in the Cloudflare R2 bucket %s are not in backup %s and were not restored",
                bucket["name"],
                self.manifest["id"],
            )

    def take_safety_backup(self) -> tuple[dict[str, Any] | None, str | None]:
        """A backup of the current state ((its id and directory), None), or (None, why not)."""
        project = self.config["project_name"]
        services = self.config["services"]
        if all(self.docker.container(services[key]) is None for key in services):
            reason = f"project {project} has no containers (a new host, or a stack removed with its volumes): there is nothing to back up"
            LOG.warning("no pre-restore backup: %s", reason)
            return None, reason
        LOG.info("taking a pre-restore backup of project %s", project)
        run = BackupRun(self.config, now_utc(), kind=PRE_RESTORE, keep=self.keep)
        try:
            result = run.execute()
        except Interrupted:
            shutil.rmtree(run.staging, ignore_errors=True)
            raise
        except (BackupError, OSError) as exc:
            shutil.rmtree(run.staging, ignore_errors=True)
            raise SafetyBackupFailed(
                f"the pre-restore backup of the current state failed, so nothing was changed: {exc}. "
                "Make it pass (the stack's databases must run), or restore without it "
                "(--no-safety-backup; backup_cron_restore_safety_backup: false in the playbooks)"
            ) from exc
        return {"id": result["backup"], "path": result["path"]}, None

    def write_marker(
        self,
        restore_config: bool,
        safety: dict[str, Any] | None,
        skipped: str | None,
        replicas: dict[str, int] | None = None,
    ) -> None:
        """On the disk (fsync, atomic rename, 0600) before anything of the project changes."""
        write_json(
            self.marker_path,
            {
                "format": 1,
                "project": self.config["project_name"],
                "started": iso(now_utc()),
                "pid": os.getpid(),
                "backup": {
                    "id": self.manifest["id"],
                    "created": self.manifest.get("created"),
                    # Where a rerun finds the backup again: its directory, not the unpacked copy.
                    "path": self.manifest.get("source") or self.manifest.get("path") or self.source,
                },
                "restore_config": bool(restore_config),
                "safety_backup": safety,
                "safety_skipped": skipped,
                # On Swarm: the replicas to scale the stopped services back to.
                "replicas": replicas,
            },
        )

    def swarm_replicas(self, previous: dict[str, Any] | None) -> dict[str, int]:
        """The replicas of the app and Temporal services to come back to: what an interrupted
        restore recorded (it scaled them to 0), else what they ask for now."""
        recorded = (previous or {}).get("replicas")
        if recorded:
            return {service: int(count) for service, count in recorded.items()}
        deployed = self.docker.running_replicas()
        # Temporal is not a service of the stack with Temporal Cloud.
        wanted = [self.config["services"][key] for key in ("temporal", "app")]
        if wanted[-1] not in deployed:
            raise BackupError(
                f"the stack {self.docker.project} has no service {wanted[-1]}: deploy it with site.yml first"
            )
        return {service: deployed[service][1] for service in wanted if service in deployed}

    def swarm_start(self, replicas: dict[str, int]) -> None:
        """Temporal first, then one app replica alone (each start pushes the database schema),
        then the others: the order a first deploy starts them in."""
        timeout = float(self.config["health_timeout"])
        app = self.config["services"]["app"]
        others = {service: count for service, count in replicas.items() if service != app}
        if others:
            self.docker.scale(others, timeout)
        if replicas[app] > 0:
            self.docker.scale({app: 1}, timeout)
        if replicas[app] > 1:
            self.docker.scale({app: replicas[app]}, timeout)
        LOG.info("scaled the stack back: %s", ", ".join(f"{s}={n}" for s, n in replicas.items()))

    def verify_counts(self) -> dict[str, int | None] | None:
        """The restored Postiz database's row counts, which must be the manifest's."""
        expected = self.manifest.get("row_counts") or {}
        if not expected or self.config["external"]["postgres"]:
            return None
        service = self.config["services"]["postgres"]
        database = next(
            (d["database"] for d in self.manifest.get("databases", []) if d["service"] == service),
            self.config["postgres"]["database"],
        )
        container = self.docker.container(service)
        if container is None:
            raise BackupError(f"{service} is gone; the restored rows cannot be counted")
        output = self.docker.cli(
            *psql_argv(container["Id"], self.config["postgres"]["user"], database, "-A", "-t"),
            input_bytes=counts_query(expected).encode(),
        )
        restored = parse_counts(output)
        mismatches = count_mismatches(expected, restored)
        if mismatches:
            raise BackupError(
                f"the restored database does not hold the backup's rows (table: [backup, restored]): {mismatches}"
            )
        LOG.info("row counts match the backup: %s", restored)
        return restored

    def execute(
        self,
        restore_config: bool,
        start: bool,
        *,
        previous: dict[str, Any] | None = None,
        safety_backup: bool = True,
    ) -> dict[str, Any]:
        """previous: the marker of an interrupted restore. Its pre-restore backup stays the
        way back (the data now is half-restored: not worth a backup), and when the same
        backup is restored again, so does its choice to restore the configuration."""
        resuming = previous is not None and (previous.get("backup") or {}).get("id") == self.manifest["id"]
        restore_config = restore_config or (resuming and bool(previous.get("restore_config")))
        if self.docker.swarm and restore_config:
            raise RestoreRefused(
                "on Docker Swarm the configuration is the stack's Swarm secrets, which site.yml deploys: a restore "
                "replaces the data only. To move the backup's secrets in, put config/secrets/secrets.json of the "
                "backup (extract) in place of the host's, run site.yml, then restore without restore-config"
            )
        self.check_secrets(restore_config)
        if previous is not None:
            safety, skipped = previous.get("safety_backup"), previous.get("safety_skipped")
            LOG.warning(
                "%s; restoring backup %s %s",
                interrupted_message(previous),
                self.manifest["id"],
                "again" if resuming else "instead, as asked",
            )
        elif safety_backup:
            safety, skipped = self.take_safety_backup()
        else:
            safety, skipped = None, "not asked for (--no-safety-backup)"
            LOG.warning("no pre-restore backup: %s", skipped)
        if self.docker.swarm:
            return self.execute_swarm(start, previous, safety, skipped)
        self.write_marker(restore_config, safety, skipped)
        services = self.config["services"]
        compose_file = os.path.join(self.project_dir, "compose.yaml")
        if os.path.isfile(compose_file):
            self.docker.compose("stop", services["app"], services["temporal"], timeout=300)
        written = self.install_config(restore_config)
        # Create every container, network and volume (the uploads volume included) without
        # starting the app, then only the two databases.
        self.docker.compose("up", "--no-start", timeout=600)
        databases = [
            services[key] for key in ("postgres", "temporal_postgres") if not self.config["external"][key]
        ]
        if databases:
            self.up_and_wait("--no-deps", *databases)
        self.restore_databases()
        if restore_config or written:
            self.set_role_passwords()
        self.restore_uploads()
        counts = self.verify_counts()
        self.mark_done(safety)
        if start:
            self.up_and_wait()
        return {
            "backup": self.manifest["id"],
            "config_written": written,
            "started": start,
            "row_counts": counts,
            "safety_backup": safety,
            "safety_skipped": skipped,
            "resumed": previous is not None,
        }

    def mark_done(self, safety: dict[str, Any] | None) -> None:
        """Every piece of data is the backup's now: a backup of it is a good backup again."""
        os.unlink(self.marker_path)
        fsync_path(os.path.dirname(self.marker_path))
        LOG.info(
            "backup %s restored%s",
            self.manifest["id"],
            f"; the state before is the pre-restore backup {safety['id']}" if safety else "",
        )

    def execute_swarm(
        self,
        start: bool,
        previous: dict[str, Any] | None,
        safety: dict[str, Any] | None,
        skipped: str | None,
    ) -> dict[str, Any]:
        """The restore on Docker Swarm: the data services keep running (their containers are on
        this machine); the app and Temporal services are scaled to 0 around the restore."""
        replicas = self.swarm_replicas(previous)
        self.write_marker(False, safety, skipped, replicas)
        self.docker.scale(dict.fromkeys(replicas, 0), float(self.config["health_timeout"]))
        self.restore_databases()
        self.restore_uploads()
        counts = self.verify_counts()
        self.mark_done(safety)
        if start:
            self.swarm_start(replicas)
        return {
            "backup": self.manifest["id"],
            "config_written": [],
            "started": start,
            "row_counts": counts,
            "safety_backup": safety,
            "safety_skipped": skipped,
            "resumed": previous is not None,
            "replicas": replicas,
        }


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def command_run(config: dict[str, Any], run_log: RunLog, print_summary: bool) -> int:
    when = now_utc()
    status_path = os.path.join(config["state_dir"], "status.json")
    ping = Pinger(config["healthchecks_url"], float(config["ping_timeout"]))
    with exclusive_lock(os.path.join(config["state_dir"], "lock")):
        status = read_json(status_path, {})

        def record_failure(error: str, durations: dict[str, float]) -> None:
            """A failed day: recorded in the status file and pinged with the run's log."""
            write_json(
                status_path,
                record_run(
                    status,
                    when=when,
                    ok=False,
                    backup=None,
                    error=error,
                    durations=durations,
                    history_limit=int(config["history_limit"]),
                ),
            )
            ping("fail", "\n".join(run_log.lines))

        interrupted = read_marker(config)
        if interrupted is not None:
            # Recorded and pinged as a failed day: the data may be half-restored, and a backup
            # of it would count as a good day and push good backups out by retention.
            error = (
                f"refused: {interrupted_message(interrupted)}. No backup is taken until a restore completes: "
                "run the restore again (playbooks/restore.yml, or this command's restore) to finish it"
            )
            LOG.error("backup of project %s %s", config["project_name"], error)
            record_failure(error, {})
            return EXIT_REFUSED
        ping("start")
        LOG.info("backup of project %s started (%s)", config["project_name"], iso(when))
        run = BackupRun(config, when)
        try:
            result = run.execute()
        # Any failure, expected or not, must be recorded, pinged and end in a non-zero exit.
        except Exception as exc:  # pylint: disable=broad-exception-caught
            error = str(exc) if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
            LOG.error("backup of project %s failed: %s", config["project_name"], error)
            shutil.rmtree(run.staging, ignore_errors=True)
            record_failure(error, run.durations)
            return EXIT_FAILED
        status = record_run(
            status,
            when=when,
            ok=True,
            backup=result["backup"],
            error=None,
            durations=result["durations"],
            history_limit=int(config["history_limit"]),
        )
        write_json(status_path, status)
        LOG.info("consecutive successful days: %d", status["consecutive_successful_days"])
        ping("success", "\n".join(run_log.lines))
        if print_summary:
            print(json.dumps(result, sort_keys=True))
        return EXIT_OK


def command_restore(config: dict[str, Any], args: argparse.Namespace) -> int:
    previous = read_marker(config)
    if args.source:
        source = args.source
        manifest = read_json(os.path.join(source, MANIFEST_NAME), None)
        if manifest is None:
            raise BackupError(f"{source} has no {MANIFEST_NAME}; unpack a backup there with `extract` first")
    else:
        # After an interrupted restore, the backup it was restoring (unless another is given).
        wanted = args.backup or (resume_target(previous) if previous is not None else "latest")
        manifest = locate_backup(config["backup_dir"], wanted, config["project_name"])
        source = tempfile.mkdtemp(prefix=f".restore-{config['project_name']}-", dir=config["backup_dir"])
    try:
        if not args.source:
            extract_backup(manifest, source, args.identity, shutil.which("age", path=SAFE_PATH) or "age")
        restore = Restore(config, source, manifest, keep=[] if args.source else [os.path.basename(source)])
        result = restore.execute(
            args.restore_config, not args.no_start, previous=previous, safety_backup=not args.no_safety_backup
        )
    finally:
        if not args.source:
            shutil.rmtree(source, ignore_errors=True)
    print(json.dumps(result, sort_keys=True))
    return EXIT_OK


def command_extract(config: dict[str, Any], args: argparse.Namespace) -> int:
    manifest = locate_backup(config["backup_dir"], args.backup, config["project_name"])
    extract_backup(manifest, args.dest, args.identity, shutil.which("age", path=SAFE_PATH) or "age")
    # The unpacked tree carries its manifest so `restore --from` can use it, and where the
    # backup itself is, for a restore interrupted half-way to be run again.
    unpacked = {k: v for k, v in manifest.items() if k != "path"}
    unpacked["source"] = manifest["path"]
    write_json(os.path.join(args.dest, MANIFEST_NAME), unpacked)
    summary = {key: manifest.get(key) for key in ("id", "created", "postiz_version", "row_counts", "path")}
    summary["kind"] = backup_kind(manifest)
    summary.update({"dest": args.dest, "encrypted": bool(manifest["archive"].get("encryption"))})
    print(json.dumps(summary, sort_keys=True))
    return EXIT_OK


def command_counts(config: dict[str, Any]) -> int:
    if config["external"]["postgres"]:
        raise BackupError("the Postiz database runs outside the stack; count its rows where it runs")
    docker = Docker(config)
    container = docker.container(config["services"]["postgres"])
    if container is None or container["State"]["Status"] != "running":
        raise BackupError(f"{config['services']['postgres']} is not running")
    run = BackupRun(config, now_utc())
    print(
        json.dumps(
            run.counts(container["Id"], config["postgres"]["user"], config["postgres"]["database"]),
            sort_keys=True,
        )
    )
    return EXIT_OK


# While the app is being started or unpaused again, SIGTERM/SIGHUP are held back (and
# raised afterwards), so that a second signal cannot leave the app stopped.
_DEFERRED: dict[str, Any] = {"depth": 0, "signal": None}


def raise_interrupted(signum: int, _frame: Any) -> None:
    if _DEFERRED["depth"]:
        _DEFERRED["signal"] = signum
        LOG.warning("%s received; the app is started again first", signal.Signals(signum).name)
        return
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    _DEFERRED["depth"] += 1
    pending = None
    try:
        yield
    finally:
        _DEFERRED["depth"] -= 1
        if not _DEFERRED["depth"]:
            pending, _DEFERRED["signal"] = _DEFERRED["signal"], None
    if pending is not None:
        raise Interrupted(f"interrupted by {signal.Signals(pending).name}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default_config = f"/etc/postiz-backup/{os.path.basename(sys.argv[0]).removeprefix('postiz-backup-')}.json"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip())
    parser.add_argument(
        "--config", default=default_config, help=f"configuration file (default {default_config})"
    )
    parser.add_argument("--verbose", action="store_true", help="log every command")
    parser.add_argument("--version", action="version", version=VERSION)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="take a backup now (what cron runs)")
    # Silent on success without it, so cron mails only warnings and failures.
    run.add_argument("--json", action="store_true", help="print a JSON summary on success")
    sub.add_parser("list", help="complete backups, oldest first, as JSON")
    sub.add_parser("status", help="the status file as JSON")
    sub.add_parser("counts", help="live row counts of the drill tables, as JSON")
    extract = sub.add_parser("extract", help="check, decrypt and unpack a backup into a directory")
    extract.add_argument("--backup", default="latest", help="backup id, latest, or a backup directory")
    extract.add_argument("--dest", required=True)
    extract.add_argument("--identity", help="age identity file (for encrypted backups)")
    restore = sub.add_parser(
        "restore",
        help="restore a backup into the project (a pre-restore backup first; stops the app, replaces its data)",
    )
    restore.add_argument(
        "--backup",
        help="backup id, latest (the default: the newest regular backup; after an interrupted restore, the backup it "
        "was restoring), or a backup directory",
    )
    restore.add_argument(
        "--from", dest="source", help="an unpacked backup (from extract) instead of --backup"
    )
    restore.add_argument("--identity", help="age identity file (for encrypted backups)")
    restore.add_argument(
        "--restore-config", action="store_true", help="also replace compose.yaml, env files and secrets"
    )
    restore.add_argument("--no-start", action="store_true", help="leave the app and Temporal stopped")
    restore.add_argument(
        "--no-safety-backup", action="store_true", help="do not back up the current state first"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)
    os.environ["PATH"] = SAFE_PATH + ":" + os.environ.get("PATH", "")
    args = parse_args(argv)
    # SIGTERM (e.g. systemd stopping the unit) unwinds like an error, so the app is resumed.
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGHUP, raise_interrupted)
    run_log = setup_logging(args.verbose)
    try:
        config = load_config(args.config)
        for key in ("backup_dir", "state_dir"):
            os.makedirs(config[key], mode=0o700, exist_ok=True)
            os.chmod(config[key], 0o700)
        if args.command in ("run", "restore"):
            log_to_file(config["log_file"], args.verbose)
        if args.command == "run":
            return command_run(config, run_log, args.json)
        if args.command == "list":
            print(
                json.dumps(
                    list_backups(config["backup_dir"], config["project_name"]), indent=2, sort_keys=True
                )
            )
            return EXIT_OK
        if args.command == "status":
            print(
                json.dumps(
                    read_json(os.path.join(config["state_dir"], "status.json"), {}), indent=2, sort_keys=True
                )
            )
            return EXIT_OK
        if args.command == "counts":
            return command_counts(config)
        if args.command == "extract":
            return command_extract(config, args)
        with exclusive_lock(os.path.join(config["state_dir"], "lock")):
            return command_restore(config, args)
    except RestoreRefused as exc:
        LOG.error("restore refused: %s", exc)
        return EXIT_REFUSED
    except Busy as exc:
        LOG.error("%s", exc)
        return EXIT_BUSY
    except BackupError as exc:
        LOG.error("%s", exc)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
