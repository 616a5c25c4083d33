# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What ``integrationSchema`` (MCP) and ``GET /public/v1/integration-settings/:id`` report.

Shape from FACTS §4.3/§5.3: ``{rules, maxLength, settings, tools}``. The rule texts are the
double's own summaries of FACTS §5.4, and no provider offers helper tools here, so
``tools`` is always empty (and ``triggerTool`` finds none).
"""

from __future__ import annotations

from typing import Any

from .. import providers
from . import post_validation

_RULES = {
    "x": "Weighted length up to 280 (4000 for premium accounts, 100000 for articles). "
    "settings.who_can_reply_post is required unless settings.post_type is article.",
    "youtube": "Description up to 5000 characters. settings.title (2-100 characters) and settings.type "
    "(public, private or unlisted) are required.",
    "instagram": "Caption up to 2200 characters. settings.post_type (post or story) is required. "
    "Media must be reachable over public HTTPS.",
    "instagram-standalone": "Caption up to 2200 characters. settings.post_type (post or story) is required. "
    "Media must be reachable over public HTTPS.",
}


def _rules(provider: providers.Provider, limit: int | None) -> str:
    if provider.identifier in _RULES:
        return _RULES[provider.identifier]
    return f"Up to {limit} characters." if limit else "No length limit is enforced."


def describe(identifier: str, premium: bool) -> dict[str, Any]:
    provider = providers.get(identifier)
    if provider is None:
        return {"rules": "", "maxLength": 0, "settings": "", "tools": []}
    limit = post_validation.max_length(identifier, {}, premium)
    return {
        "rules": _rules(provider, limit),
        "maxLength": limit or 0,
        "settings": post_validation.settings_schema(identifier),
        "tools": [],
    }
