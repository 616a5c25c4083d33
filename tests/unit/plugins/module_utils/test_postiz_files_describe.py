# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``describe``: the facts a write would compare, read from real files in a tmp directory,
never through a link, and without reading what is no regular file."""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import threading

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_files as files_mod
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import FilesError, describe

UID, GID = os.geteuid(), os.getegid()
OWNER = pwd.getpwuid(UID).pw_name
GROUP = grp.getgrgid(GID).gr_name


def sha1(data):
    return hashlib.sha1(data).hexdigest()


@pytest.fixture
def project(tmp_path):
    """/…/project (0750) holding compose.yaml (0640) and env/ (0700) with postiz.env (0600)."""
    root = tmp_path / "project"
    root.mkdir()
    os.chmod(root, 0o750)
    (root / "compose.yaml").write_bytes(b"services: {}\n")
    os.chmod(root / "compose.yaml", 0o640)
    (root / "env").mkdir()
    os.chmod(root / "env", 0o700)
    (root / "env" / "postiz.env").write_bytes(b"JWT_SECRET=x\n")
    os.chmod(root / "env" / "postiz.env", 0o600)
    return root


def test_a_regular_file(project):
    path = str(project / "compose.yaml")
    assert describe([path]) == {
        path: {
            "type": "file",
            "mode": "0640",
            "uid": UID,
            "gid": GID,
            "owner": OWNER,
            "group": GROUP,
            "sha1": sha1(b"services: {}\n"),
        }
    }


def test_the_digest_is_that_of_the_bytes_and_changes_with_them(project):
    path = project / "compose.yaml"
    data = "é\x00\n".encode() * 1000
    path.write_bytes(data)
    assert describe([str(path)])[str(path)]["sha1"] == sha1(data)
    path.write_bytes(data + b"x")
    assert describe([str(path)])[str(path)]["sha1"] == sha1(data + b"x")


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert describe([str(path)])[str(path)]["sha1"] == "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def test_special_mode_bits_are_in_the_mode(tmp_path):
    directory = tmp_path / "shared"
    directory.mkdir()
    os.chmod(directory, 0o2750)
    assert describe([str(directory)])[str(directory)]["mode"] == "2750"


def test_a_directory_is_listed_and_its_entries_described_but_not_theirs(project):
    described = describe([str(project)])
    assert sorted(described) == [str(project), str(project / "compose.yaml"), str(project / "env")]
    assert described[str(project)] == {
        "type": "directory",
        "mode": "0750",
        "uid": UID,
        "gid": GID,
        "owner": OWNER,
        "group": GROUP,
        "listed": True,
    }
    assert described[str(project / "compose.yaml")]["sha1"] == sha1(b"services: {}\n")
    # An entry that is a directory is described, not listed: one level only.
    assert described[str(project / "env")]["type"] == "directory"
    assert described[str(project / "env")]["mode"] == "0700"
    assert "listed" not in described[str(project / "env")]


def test_an_empty_directory_is_listed(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    described = describe([str(empty)])
    assert list(described) == [str(empty)] and described[str(empty)]["listed"] is True


def test_several_paths_in_one_call(project):
    described = describe([str(project), str(project / "env")])
    assert described[str(project / "env")]["listed"] is True
    assert described[str(project / "env" / "postiz.env")]["sha1"] == sha1(b"JWT_SECRET=x\n")
    assert described[str(project / "env" / "postiz.env")]["mode"] == "0600"


def test_the_order_of_the_paths_does_not_matter(project):
    """A directory listed as a path of its own stays listed when its parent is listed after it."""
    forward = describe([str(project), str(project / "env")])
    backward = describe([str(project / "env"), str(project)])
    assert backward == forward
    assert backward[str(project / "env")]["listed"] is True


def test_paths_are_normalised(project):
    given = f"{project}/env/../compose.yaml"
    assert list(describe([given])) == [str(project / "compose.yaml")]
    assert str(project) in describe([f"{project}/"]) and f"{project}/" not in describe([f"{project}/"])


def test_a_link_to_a_file_is_described_as_a_link(project, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(project / "compose.yaml")
    facts = describe([str(link)])[str(link)]
    assert facts["type"] == "link"
    assert "sha1" not in facts
    assert facts["uid"] == UID


def test_a_link_to_a_directory_is_not_listed(project, tmp_path):
    link = tmp_path / "moved"
    link.symlink_to(project)
    described = describe([str(link)])
    assert list(described) == [str(link)]
    assert described[str(link)]["type"] == "link" and "listed" not in described[str(link)]


def test_a_link_in_a_listed_directory_is_described_as_a_link(project, tmp_path):
    (tmp_path / "elsewhere").write_bytes(b"precious\n")
    os.symlink(tmp_path / "elsewhere", project / "Caddyfile")
    facts = describe([str(project)])[str(project / "Caddyfile")]
    assert facts["type"] == "link" and "sha1" not in facts


def test_a_dangling_link_is_a_link(tmp_path):
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    assert describe([str(link)])[str(link)]["type"] == "link"


def test_a_missing_path(tmp_path):
    path = str(tmp_path / "absent")
    assert describe([path]) == {path: {"type": "missing"}}


@pytest.mark.parametrize("parent", ["missing", "file"])
def test_a_path_under_a_missing_parent_or_under_a_file_is_missing(tmp_path, parent):
    if parent == "file":
        (tmp_path / parent).write_text("x\n")
    path = str(tmp_path / parent / "child")
    assert describe([path]) == {path: {"type": "missing"}}


def test_a_file_over_the_digest_limit_has_no_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(files_mod, "DIGEST_LIMIT", 4)
    (tmp_path / "at-limit").write_bytes(b"1234")
    (tmp_path / "over-limit").write_bytes(b"12345")
    described = describe([str(tmp_path)])
    assert described[str(tmp_path / "at-limit")]["sha1"] == sha1(b"1234")
    over = described[str(tmp_path / "over-limit")]
    assert over["type"] == "file" and over["sha1"] is None and over["mode"]


def test_the_default_digest_limit_is_one_mebibyte():
    assert files_mod.DIGEST_LIMIT == 1024 * 1024


def _in_a_thread(function, *args):
    """The result of ``function(*args)``, failing instead of hanging after 10 seconds."""
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(value=function(*args)), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "reading a FIFO hangs"
    return outcome["value"]


def test_a_fifo_is_other_and_never_opened(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    described = _in_a_thread(describe, [str(tmp_path)])
    assert described[str(fifo)] == {
        "type": "other",
        "mode": "0600",
        "uid": UID,
        "gid": GID,
        "owner": OWNER,
        "group": GROUP,
    }


def test_a_fifo_put_in_place_of_a_file_gives_no_digest_and_does_not_hang(tmp_path):
    """Between lstat and open a file may become a FIFO: it is opened without blocking, not read."""
    (tmp_path / "file").write_bytes(b"x")
    info = os.lstat(tmp_path / "file")
    os.unlink(tmp_path / "file")
    os.mkfifo(tmp_path / "file")
    assert _in_a_thread(files_mod._digest, str(tmp_path / "file"), info) is None


def test_unknown_owner_and_group_names_are_left_out(tmp_path, monkeypatch):
    def unknown(_id):
        raise KeyError(_id)

    monkeypatch.setattr(files_mod.pwd, "getpwuid", unknown)
    monkeypatch.setattr(files_mod.grp, "getgrgid", unknown)
    (tmp_path / "file").write_bytes(b"x")
    facts = describe([str(tmp_path / "file")])[str(tmp_path / "file")]
    assert facts == {"type": "file", "mode": facts["mode"], "uid": UID, "gid": GID, "sha1": sha1(b"x")}


@pytest.mark.parametrize("given", ["relative/path", "", "./here"])
def test_a_relative_path_is_refused(given):
    with pytest.raises(FilesError, match="is not an absolute path"):
        describe([given])


def test_a_relative_path_among_absolute_ones_is_refused(tmp_path):
    with pytest.raises(FilesError, match="'relative' is not an absolute path"):
        describe([str(tmp_path), "relative"])


def test_nothing_to_describe():
    assert describe([]) == {}
