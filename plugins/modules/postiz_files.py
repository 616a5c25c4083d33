#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_files
short_description: Write several small files of one directory, such as env files holding secrets, in one step
version_added: 0.1.0
description:
  - Makes each file of O(files) in the directory O(path) hold exactly its text, with O(mode) and the
    given owner and group, and deletes the files named in O(remove). Only files that differ are
    written; a run that finds everything as it should be changes nothing.
  - One task instead of one per file, so a re-run of a deploy checks them all in one round trip.
  - Each file is written to a new temporary file created with its final mode and owner, then renamed
    over the old one, so it is never readable by others nor half written. A file is never reached
    through a symbolic link; a link in its place is refused. A link in place of a directory is
    followed only when the link, its target and every directory above them can be changed by root
    alone (a project directory moved to another disk, say); any other is refused.
  - It can first create the directories the files go in (O(directories)), with their missing parents,
    with the same rule for symbolic links, and correct the mode and owner of those that exist.
  - The texts are treated as secrets unless O(secret=false). Secrets are never returned, and the module
    reports no diff of them.
  - It can also read small text files of the directory (O(read)), such as records a deploy keeps, in the
    same round trip, before it writes anything, with the same rule for symbolic links.
  - It can describe paths (O(describe)) before it writes anything, so that a play reads once and leaves
    out the writes that would change nothing (the P(selfhosted.postiz.postiz_files_drift#filter) filter).
extends_documentation_fragment:
  - selfhosted.postiz.attributes
attributes:
  check_mode:
    details:
      - Reports which directories would be created or corrected and which files would be written or
        removed, and changes nothing.
  diff_mode:
    support: partial
    details:
      - With O(secret=false), the text of each written file before and after. Never for secrets.
options:
  path:
    description:
      - The directory the files are in. It must exist, unless the task only reads (O(read)) and creates
        nothing. It may be a symbolic link only as described above.
    type: path
    required: true
  read:
    description:
      - Names of files in O(path) whose text to return in RV(contents), read before anything is written.
      - A missing file, or a missing O(path), is left out of RV(contents). A symbolic link, a file that is
        not UTF-8 text or one larger than 1 MiB is refused.
      - Their text is returned, so name no file that holds a secret.
    type: list
    elements: str
    default: []
  describe:
    description:
      - Absolute paths to describe in RV(described), before anything is written. A directory is also
        listed, and each entry in it is described too. Symbolic links are described, never followed.
    type: list
    elements: path
    default: []
  files:
    description:
      - File name (without a directory part) to the file's whole text, or to a dict with the text in
        C(content) and the file's own permissions in C(mode) (instead of O(mode)).
    type: dict
    default: {}
  directories:
    description:
      - Directories to create first, or whose mode and owner to correct, in order, owned by O(owner) and
        O(group).
      - Missing parents are created with the same mode and owner. A file in place of a directory is
        refused, and a symbolic link unless root alone can change it (see above).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - The directory, as an absolute path.
        type: path
        required: true
      mode:
        description:
          - Its permissions, as an octal string.
        type: raw
        default: "0700"
  secret:
    description:
      - Whether the texts are secrets. V(false) lets a diff show them.
    type: bool
    default: true
  remove:
    description:
      - Names of files in O(path) to delete when they exist.
    type: list
    elements: str
    default: []
  mode:
    description:
      - Permissions of the written files, as an octal string.
    type: raw
    default: "0600"
  owner:
    description:
      - User that owns the written files (name or id). Unset, whoever runs the module.
    type: str
  group:
    description:
      - Group of the written files (name or id). Unset, the primary group of whoever runs the module.
    type: str
"""

EXAMPLES = r"""
- name: Write the services' env files, readable by root only
  selfhosted.postiz.postiz_files:
    path: /opt/postiz/env
    files:
      postiz.env: "{{ app_env_text }}"
      postiz-postgres.env: "{{ postgres_env_text }}"
    remove: [temporal.env]
    owner: root
    group: root
    mode: "0600"
  no_log: true

- name: Read the records of the last deploy, if there are any
  selfhosted.postiz.postiz_files:
    path: /opt/postiz
    read: [images.json, containers.json]
  register: records

- name: Install a script and the state directory it writes to
  selfhosted.postiz.postiz_files:
    path: /usr/local/sbin
    directories:
      - path: /var/lib/example
        mode: "0700"
    files:
      example-run:
        content: "{{ lookup('ansible.builtin.file', 'example-run.py') }}"
        mode: "0750"
    secret: false
    owner: root
    group: root
"""

RETURN = r"""
contents:
  description: The text of each file of O(read) that exists, by name.
  returned: always
  type: dict
  sample: {images.json: '{"postiz": "ghcr.io/gitroomhq/postiz-app:v2.23.0"}'}
described:
  description:
    - Facts of each path of O(describe) and of each entry of a described directory, by absolute path,
      read before anything was written.
    - C(type) is C(file), C(directory), C(link), C(other) or C(missing); C(mode), C(uid), C(gid),
      C(owner) and C(group) (names, where the host knows them) are there for any but a missing path;
      C(sha1) of a regular file (null over 1 MiB); C(listed) on a directory that was listed.
  returned: always
  type: dict
  sample: {/opt/postiz: {type: directory, mode: "0750", uid: 0, gid: 0, owner: root, group: root, listed: true}}
directories:
  description: Directories created or corrected (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/postiz-backup]
written:
  description: Names of the files written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [postiz.env]
removed:
  description: Names of the files deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [temporal.env]
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import (
    FilesError,
    describe,
    ensure_directories,
    read_files,
    resolve_gid,
    resolve_uid,
    sync_files,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    read=dict(type="list", elements="str", default=[]),
    describe=dict(type="list", elements="path", default=[]),
    files=dict(type="dict", default={}, no_log=True),
    remove=dict(type="list", elements="str", default=[]),
    directories=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(path=dict(type="path", required=True), mode=dict(type="raw", default="0700")),
    ),
    secret=dict(type="bool", default=True),
    mode=dict(type="raw", default="0600"),
    owner=dict(type="str"),
    group=dict(type="str"),
)


def parse_mode(value):
    """An octal mode given as text ("0600") or as the int YAML made of 0600; ValueError otherwise."""
    mode = int(value, 8) if isinstance(value, str) else int(value)
    if not 0 <= mode <= 0o7777:
        raise ValueError(value)
    return mode


def _mode_or_fail(module, value, what):
    try:
        return parse_mode(value)
    except (TypeError, ValueError):
        module.fail_json(msg=f'The mode of {what} must be an octal permission such as "0600", not {value!r}.')


def _texts_and_modes(module, default_mode):
    """{name: text} and {name: mode} from the files option (a text, or a dict with content and mode)."""
    texts, modes = {}, {}
    for name, value in module.params["files"].items():
        name = str(name)
        modes[name] = default_mode
        if isinstance(value, dict):
            unknown = sorted(set(value) - {"content", "mode"})
            if unknown:
                module.fail_json(msg=f"files.{name} takes content and mode, not {', '.join(unknown)}.")
            if "mode" in value:
                modes[name] = _mode_or_fail(module, value["mode"], name)
            value = value.get("content")
        texts[name] = "" if value is None else str(value)
    return texts, modes


def _diff(module, path, written, before, texts):
    """The text of each written file before and after, when the texts are not secrets."""
    if module.params["secret"] or not module._diff:
        return {}
    # The option is no_log for the secrets it usually carries; these texts are not secret.
    for value in module.params["files"].values():
        parts = value.values() if isinstance(value, dict) else [value]
        module.no_log_values.difference_update(str(part) for part in parts)
    return {
        "diff": [
            {
                "before_header": f"{path}/{name}",
                "after_header": f"{path}/{name}",
                "before": before.get(name) or "",
                "after": texts[name],
            }
            for name in written
        ]
    }


def run_module(module):
    """Compare and write; the file handling lives in module_utils._postiz_files."""
    params = module.params
    try:
        mode = parse_mode(params["mode"])
    except (TypeError, ValueError):
        module.fail_json(msg=f'mode must be an octal permission such as "0600", not {params["mode"]!r}.')
    texts, modes = _texts_and_modes(module, mode)
    directories = [
        (item["path"], _mode_or_fail(module, item["mode"], item["path"])) for item in params["directories"]
    ]
    try:
        uid = resolve_uid(params["owner"], error=FilesError)
        gid = resolve_gid(params["group"], error=FilesError)
        described = describe(params["describe"])
        contents = read_files(params["path"], params["read"])
        made, _missing = ensure_directories(directories, uid, gid, check_mode=module.check_mode)
        written, removed, before = [], [], {}
        # A task that only reads may find no directory at all (a first deploy).
        if texts or params["remove"] or directories:
            written, removed, before = sync_files(
                params["path"], texts, modes, uid, gid, params["remove"], check_mode=module.check_mode
            )
    except FilesError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg=f"Cannot write the files in {params['path']}: {exc}")
    module.exit_json(
        changed=bool(made or written or removed),
        contents=contents,
        described=described,
        directories=made,
        written=written,
        removed=removed,
        **_diff(module, params["path"], written, before, texts),
    )


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
