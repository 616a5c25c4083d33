# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTPS proxy tells browsers to use https only (HSTS), so that a network attacker cannot
downgrade a later visit to plain http and read the login cookie."""

from __future__ import annotations

import os
import re

import jinja2
import pytest
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ROLE = os.path.join(ROOT, "roles", "postiz_stack")


def render(**overrides):
    with open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    variables = {
        key: value for key, value in defaults.items() if not isinstance(value, str) or "{{" not in value
    }
    variables.update(
        ansible_managed="managed",
        postiz_stack_project_name="postiz",
        postiz_tls_mode="acme",
        __postiz_stack_frontend_url="https://postiz.example.com",
    )
    variables.update(overrides)
    # The template module's settings: trim_blocks on, undefined variables are errors.
    env = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    with open(os.path.join(ROLE, "templates", "Caddyfile.j2"), encoding="utf-8") as handle:
        return env.from_string(handle.read()).render(**variables)


def site_block(text):
    return text[text.index("https://postiz.example.com {") :]


@pytest.mark.parametrize("tls_mode", ["acme", "internal"])
def test_the_proxy_sends_hsts_for_a_year_by_default(tls_mode):
    block = site_block(render(postiz_tls_mode=tls_mode))
    assert re.search(r'^\theader Strict-Transport-Security "max-age=31536000"$', block, re.M), block


def test_hsts_can_be_shortened_or_left_out():
    assert 'max-age=300"' in render(postiz_stack_proxy_hsts_max_age=300)
    assert "Strict-Transport-Security" not in render(postiz_stack_proxy_hsts_max_age=0)
