# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SQL for channels, groups, posts and media (FACTS §4.3, §5.3, §6.3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .db import new_id, utcnow
from .schema import quote

Row = dict[str, Any]

_CHANNEL_SELECT = (
    'SELECT i.*, c."id" AS "_customerId", c."name" AS "_customerName" FROM "Integration" i '
    'LEFT JOIN "Customer" c ON c."id" = i."customerId" AND c."deletedAt" IS NULL '
)


async def organization_by_api_key(conn, api_key: str) -> Row | None:
    """Exact match on the stored key; soft-deleted organizations never match (FACTS §6.3)."""
    cur = await conn.execute(
        'SELECT * FROM "Organization" WHERE "apiKey" = %s AND "deletedAt" IS NULL LIMIT 1', (api_key,)
    )
    return await cur.fetchone()


async def organization_by_id(conn, org_id: str) -> Row | None:
    cur = await conn.execute(
        'SELECT * FROM "Organization" WHERE "id" = %s AND "deletedAt" IS NULL', (org_id,)
    )
    return await cur.fetchone()


async def channels(conn, org_id: str, customer_id: str | None = None) -> list[Row]:
    sql = _CHANNEL_SELECT + 'WHERE i."organizationId" = %s AND i."deletedAt" IS NULL'
    params: list[Any] = [org_id]
    if customer_id:
        sql += ' AND i."customerId" = %s'
        params.append(customer_id)
    cur = await conn.execute(sql + ' ORDER BY i."createdAt" ASC, i."id" ASC', params)
    return list(await cur.fetchall())


async def channel(conn, org_id: str, channel_id: str) -> Row | None:
    cur = await conn.execute(
        _CHANNEL_SELECT + 'WHERE i."organizationId" = %s AND i."id" = %s AND i."deletedAt" IS NULL',
        (org_id, channel_id),
    )
    return await cur.fetchone()


async def channels_by_id(conn, org_id: str, ids: Iterable[str]) -> dict[str, Row]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    cur = await conn.execute(
        _CHANNEL_SELECT + 'WHERE i."organizationId" = %s AND i."id" = ANY(%s) AND i."deletedAt" IS NULL',
        (org_id, wanted),
    )
    return {row["id"]: row for row in await cur.fetchall()}


async def soft_delete_channel(conn, org_id: str, channel_id: str) -> Row | None:
    now = utcnow()
    cur = await conn.execute(
        'UPDATE "Integration" SET "deletedAt" = %s, "updatedAt" = %s '
        'WHERE "organizationId" = %s AND "id" = %s AND "deletedAt" IS NULL RETURNING *',
        (now, now, org_id, channel_id),
    )
    row = await cur.fetchone()
    if row is not None:
        await conn.execute(
            'UPDATE "Post" SET "deletedAt" = %s, "updatedAt" = %s WHERE "integrationId" = %s AND "deletedAt" IS NULL',
            (now, now, channel_id),
        )
    return row


async def insert_channel(conn, **values: Any) -> Row:
    now = utcnow()
    row = {"id": new_id(), "createdAt": now, "updatedAt": now, **values}
    columns = ", ".join(quote(c) for c in row)
    placeholders = ", ".join(["%s"] * len(row))
    cur = await conn.execute(
        f'INSERT INTO "Integration" ({columns}) VALUES ({placeholders}) RETURNING *', list(row.values())
    )
    return await cur.fetchone()


async def customers(conn, org_id: str) -> list[Row]:
    cur = await conn.execute(
        'SELECT "id", "name" FROM "Customer" WHERE "orgId" = %s AND "deletedAt" IS NULL ORDER BY "createdAt", "id"',
        (org_id,),
    )
    return list(await cur.fetchall())


async def customer_named(conn, org_id: str, name: str) -> Row:
    cur = await conn.execute(
        'SELECT * FROM "Customer" WHERE "orgId" = %s AND "name" = %s AND "deletedAt" IS NULL', (org_id, name)
    )
    row = await cur.fetchone()
    if row is not None:
        return row
    now = utcnow()
    cur = await conn.execute(
        'INSERT INTO "Customer" ("id", "name", "orgId", "createdAt", "updatedAt") VALUES (%s, %s, %s, %s, %s) '
        "RETURNING *",
        (new_id(), name, org_id, now, now),
    )
    return await cur.fetchone()


# -- posts -----------------------------------------------------------------------------------

_POST_COLUMNS = (
    "id",
    "state",
    "publishDate",
    "organizationId",
    "integrationId",
    "content",
    "group",
    "parentPostId",
    "settings",
    "image",
    "intervalInDays",
    "creationMethod",
    "createdAt",
    "updatedAt",
)


async def insert_post(conn, values: dict[str, Any]) -> Row:
    now = utcnow()
    row = {"id": new_id(), "createdAt": now, "updatedAt": now, "parentPostId": None, **values}
    columns = [c for c in _POST_COLUMNS if c in row]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f'INSERT INTO "Post" ({", ".join(quote(c) for c in columns)}) VALUES ({placeholders}) RETURNING *'
    cur = await conn.execute(sql, [row[c] for c in columns])
    return await cur.fetchone()


async def update_post(conn, org_id: str, post_id: str, values: dict[str, Any]) -> Row | None:
    values = {**values, "updatedAt": utcnow()}
    assignments = ", ".join(f"{quote(c)} = %s" for c in values)
    cur = await conn.execute(
        f'UPDATE "Post" SET {assignments} WHERE "organizationId" = %s AND "id" = %s AND "deletedAt" IS NULL '
        "RETURNING *",
        [*values.values(), org_id, post_id],
    )
    return await cur.fetchone()


async def post(conn, org_id: str, post_id: str) -> Row | None:
    cur = await conn.execute(
        'SELECT * FROM "Post" WHERE "organizationId" = %s AND "id" = %s AND "deletedAt" IS NULL',
        (org_id, post_id),
    )
    return await cur.fetchone()


async def top_level_posts(
    conn, org_id: str, start: datetime, end: datetime, customer: str | None
) -> list[Row]:
    """Posts (no comments) in the window, plus every recurring post, with their channel."""
    sql = (
        'SELECT p.*, i."providerIdentifier" AS "_provider", i."name" AS "_channelName", '
        'i."picture" AS "_channelPicture" FROM "Post" p JOIN "Integration" i ON i."id" = p."integrationId" '
        'WHERE p."organizationId" = %s AND p."deletedAt" IS NULL AND p."parentPostId" IS NULL '
        'AND i."deletedAt" IS NULL AND ((p."publishDate" >= %s AND p."publishDate" <= %s) '
        'OR p."intervalInDays" IS NOT NULL)'
    )
    params: list[Any] = [org_id, start, end]
    if customer:
        sql += ' AND i."customerId" = %s'
        params.append(customer)
    cur = await conn.execute(sql + ' ORDER BY p."publishDate" ASC, p."id" ASC', params)
    return list(await cur.fetchall())


async def soft_delete_group(conn, org_id: str, group: str) -> list[str]:
    now = utcnow()
    cur = await conn.execute(
        'UPDATE "Post" SET "deletedAt" = %s, "updatedAt" = %s '
        'WHERE "organizationId" = %s AND "group" = %s AND "deletedAt" IS NULL RETURNING "id"',
        (now, now, org_id, group),
    )
    return [row["id"] for row in await cur.fetchall()]


async def taken_publish_dates(conn, channel_id: str, since: datetime) -> list[datetime]:
    cur = await conn.execute(
        'SELECT "publishDate" FROM "Post" WHERE "integrationId" = %s AND "deletedAt" IS NULL '
        'AND "parentPostId" IS NULL AND "publishDate" >= %s',
        (channel_id, since),
    )
    return [row["publishDate"] for row in await cur.fetchall()]


# -- media -----------------------------------------------------------------------------------


async def insert_media(conn, *, org_id: str, name: str, path: str, kind: str, size: int) -> Row:
    now = utcnow()
    cur = await conn.execute(
        'INSERT INTO "Media" ("id", "name", "path", "organizationId", "type", "fileSize", "createdAt", "updatedAt") '
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
        (new_id(), name, path, org_id, kind, size, now, now),
    )
    return await cur.fetchone()
