# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seeded random data for the editors' round-trip tests.

Each test case gets its own ``random.Random(seed)``, so a failure names the seed
that reproduces it. The values are the ones an MCP client file holds (text with
quotes, backslashes, control characters, comment and bracket characters and
non-ASCII letters; numbers; booleans; lists; nested objects), drawn independently
of the editors' own renderers.
"""

from __future__ import annotations

import json
import random

CASES = 150

# Characters that trip a hand-written scanner: quotes, escapes, comment and
# structure characters, a newline, a tab, a control character and non-ASCII.
_TRICKY = [
    '"',
    "'",
    "\\",
    "#",
    "//",
    "/*",
    "*/",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ": ",
    "=",
    "\n",
    "\t",
    "\x01",
    "é",
    "→",
    "日本",
    " ",
    "-",
    "&",
    "*",
    "!",
    "%",
    "@",
    "`",
    "|",
    ">",
]
_WORDS = [
    "url",
    "api",
    "key",
    "npx",
    "mcp-remote",
    "Bearer",
    "http://127.0.0.1:4007/api/mcp",
    "true",
    "null",
    "yes",
    "no",
    "0x1F",
    "1e5",
    "~",
    "",
]


def seeds(prefix):
    """``CASES`` seeds for pytest.mark.parametrize, different per test module."""
    return [f"{prefix}-{number}" for number in range(CASES)]


def text(rng, max_parts=6):
    return "".join(
        rng.choice(_TRICKY + _WORDS) if rng.random() < 0.5 else rng.choice(_WORDS)
        for dummy in range(rng.randint(0, max_parts))
    )


def key(rng):
    """A member name: usually plain, sometimes one that needs quoting."""
    if rng.random() < 0.7:
        return rng.choice(
            [
                "command",
                "args",
                "env",
                "url",
                "headers",
                "type",
                "timeout",
                "enabled",
                "name_2",
                "x-y",
                "Authorization",
                "cwd",
            ]
        ) + (str(rng.randint(0, 99)) if rng.random() < 0.3 else "")
    return text(rng, 3) or "empty"


def scalar(rng, null=True):
    choice = rng.randint(0, 5 if null else 4)
    if choice == 0:
        return rng.randint(-(10**6), 10**6)
    if choice == 1:
        return rng.random() < 0.5
    if choice == 2:
        return round(rng.uniform(-1000, 1000), rng.randint(0, 4))
    if choice == 5:
        return None
    return text(rng)


def value(rng, depth=0, null=True, lists_of_scalars=False):
    """A JSON-like value; ``lists_of_scalars`` keeps lists flat (TOML arrays of one kind need no more)."""
    roll = rng.random()
    if depth < 2 and roll < 0.2:
        return {key(rng): value(rng, depth + 1, null, lists_of_scalars) for dummy in range(rng.randint(0, 3))}
    if depth < 2 and roll < 0.35:
        if lists_of_scalars:
            return [scalar(rng, null) for dummy in range(rng.randint(0, 3))]
        return [value(rng, depth + 1, null) for dummy in range(rng.randint(0, 3))]
    return scalar(rng, null)


def entry(rng, null=True, lists_of_scalars=False):
    """A server entry: an object of a few members."""
    return {key(rng): value(rng, 1, null, lists_of_scalars) for dummy in range(rng.randint(1, 5))}


def comment(rng, marker):
    """A comment line whose text is unique, so the test can find it again."""
    return f"{marker} note {rng.getrandbits(48):012x} {rng.choice(_WORDS)}".rstrip()


def same(left, right):
    """Equal as data, telling true from 1 and 1 from 1.0 (which == does not)."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def rng_for(seed):
    return random.Random(seed)
