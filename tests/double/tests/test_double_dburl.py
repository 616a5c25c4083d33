# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prisma DATABASE_URL → libpq conninfo."""

from urllib.parse import parse_qs, urlsplit

import pytest
from postiz_double.dburl import BadDatabaseUrl, parse_database_url, with_database


def test_compose_url():
    target = parse_database_url(
        "postgresql://postiz-user:postiz-password@postiz-postgres:5432/postiz-db-local"
    )
    assert (target.host, target.port, target.database, target.user, target.schema) == (
        "postiz-postgres",
        5432,
        "postiz-db-local",
        "postiz-user",
        "public",
    )
    assert target.where == "postiz-postgres:5432"
    assert parse_qs(urlsplit(target.conninfo).query) == {"connect_timeout": ["5"]}


def test_prisma_only_parameters_are_dropped_and_schema_becomes_search_path():
    target = parse_database_url(
        "postgres://u:p@db/app?schema=tenant&connection_limit=3&sslmode=require&pgbouncer=true"
    )
    query = parse_qs(urlsplit(target.conninfo).query)
    assert query == {"sslmode": ["require"], "connect_timeout": ["5"], "options": ["-csearch_path=tenant"]}
    assert target.schema == "tenant" and target.port == 5432


def test_password_never_in_the_display_form():
    target = parse_database_url("postgresql://u:top%40secret@db:6543/x")
    assert "secret" not in target.where and "secret" not in target.database


@pytest.mark.parametrize("url", [None, "", "mysql://u:p@db/x", "db:5432/x"])
def test_rejected(url):
    with pytest.raises(BadDatabaseUrl):
        parse_database_url(url)


def test_with_database_switches_only_the_path():
    target = parse_database_url("postgresql://u:p@db:5432/app?sslmode=disable")
    assert (
        with_database(target, "postgres")
        == "postgresql://u:p@db:5432/postgres?sslmode=disable&connect_timeout=5"
    )
