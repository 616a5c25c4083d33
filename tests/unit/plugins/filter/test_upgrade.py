# -*- coding: utf-8 -*-
# Copyright: selfhosted.postiz contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.upgrade import (
    FilterModule,
    image_tag,
    parse_version,
    postiz_upgrade_plan,
)

APP = 'ghcr.io/gitroomhq/postiz-app:'
CURRENT = {
    'postiz': APP + 'v2.23.0',
    'postiz-postgres': 'postgres:17-alpine',
    'postiz-redis': 'redis:7.2',
    'temporal-postgresql': 'postgres:16',
    'temporal': 'temporalio/auto-setup:1.28.1',
}
SERVICES = list(CURRENT)
BREAKING = [
    {'version': 'v2.12.0', 'summary': 'Temporal is required.', 'changelog_url': 'https://example.com/v2.12.0'},
    {'version': 'v2.30.0', 'summary': 'Something moved.', 'changelog_url': 'https://example.com/v2.30.0'},
    {'version': 'v-gated', 'summary': 'A test build.', 'changelog_url': 'https://example.com/test'},
]


def plan(target_changes, **kwargs):
    return postiz_upgrade_plan(CURRENT, dict(CURRENT, **target_changes), services=SERVICES, **kwargs)


@pytest.mark.parametrize(('image', 'tag'), [
    ('ghcr.io/gitroomhq/postiz-app:v2.23.0', 'v2.23.0'),
    ('registry.lan:5000/postiz-app:v2.23.0', 'v2.23.0'),
    ('registry.lan:5000/postiz-app', ''),
    ('postgres', ''),
    ('postgres:17-alpine@sha256:' + 'a' * 64, '17-alpine'),
    ('postgres@sha256:' + 'b' * 64, 'sha256:' + 'b' * 64),
])
def test_image_tag(image, tag):
    assert image_tag(image) == tag


@pytest.mark.parametrize(('text', 'parsed'), [
    ('v2.23.0', (2, 23, 0)), ('2.12', (2, 12)), ('v-old', None), ('latest', None), ('17-alpine', None),
])
def test_parse_version(text, parsed):
    assert parse_version(text) == parsed


def test_same_images_change_nothing():
    result = plan({}, breaking_changes=BREAKING)
    assert result == {'changes': [], 'from_version': 'v2.23.0', 'to_version': 'v2.23.0', 'breaking': [],
                      'acknowledged': True, 'problems': []}


def test_changes_follow_the_service_order_and_carry_tags():
    result = plan({'temporal': 'temporalio/auto-setup:1.28.2', 'postiz': APP + 'v2.24.0'})
    assert [c['service'] for c in result['changes']] == ['postiz', 'temporal']
    assert result['changes'][0] == {'service': 'postiz', 'from': APP + 'v2.23.0', 'to': APP + 'v2.24.0',
                                    'from_tag': 'v2.23.0', 'to_tag': 'v2.24.0'}
    assert (result['from_version'], result['to_version']) == ('v2.23.0', 'v2.24.0')


def test_services_that_do_not_run_are_not_compared():
    result = postiz_upgrade_plan(dict(CURRENT, **{'temporal-ui': 'temporalio/ui:2.34.0'}),
                                 dict(CURRENT, **{'temporal-ui': 'temporalio/ui:2.35.0'}), services=SERVICES)
    assert result['changes'] == []


def test_a_release_range_crosses_the_entries_between_the_versions():
    result = plan({'postiz': APP + 'v2.31.0'}, breaking_changes=BREAKING)
    assert [entry['version'] for entry in result['breaking']] == ['v2.30.0']
    assert result['acknowledged'] is False


def test_an_entry_at_the_running_version_is_not_crossed_again():
    current = dict(CURRENT, postiz=APP + 'v2.30.0')
    result = postiz_upgrade_plan(current, dict(CURRENT, postiz=APP + 'v2.31.0'), services=SERVICES,
                                 breaking_changes=BREAKING)
    assert result['breaking'] == []


def test_test_tags_match_exactly():
    current = dict(CURRENT, postiz='selfhosted-postiz-test/postiz-double:v-old')
    result = postiz_upgrade_plan(current, dict(CURRENT, postiz='selfhosted-postiz-test/postiz-double:v-gated'),
                                 services=SERVICES, breaking_changes=BREAKING)
    assert [entry['version'] for entry in result['breaking']] == ['v-gated']
    assert result['acknowledged'] is False
    acknowledged = postiz_upgrade_plan(current, dict(CURRENT, postiz='selfhosted-postiz-test/postiz-double:v-gated'),
                                       services=SERVICES, breaking_changes=BREAKING, acknowledged='v-gated')
    assert acknowledged['acknowledged'] is True


@pytest.mark.parametrize(('acknowledged', 'ok'), [
    ('', False), ('v2.29.0', False), ('v2.30.0', True), ('2.30', True), ('v2.31.0', True), ('v2.40.0', True),
    ('yes', False),
])
def test_acknowledging(acknowledged, ok):
    assert plan({'postiz': APP + 'v2.31.0'}, breaking_changes=BREAKING, acknowledged=acknowledged)['acknowledged'] is ok


def test_breaking_changes_only_gate_app_upgrades():
    result = plan({'temporal': 'temporalio/auto-setup:1.29.0'}, breaking_changes=BREAKING)
    assert result['breaking'] == [] and result['acknowledged'] is True


def test_an_app_downgrade_is_refused():
    result = plan({'postiz': APP + 'v2.22.1'})
    assert len(result['problems']) == 1
    assert 'back from v2.23.0 to v2.22.1' in result['problems'][0]
    assert 'restore a backup' in result['problems'][0]


def test_a_postgres_major_change_is_refused_and_a_minor_one_is_not():
    result = plan({'postiz-postgres': 'postgres:18-alpine', 'temporal-postgresql': 'postgres:16.4'})
    assert len(result['problems']) == 1
    assert result['problems'][0].startswith('postiz-postgres would move from PostgreSQL 17 (postgres:17-alpine) to 18')


def test_test_tags_are_never_called_a_downgrade():
    current = dict(CURRENT, postiz='selfhosted-postiz-test/postiz-double:v-old')
    result = postiz_upgrade_plan(current, dict(CURRENT, postiz='selfhosted-postiz-test/postiz-double:v-broken'),
                                 services=SERVICES)
    assert result['problems'] == []


@pytest.mark.parametrize('entries', [
    'v2.12.0', [{'version': 'v2.12.0', 'summary': 'x'}], [{'version': '', 'summary': 'x', 'changelog_url': 'u'}], ['v2'],
])
def test_malformed_breaking_changes_raise(entries):
    with pytest.raises(AnsibleFilterError, match='breaking_changes'):
        plan({}, breaking_changes=entries)


def test_a_service_without_an_image_raises():
    with pytest.raises(AnsibleFilterError, match='temporal'):
        postiz_upgrade_plan({'postiz': APP + 'v1'}, {'postiz': APP + 'v2'}, services=['postiz', 'temporal'])


def test_filter_is_registered():
    assert FilterModule().filters()['postiz_upgrade_plan'] is postiz_upgrade_plan
