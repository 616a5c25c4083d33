#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mcp_client_config
short_description: Add the Postiz MCP server to an MCP client's configuration file
version_added: 0.1.0
description:
  - Writes one server entry, named O(server_name), into the configuration file of an MCP client
    (Claude Code, Claude Desktop, Cursor, VS Code, Windsurf, Codex CLI, Gemini CLI, Zed, Continue,
    Goose, Cline or LM Studio), in that client's own format, so the client can use Postiz over MCP.
  - The file is merged, never templated. Other servers, other settings and, for JSONC, TOML and
    YAML, the user's comments are kept byte for byte; only the text of our entry is replaced,
    inserted or removed. The result is parsed again and compared with the intended data before
    anything is written.
  - The file holds the API key, so it is always written with mode C(0600); missing parent
    directories are created with mode C(0700). Writes are atomic (temporary file, then rename).
    A file that cannot be parsed is never written.
  - No link is followed below the home or project directory (below O(home) for a project inside
    it; below the root directory when O(path) lies outside both). The module fails, naming it, when
    the file or a directory on the way is a symbolic link, or the file has other hard links, because
    whoever owns that directory could otherwise point the write, and the change of owner, at any
    file on the host. For a client file that is a link into a dotfiles repository, set O(path) to
    the real file.
  - On the way to the home or project directory, a symbolic link is followed only when nobody but
    root could have made or replaced it (such as C(/home -> /var/home)); a project directory reached
    through a link in a directory its user owns fails the same way.
  - "Whether the key travels in a header (C(Authorization: Bearer <key>) on the base URL) or in the
    path (C(<url>/<key>)) is chosen per client by O(auth=auto); see the role README for the reasons."
extends_documentation_fragment:
  - selfhosted.postiz.attributes
attributes:
  check_mode:
    details:
      - Nothing is written; C(changed) says whether a real run would change the file, its mode or owner.
  diff_mode:
    support: full
    details:
      - The diff shows the whole file before and after, with the API key (and any key found in the
        previous entry) replaced by C(********). The headers show the file mode.
options:
  client:
    description:
      - The MCP client whose file is written.
    type: str
    required: true
    choices: [claude_code, claude_desktop, cline, codex, continue, cursor, gemini, goose, lmstudio, vscode, windsurf, zed]
  scope:
    description:
      - V(user) writes the per-user file under O(home); every client has it.
      - V(project) writes the file inside O(project_dir); only C(claude_code) (C(.mcp.json)),
        C(cursor), C(vscode), C(codex), C(gemini), C(zed) and C(continue) have one.
      - V(local) is Claude Code's private per-project entry in C(~/.claude.json)
        (C(projects[<project_dir>].mcpServers)); only C(claude_code) has it.
    type: str
    choices: [user, project, local]
    default: user
  home:
    description:
      - Home directory of the user whose client is configured. Used for V(user) and V(local) scope.
      - The default is the home directory of the user the module runs as.
    type: path
    default: "~"
  project_dir:
    description:
      - Absolute path of the project, for V(project) and V(local) scope.
    type: path
  path:
    description:
      - Write this file instead of the client's usual one (for example when C(XDG_CONFIG_HOME),
        C(CODEX_HOME) or C(CLAUDE_CONFIG_DIR) moves it). The format and entry are still the client's.
    type: path
  server_name:
    description:
      - Name of the server entry. Letters, digits, C(-) and C(_).
    type: str
    default: postiz
  url:
    description:
      - Base URL of the Postiz MCP endpoint, without the key, for example
        C(https://postiz.example.com/api/mcp). Required when O(state=present).
    type: str
  api_key:
    description:
      - The Postiz organisation API key (Settings > Developers > Public API). Required when
        O(state=present).
    type: str
  auth:
    description:
      - How the key travels. V(auto) picks per client (header for most; path for Continue and Goose).
      - "V(header) sends C(Authorization: Bearer <key>) to O(url). V(path) uses C(<url>/<key>), which
        every client accepts but which puts the key into URLs that clients display and proxies log."
    type: str
    choices: [auto, header, path]
    default: auto
  extra:
    description:
      - "Further keys merged into the entry, for example C({timeout: 120}) for Cline or
        C({startup_timeout_sec: 30}) for Codex. They override the generated keys of the same name."
    type: dict
    default: {}
  mcp_remote_package:
    description:
      - npm package (with version) that C(npx) runs as the stdio bridge for Claude Desktop, whose
        configuration file cannot hold a remote server.
    type: str
    default: mcp-remote@0.15.1
  state:
    description:
      - V(present) adds or updates the entry; V(absent) removes it and nothing else.
    type: str
    choices: [present, absent]
    default: present
  owner:
    description:
      - User (name or uid) that should own the file and any directories created. By default an
        existing file keeps its owner and a new one belongs to the user the module runs as.
    type: str
  group:
    description:
      - Group (name or gid) that should own the file and any directories created.
    type: str
  backup:
    description:
      - Keep a timestamped copy of the file before changing it, beside it, with mode C(0600).
    type: bool
    default: false
notes:
  - Goose and Continue use YAML and need PyYAML on the target. If a YAML file is laid out in a way
    that cannot be edited in place (for example the servers written as a C({...}) flow mapping),
    it is rewritten from its data and a warning says that its comments were not kept.
  - In Codex's TOML file the whole C([mcp_servers.<server_name>]) table is owned by this module;
    comments inside that table are not kept (comments around it are). Put your own settings for it
    in O(extra).
  - Restart or reload the client afterwards; RV(next_step) says how.
"""

EXAMPLES = r"""
- name: Give Claude Code (all projects of this user) the Postiz MCP server
  selfhosted.postiz.mcp_client_config:
    client: claude_code
    scope: user
    url: https://postiz.example.com/api/mcp
    api_key: "{{ postiz_api_key }}"
  no_log: true

- name: Claude Desktop in alice's home, through the mcp-remote bridge
  selfhosted.postiz.mcp_client_config:
    client: claude_desktop
    home: /home/alice
    owner: alice
    group: alice
    url: https://postiz.example.com/api/mcp
    api_key: "{{ postiz_api_key }}"
  no_log: true

- name: Codex for one project, key in the path
  selfhosted.postiz.mcp_client_config:
    client: codex
    scope: project
    project_dir: /srv/work/blog
    auth: path
    url: https://postiz.example.com/api/mcp
    api_key: "{{ postiz_api_key }}"
    extra:
      startup_timeout_sec: 30
  no_log: true

- name: Remove the entry from Zed again
  selfhosted.postiz.mcp_client_config:
    client: zed
    state: absent
"""

RETURN = r"""
path:
  description: The file that was (or would be) written.
  returned: always
  type: str
  sample: /home/alice/.config/Claude/claude_desktop_config.json
format:
  description: Format of the file.
  returned: always
  type: str
  sample: json
auth:
  description: How the key travels, V(header) or V(path). Null when O(state=absent).
  returned: always
  type: str
  sample: header
content_changed:
  description: Whether the text of the file changed (as opposed to only its mode or owner).
  returned: always
  type: bool
  sample: true
next_step:
  description: What the user does so that the client picks the entry up.
  returned: always
  type: str
  sample: Quit Claude Desktop completely and start it again (Node.js/npx must be installed).
backup_file:
  description: Copy of the previous file, when O(backup=true) and the file changed.
  returned: changed and backup requested
  type: str
  sample: /home/alice/.claude.json.12345.2026-11-28@10:00:00~
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._mcp_config import (
    AUTH_MODES,
    CLIENT_IDS,
    DEFAULT_MCP_REMOTE_PACKAGE,
    DEFAULT_SERVER_NAME,
    SCOPES,
    ConfigFile,
    McpConfigError,
    build_entry,
    resolve_target,
    run,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute

ARGUMENT_SPEC = dict(
    client=dict(type="str", required=True, choices=list(CLIENT_IDS)),
    scope=dict(type="str", default="user", choices=list(SCOPES)),
    home=dict(type="path", default="~"),
    project_dir=dict(type="path"),
    path=dict(type="path"),
    server_name=dict(type="str", default=DEFAULT_SERVER_NAME),
    url=dict(type="str"),
    api_key=dict(type="str", no_log=True),
    auth=dict(type="str", default="auto", choices=list(AUTH_MODES)),
    extra=dict(type="dict", default={}),
    mcp_remote_package=dict(type="str", default=DEFAULT_MCP_REMOTE_PACKAGE),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    owner=dict(type="str"),
    group=dict(type="str"),
    backup=dict(type="bool", default=False),
)


def run_module(module):
    """Resolve, merge, write; every decision lives in module_utils._mcp_config."""
    params = module.params
    present = params["state"] == "present"
    try:
        target = resolve_target(
            params["client"],
            params["scope"],
            home=params["home"],
            project_dir=params["project_dir"],
            server_name=params["server_name"],
            path=params["path"],
        )
        entry, auth = None, None
        if present:
            entry, auth = build_entry(
                params["client"],
                params["url"],
                params["api_key"],
                server_name=params["server_name"],
                auth=params["auth"],
                extra=params["extra"],
                mcp_remote_package=params["mcp_remote_package"],
            )
        config_file = ConfigFile(target.path, owner=params["owner"], group=params["group"], base=target.base)
        result = run(
            target,
            config_file,
            entry,
            auth=auth,
            api_key=params["api_key"],
            check_mode=module.check_mode,
            backup=params["backup"],
        )
    except McpConfigError as exc:
        module.fail_json(msg=str(exc))

    for warning in result.warnings:
        module.warn(warning)
    output = dict(
        changed=result.changed,
        path=target.path,
        format=target.format,
        auth=auth,
        content_changed=result.content_changed,
        next_step=target.client.next_step,
    )
    if result.backup_file:
        output["backup_file"] = result.backup_file
    if module._diff:
        output["diff"] = result.diff
    module.exit_json(**output)


def main():
    execute(ARGUMENT_SPEC, run_module, required_if=[("state", "present", ("url", "api_key"))])


if __name__ == "__main__":
    main()
