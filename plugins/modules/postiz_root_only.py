#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_root_only
short_description: Find what someone other than root could change among the files a root job runs
version_added: 0.1.0
description:
  - A job that root runs (a cron entry, say) from files that someone else can change runs that
    someone's code as root. This module reports every such file or directory, so that a play can
    refuse to install the job.
  - Someone other than root can change a file when it belongs to another user, when it is writable
    by its group or by everyone, or when one of the directories above it is (whoever can change a
    directory can put a file of their own in place of any name in it).
  - For each of O(paths) it looks at the path and every directory above it, both as written and
    with symbolic links resolved. For each of O(trees) it looks at the directory in the same way
    and at everything below it. Links inside a tree are not followed there; a link that leads out
    of the trees has its target looked at like a path, and walked when it is a directory.
  - It only reads, and reports; it changes nothing and never fails on a finding.
extends_documentation_fragment:
  - selfhosted.postiz.attributes.read_only
  - selfhosted.postiz.attributes
options:
  paths:
    description:
      - Absolute paths whose file, and every directory above it, only root may be able to change.
      - A path that does not exist is reported.
    type: list
    elements: path
    default: []
  trees:
    description:
      - Absolute paths of directories whose every file and directory, and every directory above
        them, only root may be able to change, for example a collection or a virtualenv.
    type: list
    elements: path
    default: []
  limit:
    description:
      - Stop looking after this many findings.
    type: int
    default: 20
notes:
  - Root owns a file only when its owner is uid 0. A file or directory writable by its group counts
    even when the group is C(root), since any user can be made a member of it.
"""

EXAMPLES = r"""
- name: Find what users could change among the files the weekly job runs
  selfhosted.postiz.postiz_root_only:
    paths:
      - /usr/local/bin/ansible-playbook
      - /var/log
    trees:
      - /root/selfhosted-postiz
  register: weekly_job_files

- name: Refuse to install the job from files users can change
  ansible.builtin.assert:
    that: weekly_job_files.problems | length == 0
    fail_msg: "Users can change files the weekly job runs as root: {{ weekly_job_files.problems | join('; ') }}."
"""

RETURN = r"""
problems:
  description:
    - One sentence per finding, naming the path and who else can change it (the user owning it,
      the group or everyone it is writable by, with the mode), or that it does not exist.
    - Empty when only root can change every file looked at.
  returned: always
  type: list
  elements: str
  sample:
    - /home/alice/selfhosted-postiz belongs to alice (uid 1000)
    - /srv/ansible/playbooks is writable by the group staff (gid 50) (mode 0775)
checked:
  description: How many files and directories were looked at.
  returned: always
  type: int
  sample: 8312
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute
from ansible_collections.selfhosted.postiz.plugins.module_utils._root_only import problems

ARGUMENT_SPEC = dict(
    paths=dict(type="list", elements="path", default=[]),
    trees=dict(type="list", elements="path", default=[]),
    limit=dict(type="int", default=20),
)


def run_module(module):
    """Look and report; every decision lives in module_utils._root_only."""
    params = module.params
    if params["limit"] < 1:
        module.fail_json(msg="limit must be at least 1, not {}.".format(params["limit"]))
    found, checked = problems(params["paths"], params["trees"], limit=params["limit"])
    module.exit_json(changed=False, problems=found, checked=checked)


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
