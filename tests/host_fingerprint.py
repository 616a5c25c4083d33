# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fingerprint of what the test suite must leave as it found it on the host.

``record FILE`` writes the fingerprint; ``compare FILE`` takes it again and fails,
naming each difference, when anything outside the suite's own throw-away objects
changed. The suite's own objects are Docker objects named ``selfhosted-postiz-test*``
or labelled ``selfhosted.postiz.test``, and images tagged only
``selfhosted-postiz-test/*`` or labelled ``selfhosted.postiz.inputs`` (tests/images);
containers made from those images by anyone else are not the suite's.

Compared: Docker containers (id, name, image, creation, start, restarts), volumes
(name, driver, mount point),
networks and images that are not the suite's; the files below the paths a deployment
writes (type, mode, owner, size, modification time, link target), never following a
link.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys

PREFIX = "selfhosted-postiz-test"
# Machines, the registry, their volumes and network carry the first; the test images the
# second. A container inherits its image's labels, so only the first marks a container:
# an instance a user deployed from the test images is the user's, not the suite's.
OBJECT_LABEL = "selfhosted.postiz.test"
IMAGE_LABELS = (OBJECT_LABEL, "selfhosted.postiz.inputs")
TREES = (
    "/opt",
    "/etc/cron.d",
    "/var/spool/cron/crontabs",
    "/etc/docker",
    "/etc/postiz-backup",
    # The deployment's backups only: Debian's daily cron job rotates its own copies of
    # the dpkg and apt state (dpkg.status.0, ...) into /var/backups itself.
    "/var/backups/postiz",
    "/var/lib/postiz-backup",
    "/usr/local/sbin",
)


def docker_json(*args: str) -> list[dict]:
    """Run a docker command that prints one JSON document per line."""
    out = subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def inspect(kind: str, ids: list[str]) -> list[dict]:
    if not ids:
        return []
    out = subprocess.run(["docker", kind, "inspect", *ids], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ours_by_labels(labels: dict | None, kinds: tuple[str, ...] = (OBJECT_LABEL,)) -> bool:
    return any(label in (labels or {}) for label in kinds)


def containers() -> dict:
    ids = [c["ID"] for c in docker_json("ps", "-a", "--no-trunc", "--format", "{{json .}}")]
    found = {}
    for c in inspect("container", ids):
        name = c["Name"].lstrip("/")
        if name.startswith(PREFIX) or ours_by_labels(c["Config"].get("Labels")):
            continue
        found[name] = {
            "id": c["Id"],
            "image": c["Image"],
            "created": c["Created"],
            "started": c["State"].get("StartedAt"),
            "restarts": c.get("RestartCount", 0),
        }
    return found


def volumes() -> dict:
    names = [v["Name"] for v in docker_json("volume", "ls", "--format", "{{json .}}")]
    # A local volume's CreatedAt follows its directory's modification time, so it moves
    # whenever its owner writes: the name, driver and mount point identify the volume.
    return {
        v["Name"]: {"driver": v["Driver"], "mountpoint": v.get("Mountpoint")}
        for v in inspect("volume", names)
        if not v["Name"].startswith(PREFIX) and not ours_by_labels(v.get("Labels"))
    }


def networks() -> dict:
    ids = [n["ID"] for n in docker_json("network", "ls", "--no-trunc", "--format", "{{json .}}")]
    return {
        n["Name"]: {"id": n["Id"], "created": n.get("Created")}
        for n in inspect("network", ids)
        if not n["Name"].startswith(PREFIX) and not ours_by_labels(n.get("Labels"))
    }


def images() -> dict:
    ids = sorted({i["ID"] for i in docker_json("images", "--no-trunc", "--format", "{{json .}}")})
    found = {}
    for image in inspect("image", ids):
        tags = sorted(image.get("RepoTags") or [])
        if ours_by_labels((image.get("Config") or {}).get("Labels"), IMAGE_LABELS):
            continue
        if tags and all(tag.startswith(PREFIX + "/") for tag in tags):
            continue
        found[image["Id"]] = {"tags": tags}
    return found


def entry(path: str) -> dict:
    st = os.lstat(path)
    item = {
        "type": stat.S_IFMT(st.st_mode),
        "mode": stat.S_IMODE(st.st_mode),
        "owner": [st.st_uid, st.st_gid],
    }
    if stat.S_ISLNK(st.st_mode):
        item["target"] = os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        item["size"] = st.st_size
        item["mtime_ns"] = st.st_mtime_ns
    return item


def tree(root: str) -> dict:
    found = {}
    if not os.path.lexists(root):
        return found
    found[root] = entry(root)
    for top, dirs, files in os.walk(root, followlinks=False):
        for name in sorted(dirs + files):
            path = os.path.join(top, name)
            found[path] = entry(path)
    return found


def fingerprint() -> dict:
    files = {}
    for root in TREES:
        files.update(tree(root))
    return {
        "containers": containers(),
        "volumes": volumes(),
        "networks": networks(),
        "images": images(),
        "files": files,
    }


def differences(before: dict, after: dict) -> list[str]:
    lines = []
    for section in before:
        old, new = before[section], after.get(section, {})
        for key in sorted(set(old) | set(new)):
            if key not in new:
                lines.append(f"{section}: {key} is gone")
            elif key not in old:
                lines.append(f"{section}: {key} appeared")
            elif old[key] != new[key]:
                changed = sorted(
                    k for k in set(old[key]) | set(new[key]) if old[key].get(k) != new[key].get(k)
                )
                lines.append(f"{section}: {key} changed ({', '.join(changed)})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("file")
    args = parser.parse_args(argv)
    now = fingerprint()
    if args.action == "record":
        with open(args.file, "w", encoding="utf-8") as handle:
            json.dump(now, handle, indent=1, sort_keys=True)
        counts = ", ".join(f"{len(v)} {k}" for k, v in now.items())
        print(f"host fingerprint recorded: {counts}")
        return 0
    with open(args.file, encoding="utf-8") as handle:
        before = json.load(handle)
    lines = differences(before, now)
    if lines:
        print(f"The test suite changed the host ({len(lines)} differences):")
        for line in lines:
            print(f"  {line}")
        return 1
    print("host fingerprint unchanged: the suite left the host as it found it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
