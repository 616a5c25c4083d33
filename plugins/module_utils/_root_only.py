# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who besides root could change the files a job of root's runs?

A job that root runs from files someone else can change runs that someone's code as
root. Someone can change a file when they own it, when it is writable by its group or by
everyone, or when they can do any of that to a directory on the way to it (renaming
the directory and putting their own in its place). So for each path this looks at the
path and every directory above it, both as written and with its links resolved, and
for each tree at everything below it too; links inside a tree are not followed, but
where one leads out of the trees, its target is looked at the same way. A sticky
directory writable by others (``/tmp``) is fine on the way to a name that exists, and
only there: in it, only an entry's owner may rename or delete that entry.

Pure functions over the file system, no AnsibleModule: the module
``selfhosted.postiz.postiz_root_only`` is a thin wrapper.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat

ROOT = (0,)


def _user(uid):
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _group(gid):
    try:
        return f"{grp.getgrgid(gid).gr_name} (gid {gid})"
    except KeyError:
        return f"gid {gid}"


def judge(path, info, trusted=ROOT, above=False):
    """The sentence saying who else can change ``path`` (its lstat result), or None.

    ``above``: the directory is only passed through on the way to a name that exists and
    is looked at too. Then a sticky directory writable by others (``/tmp``) is fine, since
    there only an entry's owner may rename or delete it.
    """
    if info.st_uid not in trusted:
        return f"{path} belongs to {_user(info.st_uid)}"
    if stat.S_ISLNK(info.st_mode):
        # A link's own mode means nothing; who can replace it is its directory's business.
        return None
    if above and stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
        return None
    if info.st_mode & stat.S_IWOTH:
        return f"{path} is writable by everyone (mode {stat.S_IMODE(info.st_mode):04o})"
    if info.st_mode & stat.S_IWGRP:
        return (
            f"{path} is writable by the group {_group(info.st_gid)} (mode {stat.S_IMODE(info.st_mode):04o})"
        )
    return None


def chain(path):
    """``path`` and every directory above it, the root directory first."""
    path = os.path.normpath(path)
    found = [path]
    while path != os.path.dirname(path):
        path = os.path.dirname(path)
        found.append(path)
    return list(reversed(found))


def _inside(path, tree):
    return path == tree or path.startswith(tree.rstrip(os.sep) + os.sep)


class Check:
    """Collects the sentences; stops looking once ``limit`` are found."""

    def __init__(self, trusted=None, limit=20):
        self.trusted = tuple(ROOT if trusted is None else trusted)
        self.limit = limit
        self.problems = []
        self.seen = set()
        self.walked = []
        self.checked = 0

    @property
    def full(self):
        return len(self.problems) >= self.limit

    def _add(self, problem):
        if problem and problem not in self.problems and not self.full:
            self.problems.append(problem)

    def _one(self, path, above=False):
        """Look at one name, not following a link there: its lstat result, or None when it
        does not exist (or cannot be inspected, which is a problem of its own)."""
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._add(f"{path} cannot be inspected ({exc.strerror})")
            return None
        if (path, above) not in self.seen:
            self.seen.add((path, above))
            self.checked += 1
            self._add(judge(path, info, self.trusted, above))
        return info

    def path(self, path, must_exist=True):
        """``path`` and the directories above it, as written and with links resolved.
        A missing path is a problem unless ``must_exist`` is false (the target of a
        dangling link): then the last directory that exists must not let others add names."""
        if not os.path.isabs(path):
            self._add(f"{path} is not an absolute path")
            return
        for written in (path, os.path.realpath(path)):
            names = chain(written)
            for index, name in enumerate(names):
                if self._one(name, above=index < len(names) - 1) is None:
                    if must_exist:
                        self._add(f"{path} does not exist")
                    elif index:
                        # Whoever may add names to the last directory that exists can create it.
                        self._one(names[index - 1])
                    return

    def tree(self, tree):
        """``tree`` as a path, then everything below it; a link that leads outside every
        tree looked at is followed to its target, which is looked at the same way."""
        self.path(tree)
        pending = [os.path.realpath(tree)]
        while pending and not self.full:
            top = pending.pop(0)
            if any(_inside(top, done) for done in self.walked):
                continue
            self.walked.append(top)
            if not os.path.isdir(top):
                continue
            for directory, dirs, files in os.walk(top, onerror=self._walk_error):
                dirs.sort()
                for name in sorted(dirs + files):
                    if self.full:
                        return
                    full = os.path.join(directory, name)
                    info = self._one(full)
                    if info is not None and stat.S_ISLNK(info.st_mode):
                        target = os.path.realpath(full)
                        if not any(_inside(target, done) for done in self.walked):
                            self.path(target, must_exist=False)
                            pending.append(target)

    def _walk_error(self, exc):
        self._add(f"{exc.filename} cannot be read ({exc.strerror})")


def problems(paths=(), trees=(), trusted=None, limit=20):
    """``(sentences, number of names looked at)`` for ``paths`` and ``trees``; ``trusted``:
    the uids that may own them (root's by default)."""
    check = Check(trusted, limit)
    for path in paths:
        check.path(path)
    for tree in trees:
        check.tree(tree)
    return check.problems, check.checked
