# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SQL for the accounts part of the contract (organizations, users, memberships)."""

from __future__ import annotations

from typing import Any

from .apikeys import new_api_key
from .db import new_id, utcnow

Row = dict[str, Any]


async def count_organizations(conn) -> int:
    # Soft-deleted organizations count too (FACTS §6.1).
    cur = await conn.execute('SELECT count(*) AS n FROM "Organization"')
    return int((await cur.fetchone())["n"])


async def user_by_email(conn, email: str, provider: str = "LOCAL") -> Row | None:
    cur = await conn.execute(
        'SELECT * FROM "User" WHERE "email" = %s AND "providerName" = %s', (email, provider)
    )
    return await cur.fetchone()


async def user_by_id(conn, user_id: str) -> Row | None:
    cur = await conn.execute('SELECT * FROM "User" WHERE "id" = %s', (user_id,))
    return await cur.fetchone()


async def create_owner(
    conn, *, email: str, password_hash: str, company: str, activated: bool
) -> tuple[Row, Row]:
    """Organization (trial flags on, fresh API key) + its SUPERADMIN user, one transaction."""
    now = utcnow()
    org_id, user_id = new_id(), new_id()
    cur = await conn.execute(
        'INSERT INTO "Organization" ("id", "name", "apiKey", "allowTrial", "isTrailing", "createdAt", "updatedAt") '
        "VALUES (%s, %s, %s, true, true, %s, %s) RETURNING *",
        (org_id, company, new_api_key(), now, now),
    )
    org = await cur.fetchone()
    cur = await conn.execute(
        'INSERT INTO "User" ("id", "email", "password", "providerName", "activated", "createdAt", "updatedAt", '
        '"lastReadNotifications", "lastOnline") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *',
        (user_id, email, password_hash, "LOCAL", activated, now, now, now, now),
    )
    user = await cur.fetchone()
    await conn.execute(
        'INSERT INTO "UserOrganization" '
        '("id", "userId", "organizationId", "role", "disabled", "createdAt", "updatedAt") '
        "VALUES (%s, %s, %s, %s, false, %s, %s)",
        (new_id(), user_id, org_id, "SUPERADMIN", now, now),
    )
    return org, user


async def activate_user(conn, user_id: str) -> Row | None:
    cur = await conn.execute(
        'UPDATE "User" SET "activated" = true, "updatedAt" = %s WHERE "id" = %s RETURNING *',
        (utcnow(), user_id),
    )
    return await cur.fetchone()


async def set_password(conn, user_id: str, password_hash: str) -> Row | None:
    cur = await conn.execute(
        'UPDATE "User" SET "password" = %s, "updatedAt" = %s WHERE "id" = %s RETURNING *',
        (password_hash, utcnow(), user_id),
    )
    return await cur.fetchone()


async def memberships(conn, user_id: str) -> list[Row]:
    """The user's live organizations with its role, oldest first; columns of Organization
    plus ``_role`` and ``_disabled``."""
    cur = await conn.execute(
        'SELECT o.*, uo."role" AS "_role", uo."disabled" AS "_disabled" '
        'FROM "UserOrganization" uo JOIN "Organization" o ON o."id" = uo."organizationId" '
        'WHERE uo."userId" = %s AND uo."disabled" = false AND o."deletedAt" IS NULL '
        'ORDER BY o."createdAt" ASC, o."id" ASC',
        (user_id,),
    )
    return list(await cur.fetchall())


async def set_api_key(conn, org_id: str, api_key: str | None = None) -> Row | None:
    cur = await conn.execute(
        'UPDATE "Organization" SET "apiKey" = %s, "updatedAt" = %s WHERE "id" = %s RETURNING *',
        (api_key or new_api_key(), utcnow(), org_id),
    )
    return await cur.fetchone()
