# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The facts the modules' ``describe`` option gives, as the tests expect them."""

from __future__ import annotations

import grp
import os
import pwd


def own_file_facts(mode, sha1):
    """What ``describe`` says of a regular file this test process created: owner and group its own."""
    return {
        "type": "file",
        "mode": mode,
        "uid": os.geteuid(),
        "gid": os.getegid(),
        "owner": pwd.getpwuid(os.geteuid()).pw_name,
        "group": grp.getgrgid(os.getegid()).gr_name,
        "sha1": sha1,
    }
