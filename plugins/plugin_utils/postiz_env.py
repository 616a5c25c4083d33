# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Building the Postiz container environment and writing it as a Compose env file.

Controller-side helpers of the ``selfhosted.postiz.postiz_*`` filters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import (
    URL_VARS,
    describe_type,
    url_trio,
)

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
STORAGE_PROVIDERS = ("local", "cloudflare")

# Entries every deployment gets (besides the URL trio).
FIXED_ENV = {
    "STORAGE_PROVIDER": "local",
    # nginx serves /uploads/ from this exact path inside the image.
    "UPLOAD_DIRECTORY": "/uploads",
    # "required for now" upstream: selects the Postiz product mode.
    "IS_GENERAL": "true",
}

# Keys built from a dedicated setting, so they cannot come from extra or flags.
SETTING_FOR_KEY = {
    "JWT_SECRET": "jwt_secret",
    "DATABASE_URL": "database_url",
    "REDIS_URL": "redis_url",
    "TEMPORAL_ADDRESS": "temporal_address",
    "TEMPORAL_NAMESPACE": "temporal_namespace",
}

REQUIRED_SETTINGS = ("public_url", "jwt_secret", "database_url", "redis_url", "temporal_address")
OPTIONAL_SETTINGS = ("temporal_namespace", "flags", "url_overrides", "extra")

PORT_REFUSAL = (
    "PORT must not be set: nginx inside the Postiz image always proxies /api/ to port 3000, "
    "so a backend listening elsewhere is unreachable."
)


# -- building the environment --------------------------------------------------


def _check_env_name(key, where):
    if not isinstance(key, str) or not ENV_NAME.match(key):
        raise AnsibleFilterError(
            f"{where} has the key {key!r}, which is not a valid environment variable name (letters, digits and "
            "underscores, not starting with a digit)."
        )
    if key == "PORT":
        raise AnsibleFilterError(f"{where} sets PORT. {PORT_REFUSAL}")


def _check_not_reserved(key, where):
    if key in SETTING_FOR_KEY:
        raise AnsibleFilterError(
            f"{where} sets {key}, which comes from the {SETTING_FOR_KEY[key]!r} setting: set that instead."
        )
    if key in URL_VARS:
        raise AnsibleFilterError(
            f"{where} sets {key}, which is derived from public_url: put it in url_overrides if it really must differ."
        )
    if key in ("UPLOAD_DIRECTORY", "IS_GENERAL"):
        raise AnsibleFilterError(
            f"{where} sets {key}, which is fixed to {FIXED_ENV[key]!r} for the official image."
        )


def _mapping_setting(settings, name):
    value = settings.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(f"The {name!r} setting must be a mapping, got {describe_type(value)}.")
    return value


def _required_text(settings, name):
    value = settings.get(name)
    if not isinstance(value, str) or not value:
        raise AnsibleFilterError(f"The {name!r} setting is required and must be a non-empty string.")
    return value


def app_env(settings):
    """The complete, sorted environment of the Postiz container."""
    if not isinstance(settings, Mapping):
        raise AnsibleFilterError(
            f"postiz_app_env expects a mapping of settings, got {describe_type(settings)}."
        )
    unknown = sorted(set(settings) - set(REQUIRED_SETTINGS) - set(OPTIONAL_SETTINGS))
    if unknown:
        raise AnsibleFilterError(
            "postiz_app_env got unknown settings: {}. Known settings: {}.".format(
                ", ".join(map(str, unknown)), ", ".join(REQUIRED_SETTINGS + OPTIONAL_SETTINGS)
            )
        )

    env = dict(FIXED_ENV)
    env.update(url_trio(_required_text(settings, "public_url")))
    for key, setting in SETTING_FOR_KEY.items():
        if setting == "temporal_namespace":
            continue
        env[key] = _required_text(settings, setting)
    namespace = settings.get("temporal_namespace")
    env["TEMPORAL_NAMESPACE"] = namespace if namespace not in (None, "") else "default"
    if not isinstance(env["TEMPORAL_NAMESPACE"], str):
        raise AnsibleFilterError("The temporal_namespace setting must be a string.")

    for key, value in _mapping_setting(settings, "url_overrides").items():
        if key not in URL_VARS:
            raise AnsibleFilterError(
                "url_overrides has the key {!r}; only {} can be overridden.".format(key, ", ".join(URL_VARS))
            )
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise AnsibleFilterError(f"url_overrides.{key} must be a string, got {describe_type(value)}.")
        env[key] = value

    flags = _mapping_setting(settings, "flags")
    for key, value in flags.items():
        _check_env_name(key, "flags")
        _check_not_reserved(key, "flags")
        if key == "STORAGE_PROVIDER":
            raise AnsibleFilterError("flags sets STORAGE_PROVIDER, which is not a flag: put it in extra.")
        try:
            enabled = boolean(value, strict=True)
        except TypeError:
            raise AnsibleFilterError(f"flags.{key} must be true or false, got {value!r}.") from None
        if enabled:
            env[key] = "true"
        else:
            # Postiz treats any non-empty value, even 'false', as on: off means absent.
            env.pop(key, None)

    for key, value in _mapping_setting(settings, "extra").items():
        _check_env_name(key, "extra")
        _check_not_reserved(key, "extra")
        if key in flags:
            raise AnsibleFilterError(f"{key} is set in both flags and extra; keep only one.")
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            raise AnsibleFilterError(
                f"extra.{key} is a boolean; put it under flags, where false leaves the variable out."
            )
        if isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise AnsibleFilterError(f"extra.{key} must be a string, got {describe_type(value)}.")
        if key == "STORAGE_PROVIDER" and value not in STORAGE_PROVIDERS:
            raise AnsibleFilterError(
                f"extra.STORAGE_PROVIDER is {value!r} but must be 'local' or 'cloudflare'."
            )
        env[key] = value

    return dict(sorted(env.items()))


# -- writing it for Docker Compose --------------------------------------------


def _quote_env_value(value):
    """Quote a value so Compose v2 (compose-go) reads it back unchanged.

    Single quotes are literal in Compose: no interpolation, no escapes. They
    cannot hold a ', a line break (one entry per line), or a trailing
    backslash (compose-go reads \\' as an escaped quote). Those values go in
    double quotes, where \\\\, \\", \\$, \\n and \\r are escapes.
    """
    if "'" not in value and "\n" not in value and "\r" not in value and not value.endswith("\\"):
        return f"'{value}'"
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("$", "\\$")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _quote_sh_value(value):
    """Quote a value for a POSIX shell: single quotes, each ' written as '\\''."""
    return "'" + value.replace("'", "'\\''") + "'"


ENV_STYLES = {"compose": _quote_env_value, "sh": _quote_sh_value}


def env_file(env, style="compose"):
    """Text of an env file (KEY='value' lines, sorted, final newline).

    ``compose``: as Compose's env_file reads it; ``sh``: as a POSIX shell's ``.`` reads it
    (the Swarm stack's env secrets, which a shell wrapper exports).
    """
    if style not in ENV_STYLES:
        raise AnsibleFilterError(
            f"postiz_env_file: style must be one of {', '.join(ENV_STYLES)}, got {style!r}."
        )
    quote = ENV_STYLES[style]
    if not isinstance(env, Mapping):
        raise AnsibleFilterError(f"postiz_env_file expects a mapping, got {describe_type(env)}.")
    lines = []
    for key in sorted(env, key=str):
        value = env[key]
        if not isinstance(key, str) or not ENV_NAME.match(key):
            raise AnsibleFilterError(
                f"Cannot write {key!r} to an env file: it is not a valid environment variable name."
            )
        if isinstance(value, bool) or value is None:
            raise AnsibleFilterError(
                f"Cannot write {key}={value!r} to an env file: give a string, or leave the variable out."
            )
        if isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise AnsibleFilterError(
                f"Cannot write {key} to an env file: its value is {describe_type(value)}, not a string."
            )
        if "\x00" in value:
            raise AnsibleFilterError(
                f"Cannot write {key} to an env file: environment values cannot contain NUL."
            )
        lines.append(f"{key}={quote(value)}\n")
    return "".join(lines)
