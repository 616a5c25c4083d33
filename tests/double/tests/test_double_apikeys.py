# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API key shape: 64 lowercase hex characters (FACTS §5.1, §6.3)."""

from postiz_double.apikeys import looks_like_api_key, new_api_key


def test_shape_and_uniqueness():
    keys = {new_api_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) == 64 and looks_like_api_key(k) for k in keys)
    assert all(k == k.lower() for k in keys)


def test_rejects_other_shapes():
    assert not looks_like_api_key("A" * 64)
    assert not looks_like_api_key("a" * 63)
    assert not looks_like_api_key("g" * 64)
    assert not looks_like_api_key("")
