# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.filter.postiz import (
    FilterModule,
    postiz_app_env,
    postiz_env_file,
    postiz_url_problems,
    postiz_url_trio,
)
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import mask_url

SETTINGS = {
    "public_url": "https://postiz.example.com",
    "jwt_secret": "j" * 64,
    "database_url": "postgresql://postiz:dbpass1234@postiz-postgres:5432/postiz",
    "redis_url": "redis://postiz-redis:6379",
    "temporal_address": "temporal:7233",
}


def settings(**changes):
    result = dict(SETTINGS)
    result.update(changes)
    return result


def good_env(**changes):
    env = postiz_app_env(SETTINGS)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_filter_names():
    assert sorted(FilterModule().filters()) == [
        "postiz_app_env",
        "postiz_env_file",
        "postiz_mask_urls",
        "postiz_outside_problems",
        "postiz_project_dir_problems",
        "postiz_url_problems",
        "postiz_url_trio",
    ]


# -- postiz_url_trio ------------------------------------------------------------


@pytest.mark.parametrize(
    "public_url, frontend",
    [
        ("https://postiz.example.com", "https://postiz.example.com"),
        ("https://postiz.example.com/", "https://postiz.example.com"),
        ("http://localhost:4007", "http://localhost:4007"),
        ("http://localhost:4007/", "http://localhost:4007"),
        ("HTTPS://Postiz.Example.COM", "https://postiz.example.com"),
        ("https://postiz.example.com:443", "https://postiz.example.com"),
        ("http://postiz.example.com:80/", "http://postiz.example.com"),
        ("https://postiz.example.com:8443", "https://postiz.example.com:8443"),
        ("http://127.0.0.1:4007", "http://127.0.0.1:4007"),
        ("http://[::1]:4007", "http://[::1]:4007"),
    ],
)
def test_url_trio(public_url, frontend):
    assert postiz_url_trio(public_url) == {
        "MAIN_URL": frontend,
        "FRONTEND_URL": frontend,
        "NEXT_PUBLIC_BACKEND_URL": frontend + "/api",
        "BACKEND_INTERNAL_URL": "http://localhost:3000",
    }


@pytest.mark.parametrize(
    "public_url, message",
    [
        ("ftp://postiz.example.com", "must start with http:// or https://"),
        ("postiz.example.com", "must start with http:// or https://"),
        ("", "must start with http:// or https://"),
        ("https://", "has no host name"),
        (" https://postiz.example.com", "spaces around it"),
        ("https://postiz example.com", "contains spaces"),
        ("https://postiz.example.com:99999", "cannot be parsed"),
        (None, "not a string"),
        ("https://postiz.example.com/?x=1", "must not have a query"),
        ("https://postiz.example.com/?", "must not have a query"),
        ("https://postiz.example.com/#top", "must not have a query"),
        ("https://user:pw@postiz.example.com", "must not contain a user name or password"),
        (
            "https://example.com/postiz",
            "has the path '/postiz', but Postiz must be served at the root of its host",
        ),
        ("https://example.com/postiz/", "nginx in the image routes /api/ and /uploads/ at the root"),
        ("https://b\u00fccher.example", "punycode"),
    ],
)
def test_url_trio_errors(public_url, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("?", r"\?").replace("(", r"\(")):
        postiz_url_trio(public_url)


def test_url_trio_error_hides_a_password():
    with pytest.raises(AnsibleFilterError) as info:
        postiz_url_trio("https://user:sekrit@postiz.example.com")
    assert "sekrit" not in str(info.value)


# -- postiz_url_problems ----------------------------------------------------------


def test_the_built_environment_has_no_problems():
    assert postiz_url_problems(good_env()) == []


@pytest.mark.parametrize(
    "public_url", ["http://localhost:4007", "http://127.0.0.1:4007", "http://[::1]:4007"]
)
def test_plain_http_on_loopback_is_fine(public_url):
    assert postiz_url_problems(postiz_app_env(settings(public_url=public_url))) == []


def test_the_example_sentence():
    env = good_env(
        FRONTEND_URL="http://localhost:4007",
        MAIN_URL="http://localhost:4007",
        NEXT_PUBLIC_BACKEND_URL="http://x/api/",
    )
    assert postiz_url_problems(env) == [
        "NEXT_PUBLIC_BACKEND_URL is 'http://x/api/' but must be FRONTEND_URL + '/api' ('http://localhost:4007/api'): "
        "the browser reaches the backend through the app's /api prefix."
    ]


URL_PROBLEM_CASES = [
    # Rule: each URL variable set.
    (dict(FRONTEND_URL=None), ["FRONTEND_URL is not set: set it to the URL users type in the browser"]),
    (dict(MAIN_URL=None), ["MAIN_URL is not set: set it to 'https://postiz.example.com'."]),
    (dict(MAIN_URL=""), ["MAIN_URL is not set: set it to 'https://postiz.example.com'."]),
    (
        dict(NEXT_PUBLIC_BACKEND_URL=None),
        ["NEXT_PUBLIC_BACKEND_URL is not set: set it to 'https://postiz.example.com/api'."],
    ),
    (
        dict(BACKEND_INTERNAL_URL=None),
        ["BACKEND_INTERNAL_URL is not set: set it to 'http://localhost:3000'."],
    ),
    # Rule: valid http(s) URL.
    (
        dict(FRONTEND_URL="postiz.example.com"),
        ["FRONTEND_URL is 'postiz.example.com', which is not a valid http(s) URL"],
    ),
    (
        dict(MAIN_URL="ftp://postiz.example.com"),
        ["MAIN_URL is 'ftp://postiz.example.com', which is not a valid http(s) URL"],
    ),
    (
        dict(BACKEND_INTERNAL_URL="localhost:3000"),
        ["BACKEND_INTERNAL_URL is 'localhost:3000', which is not a valid http(s) URL"],
    ),
    # Rule 7: no trailing slash.
    (
        dict(FRONTEND_URL="https://postiz.example.com/"),
        [
            "FRONTEND_URL is 'https://postiz.example.com/' but must not end with '/': use 'https://postiz.example.com'."
        ],
    ),
    (
        dict(MAIN_URL="https://postiz.example.com/"),
        [
            "MAIN_URL is 'https://postiz.example.com/' but must not end with '/': use 'https://postiz.example.com'."
        ],
    ),
    (
        dict(BACKEND_INTERNAL_URL="http://localhost:3000/"),
        [
            "BACKEND_INTERNAL_URL is 'http://localhost:3000/' but must not end with '/': use 'http://localhost:3000'."
        ],
    ),
    # Rule 1 and 5: FRONTEND_URL is exactly the browser origin.
    (
        dict(
            FRONTEND_URL="HTTPS://Postiz.example.com",
            MAIN_URL="HTTPS://Postiz.example.com",
            NEXT_PUBLIC_BACKEND_URL="HTTPS://Postiz.example.com/api",
        ),
        [
            "FRONTEND_URL is 'HTTPS://Postiz.example.com' but must be written the way browsers send the Origin header "
            "('https://postiz.example.com': lower case, no default port)"
        ],
    ),
    (
        dict(
            FRONTEND_URL="https://example.com/postiz",
            MAIN_URL="https://example.com/postiz",
            NEXT_PUBLIC_BACKEND_URL="https://example.com/postiz/api",
        ),
        [
            "FRONTEND_URL is 'https://example.com/postiz' but must be only scheme, host and port ('https://example.com')"
        ],
    ),
    # Rule 3: MAIN_URL equals FRONTEND_URL.
    (
        dict(MAIN_URL="https://other.example.com"),
        [
            "MAIN_URL is 'https://other.example.com' but must equal FRONTEND_URL ('https://postiz.example.com')"
        ],
    ),
    # Rule 2: NEXT_PUBLIC_BACKEND_URL is FRONTEND_URL + /api.
    (
        dict(NEXT_PUBLIC_BACKEND_URL="https://postiz.example.com"),
        [
            "NEXT_PUBLIC_BACKEND_URL is 'https://postiz.example.com' but must be FRONTEND_URL + '/api' "
            "('https://postiz.example.com/api')"
        ],
    ),
    (
        dict(NEXT_PUBLIC_BACKEND_URL="https://postiz.example.com/api/"),
        [
            "NEXT_PUBLIC_BACKEND_URL is 'https://postiz.example.com/api/' but must be FRONTEND_URL + '/api' "
            "('https://postiz.example.com/api')"
        ],
    ),
    (
        dict(NEXT_PUBLIC_BACKEND_URL="http://localhost:3000"),
        ["NEXT_PUBLIC_BACKEND_URL is 'http://localhost:3000' but must be FRONTEND_URL + '/api'"],
    ),
    # Rule 4: BACKEND_INTERNAL_URL is http://localhost:3000.
    (
        dict(BACKEND_INTERNAL_URL="https://postiz.example.com"),
        [
            "BACKEND_INTERNAL_URL is 'https://postiz.example.com' but must be 'http://localhost:3000' "
            "(it must never be the public URL)"
        ],
    ),
    (
        dict(BACKEND_INTERNAL_URL="https://postiz.example.com/api/"),
        [
            "BACKEND_INTERNAL_URL is 'https://postiz.example.com/api/' but must be 'http://localhost:3000' "
            "(it must never be the public URL)"
        ],
    ),
    (
        dict(BACKEND_INTERNAL_URL="http://localhost:3000/api"),
        [
            "BACKEND_INTERNAL_URL is 'http://localhost:3000/api' but must be 'http://localhost:3000' (it must not end in /api)"
        ],
    ),
    (
        dict(BACKEND_INTERNAL_URL="http://localhost:3001"),
        [
            "BACKEND_INTERNAL_URL is 'http://localhost:3001' but must be 'http://localhost:3000' "
            "(nginx's upstream in the image is hard-coded to port 3000)"
        ],
    ),
    # Rule 4: no PORT.
    (
        dict(PORT="3001"),
        ["PORT must not be set: nginx inside the Postiz image always proxies /api/ to port 3000"],
    ),
    # Rule 6: plain http off loopback needs NOT_SECURED.
    (
        dict(
            FRONTEND_URL="http://192.168.1.10:4007",
            MAIN_URL="http://192.168.1.10:4007",
            NEXT_PUBLIC_BACKEND_URL="http://192.168.1.10:4007/api",
        ),
        [
            "FRONTEND_URL is 'http://192.168.1.10:4007' (plain http on a host other than localhost) but NOT_SECURED is "
            "not set"
        ],
    ),
    (
        dict(
            FRONTEND_URL="http://postiz.lan",
            MAIN_URL="http://postiz.lan",
            NEXT_PUBLIC_BACKEND_URL="http://postiz.lan/api",
            NOT_SECURED="",
        ),
        [
            "FRONTEND_URL is 'http://postiz.lan' (plain http on a host other than localhost) but NOT_SECURED is not set"
        ],
    ),
    # Truthiness: 'false' turns most flags on; only 'true' turns exact flags on.
    (
        dict(RUN_CRON="false"),
        ["RUN_CRON is 'false', which Postiz treats as on (any non-empty value is): remove RUN_CRON"],
    ),
    (dict(NOT_SECURED="0"), ["NOT_SECURED is '0', which Postiz treats as on"]),
    (
        dict(DISABLE_REGISTRATION="True"),
        ["DISABLE_REGISTRATION is 'True', which Postiz treats as off (only the exact string 'true' counts)"],
    ),
    (dict(TEMPORAL_TLS="yes"), ["TEMPORAL_TLS is 'yes', which Postiz treats as off"]),
    # ConfigurationChecker: REDIS_URL.
    (dict(REDIS_URL=None), ["REDIS_URL is not set"]),
    (dict(REDIS_URL="postiz-redis:6379"), ["REDIS_URL is 'postiz-redis:6379', which is not a valid URL"]),
    (
        dict(REDIS_URL="http://postiz-redis:6379"),
        ["REDIS_URL is 'http://postiz-redis:6379' but must start with redis:// or rediss://"],
    ),
    # ConfigurationChecker: DATABASE_URL.
    (dict(DATABASE_URL=None), ["DATABASE_URL is not set"]),
    (
        dict(DATABASE_URL="postiz-postgres:5432"),
        ["DATABASE_URL is 'postiz-postgres:5432', which is not a valid URL"],
    ),
    (
        dict(DATABASE_URL="mysql://u:dbpass1234@db/x"),
        ["DATABASE_URL is 'mysql://u:***@db/x' but must start with postgresql://"],
    ),
    (
        dict(DATABASE_URL="postgresql://u:dbpass1234@db:5432/"),
        ["DATABASE_URL is 'postgresql://u:***@db:5432/' but must not end with '/'"],
    ),
    # ConfigurationChecker: JWT_SECRET, STORAGE_PROVIDER; the image: UPLOAD_DIRECTORY.
    (dict(JWT_SECRET=None), ["JWT_SECRET is not set"]),
    (dict(JWT_SECRET=""), ["JWT_SECRET is not set"]),
    (dict(STORAGE_PROVIDER=None), ["STORAGE_PROVIDER is not set: set it to 'local'"]),
    (dict(STORAGE_PROVIDER="s3"), ["STORAGE_PROVIDER is 's3' but must be 'local' or 'cloudflare'"]),
    (dict(UPLOAD_DIRECTORY="/data/uploads"), ["UPLOAD_DIRECTORY is '/data/uploads' but must be '/uploads'"]),
    (dict(UPLOAD_DIRECTORY=None), ["UPLOAD_DIRECTORY is '' but must be '/uploads'"]),
    # Temporal address.
    (dict(TEMPORAL_ADDRESS=None), ["TEMPORAL_ADDRESS is not set, so Postiz would use localhost:7233"]),
    (
        dict(TEMPORAL_ADDRESS="http://temporal:7233"),
        ["TEMPORAL_ADDRESS is 'http://temporal:7233' but must be host:port without a scheme or path"],
    ),
]


@pytest.mark.parametrize("changes, expected", URL_PROBLEM_CASES)
def test_url_problems(changes, expected):
    problems = postiz_url_problems(good_env(**changes))
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=False):
        assert problem.startswith(start), problem
        assert problem.endswith(".")


@pytest.mark.parametrize(
    "changes",
    [
        dict(
            NOT_SECURED="true",
            FRONTEND_URL="http://192.168.1.10:4007",
            MAIN_URL="http://192.168.1.10:4007",
            NEXT_PUBLIC_BACKEND_URL="http://192.168.1.10:4007/api",
        ),
        dict(RUN_CRON="true"),
        dict(DISABLE_REGISTRATION="false"),
        dict(DISABLE_REGISTRATION="true"),
        dict(STORAGE_PROVIDER="cloudflare", UPLOAD_DIRECTORY=None),
        dict(REDIS_URL="redis://:pw@postiz-redis:6379/0"),
        # Redis over TLS: Postiz's checker only warns, its client connects.
        dict(REDIS_URL="rediss://:pw@cache.example.internal:6380/0"),
        dict(DATABASE_URL="postgres://u:p@db:5432/postiz?schema=public"),
        dict(TEMPORAL_ADDRESS="ns.acct.tmprl.cloud:7233"),
    ],
)
def test_no_false_alarms(changes):
    assert postiz_url_problems(good_env(**changes)) == []


def test_problems_never_show_passwords_or_the_jwt_secret():
    env = good_env(
        DATABASE_URL="mysql://u:dbpass1234@db/x/",
        REDIS_URL="rediss://:redispass99@r:6379",
        JWT_SECRET="j" * 64,
    )
    text = " ".join(postiz_url_problems(env))
    assert "dbpass1234" not in text and "redispass99" not in text and "j" * 64 not in text


# Passwords a user may paste without percent-encoding: '/', '#', '?', '@', '[' and spaces
# end the URL's user part early for urlsplit, which then found no password to hide.
MALFORMED_PASSWORDS = [
    "pwA1/pwB2",
    "pwA1#pwB2",
    "pwA1?pwB2",
    "pwA1@pwB2",
    "pwA1[pwB2",
    "pwA1 pwB2",
    "pwA1:pwB2",
]


@pytest.mark.parametrize("password", MALFORMED_PASSWORDS)
@pytest.mark.parametrize(
    "key, url",
    [
        ("DATABASE_URL", "postgresql://postiz:{}@db.example.internal:5432/postiz/"),
        ("DATABASE_URL", "mysql://postiz:{}@db.example.internal/postiz"),
        ("DATABASE_URL", "postgresql://postiz:{}@db.example.internal:99999/postiz"),
        ("REDIS_URL", "redis://:{}@cache.example.internal:6379"),
        ("REDIS_URL", "rediss://default:{}@cache.example.internal:6380"),
        ("MAIN_URL", "https://admin:{}@postiz.example.com/"),
        ("NEXT_PUBLIC_BACKEND_URL", "https://admin:{}@postiz.example.com/api"),
        ("BACKEND_INTERNAL_URL", "http://admin:{}@localhost:3000/"),
        ("FRONTEND_URL", "https://admin:{}@postiz.example.com/"),
        ("TEMPORAL_ADDRESS", "https://admin:{}@temporal:7233"),
    ],
)
def test_problems_never_show_a_password_however_malformed_the_url(key, url, password):
    env = good_env(**{key: url.format(password)})
    text = " ".join(postiz_url_problems(env))
    assert "pwA1" not in text and "pwB2" not in text, text


@pytest.mark.parametrize("password", MALFORMED_PASSWORDS)
def test_url_trio_errors_never_show_a_password_however_malformed(password):
    with pytest.raises(AnsibleFilterError) as info:
        postiz_url_trio(f"https://admin:{password}@postiz.example.com")
    assert "pwA1" not in str(info.value) and "pwB2" not in str(info.value)


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgresql://u:secret@db:5432/x", "postgresql://u:***@db:5432/x"),
        ("postgresql://u:pa/ss@db/x/", "postgresql://u:***@db/x/"),
        ("postgresql://u:pa#ss@db/x", "postgresql://u:***@db/x"),
        ("redis://:pa?ss@r:6379", "redis://:***@r:6379"),
        ("postgresql://u:p@ss@db/x", "postgresql://u:***@db/x"),
        ("postgresql://u:[secret@db/x", "postgresql://u:***@db/x"),
        ("postgresql:u:secret@db/x", "postgresql:u:***@db/x"),
        ("postgresql://postgres@db/x", "postgresql://postgres@db/x"),
        ("redis://cache:6379", "redis://cache:6379"),
        ("https://postiz.example.com", "https://postiz.example.com"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_mask_urls_filter_hides_every_password_in_a_text():
    text = "Fatal: rest:https://backup:pwA1/pwB2@host:8000/repo and s3:https://k:pwA1@s3/b, sftp://u@h/x"
    masked = FilterModule().filters()["postiz_mask_urls"](text)
    assert masked == "Fatal: rest:https://backup:***@host:8000/repo and s3:https://k:***@s3/b, sftp://u@h/x"


def test_empty_env_reports_every_required_variable():
    text = " ".join(postiz_url_problems({}))
    for key in (
        "MAIN_URL",
        "FRONTEND_URL",
        "NEXT_PUBLIC_BACKEND_URL",
        "BACKEND_INTERNAL_URL",
        "REDIS_URL",
        "DATABASE_URL",
        "JWT_SECRET",
        "STORAGE_PROVIDER",
        "TEMPORAL_ADDRESS",
    ):
        assert f"{key} is not set" in text


def test_url_problems_needs_a_mapping():
    with pytest.raises(AnsibleFilterError, match="expects the env mapping"):
        postiz_url_problems(["FRONTEND_URL"])


# -- postiz_app_env ---------------------------------------------------------------


def test_app_env_minimal():
    assert postiz_app_env(SETTINGS) == {
        "BACKEND_INTERNAL_URL": "http://localhost:3000",
        "DATABASE_URL": SETTINGS["database_url"],
        "FRONTEND_URL": "https://postiz.example.com",
        "IS_GENERAL": "true",
        "JWT_SECRET": SETTINGS["jwt_secret"],
        "MAIN_URL": "https://postiz.example.com",
        "NEXT_PUBLIC_BACKEND_URL": "https://postiz.example.com/api",
        "REDIS_URL": "redis://postiz-redis:6379",
        "STORAGE_PROVIDER": "local",
        "TEMPORAL_ADDRESS": "temporal:7233",
        "TEMPORAL_NAMESPACE": "default",
        "UPLOAD_DIRECTORY": "/uploads",
    }


def test_app_env_keys_are_sorted_and_values_are_strings():
    env = postiz_app_env(
        settings(flags={"RUN_CRON": True}, extra={"API_LIMIT": 30, "FEE": 0.5, "A_FIRST": "x"})
    )
    assert list(env) == sorted(env)
    assert all(isinstance(value, str) for value in env.values())
    assert (env["API_LIMIT"], env["FEE"]) == ("30", "0.5")


@pytest.mark.parametrize(
    "flags, present, absent",
    [
        ({"RUN_CRON": True, "NOT_SECURED": False}, {"RUN_CRON": "true"}, ["NOT_SECURED"]),
        ({"DISABLE_REGISTRATION": False}, {}, ["DISABLE_REGISTRATION"]),
        ({"DISABLE_REGISTRATION": "yes", "MCP_ONLY": "no"}, {"DISABLE_REGISTRATION": "true"}, ["MCP_ONLY"]),
        ({"RUN_CRON": "false"}, {}, ["RUN_CRON"]),
        ({"RUN_CRON": 1}, {"RUN_CRON": "true"}, []),
    ],
)
def test_app_env_flags_true_writes_true_false_omits(flags, present, absent):
    env = postiz_app_env(settings(flags=flags))
    for key, value in present.items():
        assert env[key] == value
    for key in absent:
        assert key not in env


def test_app_env_extra_omits_empty_values():
    env = postiz_app_env(settings(extra={"OPENAI_API_KEY": "", "X_API_KEY": None, "API_LIMIT": "30"}))
    assert "OPENAI_API_KEY" not in env and "X_API_KEY" not in env
    assert env["API_LIMIT"] == "30"


def test_app_env_url_overrides_apply_over_the_trio():
    env = postiz_app_env(settings(url_overrides={"MAIN_URL": "https://www.example.com", "FRONTEND_URL": ""}))
    assert env["MAIN_URL"] == "https://www.example.com"
    assert env["FRONTEND_URL"] == "https://postiz.example.com"


def test_app_env_options():
    env = postiz_app_env(
        settings(
            temporal_namespace="postiz",
            extra={"STORAGE_PROVIDER": "cloudflare"},
            flags=None,
            url_overrides=None,
        )
    )
    assert env["TEMPORAL_NAMESPACE"] == "postiz"
    assert env["STORAGE_PROVIDER"] == "cloudflare"
    assert postiz_app_env(settings(temporal_namespace=""))["TEMPORAL_NAMESPACE"] == "default"


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(extra={"PORT": "3001"}), "extra sets PORT. PORT must not be set"),
        (dict(flags={"PORT": True}), "flags sets PORT"),
        (
            dict(extra={"BAD-NAME": "x"}),
            "extra has the key 'BAD-NAME', which is not a valid environment variable name",
        ),
        (dict(flags={"1FLAG": True}), "flags has the key '1FLAG', which is not a valid"),
        (dict(extra={5: "x"}), "extra has the key 5"),
        (dict(flags={"RUN_CRON": "maybe"}), "flags.RUN_CRON must be true or false, got 'maybe'"),
        (dict(extra={"RUN_CRON": True}), "extra.RUN_CRON is a boolean; put it under flags"),
        (dict(extra={"LIST": ["a"]}), "extra.LIST must be a string, got a list."),
        (dict(extra={"JWT_SECRET": "x"}), "extra sets JWT_SECRET, which comes from the 'jwt_secret' setting"),
        (dict(extra={"DATABASE_URL": "x"}), "comes from the 'database_url' setting"),
        (dict(extra={"TEMPORAL_NAMESPACE": "x"}), "comes from the 'temporal_namespace' setting"),
        (dict(extra={"FRONTEND_URL": "x"}), "put it in url_overrides"),
        (dict(flags={"UPLOAD_DIRECTORY": True}), "flags sets UPLOAD_DIRECTORY, which is fixed to '/uploads'"),
        (dict(extra={"IS_GENERAL": "false"}), "extra sets IS_GENERAL, which is fixed to 'true'"),
        (dict(flags={"STORAGE_PROVIDER": True}), "not a flag"),
        (
            dict(extra={"STORAGE_PROVIDER": "s3"}),
            "extra.STORAGE_PROVIDER is 's3' but must be 'local' or 'cloudflare'",
        ),
        (dict(flags={"RUN_CRON": True}, extra={"RUN_CRON": "x"}), "RUN_CRON is set in both flags and extra"),
        (dict(url_overrides={"PORT": "x"}), "url_overrides has the key 'PORT'; only MAIN_URL"),
        (dict(url_overrides={"MAIN_URL": 5}), "url_overrides.MAIN_URL must be a string, got an int."),
        (dict(flags=["RUN_CRON"]), "The 'flags' setting must be a mapping"),
        (dict(jwt_secret=""), "The 'jwt_secret' setting is required"),
        (dict(database_url=None), "The 'database_url' setting is required"),
        (dict(public_url="https://example.com/postiz"), "must be served at the root of its host"),
        (dict(publicurl="typo"), "unknown settings: publicurl"),
    ],
)
def test_app_env_errors(changes, message):
    with pytest.raises(AnsibleFilterError) as info:
        postiz_app_env(settings(**changes))
    assert message in str(info.value)


def test_app_env_missing_required_setting():
    broken = dict(SETTINGS)
    del broken["redis_url"]
    with pytest.raises(AnsibleFilterError, match="'redis_url' setting is required"):
        postiz_app_env(broken)


def test_app_env_errors_do_not_show_secrets():
    with pytest.raises(AnsibleFilterError) as info:
        postiz_app_env(settings(extra={"BAD-NAME": "x"}))
    assert SETTINGS["jwt_secret"] not in str(info.value) and "dbpass1234" not in str(info.value)


# -- postiz_env_file --------------------------------------------------------------


def test_env_file_format():
    assert postiz_env_file({"B": "two", "A": 1, "C": "it's"}) == "A='1'\nB='two'\nC=\"it's\"\n"
    assert postiz_env_file({}) == ""


@pytest.mark.parametrize(
    "value, line",
    [
        ("plain", "K='plain'"),
        ("cost $5 ${HOME} $$", "K='cost $5 ${HOME} $$'"),
        ("a # b", "K='a # b'"),
        ("  spaced  ", "K='  spaced  '"),
        ('say "hi"', "K='say \"hi\"'"),
        ("back\\slash", "K='back\\slash'"),
        ("", "K=''"),
        ("it's $HOME", 'K="it\'s \\$HOME"'),
        ("line\nbreak", 'K="line\\nbreak"'),
        ("cr\rlf", 'K="cr\\rlf"'),
        ("ends with \\", 'K="ends with \\\\"'),
        ("q'\"\\$", 'K="q\'\\"\\\\\\$"'),
    ],
)
def test_env_file_quoting(value, line):
    assert postiz_env_file({"K": value}) == line + "\n"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"BAD-NAME": "x"}, "not a valid environment variable name"),
        ({"": "x"}, "not a valid environment variable name"),
        ({"K": None}, "give a string, or leave the variable out"),
        ({"K": True}, "give a string, or leave the variable out"),
        ({"K": ["x"]}, "its value is a list, not a string"),
        ({"K": "nul\x00"}, "cannot contain NUL"),
    ],
)
def test_env_file_errors(env, message):
    with pytest.raises(AnsibleFilterError, match=message):
        postiz_env_file(env)


def test_env_file_needs_a_mapping():
    with pytest.raises(AnsibleFilterError, match="expects a mapping"):
        postiz_env_file("A=1")


def test_env_file_style_must_be_known():
    with pytest.raises(AnsibleFilterError, match="style must be one of compose, sh"):
        postiz_env_file({"A": "1"}, "bash")


def test_env_file_for_the_shell_round_trips_through_sh(tmp_path):
    # Every value a POSIX shell's `.` reads back unchanged, without running anything in it.
    env = {f"V{index}": value for index, value in enumerate(ROUND_TRIP_VALUES.values())}
    env["CMD"] = "`touch pwned` $(touch pwned) ; touch pwned"
    path = tmp_path / "app.env"
    path.write_text(postiz_env_file(env, "sh"), encoding="utf-8")
    script = 'set -a && . "$0" && set +a && exec python3 -c "import json, os, sys; json.dump(dict(os.environ), sys.stdout)"'
    result = subprocess.run(
        ["sh", "-c", script, str(path)], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    seen = json.loads(result.stdout)
    assert {key: seen.get(key) for key in env} == env
    assert not (tmp_path / "pwned").exists()


# -- round trip through the real Docker Compose -------------------------------------

# Values chosen to break naive quoting: interpolation, comments, both quote
# kinds, backslashes (also before a closing quote), line breaks, control
# characters and non-ASCII text.
ROUND_TRIP_VALUES = {
    "DOLLAR": "pa$word ${HOME} $HOME $$ $",
    "DOLLAR_QUOTE": "it's $HOME and ${X:-default}",
    "HASH": "value # not a comment",
    "HASH_FIRST": "#starts with hash",
    "SPACES": "  leading and trailing  ",
    "ONLY_SPACE": " ",
    "DOUBLE_QUOTES": 'say "hello"',
    "SINGLE_QUOTE": "it's",
    "ONLY_SINGLE_QUOTES": "''",
    "BOTH_QUOTES": 'it\'s "quoted"',
    "BACKSLASH": "C:\\path\\n\\t",
    "BACKSLASH_END": "ends with \\",
    "BACKSLASH_QUOTE": "\\'",
    "BACKSLASH_DOLLAR": "\\$x'",
    "DOUBLE_BACKSLASH_END": "x\\\\",
    "NEWLINE": "line one\nline two",
    "NEWLINE_QUOTE": "it's\nmulti\nline",
    "CRLF": "a\r\nb",
    "TAB": "a\tb",
    "CONTROL": "esc\x1b del\x7f vt\x0b ff\x0c",
    "UNICODE": "caf\u00e9 \u65e5\u672c \u2028 \U0001f600",
    "EQUALS": "a=b=c",
    "BACKTICK": "`echo no` $(echo no)",
    "EMPTY": "",
    "DATABASE_URL": "postgresql://postiz:Ab3dEf@postiz-postgres:5432/postiz",
}


def find_compose():
    """docker-compose next to this Python (the venv), on PATH, or the docker CLI plugin."""
    candidates = [
        os.path.join(os.path.dirname(sys.executable), "docker-compose"),
        shutil.which("docker-compose"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return [candidate]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0
    ):
        return [docker, "compose"]
    return None


COMPOSE = find_compose()


def compose_environment(tmp_path, env_text, how):
    """What Compose makes of the env file, via `config --format json`."""
    (tmp_path / "app.env").write_text(env_text, encoding="utf-8")
    if how == "env_file":
        compose = "services:\n  app:\n    image: example.invalid/app\n    env_file: [app.env]\n"
        extra = []
    else:
        # --env-file feeds interpolation of the Compose file itself.
        lines = ["services:\n  app:\n    image: example.invalid/app\n    environment:\n"]
        lines += [f"      {key}: ${{{key}}}\n" for key in ROUND_TRIP_VALUES]
        compose = "".join(lines)
        extra = ["--env-file", "app.env"]
    (tmp_path / "compose.yaml").write_text(compose, encoding="utf-8")
    # A clean environment: variables the file references must not leak in from here.
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "X": "FROM-THE-SHELL"}
    proc = subprocess.run(
        [
            *COMPOSE,
            "--project-directory",
            str(tmp_path),
            "-f",
            str(tmp_path / "compose.yaml"),
            *extra,
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=run_env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    environment = json.loads(proc.stdout)["services"]["app"]["environment"]
    # `config` prints a Compose file, where a literal '$' is written '$$'.
    return {key: value.replace("$$", "$") for key, value in environment.items()}


@pytest.mark.skipif(COMPOSE is None, reason="needs the docker-compose v2 binary")
@pytest.mark.parametrize("how", ["env_file", "env-file option"])
def test_env_file_round_trips_through_compose(tmp_path, how):
    text = postiz_env_file(ROUND_TRIP_VALUES)
    assert text.count("\n") == len(ROUND_TRIP_VALUES), "one line per variable"
    assert compose_environment(tmp_path, text, how) == ROUND_TRIP_VALUES


@pytest.mark.skipif(COMPOSE is None, reason="needs the docker-compose v2 binary")
def test_app_env_round_trips_through_compose(tmp_path):
    env = postiz_app_env(settings(extra={"OPENAI_API_KEY": "sk-$abc'\"#"}, flags={"RUN_CRON": True}))
    assert compose_environment(tmp_path, postiz_env_file(env), "env_file") == env
