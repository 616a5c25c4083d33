# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure checks of ``POST /public/v1/posts`` bodies (FACTS §5.4); also used by MCP (§4.3).

Steps that need the database (integration look-up, ``settings.__type`` overwrite) live in
``posts.py``; this module gets the channels already resolved.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .. import providers
from .fields import Field, check, object_schema

TYPES = ("draft", "schedule", "now", "update")
CREATION_METHODS = ("API", "CLI")
X_VERIFIED_MAX = 4000
X_ARTICLE_MAX = 100000
YOUTUBE_TAGS_MAX_CHARS = 500
EMPTY_POST = "Your post should have at least one character or one image."
TOO_LONG = "post is too long, please fix it"

_IMAGE = (
    Field("id", "string", True),
    Field("path", "string", True),
    Field("alt", "string"),
    Field("thumbnail", "string"),
)
_VALUE_ITEM = (
    Field("content", "string", True),
    Field("id", "string"),
    Field("delay", "number"),
    Field("image", "array", True, children=_IMAGE),
)
_POST_ENTRY = (
    Field("integration", "object", True, children=(Field("id", "string", True),)),
    Field("group", "string"),
    Field("value", "array", True, min_items=1, children=_VALUE_ITEM),
)
_TAG = (Field("value", "string", True), Field("label", "string", True))
BODY_FIELDS = (
    Field("type", "string", True, choices=TYPES),
    Field("shortLink", "boolean", True),
    Field("date", "date", True),
    Field("tags", "array", True, children=_TAG),
    Field("posts", "array", True, min_items=1, children=_POST_ENTRY),
    Field("order", "string"),
    Field("inter", "number"),
    Field("republish", "boolean"),
    Field("creationMethod", "string", choices=CREATION_METHODS),
)

# -- provider settings DTOs (FACTS §5.4) -----------------------------------------------------

_X = (
    Field(
        "who_can_reply_post",
        "string",
        True,
        choices=("everyone", "following", "mentionedUsers", "subscribers", "verified"),
        applies=lambda s: s.get("post_type") != "article",
        description="Who may reply; required unless post_type is article",
    ),
    Field("community", "string", pattern=r"^(https://x\.com/i/communities/\d+)?$"),
    Field("post_type", "string", choices=("post", "article")),
    Field("article_title", "string"),
    Field("article_status", "string", choices=("draft", "published")),
    Field("made_with_ai", "boolean"),
    Field("paid_partnership", "boolean"),
)
_LINKEDIN = (Field("post_as_images_carousel", "boolean"), Field("carousel_name", "string"))
_YOUTUBE = (
    Field("title", "string", True, min_length=2, max_length=100),
    Field("type", "string", True, choices=("public", "private", "unlisted")),
    Field("selfDeclaredMadeForKids", "string", choices=("yes", "no")),
    Field(
        "tags", "array", children=_TAG, description="Total length of all tag values at most 500 characters"
    ),
)
_FACEBOOK = (
    Field("url", "url"),
    Field("post_type", "string", choices=("post", "story")),
    Field("text_format_preset_id", "string"),
)
_VOLUME = {"minimum": 0, "maximum": 100}
_INSTAGRAM = (
    Field("post_type", "string", True, choices=("post", "story")),
    Field("is_trial_reel", "boolean"),
    Field("graduation_strategy", "string", choices=("MANUAL", "SS_PERFORMANCE")),
    Field("collaborators", "array", children=(Field("label", "string", True),)),
    Field(
        "audio",
        "object",
        children=(
            Field("id", "string", True),
            Field("title", "string"),
            Field("artist", "string"),
            Field("image", "string"),
            Field("audio_volume", "number", **_VOLUME),
            Field("video_volume", "number", **_VOLUME),
        ),
    ),
)
SETTINGS_FIELDS: dict[str, tuple[Field, ...]] = {
    "x": _X,
    "linkedin": _LINKEDIN,
    "linkedin-page": _LINKEDIN,
    "youtube": _YOUTUBE,
    "facebook": _FACEBOOK,
    "instagram": _INSTAGRAM,
    "instagram-standalone": _INSTAGRAM,
}


def settings_schema(identifier: str) -> dict[str, Any] | str:
    fields = SETTINGS_FIELDS.get(identifier)
    return object_schema(fields) if fields else "No additional settings required"


def body_errors(body: dict[str, Any]) -> list[str]:
    """class-validator messages for the whole body; provider settings by ``settings.__type``."""
    errors = check(body, BODY_FIELDS)
    posts = body.get("posts")
    if isinstance(posts, list):
        for index, entry in enumerate(posts):
            settings = entry.get("settings") if isinstance(entry, dict) else None
            if not isinstance(settings, dict):
                continue
            provider = settings.get("__type")
            fields = SETTINGS_FIELDS.get(provider if isinstance(provider, str) else "")
            if fields:
                prefix = f"posts.{index}.settings."
                errors.extend(check(settings, fields, prefix))
                errors.extend(_youtube_tags(provider, settings, prefix))
    return errors


def _youtube_tags(provider: str, settings: dict[str, Any], prefix: str) -> list[str]:
    tags = settings.get("tags")
    if provider != "youtube" or not isinstance(tags, list):
        return []
    total = sum(
        len(t.get("value", "")) for t in tags if isinstance(t, dict) and isinstance(t.get("value"), str)
    )
    if total > YOUTUBE_TAGS_MAX_CHARS:
        return [f"{prefix}tags must be shorter than or equal to {YOUTUBE_TAGS_MAX_CHARS} characters in total"]
    return []


# -- per-channel checks after validation -------------------------------------------------------

_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>|</(?:h[1-3]|li)>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """The editor's HTML as the plain text Postiz measures."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content))).strip()


# twitter-text v3: weight 100 in these code-point ranges, 200 elsewhere; every URL counts 23.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_X_URL = re.compile(r"https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
_X_URL_WEIGHT = 23 * 100


def _x_weight(text: str) -> int:
    return sum(100 if any(lo <= ord(ch) <= hi for lo, hi in _X_LIGHT) else 200 for ch in text)


def x_weighted_length(text: str) -> int:
    """Weighted length as X counts it (emoji sequences are not merged: a simplification)."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in _X_URL.finditer(text):
        total += _x_weight(text[position : match.start()]) + _X_URL_WEIGHT
        position = match.end()
    total += _x_weight(text[position:])
    return math.ceil(total / 100)


def is_verified(channel: Mapping[str, Any]) -> bool:
    """Premium X accounts: ``additionalSettings`` holds ``{"title": "Verified", "value": true}``."""
    try:
        settings = json.loads(channel.get("additionalSettings") or "[]")
    except ValueError:
        return False
    return any(
        isinstance(s, dict) and s.get("title") == "Verified" and s.get("value") is True
        for s in settings or []
    )


def max_length(identifier: str, settings: Mapping[str, Any], premium: bool) -> int | None:
    if identifier == "x":
        if settings.get("post_type") == "article":
            return X_ARTICLE_MAX
        return X_VERIFIED_MAX if premium else providers.BY_ID["x"].max_length
    provider = providers.get(identifier)
    return provider.max_length if provider else None


def text_length(identifier: str, text: str) -> int:
    return x_weighted_length(text) if identifier == "x" else len(text)


def channel_error(
    post_type: str, entry: Mapping[str, Any], channel: Mapping[str, Any], premium: bool
) -> dict[str, Any] | None:
    """The first per-channel refusal, shaped like Postiz's 400 body, or None."""
    identifier = channel["providerIdentifier"]
    settings = entry.get("settings") or {}
    limit = max_length(identifier, settings, premium)
    for item in entry["value"]:
        text = html_to_text(item.get("content") or "")
        message = None
        if not text and not item.get("image"):
            message = EMPTY_POST
        elif post_type != "draft" and limit is not None and text_length(identifier, text) > limit:
            message = TOO_LONG
        if message:
            return {"statusCode": 400, "provider": identifier, "name": channel["name"], "message": message}
    return None
