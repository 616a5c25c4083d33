# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who is calling: the organization behind an API key (FACTS §4.1, §5.1, §6.3).

OAuth-app access tokens (``pos_…``) are accepted by Postiz in the same places; the double
has no OAuth apps, so every ``pos_`` token is an invalid one.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from .. import content_repo
from ..config import Settings

OAUTH_TOKEN_PREFIX = "pos_"
NO_KEY = {"msg": "No API Key found"}
INVALID_KEY = {"msg": "Invalid API key"}
INVALID_OAUTH = {"msg": "Invalid OAuth token"}
NO_SUBSCRIPTION = {"msg": "No subscription found"}


async def organization_for(conn, credential: str) -> dict[str, Any] | None:
    if not credential or credential.startswith(OAUTH_TOKEN_PREFIX):
        return None
    return await content_repo.organization_by_api_key(conn, credential)


def public_refusal(
    credential: str | None, org: dict[str, Any] | None, settings: Settings
) -> JSONResponse | None:
    """The public API's 401 for this outcome, or None when the caller may proceed.

    The header value is used verbatim: ``Bearer <key>`` is looked up as is and fails.
    """
    if not credential:
        return JSONResponse(NO_KEY, status_code=401)
    if org is None:
        body = INVALID_OAUTH if credential.startswith(OAUTH_TOKEN_PREFIX) else INVALID_KEY
        return JSONResponse(body, status_code=401)
    if settings.stripe_secret_key:
        # With billing on, Postiz wants a subscription row; the double never has one.
        return JSONResponse(NO_SUBSCRIPTION, status_code=401)
    return None
