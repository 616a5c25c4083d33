# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every Python file carries the licence header community collections use (SPDX).

The header is three comment lines at the top (after a shebang, if any); the scheme
points at the one licence text the collection ships, ``COPYING``.
"""

from __future__ import annotations

import os

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

HEADER = (
    "# Copyright (c) selfhosted.postiz contributors\n"
    "# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)\n"
    "# SPDX-License-Identifier: GPL-3.0-or-later\n"
)
# Where the Python files live; a built collection has only some of these.
SOURCE_DIRS = ("plugins", "roles", "tests", "bench", "molecule")
# Generated or copied by the tools, never written by hand.
SKIP_DIRS = {"__pycache__", "output"}


def lacks_header(path):
    """True when the file does not start with HEADER (after an optional shebang line)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if text.startswith("#!"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return not text.startswith(HEADER)


def python_files():
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


def test_every_python_file_has_the_licence_header():
    files = list(python_files())
    assert any(os.sep + "plugins" + os.sep in path for path in files)
    missing = [os.path.relpath(path, ROOT) for path in files if lacks_header(path)]
    assert not missing, (
        "These files lack the licence header; start each (after its shebang) with:\n"
        + HEADER
        + "\n".join(missing)
    )


@pytest.mark.parametrize(
    ("text", "lacking"),
    [
        (HEADER + '"""Doc."""\n', False),
        ("#!/usr/bin/python\n" + HEADER, False),
        ('"""Doc."""\n' + HEADER, True),
        ("# Copyright: someone\n# GNU General Public License v3.0+\n", True),
        ("#!/usr/bin/python\n", True),
        ("", True),
    ],
)
def test_the_check_tells_a_header_from_none(tmp_path, text, lacking):
    path = tmp_path / "module.py"
    path.write_text(text, encoding="utf-8")
    assert lacks_header(str(path)) is lacking
