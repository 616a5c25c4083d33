# Copyright: selfhosted.postiz contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that keep an older Postiz from starting on a newer database (site.yml, restore.yml).

The rules live in ``plugins/plugin_utils/postiz_versions.py``; the documentation in the YAML
sidecars next to this file (``postiz_deploy_version_guard.yml``, ``postiz_restore_version_guard.yml``).
"""

from __future__ import annotations

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import (
    deploy_version_guard,
    restore_version_guard,
)


def postiz_deploy_version_guard(
    target_image,
    containers=None,
    images_record="",
    marker="",
    allow_downgrade=False,
    project="postiz",
    project_dir="/opt/postiz",
):
    """Problems and warnings of deploying the app image ``target_image`` on this project."""
    return deploy_version_guard(
        target_image, containers, images_record, marker, allow_downgrade, project, project_dir
    )


def postiz_restore_version_guard(
    manifest, pinned_image="", start_image="", allow_downgrade=False, compose_path="compose.yaml"
):
    """Problems and warnings of restoring the backup whose manifest is ``manifest``."""
    return restore_version_guard(manifest, pinned_image, start_image, allow_downgrade, compose_path)


class FilterModule:
    def filters(self):
        return {
            "postiz_deploy_version_guard": postiz_deploy_version_guard,
            "postiz_restore_version_guard": postiz_restore_version_guard,
        }
