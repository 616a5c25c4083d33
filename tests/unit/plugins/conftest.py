# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fake Postiz servers for the tests of the HTTP clients and of the modules built on them."""

from __future__ import annotations

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_api as postiz_api
from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_postiz_server import FakeMcp, FakePostiz


@pytest.fixture
def fake_servers():
    """``start(server_class, *args, **options)``: a started fake server, stopped after the test."""
    servers = []

    def _start(server_class, *args, **options):
        server = server_class(*args, **options).start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def postiz(fake_servers):
    """``postiz(**options)``: a started FakePostiz."""
    return lambda **options: fake_servers(FakePostiz, **options)


@pytest.fixture
def fake_mcp(fake_servers):
    """``fake_mcp(key, **options)``: a started FakeMcp that accepts ``key``."""
    return lambda key, **options: fake_servers(FakeMcp, key, **options)


@pytest.fixture
def fast_retries(monkeypatch):
    """The admin bootstrap polls a starting app every 0.02 s instead of every 2 s."""
    monkeypatch.setattr(postiz_api, "RETRY_INTERVAL", 0.02)
