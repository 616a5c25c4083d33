# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Dashboard authentication (FACTS §6.2, §6.3): JWT from cookie ``auth`` or header ``auth``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import jwt_hs256, repo
from ..config import Settings
from ..cookies import AUTH_COOKIE, cookie_domain, session_cookie
from ..db import row_json

Row = dict[str, Any]


@dataclass
class Session:
    user: Row  # raw DB row (includes the password hash: never serialise it)
    organization: Row  # Organization columns plus _role/_disabled
    organizations: list[Row]

    @property
    def role(self) -> str:
        return self.organization["_role"]


def token_from(request: Request) -> str | None:
    return request.headers.get("auth") or request.cookies.get(AUTH_COOKIE) or None


def session_token(user_row: Row, secret: str) -> str:
    """The user row minus the password, plus iat; no expiry (FACTS §2.3, §6.2)."""
    return jwt_hs256.encode(row_json(user_row, drop=("password",)), secret)


def attach_session(response: Response, token: str, settings: Settings) -> None:
    response.headers.append(
        "set-cookie", session_cookie(token, cookie_domain(settings.frontend_url), settings.not_secured)
    )
    if settings.not_secured:
        response.headers["auth"] = token


def verified_user_id(request: Request, settings: Settings) -> str | None:
    """The user id of a validly signed token, or None (checked before touching the DB)."""
    token = token_from(request)
    if not token or not settings.jwt_secret:
        return None
    try:
        claims = jwt_hs256.decode(token, settings.jwt_secret)
    except jwt_hs256.InvalidToken:
        return None
    user_id = claims.get("id")
    return user_id if isinstance(user_id, str) else None


async def resolve(request: Request, conn, settings: Settings, user_id: str) -> Session | None:
    """The session, or None when the caller must get the 401 logout response."""
    # The backend re-reads the user on every request instead of trusting the token.
    user = await repo.user_by_id(conn, user_id)
    if user is None:
        return None
    organizations = await repo.memberships(conn, user["id"])
    if not organizations:
        return None
    wanted = request.headers.get("showorg") or request.cookies.get("showorg")
    chosen = next((o for o in organizations if o["id"] == wanted), organizations[0])
    if not chosen.get("apiKey"):
        # Postiz fills a missing key on the next dashboard request (FACTS §6.3).
        updated = await repo.set_api_key(conn, chosen["id"])
        chosen.update(updated or {})
    return Session(user=user, organization=chosen, organizations=organizations)
