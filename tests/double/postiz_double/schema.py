# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The subset of Postiz's Prisma schema the double needs, as data, plus its DDL.

Prisma maps model names to quoted table names and keeps camelCase columns; ids are
text (uuid generated client-side, so no DB default), ``@updatedAt`` columns have no DB
default, ``@default(now())`` becomes ``DEFAULT CURRENT_TIMESTAMP`` on ``TIMESTAMP(3)``.
Constraint/index names follow Prisma's ``<Table>_<cols>_{pkey,key,idx,fkey}`` scheme.

The DDL is idempotent (IF NOT EXISTS everywhere, ADD COLUMN IF NOT EXISTS for every
column) so later issues can add columns and old databases catch up on the next start,
like ``prisma db push``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TS = "TIMESTAMP(3)"
NOW = "DEFAULT CURRENT_TIMESTAMP"

ENUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Role", ("SUPERADMIN", "ADMIN", "USER")),
    ("State", ("QUEUE", "PUBLISHED", "ERROR", "DRAFT")),
    ("Provider", ("LOCAL", "GITHUB", "GOOGLE", "FARCASTER", "WALLET", "GENERIC", "APPLE")),
)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    not_null: bool = False
    default: str = ""

    def ddl(self) -> str:
        parts = [quote(self.name), self.sql_type]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default:
            parts.append(self.default)
        return " ".join(parts)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    on_delete: str = "RESTRICT"  # Prisma's default for required relations


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _id() -> Column:
    return Column("id", "TEXT", True)


def _created() -> Column:
    return Column("createdAt", TS, True, NOW)


def _updated() -> Column:
    return Column("updatedAt", TS, True)


def _deleted() -> Column:
    return Column("deletedAt", TS)


TABLES: tuple[Table, ...] = (
    Table(
        "Organization",
        (
            _id(),
            Column("name", "TEXT", True),
            Column("description", "TEXT"),
            Column("apiKey", "TEXT"),
            Column("paymentId", "TEXT"),
            _created(),
            _updated(),
            Column("allowTrial", "BOOLEAN", True, "DEFAULT false"),
            Column("isTrailing", "BOOLEAN", True, "DEFAULT false"),
            _deleted(),
        ),
        indexes=(("apiKey",), ("deletedAt",)),
    ),
    Table(
        "User",
        (
            _id(),
            Column("email", "TEXT", True),
            Column("password", "TEXT"),
            Column("providerName", '"Provider"', True),
            Column("name", "TEXT"),
            Column("lastName", "TEXT"),
            Column("isSuperAdmin", "BOOLEAN", True, "DEFAULT false"),
            Column("bio", "TEXT"),
            Column("audience", "INTEGER", True, "DEFAULT 0"),
            Column("pictureId", "TEXT"),
            Column("providerId", "TEXT"),
            Column("timezone", "INTEGER", True, "DEFAULT 0"),
            _created(),
            _updated(),
            Column("lastReadNotifications", TS, True, NOW),
            Column("inviteId", "TEXT"),
            Column("activated", "BOOLEAN", True, "DEFAULT true"),
            Column("marketplace", "BOOLEAN", True, "DEFAULT true"),
            Column("account", "TEXT"),
            Column("connectedAccount", "BOOLEAN", True, "DEFAULT false"),
            Column("lastOnline", TS, True, NOW),
            Column("ip", "TEXT"),
            Column("agent", "TEXT"),
        ),
        unique=(("email", "providerName"),),
        indexes=(("lastReadNotifications",),),
    ),
    Table(
        "UserOrganization",
        (
            _id(),
            Column("userId", "TEXT", True),
            Column("organizationId", "TEXT", True),
            Column("disabled", "BOOLEAN", True, "DEFAULT false"),
            Column("role", '"Role"', True, "DEFAULT 'USER'"),
            _created(),
            _updated(),
        ),
        unique=(("userId", "organizationId"),),
        foreign_keys=(ForeignKey("userId", "User"), ForeignKey("organizationId", "Organization")),
    ),
    Table(
        "Customer",
        (
            _id(),
            Column("name", "TEXT", True),
            Column("orgId", "TEXT", True),
            _created(),
            _updated(),
            _deleted(),
        ),
        indexes=(("orgId",), ("deletedAt",)),
        foreign_keys=(ForeignKey("orgId", "Organization"),),
    ),
    Table(
        "Integration",
        (
            _id(),
            Column("internalId", "TEXT", True),
            Column("organizationId", "TEXT", True),
            Column("name", "TEXT", True),
            Column("picture", "TEXT"),
            Column("providerIdentifier", "TEXT", True),
            Column("type", "TEXT", True),
            Column("token", "TEXT", True),
            Column("disabled", "BOOLEAN", True, "DEFAULT false"),
            Column("tokenExpiration", TS),
            Column("refreshToken", "TEXT"),
            Column("profile", "TEXT"),
            _deleted(),
            _created(),
            _updated(),
            Column("inBetweenSteps", "BOOLEAN", True, "DEFAULT false"),
            Column("refreshNeeded", "BOOLEAN", True, "DEFAULT false"),
            # Minutes after midnight UTC: 02:00, 06:40, 11:40 (FACTS §5.3 find-slot).
            Column("postingTimes", "TEXT", True, """DEFAULT '[{"time":120}, {"time":400}, {"time":700}]'"""),
            Column("customInstanceDetails", "TEXT"),
            Column("customerId", "TEXT"),
            Column("rootInternalId", "TEXT"),
            Column("additionalSettings", "TEXT", False, "DEFAULT '[]'"),
        ),
        unique=(("organizationId", "internalId"),),
        indexes=(("rootInternalId",), ("deletedAt",), ("customerId",)),
        foreign_keys=(
            ForeignKey("organizationId", "Organization"),
            ForeignKey("customerId", "Customer", "SET NULL"),
        ),
    ),
    Table(
        "Post",
        (
            _id(),
            Column("state", '"State"', True, "DEFAULT 'QUEUE'"),
            Column("publishDate", TS, True),
            Column("organizationId", "TEXT", True),
            Column("integrationId", "TEXT", True),
            Column("content", "TEXT", True),
            Column("group", "TEXT", True),
            Column("title", "TEXT"),
            Column("description", "TEXT"),
            Column("parentPostId", "TEXT"),
            Column("releaseId", "TEXT"),
            Column("releaseURL", "TEXT"),
            Column("settings", "TEXT"),
            Column("image", "TEXT"),
            Column("intervalInDays", "INTEGER"),
            Column("error", "TEXT"),
            Column("creationMethod", "TEXT"),
            _created(),
            _updated(),
            _deleted(),
        ),
        indexes=(
            ("group",),
            ("deletedAt",),
            ("publishDate",),
            ("state",),
            ("organizationId",),
            ("parentPostId",),
            ("integrationId",),
        ),
        foreign_keys=(
            ForeignKey("organizationId", "Organization"),
            ForeignKey("integrationId", "Integration"),
            ForeignKey("parentPostId", "Post", "SET NULL"),
        ),
    ),
    Table(
        "Media",
        (
            _id(),
            Column("name", "TEXT", True),
            Column("path", "TEXT", True),
            Column("organizationId", "TEXT", True),
            Column("originalName", "TEXT"),
            Column("thumbnail", "TEXT"),
            Column("thumbnailTimestamp", "INTEGER"),
            Column("alt", "TEXT"),
            Column("fileSize", "INTEGER", True, "DEFAULT 0"),
            Column("type", "TEXT", True, "DEFAULT 'image'"),
            _created(),
            _updated(),
            _deleted(),
        ),
        indexes=(("organizationId",),),
        foreign_keys=(ForeignKey("organizationId", "Organization"),),
    ),
)


def _name(table: str, columns: Sequence[str], suffix: str) -> str:
    return f"{table}_{'_'.join(columns)}_{suffix}"


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def enum_statements() -> list[str]:
    statements = []
    for name, values in ENUMS:
        labels = ", ".join("'" + v + "'" for v in values)
        statements.append(
            "DO $$ BEGIN "
            f"CREATE TYPE {quote(name)} AS ENUM ({labels}); "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        statements.extend(f"ALTER TYPE {quote(name)} ADD VALUE IF NOT EXISTS '{v}'" for v in values)
    return statements


def table_statements(table: Table) -> list[str]:
    body = ", ".join(
        [*(c.ddl() for c in table.columns), f'CONSTRAINT {quote(table.name + "_pkey")} PRIMARY KEY ("id")']
    )
    statements = [f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({body})"]
    statements.extend(
        f"ALTER TABLE {quote(table.name)} ADD COLUMN IF NOT EXISTS {c.ddl()}" for c in table.columns
    )
    on = quote(table.name)
    for cols in table.unique:
        name = quote(_name(table.name, cols, "key"))
        statements.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {on}({_cols(cols)})")
    for cols in table.indexes:
        name = quote(_name(table.name, cols, "idx"))
        statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {on}({_cols(cols)})")
    return statements


def foreign_key_statements(table: Table) -> list[str]:
    statements = []
    for fk in table.foreign_keys:
        name = _name(table.name, (fk.column,), "fkey")
        statements.append(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{name}') THEN "
            f"ALTER TABLE {quote(table.name)} ADD CONSTRAINT {quote(name)} FOREIGN KEY ({quote(fk.column)}) "
            f'REFERENCES {quote(fk.table)}("id") ON DELETE {fk.on_delete} ON UPDATE CASCADE; '
            "END IF; END $$"
        )
    return statements


def ddl_statements() -> list[str]:
    """All statements of one ``db push``, in dependency order."""
    statements = enum_statements()
    for table in TABLES:
        statements.extend(table_statements(table))
    for table in TABLES:
        statements.extend(foreign_key_statements(table))
    return statements


def expected_columns() -> list[tuple[str, str]]:
    """(table, column) pairs, to tell "already in sync" from "now in sync"."""
    return [(t.name, c.name) for t in TABLES for c in t.columns]


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)
