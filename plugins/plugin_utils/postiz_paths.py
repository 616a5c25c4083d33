# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rules for the directories a Postiz instance owns, written once so they can be tested.

Removing an instance with its data deletes its project directory, so that directory must
belong to the instance alone; backups and the backup state must lie outside it, since a
restore replaces files there and backups must survive the project's removal.

Paths are compared after normalising them (repeated and trailing slashes, ``.``); ``..``
is refused rather than resolved, because behind a symbolic link it means another place
than it seems to.
"""

from __future__ import annotations

import posixpath

# The directory itself and everything below it belong to the operating system or Docker.
SYSTEM_TREES = (
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/lost+found",
    "/proc",
    "/run",
    "/sbin",
    "/snap",
    "/sys",
    "/usr",
    "/var/lib/docker",
    "/var/lib/containerd",
)
# Their children are someone's home, a system directory or a mounted disk, never an
# instance's own directory (a directory below one of those children is fine).
SHARED_PARENTS = {
    "/home": "a home directory",
    "/var": "a system directory",
    "/mnt": "a mount point",
    "/media": "a mount point",
}
EXAMPLE = "/opt/postiz"


def _is_within(path, tree):
    return path == tree or path.startswith(tree + "/")


def normalize(path):
    """(normalised absolute path, None), or (None, why it cannot be used)."""
    if not isinstance(path, str) or not path.strip():
        return None, "it must be a non-empty absolute path"
    if not path.startswith("/"):
        return None, "it must be an absolute path (starting with /)"
    if ".." in path.split("/"):
        return (
            None,
            "it contains '..', which behind a symbolic link leads elsewhere: write the directory without it",
        )
    # posixpath.normpath keeps a leading '//' (POSIX leaves its meaning open).
    return "/" + posixpath.normpath(path).lstrip("/"), None


def project_dir_problems(path, name="postiz_stack_project_dir"):
    """Sentences saying why ``path`` cannot be an instance's project directory; [] when it can."""
    normal, reason = normalize(path)
    if normal is None:
        what = f": {reason}."
    elif normal == "/root":
        what = ", a home directory."
    elif normal.count("/") < 2:
        what = ", less than two levels deep."
    else:
        tree = next((tree for tree in SYSTEM_TREES if _is_within(normal, tree)), None)
        parent = posixpath.dirname(normal)
        if tree is not None:
            what = f", inside the system directory {tree}."
        elif parent in SHARED_PARENTS:
            what = f", {SHARED_PARENTS[parent]}."
        else:
            return []
    return [
        "{} is {}{} Give a directory that belongs to this instance alone, at least two levels deep, like {} "
        "or /srv/postiz/<project name>: removing the instance with its data deletes it.".format(
            name, path if path else "(empty)", what, EXAMPLE
        )
    ]


def outside_problems(path, name, directory, directory_name):
    """Sentences saying why ``path`` is not an absolute path outside ``directory``; [] when it is."""
    normal, reason = normalize(path)
    why = "a restore replaces files there, and backups must survive the project being removed"
    if normal is None:
        return [
            "{} is {}: {}; it must lie outside the project directory {} ({}): {}.".format(
                name, path if path else "(empty)", reason, directory, directory_name, why
            )
        ]
    inside, _dummy = normalize(directory)
    if inside is not None and _is_within(normal, inside):
        return [
            f"{name} is {path}, inside the project directory {directory} ({directory_name}); it must lie outside it: {why}."
        ]
    return []
