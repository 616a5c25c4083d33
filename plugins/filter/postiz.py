# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that build and check the Postiz container environment.

The logic lives in ``plugins/plugin_utils``; the documentation in the YAML
sidecars next to this file (``postiz_url_trio.yml`` and so on).
"""

from __future__ import annotations

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_checks import url_problems
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_env import app_env, env_file
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_paths import (
    outside_problems,
    project_dir_problems,
)
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import mask_urls, url_trio


def postiz_url_trio(public_url):
    """The four URL variables for the URL users type in the browser."""
    return url_trio(public_url)


def postiz_url_problems(env):
    """Sentences describing what is wrong with a final Postiz env mapping; [] when fine."""
    return url_problems(env)


def postiz_app_env(settings):
    """The complete, sorted environment of the Postiz container."""
    return app_env(settings)


def postiz_env_file(env, style="compose"):
    """Text of an env file for Compose or a POSIX shell (KEY='value' lines, sorted, final newline)."""
    return env_file(env, style)


def postiz_project_dir_problems(path, name="postiz_stack_project_dir"):
    """Why a path cannot be an instance's project directory; [] when it can."""
    return project_dir_problems(path, name)


def postiz_outside_problems(path, directory, name, directory_name):
    """Why a path is not an absolute path outside the project directory; [] when it is."""
    return outside_problems(path, name, directory, directory_name)


def postiz_mask_urls(text):
    """The text with the password of every URL in it replaced by ***."""
    return mask_urls(text)


class FilterModule:
    """Postiz environment filters."""

    def filters(self):
        return {
            "postiz_url_trio": postiz_url_trio,
            "postiz_url_problems": postiz_url_problems,
            "postiz_app_env": postiz_app_env,
            "postiz_env_file": postiz_env_file,
            "postiz_mask_urls": postiz_mask_urls,
            "postiz_project_dir_problems": postiz_project_dir_problems,
            "postiz_outside_problems": postiz_outside_problems,
        }
