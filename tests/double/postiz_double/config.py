# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Environment handling with Postiz's own semantics (FACTS §2.2, §2.3, §2.6, §2.9)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .mailer import MailSettings
from .providers import URL_ENV_NAMES

# Fixed by the real image: nginx proxies /api/ to this port and the logs name it.
BACKEND_PORT = 3000
ORCHESTRATOR_PORT = 3002
DEFAULT_API_LIMIT = 90
DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"
DEFAULT_TEMPORAL_NAMESPACE = "default"
# nginx serves /uploads/ from this hard-coded alias, whatever UPLOAD_DIRECTORY says.
NGINX_UPLOADS_ROOT = "/uploads"


def js_truthy(value: str | None) -> bool:
    """JavaScript truthiness of an env value: any non-empty string is on, even "false"."""
    return bool(value)


def exact_true(value: str | None) -> bool:
    """The few Postiz flags compared with === 'true' (no trimming, case-sensitive)."""
    return value == "true"


def non_empty(value: str | None) -> str | None:
    """Postiz treats an empty string like an unset variable."""
    return value if value else None


def parse_api_limit(value: str | None) -> int:
    """API_LIMIT as Number(...) with the code default 90 when unset or not a number."""
    if not value:
        return DEFAULT_API_LIMIT
    try:
        return int(value.strip())
    except ValueError:
        return DEFAULT_API_LIMIT


@dataclass(frozen=True)
class Settings:
    """Every variable the double reads, in Postiz's interpretation."""

    database_url: str | None
    redis_url: str | None
    jwt_secret: str | None
    main_url: str | None
    frontend_url: str | None
    backend_url: str | None  # NEXT_PUBLIC_BACKEND_URL
    backend_internal_url: str | None
    storage_provider: str | None
    upload_directory: str | None
    temporal_address: str
    temporal_namespace: str
    temporal_tls: bool
    temporal_api_key: str | None
    is_general: bool
    disable_registration: bool
    not_secured: bool
    run_cron: bool
    api_limit: int
    email_provider: str | None
    disallow_plus: bool
    stripe_publishable_key: bool
    # Public API / MCP / channel connection (FACTS §2.6, §2.10, §2.12, §3).
    stripe_secret_key: bool
    openai_api_key: bool
    disable_ssrf_protection: bool
    restrict_upload_domains: str | None
    # Double-only knobs (not Postiz variables), for running outside the image.
    listen_host: str
    listen_port: int
    uploads_root: str
    # A build made to fail on purpose (upgrade-rollback tests): POSTIZ_DOUBLE_BROKEN, baked
    # into the image at build time (tests/images/build.sh), never set by the collection.
    broken: bool
    # Raw values (unset vs "" matters: JavaScript interpolates unset as "undefined").
    url_env: Mapping[str, str] = field(default_factory=dict)
    # EMAIL_* for the delivery of what Postiz signals to its sendEmailWorkflow (mailer.py).
    mail: MailSettings = field(default_factory=lambda: MailSettings.from_env({}))

    @property
    def email_activation_required(self) -> bool:
        """Only the two real providers switch account activation on (FACTS §2.8)."""
        return self.email_provider in ("resend", "nodemailer")

    @property
    def temporal_auto_register_search_attributes(self) -> bool:
        return not self.temporal_tls


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    get = env.get
    return Settings(
        database_url=non_empty(get("DATABASE_URL")),
        redis_url=non_empty(get("REDIS_URL")),
        jwt_secret=non_empty(get("JWT_SECRET")),
        main_url=non_empty(get("MAIN_URL")),
        frontend_url=non_empty(get("FRONTEND_URL")),
        backend_url=non_empty(get("NEXT_PUBLIC_BACKEND_URL")),
        backend_internal_url=non_empty(get("BACKEND_INTERNAL_URL")),
        storage_provider=non_empty(get("STORAGE_PROVIDER")),
        upload_directory=non_empty(get("UPLOAD_DIRECTORY")),
        temporal_address=non_empty(get("TEMPORAL_ADDRESS")) or DEFAULT_TEMPORAL_ADDRESS,
        temporal_namespace=non_empty(get("TEMPORAL_NAMESPACE")) or DEFAULT_TEMPORAL_NAMESPACE,
        temporal_tls=exact_true(get("TEMPORAL_TLS")),
        temporal_api_key=non_empty(get("TEMPORAL_API_KEY")),
        is_general=js_truthy(get("IS_GENERAL")),
        disable_registration=exact_true(get("DISABLE_REGISTRATION")),
        not_secured=js_truthy(get("NOT_SECURED")),
        run_cron=js_truthy(get("RUN_CRON")),
        api_limit=parse_api_limit(get("API_LIMIT")),
        email_provider=non_empty(get("EMAIL_PROVIDER")),
        disallow_plus=js_truthy(get("DISALLOW_PLUS")),
        stripe_publishable_key=js_truthy(get("STRIPE_PUBLISHABLE_KEY")),
        stripe_secret_key=js_truthy(get("STRIPE_SECRET_KEY")),
        openai_api_key=js_truthy(get("OPENAI_API_KEY")),
        disable_ssrf_protection=exact_true(get("DISABLE_SSRF_PROTECTION")),
        restrict_upload_domains=non_empty(get("RESTRICT_UPLOAD_DOMAINS")),
        listen_host=non_empty(get("POSTIZ_DOUBLE_HOST")) or "0.0.0.0",
        listen_port=int(get("POSTIZ_DOUBLE_PORT") or 5000),
        uploads_root=non_empty(get("POSTIZ_DOUBLE_UPLOADS_ROOT")) or NGINX_UPLOADS_ROOT,
        broken=js_truthy(get("POSTIZ_DOUBLE_BROKEN")),
        url_env={name: env[name] for name in URL_ENV_NAMES if name in env},
        mail=MailSettings.from_env(env),
    )
