# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's real ``main()`` on a scratch directory: only what differs is written, in one
step, never through a link, and the texts (secrets) never come back."""

from __future__ import annotations

import functools
import hashlib
import os
import pwd
import stat

import pytest

from ansible_collections.selfhosted.postiz.plugins.filter.files import postiz_files_drift
from ansible_collections.selfhosted.postiz.plugins.modules import postiz_files
from ansible_collections.selfhosted.postiz.tests.unit.plugins.modules.described_facts import own_file_facts

SECRET = "JWT_SECRET=never-printed-0123456789\n"


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, postiz_files.main)


@pytest.fixture
def env(tmp_path):
    directory = tmp_path / "env"
    directory.mkdir(mode=0o700)
    return directory


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def test_writes_then_changes_nothing(run, env):
    files = {"postiz.env": SECRET, "redis.env": "A=1\n"}
    first = run(path=str(env), files=files)
    assert first["changed"] is True and first["written"] == ["postiz.env", "redis.env"]
    assert (env / "postiz.env").read_text() == SECRET
    assert mode_of(env / "postiz.env") == 0o600
    again = run(path=str(env), files=files)
    assert again["changed"] is False and again["written"] == [] and again["removed"] == []
    assert SECRET.strip() not in first["_raw"] + again["_raw"]


def test_rewrites_only_what_differs_in_text_or_mode(run, env):
    run(path=str(env), files={"a.env": "A=1\n", "b.env": "B=1\n", "c.env": "C=1\n"})
    os.chmod(env / "b.env", 0o644)
    result = run(path=str(env), files={"a.env": "A=2\n", "b.env": "B=1\n", "c.env": "C=1\n"})
    assert result["written"] == ["a.env", "b.env"]
    assert (env / "a.env").read_text() == "A=2\n"
    assert mode_of(env / "b.env") == 0o600


def test_check_mode_reports_and_touches_nothing(run, env):
    (env / "old.env").write_text("X=1\n")
    result = run(path=str(env), files={"new.env": SECRET}, remove=["old.env", "gone.env"], check_mode=True)
    assert result["changed"] is True
    assert result["written"] == ["new.env"] and result["removed"] == ["old.env"]
    assert sorted(os.listdir(env)) == ["old.env"]


def test_removes_only_named_files_that_exist(run, env):
    (env / "temporal.env").write_text("X=1\n")
    (env / "keep.env").write_text("Y=1\n")
    result = run(path=str(env), files={}, remove=["temporal.env", "missing.env"])
    assert result["changed"] is True and result["removed"] == ["temporal.env"]
    assert sorted(os.listdir(env)) == ["keep.env"]


def test_a_link_in_place_of_a_file_is_refused_and_its_target_untouched(run, env, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    os.chmod(target, 0o644)
    os.symlink(target, env / "postiz.env")
    result = run(path=str(env), files={"postiz.env": SECRET})
    assert result["failed"] is True
    assert "symbolic link" in result["msg"] and "postiz.env" in result["msg"]
    assert target.read_text() == "precious\n" and mode_of(target) == 0o644
    assert SECRET.strip() not in result["_raw"]


def test_a_linked_directory_others_could_change_is_refused(run, env, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    # Writable by everyone, not sticky: anyone could put another link in its place.
    os.chmod(shared, 0o777)
    os.symlink(env, shared / "link")
    result = run(path=str(shared / "link"), files={"postiz.env": SECRET})
    assert result["failed"] is True
    assert "without following a link" in result["msg"] and "root alone" in result["msg"]
    assert os.listdir(env) == []
    read = run(path=str(shared / "link"), read=["postiz.env"])
    assert read["failed"] is True


def test_a_linked_directory_only_root_can_change_is_followed(run, env, tmp_path):
    # A project directory moved to a bigger disk and linked back, all of it root's.
    os.symlink(env, tmp_path / "moved")
    result = run(path=str(tmp_path / "moved"), files={"postiz.env": SECRET}, read=["postiz.env"])
    assert result["changed"] is True and result["written"] == ["postiz.env"]
    assert (env / "postiz.env").read_text() == SECRET
    assert os.path.islink(tmp_path / "moved")


@pytest.mark.parametrize("name", ["../escape.env", "sub/dir.env", "..", ""])
def test_names_with_a_directory_part_are_refused(run, env, name):
    result = run(path=str(env), files={name: "A=1\n"})
    assert result["failed"] is True and "plain file name" in result["msg"]
    assert os.listdir(env) == []


@pytest.mark.parametrize("mode, expected", [("0640", 0o640), (0o600, 0o600)])
def test_mode_as_text_or_number(run, env, mode, expected):
    run(path=str(env), files={"a.env": "A=1\n"}, mode=mode)
    assert mode_of(env / "a.env") == expected


def test_a_bad_mode_is_refused_with_a_sentence(run, env):
    result = run(path=str(env), files={"a.env": "A=1\n"}, mode="rw-r")
    assert result["failed"] is True
    assert result["msg"] == "mode must be an octal permission such as \"0600\", not 'rw-r'."


def test_a_missing_directory_is_all_to_write_in_check_mode_and_refused_otherwise(run, tmp_path):
    missing = tmp_path / "not-yet"
    dry = run(path=str(missing), files={"postiz.env": SECRET}, check_mode=True)
    assert dry["changed"] is True and dry["written"] == ["postiz.env"]
    real = run(path=str(missing), files={"postiz.env": SECRET})
    assert real["failed"] is True and real["msg"] == f"{missing} does not exist; create it first."
    assert not missing.exists()


# -- directories, per-file modes and diffs ------------------------------------------------------


def test_creates_directories_with_their_parents_then_changes_nothing(run, tmp_path):
    deep = tmp_path / "etc" / "backup" / "state"
    other = tmp_path / "log"
    asked = [{"path": str(deep), "mode": "0700"}, {"path": str(other), "mode": "0750"}]
    first = run(path=str(deep), directories=asked, files={"a.json": "{}\n"})
    assert first["changed"] is True
    assert first["directories"] == [
        str(tmp_path / "etc"),
        str(tmp_path / "etc" / "backup"),
        str(deep),
        str(other),
    ]
    assert [mode_of(p) for p in (tmp_path / "etc", deep, other)] == [0o700, 0o700, 0o750]
    assert first["written"] == ["a.json"]
    again = run(path=str(deep), directories=asked, files={"a.json": "{}\n"})
    assert again["changed"] is False and again["directories"] == [] and again["written"] == []


def test_corrects_the_mode_of_an_existing_directory(run, tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    result = run(path=str(loose), directories=[{"path": str(loose), "mode": "0700"}])
    assert result["changed"] is True and result["directories"] == [str(loose)]
    assert mode_of(loose) == 0o700


def test_a_link_in_place_of_a_directory_is_refused_and_its_target_untouched(run, tmp_path):
    target = tmp_path / "target"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    link = shared / "link"
    link.symlink_to(target)
    result = run(path=str(tmp_path), directories=[{"path": str(link), "mode": "0700"}])
    assert result["failed"] is True
    assert result["msg"].startswith(f"{link} cannot be opened as a directory without following a link")
    assert mode_of(target) == 0o755


def test_a_relative_directory_is_refused(run, env):
    result = run(path=str(env), directories=[{"path": "relative/dir"}])
    assert result["failed"] is True and "not an absolute path" in result["msg"]


def test_check_mode_names_the_directories_and_creates_none(run, tmp_path):
    missing = tmp_path / "new" / "dir"
    result = run(path=str(missing), directories=[{"path": str(missing)}], files={"x": "1\n"}, check_mode=True)
    assert result["changed"] is True
    assert result["directories"] == [str(tmp_path / "new"), str(missing)] and result["written"] == ["x"]
    assert not (tmp_path / "new").exists()


def test_each_file_may_have_its_own_mode(run, env):
    files = {
        "run": {"content": "#!/bin/sh\n", "mode": "0750"},
        "model.py": {"content": "X = 1\n", "mode": "0644"},
    }
    first = run(path=str(env), files=files, mode="0600")
    assert first["written"] == ["run", "model.py"]
    assert (mode_of(env / "run"), mode_of(env / "model.py")) == (0o750, 0o644)
    assert run(path=str(env), files=files, mode="0600")["changed"] is False


def test_a_file_entry_with_an_unknown_key_is_refused(run, env):
    result = run(path=str(env), files={"run": {"content": "x", "owner": "nobody"}})
    assert result["failed"] is True and result["msg"] == "files.run takes content and mode, not owner."


def test_a_diff_shows_texts_that_are_not_secrets_only(run, env):
    (env / "run").write_text("old\n")
    os.chmod(env / "run", 0o600)
    shown = run(path=str(env), files={"run": "new\n"}, secret=False, diff=True)
    assert shown["diff"] == [
        {"before_header": f"{env}/run", "after_header": f"{env}/run", "before": "old\n", "after": "new\n"}
    ]
    hidden = run(path=str(env), files={"run": SECRET}, diff=True)
    assert "diff" not in hidden and SECRET.strip() not in hidden["_raw"]


def test_reads_the_files_that_exist_and_changes_nothing(run, env):
    (env / "images.json").write_text('{"postiz": "app:v2.23.0"}\n')
    result = run(path=str(env), read=["images.json", "containers.json"], check_mode=True)
    assert result["changed"] is False
    assert result["contents"] == {"images.json": '{"postiz": "app:v2.23.0"}\n'}
    assert sorted(os.listdir(env)) == ["images.json"]


def test_reading_a_missing_directory_gives_nothing(run, tmp_path):
    result = run(path=str(tmp_path / "first-deploy"), read=["images.json"])
    assert result["changed"] is False and result["contents"] == {}
    assert not (tmp_path / "first-deploy").exists()


def test_reads_before_it_writes(run, env):
    (env / "record.json").write_text("old\n")
    result = run(path=str(env), read=["record.json"], files={"record.json": "new\n"}, secret=False)
    assert result["contents"] == {"record.json": "old\n"} and result["written"] == ["record.json"]


@pytest.mark.parametrize("kind", ["link", "binary", "directory", "large"])
def test_reading_a_link_or_what_is_no_record_is_refused(run, env, tmp_path, kind):
    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    if kind == "link":
        os.symlink(target, env / "images.json")
    elif kind == "binary":
        (env / "images.json").write_bytes(b"\xff\xfe\x00")
    elif kind == "directory":
        (env / "images.json").mkdir()
    else:
        (env / "images.json").write_bytes(b"x" * (1024 * 1024 + 1))
    result = run(path=str(env), read=["images.json"])
    assert result["failed"] is True and "images.json" in result["msg"]
    assert "precious" not in result["_raw"]


# -- describe: the facts read before the write ---------------------------------------------------


def test_describes_the_files_as_they_were_before_its_own_write(run, tmp_path):
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    os.chmod(project, 0o755)
    (project / "compose.yaml").write_text("old\n")
    os.chmod(project / "compose.yaml", 0o600)
    new = project / "new"
    result = run(
        path=str(new),
        describe=[str(project), str(new)],
        directories=[{"path": str(project), "mode": "0750"}, {"path": str(new), "mode": "0700"}],
        files={"a.json": "{}\n"},
        secret=False,
    )
    assert result["changed"] is True and result["written"] == ["a.json"]
    described = result["described"]
    assert sorted(described) == [str(project), str(project / "compose.yaml"), str(new)]
    assert described[str(project)]["mode"] == "0755" and described[str(project)]["listed"] is True
    assert described[str(project / "compose.yaml")]["sha1"] == sha1("old\n")
    assert described[str(project / "compose.yaml")]["mode"] == "0600"
    # Created by this very task, after it was described.
    assert described[str(new)] == {"type": "missing"}
    assert mode_of(project) == 0o750 and (new / "a.json").read_text() == "{}\n"


def test_describes_a_file_before_it_is_rewritten(run, env):
    (env / "postiz.env").write_text("OLD=1\n")
    os.chmod(env / "postiz.env", 0o644)
    result = run(path=str(env), describe=[str(env / "postiz.env")], files={"postiz.env": SECRET})
    assert result["written"] == ["postiz.env"]
    assert result["described"] == {str(env / "postiz.env"): own_file_facts("0644", sha1("OLD=1\n"))}
    assert SECRET.strip() not in result["_raw"]


def test_describes_nothing_unless_asked(run, env):
    assert run(path=str(env), files={"a.env": "A=1\n"})["described"] == {}


def test_describing_only_changes_nothing_in_check_mode_or_not(run, tmp_path):
    (tmp_path / "a").write_text("1\n")
    for check_mode in (True, False):
        result = run(path=str(tmp_path / "first-deploy"), describe=[str(tmp_path)], check_mode=check_mode)
        assert result["changed"] is False
        assert sorted(result["described"]) == [str(tmp_path), str(tmp_path / "a")]
    assert sorted(os.listdir(tmp_path)) == ["a"]


def test_a_link_is_described_and_nothing_is_written_through_it(run, env, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    os.symlink(target, env / "postiz.env")
    result = run(path=str(env), describe=[str(env)], files={"postiz.env": SECRET})
    assert result["failed"] is True
    assert target.read_text() == "precious\n"
    described = run(path=str(env), describe=[str(env)])["described"]
    assert described[str(env / "postiz.env")]["type"] == "link"
    assert "sha1" not in described[str(env / "postiz.env")]


def test_a_relative_path_to_describe_is_refused_before_anything_is_written(run, env):
    result = run(path=str(env), describe=["env"], files={"a.env": "A=1\n"})
    assert result["failed"] is True
    assert result["msg"] == "'env' is not an absolute path: give each path to describe from the root."
    assert os.listdir(env) == []


def test_the_described_facts_leave_out_the_writes_that_would_change_nothing(run, tmp_path):
    """The round trip a re-run makes: describe, ask the filter, write only when it finds drift."""
    project = tmp_path / "project"
    options = dict(
        path=str(project),
        directories=[{"path": str(project), "mode": "0750"}],
        files={"compose.yaml": "services: {}\n", "run": {"content": "#!/bin/sh\n", "mode": "0755"}},
        remove=["nginx.conf"],
        owner=pwd.getpwuid(os.geteuid()).pw_name,
        group=str(os.getegid()),
        mode="0644",
        secret=False,
    )
    drift_options = {key: value for key, value in options.items() if key not in ("path", "secret")}

    first = run(describe=[str(project)], **options)
    assert first["changed"] is True
    # Nothing to remove from a directory that was not there.
    assert postiz_files_drift(first["described"], str(project), **drift_options) == [
        str(project),
        f"{project}/compose.yaml",
        f"{project}/run",
    ]
    again = run(describe=[str(project)], **options)
    assert again["changed"] is False
    assert postiz_files_drift(again["described"], str(project), **drift_options) == []

    os.chmod(project / "run", 0o700)
    (project / "nginx.conf").write_text("server {}\n")
    drifted = run(path=str(project), describe=[str(project)])["described"]
    assert postiz_files_drift(drifted, str(project), **drift_options) == [
        f"{project}/run",
        f"{project}/nginx.conf",
    ]
    fixed = run(**options)
    assert fixed["written"] == ["run"] and fixed["removed"] == ["nginx.conf"]


@pytest.mark.parametrize("mode", ["0755", 0o755])
def test_the_modes_of_files_mask_no_facts(run, env, mode):
    """``files`` is no_log, but a mode in it is no secret: the same mode (or number, 493) in
    ``described`` stays readable, and the texts stay hidden."""
    # A file whose SHA-1 holds "493", the number YAML makes of an unquoted 0755.
    other = next(text for text in (f"n={i}\n" for i in range(100000)) if "493" in sha1(text))
    (env / "other").write_text(other)
    os.chmod(env / "other", 0o755)
    files = {"run": {"content": SECRET, "mode": mode}}
    run(path=str(env), files=files)
    result = run(path=str(env), describe=[str(env)], files=files)
    assert result["changed"] is False
    described = result["described"]
    assert described[str(env / "run")]["mode"] == "0755"
    assert described[str(env / "run")]["sha1"] == sha1(SECRET)
    assert described[str(env / "other")]["mode"] == "0755"
    assert described[str(env / "other")]["sha1"] == sha1(other)
    assert postiz_files_drift(described, str(env), files=files) == []
    assert SECRET.strip() not in result["_raw"]


def test_a_text_that_is_a_mode_stays_hidden(run, env):
    result = run(path=str(env), files={"pin": "0644", "run": {"content": "x\n", "mode": "0644"}})
    assert result["written"] == ["pin", "run"]
    assert "0644" not in result["_raw"]
