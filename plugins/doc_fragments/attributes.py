# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """The author and attributes every module of the collection shares.

    A module lists ``selfhosted.postiz.attributes.read_only`` first if it changes
    nothing, then ``selfhosted.postiz.attributes``. The module's own ``attributes``
    win over any fragment's, and a fragment listed earlier over one listed later.
    The descriptions are those of ``ansible.builtin.action_common_attributes``.
    """

    DOCUMENTATION = r"""
author:
  - selfhosted.postiz maintainers (@selfhosted)
attributes:
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: full
    membership:
      - selfhosted.postiz.postiz
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target, if not
      supported the action will be skipped.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode
    support: none
  idempotent:
    description:
      - When run twice in a row with the same options, the second run reports no change.
    support: full
  platform:
    description: Target OS/families that can be operated against
    support: N/A
    platforms: posix
"""

    # The modules that only read.
    READ_ONLY = r"""
attributes:
  check_mode:
    details:
      - The module only reads, so it runs unchanged in check mode.
  idempotent:
    description:
      - The module never changes anything, so every run reports no change.
"""
