# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Round trips of the TOML editor against ``tomllib`` on generated documents.

parse -> set or remove the table ``[mcp_servers.<name>]`` -> ``tomllib`` reads the
text again as the expected data, and every comment and unrelated table is kept.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _toml_edit as toml_edit
from ansible_collections.selfhosted.postiz.tests.unit.plugins.module_utils import editor_inputs as gen


def toml_key(name):
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def toml_value(item):
    """TOML text of ``item``, written here rather than by the editor under test."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float, str)):
        return json.dumps(item)
    if isinstance(item, list):
        return "[" + ", ".join(toml_value(inner) for inner in item) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in item.items()) + "}"


def table(rng, lines, comments, header, members):
    if rng.random() < 0.5:
        note = gen.comment(rng, "#")
        lines.append(note)
        comments.append(note)
    if header:
        lines.append(header)
    for name, item in members.items():
        lines.append(f"{toml_key(name)} = {toml_value(item)}")
    lines.append("")


def document(rng):
    """(text, names of our servers, comments)."""
    lines, comments = [], []
    table(
        rng,
        lines,
        comments,
        None,
        {gen.key(rng): gen.scalar(rng, null=False) for dummy in range(rng.randint(0, 3))},
    )
    servers = [gen.key(rng) for dummy in range(rng.randint(0, 3))]
    for name in dict.fromkeys(servers):
        if rng.random() < 0.5:
            table(
                rng, lines, comments, f"[{gen.key(rng)}_other]", {gen.key(rng): gen.scalar(rng, null=False)}
            )
        members = gen.entry(rng, null=False, lists_of_scalars=True)
        table(rng, lines, comments, f"[mcp_servers.{toml_key(name)}]", members)
    return "\n".join(lines), list(dict.fromkeys(servers)), comments


def parsed(rng):
    """A document ``tomllib`` reads (generated keys may repeat; such documents are drawn again)."""
    while True:
        text, servers, comments = document(rng)
        try:
            return text, tomllib.loads(text), servers, comments
        except tomllib.TOMLDecodeError:
            continue


@pytest.mark.parametrize("seed", gen.seeds("toml-set"))
def test_set_table_round_trip(seed):
    rng = gen.rng_for(seed)
    text, data, servers, comments = parsed(rng)
    name = rng.choice(servers) if servers and rng.random() < 0.5 else gen.key(rng)
    wanted = {gen.key(rng): gen.value(rng, 1, null=False) for dummy in range(rng.randint(1, 5))}

    after = toml_edit.set_table(text, ["mcp_servers", name], wanted)

    expected = copy.deepcopy(data)
    expected.setdefault("mcp_servers", {})[name] = wanted
    assert gen.same(tomllib.loads(after), expected), after
    assert gen.same(toml_edit.TableSpans(after, ["mcp_servers", name]).entry, wanted)
    assert all(note in after for note in comments)


@pytest.mark.parametrize("seed", gen.seeds("toml-remove"))
def test_remove_table_round_trip(seed):
    rng = gen.rng_for(seed)
    text, data, servers, comments = parsed(rng)
    name = rng.choice(servers) if servers and rng.random() < 0.8 else gen.key(rng)

    after = toml_edit.remove_table(text, ["mcp_servers", name])

    expected = copy.deepcopy(data)
    expected.get("mcp_servers", {}).pop(name, None)
    if expected.get("mcp_servers") == {}:
        # [mcp_servers.x] was the only thing that made mcp_servers exist.
        del expected["mcp_servers"]
    assert gen.same(tomllib.loads(after), expected), after
    assert all(note in after for note in comments)
