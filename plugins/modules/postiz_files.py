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
    over the old one, so it is never readable by others nor half written. Neither the directory nor a
    file in it is ever reached through a symbolic link; a link in their place is refused.
  - The texts are treated as secrets. They are never returned, and the module reports no diff of them.
extends_documentation_fragment:
  - selfhosted.postiz.attributes
attributes:
  check_mode:
    details:
      - Reports which files would be written or removed, and changes nothing.
options:
  path:
    description:
      - The directory the files are in. It must exist and must not be a symbolic link.
    type: path
    required: true
  files:
    description:
      - File name (without a directory part) to the file's whole text.
    type: dict
    default: {}
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
"""

RETURN = r"""
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
    resolve_gid,
    resolve_uid,
    sync_files,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    files=dict(type="dict", default={}, no_log=True),
    remove=dict(type="list", elements="str", default=[]),
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


def run_module(module):
    """Compare and write; the file handling lives in module_utils._postiz_files."""
    params = module.params
    try:
        mode = parse_mode(params["mode"])
    except (TypeError, ValueError):
        module.fail_json(msg=f'mode must be an octal permission such as "0600", not {params["mode"]!r}.')
    files = {str(name): "" if text is None else str(text) for name, text in params["files"].items()}
    try:
        uid = resolve_uid(params["owner"], error=FilesError)
        gid = resolve_gid(params["group"], error=FilesError)
        written, removed = sync_files(
            params["path"], files, mode, uid, gid, params["remove"], check_mode=module.check_mode
        )
    except FilesError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg=f"Cannot write the files in {params['path']}: {exc}")
    module.exit_json(changed=bool(written or removed), written=written, removed=removed)


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
