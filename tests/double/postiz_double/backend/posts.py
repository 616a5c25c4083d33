# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Creating, listing, deleting and slotting posts (FACTS §5.3, §5.4, §9.2); shared by MCP.

Route modules call these inside one database connection; workflows are started only
after that connection has committed (the real workflow re-reads the post).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import content_repo, providers
from ..config import Settings
from ..db import iso, new_id, utcnow
from . import post_validation

DEFAULT_POSTING_MINUTES = (120, 400, 700)
SLOT_SEARCH_DAYS = 3660  # Postiz searches without end; the double gives up after ten years
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


class PostRejected(Exception):
    """A 400 (or other) answer with Postiz's body for it."""

    def __init__(self, body: Any, status: int = 400, channel_name: str | None = None):
        super().__init__(str(body))
        self.body = body
        self.status = status
        self.channel_name = channel_name

    @property
    def text(self) -> str:
        """``<channel name>: <message>`` for MCP's ``{output: {errors}}``."""
        body = self.body
        if isinstance(body, dict) and "provider" in body:
            return f"{body['name']}: {body['message']}"
        message = body.get("message") if isinstance(body, dict) else body
        text = "; ".join(message) if isinstance(message, list) else str(message)
        return f"{self.channel_name}: {text}" if self.channel_name else text


def bad_request(message: str) -> PostRejected:
    return PostRejected({"statusCode": 400, "message": message, "error": "Bad Request"})


def parse_iso(value: str) -> datetime:
    """ISO-8601 (already validated) as naive UTC with ms precision; no offset means UTC (TZ=UTC)."""
    text = _FRACTION.sub(r"\1", value.strip().replace(" ", "T", 1)).replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)


@dataclass(frozen=True)
class Created:
    post_id: str
    integration_id: str
    organization_id: str
    activity_queue: str
    needs_workflow: bool

    def json(self) -> dict[str, str]:
        return {"postId": self.post_id, "integration": self.integration_id}


async def _resolve_channels(conn, org_id: str, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Integration checks and the ``settings.__type`` overwrite, before class-validator runs."""
    entries = body.get("posts")
    if not isinstance(entries, list):
        return {}
    wanted: list[str] = []
    for entry in entries:
        integration = entry.get("integration") if isinstance(entry, dict) else None
        channel_id = integration.get("id") if isinstance(integration, dict) else None
        if not channel_id:
            raise bad_request("All posts must have an integration id")
        wanted.append(str(channel_id))
    channels = await content_repo.channels_by_id(conn, org_id, wanted)
    for channel_id in wanted:
        if channel_id not in channels:
            raise bad_request(f"Integration with id {channel_id} not found")
    for entry, channel_id in zip(entries, wanted, strict=True):
        settings = entry.get("settings")
        entry["settings"] = {
            **(settings if isinstance(settings, dict) else {}),
            "__type": channels[channel_id]["providerIdentifier"],
        }
    return channels


def _check_media_domains(body: dict[str, Any], restrict: str | None) -> None:
    if not restrict:
        return
    for entry in body["posts"]:
        for item in entry["value"]:
            for image in item.get("image") or []:
                if restrict not in str(image.get("path", "")):
                    raise bad_request(f"All media must be hosted on {restrict}")


async def create(
    conn, settings: Settings, org_id: str, body: dict[str, Any], creation_method: str, premium: bool = False
) -> list[Created]:
    """Validate like PostsService and write the rows; raises PostRejected."""
    channels = await _resolve_channels(conn, org_id, body)
    errors = post_validation.body_errors(body)
    if errors:
        names = {c["name"] for c in channels.values()}
        raise PostRejected(
            {"statusCode": 400, "message": errors, "error": "Bad Request"},
            channel_name=names.pop() if len(names) == 1 else None,
        )
    post_type = body["type"]
    for entry in body["posts"]:
        channel = channels[str(entry["integration"]["id"])]
        refusal = post_validation.channel_error(
            post_type, entry, channel, premium or post_validation.is_verified(channel)
        )
        if refusal:
            raise PostRejected(refusal)
    _check_media_domains(body, settings.restrict_upload_domains)
    publish = utcnow() if post_type == "now" else parse_iso(body["date"])
    state = "DRAFT" if post_type == "draft" else "QUEUE"
    interval = body.get("inter")
    group = new_id()  # the body's group is ignored (FACTS §5.4); one group per request
    created: list[Created] = []
    for entry in body["posts"]:
        channel = channels[str(entry["integration"]["id"])]
        common = {
            "publishDate": publish,
            "settings": json.dumps(entry["settings"], separators=(",", ":")),
            "intervalInDays": int(interval) if interval else None,
        }
        main_id: str | None = None
        for item in entry["value"]:
            values = {
                **common,
                "content": item["content"],
                "image": json.dumps(item["image"], separators=(",", ":")),
            }
            row = None
            if post_type == "update" and item.get("id"):
                row = await content_repo.update_post(conn, org_id, item["id"], values)
            if row is None:
                row = await content_repo.insert_post(
                    conn,
                    {
                        **values,
                        "state": state,
                        "organizationId": org_id,
                        "integrationId": channel["id"],
                        "group": group,
                        "parentPostId": main_id,
                        "creationMethod": creation_method,
                    },
                )
            main_id = main_id or row["id"]
        queue = providers.get(channel["providerIdentifier"])
        created.append(
            Created(
                post_id=main_id or "",
                integration_id=channel["id"],
                organization_id=org_id,
                activity_queue=queue.task_queue if queue else channel["providerIdentifier"].split("-")[0],
                needs_workflow=post_type in ("schedule", "now"),
            )
        )
    return created


# -- listing -----------------------------------------------------------------------------------


def occurrences(
    publish: datetime, interval_days: int | None, start: datetime, end: datetime
) -> list[datetime]:
    """Dates of a post inside [start, end]; a recurring post repeats every ``interval_days``."""
    if not interval_days or interval_days <= 0:
        return [publish] if start <= publish <= end else []
    step = timedelta(days=interval_days)
    moment = publish
    if moment < start:
        skipped = (start - moment) // step
        moment += step * skipped
        if moment < start:
            moment += step
    found = []
    while moment <= end:
        found.append(moment)
        moment += step
    return found


def public_post_json(row: dict[str, Any], actual: datetime | None = None) -> dict[str, Any]:
    """One entry of ``GET /public/v1/posts`` (``settings`` stays a JSON string)."""
    body = {
        "id": row["id"],
        "content": row["content"],
        "publishDate": iso(row["publishDate"]),
        "releaseURL": row["releaseURL"],
        "releaseId": row["releaseId"],
        "state": row["state"],
        "intervalInDays": row["intervalInDays"],
        "group": row["group"],
        "creationMethod": row["creationMethod"],
        "settings": row["settings"],
        "tags": [],
        "integration": {
            "id": row["integrationId"],
            "providerIdentifier": row["_provider"],
            "name": row["_channelName"],
            "picture": row["_channelPicture"],
        },
    }
    if actual is not None and row["intervalInDays"]:
        body["actualDate"] = iso(actual)
    return body


async def listed(
    conn, org_id: str, start: datetime, end: datetime, customer: str | None
) -> list[tuple[dict, datetime]]:
    """(row, date inside the window) pairs, recurring posts expanded."""
    rows = await content_repo.top_level_posts(conn, org_id, start, end, customer)
    found = []
    for row in rows:
        for moment in occurrences(row["publishDate"], row["intervalInDays"], start, end):
            found.append((row, moment))
    return found


# -- find-slot -------------------------------------------------------------------------------


def posting_minutes(raw: str | None) -> list[int]:
    try:
        times = json.loads(raw or "[]")
        minutes = sorted({int(t["time"]) for t in times if isinstance(t, dict) and "time" in t})
    except (ValueError, TypeError, KeyError):
        minutes = []
    return minutes or list(DEFAULT_POSTING_MINUTES)


def next_free_slot(now: datetime, minutes: list[int], taken: list[datetime]) -> datetime | None:
    """The first posting time after ``now`` (UTC) that no post of the channel occupies."""
    busy = {t.replace(second=0, microsecond=0) for t in taken}
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(SLOT_SEARCH_DAYS):
        for minute in minutes:
            slot = midnight + timedelta(days=day, minutes=minute)
            if slot > now and slot not in busy:
                return slot
    return None


def slot_json(slot: datetime) -> dict[str, str]:
    return {"date": slot.strftime("%Y-%m-%dT%H:%M:00")}
