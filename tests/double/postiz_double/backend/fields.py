# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny declarative stand-in for class-validator DTOs, plus their JSON schema.

Messages use class-validator's default wording and Nest's ``parent.0.child`` paths
(FACTS §5.6). Postiz's exact decorator stacks were not traced, so a field reports the
one message that best describes what is wrong, not every failing decorator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# validator.js isISO8601 (non-strict) accepts dates, optional time, optional offset.
ISO_8601 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$"
)
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # string | boolean | number | date | url | object | array
    required: bool = False
    choices: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    min_items: int | None = None
    children: tuple[Field, ...] = ()  # object members, or the members of each array item
    item_kind: str | None = None  # arrays of scalars (e.g. "string")
    applies: Callable[[dict[str, Any]], bool] | None = None  # class-validator @ValidateIf
    description: str = ""


def is_iso_date(value: Any) -> bool:
    return isinstance(value, str) and bool(ISO_8601.match(value))


def _scalar_error(field: Field, value: Any, path: str) -> str | None:
    kind = field.kind
    if field.choices:
        if value not in field.choices:
            return f"{path} must be one of the following values: {', '.join(field.choices)}"
        return None
    if kind == "string":
        if not isinstance(value, str):
            return f"{path} must be a string"
        if field.min_length is not None and len(value) < field.min_length:
            return f"{path} must be longer than or equal to {field.min_length} characters"
        if field.max_length is not None and len(value) > field.max_length:
            return f"{path} must be shorter than or equal to {field.max_length} characters"
        if field.pattern is not None and not re.search(field.pattern, value):
            return f"{path} must match /{field.pattern}/ regular expression"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"{path} must be a boolean value"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{path} must be a number conforming to the specified constraints"
        if field.minimum is not None and value < field.minimum:
            return f"{path} must not be less than {field.minimum:g}"
        if field.maximum is not None and value > field.maximum:
            return f"{path} must not be greater than {field.maximum:g}"
    elif kind == "date" and not is_iso_date(value):
        return f"{path} must be a valid ISO 8601 date string"
    elif kind == "url" and (not isinstance(value, str) or not _URL.match(value)):
        return f"{path} must be a URL address"
    return None


def check(obj: dict[str, Any], fields: tuple[Field, ...], prefix: str = "") -> list[str]:
    """Messages for ``obj`` against ``fields``; ``prefix`` is the Nest path of ``obj``."""
    errors: list[str] = []
    for field in fields:
        if field.applies is not None and not field.applies(obj):
            continue
        path = prefix + field.name
        value = obj.get(field.name)
        if value is None:
            if field.required:
                errors.append(_missing(field, path))
            continue
        errors.extend(check_value(field, value, path))
    return errors


def _missing(field: Field, path: str) -> str:
    if field.kind in ("object",):
        return f"{path} should not be null or undefined"
    if field.kind == "array":
        return f"{path} must be an array"
    return _scalar_error(field, None, path) or f"{path} should not be null or undefined"


def _not_nested(field: Field, path: str) -> str:
    # Nest prefixes the parent path to the whole class-validator message.
    parent = path[: len(path) - len(field.name)]
    return f"{parent}nested property {field.name} must be either object or array"


def check_value(field: Field, value: Any, path: str) -> list[str]:
    if field.kind == "object":
        if not isinstance(value, dict):
            return [_not_nested(field, path)]
        return check(value, field.children, path + ".")
    if field.kind == "array":
        if not isinstance(value, list):
            return [f"{path} must be an array"]
        if field.min_items is not None and len(value) < field.min_items:
            return [f"{path} must contain at least {field.min_items} elements"]
        errors: list[str] = []
        for index, item in enumerate(value):
            item_path = f"{path}.{index}"
            if field.children:
                if not isinstance(item, dict):
                    errors.append(_not_nested(field, path))
                    continue
                errors.extend(check(item, field.children, item_path + "."))
            elif field.item_kind:
                error = _scalar_error(Field(field.name, field.item_kind), item, f"each value in {path}")
                if error:
                    errors.append(error)
        return errors
    error = _scalar_error(field, value, path)
    return [error] if error else []


# -- JSON schema (integrationSchema tool, integration-settings route) --------------------------


def _schema(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if field.choices:
        out = {"type": "string", "enum": list(field.choices)}
    elif field.kind in ("string", "date", "url"):
        out = {"type": "string"}
        if field.kind == "date":
            out["format"] = "date-time"
        if field.kind == "url":
            out["format"] = "uri"
        for key, value in (("minLength", field.min_length), ("maxLength", field.max_length)):
            if value is not None:
                out[key] = value
        if field.pattern:
            out["pattern"] = field.pattern
    elif field.kind == "boolean":
        out = {"type": "boolean"}
    elif field.kind == "number":
        out = {"type": "number"}
        if field.minimum is not None:
            out["minimum"] = field.minimum
        if field.maximum is not None:
            out["maximum"] = field.maximum
    elif field.kind == "object":
        out = object_schema(field.children)
    elif field.kind == "array":
        items = object_schema(field.children) if field.children else {"type": field.item_kind or "string"}
        out = {"type": "array", "items": items}
        if field.min_items is not None:
            out["minItems"] = field.min_items
    if field.description:
        out["description"] = field.description
    return out


def object_schema(fields: tuple[Field, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: _schema(f) for f in fields}}
    required = [f.name for f in fields if f.required and f.applies is None]
    if required:
        schema["required"] = required
    return schema
