# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Async PostgreSQL access and Prisma-like JSON serialisation of rows.

A few idle connections are kept for reuse, like Prisma's pool, so the API and MCP answer
in realistic time. Each is probed with ``SELECT 1`` when taken, and a broken one is
dropped, so the double still recovers by itself when PostgreSQL restarts.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

from .dburl import DbTarget, parse_database_url

MAX_IDLE_CONNECTIONS = 5


class Database:
    def __init__(self, database_url: str | None):
        self._target: DbTarget | None = parse_database_url(database_url) if database_url else None
        self._idle: deque[Any] = deque()

    @property
    def configured(self) -> bool:
        return self._target is not None

    async def _open(self) -> Any:
        import psycopg  # lazy: keeps pure modules importable without the driver
        from psycopg.rows import dict_row

        conn = await psycopg.AsyncConnection.connect(self._target.conninfo, row_factory=dict_row)
        # Prisma stores DateTime as UTC in timestamp(3) columns.
        await conn.execute("SET TIME ZONE 'UTC'")
        await conn.commit()
        return conn

    async def _take(self) -> Any:
        while self._idle:
            conn = self._idle.pop()
            try:
                await conn.execute("SELECT 1")
                return conn
            except Exception:
                with contextlib.suppress(Exception):
                    await conn.close()
        return await self._open()

    async def _give_back(self, conn: Any) -> None:
        if conn.closed or conn.broken or len(self._idle) >= MAX_IDLE_CONNECTIONS:
            with contextlib.suppress(Exception):
                await conn.close()
            return
        self._idle.append(conn)

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Any]:
        """Yield an AsyncConnection (dict rows, UTC session) in a transaction; commits on success."""
        if self._target is None:
            raise RuntimeError("DATABASE_URL is not set")
        conn = await self._take()
        try:
            yield conn
            await conn.commit()
        except Exception:
            with contextlib.suppress(Exception):
                await conn.rollback()
            await self._give_back(conn)  # dropped there if the error broke it
            raise
        except BaseException:  # cancelled mid-transaction: do not reuse
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        await self._give_back(conn)

    async def close(self) -> None:
        while self._idle:
            with contextlib.suppress(Exception):
                await self._idle.pop().close()

    async def ping(self) -> None:
        async with self.connect() as conn:
            await conn.execute("SELECT 1")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC with millisecond precision, as timestamp(3) stores it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def iso(value: datetime) -> str:
    """JavaScript Date#toJSON: ``2026-01-02T03:04:05.678Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def row_json(row: dict[str, Any] | None, drop: tuple[str, ...] = ()) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: to_json(v) for k, v in row.items() if k not in drop}
