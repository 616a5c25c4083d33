# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Round trips of the YAML editor against PyYAML on generated documents.

parse -> set or remove one server (Goose's ``extensions`` mapping, Continue's
``mcpServers`` list) -> PyYAML reads the text again as the expected data, and
every comment and unrelated key is kept.
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from ansible_collections.selfhosted.postiz.plugins.module_utils import _yaml_edit as yaml_edit
from ansible_collections.selfhosted.postiz.tests.unit.plugins.module_utils import editor_inputs as gen


def document(rng, top_key, servers):
    """(text, comments): top-level keys written one by one by PyYAML, with comments between them."""
    data = {gen.key(rng): gen.value(rng) for dummy in range(rng.randint(0, 3))}
    if servers is not None:
        data[top_key] = servers
    order = list(data)
    rng.shuffle(order)
    parts, comments = [], []
    for name in order:
        if rng.random() < 0.5:
            note = gen.comment(rng, "#")
            parts.append(note + "\n")
            comments.append(note)
        parts.append(
            yaml.safe_dump(
                {name: data[name]},
                default_flow_style=False,
                allow_unicode=rng.random() < 0.5,
                sort_keys=False,
                width=1000,
            )
        )
    return "".join(parts), comments


def edited(text, remove, setter, remover, top_key, name, wanted):
    """(data before, text after) of setting or removing ``name``, or None where the
    editor asks for a full rewrite."""
    root, data = yaml_edit.load(text)
    try:
        if remove:
            return data, remover(text, root, top_key, name)
        return data, setter(text, root, top_key, name, wanted)
    except yaml_edit.NeedsRewrite:
        # Only for a layout it says it leaves to a rewrite (the caller then warns):
        # here, a key PyYAML wrote in the explicit "? key" form.
        assert re.search(r"(?m)^ *(- )?\? ", text), text
        return None


@pytest.mark.parametrize("seed", gen.seeds("yaml-map"))
def test_map_member_round_trip(seed):
    rng = gen.rng_for(seed)
    servers = (
        {gen.key(rng): gen.entry(rng) for dummy in range(rng.randint(0, 3))} if rng.random() < 0.8 else None
    )
    text, comments = document(rng, "extensions", servers)
    name = rng.choice(sorted(servers)) if servers and rng.random() < 0.6 else gen.key(rng)
    remove = rng.random() < 0.3
    wanted = gen.entry(rng)

    done = edited(
        text, remove, yaml_edit.set_map_member, yaml_edit.remove_map_member, "extensions", name, wanted
    )
    if done is None:
        return
    data, after = done

    expected = copy.deepcopy(data or {})
    if remove:
        (expected.get("extensions") or {}).pop(name, None)
    else:
        expected["extensions"] = dict(expected.get("extensions") or {}, **{name: wanted})
    assert gen.same(yaml.safe_load(after) or {}, expected), after
    assert all(note in after for note in comments)


@pytest.mark.parametrize("seed", gen.seeds("yaml-list"))
def test_list_item_round_trip(seed):
    rng = gen.rng_for(seed)
    names = list(dict.fromkeys(gen.key(rng) for dummy in range(rng.randint(0, 3))))
    servers = [dict(gen.entry(rng), name=name) for name in names] if rng.random() < 0.8 else None
    text, comments = document(rng, "mcpServers", servers)
    name = rng.choice(names) if names and rng.random() < 0.6 else gen.key(rng)
    remove = rng.random() < 0.3
    wanted = dict(gen.entry(rng), name=name)

    done = edited(
        text, remove, yaml_edit.set_list_item, yaml_edit.remove_list_item, "mcpServers", name, wanted
    )
    if done is None:
        return
    data, after = done

    expected = copy.deepcopy(data or {})
    items = [item for item in expected.get("mcpServers") or [] if item.get("name") != name]
    if not remove:
        # The first item of that name is replaced in place; a new one goes last.
        old = [item.get("name") for item in expected.get("mcpServers") or []]
        position = old.index(name) if name in old else len(items)
        items.insert(position, wanted)
    if servers is not None or not remove:
        expected["mcpServers"] = items
    assert gen.same(yaml.safe_load(after) or {}, expected), after
    assert all(note in after for note in comments)
