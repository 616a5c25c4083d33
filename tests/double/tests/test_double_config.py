# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Env semantics of FACTS §2.2 (truthiness), §2.6 and §2.9 (defaults)."""

import pytest
from postiz_double.config import exact_true, js_truthy, load_settings, parse_api_limit


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("", False), ("false", True), ("0", True), ("no", True), ("true", True), (" ", True)],
)
def test_js_truthiness_turns_any_non_empty_string_on(value, expected):
    assert js_truthy(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("true", True),
        ("TRUE", False),
        ("True", False),
        (" true", False),
        ("1", False),
    ],
)
def test_exact_true_only_accepts_the_lowercase_literal(value, expected):
    assert exact_true(value) is expected


def test_defaults_match_postiz():
    settings = load_settings({})
    assert settings.temporal_address == "localhost:7233"
    assert settings.temporal_namespace == "default"
    assert settings.api_limit == 90
    assert settings.temporal_tls is False
    assert settings.not_secured is False
    assert settings.disable_registration is False
    assert settings.listen_port == 5000
    assert settings.uploads_root == "/uploads"


def test_empty_strings_count_as_unset():
    settings = load_settings(
        {"DATABASE_URL": "", "JWT_SECRET": "", "TEMPORAL_ADDRESS": "", "TEMPORAL_NAMESPACE": ""}
    )
    assert settings.database_url is None
    assert settings.jwt_secret is None
    assert settings.temporal_address == "localhost:7233"
    assert settings.temporal_namespace == "default"


def test_not_secured_false_string_is_on_and_disable_registration_false_is_off():
    settings = load_settings({"NOT_SECURED": "false", "DISABLE_REGISTRATION": "false", "RUN_CRON": "false"})
    assert settings.not_secured is True
    assert settings.run_cron is True
    assert settings.disable_registration is False


def test_temporal_tls_skips_search_attribute_registration():
    assert load_settings({"TEMPORAL_TLS": "true"}).temporal_auto_register_search_attributes is False
    assert load_settings({"TEMPORAL_TLS": "yes"}).temporal_auto_register_search_attributes is True


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 90), ("", 90), ("30", 30), (" 12 ", 12), ("many", 90)]
)
def test_api_limit(value, expected):
    assert parse_api_limit(value) == expected


@pytest.mark.parametrize(
    ("provider", "activation"), [(None, False), ("resend", True), ("nodemailer", True), ("smtp", False)]
)
def test_only_real_email_providers_require_activation(provider, activation):
    env = {"EMAIL_PROVIDER": provider} if provider else {}
    assert load_settings(env).email_activation_required is activation


def test_public_api_and_oauth_settings():
    settings = load_settings(
        {
            "HIDDEN_PROVIDERS": "x, linkedin-page,,",
            "DISABLE_SSRF_PROTECTION": "TRUE",
            "MCP_ONLY": "false",
            "LINKEDIN_CLIENT_ID": "",
            "UNRELATED": "1",
        }
    )
    # Postiz v2.23.0 reads neither (both came after it).
    assert not hasattr(settings, "hidden_providers") and not hasattr(settings, "mcp_only")
    assert settings.disable_ssrf_protection is False  # only the exact string "true"
    assert settings.url_env == {"LINKEDIN_CLIENT_ID": ""}  # empty kept: "" and unset differ in URLs
