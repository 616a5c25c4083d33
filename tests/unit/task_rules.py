# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluate one ``ansible.builtin.assert`` task of a role, as Ansible would, for many inputs.

The task's ``that`` conditions and ``fail_msg`` are rendered by Ansible's own templar, with
this collection's filters, in a child process (installing Ansible's collection loader would
change imports for the other tests). Returns, per case, whether the assert passes and, when
it does not, its rendered message. ``render`` renders templates, such as a role's vars, the
same way; :func:`render_cases` renders one expression for many inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

_HEAD = r"""
import json, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core 2.17 and 2.18: every string is a template
    trust_as_template = None

def trusted(value):
    if trust_as_template is None:
        return value
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trusted(item) for item in value]
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    return value

"""

_CHILD = (
    _HEAD
    + r"""
job = json.load(sys.stdin)
task = job['task']
args = task['ansible.builtin.assert']
that = args['that'] if isinstance(args['that'], list) else [args['that']]

def holds(templar, condition):
    if trust_as_template is None:
        # What ansible-core 2.17's Conditional does with a `when`/`that` string.
        return templar.template('{%% if %s %%} True {%% else %%} False {%% endif %%}' % condition).strip() == 'True'
    return templar.evaluate_conditional(trust_as_template(condition))

out = []
for case in job['cases']:
    variables = trusted(dict(task.get('vars') or {}))
    variables.update(case)
    templar = Templar(loader=DataLoader(), variables=variables)
    passed = all(holds(templar, condition) for condition in that)
    message = None if passed else templar.template(trusted(args['fail_msg']))
    out.append({'passed': passed, 'message': message})
json.dump(out, sys.stdout)
"""
)

_RENDER_CHILD = (
    _HEAD
    + r"""
job = json.load(sys.stdin)
templar = Templar(loader=DataLoader(), variables=trusted(job['variables']))
json.dump([templar.template(trusted(template)) for template in job['templates']], sys.stdout)
"""
)


def _find(tasks, name, inherited):
    """The task named ``name``, with the vars of the blocks around it under its own."""
    for task in tasks or []:
        if task.get("name") == name and "block" not in task:
            return dict(task, vars=dict(inherited, **(task.get("vars") or {})))
        for part in ("block", "rescue", "always"):
            found = _find(task.get(part), name, dict(inherited, **(task.get("vars") or {})))
            if found is not None:
                return found
    return None


def every_task(node):
    """Every play, block, task and role entry of a parsed YAML file, blocks opened."""
    for item in node or []:
        if not isinstance(item, dict):
            continue
        yield item
        for key in ("block", "rescue", "always", "pre_tasks", "tasks", "post_tasks", "handlers"):
            yield from every_task(item.get(key))
        yield from (role for role in item.get("roles") or [] if isinstance(role, dict))


def load_task(relative_path, name):
    with open(os.path.join(ROOT, relative_path), encoding="utf-8") as handle:
        task = _find(yaml.safe_load(handle), name, {})
    if task is None:
        raise LookupError(f"{relative_path} has no task named {name!r}")
    return task


def _child(script, job, what):
    proc = subprocess.run(
        [sys.executable, "-c", script, os.path.join(ROOT, "collections")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "collections")),
    )
    if proc.returncode != 0:
        raise AssertionError(f"{what} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def render(templates, variables):
    """Each of ``templates`` rendered by Ansible's templar with ``variables`` (templates too, such
    as a role's vars/main.yml), with this collection's filters."""
    return _child(_RENDER_CHILD, {"templates": templates, "variables": variables}, "rendering")


def evaluate(relative_path, name, cases, role_vars=None):
    """[{'passed': bool, 'message': str or None}] for each dict of variables in ``cases``.

    ``role_vars`` (say, a role's vars/main.yml) are templates like the task's own vars."""
    task = load_task(relative_path, name)
    task = dict(task, vars=dict(role_vars or {}, **task["vars"]))
    return _child(_CHILD, {"task": task, "cases": cases}, f"evaluating {name}")


_RENDER_CASES_CHILD = (
    _HEAD
    + r"""
job = json.load(sys.stdin)
out = []
for case in job['cases']:
    variables = trusted(dict(job['role_vars']))
    variables.update(case)
    templar = Templar(loader=DataLoader(), variables=variables)
    out.append(templar.template(trusted(job['expression'])))
json.dump(out, sys.stdout)
"""
)


def render_cases(expression, cases, role_vars=None):
    """``expression`` (a template) rendered by Ansible for each dict of variables in ``cases``.

    ``role_vars`` (say, a role's defaults and vars) are templates, as in the role."""
    job = {"expression": expression, "cases": cases, "role_vars": role_vars or {}}
    return _child(_RENDER_CASES_CHILD, job, f"rendering {expression}")
