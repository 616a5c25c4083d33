# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake ``docker`` CLI answering from a scenario, and a fake Postiz app, for the postiz_health tests.

The same answers serve two ways: :func:`answer` is called in-process by the
module_utils tests, and :func:`install` writes an executable ``docker`` into a
directory (to put first on PATH) that answers from a JSON scenario file, for the
module tests, which run the real ``module.run_command``.

The output shapes are those of Docker 28 / Compose 2.40: ``compose ps --format
json`` prints one object per line, ``docker stats --format '{{json .}}'`` too,
``docker inspect`` prints an array.

:class:`FakePostizApp` adds the probes of FACTS §7 (``/api/``, ``/auth``,
``/api/public/v1/is-connected``) to the fake MCP endpoint of fake_postiz_server.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import sys

from ansible_collections.selfhosted.postiz.tests.unit.plugins.fake_postiz_server import FakeMcp

SERVICES = ("postiz", "postiz-postgres", "postiz-redis", "temporal", "temporal-postgresql")
MEMORY = {
    "postiz": "89.26MiB / 1.25GiB",
    "postiz-postgres": "40.68MiB / 256MiB",
    "postiz-redis": "3.441MiB / 128MiB",
    "temporal": "94.41MiB / 384MiB",
    "temporal-postgresql": "31.5MiB / 256MiB",
}
APP_TARGETS = (("postiz-postgres", 5432), ("postiz-redis", 6379), ("temporal", 7233))


def healthy_stack(project="postiz", services=SERVICES, root="/var/lib/docker"):
    """A scenario: every service running and healthy, every probe answering."""
    containers = {}
    for index, service in enumerate(services):
        containers[service] = {
            "id": f"{index:02d}{'c' * 10}",
            "state": "running",
            "health": "healthy",
            "status": "Up 5 minutes (healthy)",
            "exit_code": 0,
            # Dependencies first, the app last, as Compose starts them.
            "started_at": f"2026-11-28T00:5{index if service != 'postiz' else 9}:13.123456789Z",
            "oom_killed": False,
            "restarts": 0,
            "mem": MEMORY.get(service, "10MiB / 100MiB"),
        }
    return {
        "project": project,
        "services": list(services),
        "containers": containers,
        "docker_root": root,
        "fail": {},  # command word -> [rc, stdout, stderr], e.g. {'stats': [1, '', 'boom']}
        "exec": {
            "pg_isready": [0, "/var/run/postgresql:5432 - accepting connections\n", ""],
            "redis-cli": [0, "PONG\n", ""],
            "temporal": [0, "namespace default exists\n", ""],
        },
        "reach": {f"{host}:{port}": [True, 2, ""] for host, port in APP_TARGETS},
    }


def with_changes(scenario, **containers):
    """A copy of ``scenario`` with container fields changed: ``temporal={'state': 'exited'}``."""
    changed = copy.deepcopy(scenario)
    for service, fields in containers.items():
        if fields is None:
            del changed["containers"][service]
        else:
            changed["containers"][service].update(fields)
    return changed


def _ps(scenario):
    lines = []
    for service, c in scenario["containers"].items():
        lines.append(
            json.dumps(
                {
                    "ID": c["id"],
                    "Name": "{}-{}-1".format(scenario["project"], service),
                    "Service": service,
                    "Project": scenario["project"],
                    "State": c["state"],
                    "Health": c["health"] if c["state"] == "running" else "",
                    "Status": c["status"],
                    "ExitCode": c["exit_code"],
                }
            )
        )
    return "\n".join(lines) + "\n"


def _by_id(scenario, container_id):
    for service, c in scenario["containers"].items():
        if container_id.startswith(c["id"]) or c["id"].startswith(container_id):
            return service, c
    return None, None


def _exec(scenario, args):
    _service, c = _by_id(scenario, args[1])
    if c is None or c["state"] != "running":
        return 1, "", f"Error response from daemon: container {args[1]} is not running"
    command = " ".join(args[2:])
    if "net.connect" in command:
        targets = json.loads(args[-1])
        answers = []
        for host, port in targets:
            ok, ms, error = scenario["reach"].get(f"{host}:{port}", [False, 3000, "ENOTFOUND"])
            answers.append([host, port, ok, ms, error])
        return 0, json.dumps(answers) + "\n", ""
    for word, answer in scenario["exec"].items():
        if word in command:
            return answer[0], answer[1], answer[2]
    return 127, "", f"sh: 1: {args[2]}: not found"


def answer(args, scenario):
    """(rc, stdout, stderr) of ``docker <args>`` in ``scenario``."""
    args = list(args)
    word = args[0] if args[0] != "compose" else next(a for a in args if a in ("ps", "config"))
    if word in scenario["fail"]:
        return tuple(scenario["fail"][word])
    if word == "ps":
        return 0, _ps(scenario), ""
    if word == "config":
        return 0, "\n".join(sorted(scenario["services"])) + "\n", ""
    if word == "inspect":
        found = []
        for container_id in args[1:]:
            service, c = _by_id(scenario, container_id)
            found.append(
                {
                    "Id": c["id"] + "f" * 52,
                    "RestartCount": c["restarts"],
                    "State": {
                        "Status": c["state"],
                        "StartedAt": c["started_at"],
                        "OOMKilled": c["oom_killed"],
                        "Health": {
                            "Status": c["health"],
                            "Log": [{"ExitCode": 0, "Output": ""}]
                            + (
                                [{"ExitCode": -1, "Output": c["health_output"]}]
                                if c.get("health_output")
                                else []
                            ),
                        },
                    },
                    "Config": {
                        "Image": f"example/{service}:1",
                        "Labels": {"com.docker.compose.service": service},
                    },
                }
            )
        return 0, json.dumps(found), ""
    if word == "stats":
        lines = []
        for container_id in args[4:]:
            service, c = _by_id(scenario, container_id)
            lines.append(
                json.dumps(
                    {
                        "ID": c["id"],
                        "Name": "{}-{}-1".format(scenario["project"], service),
                        "MemUsage": c["mem"],
                        "CPUPerc": "1.00%",
                    }
                )
            )
        return 0, "\n".join(lines) + "\n", ""
    if word == "info":
        return 0, scenario["docker_root"] + "\n", ""
    if word == "exec":
        return _exec(scenario, args)
    return 1, "", f"docker: unknown command {word}"


class FakeDocker:
    """In-process stand-in for the ``run`` callable of module_utils._postiz_health.Docker."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.calls = []

    def __call__(self, command):
        self.calls.append(command)
        return answer(command[1:], self.scenario)


_SCRIPT = """#!%(python)s
import json, sys
sys.path[:0] = [%(here)r, %(collections)r]
import fake_stack
with open(%(scenario)r) as handle:
    scenario = json.load(handle)
with open(%(log)r, 'a') as log:
    log.write(json.dumps(sys.argv[1:]) + '\\n')
rc, out, err = fake_stack.answer(sys.argv[1:], scenario)
sys.stdout.write(out)
sys.stderr.write(err)
sys.exit(rc)
"""


def _collections_root():
    """The directory holding ``ansible_collections`` with this collection, for the script's imports."""
    import ansible_collections.selfhosted.postiz as collection  # pylint: disable=import-outside-toplevel

    return os.path.dirname(os.path.dirname(os.path.dirname(next(iter(collection.__path__)))))


def install(directory, scenario):
    """Write ``docker`` and its scenario into ``directory``; return the call log's path."""
    directory = str(directory)
    scenario_path = os.path.join(directory, "scenario.json")
    log_path = os.path.join(directory, "calls.jsonl")
    with open(scenario_path, "w") as handle:
        json.dump(scenario, handle)
    script = os.path.join(directory, "docker")
    with open(script, "w") as handle:
        handle.write(
            _SCRIPT
            % {
                "python": sys.executable,
                "here": os.path.dirname(os.path.abspath(__file__)),
                "collections": _collections_root(),
                "scenario": scenario_path,
                "log": log_path,
            }
        )
    os.chmod(script, os.stat(script).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return log_path


class FakePostizApp(FakeMcp):
    """The app's HTTP surface the health check reads; ``backend_down`` makes nginx answer 502."""

    def __init__(self, api_key, backend_down=False, **options):
        super().__init__(api_key, **options)
        self.backend_down = backend_down

    def handle(self, handler, entry):
        path = entry.path
        if self.backend_down and path.startswith("/api/"):
            handler.send_body(502, "<html><head><title>502 Bad Gateway</title></head></html>")
        elif path == "/api/":
            handler.send_body(200, "App is running!", content_type="text/html; charset=utf-8")
        elif path == "/auth":
            handler.send_body(200, "<!DOCTYPE html><html><body>Login</body></html>")
        elif path == "/api/public/v1/is-connected":
            key = entry.headers.get("authorization")
            if not key:
                handler.send_body(401, {"msg": "No API Key found"})
            elif key != self.api_key:
                handler.send_body(401, {"msg": "Invalid API key"})
            else:
                handler.send_body(200, {"connected": True})
        else:
            super().handle(handler, entry)
