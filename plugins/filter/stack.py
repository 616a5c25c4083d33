# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the one description of the stack (``module_utils/_postiz_stack_model.py``).

The documentation lives in the YAML sidecars next to this file (``postiz_services.yml`` and so on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_stack_model as model


def _switches(value):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(
            f"the stack settings must be a dict of switches ({', '.join(model.SWITCH_VARIABLES)}), "
            f"not {type(value).__name__}"
        )
    unknown = sorted(set(value) - set(model.SWITCH_VARIABLES))
    if unknown:
        raise AnsibleFilterError(
            f"unknown stack switch {', '.join(unknown)}; known: {', '.join(model.SWITCH_VARIABLES)}"
        )
    return dict(value)


def postiz_stack_services(switches, state="running", role=None):
    """The services' records (name, role, image_key, health, volumes, external, enabled, state)."""
    try:
        return model.services(_switches(switches), state, role)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def postiz_services(switches, state="running", role=None):
    """The names of the services that run here (or run elsewhere, are off, or all of them)."""
    return [service["name"] for service in postiz_stack_services(switches, state, role)]


def postiz_healthcheck_timing(name, start_interval=False):
    """The timing keys of a service's healthcheck (interval, timeout, retries, start_period...)."""
    if name not in model.BY_NAME:
        raise AnsibleFilterError(
            f"postiz_healthcheck_timing: no service {name!r}; known: {', '.join(model.BY_NAME)}"
        )
    return model.healthcheck_timing(name, bool(start_interval))


def postiz_container_problems(entries, expected=None):
    """Sentences saying which expected service is not running, healthy and on its image; [] when none."""
    if isinstance(entries, str):
        try:
            entries = model.json_documents(entries)
        except ValueError as exc:
            raise AnsibleFilterError(
                f"postiz_container_problems: unreadable `docker compose ps --format json` output: {exc}"
            ) from exc
    if not isinstance(entries, Sequence) or isinstance(entries, bytes):
        raise AnsibleFilterError(
            "postiz_container_problems takes the list of `docker compose ps --format json` entries, "
            "or that command's output"
        )
    if isinstance(expected, (str, bytes)) or not isinstance(expected, (Mapping, Sequence, type(None))):
        raise AnsibleFilterError(
            "the expected services must be a list of names or a dict of service -> image"
        )
    if isinstance(expected, Mapping):
        expected = dict(expected)
    elif expected is not None:
        expected = list(expected)
    return model.container_problems([dict(entry) for entry in entries], expected)


def postiz_up_reasons(containers, record, services, project_services=None, images_record=None):
    """Why the stack must be brought up although no file changed; [] when it runs as last deployed."""
    if not isinstance(containers, Sequence) or isinstance(containers, (str, bytes)):
        raise AnsibleFilterError("postiz_up_reasons takes the list of containers docker_host_info returns")
    for name, value in (("services", services), ("project_services", project_services)):
        if value is not None and (isinstance(value, (str, bytes)) or not isinstance(value, Sequence)):
            raise AnsibleFilterError(f"postiz_up_reasons: {name} must be a list of service names")
    return model.up_reasons(
        [dict(entry) for entry in containers],
        record,
        list(services),
        None if project_services is None else list(project_services),
        images_record,
    )


def postiz_deploy_record(containers, services):
    """{service: container id} of the given services' containers, for postiz_up_reasons."""
    if not isinstance(containers, Sequence) or isinstance(containers, (str, bytes)):
        raise AnsibleFilterError("postiz_deploy_record takes the list of containers docker_host_info returns")
    return model.deploy_record([dict(entry) for entry in containers], list(services))


class FilterModule:
    """Filters over the stack's services and the health of their containers."""

    def filters(self):
        return {
            "postiz_services": postiz_services,
            "postiz_stack_services": postiz_stack_services,
            "postiz_container_problems": postiz_container_problems,
            "postiz_up_reasons": postiz_up_reasons,
            "postiz_deploy_record": postiz_deploy_record,
            "postiz_healthcheck_timing": postiz_healthcheck_timing,
        }
