#!/usr/bin/python
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: postiz_admin
short_description: Create the first Postiz account and read its organization API key
version_added: 0.1.0
description:
  - Makes sure a Postiz account with O(email) exists and returns the API key of its organization,
    the key used by the Postiz public API and the MCP server.
  - Logs in first (C(POST /api/auth/login)). When Postiz refuses the login, the account is
    registered (C(POST /api/auth/register)), which creates a user and an organization named
    O(company) with the user as its owner. When Postiz answers that the e-mail already exists,
    for example after an interrupted earlier run, it logs in again instead.
  - The key is read from C(GET /api/user/self) (field C(publicApi)), using the session token of
    the login in the C(auth) request header, which works over plain HTTP.
  - Waits up to O(wait_timeout) seconds for the app to answer, because it may still be starting
    after a deploy; a proxy answering 502, 503 or 504 and a refused connection count as starting.
  - The module returns the API key, so B(always set no_log to true on the task). Without it the
    key is printed at C(-v) and above. The password is never returned or shown.
extends_documentation_fragment:
  - selfhosted.postiz.attributes
  - selfhosted.postiz.http_client
attributes:
  check_mode:
    details:
      - Nothing is registered. When the account can log in, the key is read and returned (reading
        changes nothing). When it cannot, the module reports a change (a real run would register
        it), and RV(api_key) and RV(org_id) are not returned.
      - An existing account with a wrong password is reported as a change in check mode, because
        only registering tells the two cases apart; the real run fails.
      - In check mode the app is asked once, without waiting. When it does not answer (as in a dry
        run of the first deploy, where nothing was started), the module warns and reports the
        account as to be created.
      - In check mode an HTTP 5xx from Postiz (it runs but fails, for example while its database is
        stopped) is not a failure, since a real run would repair the stack first. The module warns, reports
        no change and returns RV(checked) false.
options:
  url:
    description:
      - Base URL of the Postiz app, the one that serves both the frontend and C(/api), for example
        C(http://127.0.0.1:4007) or C(https://postiz.example.com). The module calls C(<url>/api/...).
      - Give it without C(/api).
    type: str
    required: true
  email:
    description:
      - E-mail address of the account. Postiz stores it lower-cased.
    type: str
    required: true
  password:
    description:
      - Password of the account, 3 to 64 characters (the limits Postiz enforces).
      - Used to log in and, for a new account, to register it. Changing it later does not change the
        password of an existing account; the module then fails with a message saying so.
    type: str
    required: true
  company:
    description:
      - Name of the organization created with a new account, 3 to 128 characters.
      - Ignored when the account exists.
    type: str
    default: Postiz
  wait_timeout:
    description:
      - Seconds to keep retrying while the app is starting (connection refused or reset, or a proxy
        answering 502, 503 or 504). V(0) tries once.
      - Not used in check mode, which tries once.
    type: int
    default: 300
  activation:
    description:
      - What to do when Postiz accepts the e-mail and password but the account is inactive, because an
        e-mail provider is configured and the activation link was not opened yet.
      - V(fail) fails with a message saying so.
      - V(report) succeeds with RV(activation_required) true and without RV(api_key), so that the caller can
        activate the account (the postiz_stack role sets C(activated) in the C(User) table) and run the module
        again. It is reported after a registration Postiz answered with C(activate), or a login Postiz refused
        with C(User is not activated), which it answers only after the password matched.
    type: str
    choices: [fail, report]
    default: fail
notes:
  - Postiz allows anyone to register unless C(DISABLE_REGISTRATION=true); with it, registration
    is only possible while no organization exists, so run this module right after the first deploy.
  - With an e-mail provider configured (C(EMAIL_PROVIDER)), Postiz sends an activation link instead
    of opening a session; see O(activation).
seealso:
  - module: selfhosted.postiz.postiz_mcp_check
"""

EXAMPLES = r"""
- name: Create the Postiz owner account once and read the organization API key
  selfhosted.postiz.postiz_admin:
    url: http://127.0.0.1:4007
    email: admin@example.com
    password: "{{ postiz_admin_password }}"
    company: Example Ltd
  register: postiz_admin
  no_log: true

- name: Run it again; the account exists, so nothing changes
  selfhosted.postiz.postiz_admin:
    url: http://127.0.0.1:4007
    email: admin@example.com
    password: "{{ postiz_admin_password }}"
  register: postiz_admin_again
  no_log: true

- name: Check that the second run was idempotent
  ansible.builtin.assert:
    that: not postiz_admin_again.changed
"""

RETURN = r"""
api_key:
  description:
    - The organization's API key (64 hex characters), for the public API (C(Authorization) header)
      and the MCP server (C(<url>/api/mcp/<key>), or an C(Authorization) header of C(Bearer <key>)).
  returned: success, except in check mode when the account does not exist yet
  type: str
  sample: 3f1c0e9d...
org_id:
  description: Id of the organization the key belongs to.
  returned: success, except in check mode when the account does not exist yet
  type: str
  sample: 7c0b5b7e-2b1a-4c55-9d1e-0f2c6a1d9e11
role:
  description: Role of the account in that organization (C(SUPERADMIN) for the account that created it).
  returned: success, except in check mode when the account does not exist yet
  type: str
  sample: SUPERADMIN
created:
  description: Whether the account and its organization were registered on this run (or would be, in check mode).
  returned: success
  type: bool
  sample: true
email:
  description: E-mail address of the account, as Postiz stores it (lower-cased).
  returned: success
  type: str
  sample: admin@example.com
activation_required:
  description:
    - Whether the account exists but waits for its activation (only with O(activation=report)); no key is
      returned then.
  returned: success
  type: bool
  sample: false
checked:
  description:
    - Whether the account was checked. False only in check mode, when Postiz answered with a server
      error (see the check mode notes).
  returned: success
  type: bool
  sample: true
"""

from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_api import (
    PostizApi,
    PostizApiError,
    ensure_admin,
)
from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_module import (
    HTTP_CLIENT_ARGUMENT_SPEC,
    execute,
    http_client,
)

ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True),
    email=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    company=dict(type="str", default="Postiz"),
    wait_timeout=dict(type="int", default=300),
    activation=dict(type="str", default="fail", choices=["fail", "report"]),
    **HTTP_CLIENT_ARGUMENT_SPEC,
)


def run_module(module):
    """Ensure the account and exit; every decision lives in module_utils._postiz_api."""
    params = module.params
    # The password is given to the client so that no text it builds can carry it.
    api = PostizApi(params["url"], http=http_client(module, secrets=[params["password"]]))
    try:
        result = ensure_admin(
            api,
            params["email"],
            params["password"],
            params["company"],
            check_mode=module.check_mode,
            wait_timeout=params["wait_timeout"],
            activation=params["activation"],
        )
    except PostizApiError as exc:
        module.fail_json(msg=str(exc))

    if result.unreachable:
        module.warn(
            f"Check mode: {result.unreachable}; taken as not deployed yet, so the account is reported as to be created"
        )
    if result.unchecked:
        module.warn(f"Check mode: {result.unchecked}")
    output = dict(
        changed=result.changed,
        created=result.created,
        email=result.email,
        checked=result.unchecked is None,
        activation_required=result.activation_required,
    )
    if result.api_key is not None:
        # Not added to no_log_values: AnsibleModule would replace it with '********'
        # in this very result. It is read last, so no failure message can follow it,
        # and the task's no_log hides the returned value.
        output.update(api_key=result.api_key, org_id=result.org_id, role=result.role)
    module.exit_json(**output)


def main():
    execute(ARGUMENT_SPEC, run_module)


if __name__ == "__main__":
    main()
