#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run site.yml once per bad setting, a few at a time, and print what each run said.

Reads {"argv": [...], "env": {...}, "cwd": ..., "playbook": ..., "jobs": 4, "base_vars": {...},
"cases": [{"name": ..., "vars": {...}}, ...]} as JSON on stdin, where argv is how the
scenario runs ansible-playbook against its machine (postiz_test_ansible_playbook: the
inventory, the limit and the machine's settings) and env its environment
(postiz_test_playbook_env). Each run is argv + its settings as JSON + the playbook.
With "fact_cache" (a directory), the first run gathers the machine's facts into a JSON
fact cache there and the others, started once it is done, reuse them (smart gathering):
the refusals only read, and gathering is a third of each run.
Prints [{"name", "rc", "seconds", "tail"}] as JSON on stdout, where "tail" is the last
lines of the run's output (the refusal and the recap are at the end). One process waits
on all runs, so nothing polls. Used by molecule/bad_input/verify.yml, on the controller.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import time

TAIL_LINES = 150


def run_case(spec, case):
    env = dict(
        os.environ,
        **spec["env"],
        # Messages as JSON strings: never folded across lines.
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
    )
    if spec.get("fact_cache"):
        env.update(
            ANSIBLE_GATHERING="smart",
            ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile",
            ANSIBLE_CACHE_PLUGIN_CONNECTION=spec["fact_cache"],
        )
    command = [
        *list(spec["argv"]),
        "--extra-vars",
        json.dumps(dict(spec["base_vars"], **case["vars"])),
        spec["playbook"],
    ]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=spec["cwd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    return {
        "name": case["name"],
        "rc": done.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "tail": done.stdout.splitlines()[-TAIL_LINES:],
    }


def main():
    spec = json.load(sys.stdin)
    jobs = int(spec.get("jobs", 4))
    cases = spec["cases"]
    first = [run_case(spec, case) for case in cases[:1]] if spec.get("fact_cache") else []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_case, spec, case) for case in cases[len(first) :]]
        results = first + [future.result() for future in futures]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
