# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A first deploy's refusals of a taken port and of a small disk, rendered by Ansible from what
the one read before them (docker_setup_info's ``listeners`` and ``free_space``) returns."""

from __future__ import annotations

from task_rules import evaluate

TASKS = "roles/postiz_stack/tasks/validate_first_deploy.yml"
PORT_TASK = "Refuse a port another program holds"
DISK_TASK = "Refuse a disk too small for the stack's images"
SETTINGS = {
    "postiz_stack_http_port": 5000,
    "postiz_stack_http_bind": "127.0.0.1",
    "__postiz_stack_proxy_enabled": False,
    "postiz_stack_temporal_ui_enabled": False,
    "postiz_stack_proxy_http_port": 80,
    "postiz_stack_proxy_https_port": 443,
    "postiz_stack_proxy_bind": "0.0.0.0",
    "postiz_stack_temporal_ui_port": 8080,
}


def _read(listeners="", available=50 * 2**30):
    return {
        "listeners": {"rc": 0, "stdout": listeners, "stderr": ""},
        "free_space": {"path": "/var/lib", "mount": "/", "size_available": available},
    }


def test_a_port_another_program_holds_is_named_with_the_program():
    line = 'LISTEN 0 4096 0.0.0.0:5000 0.0.0.0:* users:(("python3",pid=4242,fd=3))\n'
    other = 'LISTEN 0 4096 127.0.0.1:6000 0.0.0.0:* users:(("redis",pid=7,fd=3))\n'
    free, taken, no_ss = evaluate(
        TASKS,
        PORT_TASK,
        [
            dict(SETTINGS, __postiz_stack_host_read=_read(other)),
            dict(SETTINGS, __postiz_stack_host_read=_read(other + line)),
            dict(
                SETTINGS,
                __postiz_stack_host_read={"listeners": {"rc": 127, "stdout": "", "stderr": "ss: not found"}},
            ),
        ],
    )
    assert free["passed"] and no_ss["passed"]
    assert not taken["passed"]
    assert taken["message"].startswith(
        "Port 5000 on 127.0.0.1 (postiz_stack_http_port) is taken: python3 (pid 4242) listens on 0.0.0.0:5000."
    )


def test_a_listener_on_another_address_leaves_the_port_free():
    line = 'LISTEN 0 4096 10.0.0.5:5000 0.0.0.0:* users:(("nginx",pid=9,fd=6))\n'
    [free] = evaluate(TASKS, PORT_TASK, [dict(SETTINGS, __postiz_stack_host_read=_read(line))])
    assert free["passed"]


def test_a_disk_too_small_is_refused_with_the_space_free_and_the_setting():
    enough, small, as_text = evaluate(
        TASKS,
        DISK_TASK,
        [
            {
                "postiz_stack_min_free_disk_mb": 4096,
                "__postiz_stack_host_read": _read(available=5000 * 2**20),
                "__postiz_stack_host_docker_root": "/var/lib/docker",
            },
            {
                "postiz_stack_min_free_disk_mb": 4096,
                "__postiz_stack_host_read": _read(available=1000 * 2**20),
                "__postiz_stack_host_docker_root": "/var/lib/docker",
            },
            {
                "postiz_stack_min_free_disk_mb": "8000",
                "__postiz_stack_host_read": _read(available=5000 * 2**20),
                "__postiz_stack_host_docker_root": "/var/lib/docker",
            },
        ],
    )
    assert enough["passed"]
    assert not small["passed"] and not as_text["passed"]
    assert small["message"].startswith(
        "Only 1000 MiB are free on /, the filesystem of Docker's data (/var/lib/docker)"
    )
    assert "needs 8000 MiB (postiz_stack_min_free_disk_mb)" in as_text["message"]
