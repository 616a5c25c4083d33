# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Object storage (postiz_stack_storage): the role's checks, rendered by Ansible with the role's
own vars, refuse what Postiz cannot use with a sentence that names options, never the keys."""

from __future__ import annotations

import os

import pytest
import yaml
from task_rules import ROOT, evaluate

TASKS = "roles/postiz_stack/tasks/validate_storage.yml"
PROVIDER_TASK = "Check that postiz_stack_storage names a storage provider Postiz has"
COMPLETE_TASK = "Check that Cloudflare R2 storage has all six values"
URL_TASK = "Check that the R2 bucket URL is a public https:// URL"
CUSTOM_TASK = "Check that no storage variable is also set in postiz_stack_env_custom"

ACCESS_KEY = "R2AccessKeyId0000000000000000001"
SECRET = "R2SecretAccessKey00000000000000000000000000000000000000000000001"
R2 = {
    "provider": "cloudflare",
    "account_id": "0123456789abcdef0123456789abcdef",
    "access_key": ACCESS_KEY,
    "secret_access_key": SECRET,
    "bucket": "postiz-media",
    "bucket_url": "https://media.example.com",
    "region": "auto",
}


def _role_vars():
    with open(os.path.join(ROOT, "roles", "postiz_stack", "vars", "main.yml"), encoding="utf-8") as handle:
        values = yaml.safe_load(handle)
    return {key: value for key, value in values.items() if key.startswith("__postiz_stack_storage_")}


def _checks(name, cases):
    """The task's result for each (postiz_stack_storage, postiz_stack_env_custom) case."""
    results = evaluate(
        TASKS,
        name,
        [{"postiz_stack_storage": storage, "postiz_stack_env_custom": custom} for storage, custom in cases],
        role_vars=_role_vars(),
    )
    for result in results:
        if result["message"] is not None:
            assert ACCESS_KEY not in result["message"] and SECRET not in result["message"]
    return results


def _check(name, storage, env_custom=None):
    return _checks(name, [(storage, env_custom or {})])[0]


def test_checks_runs_the_storage_checks():
    with open(os.path.join(ROOT, "roles", "postiz_stack", "tasks", "checks.yml"), encoding="utf-8") as handle:
        imported = [task.get("ansible.builtin.import_tasks") for task in yaml.safe_load(handle)]
    assert "validate_storage.yml" in imported
    assert imported.index("validate_storage.yml") < imported.index("validate_version.yml")


@pytest.mark.parametrize("storage", [{"provider": "local"}, {}, R2])
def test_local_and_complete_r2_storage_pass_every_check(storage):
    for name in (PROVIDER_TASK, COMPLETE_TASK, URL_TASK, CUSTOM_TASK):
        assert _check(name, storage)["passed"], name


@pytest.mark.parametrize(
    "storage, words",
    [
        ({"provider": "s3"}, ['"s3"', "Cloudflare R2 bucket (cloudflare)"]),
        ({"provider": "local", "bucket": "x"}, ["bucket, but its provider is local", "provider: cloudflare"]),
        (dict(R2, endpoint="https://x"), ["endpoint, which is not one of provider, account_id"]),
        ("cloudflare", ["must be a mapping"]),
    ],
)
def test_an_unknown_provider_or_option_is_refused(storage, words):
    result = _check(PROVIDER_TASK, storage)
    assert not result["passed"]
    for word in words:
        assert word in " ".join(result["message"].split()), result["message"]


@pytest.mark.parametrize(
    "change, missing",
    [
        ({"region": ""}, "region"),
        ({"access_key": None}, "access_key"),
        ({"secret_access_key": "  "}, "secret_access_key"),
        ({"account_id": 1234}, "account_id"),
    ],
)
def test_r2_needs_all_six_values(change, missing):
    result = _check(COMPLETE_TASK, dict(R2, **change))
    assert not result["passed"]
    assert f"no value for {missing}." in result["message"]


def test_r2_names_every_missing_value():
    storage = {key: R2[key] for key in ("provider", "account_id", "bucket")}
    result = _check(COMPLETE_TASK, storage)
    assert "no value for access_key, secret_access_key, bucket_url, region." in result["message"]


URLS = {
    "https://media.example.com": True,
    "https://pub-0123456789abcdef.r2.dev": True,
    "https://media.example.com/postiz": True,
    "https://media.example.com:8443": True,
    "http://media.example.com": False,
    "media.example.com": False,
    "https://": False,
    "https:///path": False,
    "https://user@media.example.com": False,
    "https://media.example.com?x=1": False,
    "https://media example.com": False,
}


def test_the_bucket_url_is_https_with_a_host():
    results = _checks(URL_TASK, [(dict(R2, bucket_url=url), {}) for url in URLS])
    assert {url: result["passed"] for url, result in zip(URLS, results, strict=True)} == URLS
    for result in results:
        if not result["passed"]:
            assert "must be the https:// URL, with a host" in result["message"]


@pytest.mark.parametrize("storage", [{"provider": "local"}, R2])
@pytest.mark.parametrize(
    "custom",
    [{"STORAGE_PROVIDER": "cloudflare"}, {"CLOUDFLARE_SECRET_ACCESS_KEY": SECRET, "API_LIMIT": "30"}],
)
def test_storage_variables_come_from_postiz_stack_storage_alone(storage, custom):
    result = _check(CUSTOM_TASK, storage, custom)
    assert not result["passed"]
    assert (
        "postiz_stack_env_custom sets " + ", ".join(sorted(set(custom) - {"API_LIMIT"})) in result["message"]
    )


def test_other_custom_variables_pass():
    assert _check(CUSTOM_TASK, R2, {"API_LIMIT": "30"})["passed"]
