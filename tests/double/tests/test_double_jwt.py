# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Session JWTs: HS256 with JWT_SECRET, payload + iat, no exp (FACTS §2.3, §6.2)."""

import base64
import hashlib
import hmac
import json

import pytest
from postiz_double import jwt_hs256


def _segment(token, index):
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_header_payload_and_no_expiry():
    token = jwt_hs256.encode({"id": "u1", "email": "a@b.c"}, "s3", iat=1700000000)
    assert _segment(token, 0) == {"alg": "HS256", "typ": "JWT"}
    assert _segment(token, 1) == {"id": "u1", "email": "a@b.c", "iat": 1700000000}
    assert "exp" not in _segment(token, 1)
    assert "=" not in token


def test_signature_is_hmac_sha256_over_the_first_two_segments():
    token = jwt_hs256.encode({"id": "u1"}, "secret", iat=1)
    head, body, sig = token.split(".")
    expected = hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)) == expected


def test_round_trip():
    token = jwt_hs256.encode({"id": "u1", "nested": {"ok": True}, "name": "Zoë"}, "k")
    claims = jwt_hs256.decode(token, "k")
    assert claims["id"] == "u1" and claims["nested"] == {"ok": True} and claims["name"] == "Zoë"
    assert isinstance(claims["iat"], int)


LONG_KEY = "k" * 32  # PyJWT warns about HMAC keys shorter than the hash


def test_interoperates_with_pyjwt():
    jwt = pytest.importorskip("jwt")
    ours = jwt_hs256.encode({"id": "u1"}, LONG_KEY, iat=5)
    assert jwt.decode(ours, LONG_KEY, algorithms=["HS256"]) == {"id": "u1", "iat": 5}
    theirs = jwt.encode({"id": "u2", "iat": 6}, LONG_KEY, algorithm="HS256")
    assert jwt_hs256.decode(theirs, LONG_KEY) == {"id": "u2", "iat": 6}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: (
            t.split(".")[0]
            + "."
            + base64.urlsafe_b64encode(b'{"id":"evil"}').decode().rstrip("=")
            + "."
            + t.split(".")[2]
        ),
        lambda t: "not-a-token",
        lambda t: t + ".extra",
        lambda t: "",
    ],
)
def test_tampered_tokens_are_rejected(mutate):
    token = jwt_hs256.encode({"id": "u1"}, "k")
    with pytest.raises(jwt_hs256.InvalidToken):
        jwt_hs256.decode(mutate(token), "k")


def test_wrong_secret_and_empty_secret_are_rejected():
    token = jwt_hs256.encode({"id": "u1"}, "k")
    with pytest.raises(jwt_hs256.InvalidToken):
        jwt_hs256.decode(token, "other")
    with pytest.raises(jwt_hs256.InvalidToken):
        jwt_hs256.decode(token, "")
    with pytest.raises(ValueError):
        jwt_hs256.encode({"id": "u1"}, "")


def test_alg_none_is_rejected():
    head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(b'{"id":"u1"}').decode().rstrip("=")
    with pytest.raises(jwt_hs256.InvalidToken):
        jwt_hs256.decode(f"{head}.{body}.", "k")


def test_foreign_exp_is_honoured():
    jwt = pytest.importorskip("jwt")
    expired = jwt.encode({"id": "u1", "exp": 10}, LONG_KEY, algorithm="HS256")
    with pytest.raises(jwt_hs256.InvalidToken):
        jwt_hs256.decode(expired, LONG_KEY, now=11)
