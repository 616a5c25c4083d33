# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a ``postiz_files`` write would change anything, from facts read before it.

A re-run reads once what its writes would compare (``postiz_files`` or ``docker_setup_info``
with ``describe``) and leaves out each write that would find everything as it should be:
a task skipped costs a few milliseconds, a module run on the host half a second.
The documentation lives in ``postiz_files_drift.yml`` next to this file.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _mode(value, what):
    """ "0600", 0o600 or the int YAML makes of an unquoted 0600, as "0600"."""
    try:
        mode = int(value, 8) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError(
            f'the mode of {what} must be an octal permission such as "0600", not {value!r}'
        ) from None
    return f"{mode:04o}"


def _same_id(wanted, name, number):
    """An owner or group given by name or id matches the facts; unset matches anything."""
    if wanted in (None, ""):
        return True
    return str(wanted) in (str(name), str(number))


def _lookup(described, path):
    """The facts of ``path``: read, known missing (its directory was listed, or is itself
    missing), or None (not read)."""
    if path in described:
        return described[path]
    parent = described.get(posixpath.dirname(path), {})
    if parent.get("listed") or parent.get("type") == "missing":
        return {"type": "missing"}
    return None


def postiz_files_drift(
    described, path, files=None, mode="0600", owner=None, group=None, directories=(), remove=()
):
    """The paths a ``postiz_files`` task with these options would create, write, correct or remove.

    An empty list means the task would change nothing. A path the facts do not cover counts
    as a change: only facts read can leave a write out.
    """
    if not isinstance(described, Mapping):
        raise AnsibleFilterError(
            f"postiz_files_drift takes the described facts (a dict), not {type(described).__name__}"
        )
    path = posixpath.normpath(str(path))
    drift = []

    def owned(facts):
        return _same_id(owner, facts.get("owner"), facts.get("uid")) and _same_id(
            group, facts.get("group"), facts.get("gid")
        )

    directory_modes = {}
    for item in directories or ():
        directory = posixpath.normpath(str(item["path"]))
        directory_modes[directory] = _mode(item.get("mode", "0700"), directory)
    for directory, wanted in directory_modes.items():
        facts = _lookup(described, directory)
        if not facts or facts.get("type") != "directory" or facts.get("mode") != wanted or not owned(facts):
            drift.append(directory)
    if path not in directory_modes:
        kind = (_lookup(described, path) or {}).get("type")
        # Only removals, from a directory that is not there: nothing to remove, nothing to create.
        nothing_there = kind == "missing" and not files and not directory_modes
        if kind != "directory" and not nothing_there:
            drift.append(path)

    default_mode = _mode(mode, "the files")
    for name, value in (files or {}).items():
        file_mode = default_mode
        if isinstance(value, Mapping):
            if "mode" in value:
                file_mode = _mode(value["mode"], name)
            value = value.get("content")
        text = "" if value is None else str(value)
        target = posixpath.join(path, str(name))
        facts = _lookup(described, target)
        if (
            not facts
            or facts.get("type") != "file"
            or facts.get("sha1") != hashlib.sha1(text.encode("utf-8")).hexdigest()
            or facts.get("mode") != file_mode
            or not owned(facts)
        ):
            drift.append(target)

    for name in remove or ():
        target = posixpath.join(path, str(name))
        facts = _lookup(described, target)
        if not facts or facts.get("type") != "missing":
            drift.append(target)
    return drift


class FilterModule:
    def filters(self):
        return {"postiz_files_drift": postiz_files_drift}
