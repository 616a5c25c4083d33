# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the roles get what they need: through their meta/main.yml dependencies, never by a play
running another role first. Each case runs ansible-playbook on the controller (localhost, check
mode, a scratch project directory), with only validation tasks: nothing is written anywhere."""

from __future__ import annotations

import json
import os
import pathlib
import stat
import sys

import pytest
import yaml
from recorded_playbook import ROOT, run_recorded

ROLES = os.path.join(ROOT, "roles")
X = {"api_key": "WireXConsumerKey000001", "api_secret": "WireXConsumerSecret00000000000000000000000001"}


def _run_play(tmp_path, play, *options, check=True):
    """ansible-playbook on ``play`` (localhost, check mode unless ``check`` is false): (exit status,
    recorded tasks, raw output)."""
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play), encoding="utf-8")
    rc, tasks, out, err = run_recorded(tmp_path, *(["--check"] if check else []), *options, str(path))
    return rc, tasks, out[-3000:] + err[-3000:]


def _play(tmp_path, providers, role="selfhosted.postiz.postiz_stack", variables=None):
    """postiz_stack's validate entry point alone, made public, then the app env it would write."""
    play = [
        {
            "name": "The stack without oauth_secrets in the play",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {
                "oauth_secrets_providers": providers,
                "postiz_stack_project_dir": str(tmp_path / "project"),
                "postiz_stack_project_name": "wiring",
                **(variables or {}),
            },
            "tasks": [
                {
                    "name": "Validate",
                    "ansible.builtin.include_role": {"name": role, "tasks_from": "validate", "public": True},
                },
                {
                    "name": "The app env",
                    "ansible.builtin.debug": {"var": "__wiring_env"},
                    "vars": {
                        "__postiz_stack_secret_values": "{{ __postiz_stack_placeholder_secrets }}",
                        "__wiring_env": "{{ __postiz_stack_env_files['postiz.env'] }}",
                    },
                },
            ],
        }
    ]
    rc, tasks, output = _run_play(tmp_path, play)
    assert rc == 0, output
    return tasks, tasks[-1]["result"]["__wiring_env"]


def test_the_stack_writes_the_provider_credentials_without_oauth_secrets_in_the_play(tmp_path):
    tasks, env = _play(tmp_path, {"x": X})
    assert env["X_API_KEY"] == X["api_key"]
    assert env["X_API_SECRET"] == X["api_secret"]
    # Only the dependency's values: its tasks (the catalog check, the checklist) are the role's own to run.
    ran = [task["name"] for task in tasks if not task["result"].get("skipped")]
    assert [name for name in ran if name.startswith("selfhosted.postiz.oauth_secrets")] == []
    assert "selfhosted.postiz.postiz_stack : Check the app's URLs against Postiz's rules" in ran
    assert not (tmp_path / "project").exists()


def test_without_providers_the_env_has_no_credentials(tmp_path):
    env = _play(tmp_path, {})[1]
    assert not [name for name in env if name.startswith("X_API")]


R2 = {
    "provider": "cloudflare",
    "account_id": "0123456789abcdef0123456789abcdef",
    "access_key": "R2AccessKeyId0000000000000000001",
    "secret_access_key": "R2SecretAccessKey0000000000000000000000000000000000000000000001",
    "bucket": "postiz-media",
    "bucket_url": "https://media.example.com",
    "region": "auto",
}


def test_r2_storage_writes_every_cloudflare_variable(tmp_path):
    env = _play(tmp_path, {}, variables={"postiz_stack_storage": R2})[1]
    assert {key: value for key, value in env.items() if key.startswith(("STORAGE_", "CLOUDFLARE_"))} == {
        "STORAGE_PROVIDER": "cloudflare",
        "CLOUDFLARE_ACCOUNT_ID": R2["account_id"],
        "CLOUDFLARE_ACCESS_KEY": R2["access_key"],
        "CLOUDFLARE_SECRET_ACCESS_KEY": R2["secret_access_key"],
        "CLOUDFLARE_BUCKETNAME": "postiz-media",
        "CLOUDFLARE_BUCKET_URL": "https://media.example.com",
        "CLOUDFLARE_REGION": "auto",
    }
    assert env["UPLOAD_DIRECTORY"] == "/uploads"


def test_local_storage_writes_what_it_always_did(tmp_path):
    env = _play(tmp_path, {}, variables={"postiz_stack_storage": {"provider": "local"}})[1]
    assert env["STORAGE_PROVIDER"] == "local" and env["UPLOAD_DIRECTORY"] == "/uploads"
    assert not [key for key in env if key.startswith("CLOUDFLARE_")]


def _dependencies(role):
    with open(os.path.join(ROLES, role, "meta", "main.yml"), encoding="utf-8") as handle:
        return [entry["role"] for entry in yaml.safe_load(handle)["dependencies"]]


@pytest.mark.parametrize(
    "role",
    ["postiz_stack", "oauth_secrets", "backup_cron", "mcp_client", "postiz_maintenance", "postiz_upgrade"],
)
def test_every_role_that_reads_the_shared_settings_depends_on_postiz_common(role):
    assert _dependencies(role)[0] == "selfhosted.postiz.postiz_common"


def test_the_stack_gets_the_credentials_from_its_dependency():
    assert "selfhosted.postiz.oauth_secrets" in _dependencies("postiz_stack")
    with open(os.path.join(ROLES, "postiz_stack", "vars", "main.yml"), encoding="utf-8") as handle:
        extra = yaml.safe_load(handle)["__postiz_stack_app_settings"]["extra"]
    # No default: a broken wiring fails the run instead of writing an env without them.
    assert extra.strip().startswith("{{ oauth_secrets_env | combine(")


@pytest.mark.parametrize("role", ["postiz_stack", "backup_cron"])
def test_a_role_takes_the_preflight_checks_as_made_once_then_checks_again(tmp_path, role):
    # What site.yml's preflight hands over: the role skips its own checks on its next run
    # only; a second run in the same play (say, with other settings) checks again.
    run_role = {
        "name": f"Run {role}",
        "ansible.builtin.include_role": {"name": f"selfhosted.postiz.{role}"},
        "tags": ["validate"],
    }
    play = [
        {
            "name": "Preflight, then the role twice",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {
                "postiz_stack_project_dir": str(tmp_path / "project"),
                # Refused by postiz_stack's checks (a name compose.yaml could not take) and by
                # backup_cron's (no such hour); the argument specs take both.
                "postiz_stack_project_name": "Not A Project Name",
                "backup_cron_hour": 24,
            },
            "tasks": [
                {
                    "name": "What the preflight leaves",
                    "ansible.builtin.set_fact": {"postiz_common_preflight_passes": 1},
                    "tags": ["always"],
                },
                run_role,
                {
                    "name": "Between the runs",
                    "ansible.builtin.debug": {"msg": "between"},
                    "tags": ["validate"],
                },
                run_role,
            ],
        }
    ]
    rc, tasks, _output = _run_play(tmp_path, play, "--tags", "validate")
    names = [task["name"] for task in tasks]
    failures = [task for task in tasks if task["result"].get("failed")]
    # The first run skipped the checks; the second made them and refused the name.
    assert rc != 0 and len(failures) == 1, names
    assert names.index(failures[0]["name"]) > names.index("Between the runs")
    assert ("Not A Project Name" if role == "postiz_stack" else "(got 24:") in failures[0]["result"]["msg"]
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("storage", [{"provider": "local"}, R2])
def test_backup_cron_names_the_bucket_of_postiz_stack_storage_never_its_keys(tmp_path, storage):
    play = [
        {
            "name": "backup_cron's configuration for this storage",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"postiz_stack_project_dir": str(tmp_path / "project"), "postiz_stack_storage": storage},
            "tasks": [
                {
                    "name": "Validate",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.backup_cron",
                        "tasks_from": "validate",
                        "public": True,
                    },
                },
                {"name": "The configuration", "ansible.builtin.debug": {"var": "__backup_cron_config"}},
            ],
        }
    ]
    rc, tasks, _output = _run_play(tmp_path, play)
    assert rc == 0, tasks
    config = tasks[-1]["result"]["__backup_cron_config"]
    if storage is R2:
        assert config["uploads_bucket"] == {"name": "postiz-media", "url": "https://media.example.com"}
    else:
        assert config["uploads_bucket"] == {"name": "", "url": ""}
    assert R2["access_key"] not in json.dumps(config) and R2["secret_access_key"] not in json.dumps(config)


@pytest.mark.parametrize(
    "storage, refusal",
    [
        (None, None),  # the default, local: ansible-core renders every message, passing or not
        ({"provider": "local"}, None),
        ({"provider": "cloudflare", "bucket": "media"}, "but no value for account_id, access_key"),
        ({"provider": "s3"}, "value of provider must be one of: local, cloudflare"),
    ],
)
def test_the_storage_checks_run_in_ansible(tmp_path, storage, refusal):
    play_vars = {"postiz_stack_project_dir": str(tmp_path / "project")}
    if storage is not None:
        play_vars["postiz_stack_storage"] = storage
    play = [
        {
            "name": "The storage checks as the role runs them",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": play_vars,
            "tasks": [
                {
                    "name": "Check the storage",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.postiz_stack",
                        "tasks_from": "validate_storage",
                    },
                }
            ],
        }
    ]
    rc, tasks, _output = _run_play(tmp_path, play)
    failures = [task["result"]["msg"] for task in tasks if task["result"].get("failed")]
    if refusal is None:
        assert rc == 0 and failures == []
    else:
        assert rc != 0 and len(failures) == 1 and refusal in failures[0]


def test_backup_cron_installs_the_command_and_its_configuration_byte_for_byte(tmp_path):
    """The role's install step, for real, into a scratch tree: what cron runs is the shipped
    script behind an interpreter line, its configuration parses, a second run changes nothing,
    and after the role's read a third leaves both writes out."""
    play = [
        {
            "name": "Install the backup command twice",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {
                "ansible_python_interpreter": sys.executable,
                "backup_cron_project_name": "wiring",
                "backup_cron_dir": str(tmp_path / "backups" / "wiring"),
                "backup_cron_state_dir": str(tmp_path / "state" / "wiring"),
                "backup_cron_log_file": str(tmp_path / "log" / "wiring.log"),
                "backup_cron_command_path": str(tmp_path / "sbin" / "postiz-backup-wiring"),
                "backup_cron_config_path": str(tmp_path / "etc" / "wiring.json"),
                # No package to install for the read (cron's would be).
                "backup_cron_scheduler": "systemd",
            },
            "tasks": [
                {
                    "name": "Make the command's folder",
                    "ansible.builtin.file": {
                        "path": str(tmp_path / "sbin"),
                        "state": "directory",
                        "mode": "0755",
                    },
                },
                {
                    "name": "First",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.backup_cron",
                        "tasks_from": "install",
                    },
                },
                {
                    "name": "Second",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.backup_cron",
                        "tasks_from": "install",
                    },
                },
                {
                    "name": "Read",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.backup_cron",
                        "tasks_from": "packages",
                    },
                },
                {
                    "name": "Third",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.backup_cron",
                        "tasks_from": "install",
                    },
                },
            ],
        }
    ]
    rc, tasks, output = _run_play(tmp_path, play, check=False)
    assert rc == 0, output
    installs = [
        task
        for task in tasks
        if task["name"].split(" : ")[-1].startswith(("Create the directories", "Install the backup command"))
    ]
    assert [task["result"]["changed"] for task in installs[:4]] == [True, True, False, False], output
    assert [task["result"].get("skipped", False) for task in installs[4:]] == [True, True], output
    shipped = (pathlib.Path(ROOT) / "roles" / "backup_cron" / "files" / "postiz_backup.py").read_text(
        encoding="utf-8"
    )
    command = tmp_path / "sbin" / "postiz-backup-wiring"
    assert command.read_text(encoding="utf-8") == "#!/usr/bin/python3\n" + shipped.rstrip() + "\n"
    model = (pathlib.Path(ROOT) / "plugins" / "module_utils" / "_postiz_stack_model.py").read_bytes()
    assert (tmp_path / "sbin" / "postiz_stack_model.py").read_bytes() == model
    config = json.loads((tmp_path / "etc" / "wiring.json").read_text(encoding="utf-8"))
    assert config["backup_dir"] == str(tmp_path / "backups" / "wiring")
    modes = {
        path: stat.S_IMODE(os.stat(tmp_path / path).st_mode)
        for path in (
            "etc",
            "backups",
            "backups/wiring",
            "state",
            "state/wiring",
            "log",
            "etc/wiring.json",
            "sbin/postiz-backup-wiring",
            "sbin/postiz_stack_model.py",
        )
    }
    assert modes == {
        "etc": 0o700,
        "backups": 0o700,
        "backups/wiring": 0o700,
        "state": 0o700,
        "state/wiring": 0o700,
        "log": 0o700,
        "etc/wiring.json": 0o600,
        "sbin/postiz-backup-wiring": 0o750,
        "sbin/postiz_stack_model.py": 0o644,
    }


def test_by_default_the_app_reaches_the_public_registry_and_prisma_reports_nothing(tmp_path):
    env = _play(tmp_path, {})[1]
    assert env["CHECKPOINT_DISABLE"] == "1"
    assert not {"npm_config_registry", "PRISMA_ENGINES_MIRROR"} & set(env)


def test_the_mirror_settings_reach_the_app_env(tmp_path):
    variables = {
        "postiz_stack_npm_registry": "https://npm.example.internal/repository/npm/",
        "postiz_stack_prisma_engines_mirror": "http://10.0.0.5:8080/prisma",
        "postiz_stack_prisma_telemetry": True,
    }
    env = _play(tmp_path, {}, variables=variables)[1]
    assert env["npm_config_registry"] == "https://npm.example.internal/repository/npm/"
    assert env["PRISMA_ENGINES_MIRROR"] == "http://10.0.0.5:8080/prisma"
    assert "CHECKPOINT_DISABLE" not in env


def _mirror_refusals(tmp_path, variables):
    play = [
        {
            "name": "The mirror checks",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"postiz_stack_project_dir": str(tmp_path / "project"), **variables},
            "tasks": [
                {
                    "name": "Validate",
                    "ansible.builtin.include_role": {
                        "name": "selfhosted.postiz.postiz_stack",
                        "tasks_from": "validate_mirrors",
                    },
                }
            ],
        }
    ]
    rc, tasks, output = _run_play(tmp_path, play)
    return rc, [task["result"]["msg"] for task in tasks if task["result"].get("failed")], output


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"postiz_stack_npm_registry": "npm.example.internal"},
            'postiz_stack_npm_registry is "npm.example.internal"',
        ),
        ({"postiz_stack_npm_registry": "ftp://npm.example/"}, "must hold prisma@6.5.0 and its dependencies"),
        ({"postiz_stack_npm_registry": "https://user:pw@npm.example/"}, "no user name or password"),
        ({"postiz_stack_prisma_engines_mirror": "https://"}, "PRISMA_ENGINES_MIRROR"),
        (
            {"postiz_stack_env_custom": {"npm_config_registry": "http://x/"}},
            "postiz_stack_env_custom sets npm_config_registry",
        ),
        (
            {"postiz_stack_env_custom": {"CHECKPOINT_DISABLE": "1"}},
            "postiz_stack_prisma_telemetry (CHECKPOINT_DISABLE)",
        ),
    ],
)
def test_a_bad_mirror_setting_is_refused_by_name(tmp_path, variables, expected):
    rc, failures, output = _mirror_refusals(tmp_path, variables)
    assert rc != 0 and len(failures) == 1, output
    assert expected in failures[0]


@pytest.mark.parametrize(
    "url",
    ["http://npm.postiz.test:4873/", "https://npm.example.internal/repository/npm", "http://[fd00::5]:4873/"],
)
def test_mirror_urls_with_a_host_pass(tmp_path, url):
    rc, failures, output = _mirror_refusals(
        tmp_path, {"postiz_stack_npm_registry": url, "postiz_stack_prisma_engines_mirror": url}
    )
    assert rc == 0 and not failures, output
