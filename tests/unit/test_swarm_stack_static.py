# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Static checks of the Swarm stack file, for every shape of the stack the role renders.

Two independent readers must take it without a word of complaint:

- the docker CLI's own stack parser (``docker stack deploy``, which loads, validates against its
  embedded schemas and lists unsupported or deprecated options before it contacts any daemon).
  The CLI is pointed at a socket that does not exist and at an empty config directory: it never
  reaches the host's engine, and "Cannot connect to the Docker daemon" is the sign that the file
  got through every check;
- the Compose file format 3.8 JSON schema (tests/swarm/compose-schema.sh fetches it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import jsonschema
import pytest
import yaml
from compose_template import render
from swarm_settings import CA_FILE, settings

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm

SCHEMA = os.environ.get(
    "POSTIZ_COMPOSE_V3_SCHEMA", "/tmp/selfhosted-postiz-compose-schema/config_schema_v3.8.json"
)
# Debian's CLI (the one the swarm's nodes run) before any other.
DOCKER = shutil.which("docker", path="/usr/bin") or shutil.which("docker")
PARSED = "Cannot connect to the Docker daemon"

SHAPES = {
    "https with the proxy": ({"proxy": True}, 1, ""),
    "plain http, no proxy": ({}, 1, ""),
    "three app replicas sharing uploads": ({"proxy": True}, 3, "/srv/postiz-uploads"),
    "external database and redis": ({"external_database": True, "external_redis": True}, 2, "/srv/uploads"),
    "temporal cloud": ({"temporal_cloud": True, "proxy": True}, 1, ""),
    "elasticsearch": ({"elasticsearch": True}, 1, ""),
}


def stack_file(tmp_path, shape):
    switches, replicas, uploads = SHAPES[shape]
    compose = render(switches, ca_certificates=CA_FILE)
    stack = swarm.stack(compose, settings(compose, replicas, uploads))
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(stack, sort_keys=False), encoding="utf-8")
    # The files the stack's secrets and configs name must exist for the parser.
    for entry in [*stack.get("secrets", {}).values(), *stack.get("configs", {}).values()]:
        if not entry["file"].startswith("/"):
            (tmp_path / entry["file"]).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / entry["file"]).write_text("x\n", encoding="utf-8")
    return stack, path


def parser_output(tmp_path, path):
    """What docker stack deploy says of the file, with no daemon to reach and no config of the host's."""
    assert DOCKER, "the docker CLI is needed (make host-deps installs Debian's docker.io)"
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock",
        "DOCKER_CONFIG": str(config_dir),
    }
    result = subprocess.run(
        [DOCKER, "stack", "deploy", "--compose-file", str(path), "parse-only"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_docker_cli_stack_parser_takes_the_stack_file(tmp_path, shape):
    output = parser_output(tmp_path, stack_file(tmp_path, shape)[1])
    assert PARSED in output, output
    assert "unsupported" not in output.lower(), output
    assert "deprecated" not in output.lower(), output


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_stack_file_follows_the_compose_v3_8_schema(tmp_path, shape):
    assert os.path.isfile(SCHEMA), f"{SCHEMA} is missing: run tests/swarm/compose-schema.sh (make unit does)"
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    stack = stack_file(tmp_path, shape)[0]
    # Through YAML and back, as the parser reads it (octal modes, for one, become ints).
    jsonschema.validate(yaml.safe_load(yaml.safe_dump(stack)), schema)


def test_the_parser_check_can_fail(tmp_path):
    # The same route with a file Swarm ignores part of must not pass.
    path = tmp_path / "stack.yaml"
    path.write_text('version: "3.8"\nservices:\n  a:\n    image: x\n    restart: always\n', encoding="utf-8")
    assert "unsupported" in parser_output(tmp_path, path).lower()
