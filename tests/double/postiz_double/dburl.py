# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn a Prisma ``DATABASE_URL`` into something libpq (psycopg) accepts.

Prisma accepts query parameters libpq rejects (``schema``, ``connection_limit``…);
they are dropped, and ``schema`` becomes a search_path. Nothing here logs the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Prisma-only connection-string parameters (Prisma docs, "Connection URLs").
_PRISMA_ONLY = frozenset(
    {
        "schema",
        "connection_limit",
        "pool_timeout",
        "socket_timeout",
        "pgbouncer",
        "statement_cache_size",
        "sslidentity",
        "sslaccept",
        "max_idle_connection_lifetime",
        "max_connection_lifetime",
    }
)
DEFAULT_CONNECT_TIMEOUT = "5"


class BadDatabaseUrl(ValueError):
    pass


@dataclass(frozen=True)
class DbTarget:
    conninfo: str  # contains the password: never log
    host: str
    port: int
    database: str
    user: str
    schema: str

    @property
    def where(self) -> str:
        """Prisma's ``host:port`` display, safe to log."""
        return f"{self.host}:{self.port}"


def parse_database_url(url: str | None) -> DbTarget:
    if not url:
        raise BadDatabaseUrl("empty")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres"):
        raise BadDatabaseUrl("the URL must start with the protocol `postgresql://` or `postgres://`")
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = "public"
    kept = []
    for key, value in params:
        if key == "schema":
            schema = value or "public"
        if key in _PRISMA_ONLY:
            continue
        kept.append((key, value))
    if not any(k == "connect_timeout" for k, _ in kept):
        kept.append(("connect_timeout", DEFAULT_CONNECT_TIMEOUT))
    if schema != "public":
        kept.append(("options", f"-csearch_path={schema}"))
    try:
        port = parts.port or 5432
        host = parts.hostname or "localhost"
    except ValueError as exc:
        raise BadDatabaseUrl("invalid port number") from exc
    database = unquote(parts.path.lstrip("/")) or unquote(parts.username or "") or "postgres"
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(kept), ""))
    return DbTarget(
        conninfo=conninfo,
        host=host,
        port=port,
        database=database,
        user=unquote(parts.username or ""),
        schema=schema,
    )


def with_database(target: DbTarget, database: str) -> str:
    """Same server and credentials, another database (to create the missing one)."""
    parts = urlsplit(target.conninfo)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), parts.query, ""))
