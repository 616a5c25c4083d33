# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Round trips of the JSON/JSONC editor against ``json`` on generated documents.

parse -> set or remove one member -> the text parsed again (by ``json`` for plain
JSON) equals the expected data, and every comment and unrelated member is kept.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _jsonc_edit as jsonc_edit
from ansible_collections.selfhosted.postiz.tests.unit.plugins.module_utils import editor_inputs as gen


def document(rng, jsonc):
    """(text, data, comments): an object of a few members, ``mcpServers`` among them."""
    data = {gen.key(rng): gen.value(rng) for dummy in range(rng.randint(0, 4))}
    servers = {gen.key(rng): gen.entry(rng) for dummy in range(rng.randint(0, 3))}
    if servers or rng.random() < 0.5:
        data["mcpServers"] = servers
    indent = rng.choice([2, 4, "\t"])
    unit = indent if isinstance(indent, str) else " " * indent
    lines, comments = ["{"], []
    items = list(data.items())
    for number, (name, item) in enumerate(items):
        if jsonc and rng.random() < 0.5:
            note = gen.comment(rng, rng.choice(["//", "/*"]))
            note += " */" if note.startswith("/*") else ""
            lines.append(unit + note)
            comments.append(note)
        rendered = json.dumps(item, indent=indent, ensure_ascii=rng.random() < 0.5).replace("\n", "\n" + unit)
        lines.append(f"{unit}{json.dumps(name)}: {rendered}" + ("," if number < len(items) - 1 else ""))
    if jsonc and rng.random() < 0.5:
        note = gen.comment(rng, "//")
        lines.append(unit + note)
        comments.append(note)
    lines.append("}")
    return "\n".join(lines) + "\n", data, comments


def reread(text, jsonc):
    data = jsonc_edit.parse(text, jsonc).value
    if not jsonc:
        assert gen.same(json.loads(text), data)
    return data


@pytest.mark.parametrize("jsonc", [False, True], ids=["json", "jsonc"])
@pytest.mark.parametrize("seed", gen.seeds("jsonc-set"))
def test_set_member_round_trip(seed, jsonc):
    rng = gen.rng_for(seed)
    text, data, comments = document(rng, jsonc)
    assert gen.same(reread(text, jsonc), data)
    servers = data.get("mcpServers", {})
    name = rng.choice(sorted(servers)) if servers and rng.random() < 0.5 else gen.key(rng)
    wanted = gen.entry(rng)

    after = jsonc_edit.set_member(text, ["mcpServers", name], wanted, jsonc)

    expected = copy.deepcopy(data)
    expected.setdefault("mcpServers", {})[name] = wanted
    assert gen.same(reread(after, jsonc), expected), after
    assert all(note in after for note in comments)
    assert jsonc_edit.set_member(after, ["mcpServers", name], wanted, jsonc) == after


@pytest.mark.parametrize("jsonc", [False, True], ids=["json", "jsonc"])
@pytest.mark.parametrize("seed", gen.seeds("jsonc-remove"))
def test_remove_member_round_trip(seed, jsonc):
    rng = gen.rng_for(seed)
    text, data, comments = document(rng, jsonc)
    servers = data.get("mcpServers", {})
    name = rng.choice(sorted(servers)) if servers and rng.random() < 0.8 else gen.key(rng)

    after = jsonc_edit.remove_member(text, ["mcpServers", name], jsonc)

    expected = copy.deepcopy(data)
    expected.get("mcpServers", {}).pop(name, None)
    assert gen.same(reread(after, jsonc), expected), after
    assert all(note in after for note in comments)
