# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection's modules do the same way around their own logic.

Each module keeps its argument spec and its ``run_module(module)``; this holds
the options of the ``selfhosted.postiz.http_client`` doc fragment, the HTTP
client they configure, the start of a module and the end of a report.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

# The options the doc fragment selfhosted.postiz.http_client documents.
HTTP_CLIENT_ARGUMENT_SPEC = dict(
    timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
)


def http_client(module, secrets=()):
    """The HTTP client the http_client options ask for; fails the module on a CA file it cannot read.

    ``secrets`` never appear in a text the client builds.
    """
    # Imported here: the HTTP client pulls in ansible.module_utils.urls and http.client, which
    # every module would otherwise compile at each run, also those that never speak HTTP.
    from ansible_collections.selfhosted.postiz.plugins.module_utils._postiz_http import (
        HttpClient,
        TransportError,
    )

    params = module.params
    try:
        return HttpClient(
            timeout=params["timeout"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            secrets=list(secrets),
        )
    except TransportError as exc:
        module.fail_json(msg=str(exc))


def execute(argument_spec, run_module, **options):
    """Parse the task's arguments (every module supports check mode) and hand them to ``run_module``."""
    run_module(AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **options))


def exit_report(module, output, failure=None):
    """End a module that only reports: fail with ``failure`` when it is set, else succeed unchanged."""
    if failure:
        module.fail_json(msg=failure, **output)
    module.exit_json(changed=False, **output)


def at_least(module, minimum, *names):
    """Fail, naming the option, when an int option is below ``minimum``."""
    for name in names:
        if module.params[name] < minimum:
            module.fail_json(msg=f"{name} must be at least {minimum}, got {module.params[name]}")
