# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create-post body checks of FACTS §5.4 (class-validator imitation, per-channel refusals)."""

from datetime import datetime

import pytest
from postiz_double.backend import post_validation as pv
from postiz_double.backend.posts import PostRejected, next_free_slot, occurrences, parse_iso, posting_minutes


def body(**overrides):
    base = {
        "type": "schedule",
        "date": "2026-12-01T10:00:00.000Z",
        "shortLink": False,
        "tags": [],
        "posts": [
            {
                "integration": {"id": "c1"},
                "value": [{"content": "<p>Hello</p>", "image": []}],
                "settings": {"__type": "x", "who_can_reply_post": "everyone"},
            }
        ],
    }
    base.update(overrides)
    return base


X_CHANNEL = {"providerIdentifier": "x", "name": "My X", "additionalSettings": "[]"}


def test_valid_body_has_no_errors():
    assert pv.body_errors(body()) == []


def test_empty_body_lists_every_required_field():
    assert pv.body_errors({}) == [
        "type must be one of the following values: draft, schedule, now, update",
        "shortLink must be a boolean value",
        "date must be a valid ISO 8601 date string",
        "tags must be an array",
        "posts must be an array",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"posts": []}, "posts must contain at least 1 elements"),
        ({"date": "01/12/2026"}, "date must be a valid ISO 8601 date string"),
        ({"creationMethod": "MCP"}, "creationMethod must be one of the following values: API, CLI"),
        ({"inter": "7"}, "inter must be a number conforming to the specified constraints"),
        ({"tags": [{"value": 1, "label": "a"}]}, "tags.0.value must be a string"),
    ],
)
def test_top_level_messages(overrides, message):
    assert message in pv.body_errors(body(**overrides))


def test_nested_paths_follow_nest():
    b = body()
    b["posts"][0]["value"][0] = {"content": 5}
    assert pv.body_errors(b) == [
        "posts.0.value.0.content must be a string",
        "posts.0.value.0.image must be an array",
    ]
    b["posts"][0]["integration"] = "c1"
    assert "posts.0.nested property integration must be either object or array" in pv.body_errors(b)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"__type": "x"},
            [
                (
                    "posts.0.settings.who_can_reply_post must be one of the following values: "
                    "everyone, following, mentionedUsers, subscribers, verified"
                )
            ],
        ),
        ({"__type": "x", "post_type": "article"}, []),
        (
            {"__type": "x", "who_can_reply_post": "everyone", "community": "https://x.com/i/communities/12"},
            [],
        ),
        (
            {"__type": "youtube"},
            [
                "posts.0.settings.title must be a string",
                "posts.0.settings.type must be one of the following values: public, private, unlisted",
            ],
        ),
        (
            {"__type": "youtube", "title": "a", "type": "public"},
            ["posts.0.settings.title must be longer than or equal to 2 characters"],
        ),
        (
            {"__type": "instagram"},
            ["posts.0.settings.post_type must be one of the following values: post, story"],
        ),
        (
            {
                "__type": "instagram-standalone",
                "post_type": "story",
                "audio": {"id": "a", "audio_volume": 101},
            },
            ["posts.0.settings.audio.audio_volume must not be greater than 100"],
        ),
        ({"__type": "facebook", "url": "not a url"}, ["posts.0.settings.url must be a URL address"]),
        ({"__type": "linkedin"}, []),
        ({"__type": "threads", "anything": 1}, []),
    ],
)
def test_provider_settings(settings, expected):
    b = body()
    b["posts"][0]["settings"] = settings
    assert pv.body_errors(b) == expected


def test_youtube_tags_total_length():
    b = body()
    b["posts"][0]["settings"] = {
        "__type": "youtube",
        "title": "ok",
        "type": "public",
        "tags": [{"value": "a" * 501, "label": "a"}],
    }
    assert pv.body_errors(b) == [
        "posts.0.settings.tags must be shorter than or equal to 500 characters in total"
    ]


def test_settings_schema():
    schema = pv.settings_schema("youtube")
    assert schema["required"] == ["title", "type"]
    assert schema["properties"]["type"]["enum"] == ["public", "private", "unlisted"]
    assert pv.settings_schema("threads") == "No additional settings required"
    assert "who_can_reply_post" not in pv.settings_schema("x").get("required", [])


def test_html_to_text():
    assert pv.html_to_text("<p>Hello</p><p>World &amp; co</p>") == "Hello\nWorld & co"
    assert pv.html_to_text("<p></p>") == ""


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("あ" * 140, 280),
        ("see https://example.com/a/very/long/path/that/goes/on", 27),
        ("—", 1),
    ],
)
def test_x_weighted_length(text, length):
    assert pv.x_weighted_length(text) == length


def entry(content, images=(), settings=None):
    return {"value": [{"content": content, "image": list(images)}], "settings": settings or {}}


def test_channel_errors():
    empty = pv.channel_error("schedule", entry("<p> </p>"), X_CHANNEL, False)
    assert empty == {"statusCode": 400, "provider": "x", "name": "My X", "message": pv.EMPTY_POST}
    assert pv.channel_error("schedule", entry("", [{"id": "m", "path": "p.png"}]), X_CHANNEL, False) is None
    assert pv.channel_error("schedule", entry("a" * 281), X_CHANNEL, False)["message"] == pv.TOO_LONG
    assert pv.channel_error("draft", entry("a" * 281), X_CHANNEL, False) is None
    assert pv.channel_error("now", entry("a" * 281), X_CHANNEL, True) is None
    assert (
        pv.channel_error("now", entry("a" * 4001, settings={"post_type": "article"}), X_CHANNEL, False)
        is None
    )
    linkedin = {"providerIdentifier": "linkedin", "name": "L"}
    assert pv.channel_error("schedule", entry("a" * 3001), linkedin, False)["message"] == pv.TOO_LONG


def test_verified_flag_comes_from_additional_settings():
    assert pv.is_verified({"additionalSettings": '[{"title":"Verified","value":true}]'})
    assert not pv.is_verified({"additionalSettings": "[]"})
    assert not pv.is_verified({"additionalSettings": "garbage"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T10:00:00.000Z", datetime(2026, 12, 1, 10)),
        ("2026-12-01T12:00:00+02:00", datetime(2026, 12, 1, 10)),
        ("2026-12-01", datetime(2026, 12, 1)),
        ("2026-12-01T10:00:00.123456789Z", datetime(2026, 12, 1, 10, 0, 0, 123000)),
        ("2026-12-01T10:00:00", datetime(2026, 12, 1, 10)),
    ],
)
def test_parse_iso_gives_naive_utc_milliseconds(value, expected):
    assert parse_iso(value) == expected


def test_mcp_error_text():
    assert PostRejected({"provider": "x", "name": "My X", "message": "m"}).text == "My X: m"
    assert PostRejected({"message": ["a", "b"]}, channel_name="C").text == "C: a; b"
    assert PostRejected({"message": "plain"}).text == "plain"


def test_recurring_occurrences():
    start, end = datetime(2026, 12, 1), datetime(2026, 12, 31)
    assert occurrences(datetime(2026, 12, 5), None, start, end) == [datetime(2026, 12, 5)]
    assert occurrences(datetime(2026, 11, 5), None, start, end) == []
    weekly = occurrences(datetime(2026, 11, 24, 9), 7, start, end)
    assert weekly[0] == datetime(2026, 12, 1, 9) and len(weekly) == 5


def test_find_slot():
    minutes = posting_minutes(None)
    assert minutes == [120, 400, 700]
    now = datetime(2026, 11, 28, 3, 0)
    assert next_free_slot(now, minutes, []) == datetime(2026, 11, 28, 6, 40)
    taken = [datetime(2026, 11, 28, 6, 40), datetime(2026, 11, 28, 11, 40)]
    assert next_free_slot(now, minutes, taken) == datetime(2026, 11, 29, 2, 0)
    assert posting_minutes('[{"time":60}]') == [60]
