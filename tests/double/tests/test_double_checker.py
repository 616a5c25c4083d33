# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ConfigurationChecker texts and order (FACTS §2.5)."""

import pytest
from postiz_double.checker import check_configuration, summary_line

GOOD = {
    "REDIS_URL": "redis://postiz-redis:6379",
    "DATABASE_URL": "postgresql://u:p@db:5432/postiz",
    "JWT_SECRET": "x",
    "MAIN_URL": "http://localhost:4007",
    "FRONTEND_URL": "http://localhost:4007",
    "NEXT_PUBLIC_BACKEND_URL": "http://localhost:4007/api",
    "BACKEND_INTERNAL_URL": "http://localhost:3000",
    "STORAGE_PROVIDER": "local",
}


def test_clean_configuration():
    assert check_configuration(GOOD) == []
    assert summary_line([]) == "Configuration check completed without any issues"


def test_everything_missing_in_checker_order():
    assert check_configuration({}) == [
        "REDIS_URL not set",
        "DATABASE_URL not set. ",
        "JWT_SECRET not set. ",
        "MAIN_URL not set. ",
        "FRONTEND_URL not set. ",
        "NEXT_PUBLIC_BACKEND_URL not set. ",
        "BACKEND_INTERNAL_URL not set. ",
        "STORAGE_PROVIDER not set. Needed to setup storage.",
    ]
    assert summary_line(["a"] * 8) == "Configuration issues found: 8"


@pytest.mark.parametrize(
    ("value", "issue"),
    [
        ("rediss://cache:6380", "REDIS_URL must start with redis://"),
        ("cache:6379", "REDIS_URL must start with redis://"),
        ("not a url", "REDIS_URL is not a valid URL"),
    ],
)
def test_redis_url_shapes(value, issue):
    assert check_configuration({**GOOD, "REDIS_URL": value}) == [issue]


@pytest.mark.parametrize(
    "key", ["DATABASE_URL", "MAIN_URL", "FRONTEND_URL", "NEXT_PUBLIC_BACKEND_URL", "BACKEND_INTERNAL_URL"]
)
def test_url_keys_trailing_slash_and_invalid(key):
    assert check_configuration({**GOOD, key: GOOD[key] + "/"}) == [f"{key} should not end with /"]
    assert check_configuration({**GOOD, key: "localhost 4007"}) == [f"{key} is not a valid URL"]
    assert check_configuration({**GOOD, key: "http://"}) == [f"{key} is not a valid URL"]


def test_jwt_secret_missing_is_reported_with_trailing_space():
    env = dict(GOOD)
    env["JWT_SECRET"] = ""
    assert check_configuration(env) == ["JWT_SECRET not set. "]
