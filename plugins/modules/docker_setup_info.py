#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_setup_info
short_description: Read what a host has of a Docker setup in one step
version_added: 0.1.0
description:
  - Answers, in one round trip, the questions a role that installs Docker asks before it changes
    anything, and again at the end. The installed packages (C(dpkg-query)); the Docker CLI plugin
    entry for Compose and, when it is a link into a given directory, the version that binary reports;
    which Python modules the interpreter running this module imports, and whether it is a virtualenv;
    what C(docker compose version --short) answers; the facts of paths; whether services are
    enabled and running; the programs that listen on TCP ports; and the space free where a path is
    to live.
  - It only reads. A command that cannot be run is reported, never a failure.
extends_documentation_fragment:
  - selfhosted.postiz.attributes.read_only
  - selfhosted.postiz.attributes
options:
  packages:
    description:
      - Whether to list the installed packages.
    type: bool
    default: true
  compose_plugin_path:
    description:
      - The Compose entry of a Docker CLI plugin folder to look at, never followed when it is a link.
    type: path
  compose_link_dir:
    description:
      - When O(compose_plugin_path) is a link into this directory, run it with C(version --short).
    type: path
  python_modules:
    description:
      - Python modules to try to import in the interpreter running this module.
    type: list
    elements: str
    default: []
  compose_version:
    description:
      - Whether to ask C(docker compose version --short).
    type: bool
    default: false
  server_version:
    description:
      - Whether to ask the Docker daemon its version (C(docker version --format {{.Server.Version}})),
        which also tells whether it answers. A daemon that has not answered within 60 seconds is
        reported with rc 124 (where coreutils' C(timeout) is installed).
    type: bool
    default: false
  server_url:
    description:
      - The daemon O(server_version) asks, as the Docker CLI's C(--host) takes it, for example
        C(unix:///var/run/docker.sock) or C(tcp://127.0.0.1:2375).
      - Without it, the one the Docker CLI picks itself (C(DOCKER_HOST), the current context).
    type: str
  describe:
    description:
      - Absolute paths to describe, as O(selfhosted.postiz.postiz_files#module:describe) does. A directory
        is also listed, and a symbolic link is described, never followed. With the
        P(selfhosted.postiz.postiz_files_drift#filter) filter, a play leaves out the writes that would
        change nothing.
    type: list
    elements: path
    default: []
  services:
    description:
      - Services (or systemd units, such as V(example.timer)) whose state to tell in RV(services), whether
        each is enabled at boot and running now, so that a play starts one only when it is not known to
        be both.
      - When systemd is the running service manager, read with one C(systemctl show) (the unit file
        state V(enabled), the active state V(active)); otherwise as the M(ansible.builtin.service) module
        tells them under System V init with C(update-rc.d), a start link C(/etc/rc?.d/S??<name>) and the
        exit status 0 of C(/etc/init.d/<name> status).
    type: list
    elements: str
    default: []
  listeners:
    description:
      - Whether to list the TCP ports programs listen on, with the programs
        (C(ss --tcp --listening --numeric --processes --no-header)).
    type: bool
    default: false
  free_space:
    description:
      - A path (a directory that may not exist yet, such as Docker's data root) whose filesystem to
        tell the free space of, in RV(free_space).
    type: path
"""

EXAMPLES = r"""
- name: Read what the host has of Docker
  selfhosted.postiz.docker_setup_info:
    compose_plugin_path: /usr/local/lib/docker/cli-plugins/docker-compose
    compose_link_dir: /opt/docker-compose
    python_modules: [docker, requests]
    compose_version: true
    server_version: true
    server_url: unix:///var/run/docker.sock
    describe: [/etc/docker]
  register: docker_setup
"""

RETURN = r"""
packages:
  description: Names of the installed packages; null on a host without C(dpkg-query).
  returned: when O(packages) is true
  type: list
  elements: str
  sample: [docker.io, python3-docker]
compose_plugin:
  description:
    - Whether O(compose_plugin_path) exists (C(exists)), is a link (C(islnk)), the path it leads to
      (C(lnk_source)), and, for a link into O(compose_link_dir), C(version) with the C(rc), C(stdout)
      and C(stderr) of C(version --short) (else null).
  returned: when O(compose_plugin_path) is set
  type: dict
  sample: {exists: true, islnk: true, lnk_source: /opt/docker-compose/lib/docker-compose, version: {rc: 0, stdout: "2.40.3\n", stderr: ""}}
python:
  description:
    - The interpreter's C(executable) and C(prefix), whether it is a virtualenv (C(venv)), and under
      C(found) the version of each of O(python_modules), null for one it cannot import.
  returned: when O(python_modules) is not empty
  type: dict
  sample: {executable: /usr/bin/python3, prefix: /usr, venv: false, found: {docker: 5.0.3, requests: null}}
compose_version:
  description: The C(rc), C(stdout) and C(stderr) of C(docker compose version --short); rc 127 without the Docker CLI.
  returned: when O(compose_version) is true
  type: dict
  sample: {rc: 0, stdout: "2.40.3\n", stderr: ""}
server_version:
  description: The C(rc), C(stdout) and C(stderr) of asking the daemon its version; rc 127 without the Docker CLI.
  returned: when O(server_version) is true
  type: dict
  sample: {rc: 0, stdout: "20.10.24+dfsg1\n", stderr: ""}
described:
  description: Facts of each path of O(describe), as RV(selfhosted.postiz.postiz_files#module:described) gives them.
  returned: when O(describe) is not empty
  type: dict
  sample: {/etc/docker/daemon.json: {type: file, mode: "0644", uid: 0, gid: 0, owner: root, group: root, sha1: 3a1f...}}
services:
  description:
    - For each of O(services), the service manager that answered (C(manager), V(systemd) or V(sysv)),
      whether the service is enabled (C(enabled)) and running (C(active)); null for what could not be told.
    - Under System V init a service without an init script is neither.
  returned: when O(services) is not empty
  type: dict
  sample: {cron: {manager: sysv, enabled: true, active: true}}
listeners:
  description: The C(rc), C(stdout) and C(stderr) of C(ss); rc 127 without it.
  returned: when O(listeners) is true
  type: dict
  sample: {rc: 0, stdout: "LISTEN 0 4096 127.0.0.1:5000 0.0.0.0:* users:((\"docker-proxy\",pid=812,fd=4))\n", stderr: ""}
free_space:
  description:
    - For O(free_space), its nearest directory that exists (C(path)), the mount point of its filesystem
      (C(mount)) and the bytes free there for an unprivileged writer (C(size_available)).
  returned: when O(free_space) is set
  type: dict
  sample: {path: /var/lib, mount: /, size_available: 21474836480}
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._docker_setup import (
    SS_LISTENERS,
    command_answer,
    compose_plugin,
    free_space,
    installed_packages,
    python_modules,
    service_states,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_files import FilesError, describe
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute

ARGUMENT_SPEC = dict(
    packages=dict(type="bool", default=True),
    compose_plugin_path=dict(type="path"),
    compose_link_dir=dict(type="path"),
    python_modules=dict(type="list", elements="str", default=[]),
    compose_version=dict(type="bool", default=False),
    server_version=dict(type="bool", default=False),
    server_url=dict(type="str"),
    describe=dict(type="list", elements="path", default=[]),
    services=dict(type="list", elements="str", default=[]),
    listeners=dict(type="bool", default=False),
    free_space=dict(type="path"),
)


# Seconds the daemon has to tell its version (docker_host_info's own default timeout).
SERVER_TIMEOUT = 60


def run_module(module):
    """Each question the options ask, answered; the reading lives in module_utils._docker_setup."""
    params = module.params

    def run(argv):
        return module.run_command(argv, check_rc=False, handle_exceptions=False)

    result = {}
    if params["packages"]:
        result["packages"] = installed_packages(run)
    if params["compose_plugin_path"]:
        result["compose_plugin"] = compose_plugin(
            run, params["compose_plugin_path"], params["compose_link_dir"] or ""
        )
    if params["python_modules"]:
        result["python"] = python_modules(params["python_modules"])
    if params["compose_version"]:
        result["compose_version"] = command_answer(run, ["docker", "compose", "version", "--short"])
    if params["server_version"]:
        host = ["--host", params["server_url"]] if params["server_url"] else []
        # A wedged daemon must not hang the play: coreutils' timeout ends the question (rc 124).
        timeout = module.get_bin_path("timeout")
        limit = [timeout, str(SERVER_TIMEOUT)] if timeout else []
        result["server_version"] = command_answer(
            run, [*limit, "docker", *host, "version", "--format", "{{.Server.Version}}"]
        )
    if params["describe"]:
        try:
            result["described"] = describe(params["describe"])
        except FilesError as exc:
            module.fail_json(msg=str(exc))
    if params["services"]:
        result["services"] = service_states(run, params["services"])
    if params["listeners"]:
        result["listeners"] = command_answer(run, SS_LISTENERS)
    if params["free_space"]:
        result["free_space"] = free_space(params["free_space"])
    module.exit_json(changed=False, **result)


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
