# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Temporal UI has no login and can cancel and terminate workflows: the compose template
publishes it on loopback only, even where the app itself is published on every address."""

from __future__ import annotations

from compose_template import render


def test_temporal_ui_is_published_on_loopback_even_when_the_app_binds_every_address():
    services = render({"temporal_ui": True}, http_bind="0.0.0.0")["services"]
    assert services["postiz"]["ports"] == ["0.0.0.0:5000:5000"]
    assert services["temporal-ui"]["ports"] == ["127.0.0.1:8080:8080"]
