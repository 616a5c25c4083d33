# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Postiz release may start on a database: the rules, written once so they can be tested.

Every start of the Postiz app pushes its image's database schema (``prisma db push
--accept-data-loss``): a release older than the one that last ran drops the columns it does
not know, with their data. So a deploy may move the app forward, never back, and a backup may
only be restored under a release at least as new as the one it was taken under.

Versions are image tags. Release tags (``v2.23.0``, ``2.9.1``, ``v2.12``) are compared number
by number (v2.23.0 is newer than v2.9.1). Any other tag (a test build, a digest, ``rc1``) can
only be equal or not: two different tags that are not both releases cannot be ordered, and are
refused like a downgrade, because one of them may well be older.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_stack_model import APP_SERVICE

VERSION_RE = re.compile(r"^v?(\d+(?:\.\d+)*)$")
# How Docker names an image that has no name left: its id.
IMAGE_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")
OVERRIDE = "postiz_stack_allow_downgrade"
SCHEMA_PUSH = (
    "every Postiz start pushes its own database schema (prisma db push --accept-data-loss) and an older "
    "release drops the columns it does not know, with their data"
)
PIN = "postiz_version (or postiz_images['postiz'])"


def image_tag(image):
    """The tag of an image reference ('' without one); the digest when pinned by digest only."""
    image = str(image or "")
    name, digest = image.partition("@")[::2]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.split(":", 1)[1]
    return digest


def parse_version(text):
    """(2, 23, 0) for v2.23.0 or 2.23.0; None for anything else (test tags, digests, 'latest')."""
    match = VERSION_RE.match(str(text))
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def compare_versions(left, right):
    """-1, 0 or 1 as ``left`` is older than, the same as or newer than ``right``; None when two
    different tags are not both release versions (their order cannot be told)."""
    left, right = str(left), str(right)
    if left == right:
        return 0
    a, b = parse_version(left), parse_version(right)
    if a is None or b is None:
        return None
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


def _json_object(text):
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, Mapping) else None


def running_app_image(containers, service=APP_SERVICE):
    """The image the project's app container was created from ('' without one). ``containers``
    is docker_host_info's list; a running container wins over a stopped one. Docker lists a
    container by its image's id once that image has lost its name (the tag now names a
    rebuilt or newly pulled image): such a container says no version, images.json does."""
    found = []
    for container in containers or []:
        labels = container.get("Labels") or {}
        if labels and labels.get("com.docker.compose.service") != service:
            continue
        if container.get("Image") and not IMAGE_ID.match(str(container["Image"])):
            found.append(container)
    found.sort(key=lambda container: container.get("State") != "running")
    return str(found[0]["Image"]) if found else ""


def marker_problem(text, path, project):
    """The sentence refusing a deploy over an unfinished upgrade; '' without a record. ``text``
    is the content of <project>/upgrade-in-progress.json ('' when it does not exist)."""
    if text is None or text == "":
        return ""
    record = _json_object(text) or {}
    old, new = record.get("from"), record.get("to")
    old = old.get(APP_SERVICE, "?") if isinstance(old, Mapping) else "?"
    new = new.get(APP_SERVICE, "?") if isinstance(new, Mapping) else "?"
    backup = record.get("backup") if isinstance(record.get("backup"), Mapping) else {}
    backup_id = backup.get("id") or "<id>"
    return (
        f"An upgrade of project {project} did not finish: {path} records it (app {image_tag(old) or old} to "
        f"{image_tag(new) or new}, backup {backup.get('id') or 'none'}, started {record.get('started') or '?'}). "
        "site.yml refuses to deploy over it, because the database may hold either release's schema and that record "
        "is the way back. The stack was not touched. Run playbooks/upgrade.yml with the same settings: it reads the "
        'record and says how to finish. To go back, set postiz_images to the record\'s "from" map and run '
        f"playbooks/restore.yml -e backup_cron_restore_backup={backup_id}; to keep what runs, set the inventory to "
        f"the images that run. Then delete {path} and run site.yml again."
    )


def deploy_version_guard(
    target_image,
    containers=None,
    images_record="",
    marker="",
    allow_downgrade=False,
    project="postiz",
    project_dir="/opt/postiz",
):
    """What a deploy of ``target_image`` (the app image) must refuse or warn about.

    The release the database last ran is the app container's image when the project has one
    (it is what started last), else the app of <project>/images.json (written after every
    deploy, upgrade and restore), else there is none (a first deploy).
    Returns {'from', 'to', 'source', 'order', 'problems', 'warnings'}; ``order`` is
    'first', 'same', 'newer', 'older' or 'unknown' (the target against the last release).
    """
    record_path = project_dir.rstrip("/") + "/images.json"
    marker_path = project_dir.rstrip("/") + "/upgrade-in-progress.json"
    problems, warnings = [], []
    refusal = marker_problem(marker, marker_path, project)
    if refusal:
        problems.append(refusal)

    running = running_app_image(containers)
    recorded = (_json_object(images_record) or {}).get(APP_SERVICE) or ""
    if running:
        last_image, source = running, f"the app container of project {project} runs {running}"
    elif recorded:
        last_image, source = str(recorded), f"{record_path} records {recorded} as the app that last ran"
    else:
        last_image, source = "", ""
    old, new = image_tag(last_image), image_tag(target_image)
    result = {"from": old, "to": new, "source": source, "problems": problems, "warnings": warnings}
    if not last_image:
        result["order"] = "first"
        return result
    order = compare_versions(new, old)
    result["order"] = {0: "same", 1: "newer", -1: "older", None: "unknown"}[order]
    if order in (0, 1):
        return result

    if allow_downgrade:
        warnings.append(
            f"{OVERRIDE} is true: deploying Postiz {new} over {old} ({source}). If {new} is older, its first start drops the columns it does "
            f"not know, with their data. Back up first (playbooks/backup.yml), and remove {OVERRIDE} from the inventory once "
            "this is done."
        )
        return result
    if order == -1:
        why = f"so the database holds {old}'s schema; {SCHEMA_PUSH}"
        forward = (
            f"To go back to {new}, restore a backup taken under {new} together with its images: {PIN} {new} in the "
            "inventory, then playbooks/restore.yml -e backup_cron_restore_backup=<id> "
            "-e backup_cron_restore_config=true."
        )
    else:
        why = f"and {new} and {old} are not both release versions (like v2.23.0), so which one is older cannot be told; {SCHEMA_PUSH}"
        forward = (
            f"If {new} is the newer one, move to it with playbooks/upgrade.yml (a backup first, a rollback on "
            "failure); if it is older, restore a backup taken under it together with its images "
            "(playbooks/restore.yml -e backup_cron_restore_config=true)."
        )
    problems.append(
        f"Refusing to deploy Postiz {new} over {old}: {source}, {why}. The stack was not touched. To stay on {old}, set {PIN} to {old}. "
        f"{forward} Only if you know that {new} has the same schema, set {OVERRIDE}: true (dangerous: it can drop data)."
    )
    return result


def backup_app_version(manifest):
    """(version, how it is known) of the app a backup was taken under; ('', '') when unknown.
    The app container's image is what ran; the manifest's postiz_version (the setting at backup
    time) only stands in when no app container was recorded."""
    manifest = manifest if isinstance(manifest, Mapping) else {}
    images = manifest.get("images") if isinstance(manifest.get("images"), Mapping) else {}
    app = images.get(APP_SERVICE) if isinstance(images.get(APP_SERVICE), Mapping) else {}
    tag = image_tag(app.get("image") or "")
    if tag:
        return tag, "its app container ran {}".format(app["image"])
    declared = str(manifest.get("postiz_version") or "")
    if declared:
        return declared, f"its manifest records postiz_version {declared}"
    return "", ""


def restore_version_guard(
    manifest, pinned_image="", start_image="", allow_downgrade=False, compose_path="compose.yaml"
):
    """What a restore of the backup described by ``manifest`` must refuse or warn about.

    ``pinned_image`` is the app image the inventory pins (postiz_images['postiz']);
    ``start_image`` the one the project's Compose file on the host starts after the restore
    ('' when the backup's own Compose file is restored, or there is none). A backup older than
    both is fine: the app moves its data forward on start.
    Returns {'version', 'problems', 'warnings'}.
    """
    manifest = manifest if isinstance(manifest, Mapping) else {}
    backup_id = manifest.get("id") or "?"
    version, how = backup_app_version(manifest)
    problems, warnings = [], []
    result = {"version": version, "problems": problems, "warnings": warnings}
    pinned, start = image_tag(pinned_image), image_tag(start_image)
    targets = []
    if pinned:
        targets.append((pinned, f"the version the inventory pins ({pinned_image})"))
    if start and start != pinned:
        targets.append((start, f"the app {compose_path} on this host starts ({start_image})"))
        warnings.append(
            f"The restore starts the app of {compose_path} on this host, {start}, not {pinned} that the inventory pins; site.yml would then "
            f"deploy {pinned}. To restore under the backup's own images, run with -e backup_cron_restore_config=true."
        )
    if not version:
        warnings.append(
            "Backup {} records no Postiz version (no app image, no postiz_version): whether it is newer "
            "than {} cannot be checked.".format(
                backup_id, " or ".join(target[0] for target in targets) or "the app"
            )
        )
        return result
    # The first release the data would meet that is older, or cannot be ordered: one sentence.
    for tag, what in targets:
        order = compare_versions(tag, version)
        if order in (0, 1):
            continue
        if allow_downgrade:
            warnings.append(
                f"{OVERRIDE} is true: restoring backup {backup_id}, taken under Postiz {version}, under {tag}. If {tag} is older, its first "
                "start drops the columns it does not know, with their data."
            )
            continue
        if order == -1:
            relation = f"newer than {tag}, {what}"
        else:
            relation = (
                f"and {tag}, {what}, cannot be ordered against it (only release versions like v2.23.0 can), so it may "
                "be the older one"
            )
        problems.append(
            f"Refusing to restore backup {backup_id}: it was taken under Postiz {version} ({how}), {relation}. Restored under {tag}, the app's first "
            f"start would push {tag}'s schema onto that data: {SCHEMA_PUSH}. Nothing was changed. Restore it with its own images: "
            f"set {PIN} to {version} in the inventory and run again with -e backup_cron_restore_config=true (the backup's "
            f"compose.yaml then starts {version}). Only if you know that both releases have the same schema, set {OVERRIDE}: true "
            "(dangerous: it can drop data)."
        )
        break
    return result
