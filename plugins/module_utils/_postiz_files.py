# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Owner names and atomic writes for the modules that keep secrets in files.

``postiz_secrets`` (the stack's secrets file), ``mcp_client_config`` (an MCP
client's file holding the API key) and ``postiz_files`` (the stack's env files) write
through :func:`write_atomic`; ``postiz_files`` also reads the stack's small records
through :func:`read_files`, never through a link, and :func:`describe` tells what a
write would compare (type, mode, owner, SHA-1), so that a play can leave a write out
when nothing differs.

``AnsibleModule.atomic_move``, ``set_mode_if_different`` and
``set_owner_if_different`` are not used for these files, because neither is safe here:

* ``atomic_move`` gives a file it creates the mode 0666 minus the umask and the
  owner of whoever runs it, after the rename, and gives new content the mode of
  the file it replaces: a secrets file would be readable by others for a moment,
  or stay readable when its mode had drifted. The files here are created 0600.
* All three take a path and resolve it again at each call, following every
  symbolic link on the way. Where a user owns a directory on that way (a home
  directory, a secrets directory given an ``owner``), that user could swap in a
  link between the check and the write and aim the write, the chmod or the chown
  at any file on the host. Here each step works on a descriptor: the file is
  created with ``O_EXCL | O_NOFOLLOW`` in a directory held open, and renamed
  within that directory, which replaces the name and never follows a link there.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import os
import pwd
import stat

from ansible_collections.selfhosted.postiz.plugins.module_utils._root_only import (
    problems as root_only_problems,
)

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC


def _resolve(name, lookup, what, error):
    """A user or group name, or a numeric id, as an id; None and '' stay None."""
    if name in (None, ""):
        return None
    try:
        return lookup(name)
    except KeyError:
        if str(name).isdigit():
            return int(name)
        raise error(f"{what} {name!r} does not exist on this host.") from None


def resolve_uid(owner, error=ValueError):
    """User name or numeric id -> uid; ``error`` is raised (with a sentence) for an unknown name."""
    return _resolve(owner, lambda name: pwd.getpwnam(name).pw_uid, "User", error)


def resolve_gid(group, error=ValueError):
    """Group name or numeric id -> gid; ``error`` is raised (with a sentence) for an unknown name."""
    return _resolve(group, lambda name: grp.getgrnam(name).gr_gid, "Group", error)


def chown_id(value):
    """An id for os.chown/os.fchown: None (leave as it is) becomes -1."""
    return -1 if value is None else value


def write_atomic(dir_fd, name, data, mode, uid=None, gid=None):
    """Replace ``name`` in the directory open as ``dir_fd`` by ``data`` (bytes).

    The temporary file is created with ``mode`` and exclusively (``O_EXCL`` never
    follows a link), so the content is never readable by others and no planted name
    is written through; it gets ``uid``/``gid`` (None: whoever runs this) before
    the rename, so the file appears with its final mode and owner.
    """
    tmp = f".{name}.{os.urandom(6).hex()}.tmp"
    fd = os.open(tmp, CREATE_FLAGS, mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # The mode given to open() is filtered by the umask; set it exactly.
            os.fchmod(handle.fileno(), mode)
            if (uid is not None and uid != os.geteuid()) or (gid is not None and gid != os.getegid()):
                os.fchown(handle.fileno(), chown_id(uid), chown_id(gid))
            os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    # Makes the rename durable; best effort, some filesystems refuse it.
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


class FilesError(Exception):
    """A sentence saying why the files cannot be written; the module fails with it."""


_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | _O_CLOEXEC
LINK_RULE = "a link is followed only when root alone can change it, its target and the directories above them"


def open_directory(path):
    """A descriptor of the directory ``path``, never through a link someone else could change.

    A symbolic link in its place (a project directory moved to a bigger disk, say) is
    followed only when the link, its target and every directory above them can be
    changed by root alone: then nobody else can swap it between this check and the
    open. Otherwise the OSError of opening it without following is raised.
    """
    try:
        return os.open(path, _DIRECTORY_FLAGS | _O_NOFOLLOW)
    except OSError:
        if not os.path.islink(path) or root_only_problems(paths=[path])[0]:
            raise
    return os.open(os.path.realpath(path), _DIRECTORY_FLAGS | _O_NOFOLLOW)


def unopenable(path, exc):
    """The FilesError for a directory that :func:`open_directory` could not open."""
    return FilesError(
        f"{path} cannot be opened as a directory without following a link ({exc.strerror}): "
        f"it is a symbolic link or not a directory ({LINK_RULE}); move it away and run again."
    )


def _plain_name(name):
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise FilesError(f"{name!r} is not a plain file name: give names without a directory part.")
    return name


def _current(dir_fd, name):
    """(bytes, os.stat_result) of ``name`` in the directory, or None when absent; never follows a link."""
    try:
        fd = os.open(
            name, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd
        )
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FilesError(
            f"{name} cannot be opened without following a link ({exc.strerror}): "
            "it is a symbolic link or not a regular file; move it away and run again."
        ) from None
    # Checked before fdopen, which refuses a directory with an error of its own.
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FilesError(f"{name} is not a regular file; move it away and run again.")
    with os.fdopen(fd, "rb") as handle:
        return handle.read(), info


def _fix_directory(path, mode, uid, gid, check_mode):
    """Give the existing directory ``path`` its mode and owner; True when it had to change.

    The last component is opened without following a link, and the changes go through
    that descriptor.
    """
    try:
        fd = open_directory(path)
    except OSError as exc:
        raise unopenable(path, exc) from None
    try:
        info = os.fstat(fd)
        wrong_mode = stat.S_IMODE(info.st_mode) != mode
        wrong_owner = uid not in (None, info.st_uid) or gid not in (None, info.st_gid)
        if not check_mode:
            if wrong_owner:
                os.fchown(fd, chown_id(uid), chown_id(gid))
            if wrong_mode:
                os.fchmod(fd, mode)
        return wrong_mode or wrong_owner
    finally:
        os.close(fd)


def ensure_directories(directories, uid=None, gid=None, check_mode=False):
    """Make each (path, mode) an existing directory with that mode and owner, in order.

    Missing directories are created with their missing parents, each with the mode and
    owner of the one asked for, as the file module does; an existing one only gets its
    mode and owner corrected. A link or a file in place of a directory is refused.
    Returns (paths created or corrected, paths that do not exist, in check mode).
    """
    changed, missing = [], []
    for path, mode in directories:
        if not os.path.isabs(path):
            raise FilesError(f"{path!r} is not an absolute path: give each directory from the root.")
        path = os.path.normpath(path)
        todo = []
        probe = path
        while not os.path.lexists(probe):
            todo.append(probe)
            probe = os.path.dirname(probe)
        for new in reversed(todo):
            changed.append(new)
            if check_mode:
                missing.append(new)
                continue
            os.mkdir(new, mode)
            _fix_directory(new, mode, uid, gid, check_mode)
        if not todo and _fix_directory(path, mode, uid, gid, check_mode):
            changed.append(path)
    return changed, missing


def sync_files(directory, files, mode, uid=None, gid=None, remove=(), check_mode=False):
    """Make each ``files`` name in ``directory`` hold its text with ``mode`` and owner; delete ``remove``.

    ``mode`` is the mode of every file, or a dict of name to mode. Only what differs is
    written (atomically, see :func:`write_atomic`); returns the names written, the names
    removed, in order, and {name: previous text or None} of the written ones. ``directory``
    itself is never a followed link.
    """
    names = [_plain_name(name) for name in files] + [_plain_name(name) for name in remove]
    overlap = sorted(set(files) & set(remove))
    if overlap:
        raise FilesError(f"{', '.join(overlap)} is both to be written and to be removed.")
    try:
        dir_fd = open_directory(directory)
    except FileNotFoundError:
        if check_mode:
            # A dry run of a first deploy: the task creating the directory did not run.
            return list(files), [], dict.fromkeys(files)
        raise FilesError(f"{directory} does not exist; create it first.") from None
    except OSError as exc:
        raise unopenable(directory, exc) from None
    written, removed, before = [], [], {}
    try:
        for name in names[: len(files)]:
            data = files[name].encode("utf-8")
            file_mode = mode[name] if isinstance(mode, dict) else mode
            found = _current(dir_fd, name)
            if found is not None:
                content, info = found
                if (
                    content == data
                    and stat.S_IMODE(info.st_mode) == file_mode
                    and uid in (None, info.st_uid)
                    and gid in (None, info.st_gid)
                ):
                    continue
            written.append(name)
            before[name] = None if found is None else found[0].decode("utf-8", "replace")
            if not check_mode:
                write_atomic(dir_fd, name, data, file_mode, uid, gid)
        for name in names[len(files) :]:
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode):
                raise FilesError(f"{directory}/{name} is a directory; it is not removed.")
            removed.append(name)
            if not check_mode:
                os.unlink(name, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    return written, removed, before


# The records read here are a few hundred bytes; anything bigger is not one of them.
READ_LIMIT = 1024 * 1024


def read_files(directory, names):
    """{name: text} of the ``names`` that exist in ``directory``, read without following a link.

    A missing directory or file is simply absent from the result (a first deploy has none).
    A link, a directory, a file that is not UTF-8 text or over :data:`READ_LIMIT` is refused.
    """
    names = [_plain_name(name) for name in names]
    try:
        dir_fd = open_directory(directory)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise unopenable(directory, exc) from None
    texts = {}
    try:
        for name in names:
            found = _current(dir_fd, name)
            if found is None:
                continue
            content, _info = found
            if len(content) > READ_LIMIT:
                raise FilesError(
                    f"{directory}/{name} is larger than {READ_LIMIT // 1024} KiB; it is not read."
                )
            try:
                texts[name] = content.decode("utf-8")
            except UnicodeDecodeError:
                raise FilesError(
                    f"{directory}/{name} is not UTF-8 text; move it away and run again."
                ) from None
    finally:
        os.close(dir_fd)
    return texts


# Files this large are none the collection writes: they are described without a digest.
DIGEST_LIMIT = 1024 * 1024


def _kind(mode):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "link")):
        if test(mode):
            return name
    return "other"


def _digest(path, info):
    """SHA-1 of a regular file no larger than DIGEST_LIMIT, opened without following a link, or None."""
    if info.st_size > DIGEST_LIMIT:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return hashlib.sha1(handle.read()).hexdigest()


def _facts(path):
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return {"type": "missing"}
    facts = {
        "type": _kind(info.st_mode),
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
        "uid": info.st_uid,
        "gid": info.st_gid,
    }
    with contextlib.suppress(KeyError):
        facts["owner"] = pwd.getpwuid(info.st_uid).pw_name
    with contextlib.suppress(KeyError):
        facts["group"] = grp.getgrgid(info.st_gid).gr_name
    if facts["type"] == "file":
        facts["sha1"] = _digest(path, info)
    return facts


def describe(paths):
    """{absolute path: facts} of each path and, for a directory, of each entry in it.

    Facts: ``type`` (file, directory, link, other or missing), ``mode`` ("0644"), ``uid``,
    ``gid``, ``owner`` and ``group`` names where the host knows them, and a file's
    ``sha1`` (None over DIGEST_LIMIT). A link is described, never followed; a directory
    that was listed has ``listed: true``, so that a name absent from it is known absent.
    Only reads; the postiz_files_drift filter compares these facts with a write.
    """
    described = {}
    for given in paths:
        if not os.path.isabs(given):
            raise FilesError(f"{given!r} is not an absolute path: give each path to describe from the root.")
        path = os.path.normpath(given)
        facts = described[path] = _facts(path)
        if facts["type"] != "directory":
            continue
        try:
            names = os.listdir(path)
        except OSError:
            continue
        facts["listed"] = True
        for name in names:
            entry = os.path.join(path, name)
            # A directory given before its parent keeps its facts (and ``listed``).
            if entry not in described:
                described[entry] = _facts(entry)
    return described
