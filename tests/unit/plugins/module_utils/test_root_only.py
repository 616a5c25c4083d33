# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who besides root could change a root job's files: real files and links in a tmp
directory. The tests trust root and whoever runs them (the tmp directory is theirs), and
stand for "another user" with a uid that is not trusted."""

from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils._root_only import chain, judge, problems

ME = os.geteuid()
TRUSTED = (0, ME)


def _name(uid):
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


@pytest.fixture
def clone(tmp_path):
    """A clone as root leaves it: 0755 directories, 0644 files, a venv whose python is a
    link out of the tree, and the collection's link back to the clone itself."""
    root = tmp_path / "selfhosted-postiz"
    for directory in (
        "playbooks",
        "roles/postiz_maintenance/tasks",
        ".venv/bin",
        "collections/ansible_collections/selfhosted",
    ):
        (root / directory).mkdir(parents=True)
    (root / "ansible.cfg").write_text("[defaults]\n")
    (root / "playbooks" / "maintenance.yml").write_text("---\n")
    (root / "roles/postiz_maintenance/tasks/main.yml").write_text("---\n")
    (root / ".venv/bin/ansible-playbook").write_text("#!/bin/sh\n")
    (root / ".venv/bin/python").symlink_to("/bin/sh")
    (root / "collections/ansible_collections/selfhosted/postiz").symlink_to("../../..")
    for path in [root, *list(root.rglob("*"))]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(tmp_path, 0o755)
    return root


def found(paths=(), trees=(), trusted=TRUSTED, limit=20):
    return problems(
        [str(path) for path in paths], [str(tree) for tree in trees], trusted=trusted, limit=limit
    )[0]


def test_chain_lists_every_directory_from_the_root():
    assert chain("/root/selfhosted-postiz/playbooks/") == [
        "/",
        "/root",
        "/root/selfhosted-postiz",
        "/root/selfhosted-postiz/playbooks",
    ]
    assert chain("/") == ["/"]


def test_a_clone_only_root_can_change_passes(clone):
    assert found(paths=[clone / "playbooks/maintenance.yml"], trees=[clone]) == []


def test_the_whole_tree_is_looked_at(clone):
    count = problems([], [str(clone)], trusted=TRUSTED)[1]
    # The clone, its 11 entries below it, and the directories above it.
    assert count >= 12 + len(chain(str(clone))) - 1


@pytest.mark.parametrize("mode, who", [(0o775, "the group"), (0o757, "everyone"), (0o1777, "everyone")])
def test_a_directory_others_can_write_in_the_tree_is_found(clone, mode, who):
    tasks = clone / "roles/postiz_maintenance/tasks"
    os.chmod(tasks, mode)
    result = found(trees=[clone])
    assert len(result) == 1
    assert result[0].startswith(f"{tasks} is writable by {who}")
    assert result[0].endswith(f"(mode {mode:04o})")


def test_a_file_others_can_write_is_found_with_its_group(clone):
    task = clone / "roles/postiz_maintenance/tasks/main.yml"
    os.chmod(task, 0o664)
    assert found(trees=[clone]) == [
        f"{task} is writable by the group {grp.getgrgid(os.getgid()).gr_name} (gid {os.getgid()}) (mode 0664)"
    ]


def test_a_file_of_another_user_is_found(clone):
    playbook = clone / "playbooks/maintenance.yml"
    # Everything here is ours; trusting another uid stands for "ours is another user's".
    result = found(paths=[playbook], trusted=(ME + 12345,), limit=100)
    assert f"{playbook} belongs to {_name(ME)}" in result


def test_judge_names_the_owner():
    info = os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 1000, 1000, 0, 0, 0, 0))
    assert judge("/srv/x", info, trusted=(0,)) == f"/srv/x belongs to {_name(1000)}"
    assert judge("/srv/x", info, trusted=(0, 1000)) is None


def test_a_directory_above_that_others_can_write_is_found(clone, tmp_path):
    os.chmod(tmp_path, 0o777)
    assert found(paths=[clone / "playbooks/maintenance.yml"]) == [
        f"{tmp_path} is writable by everyone (mode 0777)"
    ]


def test_a_sticky_directory_above_a_name_that_exists_is_fine(clone, tmp_path):
    # Like /tmp: others may add names, but not rename or delete ours.
    os.chmod(tmp_path, 0o1777)
    assert found(paths=[clone / "playbooks/maintenance.yml"], trees=[clone]) == []


def test_the_last_name_of_a_path_may_not_be_a_sticky_directory(clone):
    os.chmod(clone / "playbooks", 0o1777)
    assert found(paths=[clone / "playbooks"]) == [
        "%s is writable by everyone (mode 1777)" % (clone / "playbooks")
    ]


def test_a_missing_path_is_found(clone):
    assert found(paths=[clone / ".venv/bin/ansible"]) == ["%s does not exist" % (clone / ".venv/bin/ansible")]


def test_a_relative_path_is_refused():
    assert found(paths=["playbooks/maintenance.yml"]) == ["playbooks/maintenance.yml is not an absolute path"]


def test_a_link_is_checked_where_it_leads(clone, tmp_path):
    # /opt/postiz-clone -> a clone in a directory everyone can write to.
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir(mode=0o777)
    os.chmod(elsewhere, 0o777)
    (elsewhere / "real").mkdir()
    os.chmod(elsewhere / "real", 0o755)
    link = tmp_path / "clone-link"
    link.symlink_to(elsewhere / "real")
    assert found(paths=[link]) == [f"{elsewhere} is writable by everyone (mode 0777)"]


def test_a_link_out_of_the_tree_is_followed_and_its_target_walked(clone, tmp_path):
    outside = tmp_path / "collections-elsewhere"
    (outside / "community").mkdir(parents=True)
    os.chmod(outside, 0o755)
    os.chmod(outside / "community", 0o775)
    (clone / "collections/ansible_collections/community").symlink_to(outside / "community")
    assert found(trees=[clone]) == [
        f"{outside / 'community'} is writable by the group {grp.getgrgid(os.getgid()).gr_name} (gid {os.getgid()}) (mode 0775)"
    ]
    # Inside the walked target too.
    os.chmod(outside / "community", 0o755)
    (outside / "community" / "plugin.py").write_text("")
    os.chmod(outside / "community" / "plugin.py", 0o666)
    assert found(trees=[clone]) == [
        "%s is writable by everyone (mode 0666)" % (outside / "community" / "plugin.py")
    ]


def test_a_dangling_link_is_fine_unless_others_could_create_its_target(clone, tmp_path):
    spare = tmp_path / "spare"
    spare.mkdir()
    os.chmod(spare, 0o755)
    (clone / "roles/extra").symlink_to(spare / "missing")
    assert found(trees=[clone]) == []
    # Anyone may create names in a sticky /tmp: then the missing target is theirs to make.
    os.chmod(spare, 0o1777)
    assert found(trees=[clone]) == [f"{spare} is writable by everyone (mode 1777)"]


def test_the_limit_stops_the_search(clone):
    for path in clone.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, 0o777 if path.is_dir() else 0o666)
    assert len(found(trees=[clone], limit=3)) == 3
