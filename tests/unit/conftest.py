# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.selfhosted.postiz`` importable from a clone.

The clone itself is the collection; ``collections/ansible_collections/selfhosted/postiz``
is a symlink back to the repository root. ``ansible_collections`` is a namespace
package (site-packages holds another part of it), so putting ``collections/`` first
on sys.path merges this collection in without hiding the installed ones.
Under ``ansible-test units`` the collection is already importable and this is a no-op.
"""

from __future__ import annotations

import os
import sys

_COLLECTIONS_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "collections")
)

if (
    os.path.isdir(os.path.join(_COLLECTIONS_DIR, "ansible_collections", "selfhosted", "postiz"))
    and _COLLECTIONS_DIR not in sys.path
):
    sys.path.insert(0, _COLLECTIONS_DIR)
