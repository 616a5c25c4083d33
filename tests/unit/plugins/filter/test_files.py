# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``postiz_files_drift`` on facts ``describe`` read from real files: empty exactly when the
write (``ensure_directories`` and ``sync_files``, what postiz_files runs) would change nothing."""

from __future__ import annotations

import grp
import os
import pwd

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.files import FilterModule
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import (
    describe,
    ensure_directories,
    sync_files,
)

# The filter as Ansible finds it.
postiz_files_drift = FilterModule().filters()["postiz_files_drift"]

UID = os.geteuid()
GID = os.getegid()
OWNER = pwd.getpwuid(UID).pw_name
GROUP = grp.getgrgid(GID).gr_name
COMPOSE = "services:\n  postiz:\n    image: ghcr.io/gitroomhq/postiz-app:v2.23.0\n"
CADDYFILE = "postiz.example.org {\n  reverse_proxy postiz:5000\n}\n"
FILES = {"compose.yaml": COMPOSE, "Caddyfile": CADDYFILE}


def write(directory, files, mode=0o644, dir_mode=0o750, remove=()):
    """What a postiz_files task with owner and group (the current ones) does to the host."""
    ensure_directories([(str(directory), dir_mode)], UID, GID)
    return sync_files(str(directory), files, mode, UID, GID, remove)


@pytest.fixture
def project(tmp_path):
    """A project directory (0750) holding FILES (0644), as the write leaves it."""
    directory = tmp_path / "project"
    write(directory, FILES)
    return directory


def drift(directory, described=None, **options):
    options.setdefault("files", FILES)
    options.setdefault("mode", "0644")
    options.setdefault("owner", OWNER)
    options.setdefault("group", GROUP)
    if described is None:
        described = describe([str(directory)])
    return postiz_files_drift(described, str(directory), **options)


# -- nothing to change -------------------------------------------------------------------------


def test_a_directory_holding_exactly_the_files_has_no_drift(project):
    assert drift(project) == []
    assert drift(project, directories=[{"path": str(project), "mode": "0750"}]) == []


def test_without_owner_and_group_any_owner_matches(project):
    assert drift(project, owner=None, group=None) == []
    assert drift(project, owner="", group="") == []


def test_other_files_in_the_directory_are_no_drift(project):
    (project / "notes.txt").write_text("mine\n")
    (project / "data").mkdir()
    assert drift(project) == []


def test_no_files_and_nothing_to_remove_in_an_existing_directory(project):
    assert drift(project, files={}) == []


def test_a_trailing_slash_on_the_path_is_the_same_path(project):
    assert postiz_files_drift(describe([str(project)]), f"{project}/", FILES, "0644", OWNER, GROUP) == []


# -- each kind of drift ------------------------------------------------------------------------


def test_a_file_with_other_content(project):
    (project / "compose.yaml").write_text(COMPOSE + "# edited\n")
    assert drift(project) == [f"{project}/compose.yaml"]


def test_a_file_with_the_same_content_but_another_newline(project):
    (project / "Caddyfile").write_text(CADDYFILE.rstrip("\n"))
    assert drift(project) == [f"{project}/Caddyfile"]


def test_a_file_with_another_mode(project):
    os.chmod(project / "Caddyfile", 0o600)
    assert drift(project) == [f"{project}/Caddyfile"]


@pytest.mark.parametrize(
    ("owner", "group"),
    [
        ("someone-else", GROUP),  # by name
        (str(UID + 1), GROUP),  # by id, as text
        (UID + 1, GROUP),  # by id, as a number
        (OWNER, "another-group"),
        (OWNER, str(GID + 1)),
    ],
)
def test_a_file_and_a_directory_with_another_owner(project, owner, group):
    directories = [{"path": str(project), "mode": "0750"}]
    assert drift(project, owner=owner, group=group, directories=directories) == [
        str(project),
        f"{project}/compose.yaml",
        f"{project}/Caddyfile",
    ]


@pytest.mark.parametrize(("owner", "group"), [(OWNER, GROUP), (str(UID), str(GID)), (UID, GID)])
def test_the_owner_by_name_or_by_id_matches(project, owner, group):
    directories = [{"path": str(project), "mode": "0750"}]
    assert drift(project, owner=owner, group=group, directories=directories) == []


def test_an_owner_the_host_cannot_name_matches_by_id_only(project):
    described = describe([str(project)])
    for facts in described.values():
        del facts["owner"], facts["group"]
    assert drift(project, described, owner=UID, group=str(GID)) == []
    assert drift(project, described, owner=OWNER, group=GID) == [
        f"{project}/compose.yaml",
        f"{project}/Caddyfile",
    ]


def test_a_link_in_place_of_a_file(project, tmp_path):
    """Even a link to a file with the very text and mode: the write would replace the link."""
    (tmp_path / "same").write_text(COMPOSE)
    os.chmod(tmp_path / "same", 0o644)
    os.unlink(project / "compose.yaml")
    os.symlink(tmp_path / "same", project / "compose.yaml")
    assert drift(project) == [f"{project}/compose.yaml"]


def test_a_directory_in_place_of_a_file(project):
    os.unlink(project / "Caddyfile")
    (project / "Caddyfile").mkdir(mode=0o644)
    assert drift(project) == [f"{project}/Caddyfile"]


def test_a_link_in_place_of_the_directory(project, tmp_path):
    link = tmp_path / "linked"
    link.symlink_to(project)
    directories = [{"path": str(link), "mode": "0750"}]
    # Described as a link, never listed: neither it nor anything in it is known as it should be.
    assert drift(link, directories=directories) == [str(link), f"{link}/compose.yaml", f"{link}/Caddyfile"]
    assert drift(link) == [str(link), f"{link}/compose.yaml", f"{link}/Caddyfile"]


def test_a_file_missing_from_a_listed_directory(project):
    os.unlink(project / "Caddyfile")
    assert drift(project) == [f"{project}/Caddyfile"]


def test_a_missing_directory_and_its_files(tmp_path):
    missing = tmp_path / "first-deploy"
    assert drift(missing) == [str(missing), f"{missing}/compose.yaml", f"{missing}/Caddyfile"]
    directories = [{"path": str(missing), "mode": "0750"}]
    assert drift(missing, directories=directories) == [
        str(missing),
        f"{missing}/compose.yaml",
        f"{missing}/Caddyfile",
    ]


def test_nothing_to_remove_from_a_missing_directory(tmp_path):
    missing = tmp_path / "first-deploy"
    described = describe([str(missing)])
    assert drift(missing, described, files={}, remove=["nginx.conf"]) == []
    # Only the directory's own listing tells about the names in it.
    assert postiz_files_drift(described, str(missing / "sub"), files={}, remove=["x"]) == [f"{missing}/sub/x"]
    # A file to write, or a directory to make, still needs it.
    assert drift(missing, described, files={"nginx.conf": ""}) == [str(missing), f"{missing}/nginx.conf"]
    assert drift(missing, described, files={}, directories=[{"path": str(missing)}]) == [str(missing)]


def test_a_path_whose_directory_was_not_described_counts_as_drift(project, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    described = describe([str(other)])
    assert drift(project, described) == [str(project), f"{project}/compose.yaml", f"{project}/Caddyfile"]
    assert drift(project, described, files={}, remove=["Caddyfile"]) == [str(project), f"{project}/Caddyfile"]


def test_a_file_described_alone_is_known_without_its_directory(project):
    """The file's own facts cover it; its directory, not described, counts as drift."""
    described = describe([str(project / "compose.yaml")])
    assert drift(project, described, files={"compose.yaml": COMPOSE}) == [str(project)]
    # Its sibling is neither described nor in a listed directory.
    assert drift(project, described, files={"Caddyfile": CADDYFILE}) == [str(project), f"{project}/Caddyfile"]


def test_a_file_to_remove_that_is_present(project):
    assert drift(project, files={"compose.yaml": COMPOSE}, remove=["Caddyfile"]) == [f"{project}/Caddyfile"]


def test_a_file_to_remove_that_is_absent(project):
    assert drift(project, files={"compose.yaml": COMPOSE}, remove=["nginx.conf", "traefik.yml"]) == []


@pytest.mark.parametrize("kind", ["link", "directory"])
def test_a_link_or_directory_to_remove_is_drift(project, tmp_path, kind):
    if kind == "link":
        os.symlink(tmp_path / "nowhere", project / "nginx.conf")
    else:
        (project / "nginx.conf").mkdir()
    assert drift(project, remove=["nginx.conf"]) == [f"{project}/nginx.conf"]


def test_a_directory_with_another_mode(project):
    os.chmod(project, 0o755)
    assert drift(project, directories=[{"path": str(project), "mode": "0750"}]) == [str(project)]
    # Without ``directories`` the directory's mode is not the write's business.
    assert drift(project) == []


def test_a_directory_not_described_among_several(project, tmp_path):
    env = project / "env"
    env.mkdir(mode=0o700)
    os.chmod(env, 0o700)
    directories = [{"path": str(project), "mode": "0750"}, {"path": str(env), "mode": "0700"}]
    assert drift(project, directories=directories) == []
    assert drift(project, describe([str(project / "compose.yaml")]), directories=directories, files={}) == [
        str(project),
        str(env),
    ]


def test_the_default_directory_mode_is_0700(project):
    assert drift(project, directories=[{"path": str(project)}]) == [str(project)]
    os.chmod(project, 0o700)
    assert drift(project, directories=[{"path": str(project)}]) == []


def test_the_drift_is_in_order_directories_then_files_then_removals(project):
    os.chmod(project, 0o700)
    os.chmod(project / "compose.yaml", 0o600)
    (project / "nginx.conf").write_text("server {}\n")
    result = drift(
        project,
        files={"Caddyfile": "changed\n", "compose.yaml": COMPOSE},
        remove=["nginx.conf"],
        directories=[{"path": str(project), "mode": "0750"}],
    )
    assert result == [
        str(project),
        f"{project}/Caddyfile",
        f"{project}/compose.yaml",
        f"{project}/nginx.conf",
    ]


# -- modes and the forms of files ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["0600", "600", 0o600, 384, "0o600"])
def test_a_mode_as_text_or_number(tmp_path, mode):
    write(tmp_path, {"a.env": "A=1\n"}, mode=0o600)
    assert drift(tmp_path, files={"a.env": "A=1\n"}, mode=mode) == []
    assert drift(tmp_path, files={"a.env": "A=1\n"}, mode=0o640) == [f"{tmp_path}/a.env"]


@pytest.mark.parametrize("mode", ["0750", 0o750])
def test_a_directory_mode_as_text_or_number(project, mode):
    assert drift(project, directories=[{"path": str(project), "mode": mode}]) == []


def test_the_default_file_mode_is_0600(tmp_path):
    write(tmp_path, {"a.env": "A=1\n"}, mode=0o600)
    assert postiz_files_drift(describe([str(tmp_path)]), str(tmp_path), {"a.env": "A=1\n"}) == []


def test_each_file_may_have_its_own_mode(tmp_path):
    ensure_directories([(str(tmp_path), 0o750)])
    sync_files(
        str(tmp_path), {"run": "#!/bin/sh\n", "model.py": "X = 1\n"}, {"run": 0o750, "model.py": 0o644}
    )
    files = {"run": {"content": "#!/bin/sh\n", "mode": "0750"}, "model.py": {"content": "X = 1\n"}}
    assert drift(tmp_path, files=files, mode="0644", owner=None, group=None) == []
    # The default mode applies to a file without one of its own.
    assert drift(tmp_path, files=files, mode="0600", owner=None, group=None) == [f"{tmp_path}/model.py"]
    files["run"]["mode"] = 0o700
    assert drift(tmp_path, files=files, mode="0644", owner=None, group=None) == [f"{tmp_path}/run"]
    files["run"] = {"content": "#!/bin/bash\n", "mode": 0o750}
    assert drift(tmp_path, files=files, mode="0644", owner=None, group=None) == [f"{tmp_path}/run"]


def test_no_content_is_an_empty_file(tmp_path):
    write(tmp_path, {"empty": ""}, mode=0o600)
    assert drift(tmp_path, files={"empty": None}, mode="0600") == []
    assert drift(tmp_path, files={"empty": {"content": None}}, mode="0600") == []
    assert drift(tmp_path, files={"empty": {"mode": "0600"}}, mode="0644") == []
    assert drift(tmp_path, files={"empty": "x"}, mode="0600") == [f"{tmp_path}/empty"]


def test_a_text_is_compared_as_utf8(tmp_path):
    text = "NAME=Ça marche — 日本\n"
    write(tmp_path, {"a.env": text}, mode=0o600)
    assert drift(tmp_path, files={"a.env": text}, mode="0600") == []


def test_a_number_as_content_is_its_text(tmp_path):
    write(tmp_path, {"port": "5000"}, mode=0o600)
    assert drift(tmp_path, files={"port": 5000}, mode="0600") == []


def test_a_file_over_the_digest_limit_always_counts_as_drift(tmp_path):
    text = "x" * (1024 * 1024 + 1)
    write(tmp_path, {"big": text}, mode=0o600)
    assert drift(tmp_path, files={"big": text}, mode="0600") == [f"{tmp_path}/big"]


# -- refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rw-r", "0800", "", None, [0o600]])
def test_a_bad_mode_is_refused(project, mode):
    with pytest.raises(
        AnsibleFilterError, match=r'the mode of the files must be an octal permission such as "0600"'
    ):
        drift(project, mode=mode)


def test_a_bad_mode_of_a_file_names_it(project):
    files = {"compose.yaml": {"content": COMPOSE, "mode": "u+rw"}}
    with pytest.raises(AnsibleFilterError, match=r"the mode of compose.yaml must be .* not 'u\+rw'"):
        drift(project, files=files)


def test_a_bad_mode_of_a_directory_names_it(project):
    with pytest.raises(AnsibleFilterError, match=f"the mode of {project} must be"):
        drift(project, directories=[{"path": str(project), "mode": "drwx"}])


@pytest.mark.parametrize("described", [None, [], "facts", [("/opt/postiz", {"type": "directory"})]])
def test_what_is_no_dict_is_refused(described):
    with pytest.raises(AnsibleFilterError, match="takes the described facts \\(a dict\\)"):
        postiz_files_drift(described, "/opt/postiz")


# -- round trip: the write leaves nothing to change ------------------------------------------------


def test_after_the_write_there_is_no_drift(tmp_path):
    project = tmp_path / "project"
    (tmp_path / "project").mkdir(mode=0o777)
    os.chmod(project, 0o777)
    (project / "compose.yaml").write_text("old\n")
    os.chmod(project / "compose.yaml", 0o600)
    (project / "nginx.conf").write_text("server {}\n")
    options = dict(
        files={"compose.yaml": COMPOSE, "Caddyfile": {"content": CADDYFILE, "mode": "0640"}},
        remove=["nginx.conf", "traefik.yml"],
        directories=[{"path": str(project), "mode": "0750"}],
    )
    before = drift(project, **options)
    assert before == [
        str(project),
        f"{project}/compose.yaml",
        f"{project}/Caddyfile",
        f"{project}/nginx.conf",
    ]
    ensure_directories([(str(project), 0o750)], UID, GID)
    written, removed, _before = sync_files(
        str(project),
        {"compose.yaml": COMPOSE, "Caddyfile": CADDYFILE},
        {"compose.yaml": 0o644, "Caddyfile": 0o640},
        UID,
        GID,
        ["nginx.conf", "traefik.yml"],
    )
    assert written == ["compose.yaml", "Caddyfile"] and removed == ["nginx.conf"]
    assert drift(project, **options) == []


def test_the_role_re_run_leaves_every_write_out(tmp_path):
    """project.yml's writes, described as secrets.yml describes them: on a re-run, none is left."""
    project = tmp_path / "postiz"
    env = project / "env"
    env_files = {"postiz.env": "JWT_SECRET=x\n", "temporal.env": "DB=postgres12\n"}
    described_paths = [str(project), str(env)]

    def writes(described):
        return {
            "env": postiz_files_drift(
                described,
                str(env),
                files=env_files,
                remove=["redis.env"],
                directories=[{"path": str(env), "mode": "0700"}],
                owner=OWNER,
                group=GROUP,
                mode="0600",
            ),
            "compose": postiz_files_drift(
                described, str(project), files=FILES, remove=[], owner=OWNER, group=GROUP, mode="0644"
            ),
            "own proxy": postiz_files_drift(
                described,
                str(project),
                files={},
                remove=["nginx.conf", "traefik.yml"],
                owner=OWNER,
                group=GROUP,
                mode="0644",
            ),
        }

    first = writes(describe(described_paths))
    # Nothing is to be removed from a directory that is not there.
    assert first["env"] == [str(env), f"{env}/postiz.env", f"{env}/temporal.env"]
    assert first["compose"] == [str(project), f"{project}/compose.yaml", f"{project}/Caddyfile"]
    assert first["own proxy"] == []

    write(project, FILES)
    ensure_directories([(str(env), 0o700)], UID, GID)
    sync_files(str(env), env_files, 0o600, UID, GID, ["redis.env"])
    assert writes(describe(described_paths)) == {"env": [], "compose": [], "own proxy": []}
    # The same facts, whatever the order the paths were described in.
    assert writes(describe(described_paths[::-1])) == {"env": [], "compose": [], "own proxy": []}

    (env / "redis.env").write_text("left behind\n")
    assert writes(describe(described_paths))["env"] == [f"{env}/redis.env"]
