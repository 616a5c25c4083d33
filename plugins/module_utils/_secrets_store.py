# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A JSON file of generated secrets that are created once and then kept.

Pure logic with no AnsibleModule, so it can be unit-tested directly. The
module ``selfhosted.postiz.postiz_secrets`` is a thin wrapper around
:class:`SecretsStore`.

Guarantees:

* a secret is generated only when it is missing, or when it is asked for in
  ``rotate``; existing values and unknown keys are never touched;
* the file is replaced atomically (temporary file in the same directory, then
  ``os.replace``), so a crash never leaves a half-written or empty file;
* the file is 0600 and its directory 0700, and drifted modes are repaired;
* a file that cannot be parsed is never overwritten: it may hold secrets that
  running services depend on.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
import string

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import (
    chown_id,
    resolve_gid,
    resolve_uid,
    write_atomic,
)

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")

# Letters and digits only: the values end up inside database URLs and env
# files, where any punctuation would need escaping.
ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "hex": "0123456789abcdef",
}

DEFAULT_ALPHABET = "alnum"
DEFAULT_LENGTH = 48
# 32 alphanumeric characters are ~190 bits; anything shorter is refused.
MIN_LENGTH = 32
# Sanity cap: env files and database URLs do not need more.
MAX_LENGTH = 1024

FILE_MODE = 0o600
DIR_MODE = 0o700

# What the diff shows instead of a value.
MASK_SET = "<set>"
MASK_GENERATED = "<generated>"
MASK_ROTATED = "<rotated>"


class SecretsStoreError(Exception):
    """A problem the user has to fix; the message says what and how."""


class SecretSpec:
    """One secret the store must hold."""

    __slots__ = ("alphabet", "length", "name")

    def __init__(self, name, length=DEFAULT_LENGTH, alphabet=DEFAULT_ALPHABET):
        validate_name(name)
        if alphabet not in ALPHABETS:
            raise SecretsStoreError(
                "Secret {} asks for alphabet {!r}; use one of: {}.".format(
                    name, alphabet, ", ".join(sorted(ALPHABETS))
                )
            )
        if isinstance(length, bool) or not isinstance(length, int):
            raise SecretsStoreError(f"Secret {name} has length {length!r}; it must be a whole number.")
        if length < MIN_LENGTH or length > MAX_LENGTH:
            raise SecretsStoreError(
                f"Secret {name} has length {length}; use {MIN_LENGTH} to {MAX_LENGTH} characters."
            )
        self.name = name
        self.length = length
        self.alphabet = alphabet

    def __repr__(self):
        return f"SecretSpec({self.name!r}, {self.length!r}, {self.alphabet!r})"


class SyncResult:
    """What :meth:`SecretsStore.sync` did, or would do in check mode."""

    def __init__(self, secrets_, generated, rotated, changed, actions, diff, previous_values):
        self.secrets = secrets_
        self.generated = generated
        self.rotated = rotated
        self.changed = changed
        self.actions = actions
        self.diff = diff
        # Values replaced by a rotation; only kept so callers can mask them.
        self.previous_values = previous_values


def validate_name(name):
    """Raise SecretsStoreError unless ``name`` is usable as an env variable name."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise SecretsStoreError(
            f"Secret name {name!r} is not valid: use letters, digits and underscores, "
            "not starting with a digit (like JWT_SECRET)."
        )


def generate_secret(length=DEFAULT_LENGTH, alphabet=DEFAULT_ALPHABET):
    """Return a new random value from the ``secrets`` CSPRNG."""
    chars = ALPHABETS[alphabet]
    return "".join(secrets.choice(chars) for dummy in range(length))


def serialize(data):
    """Deterministic JSON text: sorted keys, two-space indent, final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def _json_kind(value):
    """What a parsed JSON value is, without showing it (it may be a secret)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    return "null"


def parse(text, path):
    """Parse the file's text; an empty file counts as an empty store."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SecretsStoreError(
            f"{path} is not valid JSON ({exc}). It may hold secrets that running services use, "
            "so it is left untouched: repair it, or move it away to start over."
        ) from exc
    if not isinstance(data, dict):
        raise SecretsStoreError(
            f"{path} must hold a JSON object of name -> value, but holds {_json_kind(data)}. It is left untouched: "
            "repair it, or move it away to start over."
        )
    return data


def plan(existing, specs, rotate=(), generator=generate_secret):
    """Work out the new content of the store.

    Returns ``(data, generated, rotated, previous)``: the full new mapping
    (unknown keys kept as they are), the names generated because they were
    missing or empty, the names given new values by ``rotate``, and the old
    values of the rotated names.
    """
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SecretsStoreError("Secrets are listed more than once: {}.".format(", ".join(duplicates)))
    for name in rotate:
        validate_name(name)
        if name not in names:
            raise SecretsStoreError(
                "Cannot rotate {}: it is not one of the secrets listed ({}).".format(
                    name, ", ".join(names) or "none"
                )
            )

    data = dict(existing)
    generated = []
    rotated = []
    previous = {}
    for spec in specs:
        current = existing.get(spec.name)
        present = isinstance(current, str) and current != ""
        if current is not None and not isinstance(current, str) and spec.name not in rotate:
            raise SecretsStoreError(
                f"Secret {spec.name} in the store is {_json_kind(current)}, not a string. Fix the file, or rotate {spec.name} to replace it."
            )
        if spec.name in rotate and present:
            previous[spec.name] = current
            data[spec.name] = generator(spec.length, spec.alphabet)
            rotated.append(spec.name)
        elif not present:
            data[spec.name] = generator(spec.length, spec.alphabet)
            generated.append(spec.name)
    return data, generated, rotated, previous


class PathState:
    """Mode and ownership of an existing path, or ``exists=False``.

    ``follow`` follows a symbolic link, as chmod and chown do: a secrets
    directory may be a link to storage elsewhere (the file itself may not).
    """

    __slots__ = ("exists", "gid", "mode", "uid")

    def __init__(self, path, follow=False):
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise
            self.exists, self.mode, self.uid, self.gid = False, None, None, None
            return
        self.exists = True
        self.mode = stat.S_IMODE(st.st_mode)
        self.uid = st.st_uid
        self.gid = st.st_gid


def _owner_drift(state, uid, gid):
    return (uid is not None and state.uid != uid) or (gid is not None and state.gid != gid)


def _describe(data, file_mode, dir_mode, owner, markers):
    lines = [f"mode: '{file_mode:04o}'", f"directory_mode: '{dir_mode:04o}'"]
    if owner is not None:
        lines.append(f"owner: {owner}")
    lines.append("secrets:" if data else "secrets: {}")
    for name in sorted(data):
        lines.append(f"  {name}: {markers.get(name, MASK_SET)}")
    return "\n".join(lines) + "\n"


class SecretsStore:
    """The secrets file at ``path`` (and its directory)."""

    def __init__(self, path, owner=None, group=None):
        self.path = os.path.abspath(path)
        self.directory = os.path.dirname(self.path)
        self.uid = resolve_uid(owner, SecretsStoreError)
        self.gid = resolve_gid(group, SecretsStoreError)

    # -- reading -----------------------------------------------------------

    def _check_paths(self):
        if os.path.islink(self.path):
            raise SecretsStoreError(
                f"{self.path} is a symbolic link; point path at the real file (it is replaced atomically, "
                "which would turn the link into a regular file)."
            )
        if os.path.isdir(self.path):
            raise SecretsStoreError(f"{self.path} is a directory; path must name the JSON file inside it.")
        if self.directory == os.path.dirname(self.directory):
            raise SecretsStoreError(
                f"Refusing to keep secrets directly in {self.directory}: use a dedicated directory."
            )
        # A sticky directory is a shared one like /tmp or /dev/shm; making it 0700
        # (as this store does with its directory) would break the host. A
        # non-sticky 0777 directory is treated as drift and repaired instead.
        if os.path.isdir(self.directory) and os.stat(self.directory).st_mode & stat.S_ISVTX:
            raise SecretsStoreError(
                f"Refusing to keep secrets in the shared directory {self.directory} (sticky bit set, like /tmp): "
                "use a dedicated directory, which will be made 0700."
            )

    def read(self):
        """Current content of the store, ``{}`` when the file does not exist."""
        self._check_paths()
        try:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return {}
            raise SecretsStoreError(f"Cannot read {self.path}: {exc.strerror or exc}.") from exc
        except UnicodeDecodeError as exc:
            raise SecretsStoreError(f"{self.path} is not UTF-8 text ({exc}); it is left untouched.") from exc
        return parse(text, self.path)

    # -- syncing -----------------------------------------------------------

    def sync(self, specs, rotate=(), check_mode=False, generator=generate_secret):
        """Bring the store in line with ``specs``; in check mode only report.

        In check mode the values of missing secrets are still generated (in
        memory only) so that whatever is templated from them later in a dry
        run has something to work with.
        """
        rotate = list(rotate)
        existing = self.read()
        data, generated, rotated, previous = plan(existing, specs, rotate, generator)
        content_changed = bool(generated or rotated)

        dir_state = PathState(self.directory, follow=True)
        file_state = PathState(self.path)

        actions = []
        if not dir_state.exists:
            actions.append("create directory")
        else:
            if dir_state.mode != DIR_MODE:
                actions.append("set directory mode")
            if _owner_drift(dir_state, self.uid, self.gid):
                actions.append("set directory owner")
        if content_changed or not file_state.exists:
            actions.append("write file")
        else:
            if file_state.mode != FILE_MODE:
                actions.append("set file mode")
            if _owner_drift(file_state, self.uid, self.gid):
                actions.append("set file owner")

        diff = {
            "before_header": self.path,
            "after_header": self.path,
            "before": self._describe_before(existing, file_state, dir_state),
            "after": self._describe_after(data, file_state, generated, rotated),
        }

        if actions and not check_mode:
            self._apply(data, content_changed or not file_state.exists, dir_state, file_state)

        return SyncResult(
            secrets_={spec.name: data[spec.name] for spec in specs},
            generated=generated,
            rotated=rotated,
            changed=bool(actions),
            actions=actions,
            diff=diff,
            previous_values=previous,
        )

    # -- diff mode: names, modes and owners, never values --------------------

    def _describe_before(self, data, file_state, dir_state):
        if not file_state.exists:
            return "state: absent\n"
        owner = f"{file_state.uid}:{file_state.gid}" if self._manages_owner() else None
        return _describe(data, file_state.mode, dir_state.mode, owner, {})

    def _describe_after(self, data, file_state, generated, rotated):
        owner = None
        if self._manages_owner():
            uid = (
                self.uid if self.uid is not None else (file_state.uid if file_state.exists else os.geteuid())
            )
            gid = (
                self.gid if self.gid is not None else (file_state.gid if file_state.exists else os.getegid())
            )
            owner = f"{uid}:{gid}"
        markers = dict.fromkeys(generated, MASK_GENERATED)
        markers.update((name, MASK_ROTATED) for name in rotated)
        return _describe(data, FILE_MODE, DIR_MODE, owner, markers)

    def _manages_owner(self):
        return self.uid is not None or self.gid is not None

    def _apply(self, data, write, dir_state, file_state):
        try:
            self._ensure_directory(dir_state)
            if write:
                self._write_atomic(serialize(data))
            else:
                self._fix_file(file_state)
        except OSError as exc:
            # A name relative to the directory descriptor (the temporary file) is shown by its full path.
            where = os.path.join(self.directory, exc.filename) if exc.filename else self.path
            raise SecretsStoreError(f"Cannot update {where}: {exc.strerror or exc}.") from exc

    def _fix_file(self, state):
        # On a descriptor opened without following a link: whoever owns the directory
        # could swap a link in after the check, and chmod(path) would follow it.
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
        try:
            if state.mode != FILE_MODE:
                os.fchmod(fd, FILE_MODE)
            if _owner_drift(state, self.uid, self.gid):
                os.fchown(fd, chown_id(self.uid), chown_id(self.gid))
        finally:
            os.close(fd)

    def _ensure_directory(self, state):
        if not state.exists:
            # Parents get the usual 0755 (minus umask); only the leaf holds secrets.
            parent = os.path.dirname(self.directory)
            if not os.path.isdir(parent):
                os.makedirs(parent)
            os.mkdir(self.directory, DIR_MODE)
            # mkdir's mode is filtered by the umask; set it exactly.
            os.chmod(self.directory, DIR_MODE)
            if self._manages_owner():
                os.chown(self.directory, chown_id(self.uid), chown_id(self.gid))
            return
        if state.mode != DIR_MODE:
            os.chmod(self.directory, DIR_MODE)
        if _owner_drift(state, self.uid, self.gid):
            os.chown(self.directory, chown_id(self.uid), chown_id(self.gid))

    def _write_atomic(self, text):
        # The directory may be a link to storage elsewhere (it is followed, as chmod and
        # chown do); the file is created 0600 inside it and renamed there (_postiz_files).
        dir_fd = os.open(self.directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            write_atomic(
                dir_fd, os.path.basename(self.path), text.encode("utf-8"), FILE_MODE, self.uid, self.gid
            )
        finally:
            os.close(dir_fd)
