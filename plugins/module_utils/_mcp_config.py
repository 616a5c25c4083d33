# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where each MCP client keeps its servers, what the Postiz entry looks like, and the merge.

Pure logic, no AnsibleModule: the module ``selfhosted.postiz.mcp_client_config``
is a thin wrapper. The facts (paths, formats, entry shapes) come from the
collection's MCP client notes; the per-client table in
``roles/mcp_client/README.md`` says the same in prose.

How the API key travels. Postiz serves one MCP endpoint two ways:
``<base>/mcp/<KEY>`` (key in the path) and ``<base>/mcp`` with
``Authorization: Bearer <KEY>`` (key in a header). The header form keeps the
key out of URLs, which clients print (``claude mcp list``, settings panes) and
proxies log, so it is the default wherever the client sends headers reliably.
Continue uses the path form (header auth on remote servers fails for some
users) and Goose too (its documented entry puts the key in ``uri``).

Guarantees of :func:`plan` / :class:`ConfigFile`:

* only our entry changes; other servers, settings and comments are kept, by
  editing the text in place (see jsonc_edit, toml_edit, yaml_edit) and then
  re-parsing the result to prove that exactly the intended data changed;
* a file that cannot be parsed is never written;
* the file is 0600 (it holds the key) and replaced atomically;
* below the home or project directory no link is followed: root writes files
  that users own, in directories they control, and a symbolic link there (or a
  hard link) could otherwise aim the write and the chown at any file on the host.
  On the way to that directory a link is followed only when nobody but root could
  have made or replaced it. Every step is taken relative to an open directory
  (``openat``-style), so a directory swapped for a link between check and write is
  refused as well;
* a second run with the same input changes nothing.

Python 3.8+, standard library only; PyYAML only for Goose and Continue.
"""

from __future__ import annotations

import copy
import errno
import os
import platform
import re
import stat
import time

from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _jsonc_edit as jsonc_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _toml_edit as toml_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils import (
    _yaml_edit as yaml_edit,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import (
    CREATE_FLAGS,
    chown_id,
    resolve_gid,
    resolve_uid,
    write_atomic,
)

FILE_MODE = 0o600
DIR_MODE = 0o700
MASK = "********"
DEFAULT_SERVER_NAME = "postiz"
# Pinned: an unpinned `npx -y mcp-remote` runs whatever is newest at every launch,
# with the API key in its environment. 0.15.1 is the version the notes verified.
DEFAULT_MCP_REMOTE_PACKAGE = "mcp-remote@0.15.1"
# Name of the variable that carries "Bearer <KEY>" into mcp-remote (Claude Desktop).
BRIDGE_AUTH_VARIABLE = "POSTIZ_AUTH"

_SERVER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
# URL-path safe and free of `$`, which Gemini and Claude Code would expand as a variable.
_API_KEY = re.compile(r"[A-Za-z0-9._~-]{8,512}\Z")
_URL = re.compile(r"(https?)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?(/[^\s?#]*)?\Z")
_SECRET_KEYS = ("apikey", "api_key", "token", "bearer_token", "authorization", BRIDGE_AUTH_VARIABLE.lower())


class McpConfigError(Exception):
    """A problem the user has to fix; the message says what and how."""


# -- the clients -------------------------------------------------------------


class Client:
    """What one MCP client needs: files per scope, format, entry shape, auth."""

    def __init__(
        self, client_id, label, fmt, scopes, auth, auth_reason, next_step, builder, container="mcpServers"
    ):
        self.id = client_id
        self.label = label
        self.format = fmt  # json | jsonc | toml | yaml
        self.scopes = scopes  # scope -> function(home, project_dir, name, system) -> path
        self.auth = auth  # default: 'header' or 'path'
        self.auth_reason = auth_reason
        self.next_step = next_step
        self.builder = builder
        self.container = container  # top-level key holding the servers


def _app_support(home, system):
    """Per-user application data: macOS Application Support, else XDG ~/.config."""
    if system == "Darwin":
        return os.path.join(home, "Library", "Application Support")
    return os.path.join(home, ".config")


def _needs_allow_http(url):
    # mcp-remote refuses plain http except for these two host names.
    match = _URL.match(url)
    return match.group(1) == "http" and match.group(2) not in ("localhost", "127.0.0.1")


def _remote_http(base, keyed, bearer, auth, **kwargs):
    """``{"type":"http","url":...,"headers":{...}}``: Claude Code, Cursor, VS Code."""
    if auth == "header":
        return {"type": "http", "url": base, "headers": bearer}
    return {"type": "http", "url": keyed}


def _bridge(base, keyed, bearer, auth, mcp_remote_package=DEFAULT_MCP_REMOTE_PACKAGE, **kwargs):
    """Claude Desktop: its file takes stdio servers only, so mcp-remote bridges to HTTP."""
    url = base if auth == "header" else keyed
    args = ["-y", mcp_remote_package, url]
    if auth == "header":
        # The value comes from env, not args: args are visible to every local user
        # in `ps`, and Windows builds mangle spaces inside args.
        args += ["--header", f"Authorization:${{{BRIDGE_AUTH_VARIABLE}}}"]
    if _needs_allow_http(base):
        args.append("--allow-http")
    entry = {"command": "npx", "args": args}
    if auth == "header":
        entry["env"] = {BRIDGE_AUTH_VARIABLE: bearer["Authorization"]}
    return entry


def _windsurf(base, keyed, bearer, auth, **kwargs):
    if auth == "header":
        return {"serverUrl": base, "headers": bearer}
    return {"serverUrl": keyed}


def _codex(base, keyed, bearer, auth, **kwargs):
    # Never `bearer_token` (rejected, and it stops Codex loading any config) and
    # never `headers` (silently ignored); `http_headers` takes literal values.
    if auth == "header":
        return {"url": base, "http_headers": bearer}
    return {"url": keyed}


def _gemini(base, keyed, bearer, auth, **kwargs):
    if auth == "header":
        return {"url": base, "type": "http", "headers": bearer}
    return {"url": keyed, "type": "http"}


def _url_headers(base, keyed, bearer, auth, **kwargs):
    """``{"url":...,"headers":{...}}``: Zed, LM Studio."""
    if auth == "header":
        return {"url": base, "headers": bearer}
    return {"url": keyed}


def _continue(base, keyed, bearer, auth, name=DEFAULT_SERVER_NAME, **kwargs):
    entry = {"name": name, "type": "streamable-http", "url": base if auth == "header" else keyed}
    if auth == "header":
        entry["requestOptions"] = {"headers": bearer}
    return entry


def _goose(base, keyed, bearer, auth, name=DEFAULT_SERVER_NAME, **kwargs):
    return {
        "type": "streamable_http",
        "name": name,
        "description": "Postiz social media scheduling",
        "enabled": True,
        "uri": base if auth == "header" else keyed,
        "headers": bearer if auth == "header" else {},
        "env_keys": [],
        "envs": {},
        "timeout": 300,
        "available_tools": [],
    }


def _cline(base, keyed, bearer, auth, **kwargs):
    # `type` is required: without it Cline reads a `url` entry as SSE.
    entry = {"type": "streamableHttp", "url": base if auth == "header" else keyed}
    if auth == "header":
        entry["headers"] = bearer
    entry.update({"disabled": False, "autoApprove": [], "timeout": 60})
    return entry


def _home(*parts):
    return lambda home, project_dir, name, system: os.path.join(home, *parts)


def _project(*parts):
    return lambda home, project_dir, name, system: os.path.join(project_dir, *parts)


_HEADER = "header"
_PATH = "path"
_HEADER_REASON = "sends headers; the header keeps the key out of URLs the client shows and proxies log"

CLIENTS = {
    client.id: client
    for client in (
        Client(
            "claude_code",
            "Claude Code",
            "json",
            {"user": _home(".claude.json"), "local": _home(".claude.json"), "project": _project(".mcp.json")},
            _HEADER,
            "header verified with Claude Code; `claude mcp list` prints the URL, not the headers",
            "Start a new Claude Code session or run /mcp; approve project servers once.",
            _remote_http,
        ),
        Client(
            "claude_desktop",
            "Claude Desktop",
            "json",
            {
                "user": lambda home, project_dir, name, system: os.path.join(
                    _app_support(home, system), "Claude", "claude_desktop_config.json"
                )
            },
            _HEADER,
            "the file takes stdio servers only: mcp-remote (npx) bridges, the key travels in its "
            "environment, not in its arguments (visible in ps)",
            "Quit Claude Desktop completely and start it again (Node.js/npx must be installed).",
            _bridge,
        ),
        Client(
            "cursor",
            "Cursor",
            "json",
            {"user": _home(".cursor", "mcp.json"), "project": _project(".cursor", "mcp.json")},
            _HEADER,
            _HEADER_REASON,
            "Reload the Cursor window (Developer: Reload Window) or restart Cursor.",
            _remote_http,
        ),
        Client(
            "vscode",
            "VS Code (Copilot)",
            "jsonc",
            {
                "user": lambda home, project_dir, name, system: os.path.join(
                    _app_support(home, system), "Code", "User", "mcp.json"
                ),
                "project": _project(".vscode", "mcp.json"),
            },
            _HEADER,
            _HEADER_REASON,
            'Run "MCP: List Servers", pick postiz and Start/Restart it; trust it on first start.',
            _remote_http,
            container="servers",
        ),
        Client(
            "windsurf",
            "Windsurf",
            "json",
            {"user": _home(".codeium", "windsurf", "mcp_config.json")},
            _HEADER,
            _HEADER_REASON,
            "Press Refresh in the Cascade MCP panel.",
            _windsurf,
        ),
        Client(
            "codex",
            "Codex CLI",
            "toml",
            {"user": _home(".codex", "config.toml"), "project": _project(".codex", "config.toml")},
            _HEADER,
            "http_headers takes the literal header; bearer_token_env_var would need the variable in "
            "every shell that starts Codex",
            "Start a new Codex session (project files need a trusted project).",
            _codex,
            container="mcp_servers",
        ),
        # Gemini CLI reads settings.json with comments (checked with 0.61.0), so JSONC.
        Client(
            "gemini",
            "Gemini CLI",
            "jsonc",
            {"user": _home(".gemini", "settings.json"), "project": _project(".gemini", "settings.json")},
            _HEADER,
            "header verified with Gemini CLI",
            "Run /mcp reload in Gemini CLI (the folder must be trusted).",
            _gemini,
        ),
        Client(
            "zed",
            "Zed",
            "jsonc",
            {"user": _home(".config", "zed", "settings.json"), "project": _project(".zed", "settings.json")},
            _HEADER,
            _HEADER_REASON + "; with an Authorization header Zed skips its OAuth flow",
            "Nothing: Zed reloads settings.json when it changes.",
            _url_headers,
            container="context_servers",
        ),
        Client(
            "continue",
            "Continue",
            "yaml",
            {
                "user": _home(".continue", "config.yaml"),
                "project": lambda home, project_dir, name, system: os.path.join(
                    project_dir, ".continue", "mcpServers", name + ".yaml"
                ),
            },
            _PATH,
            "header auth on remote servers fails for some Continue users; the path key always works",
            "Nothing: Continue reloads its config on save (MCP tools work in agent mode).",
            _continue,
        ),
        Client(
            "goose",
            "Goose",
            "yaml",
            {"user": _home(".config", "goose", "config.yaml")},
            _PATH,
            "Goose's documented streamable_http entry puts the key in uri; headers are newer",
            "Restart goose (running sessions keep the old extension list).",
            _goose,
            container="extensions",
        ),
        Client(
            "cline",
            "Cline",
            "json",
            {"user": _home(".cline", "data", "settings", "cline_mcp_settings.json")},
            _HEADER,
            _HEADER_REASON,
            "Nothing: Cline watches its settings file.",
            _cline,
        ),
        Client(
            "lmstudio",
            "LM Studio",
            "json",
            {"user": _home(".lmstudio", "mcp.json")},
            _HEADER,
            _HEADER_REASON,
            "Reopen Program > Install > Edit mcp.json in LM Studio, or restart it.",
            _url_headers,
        ),
    )
}

CLIENT_IDS = tuple(sorted(CLIENTS))
SCOPES = ("user", "project", "local")
AUTH_MODES = ("auto", "header", "path")

# Continue wants these in a new file; existing files keep what they have.
_CONTINUE_USER_PRELUDE = {"name": "Local Config", "version": "1.0.0", "schema": "v1"}
_CONTINUE_BLOCK_PRELUDE = {"name": "Postiz MCP server", "version": "0.0.1", "schema": "v1"}


# -- inputs ------------------------------------------------------------------


def validate_server_name(name):
    if not isinstance(name, str) or not _SERVER_NAME.match(name):
        raise McpConfigError(
            f'server_name {name!r} is not usable by every client: use 1 to 64 letters, digits, "-" or "_", '
            "starting with a letter or digit."
        )


def validate_url(url):
    if not isinstance(url, str) or not _URL.match(url):
        raise McpConfigError(
            f"url {url!r} is not an http(s) URL without query or fragment, such as "
            "https://postiz.example.com/api/mcp."
        )


def validate_api_key(api_key):
    if not isinstance(api_key, str) or not _API_KEY.match(api_key):
        raise McpConfigError(
            'api_key must be 8 to 512 characters from A-Z, a-z, 0-9 and "._~-" (a Postiz key is 64 hex '
            'characters): it goes into a URL path for some clients, and "$" would be expanded by others.'
        )


class Target:
    """The file one client/scope pair writes, and where our entry sits in it."""

    def __init__(self, client, scope, path, name, project_dir=None, anchor=None, base=None):
        self.client = client
        self.scope = scope
        self.path = path
        self.name = name
        self.project_dir = project_dir
        # The home or project directory the path was built from; it must exist
        # (a typo should fail, not create a new tree). None for an explicit path.
        self.anchor = anchor
        # Links above this directory are followed (the administrator named it); below
        # it none is (see ConfigFile).
        self.base = base or os.sep

    @property
    def format(self):
        return self.client.format

    @property
    def keys(self):
        """Key path of our entry (JSON and TOML)."""
        if self.client.id == "claude_code" and self.scope == "local":
            return ["projects", self.project_dir, "mcpServers", self.name]
        return [self.client.container, self.name]

    @property
    def prelude(self):
        if self.client.id != "continue":
            return None
        return _CONTINUE_BLOCK_PRELUDE if self.scope == "project" else _CONTINUE_USER_PRELUDE


def resolve_target(
    client_id, scope, home=None, project_dir=None, server_name=DEFAULT_SERVER_NAME, path=None, system=None
):
    """The :class:`Target` for one client and scope (``path`` overrides the location)."""
    if client_id not in CLIENTS:
        raise McpConfigError(
            "Unknown MCP client {!r}; use one of: {}.".format(client_id, ", ".join(CLIENT_IDS))
        )
    client = CLIENTS[client_id]
    if scope not in client.scopes:
        raise McpConfigError(
            "{} has no {}-level configuration; its scopes are: {}.".format(
                client.label, scope, ", ".join(sorted(client.scopes))
            )
        )
    validate_server_name(server_name)
    if scope in ("project", "local"):
        if not project_dir:
            raise McpConfigError(
                f"{scope.capitalize()} scope of {client.label} needs project_dir (the absolute path of the project)."
            )
        if not os.path.isabs(project_dir):
            raise McpConfigError(f"project_dir {project_dir!r} must be an absolute path.")
        project_dir = os.path.normpath(project_dir)
    anchor = None
    if path is None:
        if (scope == "user" or scope == "local") and (not home or not os.path.isabs(home)):
            raise McpConfigError(f"home {home!r} must be an absolute path.")
        anchor = os.path.normpath(project_dir if scope == "project" else home)
        path = client.scopes[scope](home, project_dir, server_name, system or platform.system())
    elif not os.path.isabs(path):
        raise McpConfigError(f"path {path!r} must be an absolute path.")
    path = os.path.normpath(path)
    roots = [os.path.normpath(root) for root in (home, project_dir) if root and os.path.isabs(root)]
    return Target(client, scope, path, server_name, project_dir, anchor, trusted_base(path, roots))


def _inside(path, directory):
    return path != directory and path.startswith(directory.rstrip(os.sep) + os.sep)


def _changeable_by_others(directory, link):
    """Whether someone other than root (or whoever runs this) could have made or replaced
    ``link``, an entry of ``directory`` (both lstat results)."""
    trusted = (0, os.geteuid())
    if directory.st_uid not in trusted:
        return True
    if directory.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        # In a sticky directory (/tmp) only an entry's owner may replace it.
        return not (directory.st_mode & stat.S_ISVTX and link.st_uid in trusted)
    return link.st_uid not in trusted


def trusted_base(path, roots):
    """Where the walk to ``path`` starts: the outermost of ``roots`` (the home and project
    directories) that holds it, else the root directory.

    The outermost, so that a project inside the home is reached from the home: its owner
    controls every name below it, the project's own path included.
    """
    holding = [root for root in roots if _inside(path, root)]
    return min(holding, key=len) if holding else os.sep


def build_entry(
    client_id,
    url,
    api_key,
    server_name=DEFAULT_SERVER_NAME,
    auth="auto",
    extra=None,
    mcp_remote_package=DEFAULT_MCP_REMOTE_PACKAGE,
):
    """``(entry, auth used)`` for a Postiz server at ``url`` (the base, e.g. .../api/mcp)."""
    client = CLIENTS[client_id]
    validate_url(url)
    validate_api_key(api_key)
    if auth not in AUTH_MODES:
        raise McpConfigError("auth must be one of {}, not {!r}.".format(", ".join(AUTH_MODES), auth))
    base = url.rstrip("/")
    if api_key in base:
        raise McpConfigError(
            "url already contains the API key; give the base URL (ending in /api/mcp), "
            "the key is added where the client needs it."
        )
    mode = client.auth if auth == "auto" else auth
    entry = client.builder(
        base,
        base + "/" + api_key,
        {"Authorization": "Bearer " + api_key},
        mode,
        name=server_name,
        mcp_remote_package=mcp_remote_package,
    )
    for key, value in (extra or {}).items():
        if client_id == "continue" and key == "name":
            raise McpConfigError('extra cannot change "name" of a Continue entry; set server_name instead.')
        entry[key] = value
    return entry, mode


# -- secrets in diffs -------------------------------------------------------


def secret_strings(value, key=None, found=None):
    """Strings inside an entry that carry a key: header values, path keys, env values."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for child_key, child in value.items():
            secret_strings(child, str(child_key), found)
    elif isinstance(value, list):
        for child in value:
            secret_strings(child, key, found)
    elif isinstance(value, str):
        for match in re.finditer(r"Bearer\s+(\S+)", value):
            found.add(match.group(1))
        for match in re.finditer(r'/mcp/([^/?#\s"]+)', value):
            found.add(match.group(1))
        if key is not None and key.lower() in _SECRET_KEYS and not value.startswith("Bearer "):
            found.add(value)
    return {item for item in found if len(item) >= 4 and not item.startswith("${")}


def mask(text, secrets):
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


# -- merging -----------------------------------------------------------------


class Merge:
    """Result of merging our entry into (or out of) a file's text."""

    def __init__(self, before, after, current, warnings):
        self.before = before  # None when the file does not exist
        self.after = after  # text to write; equals before when nothing changes
        self.current = current  # our entry as it was, or None
        self.warnings = warnings

    @property
    def changed(self):
        return self.before != self.after and not (self.before is None and self.after is None)


def merge(target, text, entry):
    """Merge ``entry`` (None removes ours) into ``text`` (None: no file yet)."""
    handler = {"json": _merge_json, "jsonc": _merge_json, "toml": _merge_toml, "yaml": _merge_yaml}
    return handler[target.format](target, text, entry)


def _fail_parse(target, detail):
    raise McpConfigError(
        f"{target.path} is not valid {target.format.upper()} ({detail}). It was left untouched: fix it (or move it away) and run again."
    )


def _merge_json(target, text, entry):
    jsonc = target.format == "jsonc"
    source = text or ""
    try:
        root = jsonc_edit.parse(source, jsonc)
    except jsonc_edit.JsoncError as exc:
        _fail_parse(target, exc)
    if root is not None and root.kind != "object":
        raise McpConfigError(
            f"{target.path} must hold a JSON object at the top level. It was left untouched."
        )
    current = jsonc_edit.get_member(root, target.keys)
    current = None if current is jsonc_edit.MISSING else current
    try:
        if entry is None:
            after = (
                jsonc_edit.remove_member(source, target.keys, jsonc, root) if current is not None else text
            )
        elif jsonc_edit.strict_equal(current, entry):
            after = text
        else:
            after = jsonc_edit.set_member(source, target.keys, entry, jsonc, root)
    except jsonc_edit.MergeError as exc:
        raise McpConfigError(f"Cannot merge into {target.path}: {exc}. It was left untouched.") from exc
    if after != text:
        expected = _with_entry(root.value if root is not None else {}, target.keys, entry)
        _verify(target, jsonc_edit.strict_equal(jsonc_edit.parse(after, jsonc).value, expected))
    return Merge(text, after, current, [])


def _with_entry(data, keys, entry):
    data = copy.deepcopy(data)
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    if entry is None:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = copy.deepcopy(entry)
    return data


def _verify(target, ok):
    if not ok:
        raise McpConfigError(
            f"Merging into {target.path} did not give the expected content, so nothing was written. "
            "Please report this with the layout of the file (without its keys)."
        )


def _merge_toml(target, text, entry):
    source = text or ""
    try:
        reference = toml_edit.load_reference(source)
        spans = toml_edit.TableSpans(source, target.keys)
    except toml_edit.TomlError as exc:
        _fail_parse(target, exc)
    current = spans.entry
    try:
        if entry is None:
            after = toml_edit.remove_table(source, target.keys) if spans.spans else text
        elif spans.unreadable is None and jsonc_edit.strict_equal(current, entry):
            after = text
        else:
            after = toml_edit.set_table(source, target.keys, entry)
    except toml_edit.TomlError as exc:
        raise McpConfigError(f"Cannot merge into {target.path}: {exc}. It was left untouched.") from exc
    if after != text:
        check = toml_edit.TableSpans(after, target.keys)
        ok = (check.entry is None) if entry is None else jsonc_edit.strict_equal(check.entry, entry)
        if ok and reference is not None:
            expected = _drop_empty(_with_entry(reference, target.keys, entry), target.keys[0])
            ok = jsonc_edit.strict_equal(
                _drop_empty(toml_edit.load_reference(after), target.keys[0]), expected
            )
        _verify(target, ok)
    return Merge(text, after, current, [])


def _drop_empty(data, key):
    # Removing the last [mcp_servers.X] table removes `mcp_servers` itself.
    if data.get(key) == {}:
        data = dict(data)
        del data[key]
    return data


def _merge_yaml(target, text, entry):
    source = text or ""
    try:
        root, data = yaml_edit.load(source, target.path)
    except yaml_edit.YamlError as exc:
        raise McpConfigError(f"{exc} It was left untouched: fix it (or move it away) and run again.") from exc
    if data is not None and not isinstance(data, dict):
        raise McpConfigError(f"{target.path} must hold a mapping at the top level. It was left untouched.")
    is_list = target.client.id == "continue"
    key = target.client.container
    name = target.name
    expected, current, matches = _yaml_expected(data, key, name, entry, is_list, target.prelude)
    if entry is None and not matches:
        return Merge(text, text, None, [])
    if entry is not None and matches == 1 and jsonc_edit.strict_equal(current, entry):
        return Merge(text, text, current, [])
    warnings = []
    try:
        if is_list and entry is None:
            after = yaml_edit.remove_list_item(source, root, key, name)
        elif is_list:
            after = yaml_edit.set_list_item(source, root, key, name, entry, prelude=target.prelude)
        elif entry is None:
            after = yaml_edit.remove_map_member(source, root, key, name)
        else:
            after = yaml_edit.set_map_member(source, root, key, name, entry)
        _dummy, reread = yaml_edit.load(after, target.path)
        if not jsonc_edit.strict_equal(reread, expected):
            raise yaml_edit.NeedsRewrite("the in-place edit did not read back as expected")
    except (yaml_edit.NeedsRewrite, yaml_edit.YamlError) as exc:
        after = yaml_edit.dump_document(expected)
        if source.strip():
            warnings.append(
                f"{target.path} was rewritten from its data because {exc}; its comments and formatting were "
                "not kept."
            )
    return Merge(text, after, current, warnings)


def _yaml_expected(data, key, name, entry, is_list, prelude):
    """The data the file must hold afterwards, our current entry, and how often it appears."""
    expected = copy.deepcopy(data) if data is not None else dict(prelude or {})
    holder = expected.get(key)
    if is_list:
        items = holder if isinstance(holder, list) else []
        if holder is not None and not isinstance(holder, list):
            raise McpConfigError(f"{key} must be a list of servers, but is a {type(holder).__name__}.")
        positions = [
            index for index, item in enumerate(items) if isinstance(item, dict) and item.get("name") == name
        ]
        current = items[positions[0]] if positions else None
        kept = [item for index, item in enumerate(items) if index not in positions]
        if entry is not None:
            # Replace in place (the first occurrence); a new server goes last.
            kept.insert(positions[0] if positions else len(kept), copy.deepcopy(entry))
        expected[key] = kept
        return expected, current, len(positions)
    if holder is not None and not isinstance(holder, dict):
        raise McpConfigError(f"{key} must be a mapping of extensions, but is a {type(holder).__name__}.")
    holder = dict(holder or {})
    count = 1 if name in holder else 0
    current = holder.get(name)
    if entry is None:
        holder.pop(name, None)
    else:
        holder[name] = copy.deepcopy(entry)
    expected[key] = holder
    return expected, current, count


# -- the file on disk ----------------------------------------------------------

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FLAGS = os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC
# O_NONBLOCK: opening a FIFO someone put there must not hang the run.
_READ_FLAGS = os.O_RDONLY | _O_NOFOLLOW | os.O_NONBLOCK | _O_CLOEXEC


class ConfigFile:
    """The client's file: reading, and writing it 0600, atomically, with the right owner.

    ``base`` is the home or project directory (see :func:`trusted_base`). Every name
    below it is opened relative to its parent's descriptor with ``O_NOFOLLOW``, so no
    symbolic link is followed there, not even one swapped in during the run; a link, or
    a file with other hard links, is refused with a sentence naming it.

    AnsibleModule's file helpers (atomic_move, set_mode_if_different,
    set_owner_if_different, backup_local) are not used here: they take a path and
    follow links on it, and the directories below ``base`` belong to the user
    (see module_utils._postiz_files).
    """

    def __init__(self, path, owner=None, group=None, base=None):
        self.path = os.path.normpath(path)
        self.base = os.path.normpath(base or os.sep)
        if not _inside(self.path, self.base):
            raise McpConfigError(f"{self.path} is not inside {self.base}.")
        parts = os.path.relpath(self.path, self.base).split(os.sep)
        self.dirs, self.name = parts[:-1], parts[-1]
        self.uid = resolve_uid(owner, McpConfigError)
        self.gid = resolve_gid(group, McpConfigError)
        self.bom = ""
        self.raw = None

    # -- reaching the file without following links ------------------------------------

    def _link_refused(self, where, target):
        return McpConfigError(
            f"{where} is a symbolic link (to {target}). Nothing was written: below the home or project directory no link "
            "is followed, because whoever owns that directory could point a link at any file on this host. "
            "If the link is yours (a dotfiles repository, say), set path to the real file."
        )

    def _refusal(self, dir_fd, name, where, exc):
        """The sentence for a name that could not be opened as what it should be."""
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            try:
                target = os.readlink(name, dir_fd=dir_fd)
            except OSError:
                target = "somewhere"
            return self._link_refused(where, target)
        if info is not None and exc.errno == errno.ENOTDIR:
            return McpConfigError(f"{where} is in the way: it should be a directory.")
        return McpConfigError(f"Cannot open {where}: {exc.strerror or exc}.")

    def _open_dir(self, create=False):
        """A descriptor of the file's directory, reached from ``base`` without following a
        link; None when a directory is missing and ``create`` is false."""
        try:
            fd = self._open_base()
        except OSError as exc:
            if exc.errno == errno.ENOENT and not create:
                return None
            raise McpConfigError(f"Cannot open {self.base}: {exc.strerror}.") from exc
        where = self.base
        try:
            for part in self.dirs:
                where = os.path.join(where, part)
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        raise self._refusal(fd, part, where, exc) from exc
                    if not create:
                        os.close(fd)
                        return None
                    child = self._make_dir(fd, part, where)
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _open_base(self):
        """A descriptor of ``base``. On the way to it a symbolic link is followed only when
        nobody but root (or whoever runs this) could have made or replaced it, such as
        /home -> /var/home; any other is refused. Each step is taken at the descriptor of the
        directory before it, so what was checked is what is opened."""
        fd = os.open(os.sep, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        current = os.sep
        parts = [part for part in self.base.split(os.sep) if part]
        hops = 0
        try:
            while parts:
                part = parts.pop(0)
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                        raise
                    info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    if not stat.S_ISLNK(info.st_mode):
                        raise
                    hops += 1
                    link = os.path.join(current, part)
                    if hops > 40 or _changeable_by_others(os.fstat(fd), info):
                        raise McpConfigError(
                            f"{link} is a symbolic link that a user can change, on the way to {self.base}. Nothing was "
                            "written: whoever can change it could point it at any directory on this host. Give "
                            "the path without it."
                        ) from None
                    # `current` holds no link, so '..' in the target can be resolved by name.
                    target = os.path.normpath(os.path.join(current, os.readlink(part, dir_fd=fd)))
                    parts = [item for item in target.split(os.sep) if item] + parts
                    os.close(fd)
                    fd = os.open(os.sep, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
                    current = os.sep
                    continue
                os.close(fd)
                fd = child
                current = os.path.join(current, part)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _make_dir(self, parent_fd, name, where):
        try:
            os.mkdir(name, DIR_MODE, dir_fd=parent_fd)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise McpConfigError(f"Cannot create {where}: {exc.strerror or exc}.") from exc
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        except OSError as exc:
            raise self._refusal(parent_fd, name, where, exc) from exc
        try:
            os.fchmod(fd, DIR_MODE)
            if self.uid is not None or self.gid is not None:
                os.fchown(fd, chown_id(self.uid), chown_id(self.gid))
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _lstat(self, dir_fd):
        try:
            info = os.stat(self.name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise McpConfigError(f"Cannot inspect {self.path}: {exc.strerror}.") from exc
        if stat.S_ISLNK(info.st_mode):
            raise self._refusal(dir_fd, self.name, self.path, OSError(errno.ELOOP, "link"))
        return info

    def _open_file(self, dir_fd):
        """The existing file, opened for reading; refused unless a regular file with one name."""
        try:
            fd = os.open(self.name, _READ_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise self._refusal(dir_fd, self.name, self.path, exc) from exc
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise McpConfigError(f"{self.path} exists but is not a regular file.")
        if info.st_nlink > 1:
            os.close(fd)
            raise McpConfigError(
                f"{self.path} has {info.st_nlink} hard links. Nothing was written: another name of the same file could be anywhere on "
                "this host. Replace it with a copy of its own (cp, then mv over it) and run again."
            )
        return fd

    # -- what the run uses ----------------------------------------------------------------

    def stat(self):
        dir_fd = self._open_dir()
        if dir_fd is None:
            return None
        try:
            return self._lstat(dir_fd)
        finally:
            os.close(dir_fd)

    def read(self):
        """The text (byte order mark removed), or None when the file does not exist."""
        dir_fd = self._open_dir()
        if dir_fd is None:
            return None
        try:
            info = self._lstat(dir_fd)
            if info is None:
                return None
            if not stat.S_ISREG(info.st_mode):
                raise McpConfigError(f"{self.path} exists but is not a regular file.")
            fd = self._open_file(dir_fd)
            with os.fdopen(fd, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise McpConfigError(f"Cannot read {self.path}: {exc.strerror or exc}.") from exc
        finally:
            os.close(dir_fd)
        self.raw = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise McpConfigError(f"{self.path} is not UTF-8 text ({exc}). It was left untouched.") from exc
        if text.startswith("\ufeff"):
            self.bom, text = "\ufeff", text[1:]
        return text

    def drift(self):
        """What to fix on an existing file whose content stays: mode and/or owner."""
        info = self.stat()
        if info is None:
            return []
        actions = []
        if stat.S_IMODE(info.st_mode) != FILE_MODE:
            actions.append("mode")
        if (self.uid is not None and info.st_uid != self.uid) or (
            self.gid is not None and info.st_gid != self.gid
        ):
            actions.append("owner")
        return actions

    def ownership_warning(self):
        """Root writing a new file into someone else's home without owner: say so."""
        if os.geteuid() != 0 or self.uid is not None or self.stat() is not None:
            return None
        # The innermost directory that exists (read() has already refused any link).
        directory = self.base
        for part in self.dirs:
            if not os.path.isdir(os.path.join(directory, part)):
                break
            directory = os.path.join(directory, part)
        owner = os.lstat(directory).st_uid
        if owner != 0:
            return (
                f"{self.path} will be created as root with mode 0600 in a directory owned by uid {owner}, so that user's "
                "MCP client cannot read it; set owner (and group)."
            )
        return None

    def backup(self):
        """Keep the content read last beside the file, 0600 and with the file's owner, as
        ``<name>.<pid>.<YYYY-MM-DD@HH:MM:SS>~`` (the name AnsibleModule.backup_local
        gives); returns its path."""
        name = "{}.{}.{}".format(
            self.name, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime())
        )
        dir_fd = self._open_dir()
        try:
            info = self._lstat(dir_fd)
            fd = os.open(name, CREATE_FLAGS, FILE_MODE, dir_fd=dir_fd)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.raw)
                os.fchmod(handle.fileno(), FILE_MODE)
                if info is not None and (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
        except OSError as exc:
            raise McpConfigError(f"Cannot back up {self.path}: {exc.strerror or exc}.") from exc
        finally:
            os.close(dir_fd)
        return os.path.join(os.path.dirname(self.path), name)

    def apply(self, text, drift):
        """Write ``text`` (None: only fix ``drift``)."""
        try:
            dir_fd = self._open_dir(create=text is not None)
            if dir_fd is None:
                raise McpConfigError(f"{self.path} has gone.")
            try:
                if text is None:
                    self._fix(dir_fd, drift)
                else:
                    self._write_atomic(dir_fd, self.bom + text)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise McpConfigError(f"Cannot write {exc.filename or self.path}: {exc.strerror or exc}.") from exc

    def _fix(self, dir_fd, drift):
        fd = self._open_file(dir_fd)
        try:
            if "mode" in drift:
                os.fchmod(fd, FILE_MODE)
            if "owner" in drift:
                os.fchown(fd, chown_id(self.uid), chown_id(self.gid))
        finally:
            os.close(fd)

    def _write_atomic(self, dir_fd, text):
        info = self._lstat(dir_fd)
        # Keep the existing owner: root replacing a user's ~/.claude.json must not take it over.
        uid = self.uid if self.uid is not None else (info.st_uid if info else None)
        gid = self.gid if self.gid is not None else (info.st_gid if info else None)
        write_atomic(dir_fd, self.name, text.encode("utf-8"), FILE_MODE, uid, gid)


# -- one whole run ---------------------------------------------------------------


class Result:
    def __init__(self, target, changed, content_changed, drift, diff, warnings, auth, backup_file=None):
        self.target = target
        self.backup_file = backup_file
        self.changed = changed
        self.content_changed = content_changed
        self.drift = drift
        self.diff = diff
        self.warnings = warnings
        self.auth = auth


def _header(path, mode):
    return path if mode is None else f"{path} (mode {mode:04o})"


def run(target, config_file, entry, auth=None, api_key=None, check_mode=False, backup=False):
    """Merge, decide, and (unless ``check_mode``) write; returns a :class:`Result`.

    ``backup``: copy an existing file beside it before replacing it (``Result.backup_file``).
    """
    if target.anchor is not None and not os.path.isdir(target.anchor):
        raise McpConfigError(
            "{} does not exist. The {} directory must be there already; only the client's own directories "
            "inside it are created.".format(target.anchor, "project" if target.scope == "project" else "home")
        )
    text = config_file.read()
    outcome = merge(target, text, entry)
    warnings = list(outcome.warnings)
    content_changed = outcome.changed
    # Mode and owner are ours to enforce only while our entry (and key) is in the file.
    drift = config_file.drift() if (entry is not None and not content_changed) else []
    if content_changed and text is None:
        note = config_file.ownership_warning()
        if note:
            warnings.append(note)
    if content_changed and entry is not None and target.scope == "project":
        warnings.append(
            f"{target.path} holds the Postiz API key inside the project; keep it out of version control "
            "(for example, list it in .gitignore)."
        )

    secrets = {api_key} if api_key else set()
    if outcome.current is not None:
        secrets |= secret_strings(outcome.current)
    if entry is not None:
        secrets |= secret_strings(entry)
    info = config_file.stat()
    before_mode = stat.S_IMODE(info.st_mode) if info is not None else None
    after_mode = FILE_MODE if (content_changed or drift) else before_mode
    diff = {
        "before_header": _header(target.path, before_mode),
        "after_header": _header(target.path, after_mode),
        "before": mask(text or "", secrets),
        "after": mask(outcome.after or "", secrets),
    }
    if content_changed and diff["before"] == diff["after"]:
        # Only a masked value (the key) changed: say so, since the texts look alike.
        diff["after_header"] += ", a masked value changed"
    backup_file = None
    if not check_mode and (content_changed or drift):
        if content_changed and text is not None and backup:
            backup_file = config_file.backup()
        config_file.apply(outcome.after if content_changed else None, drift)
    return Result(
        target, bool(content_changed or drift), content_changed, drift, diff, warnings, auth, backup_file
    )
