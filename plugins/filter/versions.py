# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that keep an older Postiz from starting on a newer database (site.yml, restore.yml).

The rules live in ``plugins/plugin_utils/postiz_versions.py``; the documentation in the YAML
sidecars next to this file (``postiz_deploy_version_guard.yml``, ``postiz_restore_version_guard.yml``).
"""

from __future__ import annotations

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import (
    deploy_version_guard,
    restore_version_guard,
)


# The rules take the filters' arguments as they are: the filters are the functions themselves.
class FilterModule:
    def filters(self):
        return {
            "postiz_deploy_version_guard": deploy_version_guard,
            "postiz_restore_version_guard": restore_version_guard,
        }
