# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HS256 JWTs as ``jsonwebtoken`` makes them for Postiz sessions (FACTS §2.3, §6.2).

Header ``{"alg":"HS256","typ":"JWT"}``, payload = caller's object plus ``iat``,
no ``exp``. Verification checks the signature and, if present, ``exp``/``nbf``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class InvalidToken(ValueError):
    """Malformed token, wrong algorithm, bad signature or expired."""


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not text or any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text
    ):
        raise InvalidToken("bad base64url segment")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_compact(obj: Any) -> bytes:
    # JSON.stringify output: no spaces, non-ASCII kept as UTF-8.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sign(signing_input: bytes, secret: str) -> str:
    return _b64url_encode(hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest())


def encode(payload: dict[str, Any], secret: str, iat: int | None = None) -> str:
    if not secret:
        raise ValueError("JWT secret must not be empty")
    body = dict(payload)
    body.pop("iat", None)
    body["iat"] = int(time.time()) if iat is None else iat
    signing_input = f"{_b64url_encode(_json_compact(_HEADER))}.{_b64url_encode(_json_compact(body))}".encode(
        "ascii"
    )
    return f"{signing_input.decode('ascii')}.{_sign(signing_input, secret)}"


def decode(token: str, secret: str, now: float | None = None) -> dict[str, Any]:
    """Verify and return the payload, or raise InvalidToken."""
    if not secret:
        raise InvalidToken("no secret")
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidToken("not a JWS compact token")
    head_b64, body_b64, sig_b64 = token.split(".")
    try:
        header = json.loads(_b64url_decode(head_b64))
        payload = json.loads(_b64url_decode(body_b64))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("undecodable token") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidToken("unexpected algorithm")
    expected = _sign(f"{head_b64}.{body_b64}".encode("ascii"), secret)
    if not hmac.compare_digest(expected, sig_b64):
        raise InvalidToken("bad signature")
    if not isinstance(payload, dict):
        raise InvalidToken("payload is not an object")
    now = time.time() if now is None else now
    if isinstance(payload.get("exp"), (int, float)) and now >= payload["exp"]:
        raise InvalidToken("expired")
    if isinstance(payload.get("nbf"), (int, float)) and now < payload["nbf"]:
        raise InvalidToken("not yet valid")
    return payload
