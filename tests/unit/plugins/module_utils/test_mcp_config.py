# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every client x scope: fresh file, other servers and settings kept, comments kept,
idempotence, removal of ours only, invalid files untouched, 0600, masked diffs.

Written files are read back with real parsers: ``json`` (strict), ``tomllib`` and
PyYAML; JSONC goes through an independent comment stripper before ``json``.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path

import pytest
import yaml

from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _jsonc_edit as jsonc_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _mcp_config as mcp_config,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _toml_edit as toml_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _yaml_edit as yaml_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_config import (
    CLIENTS,
    ConfigFile,
    McpConfigError,
    build_entry,
    resolve_target,
    run,
)

URL = "http://localhost:4007/api/mcp"
KEY = "a" * 32 + "0123456789abcdef0123456789abcdef"
OTHER_KEY = "f" * 64
REPO = Path(__file__).resolve().parents[4]

TARGETS = [(client, scope) for client in sorted(CLIENTS) for scope in sorted(CLIENTS[client].scopes)]
IDS = ["{}-{}".format(*pair) for pair in TARGETS]


# -- helpers -----------------------------------------------------------------


@pytest.fixture
def dirs(tmp_path):
    home = tmp_path / "home"
    project = tmp_path / "work" / "project"
    home.mkdir()
    project.mkdir(parents=True)
    return home, project


def target_for(client, scope, dirs, **kwargs):
    home, project = dirs
    return resolve_target(client, scope, home=str(home), project_dir=str(project), system="Linux", **kwargs)


def apply(target, key=KEY, state="present", check_mode=False, owner=None, group=None, **kwargs):
    entry = None
    auth = None
    if state == "present":
        entry, auth = build_entry(target.client.id, URL, key, server_name=target.name, **kwargs)
    return run(
        target,
        ConfigFile(target.path, owner=owner, group=group, base=target.base),
        entry,
        auth=auth,
        api_key=key,
        check_mode=check_mode,
    )


def strip_jsonc(text):
    """Independent of jsonc_edit: drop comments and trailing commas outside strings."""
    out, i, in_string = [], 0, False
    while i < len(text):
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(char)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def load(target):
    text = Path(target.path).read_text(encoding="utf-8")
    if target.format == "json":
        return json.loads(text)
    if target.format == "jsonc":
        return json.loads(strip_jsonc(text))
    if target.format == "toml":
        return tomllib.loads(text)
    return yaml.safe_load(text)


def servers(data, target):
    """name -> entry of every server in the parsed file."""
    if target.client.id == "continue":
        return {item["name"]: item for item in data.get("mcpServers") or []}
    node = data
    for key in target.keys[:-1]:
        node = (node or {}).get(key) or {}
    return node


OTHER_SERVER = {"command": "npx", "args": ["-y", "other-server"]}
OTHER_CONTINUE = {"name": "other", "type": "sse", "url": "https://other.example/sse"}


def seed_text(target):
    """An existing file with another server, a setting and (where the format allows) comments."""
    fmt = target.format
    if fmt == "json":
        data = {"keepme": {"theme": "dark", "numbers": [1, 2.5, True, None]}}
        node = data
        for key in target.keys[:-1]:
            node = node.setdefault(key, {})
        node["other"] = OTHER_SERVER
        if target.scope == "local":
            data["projects"][target.project_dir]["allowedTools"] = []
        return json.dumps(data, indent=2) + "\n"
    if fmt == "jsonc":
        return (
            "// user settings\n"
            "{\n"
            "  /* block comment */\n"
            '  "keepme": {"theme": "dark", "numbers": [1, 2.5, true, null]}, // trailing comment\n'
            f'  "{target.client.container}": {{\n'
            "    // the other server\n"
            '    "other": {"command": "npx", "args": ["-y", "other-server",],},\n'
            "  },\n"
            "}\n"
        )
    if fmt == "toml":
        return (
            "# Codex configuration\n"
            'model = "o3"  # keep this\n'
            'notes = """\n[mcp_servers.postiz]\nnot a table\n"""\n'
            "\n"
            "[keepme]\n"
            'theme = "dark"\n'
            "numbers = [1, 2.5, true]\n"
            "\n"
            "# the other server\n"
            "[mcp_servers.other]\n"
            'command = "npx"\n'
            'args = ["-y", "other-server"]\n'
        )
    if target.client.id == "goose":
        return (
            "# goose configuration\n"
            "keepme:\n"
            "  theme: dark  # keep this\n"
            "  numbers: [1, 2.5, true, null]\n"
            "extensions:\n"
            "  # the other server\n"
            "  other:\n"
            "    command: npx\n"
            "    args:\n"
            "      - -y\n"
            "      - other-server\n"
        )
    return (
        "# continue configuration\n"
        "name: Local Config\n"
        "version: 1.0.0\n"
        "schema: v1\n"
        "keepme:\n"
        "  theme: dark  # keep this\n"
        "  numbers: [1, 2.5, true, null]\n"
        "mcpServers:\n"
        "  # the other server\n"
        "  - name: other\n"
        "    type: sse\n"
        "    url: https://other.example/sse\n"
    )


def seed(target):
    os.makedirs(os.path.dirname(target.path), exist_ok=True)
    text = seed_text(target)
    Path(target.path).write_text(text, encoding="utf-8")
    os.chmod(target.path, 0o600)
    return text


def comment_lines(text):
    return [line.strip() for line in text.splitlines() if "#" in line or "//" in line or "/*" in line]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def expected_entry(target, key=KEY):
    return build_entry(target.client.id, URL, key, server_name=target.name)[0]


INVALID = {
    "json": '{"mcpServers": {"other": {}},,}\n',
    "jsonc": '{\n  // fine\n  "a": [1, 2\n}\n',
    "toml": '[mcp_servers.other\ncommand = "npx"\n',
    "yaml": "extensions:\n  other: [unclosed\nmcpServers: x: y\n",
}


# -- every client x scope ------------------------------------------------------------


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_fresh_file(client, scope, dirs):
    target = target_for(client, scope, dirs)
    result = apply(target)
    assert result.changed and result.content_changed
    assert mode_of(target.path) == 0o600
    assert servers(load(target), target)["postiz"] == expected_entry(target)
    # Directories the module created are private; existing ones are left alone.
    home, project = dirs
    created = Path(target.path).parent
    while created not in (home, project):
        assert mode_of(str(created)) == 0o700
        created = created.parent


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_keeps_other_servers_settings_and_comments(client, scope, dirs):
    target = target_for(client, scope, dirs)
    original = seed(target)
    before = load(target)
    apply(target)
    after_text = Path(target.path).read_text(encoding="utf-8")
    after = load(target)
    assert servers(after, target)["other"] == servers(before, target)["other"]
    assert after["keepme"] == before["keepme"]
    assert servers(after, target)["postiz"] == expected_entry(target)
    # Every line of the original file is still there, in order (pure insertion).
    lines = after_text.splitlines()
    position = 0
    for line in original.splitlines():
        while position < len(lines) and lines[position].rstrip(",") != line.rstrip(","):
            position += 1
        assert position < len(lines), f"lost line {line!r}"
    for comment in comment_lines(original):
        assert comment in after_text


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_second_write_changes_nothing(client, scope, dirs):
    target = target_for(client, scope, dirs)
    seed(target)
    assert apply(target).changed
    first = Path(target.path).read_bytes()
    second = apply(target)
    assert not second.changed and not second.content_changed
    assert Path(target.path).read_bytes() == first


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_present_then_absent_restores_the_file(client, scope, dirs):
    target = target_for(client, scope, dirs)
    original = seed(target)
    apply(target)
    result = apply(target, state="absent")
    assert result.changed
    assert Path(target.path).read_text(encoding="utf-8") == original
    after = load(target)
    assert "postiz" not in servers(after, target)
    assert servers(after, target)["other"]
    assert not apply(target, state="absent").changed


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_absent_without_file_creates_nothing(client, scope, dirs):
    target = target_for(client, scope, dirs)
    assert not apply(target, state="absent").changed
    assert not os.path.exists(target.path)


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_invalid_file_is_left_untouched(client, scope, dirs):
    target = target_for(client, scope, dirs)
    os.makedirs(os.path.dirname(target.path), exist_ok=True)
    Path(target.path).write_text(INVALID[target.format], encoding="utf-8")
    os.chmod(target.path, 0o644)
    with pytest.raises(McpConfigError) as error:
        apply(target)
    assert target.path in str(error.value)
    assert "left untouched" in str(error.value)
    assert Path(target.path).read_text(encoding="utf-8") == INVALID[target.format]
    assert mode_of(target.path) == 0o644


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_key_change_updates_only_ours_and_diff_masks_both_keys(client, scope, dirs):
    target = target_for(client, scope, dirs)
    seed(target)
    apply(target, key=OTHER_KEY)
    result = apply(target, key=KEY)
    assert result.changed
    assert servers(load(target), target)["postiz"] == expected_entry(target)
    diff = result.diff
    for text in (diff["before"], diff["after"]):
        assert KEY not in text and OTHER_KEY not in text
    assert mcp_config.MASK in diff["after"] and mcp_config.MASK in diff["before"]
    # The texts look alike once masked; the header says that a masked value changed.
    assert diff["before"] == diff["after"]
    assert diff["after_header"].endswith("a masked value changed")


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_check_mode_writes_nothing_and_predicts_changed(client, scope, dirs):
    target = target_for(client, scope, dirs)
    result = apply(target, check_mode=True)
    assert result.changed
    assert not os.path.exists(target.path)
    assert not os.path.exists(os.path.dirname(target.path)) or os.listdir(os.path.dirname(target.path)) == []
    apply(target)
    assert not apply(target, check_mode=True).changed


@pytest.mark.parametrize("client, scope", TARGETS, ids=IDS)
def test_mode_is_repaired_to_0600(client, scope, dirs):
    target = target_for(client, scope, dirs)
    apply(target)
    os.chmod(target.path, 0o644)
    assert apply(target, check_mode=True).changed
    assert mode_of(target.path) == 0o644
    result = apply(target)
    assert result.changed and not result.content_changed and result.drift == ["mode"]
    assert mode_of(target.path) == 0o600


# -- entry shapes (per CLIENTS.md) ------------------------------------------------------


def test_entry_shapes():
    bearer = {"Authorization": "Bearer " + KEY}
    keyed = URL + "/" + KEY
    assert build_entry("claude_code", URL, KEY) == ({"type": "http", "url": URL, "headers": bearer}, "header")
    assert build_entry("cursor", URL, KEY)[0] == {"type": "http", "url": URL, "headers": bearer}
    assert build_entry("vscode", URL, KEY)[0] == {"type": "http", "url": URL, "headers": bearer}
    assert build_entry("windsurf", URL, KEY)[0] == {"serverUrl": URL, "headers": bearer}
    assert build_entry("codex", URL, KEY)[0] == {"url": URL, "http_headers": bearer}
    assert build_entry("gemini", URL, KEY)[0] == {"url": URL, "type": "http", "headers": bearer}
    assert build_entry("zed", URL, KEY)[0] == {"url": URL, "headers": bearer}
    assert build_entry("lmstudio", URL, KEY)[0] == {"url": URL, "headers": bearer}
    assert build_entry("cline", URL, KEY)[0] == {
        "type": "streamableHttp",
        "url": URL,
        "headers": bearer,
        "disabled": False,
        "autoApprove": [],
        "timeout": 60,
    }
    assert build_entry("continue", URL, KEY) == (
        {"name": "postiz", "type": "streamable-http", "url": keyed},
        "path",
    )
    goose, auth = build_entry("goose", URL, KEY)
    assert auth == "path" and goose["type"] == "streamable_http" and goose["uri"] == keyed
    assert goose["headers"] == {} and goose["enabled"] is True and goose["name"] == "postiz"


def test_claude_desktop_bridges_with_the_key_in_env_not_args():
    entry, auth = build_entry("claude_desktop", URL, KEY)
    assert auth == "header"
    assert entry == {
        "command": "npx",
        "args": ["-y", "mcp-remote@0.15.1", URL, "--header", "Authorization:${POSTIZ_AUTH}"],
        "env": {"POSTIZ_AUTH": "Bearer " + KEY},
    }
    assert not any(KEY in arg for arg in entry["args"])


def test_claude_desktop_allows_http_only_where_mcp_remote_needs_it():
    remote = build_entry("claude_desktop", "http://postiz.lan:4007/api/mcp", KEY)[0]
    assert remote["args"][-1] == "--allow-http"
    tls = build_entry("claude_desktop", "https://postiz.example.com/api/mcp", KEY)[0]
    assert "--allow-http" not in tls["args"]
    loopback = build_entry("claude_desktop", "http://127.0.0.1:4007/api/mcp", KEY)[0]
    assert "--allow-http" not in loopback["args"]


def test_path_and_header_overrides():
    assert build_entry("cursor", URL + "/", KEY, auth="path")[0] == {"type": "http", "url": URL + "/" + KEY}
    assert build_entry("continue", URL, KEY, auth="header")[0] == {
        "name": "postiz",
        "type": "streamable-http",
        "url": URL,
        "requestOptions": {"headers": {"Authorization": "Bearer " + KEY}},
    }
    bridge = build_entry("claude_desktop", URL, KEY, auth="path")[0]
    assert bridge == {"command": "npx", "args": ["-y", "mcp-remote@0.15.1", URL + "/" + KEY]}


def test_codex_never_gets_fields_that_break_it():
    for auth in ("header", "path"):
        entry = build_entry("codex", URL, KEY, auth=auth)[0]
        assert not set(entry) & {"bearer_token", "headers", "type"}


def test_extra_keys_are_merged():
    entry = build_entry("cline", URL, KEY, extra={"timeout": 120, "autoApprove": ["postsListTool"]})[0]
    assert entry["timeout"] == 120 and entry["autoApprove"] == ["postsListTool"]
    with pytest.raises(McpConfigError, match="server_name"):
        build_entry("continue", URL, KEY, extra={"name": "x"})


# -- locations ------------------------------------------------------------------


def test_paths_per_client_and_scope(dirs):
    home, project = str(dirs[0]), str(dirs[1])
    expected = {
        ("claude_code", "user"): home + "/.claude.json",
        ("claude_code", "local"): home + "/.claude.json",
        ("claude_code", "project"): project + "/.mcp.json",
        ("claude_desktop", "user"): home + "/.config/Claude/claude_desktop_config.json",
        ("cline", "user"): home + "/.cline/data/settings/cline_mcp_settings.json",
        ("codex", "user"): home + "/.codex/config.toml",
        ("codex", "project"): project + "/.codex/config.toml",
        ("continue", "user"): home + "/.continue/config.yaml",
        ("continue", "project"): project + "/.continue/mcpServers/postiz.yaml",
        ("cursor", "user"): home + "/.cursor/mcp.json",
        ("cursor", "project"): project + "/.cursor/mcp.json",
        ("gemini", "user"): home + "/.gemini/settings.json",
        ("gemini", "project"): project + "/.gemini/settings.json",
        ("goose", "user"): home + "/.config/goose/config.yaml",
        ("lmstudio", "user"): home + "/.lmstudio/mcp.json",
        ("vscode", "user"): home + "/.config/Code/User/mcp.json",
        ("vscode", "project"): project + "/.vscode/mcp.json",
        ("windsurf", "user"): home + "/.codeium/windsurf/mcp_config.json",
        ("zed", "user"): home + "/.config/zed/settings.json",
        ("zed", "project"): project + "/.zed/settings.json",
    }
    assert sorted(expected) == sorted(TARGETS)
    for (client, scope), path in expected.items():
        assert target_for(client, scope, dirs).path == path


def test_macos_paths(dirs):
    home = str(dirs[0])
    desktop = resolve_target("claude_desktop", "user", home=home, system="Darwin")
    assert desktop.path == home + "/Library/Application Support/Claude/claude_desktop_config.json"
    vscode = resolve_target("vscode", "user", home=home, system="Darwin")
    assert vscode.path == home + "/Library/Application Support/Code/User/mcp.json"


def test_claude_code_local_scope_lands_under_the_project(dirs):
    target = target_for("claude_code", "local", dirs)
    apply(target)
    data = load(target)
    assert data["projects"][str(dirs[1])]["mcpServers"]["postiz"] == expected_entry(target)
    assert "mcpServers" not in data


def test_continue_project_block_has_its_header(dirs):
    target = target_for("continue", "project", dirs)
    apply(target)
    data = load(target)
    assert data["schema"] == "v1" and data["version"] == "0.0.1" and data["name"]
    assert data["mcpServers"] == [expected_entry(target)]


def test_path_override_and_server_name(dirs, tmp_path):
    custom = str(tmp_path / "elsewhere" / "codex.toml")
    target = target_for("codex", "user", dirs, path=custom, server_name="postiz-prod")
    apply(target)
    assert tomllib.loads(Path(custom).read_text())["mcp_servers"]["postiz-prod"] == expected_entry(target)


# -- validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(client_id="nope", scope="user"), "Unknown MCP client"),
        (dict(client_id="windsurf", scope="project"), "no project-level"),
        (dict(client_id="cursor", scope="local"), "no local-level"),
        (dict(client_id="cursor", scope="project", project_dir=None), "needs project_dir"),
        (dict(client_id="cursor", scope="project", project_dir="relative/dir"), "absolute"),
        (dict(client_id="cursor", scope="user", home="relative"), "absolute"),
        (dict(client_id="cursor", scope="user", server_name="bad name"), "server_name"),
        (dict(client_id="cursor", scope="user", path="rel/mcp.json"), "absolute"),
    ],
)
def test_target_errors(kwargs, message):
    arguments = dict(home="/home/u", project_dir="/srv/p")
    arguments.update(kwargs)
    with pytest.raises(McpConfigError, match=message):
        resolve_target(**arguments)


@pytest.mark.parametrize(
    "url, key, message",
    [
        ("ftp://x/api/mcp", KEY, "http"),
        ("http://x/api/mcp?x=1", KEY, "http"),
        ("http://x/api/mcp/" + KEY, KEY, "already contains"),
        (URL, "short", "api_key"),
        (URL, "abc$HOME" + "x" * 10, "api_key"),
        (URL, "has space" + "x" * 10, "api_key"),
    ],
)
def test_entry_errors(url, key, message):
    with pytest.raises(McpConfigError, match=message):
        build_entry("cursor", url, key)


def test_strict_json_client_rejects_comments_and_keeps_file(dirs):
    target = target_for("cursor", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    text = '{\n  // Cursor reads plain JSON\n  "mcpServers": {}\n}\n'
    Path(target.path).write_text(text)
    with pytest.raises(McpConfigError, match="comments are not allowed"):
        apply(target)
    assert Path(target.path).read_text() == text


def test_json_top_level_must_be_an_object(dirs):
    target = target_for("gemini", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text("[]\n")
    with pytest.raises(McpConfigError, match="object"):
        apply(target)


def test_json_container_of_wrong_type_is_refused(dirs):
    target = target_for("gemini", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text('{"mcpServers": []}\n')
    with pytest.raises(McpConfigError, match='"mcpServers" is a list'):
        apply(target)


def test_not_utf8_is_refused(dirs):
    target = target_for("lmstudio", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_bytes(b'{"a": "\xff"}')
    with pytest.raises(McpConfigError, match="UTF-8"):
        apply(target)


@pytest.mark.parametrize("scope", ["user", "project"])
def test_missing_home_or_project_is_an_error_not_created(dirs, tmp_path, scope):
    missing = str(tmp_path / "typo")
    target = resolve_target("cursor", scope, home=missing, project_dir=missing, system="Linux")
    with pytest.raises(McpConfigError, match="does not exist"):
        apply(target)
    assert not os.path.exists(missing)


def test_directory_in_the_way(dirs):
    target = target_for("lmstudio", "user", dirs)
    Path(os.path.dirname(target.path)).write_text("a file where the directory should be")
    with pytest.raises(McpConfigError, match="in the way"):
        apply(target)


# -- file handling ------------------------------------------------------------------

# Root writes these files into users' homes and projects, whose owners control every name
# below them: a link there could aim the write (and the chown) at any file on the host.


def _outside(tmp_path, text='{"keep": true}\n'):
    """A root-owned 0644 file outside the home and project, as /etc/docker/daemon.json is."""
    outside = tmp_path / "etc" / "docker"
    outside.mkdir(parents=True)
    victim = outside / "daemon.json"
    victim.write_text(text)
    os.chmod(str(victim), 0o644)
    return victim


def _untouched(path, text, mode=0o644, uid=None):
    info = os.lstat(str(path))
    assert Path(path).read_text() == text
    assert stat.S_IMODE(info.st_mode) == mode
    assert info.st_uid == (os.geteuid() if uid is None else uid)


@pytest.mark.parametrize("owner", [None, "65534"])
def test_symlinked_file_is_refused_and_its_target_untouched(dirs, tmp_path, owner):
    victim = _outside(tmp_path)
    target = target_for("cursor", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    os.symlink(str(victim), target.path)
    with pytest.raises(McpConfigError, match="symbolic link") as error:
        apply(target, owner=owner, group=owner)
    assert target.path in str(error.value)
    _untouched(victim, '{"keep": true}\n')
    assert os.path.islink(target.path)


def test_symlink_already_holding_our_entry_is_not_chmodded_or_chowned(dirs, tmp_path):
    """The old code only fixed mode and owner here, through the link."""
    target = target_for("cursor", "user", dirs)
    text = json.dumps({"mcpServers": {"postiz": expected_entry(target)}}, indent=2) + "\n"
    victim = _outside(tmp_path, text)
    os.makedirs(os.path.dirname(target.path))
    os.symlink(str(victim), target.path)
    with pytest.raises(McpConfigError, match="symbolic link"):
        apply(target, owner="65534", group="65534")
    _untouched(victim, text)


@pytest.mark.parametrize(
    "client, scope, linked",
    [
        ("cursor", "user", ".cursor"),
        ("claude_desktop", "user", ".config"),
        ("vscode", "project", ".vscode"),
        ("continue", "project", ".continue"),
    ],
)
def test_symlinked_directory_is_refused_and_nothing_is_created_behind_it(
    dirs, tmp_path, client, scope, linked
):
    outside = tmp_path / "etc" / "cron.d"
    outside.mkdir(parents=True)
    os.chmod(str(outside), 0o755)
    anchor = dirs[0] if scope == "user" else dirs[1]
    os.symlink(str(outside), os.path.join(str(anchor), linked))
    target = target_for(client, scope, dirs)
    for check_mode in (True, False):
        with pytest.raises(McpConfigError, match="symbolic link") as error:
            apply(target, owner="65534", group="65534", check_mode=check_mode)
        assert os.path.join(str(anchor), linked) in str(error.value)
    assert os.listdir(str(outside)) == []
    info = os.stat(str(outside))
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (os.geteuid(), 0o755)


def test_linked_directory_of_a_project_inside_the_home_is_refused(dirs, tmp_path):
    """A project under the home is reached from the home: its own path holds no link either."""
    home = dirs[0]
    outside = tmp_path / "root"
    outside.mkdir()
    os.symlink(str(outside), str(home / "work"))
    (outside / "blog").mkdir()
    target = resolve_target(
        "codex", "project", home=str(home), project_dir=str(home / "work" / "blog"), system="Linux"
    )
    with pytest.raises(McpConfigError, match="symbolic link"):
        apply(target)
    assert os.listdir(str(outside / "blog")) == []


def test_explicit_path_through_a_link_is_refused(dirs, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(str(real), str(tmp_path / "linked"))
    target = target_for("zed", "user", dirs, path=str(tmp_path / "linked" / "settings.json"))
    with pytest.raises(McpConfigError, match="symbolic link"):
        apply(target)
    assert os.listdir(str(real)) == []


def test_a_project_reached_through_a_link_its_user_could_swap_is_refused(tmp_path):
    """A project outside the home, in a directory its user owns: the user can replace the
    project directory by a link to /root, and the project files would land in root's home."""
    outside = tmp_path / "root"
    outside.mkdir()
    work = tmp_path / "srv" / "work"
    work.mkdir(parents=True)
    os.chown(str(work), 65534, 65534)
    os.symlink(str(outside), str(work / "blog"))
    os.lchown(str(work / "blog"), 65534, 65534)
    home = tmp_path / "home"
    home.mkdir()
    target = resolve_target(
        "codex", "project", home=str(home), project_dir=str(work / "blog"), system="Linux"
    )
    with pytest.raises(McpConfigError, match="symbolic link") as error:
        apply(target, owner="65534", group="65534")
    assert str(work / "blog") in str(error.value)
    assert os.listdir(str(outside)) == []


def test_links_only_root_could_make_on_the_way_to_the_home_are_followed(tmp_path):
    """Like /home -> /var/home: made by root in a directory only root can change."""
    real = tmp_path / "var" / "home"
    (real / "alice").mkdir(parents=True)
    os.chmod(str(tmp_path), 0o755)
    os.symlink(str(real), str(tmp_path / "home"))
    target = resolve_target("cursor", "user", home=str(tmp_path / "home" / "alice"), system="Linux")
    apply(target)
    assert (real / "alice" / ".cursor" / "mcp.json").is_file()


def test_hard_link_to_another_file_is_refused(dirs, tmp_path):
    victim = _outside(tmp_path)
    target = target_for("claude_code", "user", dirs)
    os.link(str(victim), target.path)
    with pytest.raises(McpConfigError, match="hard link"):
        apply(target, owner="65534", group="65534")
    _untouched(victim, '{"keep": true}\n')


def test_dotfiles_link_works_through_path_pointing_at_the_real_file(dirs, tmp_path):
    """The way out for a user whose client file is a link into a dotfiles repository."""
    home = dirs[0]
    real = home / "dotfiles" / "zed-settings.json"
    real.parent.mkdir()
    real.write_text('{\n  // from my dotfiles\n  "theme": "One Dark"\n}\n')
    link = home / ".config" / "zed" / "settings.json"
    link.parent.mkdir(parents=True)
    os.symlink(str(real), str(link))
    with pytest.raises(McpConfigError, match="set path to the real file"):
        apply(target_for("zed", "user", dirs))
    apply(target_for("zed", "user", dirs, path=str(real)))
    assert os.path.islink(str(link))
    assert "// from my dotfiles" in real.read_text()
    assert mode_of(str(real)) == 0o600


def test_byte_order_mark_is_kept(dirs):
    target = target_for("vscode", "project", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text('\ufeff{\n  "servers": {}\n}\n', encoding="utf-8")
    apply(target)
    assert Path(target.path).read_text(encoding="utf-8").startswith("\ufeff{")
    assert not apply(target).changed


def test_compact_single_line_json_stays_single_line(dirs):
    target = target_for("claude_code", "user", dirs)
    Path(target.path).write_text(
        '{"userID":"x","projects":{},"mcpServers":{"other":{"type":"http","url":"u"}}}'
    )
    apply(target)
    text = Path(target.path).read_text()
    assert "\n" not in text.strip()
    assert json.loads(text)["mcpServers"]["postiz"] == expected_entry(target)


def test_project_scope_warns_about_version_control(dirs):
    target = target_for("cursor", "project", dirs)
    result = apply(target)
    assert any("version control" in warning for warning in result.warnings)
    assert not apply(target).warnings


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to change owners")
def test_owner_applies_to_file_and_created_directories(dirs):
    os.chmod(str(dirs[0]), 0o755)
    target = target_for("claude_desktop", "user", dirs)
    apply(target, owner="65534", group="65534")
    for path in (target.path, os.path.dirname(target.path), os.path.dirname(os.path.dirname(target.path))):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid) == (65534, 65534)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to change owners")
def test_root_keeps_the_owner_of_an_existing_file(dirs):
    target = target_for("claude_code", "user", dirs)
    Path(target.path).write_text('{"userID": "x"}\n')
    os.chown(target.path, 65534, 65534)
    apply(target)
    info = os.stat(target.path)
    assert (info.st_uid, info.st_gid) == (65534, 65534)
    assert apply(target, owner="0").changed
    assert os.stat(target.path).st_uid == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_root_creating_in_someone_elses_home_is_warned(dirs):
    os.chown(str(dirs[0]), 65534, 65534)
    target = target_for("cursor", "user", dirs)
    result = apply(target, check_mode=True)
    assert any("set owner" in warning for warning in result.warnings)


# -- format specifics -----------------------------------------------------------------


def test_jsonc_zed_settings_realistic(dirs):
    target = target_for("zed", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    original = (
        "// Zed settings\n//\n// For information on how to configure Zed, see the Zed\n"
        "// documentation: https://zed.dev/docs/configuring-zed\n"
        '{\n  "ui_font_size": 16,\n  "buffer_font_size": 15,\n  "theme": {\n    "mode": "system",\n'
        '    "light": "One Light",\n    "dark": "One Dark", // trailing comma next\n  },\n}\n'
    )
    Path(target.path).write_text(original)
    apply(target)
    text = Path(target.path).read_text()
    assert text.startswith(original[: original.index("{")])
    assert '"dark": "One Dark", // trailing comma next' in text
    data = load(target)
    assert data["context_servers"]["postiz"] == expected_entry(target)
    assert data["theme"]["dark"] == "One Dark"


def test_jsonc_vscode_inputs_are_kept(dirs):
    target = target_for("vscode", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text(
        '{\n\t"servers": {\n\t\t"github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}\n\t},\n'
        '\t"inputs": [\n\t\t{"type": "promptString", "id": "tok", "password": true}\n\t]\n}\n'
    )
    apply(target)
    text = Path(target.path).read_text()
    assert '\t\t"postiz": {\n\t\t\t"type": "http",' in text
    data = load(target)
    assert data["inputs"][0]["id"] == "tok" and "github" in data["servers"]


def test_toml_without_tomllib_still_merges(dirs, monkeypatch):
    monkeypatch.setattr(toml_edit, "load_reference", lambda text: None)
    target = target_for("codex", "user", dirs)
    seed(target)
    apply(target)
    assert tomllib.loads(Path(target.path).read_text())["mcp_servers"]["postiz"] == expected_entry(target)
    assert not apply(target).changed


def test_toml_inline_definition_is_refused(dirs):
    target = target_for("codex", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    text = '[mcp_servers]\npostiz = { url = "http://old/api/mcp" }\n'
    Path(target.path).write_text(text)
    with pytest.raises(McpConfigError, match=r"\[mcp_servers.postiz\] table"):
        apply(target)
    assert Path(target.path).read_text() == text


def test_toml_our_table_is_replaced_with_its_subtables(dirs):
    target = target_for("codex", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text(
        'model = "o3"\n\n[mcp_servers.postiz]\nurl = "http://old/api/mcp"\nbearer_token = "x"\n\n'
        '[mcp_servers.postiz.env]\nA = "b"\n\n# other\n[mcp_servers.other]\ncommand = "npx"\n'
    )
    apply(target)
    data = tomllib.loads(Path(target.path).read_text())
    assert data["mcp_servers"]["postiz"] == expected_entry(target)
    assert data["mcp_servers"]["other"] == {"command": "npx"}
    assert "# other\n[mcp_servers.other]" in Path(target.path).read_text()


def test_yaml_flow_style_is_rewritten_with_a_warning(dirs):
    target = target_for("goose", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text("# gone after rewrite\nextensions: {other: {cmd: npx}}\nGOOSE_MODE: auto\n")
    result = apply(target)
    assert any("comments" in warning for warning in result.warnings)
    data = load(target)
    assert data["extensions"]["other"] == {"cmd": "npx"} and data["GOOSE_MODE"] == "auto"
    assert data["extensions"]["postiz"] == expected_entry(target)
    assert not apply(target).changed


def test_yaml_continue_duplicates_are_collapsed(dirs):
    target = target_for("continue", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    Path(target.path).write_text(
        "name: c\nversion: 1.0.0\nschema: v1\nmcpServers:\n- name: postiz\n  url: old1\n"
        "- name: other\n  url: x\n- name: postiz\n  url: old2\n"
    )
    apply(target)
    data = load(target)
    assert [item["name"] for item in data["mcpServers"]] == ["postiz", "other"]
    assert data["mcpServers"][0] == expected_entry(target)


def test_yaml_goose_real_layout_keeps_everything(dirs):
    target = target_for("goose", "user", dirs)
    os.makedirs(os.path.dirname(target.path))
    original = (
        "GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude-sonnet\nextensions:\n  developer:\n    bundled: true\n"
        "    display_name: Developer\n    enabled: true\n    name: developer\n    timeout: 300\n    type: builtin\n"
        "  # memory is off for now\n  memory:\n    enabled: false\n    name: memory\n    type: builtin\n"
        "GOOSE_MODE: smart_approve\n"
    )
    Path(target.path).write_text(original)
    apply(target)
    text = Path(target.path).read_text()
    assert text.startswith(original[: original.index("GOOSE_MODE")])
    assert text.endswith("GOOSE_MODE: smart_approve\n")
    assert "  # memory is off for now\n" in text


def test_missing_pyyaml_gives_a_clear_message(dirs, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "yaml":
            raise ImportError("No module named yaml")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    target = target_for("goose", "user", dirs)
    with pytest.raises(McpConfigError, match="PyYAML"):
        apply(target)
    assert not os.path.exists(target.path)


def test_secret_strings_finds_keys_in_every_shape():
    found = mcp_config.secret_strings(
        {
            "url": "https://h/api/mcp/" + KEY,
            "headers": {"Authorization": "Bearer " + OTHER_KEY},
            "env": {"POSTIZ_AUTH": "Bearer zzzzzzzz"},
            "apiKey": "yyyyyyyy",
            "args": ["--header", "Authorization:${POSTIZ_AUTH}"],
        }
    )
    assert found == {KEY, OTHER_KEY, "zzzzzzzz", "yyyyyyyy"}


# -- the role's copy of the scope table ---------------------------------------------------


def test_role_scope_table_matches_the_module():
    role_vars = yaml.safe_load((REPO / "roles" / "mcp_client" / "vars" / "main.yml").read_text())
    assert {client: sorted(scopes) for client, scopes in role_vars["__mcp_client_scopes"].items()} == {
        client.id: sorted(client.scopes) for client in CLIENTS.values()
    }
    specs = yaml.safe_load((REPO / "roles" / "mcp_client" / "meta" / "argument_specs.yml").read_text())
    choices = specs["argument_specs"]["main"]["options"]["mcp_client_targets"]["options"]["client"]["choices"]
    assert choices == list(mcp_config.CLIENT_IDS)


# -- the JSONC editor on its own ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "{ }",
        "{\n}\n",
        '{"a": 1}',
        '{\n  "a": 1 // note\n}\n',
        '{\n  "a": 1,\n}\n',
        '{\n  "a": {\n    // only a comment\n  }\n}\n',
        '/* head */ {"a": [1, {"b": null}]}',
    ],
)
def test_jsonc_set_and_remove_round_trip(text):
    new = jsonc_edit.set_member(
        text, ["a", "postiz"] if '"a": {' in text else ["x", "postiz"], {"k": [1, True]}, jsonc=True
    )
    data = json.loads(strip_jsonc(new))
    path = ["a", "postiz"] if '"a": {' in text else ["x", "postiz"]
    assert data[path[0]][path[1]] == {"k": [1, True]}
    removed = jsonc_edit.remove_member(new, path, jsonc=True)
    assert path[1] not in json.loads(strip_jsonc(removed)).get(path[0], {})


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"a": 1', "unterminated object"),
        ('{"a": "x\n"}', "line break inside a string"),
        ('{"a": 1} x', "unexpected text"),
        ("{a: 1}", "quoted"),
        ("/* open", "unterminated"),
    ],
)
def test_jsonc_errors_have_positions(text, message):
    with pytest.raises(jsonc_edit.JsoncError, match=message) as error:
        jsonc_edit.parse(text, jsonc=True)
    assert error.value.line is not None


def test_strict_equal_tells_booleans_from_numbers():
    assert jsonc_edit.strict_equal({"a": [1, True]}, {"a": [1, True]})
    assert not jsonc_edit.strict_equal({"a": 1}, {"a": True})
    assert not jsonc_edit.strict_equal({"a": 1}, {"a": 1.0})


def test_yaml_plain_scalars_read_back():
    for value in ("yes", "null", "1.0", "a: b", "x #y", "Local Config", "", "http://h:1/a"):
        rendered = yaml_edit.render_scalar(value)
        assert yaml.safe_load("k: " + rendered)["k"] == value
