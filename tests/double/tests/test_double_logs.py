# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nest-like one-line log format."""

from datetime import datetime

from postiz_double.logs import format_nest


def test_nest_shape():
    line = format_nest(
        "warn", "Configuration issue", "JWT_SECRET not set. ", now=datetime(2026, 11, 28, 15, 4, 5), pid=7
    )
    assert line == "[Nest] 7  - 11/28/2026, 3:04:05 PM    WARN [Configuration issue] JWT_SECRET not set. "


def test_multiline_messages_are_flattened():
    line = format_nest("log", "X", "a\nb", now=datetime(2026, 1, 1, 0, 0, 0), pid=1)
    assert line.endswith("[X] a b") and "12:00:00 AM" in line
