# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a host has of a Docker setup, read in one module call (``docker_setup_info``).

A re-run of the ``docker_host`` role usually finds everything in place; asking each
question in a task of its own cost a module round trip each. Each function takes
``run``, a callable like ``AnsibleModule.run_command`` (argv -> rc, stdout, stderr),
so the tests can answer for the host.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys

DPKG_QUERY = ["dpkg-query", "--show", "--showformat=${Package} ${db:Status-Status}\\n"]


def installed_packages(run):
    """Names of the packages dpkg lists as installed; None without dpkg-query."""
    try:
        rc, out, _err = run(DPKG_QUERY)
    except OSError:
        return None
    if rc != 0:
        return None
    names = []
    for line in out.splitlines():
        name, _sep, status = line.partition(" ")
        if status.strip() == "installed":
            names.append(name)
    return names


def command_answer(run, argv):
    """{'rc', 'stdout', 'stderr'} of a command; rc 127 with the reason when it cannot be run."""
    try:
        rc, out, err = run(argv)
    except OSError as exc:
        return {"rc": 127, "stdout": "", "stderr": f"{argv[0]}: {exc.strerror or exc}"}
    return {"rc": rc, "stdout": out, "stderr": err}


def compose_plugin(run, path, run_under=""):
    """The plugin entry at ``path``, never followed: whether it exists, is a link, where it points,
    and, for a link whose target starts with ``run_under``, what ``<path> version --short`` answers."""
    found = {"exists": False, "islnk": False, "lnk_source": "", "version": None}
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return found
    found["exists"] = True
    if stat.S_ISLNK(info.st_mode):
        found["islnk"] = True
        found["lnk_source"] = os.path.realpath(path)
        if run_under and found["lnk_source"].startswith(run_under.rstrip("/") + "/"):
            found["version"] = command_answer(run, [path, "version", "--short"])
    return found


def python_modules(names):
    """This interpreter (the one Ansible runs modules with): its prefix, whether it is a
    virtualenv, and the version of each module it imports (None for one it cannot)."""
    found = {}
    for name in names:
        try:
            found[name] = str(getattr(importlib.import_module(name), "__version__", "unknown"))
        except Exception:  # any failure to import means "not usable"
            found[name] = None
    return {
        "executable": sys.executable,
        "prefix": sys.prefix,
        "venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
        "found": found,
    }
