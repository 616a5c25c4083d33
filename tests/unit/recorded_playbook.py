# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-playbook on localhost with this clone's collection, its tasks recorded as JSON by the
record_results callback (tests/unit/callbacks), for tests that read what a run did."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callbacks")


def run_recorded(cwd, *arguments):
    """(exit status, recorded tasks, stdout, stderr) of ``ansible-playbook -i localhost, -c local
    <arguments>`` run in ``cwd``; no tasks when the run ended before the callback wrote them."""
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "collections"),
        ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
        ANSIBLE_STDOUT_CALLBACK="record_results",
        ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        *("-i", "localhost,", "-c", "local", *arguments),
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=str(cwd), check=False)
    start = run.stdout.find('{"tasks"')
    tasks = json.loads(run.stdout[start:])["tasks"] if start >= 0 else []
    return run.returncode, tasks, run.stdout, run.stderr
