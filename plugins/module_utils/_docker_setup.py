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

import glob
import importlib
import os
import stat
import sys

DPKG_QUERY = ["dpkg-query", "--show", "--showformat=${Package} ${db:Status-Status}\\n"]

# The TCP listeners with the programs that hold them, one per line: state, queues, local
# address:port, peer, users:(("name",pid=N,fd=N)).
SS_LISTENERS = ["ss", "--tcp", "--listening", "--numeric", "--processes", "--no-header"]


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


# Where systemd, when it is the running service manager, keeps its runtime state (sd_booted()).
SYSTEMD_RUNTIME = "run/systemd/system"


def _systemd_states(run, names):
    """{name: (enabled, active)} from one ``systemctl show``; None for what it cannot tell."""
    unknown = dict.fromkeys(names, (None, None))
    argv = ["systemctl", "show", "--property=UnitFileState,ActiveState", "--", *names]
    try:
        rc, out, _err = run(argv)
    except OSError:
        return unknown
    # One block of KEY=value lines per unit, in the order asked, separated by an empty line.
    blocks = [
        dict(line.split("=", 1) for line in block.splitlines() if "=" in line) for block in out.split("\n\n")
    ]
    blocks = [block for block in blocks if block]
    if rc != 0 or len(blocks) != len(names):
        return unknown
    return {
        name: (
            block.get("UnitFileState") == "enabled" if block.get("UnitFileState") else None,
            block.get("ActiveState") == "active" if block.get("ActiveState") else None,
        )
        for name, block in zip(names, blocks)
    }


def _sysv_state(run, name, root):
    """(enabled, active) of an init script, as the service module tells them under update-rc.d:
    a start link in a runlevel directory, and the script's ``status`` exiting 0."""
    script = os.path.join(root, "etc/init.d", name)
    if not os.path.isfile(script):
        return False, False
    enabled = bool(glob.glob(os.path.join(root, "etc/rc?.d", "S??" + glob.escape(name))))
    try:
        rc, _out, _err = run([script, "status"])
    except OSError:
        return enabled, None
    return enabled, rc == 0


def service_states(run, names, root="/"):
    """{name: {'manager', 'enabled', 'active'}} of each service, so that a play starts one only
    when it is not known to be running and enabled.

    Under systemd (the manager running, not merely installed): the unit's file state is
    ``enabled`` and its active state ``active``, read with one ``systemctl show``. Otherwise
    under System V init: a start link ``/etc/rc?.d/S??<name>`` and ``/etc/init.d/<name> status``
    exiting 0; without that script the service is neither. None where the answer is unknown.
    """
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    if os.path.isdir(os.path.join(root, SYSTEMD_RUNTIME)):
        manager, states = "systemd", _systemd_states(run, names)
    else:
        manager, states = "sysv", {name: _sysv_state(run, name, root) for name in names}
    return {
        name: {"manager": manager, "enabled": states[name][0], "active": states[name][1]} for name in names
    }


def free_space(path):
    """The filesystem ``path`` is to live on, read before it exists: the mount point of its
    nearest existing directory (``mount``) and the bytes an unprivileged writer may still use
    there (``size_available``, as the mount facts give them)."""
    existing = os.path.abspath(path)
    while not os.path.isdir(existing):
        existing = os.path.dirname(existing)
    mount = existing
    while not os.path.ismount(mount):
        mount = os.path.dirname(mount)
    info = os.statvfs(existing)
    return {"path": existing, "mount": mount, "size_available": info.f_bavail * info.f_frsize}
