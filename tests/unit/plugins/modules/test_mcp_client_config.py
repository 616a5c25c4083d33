# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the real module entry point with real AnsibleModule argument handling and
result serialization, and checks that the key never appears in what it prints."""

from __future__ import annotations

import functools
import json
import os
import stat
import tomllib
from pathlib import Path

import pytest
import yaml

from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_config import CLIENTS
from ansible_collections.selfhosted.postiz.plugins.modules import mcp_client_config

URL = "http://localhost:4007/api/mcp"
KEY = "0123456789abcdef" * 4
NEW_KEY = "fedcba9876543210" * 4

TARGETS = [(client, scope) for client in sorted(CLIENTS) for scope in sorted(CLIENTS[client].scopes)]


@pytest.fixture
def dirs(tmp_path):
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    return str(home), str(project)


@pytest.fixture
def run(run_module):
    """Run the module with args; return its parsed JSON result (plus the raw text)."""
    return functools.partial(run_module, mcp_client_config.main)


def args_for(client, scope, dirs, **extra):
    home, project = dirs
    args = dict(client=client, scope=scope, home=home, url=URL, api_key=KEY)
    if scope != "user":
        args["project_dir"] = project
    args.update(extra)
    return args


def parse(path, fmt):
    text = Path(path).read_text()
    if fmt == "toml":
        return tomllib.loads(text)
    if fmt == "yaml":
        return yaml.safe_load(text)
    # JSONC files written from scratch hold no comments, so json reads them.
    return json.loads(text)


def warning_texts(result):
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


@pytest.mark.parametrize("client, scope", TARGETS, ids=["{}-{}".format(*pair) for pair in TARGETS])
def test_present_check_diff_idempotent_absent(run, dirs, client, scope):
    args = args_for(client, scope, dirs)

    checked = run(check_mode=True, diff=True, **args)
    assert checked["changed"] is True
    assert not os.path.exists(checked["path"])

    written = run(diff=True, **args)
    assert written["changed"] is True and written["content_changed"] is True
    assert written["path"] == checked["path"]
    assert stat.S_IMODE(os.stat(written["path"]).st_mode) == 0o600
    assert written["format"] == CLIENTS[client].format
    assert written["auth"] in ("header", "path")
    assert written["next_step"]
    data = parse(written["path"], written["format"])
    assert data  # parsed by a real parser
    # Neither the result nor its diff carries the key.
    assert KEY not in written["_raw"] and KEY not in checked["_raw"]
    assert "********" in written["diff"]["after"]
    assert written["diff"]["before"] == ""

    again = run(check_mode=True, **args)
    assert again["changed"] is False
    again = run(**args)
    assert again["changed"] is False

    rotated = run(diff=True, **dict(args, api_key=NEW_KEY))
    assert rotated["changed"] is True
    assert KEY not in rotated["_raw"] and NEW_KEY not in rotated["_raw"]
    assert NEW_KEY in Path(written["path"]).read_text()

    removed = run(
        diff=True,
        client=client,
        scope=scope,
        home=args["home"],
        project_dir=args.get("project_dir"),
        state="absent",
    )
    assert removed["changed"] is True
    assert NEW_KEY not in Path(written["path"]).read_text()
    assert NEW_KEY not in removed["_raw"]
    assert (
        run(
            client=client, scope=scope, home=args["home"], project_dir=args.get("project_dir"), state="absent"
        )["changed"]
        is False
    )


def test_present_requires_url_and_key(run, dirs):
    result = run(client="cursor", home=dirs[0], url=URL)
    assert result["failed"] is True
    assert "api_key" in result["msg"]


def test_invalid_file_fails_and_is_untouched(run, dirs):
    path = Path(dirs[0]) / ".gemini" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"theme": "x",')
    result = run(client="gemini", home=dirs[0], url=URL, api_key=KEY)
    assert result["failed"] is True
    assert str(path) in result["msg"] and "left untouched" in result["msg"]
    assert path.read_text() == '{"theme": "x",'
    assert KEY not in result["_raw"]


def test_unsupported_scope_fails_clearly(run, dirs):
    result = run(client="windsurf", scope="project", project_dir=dirs[1], home=dirs[0], url=URL, api_key=KEY)
    assert result["failed"] is True
    assert "Windsurf has no project-level configuration" in result["msg"]


def test_bad_key_fails_without_echoing_it(run, dirs):
    bad = "key$with$dollars"
    result = run(client="gemini", home=dirs[0], url=URL, api_key=bad)
    assert result["failed"] is True
    assert bad not in result["_raw"]


def test_backup_keeps_the_previous_file(run, dirs):
    path = Path(dirs[0]) / ".claude.json"
    path.write_text('{"userID": "abc"}\n')
    result = run(client="claude_code", home=dirs[0], url=URL, api_key=KEY, backup=True)
    assert result["changed"] is True
    assert Path(result["backup_file"]).read_text() == '{"userID": "abc"}\n'
    assert json.loads(path.read_text())["userID"] == "abc"


def test_project_scope_warns(run, dirs):
    result = run(
        client="claude_code", scope="project", project_dir=dirs[1], home=dirs[0], url=URL, api_key=KEY
    )
    assert any("version control" in text for text in warning_texts(result))


def test_extra_and_auth_and_server_name(run, dirs):
    result = run(
        client="codex",
        home=dirs[0],
        url=URL,
        api_key=KEY,
        auth="path",
        server_name="postiz-prod",
        extra={"startup_timeout_sec": 30},
    )
    assert result["auth"] == "path"
    data = parse(result["path"], "toml")
    assert data["mcp_servers"]["postiz-prod"] == {"url": URL + "/" + KEY, "startup_timeout_sec": 30}


def test_home_defaults_to_the_running_user(run, dirs, monkeypatch):
    monkeypatch.setenv("HOME", dirs[0])
    result = run(client="lmstudio", url=URL, api_key=KEY)
    assert result["path"] == os.path.join(dirs[0], ".lmstudio", "mcp.json")


def test_symlinked_client_file_fails_and_its_target_keeps_content_mode_and_owner(run, dirs, tmp_path):
    victim = tmp_path / "daemon.json"
    victim.write_text('{"keep": true}\n')
    os.chmod(str(victim), 0o644)
    link = Path(dirs[0]) / ".claude.json"
    os.symlink(str(victim), str(link))
    result = run(
        client="claude_code", home=dirs[0], url=URL, api_key=KEY, owner="65534", group="65534", backup=True
    )
    assert result["failed"] is True
    assert "symbolic link" in result["msg"] and str(link) in result["msg"]
    info = os.stat(str(victim))
    assert (victim.read_text(), stat.S_IMODE(info.st_mode), info.st_uid) == (
        '{"keep": true}\n',
        0o644,
        os.geteuid(),
    )
    assert sorted(os.listdir(str(tmp_path))) == ["daemon.json", "home", "project"]


def test_backup_is_private_and_sits_beside_the_file(run, dirs):
    path = Path(dirs[0]) / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{"mcpServers": {}}\n')
    os.chmod(str(path), 0o644)
    result = run(client="cursor", home=dirs[0], url=URL, api_key=KEY, backup=True)
    backup = Path(result["backup_file"])
    assert backup.parent == path.parent and backup.name.startswith("mcp.json.") and backup.name.endswith("~")
    assert backup.read_text() == '{"mcpServers": {}}\n'
    assert stat.S_IMODE(os.stat(str(backup)).st_mode) == 0o600
