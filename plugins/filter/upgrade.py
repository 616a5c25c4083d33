# -*- coding: utf-8 -*-
# Copyright: selfhosted.postiz contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of an image upgrade: what changes, which breaking changes it crosses, what it must refuse.

Used by playbooks/upgrade.yml before anything on the host changes. Documentation lives in
the YAML sidecar next to this file (postiz_upgrade_plan.yml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

# One reading of image tags and release versions for upgrades, deploys and restores.
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_versions import image_tag, parse_version
# The stack's services, from its one description. POSTGRES_SERVICES: the services whose data
# directory only its own PostgreSQL major version can read.
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_stack_model import APP_SERVICE, POSTGRES_SERVICES
MAJOR_RE = re.compile(r'^(\d+)(?:$|[.-])')
BREAKING_KEYS = ('version', 'summary', 'changelog_url')


def _padded(left, right):
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)), right + (0,) * (width - len(right))


def _less(left, right):
    left, right = _padded(left, right)
    return left < right


def _check_breaking(entries):
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise AnsibleFilterError('breaking_changes must be a list of {version, summary, changelog_url}.')
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping) or any(not str(entry.get(key) or '').strip() for key in BREAKING_KEYS):
            raise AnsibleFilterError(
                'Entry %d of breaking_changes needs a non-empty %s; got %r.' % (position, ', '.join(BREAKING_KEYS), entry))


def _crossed(entries, from_version, to_version):
    """Entries for the target version itself, or (real versions only) between the two."""
    old, new = parse_version(from_version), parse_version(to_version)
    crossed = []
    for entry in entries:
        version = str(entry['version'])
        at = parse_version(version)
        exact = version == to_version
        between = None not in (old, new, at) and _less(old, at) and not _less(new, at)
        if exact or between:
            crossed.append(dict(entry, version=version))
    return crossed


def _acknowledged(crossed, acknowledged, to_version):
    if not crossed or (acknowledged and acknowledged == to_version):
        return True
    ack = parse_version(acknowledged)
    wanted = [parse_version(entry['version']) for entry in crossed]
    return ack is not None and None not in wanted and all(not _less(ack, want) for want in wanted)


def _problems(changes, from_version, to_version):
    problems = []
    old, new = parse_version(from_version), parse_version(to_version)
    if None not in (old, new) and _less(new, old):
        problems.append(
            'The upgrade would take the app back from %s to %s. Postiz pushes its schema on every start, and an '
            'older image can drop columns and their data. To go back, restore a backup taken with %s '
            '(playbooks/restore.yml, with postiz_images as they were then) instead.' % (from_version, to_version, to_version))
    for change in changes:
        if change['service'] not in POSTGRES_SERVICES:
            continue
        before, after = MAJOR_RE.match(change['from_tag']), MAJOR_RE.match(change['to_tag'])
        if before and after and before.group(1) != after.group(1):
            problems.append(
                '%s would move from PostgreSQL %s (%s) to %s (%s). A new major version cannot read the old data '
                'directory; it needs a dump, a new volume and a restore, which upgrade.yml does not do. Keep major '
                '%s for %s here.' % (change['service'], before.group(1), change['from'], after.group(1), change['to'],
                                     before.group(1), change['service']))
    return problems


def postiz_upgrade_plan(current, target, services=None, breaking_changes=None, acknowledged=''):
    """Compare two image maps (service -> image) over the services that run."""
    if not isinstance(current, Mapping) or not isinstance(target, Mapping):
        raise AnsibleFilterError('postiz_upgrade_plan compares two image maps (service -> image).')
    services = list(target) if services is None else list(services)
    missing = [service for service in services if service not in current or service not in target]
    if missing:
        raise AnsibleFilterError('No image for %s in both maps; give full service-to-image maps.' % ', '.join(missing))
    breaking_changes = [] if breaking_changes is None else breaking_changes
    _check_breaking(breaking_changes)
    acknowledged = '' if acknowledged is None else str(acknowledged)

    changes = [
        {'service': service, 'from': str(current[service]), 'to': str(target[service]),
         'from_tag': image_tag(current[service]), 'to_tag': image_tag(target[service])}
        for service in services if str(current[service]) != str(target[service])
    ]
    from_version = image_tag(current[APP_SERVICE]) if APP_SERVICE in current else ''
    to_version = image_tag(target[APP_SERVICE]) if APP_SERVICE in target else ''
    app_changes = any(change['service'] == APP_SERVICE for change in changes)
    crossed = _crossed(breaking_changes, from_version, to_version) if app_changes else []
    return {
        'changes': changes,
        'from_version': from_version,
        'to_version': to_version,
        'breaking': crossed,
        'acknowledged': _acknowledged(crossed, acknowledged, to_version),
        'problems': _problems(changes, from_version, to_version) if changes else [],
    }


class FilterModule(object):
    def filters(self):
        return {'postiz_upgrade_plan': postiz_upgrade_plan}
