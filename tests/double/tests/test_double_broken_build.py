# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A build made with POSTIZ_DOUBLE_BROKEN: marks the database, says why, never becomes ready."""

import asyncio
import contextlib

import pytest
from postiz_double.config import load_settings
from postiz_double.readiness import BROKEN_MARKER_COLUMN, BROKEN_REASON, FAILED_TO_START, Readiness

BASE_ENV = {"DATABASE_URL": "postgresql://u:p@db:5432/postiz", "JWT_SECRET": "x" * 32}


@pytest.mark.parametrize(("value", "broken"), [(None, False), ("", False), ("1", True), ("true", True)])
def test_the_flag_is_any_non_empty_value(value, broken):
    env = dict(BASE_ENV) if value is None else {**BASE_ENV, "POSTIZ_DOUBLE_BROKEN": value}
    assert load_settings(env).broken is broken


class _Connection:
    def __init__(self, statements):
        self.statements = statements

    async def execute(self, sql, params=None):
        self.statements.append((sql, params))


class _Database:
    def __init__(self, fail=False):
        self.statements = []
        self.fail = fail

    @contextlib.asynccontextmanager
    async def connect(self):
        if self.fail:
            raise OSError("connection refused")
        yield _Connection(self.statements)


class _Temporal:
    """Any call would mean the broken build tried to start the backend."""

    def __getattr__(self, name):
        raise AssertionError(f"the broken build called Temporal ({name})")


def _run(database):
    readiness = Readiness(load_settings({**BASE_ENV, "POSTIZ_DOUBLE_BROKEN": "1"}), database, _Temporal())
    asyncio.run(asyncio.wait_for(readiness.run(), timeout=5))
    return readiness


def test_broken_build_marks_every_post_and_never_becomes_ready(capsys):
    database = _Database()
    readiness = _run(database)
    assert readiness.ready is False
    sql = [statement for statement, _ in database.statements]
    assert any("ADD COLUMN IF NOT EXISTS" in s and BROKEN_MARKER_COLUMN in s for s in sql)
    assert any(s.startswith('UPDATE "Post"') for s in sql)
    assert f"{FAILED_TO_START}: {BROKEN_REASON}" in capsys.readouterr().out


def test_broken_build_still_fails_when_the_database_cannot_be_marked(capsys):
    readiness = _run(_Database(fail=True))
    out = capsys.readouterr().out
    assert readiness.ready is False
    assert "could not mark the database" in out
    assert BROKEN_REASON in out
