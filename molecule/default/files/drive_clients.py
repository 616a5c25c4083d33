#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Act as each MCP client would with the configuration the mcp_client role wrote.

For every target (client and scope) this reads the file where that client looks,
with the parser that client uses (JSON, JSON with comments, TOML, YAML), takes the
Postiz entry the way that client interprets it, and connects the same way:

* URL clients: streamable HTTP to the URL of the file with the headers of the file
  (Python ``mcp`` SDK); an entry the client would read as SSE, stdio or disabled fails.
* Claude Desktop: spawns the entry's ``command`` with its ``args`` and ``env`` (on top
  of the desktop session's environment) and speaks MCP over its stdio; that command is
  ``npx -y mcp-remote@…``, the bridge to Postiz's HTTP endpoint.

Through each connection: ``initialize``, ``tools/list`` (the core Postiz tools must be
there) and ``tools/call integrationList`` (the seeded channels must be listed). The
clients named by ``--schedule`` also call ``integrationSchedulePostTool`` to schedule
one post on every listed channel for tomorrow, with a content that names the client.

With ``--preserved``, also checks that files the user had before the role ran still
hold everything they held (parsed, not compared as text): the role must only add.

With ``--root``, the files are read from a copy of the machine they were written on
(``ROOT`` + the machine's path, modes kept), while every path the files or the report
name stays the machine's: Claude Code's local scope, for one, keys its entry by the
project's path on the machine.

Writes one JSON report (``--report``) with a result per target and per preserved file,
and exits 1 when any failed, 0 otherwise. Never prints an API key (64 hex characters):
every message has them masked.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import secrets
import stat
import sys
import time
import tomllib
from typing import Any

import yaml
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

SERVER = "postiz"
CORE_TOOLS = ("integrationList", "groupList", "integrationSchema", "integrationSchedulePostTool")
# Provider settings the schedule needs per platform (FACTS §5.4: X needs who_can_reply_post).
SETTINGS = {"x": [{"key": "who_can_reply_post", "value": "everyone"}]}
STEP_TIMEOUT = 120  # seconds; the first npx start of mcp-remote may be slow
API_KEY = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


class ConfigProblem(Exception):
    """The written file would not give this client a working Postiz connection."""


# -- parsers, as the clients parse --------------------------------------------


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (VS Code, Zed, Gemini) to plain JSON."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            i = end + 2
        else:
            out.append(ch)
            i += 1
    # A comma followed only by whitespace before } or ] is a trailing comma.
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def load(path: str, fmt: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonc":
        return json.loads(strip_jsonc(text))
    if fmt == "toml":
        return tomllib.loads(text)
    return yaml.safe_load(text)


# -- where each client looks, and how it reads its entry ----------------------


def expand(value: str, pattern: str) -> str:
    """Replace variable references the client expands, from this environment."""

    def one(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.groupdict().get("default")
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigProblem(f"references the unset variable {name}")

    return re.sub(pattern, one, value)


CLAUDE_VARS = r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"
CURSOR_VARS = r"\$\{env:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}"
GEMINI_VARS = r"\$\{?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}?"


def http(url: Any, headers: Any, pattern: str | None = None) -> dict[str, Any]:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigProblem(f"has no http(s) URL (got {url!r})")
    headers = headers or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ConfigProblem("has headers that are not a map of strings")
    if pattern:
        url = expand(url, pattern)
        headers = {k: expand(v, pattern) for k, v in headers.items()}
    return {"transport": "http", "url": url, "headers": headers}


def sse_refused(client: str) -> ConfigProblem:
    return ConfigProblem(
        f"makes {client} use the legacy SSE transport, which Postiz's /api/mcp does not serve (FACTS §4.1)"
    )


def entry_of(data: Any, keys: list[str]) -> dict[str, Any]:
    node = data
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise ConfigProblem("has no " + ".".join(keys[: keys.index(key) + 1]) + " entry")
        node = node[key]
    if not isinstance(node, dict):
        raise ConfigProblem("has a Postiz entry that is not a map")
    return node


def claude_code(e: dict[str, Any]) -> dict[str, Any]:
    # An entry without type is a stdio server to Claude Code; http and its alias are remote.
    kind = e.get("type")
    if kind in ("http", "streamable-http"):
        return http(e.get("url"), e.get("headers"), CLAUDE_VARS)
    if kind == "sse":
        raise sse_refused("Claude Code")
    raise ConfigProblem(
        f"has type {kind!r}: Claude Code would start it as a stdio command, not connect to a URL"
    )


def claude_desktop(e: dict[str, Any]) -> dict[str, Any]:
    # The file takes stdio servers only; remote entries are ignored or rejected by the app.
    if "url" in e or "command" not in e:
        raise ConfigProblem(
            "is not a stdio entry (command, args, env), the only kind Claude Desktop runs from this file"
        )
    args, env = e.get("args", []), e.get("env", {})
    if not all(isinstance(a, str) for a in args) or not all(isinstance(v, str) for v in env.values()):
        raise ConfigProblem("has args or env values that are not strings")
    return {"transport": "stdio", "command": e["command"], "args": args, "env": env}


def cursor_like(client: str, url_keys: tuple[str, ...]) -> Any:
    def read(e: dict[str, Any]) -> dict[str, Any]:
        if e.get("type") == "sse":
            raise sse_refused(client)
        url = next((e[k] for k in url_keys if k in e), None)
        return http(url, e.get("headers"), CURSOR_VARS)

    return read


def vscode(e: dict[str, Any]) -> dict[str, Any]:
    if e.get("type") != "http":
        raise ConfigProblem(f"has type {e.get('type')!r}; VS Code needs type http for a remote server")
    if "${input:" in json.dumps(e):
        raise ConfigProblem("asks for an ${input:…} value, which needs a person at VS Code")
    return http(e.get("url"), e.get("headers"), CURSOR_VARS)


def codex(e: dict[str, Any]) -> dict[str, Any]:
    if "bearer_token" in e:
        raise ConfigProblem("has bearer_token, which Codex rejects, refusing its whole configuration")
    if "command" in e:
        raise ConfigProblem("is a stdio entry to Codex, not a URL")
    # `headers` is not a Codex field (silently ignored): only these three send headers.
    headers = dict(e.get("http_headers") or {})
    for header, variable in (e.get("env_http_headers") or {}).items():
        headers[header] = os.environ.get(variable, "")
    if e.get("bearer_token_env_var"):
        headers["Authorization"] = "Bearer " + os.environ.get(e["bearer_token_env_var"], "")
    return http(e.get("url"), headers)


def gemini(e: dict[str, Any]) -> dict[str, Any]:
    if "httpUrl" in e:
        return http(e["httpUrl"], e.get("headers"), GEMINI_VARS)
    if e.get("type") == "http":
        return http(e.get("url"), e.get("headers"), GEMINI_VARS)
    raise sse_refused("Gemini CLI")  # a url with type sse, or without type, starts with SSE


def zed(e: dict[str, Any]) -> dict[str, Any]:
    if "command" in e:
        raise ConfigProblem("is a stdio entry to Zed, not a URL")
    return http(e.get("url"), e.get("headers"))


def continue_entry(e: dict[str, Any]) -> dict[str, Any]:
    if e.get("type") != "streamable-http":
        raise (
            sse_refused("Continue")
            if e.get("type") == "sse"
            else ConfigProblem(f"has type {e.get('type')!r}")
        )
    if "${{" in json.dumps(e):
        raise ConfigProblem("uses ${{ secrets.… }}, which needs Continue's secret store")
    return http(e.get("url"), (e.get("requestOptions") or {}).get("headers"))


def goose(e: dict[str, Any]) -> dict[str, Any]:
    if e.get("type") != "streamable_http":
        raise ConfigProblem(f"has type {e.get('type')!r}; Goose connects to a URL only with streamable_http")
    if e.get("enabled") is not True:
        raise ConfigProblem("is not enabled, so Goose does not load it")
    return http(e.get("uri"), e.get("headers"))


def cline(e: dict[str, Any]) -> dict[str, Any]:
    if e.get("disabled"):
        raise ConfigProblem("is disabled, so Cline does not connect")
    if e.get("type") != "streamableHttp" and e.get("transportType") != "http":
        raise sse_refused("Cline")  # Cline reads a url without type streamableHttp as SSE
    return http(e.get("url"), e.get("headers"))


def locate_list(name_key: str) -> Any:
    def find(data: Any) -> dict[str, Any]:
        servers = data.get("mcpServers") if isinstance(data, dict) else None
        if not isinstance(servers, list):
            raise ConfigProblem("has no mcpServers list")
        found = [s for s in servers if isinstance(s, dict) and s.get(name_key) == SERVER]
        if len(found) != 1:
            raise ConfigProblem(f"has {len(found)} mcpServers items named {SERVER}")
        return found[0]

    return find


def keyed(*keys: str) -> Any:
    return lambda data: entry_of(data, list(keys))


# Per client: file format, where it looks per scope (under the home or the project),
# how it reads the entry, and where the entry sits (container key, or a locator).
CLIENTS: dict[str, dict[str, Any]] = {
    "claude_code": {
        "format": "json",
        "paths": {
            "user": ("home", ".claude.json"),
            "local": ("home", ".claude.json"),
            "project": ("project", ".mcp.json"),
        },
        "read": claude_code,
    },
    "claude_desktop": {
        "format": "json",
        "paths": {"user": ("home", ".config/Claude/claude_desktop_config.json")},
        "read": claude_desktop,
    },
    "cursor": {
        "format": "json",
        "paths": {"user": ("home", ".cursor/mcp.json"), "project": ("project", ".cursor/mcp.json")},
        "read": cursor_like("Cursor", ("url",)),
    },
    "vscode": {
        "format": "jsonc",
        "paths": {"user": ("home", ".config/Code/User/mcp.json"), "project": ("project", ".vscode/mcp.json")},
        "read": vscode,
        "container": "servers",
    },
    "windsurf": {
        "format": "json",
        "paths": {"user": ("home", ".codeium/windsurf/mcp_config.json")},
        "read": cursor_like("Windsurf", ("serverUrl", "url")),
    },
    "codex": {
        "format": "toml",
        "paths": {"user": ("home", ".codex/config.toml"), "project": ("project", ".codex/config.toml")},
        "read": codex,
        "container": "mcp_servers",
    },
    "gemini": {
        "format": "jsonc",
        "paths": {"user": ("home", ".gemini/settings.json"), "project": ("project", ".gemini/settings.json")},
        "read": gemini,
    },
    "zed": {
        "format": "jsonc",
        "paths": {
            "user": ("home", ".config/zed/settings.json"),
            "project": ("project", ".zed/settings.json"),
        },
        "read": zed,
        "container": "context_servers",
    },
    "continue": {
        "format": "yaml",
        "paths": {
            "user": ("home", ".continue/config.yaml"),
            "project": ("project", ".continue/mcpServers/postiz.yaml"),
        },
        "read": continue_entry,
        "locate": locate_list("name"),
    },
    "goose": {
        "format": "yaml",
        "paths": {"user": ("home", ".config/goose/config.yaml")},
        "read": goose,
        "container": "extensions",
    },
    "cline": {
        "format": "json",
        "paths": {"user": ("home", ".cline/data/settings/cline_mcp_settings.json")},
        "read": cline,
    },
    "lmstudio": {
        "format": "json",
        "paths": {"user": ("home", ".lmstudio/mcp.json")},
        "read": cursor_like("LM Studio", ("url",)),
    },
}


def on_root(root: str, path: str) -> str:
    """Where the copy under ``root`` holds the machine's ``path``."""
    return os.path.join(root, os.path.relpath(path, "/")) if root != "/" else path


def connection_for(
    client: str, scope: str, home: str, project: str, root: str
) -> tuple[str, int, dict[str, Any]]:
    """(file, mode, connection) for one target, as that client would read it."""
    spec = CLIENTS[client]
    base, relative = spec["paths"][scope]
    path = os.path.join(home if base == "home" else project, relative)
    copy = on_root(root, path)
    if not os.path.isfile(copy):
        raise ConfigProblem(f"{path} does not exist")
    mode = stat.S_IMODE(os.stat(copy).st_mode)
    try:
        data = load(copy, spec["format"])
    except (ValueError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigProblem(f"{path} does not parse as {spec['format']}: {exc}") from exc
    if "locate" in spec:
        entry = spec["locate"](data)
    elif client == "claude_code" and scope == "local":
        entry = entry_of(data, ["projects", project, "mcpServers", SERVER])
    else:
        entry = entry_of(data, [spec.get("container", "mcpServers"), SERVER])
    return path, mode, spec["read"](entry)


# -- talking MCP ------------------------------------------------------------------


def structured(result: Any) -> Any:
    if result.isError:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise RuntimeError(f"the tool answered an error: {text[:300]}")
    if result.structuredContent is not None:
        return result.structuredContent
    return json.loads(result.content[0].text)


async def exercise(
    session: ClientSession, expect: list[str], schedule: dict[str, Any] | None
) -> dict[str, Any]:
    timings: dict[str, float] = {}

    async def timed(step: str, call: Any) -> Any:
        began = time.perf_counter()
        answer = await asyncio.wait_for(call, STEP_TIMEOUT)
        timings[step] = round((time.perf_counter() - began) * 1000, 1)
        return answer

    init = await timed("initialize", session.initialize())
    tools = sorted(t.name for t in (await timed("tools/list", session.list_tools())).tools)
    missing = [t for t in CORE_TOOLS if t not in tools]
    if missing:
        raise RuntimeError(f"tools/list lacks {', '.join(missing)}")
    channels = structured(await timed("integrationList", session.call_tool("integrationList", {})))["output"]
    platforms = sorted(c["platform"] for c in channels)
    if platforms != sorted(expect):
        raise RuntimeError(f"integrationList shows platforms {platforms}, expected {sorted(expect)}")
    report: dict[str, Any] = {
        "server": f"{init.serverInfo.name} {init.serverInfo.version}",
        "protocol": init.protocolVersion,
        "tools": len(tools),
        "channels": [{"id": c["id"], "platform": c["platform"], "name": c["name"]} for c in channels],
    }
    if schedule is not None:
        posts = [
            {
                "integrationId": c["id"],
                "isPremium": False,
                "date": schedule["date"],
                "shortLink": False,
                "type": "schedule",
                "postsAndComments": [{"content": f"<p>{schedule['content']}</p>", "attachments": []}],
                "settings": SETTINGS.get(c["platform"], []),
            }
            for c in channels
        ]
        output = structured(
            await timed(
                "integrationSchedulePostTool",
                session.call_tool("integrationSchedulePostTool", {"socialPost": posts}),
            )
        )["output"]
        if not isinstance(output, list) or len(output) != len(channels):
            raise RuntimeError(f"integrationSchedulePostTool did not schedule every channel: {output}")
        report["scheduled"] = {
            "content": schedule["content"],
            "date": schedule["date"],
            "post_ids": [o["postId"] for o in output],
        }
    report["ms"] = timings
    return report


async def connect(
    conn: dict[str, Any], home: str, errlog: Any, expect: list[str], schedule: Any
) -> dict[str, Any]:
    if conn["transport"] == "http":
        async with (
            streamablehttp_client(conn["url"], headers=conn["headers"], timeout=30) as (
                read,
                write,
                _,
            ),
            ClientSession(read, write) as session,
        ):
            return await exercise(session, expect, schedule)
    # What a desktop app does: its own environment (HOME is the user's), plus the entry's env.
    env = {**os.environ, "HOME": home, **conn["env"]}
    params = StdioServerParameters(command=conn["command"], args=conn["args"], env=env)
    async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
        return await exercise(session, expect, schedule)


def masked(text: str) -> str:
    return API_KEY.sub("<api key>", text)


def contains(have: Any, want: Any) -> bool:
    """Whether ``have`` holds everything ``want`` holds (maps by key, lists by item)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and contains(have[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and all(any(contains(h, w) for h in have) for w in want)
    return have == want


def preserved(items: list[dict[str, str]], seed_dir: str, root: str) -> list[dict[str, Any]]:
    results = []
    for item in items:
        result: dict[str, Any] = {"file": item["dest"], "ok": False}
        try:
            before = load(os.path.join(seed_dir, item["seed"]), item["format"])
            after = load(on_root(root, item["dest"]), item["format"])
            result["ok"] = contains(after, before)
            if not result["ok"]:
                result["error"] = "the user's own settings or servers are no longer all there"
        except (OSError, ValueError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            result["error"] = masked(f"{type(exc).__name__}: {exc}")
        results.append(result)
    return results


async def drive(args: argparse.Namespace) -> list[dict[str, Any]]:
    targets = json.loads(args.targets)
    schedule_targets = set(args.schedule.split(",")) if args.schedule else set()
    tomorrow = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    run_id = secrets.token_hex(4)
    results = []
    with open(args.stderr_log, "a", encoding="utf-8") as errlog:
        for target in targets:
            client, scope = target["client"], target.get("scope", "user")
            label = f"{client}:{scope}"
            result: dict[str, Any] = {"client": client, "scope": scope, "label": label, "ok": False}
            try:
                path, mode, conn = connection_for(client, scope, args.home, args.project, args.root)
                result.update(file=path, mode=f"{mode:04o}", transport=conn["transport"])
                if conn["transport"] == "http":
                    result["url"] = masked(conn["url"])
                    result["header_names"] = sorted(conn["headers"])
                else:
                    result["command"] = [conn["command"], *(masked(a) for a in conn["args"])]
                schedule = None
                if label in schedule_targets:
                    schedule = {
                        "date": tomorrow.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "content": f"Scheduled through {label} by the mcp scenario, run {run_id}",
                    }
                errlog.write(f"--- {label}\n")
                errlog.flush()
                home = on_root(args.root, args.home)
                result.update(await connect(conn, home, errlog, args.expect_platforms.split(","), schedule))
                result["ok"] = True
            except ConfigProblem as exc:
                result["error"] = masked(f"the written configuration {exc}")
            except BaseException as exc:
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                detail = exc
                while isinstance(detail, BaseExceptionGroup) and detail.exceptions:
                    detail = detail.exceptions[0]
                result["error"] = masked(f"{type(detail).__name__}: {detail}")
            results.append(result)
            print(
                ("ok    " if result["ok"] else "FAIL  ")
                + label
                + ("" if result["ok"] else ": " + result["error"]),
                file=sys.stderr,
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, help="the throw-away HOME the role wrote into")
    parser.add_argument("--project", required=True, help="project directory of the project-scope targets")
    parser.add_argument("--targets", required=True, help='JSON list of {"client": …, "scope": …}')
    parser.add_argument(
        "--expect-platforms", required=True, help="comma-separated platforms integrationList must show"
    )
    parser.add_argument(
        "--schedule", default="", help="comma-separated client:scope labels that schedule a post"
    )
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    parser.add_argument("--stderr-log", default=os.devnull, help="where spawned bridges write their stderr")
    parser.add_argument("--preserved", default="[]", help='JSON list of {"seed", "format", "dest"}')
    parser.add_argument("--seed-dir", default=".", help="directory of the seed files")
    parser.add_argument(
        "--root", default="/", help="a copy of the machine's files (home, project, preserved)"
    )
    args = parser.parse_args(argv)
    report = {
        "targets": asyncio.run(drive(args)),
        "preserved": preserved(json.loads(args.preserved), args.seed_dir, args.root),
    }
    with open(args.report, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    return 0 if all(r["ok"] for r in report["targets"] + report["preserved"]) else 1


if __name__ == "__main__":
    sys.exit(main())
