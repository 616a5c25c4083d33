# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""class-validator-style checks of the auth DTOs (FACTS §6.1, §6.2).

The messages follow class-validator's default wording; Postiz's exact DTO decorators
were not traced, so treat the message list as an approximation.
"""

from __future__ import annotations

import re
from typing import Any

# Close to validator.js isEmail for ordinary addresses.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
PROVIDERS = ("LOCAL", "GITHUB", "GOOGLE", "FARCASTER", "WALLET", "GENERIC", "APPLE")


def is_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL.match(value)) and len(value) <= 254


def _length(errors: list[str], body: dict[str, Any], key: str, low: int, high: int) -> None:
    value = body.get(key)
    if value is None:
        errors.append(f"{key} should not be null or undefined")
    if not isinstance(value, str):
        errors.append(f"{key} must be a string")
        return
    if len(value) < low:
        errors.append(f"{key} must be longer than or equal to {low} characters")
    if len(value) > high:
        errors.append(f"{key} must be shorter than or equal to {high} characters")


def _provider(errors: list[str], body: dict[str, Any]) -> None:
    if body.get("provider") not in PROVIDERS:
        errors.append(f"provider must be one of the following values: {', '.join(PROVIDERS)}")


def register_errors(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if not is_email(body.get("email")):
        errors.append("email must be an email")
    _length(errors, body, "password", 3, 64)
    _length(errors, body, "company", 3, 128)
    _provider(errors, body)
    return errors


def login_errors(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if not is_email(body.get("email")):
        errors.append("email must be an email")
    _length(errors, body, "password", 3, 64)
    _provider(errors, body)
    return errors


def forgot_errors(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if not is_email(body.get("email")):
        errors.append("email must be an email")
    _provider(errors, body)
    return errors


def forgot_return_errors(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    _length(errors, body, "password", 3, 64)
    if body.get("repeatPassword") != body.get("password"):
        errors.append("repeatPassword must match password")
    if not isinstance(body.get("token"), str):
        errors.append("token must be a string")
    return errors
