# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prisma-named, quoted, idempotent DDL for the tables the double uses."""

from postiz_double import schema

REQUIRED = {
    "Organization": {
        "id",
        "name",
        "description",
        "apiKey",
        "paymentId",
        "allowTrial",
        "isTrailing",
        "createdAt",
        "updatedAt",
        "deletedAt",
    },
    "User": {
        "id",
        "email",
        "password",
        "providerName",
        "name",
        "activated",
        "isSuperAdmin",
        "timezone",
        "createdAt",
        "updatedAt",
        "lastReadNotifications",
    },
    "UserOrganization": {"id", "userId", "organizationId", "role", "disabled", "createdAt", "updatedAt"},
    "Integration": {
        "id",
        "internalId",
        "organizationId",
        "name",
        "picture",
        "providerIdentifier",
        "type",
        "token",
        "refreshToken",
        "disabled",
        "inBetweenSteps",
        "refreshNeeded",
        "profile",
        "customerId",
        "postingTimes",
        "deletedAt",
        "createdAt",
        "updatedAt",
    },
    "Post": {
        "id",
        "state",
        "publishDate",
        "organizationId",
        "integrationId",
        "content",
        "group",
        "settings",
        "image",
        "parentPostId",
        "releaseURL",
        "releaseId",
        "intervalInDays",
        "creationMethod",
        "deletedAt",
        "createdAt",
        "updatedAt",
    },
    "Media": {
        "id",
        "name",
        "path",
        "organizationId",
        "originalName",
        "thumbnail",
        "alt",
        "fileSize",
        "type",
        "deletedAt",
        "createdAt",
        "updatedAt",
    },
    "Customer": {"id", "name", "orgId", "deletedAt"},
}


def test_required_columns_exist():
    for name, columns in REQUIRED.items():
        assert columns <= set(schema.table(name).column_names), name


def test_every_statement_is_idempotent():
    for statement in schema.ddl_statements():
        assert "IF NOT EXISTS" in statement or "duplicate_object" in statement, statement


def test_identifiers_are_quoted_and_timestamps_have_millisecond_precision():
    ddl = "\n".join(schema.ddl_statements())
    assert 'CREATE TABLE IF NOT EXISTS "User" (' in ddl
    assert '"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP' in ddl
    assert '"updatedAt" TIMESTAMP(3) NOT NULL,' in ddl
    assert '"group" TEXT NOT NULL' in ddl
    assert 'CONSTRAINT "Post_pkey" PRIMARY KEY ("id")' in ddl
    assert (
        'CREATE UNIQUE INDEX IF NOT EXISTS "User_email_providerName_key" ON "User"("email", "providerName")'
        in ddl
    )
    assert '"UserOrganization_organizationId_fkey"' in ddl


def test_enums():
    enums = dict(schema.ENUMS)
    assert enums["Role"] == ("SUPERADMIN", "ADMIN", "USER")
    assert set(enums["State"]) == {"QUEUE", "DRAFT", "PUBLISHED", "ERROR"}
    assert "LOCAL" in enums["Provider"]


def test_foreign_keys_point_at_known_tables_and_tables_are_created_in_order():
    seen = set()
    for table in schema.TABLES:
        for fk in table.foreign_keys:
            assert fk.table in seen | {table.name}, (table.name, fk)
            assert fk.column in table.column_names
        seen.add(table.name)


def test_quote_escapes_double_quotes():
    assert schema.quote('we"ird') == '"we""ird"'
