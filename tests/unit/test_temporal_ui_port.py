# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporal UI has no login and can cancel and terminate workflows: the compose template
publishes it on loopback only, even where the app itself is published on every address."""

from __future__ import annotations

import os
import re

import jinja2
import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEMPLATE = os.path.join(ROOT, "roles", "postiz_stack", "templates", "compose.yaml.j2")


def temporal_ui_block():
    """The temporal-ui service of the template, rendered on its own."""
    with open(TEMPLATE, encoding="utf-8") as handle:
        text = handle.read()
    start = text.index("{% if 'temporal-ui' in running %}")
    depth, end = 0, start
    for tag in re.finditer(r"{% (if|endif)\b", text[start:]):
        depth += 1 if tag.group(1) == "if" else -1
        if depth == 0:
            end = start + tag.start()
            break
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["bool"] = bool
    rendered = env.from_string(text[start:end] + "{% endif %}").render(
        running=["temporal-ui"],
        __postiz_stack_start_interval=False,
        postiz_stack_http_bind="0.0.0.0",
        postiz_stack_temporal_ui_port=8080,
        postiz_images={"temporal-ui": "temporalio/ui:2.34.0"},
        postiz_stack_memory_limits_mb={"temporal-ui": 128},
    )
    # The block leans on the file's YAML anchor; give it one so that it parses alone.
    return yaml.safe_load("x-hardening: &hardening {}\nservices:\n" + rendered)["services"]["temporal-ui"]


def test_temporal_ui_is_published_on_loopback_even_when_the_app_binds_every_address():
    assert temporal_ui_block()["ports"] == ["127.0.0.1:8080:8080"]
