#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_secrets
short_description: Generate the secrets of a Postiz deployment once and keep them
version_added: 0.1.0
description:
  - Keeps a JSON file of secrets (name to value) on the target host, for example
    C(/opt/postiz/secrets/secrets.json).
  - Each secret listed in O(secrets) is generated once, when it is missing or empty, and
    then kept. Re-running the module never changes an existing value, so Postiz sessions
    and encrypted data survive re-deploys. Only the names listed in O(rotate) get new values.
  - Values are drawn from Python's C(secrets) module and use only letters and digits (or
    lowercase hex), so they are safe inside database URLs and env files without quoting.
  - Keys in the file that are not listed in O(secrets) are kept as they are.
  - The file is replaced atomically (temporary file in the same directory, then rename),
    is always mode C(0600), and its directory is always mode C(0700); drifted modes are
    repaired. A file that is not valid JSON is never overwritten.
  - The module returns the values, so B(always set no_log to true on the task). Without it the
    returned values are printed at C(-v) and above.
extends_documentation_fragment:
  - selfhosted.postiz.attributes
attributes:
  check_mode:
    details:
      - Nothing is written. Missing secrets are still generated in memory and returned, so
        tasks that template them later in the same dry run work; a real run generates
        different values.
  diff_mode:
    support: full
    details:
      - The diff shows secret names, file and directory modes and, with O(owner) or O(group),
        the owner. Values are shown only as V(<set>), V(<generated>) or V(<rotated>).
  idempotent:
    support: partial
    details:
      - Idempotent unless O(rotate) is non-empty; every run with O(rotate) generates new values.
options:
  path:
    description:
      - The JSON file holding the secrets.
      - Its directory should be dedicated to secrets, because the module sets it to mode
        C(0700). The module refuses C(/) and shared directories with the sticky bit, such as C(/tmp).
      - Missing parent directories are created with the default mode.
    type: path
    required: true
  secrets:
    description:
      - The secrets that must exist in the file.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the secret, usable as an environment variable name
            (letters, digits and underscores, not starting with a digit).
        type: str
        required: true
      length:
        description:
          - Number of characters of a newly generated value. At least 32.
          - Existing values are kept whatever their length.
        type: int
        default: 48
      alphabet:
        description:
          - V(alnum) draws from C(A-Z), C(a-z) and C(0-9); V(hex) from C(0-9) and C(a-f).
        type: str
        choices: [alnum, hex]
        default: alnum
  rotate:
    description:
      - Names of secrets to replace with new values on this run. Each must be listed in
        O(secrets).
      - Rotating C(JWT_SECRET) logs every Postiz user out and makes the data Postiz encrypted
        with it unreadable (custom-instance provider credentials, OAuth-app client secrets,
        MCP OAuth tokens); the module warns when it does.
      - A rotated database password must also be changed in the running database server;
        this module only changes the file.
    type: list
    elements: str
    default: []
  owner:
    description:
      - User (name or uid) that should own the file and its directory. Default is to leave
        ownership alone (new files belong to the connecting user).
    type: str
  group:
    description:
      - Group (name or gid) that should own the file and its directory.
    type: str
notes:
  - Secret values are masked in any failure output of this module. On success they are
    returned in RV(secrets) by design, so the task itself must set C(no_log) to V(true).
"""

EXAMPLES = r"""
- name: Generate the Postiz secrets once and load them
  selfhosted.postiz.postiz_secrets:
    path: /opt/postiz/secrets/secrets.json
    secrets: &postiz_secret_specs
      - name: JWT_SECRET
        length: 64
      - name: POSTIZ_POSTGRES_PASSWORD
        length: 40
  register: postiz_secrets
  no_log: true

- name: Run it again; nothing changes
  selfhosted.postiz.postiz_secrets:
    path: /opt/postiz/secrets/secrets.json
    secrets: *postiz_secret_specs
  register: postiz_secrets_again
  no_log: true

- name: Check that the second run was idempotent
  ansible.builtin.assert:
    that: not postiz_secrets_again.changed

- name: Rotate the database password (the server must be told about it separately)
  selfhosted.postiz.postiz_secrets:
    path: /opt/postiz/secrets/secrets.json
    secrets: *postiz_secret_specs
    rotate:
      - POSTIZ_POSTGRES_PASSWORD
  register: postiz_secrets
  no_log: true
"""

RETURN = r"""
secrets:
  description:
    - Every secret listed in O(secrets), name to value, after generation and rotation.
    - In check mode, missing secrets have values generated in memory only.
  returned: success
  type: dict
  sample:
    JWT_SECRET: 8bG2x...
    POSTIZ_POSTGRES_PASSWORD: Qw7Zt...
generated:
  description: Names of the secrets generated on this run because they were missing or empty.
  returned: success
  type: list
  elements: str
  sample: [JWT_SECRET]
rotated:
  description: Names of the secrets that had a value and were given a new one because of O(rotate).
  returned: success
  type: list
  elements: str
  sample: []
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import execute
from ansible_collections.selfhosted.postiz.plugins.module_utils._secrets_store import (
    DEFAULT_ALPHABET,
    DEFAULT_LENGTH,
    SecretSpec,
    SecretsStore,
    SecretsStoreError,
)

JWT_ROTATION_WARNING = (
    "Rotating JWT_SECRET logs every Postiz user out and makes the data Postiz encrypted with the old "
    "value unreadable (custom-instance provider credentials such as Bluesky or Lemmy, OAuth-app client "
    "secrets, MCP OAuth tokens): those must be entered again. Organisation API keys keep working."
)

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    # Holds names and lengths, not values; no_log here would mask the names everywhere.
    secrets=dict(
        type="list",
        elements="dict",
        required=True,
        no_log=False,
        options=dict(
            name=dict(type="str", required=True),
            length=dict(type="int", default=DEFAULT_LENGTH),
            alphabet=dict(type="str", choices=["alnum", "hex"], default=DEFAULT_ALPHABET),
        ),
    ),
    rotate=dict(type="list", elements="str", default=[]),
    owner=dict(type="str"),
    group=dict(type="str"),
)


def run_module(module):
    """Sync the store and exit; every decision lives in module_utils._secrets_store."""
    params = module.params
    try:
        specs = [SecretSpec(item["name"], item["length"], item["alphabet"]) for item in params["secrets"]]
        rotate = sorted(set(params["rotate"]))
        store = SecretsStore(params["path"], owner=params["owner"], group=params["group"])
        result = store.sync(specs, rotate=rotate, check_mode=module.check_mode)
    except SecretsStoreError as exc:
        module.fail_json(msg=str(exc))

    values = {value for value in result.secrets.values() if value}
    # Registered so that any failure output from here on masks them.
    module.no_log_values.update(values)
    # Old values of rotated secrets appear nowhere in the result; a hand-made
    # very short one would only mangle ordinary words in the output if masked.
    module.no_log_values.update(value for value in result.previous_values.values() if len(value) >= 8)

    if "JWT_SECRET" in result.rotated:
        module.warn(JWT_ROTATION_WARNING)

    output = dict(
        changed=result.changed,
        secrets=result.secrets,
        generated=result.generated,
        rotated=result.rotated,
    )
    if module._diff:
        output["diff"] = result.diff

    # AnsibleModule replaces every registered value anywhere in the result with
    # '********', which would blank the 'secrets' return this module exists for.
    # The returned values are therefore released here; the task's no_log hides them.
    module.no_log_values.difference_update(values)
    module.exit_json(**output)


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
