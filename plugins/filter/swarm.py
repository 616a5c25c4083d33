# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stack on Docker Swarm, from the Compose file the role renders.

The logic lives in ``module_utils/_postiz_swarm.py``; the documentation in
``postiz_swarm_stack.yml`` next to this file.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm


def _plain(value):
    """Plain dicts and lists, each value read once: ansible-core hands a filter lazy
    containers that template a value again at every read."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def postiz_swarm_stack(compose, settings):
    """The Swarm stack file (a dict) for the parsed Compose file."""
    if not isinstance(settings, Mapping) or not settings.get("project"):
        raise AnsibleFilterError(
            "postiz_swarm_stack: the settings must be a dict with the stack's project name."
        )
    try:
        return swarm.stack(_plain(compose), _plain(settings))
    except swarm.SwarmStackError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def postiz_swarm_node_labels(roles):
    """The node labels of a machine with these roles, and the known ones it must not have."""
    if isinstance(roles, str) or not isinstance(roles, (list, tuple)):
        raise AnsibleFilterError("postiz_swarm_node_labels: the roles must be a list (data, app, proxy).")
    try:
        return swarm.node_labels(roles)
    except swarm.SwarmStackError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def postiz_swarm_services(lines, project, expected=None):
    """The images and the problems of a stack's services, from `docker service ls` JSON lines."""
    if isinstance(lines, str) or not isinstance(lines, (list, tuple)):
        raise AnsibleFilterError(
            "postiz_swarm_services: the input must be the lines of `docker service ls --format '{{json .}}'`."
        )
    if expected is not None and not isinstance(expected, Mapping):
        raise AnsibleFilterError("postiz_swarm_services: expected must be a dict of service -> image.")
    try:
        return swarm.services_state(lines, str(project), expected)
    except swarm.SwarmStackError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """Docker Swarm filters."""

    def filters(self):
        return {
            "postiz_swarm_stack": postiz_swarm_stack,
            "postiz_swarm_node_labels": postiz_swarm_node_labels,
            "postiz_swarm_services": postiz_swarm_services,
        }
