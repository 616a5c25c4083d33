# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The image's start-up ``prisma db push``: create the schema or exit non-zero.

In the real image a failed push stops the ``&&`` chain and the container exits, so
Docker's restart policy loops until PostgreSQL answers (FACTS §1.3, §7). No retries here.
"""

from __future__ import annotations

import time

from . import logs, schema
from .dburl import BadDatabaseUrl, DbTarget, parse_database_url, with_database

SCHEMA_PATH = "libraries/nestjs-libraries/src/database/prisma/schema.prisma"


class PushFailed(RuntimeError):
    """Printed already; the caller only has to exit with a non-zero status."""


def _fail(*lines: str) -> PushFailed:
    for line in lines:
        logs.plain(line)
    return PushFailed(lines[0] if lines else "db push failed")


def _classify(exc: Exception, target: DbTarget) -> PushFailed:
    lowered = str(exc).lower()
    auth_failed = (
        "password authentication failed" in lowered
        or "no pg_hba.conf entry" in lowered
        or ("role" in lowered and "does not exist" in lowered)
    )
    if auth_failed:
        return _fail(
            f"Error: P1000: Authentication failed against database server at `{target.host}`, "
            f"the provided database credentials for `{target.user}` are not valid.",
            f"Please make sure to provide valid database credentials for the database server at `{target.host}`.",
        )
    return _fail(
        f"Error: P1001: Can't reach database server at `{target.where}`",
        f"Please make sure your database server is running at `{target.where}`.",
    )


def _missing_database(exc: Exception, target: DbTarget) -> bool:
    return f'database "{target.database}" does not exist' in str(exc)


def _create_database(psycopg, target: DbTarget) -> None:
    # Prisma's db push creates a missing database, so the double does too.
    with psycopg.connect(with_database(target, "postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {schema.quote(target.database)}")
    logs.plain(f"PostgreSQL database {target.database} created at {target.where}")


def _present_columns(conn) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


def push(database_url: str | None) -> DbTarget:
    """Bring the database to the schema; raise PushFailed after logging Prisma-like errors."""
    logs.plain(f"Prisma schema loaded from {SCHEMA_PATH}")
    if database_url is None:
        raise _fail(
            "Error: Prisma schema validation - (get-config wasm)",
            "Error code: P1012",
            "error: Environment variable not found: DATABASE_URL.",
        )
    try:
        target = parse_database_url(database_url)
    except BadDatabaseUrl as exc:
        raise _fail(
            "Error: Prisma schema validation - (get-config wasm)",
            "Error code: P1012",
            f"error: Error validating datasource `db`: {exc}.",
        ) from None
    logs.plain(
        f'Datasource "db": PostgreSQL database "{target.database}", schema "{target.schema}" at "{target.where}"'
    )

    import psycopg  # imported here so pure modules and their unit tests do not need the driver

    started = time.monotonic()
    try:
        conn = psycopg.connect(target.conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        if not _missing_database(exc, target):
            raise _classify(exc, target) from None
        try:
            _create_database(psycopg, target)
        except psycopg.Error:
            raise _fail(
                f"Error: P1003: Database `{target.database}` does not exist at `{target.where}`"
            ) from None
        try:
            conn = psycopg.connect(target.conninfo, autocommit=True)
        except psycopg.Error as exc2:
            raise _classify(exc2, target) from None
    try:
        with conn:
            before = _present_columns(conn)
            for statement in schema.ddl_statements():
                conn.execute(statement)
    except psycopg.Error as exc:
        raise _fail(f"Error: {type(exc).__name__}: {' '.join(str(exc).split())}") from None
    if all(col in before for col in schema.expected_columns()):
        logs.plain("The database is already in sync with the Prisma schema.")
    else:
        logs.plain(
            f"🚀  Your database is now in sync with your Prisma schema. Done in {time.monotonic() - started:.2f}s"
        )
    return target
