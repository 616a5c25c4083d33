# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.selfhosted.postiz.plugins.module_utils import _secrets_store as store_mod
from ansible_collections.selfhosted.postiz.plugins.module_utils._secrets_store import (
    ALPHABETS,
    SecretSpec,
    SecretsStore,
    SecretsStoreError,
    generate_secret,
    parse,
    plan,
    serialize,
    validate_name,
)

SPECS = [SecretSpec("JWT_SECRET", 64), SecretSpec("DB_PASSWORD", 40)]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def counter_generator():
    """Deterministic values, so tests can tell which call produced what."""
    calls = []

    def generate(length, alphabet):
        calls.append((length, alphabet))
        return f"v{len(calls)}".ljust(length, "x")

    generate.calls = calls
    return generate


@pytest.fixture
def secrets_path(tmp_path):
    return str(tmp_path / "secrets" / "secrets.json")


@pytest.fixture(autouse=True)
def permissive_umask():
    # A permissive umask shows the modes come from the store, not from the umask.
    old = os.umask(0o000)
    yield
    os.umask(old)


# -- values -------------------------------------------------------------------


@pytest.mark.parametrize("alphabet", sorted(ALPHABETS))
@pytest.mark.parametrize("length", [32, 40, 64, 1024])
def test_generate_secret_uses_only_the_alphabet(alphabet, length):
    value = generate_secret(length, alphabet)
    assert len(value) == length
    assert set(value) <= set(ALPHABETS[alphabet])


def test_generate_secret_is_random():
    assert len({generate_secret() for dummy in range(20)}) == 20


def test_alnum_is_letters_and_digits_only():
    # Safe inside URLs and env files without any quoting.
    assert set(ALPHABETS["alnum"]) == set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@pytest.mark.parametrize("name", ["JWT_SECRET", "_X", "a1", "A"])
def test_valid_names(name):
    validate_name(name)


@pytest.mark.parametrize("name", ["", "1ABC", "WITH-DASH", "SPACE NAME", "DOT.NAME", "É", "X\n", None, 5])
def test_invalid_names(name):
    with pytest.raises(SecretsStoreError, match="not valid"):
        validate_name(name)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(length=31), "use 32 to 1024"),
        (dict(length=1025), "use 32 to 1024"),
        (dict(length=True), "whole number"),
        (dict(length="64"), "whole number"),
        (dict(alphabet="base64"), "use one of: alnum, hex"),
    ],
)
def test_spec_validation(kwargs, message):
    with pytest.raises(SecretsStoreError, match=message):
        SecretSpec("JWT_SECRET", **kwargs)


# -- parsing and serializing --------------------------------------------------


@pytest.mark.parametrize("text", ["", "  \n"])
def test_empty_file_is_an_empty_store(text):
    assert parse(text, "f") == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"A": ', "not valid JSON"),
        ('["A"]', "must hold a JSON object of name -> value, but holds an array"),
        ('"A"', "but holds a string"),
        ("null", "but holds null"),
    ],
)
def test_unparseable_files_are_refused(text, message):
    with pytest.raises(SecretsStoreError, match=message):
        parse(text, "f")


def test_serialize_is_deterministic():
    one = serialize({"B": "2", "A": "1"})
    two = serialize({"A": "1", "B": "2"})
    assert one == two == '{\n  "A": "1",\n  "B": "2"\n}\n'


# -- planning -----------------------------------------------------------------


def test_plan_generates_missing_and_empty_and_keeps_the_rest():
    gen = counter_generator()
    existing = {"JWT_SECRET": "keep-me", "DB_PASSWORD": "", "UNKNOWN": {"kept": True}}
    data, generated, rotated, previous = plan(existing, SPECS, (), gen)
    assert data["JWT_SECRET"] == "keep-me"
    assert data["DB_PASSWORD"].startswith("v1")
    assert data["UNKNOWN"] == {"kept": True}
    assert generated == ["DB_PASSWORD"]
    assert rotated == [] and previous == {}
    assert gen.calls == [(40, "alnum")]


def test_plan_rotates_only_what_is_asked():
    data, generated, rotated, previous = plan(
        {"JWT_SECRET": "old-jwt", "DB_PASSWORD": "old-db"}, SPECS, ["JWT_SECRET"], counter_generator()
    )
    assert data["JWT_SECRET"] != "old-jwt" and len(data["JWT_SECRET"]) == 64
    assert data["DB_PASSWORD"] == "old-db"
    assert (generated, rotated, previous) == ([], ["JWT_SECRET"], {"JWT_SECRET": "old-jwt"})


def test_rotating_a_missing_secret_counts_as_generating_it():
    _dummy, generated, rotated, _dummy2 = plan({}, SPECS, ["JWT_SECRET"], counter_generator())
    assert generated == ["JWT_SECRET", "DB_PASSWORD"]
    assert rotated == []


@pytest.mark.parametrize(
    "existing, specs, rotate, message",
    [
        ({}, SPECS, ["NOT_LISTED"], "Cannot rotate NOT_LISTED"),
        ({}, SPECS, ["bad-name"], "not valid"),
        ({}, [*SPECS, SecretSpec("JWT_SECRET")], [], "more than once: JWT_SECRET"),
        ({"JWT_SECRET": 12345}, SPECS, [], "is a number, not a string"),
        ({"JWT_SECRET": ["x"]}, SPECS, [], "is an array, not a string"),
    ],
)
def test_plan_errors(existing, specs, rotate, message):
    with pytest.raises(SecretsStoreError, match=message):
        plan(existing, specs, rotate, counter_generator())


def test_a_non_string_value_can_be_replaced_by_rotating_it():
    data, _dummy, _rotated, _dummy2 = plan({"JWT_SECRET": 12345}, SPECS, ["JWT_SECRET"], counter_generator())
    assert isinstance(data["JWT_SECRET"], str)


# -- the store on disk --------------------------------------------------------


def test_first_sync_creates_directory_and_file(secrets_path):
    result = SecretsStore(secrets_path).sync(SPECS)
    assert result.changed
    assert sorted(result.generated) == ["DB_PASSWORD", "JWT_SECRET"]
    assert mode_of(os.path.dirname(secrets_path)) == 0o700
    assert mode_of(secrets_path) == 0o600
    with open(secrets_path) as handle:
        assert json.load(handle) == result.secrets
    assert len(result.secrets["JWT_SECRET"]) == 64
    assert len(result.secrets["DB_PASSWORD"]) == 40


def test_second_sync_changes_nothing(secrets_path):
    first = SecretsStore(secrets_path).sync(SPECS)
    with open(secrets_path, "rb") as handle:
        before = handle.read()
    second = SecretsStore(secrets_path).sync(SPECS)
    assert not second.changed
    assert second.actions == []
    assert second.secrets == first.secrets
    assert (second.generated, second.rotated) == ([], [])
    with open(secrets_path, "rb") as handle:
        assert handle.read() == before


def test_hand_formatted_file_is_not_rewritten(secrets_path):
    os.makedirs(os.path.dirname(secrets_path), mode=0o700)
    text = '{"JWT_SECRET":"a","DB_PASSWORD":"b",   "EXTRA": 1}'
    with open(secrets_path, "w") as handle:
        handle.write(text)
    os.chmod(secrets_path, 0o600)
    result = SecretsStore(secrets_path).sync(SPECS)
    assert not result.changed
    assert result.secrets == {"JWT_SECRET": "a", "DB_PASSWORD": "b"}
    with open(secrets_path) as handle:
        assert handle.read() == text


def test_adding_a_secret_keeps_the_others_and_unknown_keys(secrets_path):
    first = SecretsStore(secrets_path).sync(SPECS[:1])
    with open(secrets_path) as handle:
        data = json.load(handle)
    data["ADDED_BY_HAND"] = "hand"
    with open(secrets_path, "w") as handle:
        json.dump(data, handle)
    second = SecretsStore(secrets_path).sync(SPECS)
    assert second.generated == ["DB_PASSWORD"]
    assert second.secrets["JWT_SECRET"] == first.secrets["JWT_SECRET"]
    with open(secrets_path) as handle:
        assert json.load(handle)["ADDED_BY_HAND"] == "hand"


def test_rotate_replaces_only_the_named_secret(secrets_path):
    first = SecretsStore(secrets_path).sync(SPECS)
    second = SecretsStore(secrets_path).sync(SPECS, rotate=["JWT_SECRET"])
    assert second.changed and second.rotated == ["JWT_SECRET"]
    assert second.secrets["JWT_SECRET"] != first.secrets["JWT_SECRET"]
    assert second.secrets["DB_PASSWORD"] == first.secrets["DB_PASSWORD"]
    assert second.previous_values == {"JWT_SECRET": first.secrets["JWT_SECRET"]}
    with open(secrets_path) as handle:
        assert json.load(handle) == second.secrets


@pytest.mark.parametrize(
    "file_mode, dir_mode, actions",
    [
        (0o644, 0o700, ["set file mode"]),
        (0o600, 0o755, ["set directory mode"]),
        (0o666, 0o777, ["set directory mode", "set file mode"]),
    ],
)
def test_mode_drift_is_repaired_without_touching_values(secrets_path, file_mode, dir_mode, actions):
    first = SecretsStore(secrets_path).sync(SPECS)
    os.chmod(secrets_path, file_mode)
    os.chmod(os.path.dirname(secrets_path), dir_mode)
    result = SecretsStore(secrets_path).sync(SPECS)
    assert result.changed and result.actions == actions
    assert result.secrets == first.secrets
    assert mode_of(secrets_path) == 0o600
    assert mode_of(os.path.dirname(secrets_path)) == 0o700
    assert not SecretsStore(secrets_path).sync(SPECS).changed


def test_check_mode_writes_nothing_but_returns_values(secrets_path):
    result = SecretsStore(secrets_path).sync(SPECS, check_mode=True)
    assert result.changed
    assert sorted(result.secrets) == ["DB_PASSWORD", "JWT_SECRET"]
    assert all(result.secrets.values())
    assert not os.path.exists(os.path.dirname(secrets_path))


def test_check_mode_reports_drift_without_fixing_it(secrets_path):
    SecretsStore(secrets_path).sync(SPECS)
    os.chmod(secrets_path, 0o644)
    result = SecretsStore(secrets_path).sync(SPECS, rotate=["JWT_SECRET"], check_mode=True)
    assert result.changed and result.rotated == ["JWT_SECRET"]
    assert mode_of(secrets_path) == 0o644
    with open(secrets_path) as handle:
        assert json.load(handle)["JWT_SECRET"] != result.secrets["JWT_SECRET"]


def test_check_mode_on_a_complete_store_reports_no_change(secrets_path):
    SecretsStore(secrets_path).sync(SPECS)
    assert not SecretsStore(secrets_path).sync(SPECS, check_mode=True).changed


def test_invalid_json_is_never_overwritten(secrets_path):
    os.makedirs(os.path.dirname(secrets_path))
    with open(secrets_path, "w") as handle:
        handle.write('{"JWT_SECRET": "in-use", ')
    with pytest.raises(SecretsStoreError, match="left untouched"):
        SecretsStore(secrets_path).sync(SPECS)
    with open(secrets_path) as handle:
        assert handle.read() == '{"JWT_SECRET": "in-use", '


def test_failed_write_leaves_the_old_file_and_no_temp_file(secrets_path, monkeypatch):
    SecretsStore(secrets_path).sync(SPECS[:1])
    with open(secrets_path, "rb") as handle:
        before = handle.read()

    def broken_replace(src, dst, **_dir_fds):
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr(store_mod.os, "replace", broken_replace)
    with pytest.raises(SecretsStoreError, match="No space left on device"):
        SecretsStore(secrets_path).sync(SPECS)
    with open(secrets_path, "rb") as handle:
        assert handle.read() == before
    assert os.listdir(os.path.dirname(secrets_path)) == ["secrets.json"]


def test_no_temp_files_are_left_behind(secrets_path):
    SecretsStore(secrets_path).sync(SPECS)
    SecretsStore(secrets_path).sync(SPECS, rotate=["DB_PASSWORD"])
    assert os.listdir(os.path.dirname(secrets_path)) == ["secrets.json"]


def test_symlink_is_refused(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "secrets.json"
    link.symlink_to(real)
    with pytest.raises(SecretsStoreError, match="symbolic link"):
        SecretsStore(str(link)).sync(SPECS)


def test_symlinked_directory_is_followed_and_idempotent(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "secrets").symlink_to(real)
    path = str(tmp_path / "secrets" / "secrets.json")
    assert SecretsStore(path).sync(SPECS).changed
    assert mode_of(str(real)) == 0o700
    assert not SecretsStore(path).sync(SPECS).changed


def test_directory_as_path_is_refused(tmp_path):
    with pytest.raises(SecretsStoreError, match="is a directory"):
        SecretsStore(str(tmp_path)).sync(SPECS)


def test_root_directory_is_refused():
    with pytest.raises(SecretsStoreError, match="dedicated directory"):
        SecretsStore("/secrets.json").sync(SPECS, check_mode=True)


def test_shared_sticky_directory_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    with pytest.raises(SecretsStoreError, match="shared directory"):
        SecretsStore(str(shared / "secrets.json")).sync(SPECS)
    assert mode_of(str(shared)) == 0o1777


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_shows_names_and_modes_never_values(secrets_path, check_mode):
    SecretsStore(secrets_path).sync(SPECS[:1])
    os.chmod(secrets_path, 0o644)
    result = SecretsStore(secrets_path).sync(SPECS, rotate=["JWT_SECRET"], check_mode=check_mode)
    with open(secrets_path) as handle:
        on_disk = json.load(handle)
    values = set(result.secrets.values()) | set(on_disk.values()) | set(result.previous_values.values())
    text = json.dumps(result.diff)
    for value in values:
        assert value not in text
    assert result.diff["before"] == "mode: '0644'\ndirectory_mode: '0700'\nsecrets:\n  JWT_SECRET: <set>\n"
    assert result.diff["after"] == (
        "mode: '0600'\ndirectory_mode: '0700'\nsecrets:\n  DB_PASSWORD: <generated>\n  JWT_SECRET: <rotated>\n"
    )


def test_diff_for_a_new_store(secrets_path):
    result = SecretsStore(secrets_path).sync(SPECS, check_mode=True)
    assert result.diff["before"] == "state: absent\n"
    assert "JWT_SECRET: <generated>" in result.diff["after"]


# -- ownership ----------------------------------------------------------------


def test_current_owner_by_id_is_no_change(secrets_path):
    SecretsStore(secrets_path).sync(SPECS)
    store = SecretsStore(secrets_path, owner=str(os.geteuid()), group=str(os.getegid()))
    assert not store.sync(SPECS).changed


@pytest.mark.parametrize(
    "owner, group, message",
    [
        ("no-such-user-here", None, "User 'no-such-user-here' does not exist"),
        (None, "no-such-group-here", "Group 'no-such-group-here' does not exist"),
    ],
)
def test_unknown_owner_or_group_is_refused(secrets_path, owner, group, message):
    with pytest.raises(SecretsStoreError, match=message):
        SecretsStore(secrets_path, owner=owner, group=group)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing ownership needs root")
def test_owner_and_group_drift_is_repaired(secrets_path):
    SecretsStore(secrets_path).sync(SPECS)
    store = SecretsStore(secrets_path, owner="65534", group="65534")
    result = store.sync(SPECS)
    assert result.actions == ["set directory owner", "set file owner"]
    for path in (secrets_path, os.path.dirname(secrets_path)):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert "owner: 0:0" in result.diff["before"] and "owner: 65534:65534" in result.diff["after"]
    assert not SecretsStore(secrets_path, owner="65534", group="65534").sync(SPECS).changed


@pytest.mark.skipif(os.geteuid() != 0, reason="changing ownership needs root")
def test_new_store_gets_the_owner(secrets_path):
    SecretsStore(secrets_path, owner="65534", group="65534").sync(SPECS)
    for path in (secrets_path, os.path.dirname(secrets_path)):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid) == (65534, 65534)
