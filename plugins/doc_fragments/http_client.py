# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Options and notes of the modules that talk to Postiz over HTTP(S) from the managed host."""

    DOCUMENTATION = r"""
options:
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
  validate_certs:
    description:
      - Verify the TLS certificate of an C(https) O(url). Turn off only for a test instance.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of a CA to trust in addition to the system ones, for an internal CA.
    type: path
notes:
  - The module talks to O(url) from the managed host. HTTP(S) proxies from the environment
    (C(https_proxy), C(no_proxy)) apply.
"""
