# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan of an image upgrade: what changes, which breaking changes it crosses, what it must refuse.

Used by the postiz_upgrade role before anything on the host changes. Documentation lives in
the YAML sidecar next to this file (postiz_upgrade_plan.yml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from ansible.errors import AnsibleFilterError

# The stack's services, from its one description. POSTGRES_SERVICES: the services whose data
# directory only its own PostgreSQL major version can read.
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_stack_model import (
    APP_SERVICE,
    POSTGRES_SERVICES,
)

# One reading of image tags and release versions for upgrades, deploys and restores.
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import (
    image_tag,
    parse_version,
)

MAJOR_RE = re.compile(r"^(\d+)(?:$|[.-])")
BREAKING_KEYS = ("version", "summary", "changelog_url")


def _padded(left, right):
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)), right + (0,) * (width - len(right))


def _less(left, right):
    left, right = _padded(left, right)
    return left < right


def _check_breaking(entries):
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise AnsibleFilterError("breaking_changes must be a list of {version, summary, changelog_url}.")
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping) or any(
            not str(entry.get(key) or "").strip() for key in BREAKING_KEYS
        ):
            raise AnsibleFilterError(
                f"Entry {position} of breaking_changes needs a non-empty {', '.join(BREAKING_KEYS)}; got {entry!r}."
            )


def _crossed(entries, from_version, to_version):
    """Entries for the target version itself, or (real versions only) between the two."""
    old, new = parse_version(from_version), parse_version(to_version)
    crossed = []
    for entry in entries:
        version = str(entry["version"])
        at = parse_version(version)
        exact = version == to_version
        between = None not in (old, new, at) and _less(old, at) and not _less(new, at)
        if exact or between:
            crossed.append(dict(entry, version=version))
    return crossed


def _acknowledged(crossed, acknowledged, to_version):
    if not crossed or (acknowledged and acknowledged == to_version):
        return True
    ack = parse_version(acknowledged)
    wanted = [parse_version(entry["version"]) for entry in crossed]
    return ack is not None and None not in wanted and all(not _less(ack, want) for want in wanted)


def _problems(changes, from_version, to_version):
    problems = []
    old, new = parse_version(from_version), parse_version(to_version)
    if None not in (old, new) and _less(new, old):
        problems.append(
            f"The upgrade would take the app back from {from_version} to {to_version}. Postiz pushes its schema on every start, and an "
            f"older image can drop columns and their data. To go back, restore a backup taken with {to_version} "
            "(playbooks/restore.yml, with postiz_images as they were then) instead."
        )
    for change in changes:
        if change["service"] not in POSTGRES_SERVICES:
            continue
        before, after = MAJOR_RE.match(change["from_tag"]), MAJOR_RE.match(change["to_tag"])
        if before and after and before.group(1) != after.group(1):
            problems.append(
                f"{change['service']} would move from PostgreSQL {before.group(1)} ({change['from']}) to "
                f"{after.group(1)} ({change['to']}). A new major version cannot read the old data directory; it needs "
                "a dump, a new volume and a restore, which upgrade.yml does not do. Keep major "
                f"{before.group(1)} for {change['service']} here."
            )
    return problems


def postiz_upgrade_plan(current, target, services=None, breaking_changes=None, acknowledged=""):
    """Compare two image maps (service -> image) over the services that run."""
    if not isinstance(current, Mapping) or not isinstance(target, Mapping):
        raise AnsibleFilterError("postiz_upgrade_plan compares two image maps (service -> image).")
    services = list(target) if services is None else list(services)
    missing = [service for service in services if service not in current or service not in target]
    if missing:
        raise AnsibleFilterError(
            f"No image for {', '.join(missing)} in both maps; give full service-to-image maps."
        )
    breaking_changes = [] if breaking_changes is None else breaking_changes
    _check_breaking(breaking_changes)
    acknowledged = "" if acknowledged is None else str(acknowledged)

    changes = [
        {
            "service": service,
            "from": str(current[service]),
            "to": str(target[service]),
            "from_tag": image_tag(current[service]),
            "to_tag": image_tag(target[service]),
        }
        for service in services
        if str(current[service]) != str(target[service])
    ]
    from_version = image_tag(current[APP_SERVICE]) if APP_SERVICE in current else ""
    to_version = image_tag(target[APP_SERVICE]) if APP_SERVICE in target else ""
    app_changes = any(change["service"] == APP_SERVICE for change in changes)
    crossed = _crossed(breaking_changes, from_version, to_version) if app_changes else []
    return {
        "changes": changes,
        "from_version": from_version,
        "to_version": to_version,
        "breaking": crossed,
        "acknowledged": _acknowledged(crossed, acknowledged, to_version),
        "problems": _problems(changes, from_version, to_version) if changes else [],
    }


SERVICE_LABEL = "com.docker.compose.service"
BACKUP_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def postiz_upgrade_running_images(containers):
    """Service -> image of a Compose project's containers (docker_host_info, verbose); the last one of a service wins."""
    if not isinstance(containers, Sequence) or isinstance(containers, (str, bytes)):
        raise AnsibleFilterError(
            "postiz_upgrade_running_images takes the containers list of docker_host_info."
        )
    images = {}
    for container in containers:
        service = ((container or {}).get("Labels") or {}).get(SERVICE_LABEL)
        if service:
            images[service] = container.get("Image")
    return images


def postiz_upgrade_backups(backups, running, max_age_hours=0, now=None):
    """The backups a rollback may restore, oldest first: complete, of the images that run, young enough.

    A backup of other images would bring back data that another version wrote: the app's image must
    match, and so must every other service the backup recorded that is in ``running``. A pre-restore
    backup holds the data from before a restore, never the state to come back to.
    """
    if (
        not isinstance(backups, Sequence)
        or isinstance(backups, (str, bytes))
        or not isinstance(running, Mapping)
    ):
        raise AnsibleFilterError(
            "postiz_upgrade_backups takes the list of the backup command and an image map."
        )
    now = datetime.now(UTC) if now is None else now
    if isinstance(now, str):
        now = datetime.strptime(now, BACKUP_TIME_FORMAT).replace(tzinfo=UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    limit = int(max_age_hours) * 3600
    found = []
    for backup in backups:
        created = datetime.strptime(backup["created"], BACKUP_TIME_FORMAT).replace(tzinfo=UTC)
        images = backup.get("images") or {}
        if (
            (now - created).total_seconds() > limit
            or "postiz" not in images
            or backup.get("kind", "regular") == "pre-restore"
        ):
            continue
        if all(
            running[service] == recorded.get("image")
            for service, recorded in images.items()
            if service in running
        ):
            found.append(backup)
    return found


class FilterModule:
    def filters(self):
        return {
            "postiz_upgrade_plan": postiz_upgrade_plan,
            "postiz_upgrade_running_images": postiz_upgrade_running_images,
            "postiz_upgrade_backups": postiz_upgrade_backups,
        }
