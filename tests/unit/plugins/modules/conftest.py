# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a module's real ``main()`` in-process, as Ansible would run it on a host."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core 2.17 and 2.18: no controller mode to switch off
    module_utils_internal = None


@pytest.fixture
def run_module(monkeypatch, capsys):
    """``run_module(main, check_mode=False, diff=False, **args)``: the module's parsed JSON
    result, plus its raw text under ``_raw`` (to search for leaked secrets)."""

    def _run(main, check_mode=False, diff=False, **args):
        payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": payload}).encode())
        if module_utils_internal is not None:
            monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
            # Importing controller code (as the filter tests do) switches module_utils to
            # controller mode, where warnings go to the display instead of the result.
            monkeypatch.setattr(module_utils_internal, "is_controller", False)
        # Each real module run is a fresh process; so is each run here (a dict from
        # ansible-core 2.19 on, a list before).
        monkeypatch.setattr(module_warnings, "_global_warnings", type(module_warnings._global_warnings)())
        with pytest.raises(SystemExit):
            main()
        out = capsys.readouterr().out
        result = json.loads(out)
        result["_raw"] = out
        return result

    return _run
