# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip.py that ``ansible-test --requirements`` downloads.

ansible-test bootstraps pip into each fresh virtual environment by running a
cached get-pip script from ``~/.ansible/test/cache/get_pip_<version>.py``,
which it would otherwise download from ci-files.testing.ansible.com. Copy this
file there (the Makefile does) and ansible-test uses it instead.

How ansible-test calls it (ansible_test/_util/target/setup/requirements.py,
``bootstrap``): ``python quiet_pip.py --disable-pip-version-check pip==24.2
--no-setuptools --no-wheel`` with ``GET_PIP=<this file>``; quiet_pip.py runs
this file as ``__main__`` in the new environment's interpreter, with those
arguments in ``sys.argv[1:]``.

What it does instead of get-pip's embedded wheel:

1. ``python -m ensurepip --upgrade --default-pip`` in a subprocess. In-process,
   ensurepip points PIP_CONFIG_FILE at /dev/null for the rest of the process,
   which would drop the host's pip configuration (CA bundle, index, wheel
   directories) from step 2.
2. ``python -m pip install <arguments>`` with get-pip's own flags removed, so the
   exact pip version ansible-test asked for comes from the configured index.
3. For ``--no-setuptools`` / ``--no-wheel``: removes setuptools or wheel again
   when step 1 brought them in (ensurepip on Python < 3.12 installs setuptools).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

# get-pip options that are not pip install options.
GET_PIP_FLAGS = {"--no-setuptools": "setuptools", "--no-wheel": "wheel"}


def run(*args):
    """Run this interpreter with args; exit with its status on failure."""
    command = [sys.executable, *list(args)]
    status = subprocess.call(command)
    if status != 0:
        sys.stderr.write("get_pip_standin: {} failed with status {}\n".format(" ".join(command), status))
        sys.exit(status)


def installed(name):
    """Ask a fresh interpreter: this process's import caches predate ensurepip."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is None)"
    return subprocess.call([sys.executable, "-c", probe]) == 0


def main(argv):
    unwanted = [GET_PIP_FLAGS[arg] for arg in argv if arg in GET_PIP_FLAGS]
    pip_args = [arg for arg in argv if arg not in GET_PIP_FLAGS]
    present_before = {name for name in unwanted if importlib.util.find_spec(name) is not None}

    run("-m", "ensurepip", "--upgrade", "--default-pip")
    if pip_args:
        run("-m", "pip", "install", *pip_args)

    brought_in = [name for name in unwanted if name not in present_before and installed(name)]
    if brought_in:
        run("-m", "pip", "uninstall", "--yes", "--disable-pip-version-check", *brought_in)


if __name__ == "__main__":
    main(sys.argv[1:])
