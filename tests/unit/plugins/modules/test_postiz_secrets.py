# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real module entry point with real AnsibleModule argument handling
and result serialization (including the no_log masking of the output)."""

from __future__ import annotations

import functools
import json
import os
import stat

import pytest
from ansible.module_utils import basic

from ansible_collections.selfhosted.postiz.plugins.modules import postiz_secrets

SECRETS = [{"name": "JWT_SECRET", "length": 64}, {"name": "POSTIZ_POSTGRES_PASSWORD", "length": 40}]


@pytest.fixture
def secrets_path(tmp_path):
    return str(tmp_path / "secrets" / "secrets.json")


@pytest.fixture
def run(run_module):
    """Run the module with args; return its parsed JSON result (plus the raw text)."""
    return functools.partial(run_module, postiz_secrets.main)


def read(path):
    with open(path) as handle:
        return json.load(handle)


def warning_text(warning):
    """ansible-core 2.19 serializes warnings as WarningSummary objects; older ones as strings."""
    if isinstance(warning, dict):
        return warning["event"]["msg"]
    return warning


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generates_once_and_persists(run, secrets_path):
    result = run(path=secrets_path, secrets=SECRETS)
    assert result["changed"] is True
    assert sorted(result["generated"]) == ["JWT_SECRET", "POSTIZ_POSTGRES_PASSWORD"]
    assert result["rotated"] == []
    assert len(result["secrets"]["JWT_SECRET"]) == 64
    assert len(result["secrets"]["POSTIZ_POSTGRES_PASSWORD"]) == 40
    assert read(secrets_path) == result["secrets"]


def test_second_run_is_idempotent(run, secrets_path):
    first = run(path=secrets_path, secrets=SECRETS)
    second = run(path=secrets_path, secrets=SECRETS)
    assert second["changed"] is False
    assert second["generated"] == [] and second["rotated"] == []
    assert second["secrets"] == first["secrets"]
    assert "warnings" not in second


def test_returned_values_are_real_not_masked(run, secrets_path):
    # AnsibleModule masks registered no_log values in its output; the module
    # must release the returned ones or this return would be useless.
    result = run(path=secrets_path, secrets=SECRETS)
    assert "********" not in result["_raw"]
    assert result["secrets"] == read(secrets_path)


def test_default_length_and_hex_alphabet(run, secrets_path):
    result = run(path=secrets_path, secrets=[{"name": "A"}, {"name": "B", "alphabet": "hex", "length": 32}])
    assert len(result["secrets"]["A"]) == 48
    assert set(result["secrets"]["B"]) <= set("0123456789abcdef") and len(result["secrets"]["B"]) == 32


def test_rotate_changes_only_the_named_secret(run, secrets_path):
    first = run(path=secrets_path, secrets=SECRETS)
    second = run(path=secrets_path, secrets=SECRETS, rotate=["POSTIZ_POSTGRES_PASSWORD"])
    assert second["changed"] is True
    assert second["rotated"] == ["POSTIZ_POSTGRES_PASSWORD"]
    assert second["secrets"]["JWT_SECRET"] == first["secrets"]["JWT_SECRET"]
    assert second["secrets"]["POSTIZ_POSTGRES_PASSWORD"] != first["secrets"]["POSTIZ_POSTGRES_PASSWORD"]
    assert "warnings" not in second


def test_rotating_jwt_secret_warns(run, secrets_path):
    run(path=secrets_path, secrets=SECRETS)
    result = run(path=secrets_path, secrets=SECRETS, rotate=["JWT_SECRET"])
    assert result["rotated"] == ["JWT_SECRET"]
    assert len(result["warnings"]) == 1
    warning = warning_text(result["warnings"][0])
    assert "logs every Postiz user out" in warning
    assert "MCP OAuth tokens" in warning and "provider credentials" in warning


def test_rotate_must_name_a_listed_secret(run, secrets_path):
    result = run(path=secrets_path, secrets=SECRETS, rotate=["OTHER"])
    assert result["failed"] is True
    assert "Cannot rotate OTHER" in result["msg"]
    assert not os.path.exists(secrets_path)


def test_length_below_minimum_fails(run, secrets_path):
    result = run(path=secrets_path, secrets=[{"name": "A", "length": 16}])
    assert result["failed"] is True and "use 32 to 1024" in result["msg"]


def test_unknown_keys_in_the_file_are_kept(run, secrets_path):
    os.makedirs(os.path.dirname(secrets_path))
    with open(secrets_path, "w") as handle:
        json.dump({"HAND_MADE": "keep"}, handle)
    result = run(path=secrets_path, secrets=SECRETS)
    assert "HAND_MADE" not in result["secrets"]
    assert read(secrets_path)["HAND_MADE"] == "keep"


def test_mode_drift_is_repaired(run, secrets_path):
    first = run(path=secrets_path, secrets=SECRETS)
    os.chmod(secrets_path, 0o644)
    os.chmod(os.path.dirname(secrets_path), 0o755)
    result = run(path=secrets_path, secrets=SECRETS)
    assert result["changed"] is True
    assert result["generated"] == [] and result["rotated"] == []
    assert result["secrets"] == first["secrets"]
    assert mode_of(secrets_path) == 0o600
    assert mode_of(os.path.dirname(secrets_path)) == 0o700


def test_check_mode_writes_nothing(run, secrets_path):
    result = run(path=secrets_path, secrets=SECRETS, check_mode=True)
    assert result["changed"] is True
    assert sorted(result["generated"]) == ["JWT_SECRET", "POSTIZ_POSTGRES_PASSWORD"]
    # Values exist so that later templating works in a dry run.
    assert all(len(value) >= 40 for value in result["secrets"].values())
    assert not os.path.exists(os.path.dirname(secrets_path))


def test_check_mode_does_not_fix_drift_or_rotate(run, secrets_path):
    first = run(path=secrets_path, secrets=SECRETS)
    os.chmod(secrets_path, 0o644)
    result = run(path=secrets_path, secrets=SECRETS, rotate=["JWT_SECRET"], check_mode=True)
    assert result["changed"] is True
    assert mode_of(secrets_path) == 0o644
    assert read(secrets_path) == first["secrets"]


def test_check_mode_on_complete_store_is_not_changed(run, secrets_path):
    run(path=secrets_path, secrets=SECRETS)
    assert run(path=secrets_path, secrets=SECRETS, check_mode=True)["changed"] is False


@pytest.mark.parametrize("check_mode", [False, True])
def test_diff_never_contains_values(run, secrets_path, check_mode):
    first = run(path=secrets_path, secrets=SECRETS[:1])
    result = run(path=secrets_path, secrets=SECRETS, rotate=["JWT_SECRET"], check_mode=check_mode, diff=True)
    diff_text = json.dumps(result["diff"])
    for value in list(first["secrets"].values()) + list(result["secrets"].values()):
        assert value not in diff_text
    assert "JWT_SECRET: <rotated>" in result["diff"]["after"]
    assert "POSTIZ_POSTGRES_PASSWORD: <generated>" in result["diff"]["after"]


def test_no_diff_without_diff_mode(run, secrets_path):
    assert "diff" not in run(path=secrets_path, secrets=SECRETS)


def test_invocation_holds_no_values(run, secrets_path):
    result = run(path=secrets_path, secrets=SECRETS)
    invocation = json.dumps(result["invocation"])
    for value in result["secrets"].values():
        assert value not in invocation


def test_values_are_registered_as_no_log_while_running(run, secrets_path, monkeypatch):
    """Any output produced while the module works (here the JWT warning) is masked."""
    run(path=secrets_path, secrets=SECRETS)
    old_jwt = read(secrets_path)["JWT_SECRET"]
    seen = {}

    def spy_warn(module, msg):
        seen["no_log_values"] = set(module.no_log_values)
        # A message that (wrongly) contained values must come out masked.
        module.fail_json(
            msg="leak test: {} {}".format(old_jwt, read(secrets_path)["POSTIZ_POSTGRES_PASSWORD"])
        )

    monkeypatch.setattr(basic.AnsibleModule, "warn", spy_warn)

    result = run(path=secrets_path, secrets=SECRETS, rotate=["JWT_SECRET"])
    current = read(secrets_path)
    assert {current["JWT_SECRET"], current["POSTIZ_POSTGRES_PASSWORD"], old_jwt} <= seen["no_log_values"]
    assert result["failed"] is True
    assert old_jwt not in result["_raw"]
    assert current["POSTIZ_POSTGRES_PASSWORD"] not in result["_raw"]
    assert result["msg"] == "leak test: ******** ********"


def test_invalid_json_fails_without_overwriting(run, secrets_path):
    os.makedirs(os.path.dirname(secrets_path))
    with open(secrets_path, "w") as handle:
        handle.write("not json")
    result = run(path=secrets_path, secrets=SECRETS)
    assert result["failed"] is True and "not valid JSON" in result["msg"]
    with open(secrets_path) as handle:
        assert handle.read() == "not json"
