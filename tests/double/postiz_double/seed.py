# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helper: insert a connected channel (``Integration`` row) without a real platform.

    python3 -m postiz_double.seed --org <orgId or API key> --provider x --name "My X"

Prints the new row as JSON (``{"id": …, "organizationId": …, "providerIdentifier": …,
"customerId": …}``). Reads ``DATABASE_URL`` like the app. Test-only: real Postiz creates
these rows at the end of the OAuth flow (FACTS §3.1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys

from . import apikeys, content_repo, providers
from .db import Database


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m postiz_double.seed", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--org", required=True, help="organization id, or its 64-hex API key")
    parser.add_argument("--provider", required=True, choices=[p.identifier for p in providers.PROVIDERS])
    parser.add_argument("--name", required=True, help="channel display name")
    parser.add_argument("--profile", help="handle shown as `profile`/`display` (default: from the name)")
    parser.add_argument("--picture", help="avatar URL (default: none)")
    parser.add_argument("--customer", help="group (customer) name; created when missing")
    parser.add_argument("--disabled", action="store_true")
    parser.add_argument("--verified", action="store_true", help="X premium: longer posts allowed")
    parser.add_argument("--posting-times", help='JSON like [{"time":120}] (minutes after midnight UTC)')
    return parser.parse_args(argv)


async def seed(args: argparse.Namespace, database_url: str) -> dict[str, str | None]:
    database = Database(database_url)
    try:
        return await _seed(args, database)
    finally:
        await database.close()


async def _seed(args: argparse.Namespace, database: Database) -> dict[str, str | None]:
    async with database.connect() as conn:
        if apikeys.looks_like_api_key(args.org):
            org = await content_repo.organization_by_api_key(conn, args.org)
        else:
            org = await content_repo.organization_by_id(conn, args.org)
        if org is None:
            raise SystemExit("seed: no live organization matches --org")
        customer = (
            await content_repo.customer_named(conn, org["id"], args.customer) if args.customer else None
        )
        values = {
            "internalId": secrets.token_hex(8),
            "organizationId": org["id"],
            "name": args.name,
            "picture": args.picture,
            "providerIdentifier": args.provider,
            "type": "social",
            "token": secrets.token_hex(16),
            "refreshToken": secrets.token_hex(16),
            "disabled": args.disabled,
            "profile": args.profile or args.name.lower().replace(" ", "_"),
            "customerId": customer["id"] if customer else None,
            "additionalSettings": json.dumps([{"title": "Verified", "value": True}] if args.verified else []),
        }
        if args.posting_times:
            values["postingTimes"] = args.posting_times
        row = await content_repo.insert_channel(conn, **values)
    return {
        "id": row["id"],
        "organizationId": row["organizationId"],
        "providerIdentifier": row["providerIdentifier"],
        "customerId": row["customerId"],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        print("seed: DATABASE_URL is not set", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(seed(args, database_url))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
