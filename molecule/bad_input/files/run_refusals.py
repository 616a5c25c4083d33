#!/usr/bin/env python3
"""Run site.yml once per bad setting, a few at a time, and print what each run said.

Reads {"repo": ..., "base_vars": {...}, "cases": [{"name": ..., "vars": {...}}, ...]}
as JSON on stdin and prints [{"name", "rc", "seconds", "tail"}] as JSON on stdout, where
"tail" is the last lines of the run's output (the refusal and the recap are at the end).
One process waits on all runs, so nothing polls. Used by molecule/bad_input/verify.yml.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import time

TAIL_LINES = 150


def run_case(repo, base_vars, case):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(repo, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, "collections"), ANSIBLE_FORCE_COLOR="0",
               # Messages as JSON strings: never folded across lines.
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               "-e", "@" + os.path.join(repo, "tests", "offline.yml"),
               "-e", json.dumps(dict(base_vars, **case["vars"])),
               os.path.join(repo, "site.yml")]
    started = time.monotonic()
    done = subprocess.run(command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=900, check=False)
    return {"name": case["name"], "rc": done.returncode, "seconds": round(time.monotonic() - started, 1),
            "tail": done.stdout.splitlines()[-TAIL_LINES:]}


def main():
    spec = json.load(sys.stdin)
    jobs = int(spec.get("jobs", 4))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_case, spec["repo"], spec["base_vars"], case) for case in spec["cases"]]
        results = [future.result() for future in futures]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
