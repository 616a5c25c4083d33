# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checking a final Postiz container environment against what Postiz needs.

Controller-side helpers of the ``selfhosted.postiz.postiz_*`` filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_env import (
    PORT_REFUSAL,
    STORAGE_PROVIDERS,
)
from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import (
    BACKEND_INTERNAL_URL,
    LOOPBACK_HOSTS,
    browser_origin,
    describe_type,
    mask_url,
    split_http_url,
)

# Flags Postiz tests with JavaScript truthiness: any non-empty string, even
# 'false', turns them on (they are read as `if (process.env.X)`).
TRUTHY_FLAGS = (
    "NOT_SECURED",
    "IS_GENERAL",
    "RUN_CRON",
    "MCP_ONLY",
    "POSTIZ_GENERIC_OAUTH",
    "DISABLE_IMAGE_COMPRESSION",
    "DISABLE_X_ANALYTICS",
    "STRIP_LINKS_FROM_X_POSTS",
    "DISALLOW_PLUS",
)
# Flags Postiz compares to the exact string 'true'.
EXACT_TRUE_FLAGS = ("DISABLE_REGISTRATION", "DISABLE_SSRF_PROTECTION", "TEMPORAL_TLS", "EMAIL_SECURE")
FALSE_LOOKING = ("false", "no", "off", "0", "n", "f")

# -- checking a final environment ---------------------------------------------


def _text(env, key):
    """The value as text; None and missing count as empty."""
    value = env.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _url_var_problems(env, key, fix):
    """Non-empty, valid http(s) URL, no trailing '/' (ConfigurationChecker rules).

    Returns (sentences, parts); parts is None when the value cannot be used at all.
    """
    value = _text(env, key)
    if not value:
        return [f"{key} is not set: {fix}."], None
    parts, reason = split_http_url(value)
    if parts is None:
        return [f"{key} is {mask_url(value)!r}, which is not a valid http(s) URL ({reason}): {fix}."], None
    if value.endswith("/"):
        return [
            "{} is {!r} but must not end with '/': use {!r}.".format(
                key, mask_url(value), mask_url(value.rstrip("/"))
            )
        ], parts
    return [], parts


def _fix(expected, otherwise):
    return f"set it to {expected!r}" if expected else otherwise


def _frontend_problems(value, parts):
    problems = []
    origin = browser_origin(parts)
    if parts.username is not None or parts.password is not None:
        problems.append("FRONTEND_URL must not contain a user name or password.")
    elif parts.path.rstrip("/") or parts.query or parts.fragment:
        problems.append(
            f"FRONTEND_URL is {mask_url(value)!r} but must be only scheme, host and port ({origin!r}): Postiz is served at the root of "
            "its host because nginx routes /api/ and /uploads/ there."
        )
    elif value != origin:
        problems.append(
            f"FRONTEND_URL is {mask_url(value)!r} but must be written the way browsers send the Origin header ({origin!r}: lower case, "
            "no default port), or CORS and cookies will not match."
        )
    return problems


def _backend_internal_problem(stripped, value, parts, frontend_parts):
    if stripped == BACKEND_INTERNAL_URL:
        return None
    if frontend_parts is not None and browser_origin(parts) == browser_origin(frontend_parts):
        reason = "it must never be the public URL"
    elif parts.path.rstrip("/").endswith("/api"):
        reason = "it must not end in /api"
    else:
        reason = "nginx's upstream in the image is hard-coded to port 3000"
    return (
        f"BACKEND_INTERNAL_URL is {mask_url(value)!r} but must be {BACKEND_INTERNAL_URL!r} ({reason}): Next.js calls the backend directly inside the "
        "container."
    )


def _flag_problems(env):
    problems = []
    for key in TRUTHY_FLAGS:
        value = _text(env, key)
        if value.strip().lower() in FALSE_LOOKING:
            problems.append(
                f"{key} is {value!r}, which Postiz treats as on (any non-empty value is): remove {key} to turn it off."
            )
    for key in EXACT_TRUE_FLAGS:
        value = _text(env, key)
        if value and value != "true" and value.strip().lower() not in FALSE_LOOKING:
            problems.append(
                f"{key} is {value!r}, which Postiz treats as off (only the exact string 'true' counts): set it to 'true' "
                "to turn it on."
            )
    return problems


def _service_problems(env):
    """Postiz's ConfigurationChecker warnings that are not about URLs, plus what the image needs."""
    problems = []
    redis_url = _text(env, "REDIS_URL")
    if not redis_url:
        problems.append("REDIS_URL is not set: set it to the Redis URL, like 'redis://postiz-redis:6379'.")
    else:
        parts = _split_any_url(redis_url)
        if parts is None:
            problems.append(
                f"REDIS_URL is {mask_url(redis_url)!r}, which is not a valid URL: use 'redis://host:6379'."
            )
        elif parts.scheme not in ("redis", "rediss"):
            # Postiz's checker only warns about rediss:// (TLS); its Redis client connects.
            problems.append(
                f"REDIS_URL is {mask_url(redis_url)!r} but must start with redis:// or rediss:// (Redis over TLS)."
            )

    database_url = _text(env, "DATABASE_URL")
    if not database_url:
        problems.append("DATABASE_URL is not set: set it to 'postgresql://user:password@host:5432/database'.")
    else:
        parts = _split_any_url(database_url)
        if parts is None:
            problems.append(
                f"DATABASE_URL is {mask_url(database_url)!r}, which is not a valid URL: use 'postgresql://user:password@host:5432/database'."
            )
        elif parts.scheme not in ("postgresql", "postgres"):
            problems.append(
                f"DATABASE_URL is {mask_url(database_url)!r} but must start with postgresql:// (Prisma's PostgreSQL driver)."
            )
        elif database_url.endswith("/"):
            problems.append(
                f"DATABASE_URL is {mask_url(database_url)!r} but must not end with '/': name the database after the last '/'."
            )

    if not _text(env, "JWT_SECRET"):
        problems.append("JWT_SECRET is not set: generate a long random value once and keep it.")

    storage = _text(env, "STORAGE_PROVIDER")
    if not storage:
        problems.append("STORAGE_PROVIDER is not set: set it to 'local' (or 'cloudflare' for R2).")
    elif storage not in STORAGE_PROVIDERS:
        problems.append(
            f"STORAGE_PROVIDER is {storage!r} but must be 'local' or 'cloudflare': anything else fails at the first upload."
        )
    elif storage == "local" and _text(env, "UPLOAD_DIRECTORY") != "/uploads":
        problems.append(
            "UPLOAD_DIRECTORY is {!r} but must be '/uploads': nginx in the image serves uploads only from there.".format(
                _text(env, "UPLOAD_DIRECTORY")
            )
        )

    temporal = _text(env, "TEMPORAL_ADDRESS")
    if not temporal:
        problems.append(
            "TEMPORAL_ADDRESS is not set, so Postiz would use localhost:7233 inside its own container: "
            "set it to the Temporal frontend's host:port, like 'temporal:7233'."
        )
    elif "://" in temporal or "/" in temporal:
        problems.append(
            f"TEMPORAL_ADDRESS is {mask_url(temporal)!r} but must be host:port without a scheme or path (it is a gRPC address), "
            "like 'temporal:7233'."
        )

    if "PORT" in env and _text(env, "PORT"):
        problems.append(PORT_REFUSAL)
    return problems


def _split_any_url(value):
    try:
        parts = urlsplit(value)
        _port = parts.port  # read only to raise ValueError for a bad port
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc or any(ch.isspace() for ch in value):
        return None
    return parts


def url_problems(env):
    """Sentences describing what is wrong with a final Postiz env mapping; [] when fine."""
    if not isinstance(env, Mapping):
        raise AnsibleFilterError(f"postiz_url_problems expects the env mapping, got {describe_type(env)}.")

    problems = []
    frontend_problems, frontend_parts = _url_var_problems(
        env, "FRONTEND_URL", "set it to the URL users type in the browser, like https://postiz.example.com"
    )
    problems.extend(frontend_problems)
    # A trailing '/' is reported above; the other URLs are compared with it removed.
    frontend = _text(env, "FRONTEND_URL").rstrip("/") if frontend_parts is not None else ""
    if frontend:
        problems.extend(_frontend_problems(frontend, frontend_parts))

    main_problems, main_parts = _url_var_problems(
        env, "MAIN_URL", _fix(frontend, "set it to the value of FRONTEND_URL")
    )
    problems.extend(main_problems)
    main_url = _text(env, "MAIN_URL")
    if main_parts is not None and frontend and main_url.rstrip("/") != frontend:
        problems.append(
            f"MAIN_URL is {mask_url(main_url)!r} but must equal FRONTEND_URL ({mask_url(frontend)!r}): it is only an extra CORS origin and should be "
            "the browser's URL too."
        )

    expected_backend = frontend + "/api" if frontend else None
    backend_problems, _dummy = _url_var_problems(
        env, "NEXT_PUBLIC_BACKEND_URL", _fix(expected_backend, "set it to FRONTEND_URL + '/api'")
    )
    backend = _text(env, "NEXT_PUBLIC_BACKEND_URL")
    if expected_backend and backend and backend != expected_backend:
        # One sentence with the full fix is clearer than "drop the slash", then "use /api".
        problems.append(
            f"NEXT_PUBLIC_BACKEND_URL is {mask_url(backend)!r} but must be FRONTEND_URL + '/api' ({mask_url(expected_backend)!r}): the browser reaches the "
            "backend through the app's /api prefix."
        )
    else:
        problems.extend(backend_problems)

    internal_problems, internal_parts = _url_var_problems(
        env, "BACKEND_INTERNAL_URL", f"set it to {BACKEND_INTERNAL_URL!r}"
    )
    internal = _text(env, "BACKEND_INTERNAL_URL")
    problem = None
    if internal_parts is not None:
        problem = _backend_internal_problem(internal.rstrip("/"), internal, internal_parts, frontend_parts)
    # The full fix replaces a separate "drop the trailing slash" sentence.
    problems.extend([problem] if problem else internal_problems)

    if (
        frontend
        and frontend_parts.scheme.lower() == "http"
        and frontend_parts.hostname not in LOOPBACK_HOSTS
        and not _text(env, "NOT_SECURED")
    ):
        problems.append(
            f"FRONTEND_URL is {mask_url(frontend)!r} (plain http on a host other than localhost) but NOT_SECURED is not set: "
            "Postiz's login cookies are Secure and the browser drops them over http. Serve Postiz over "
            "https, or set NOT_SECURED to 'true' on a trusted network."
        )

    problems.extend(_flag_problems(env))
    problems.extend(_service_problems(env))
    return problems
