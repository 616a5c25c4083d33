# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Organization API keys: 64 lowercase hex characters (FACTS §5.1, §6.3).

Postiz encrypts 20 random characters with AES-256-CBC; the double uses 32 random
bytes in hex, which has the same shape and is just as unguessable.
"""

from __future__ import annotations

import re
import secrets

API_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def new_api_key() -> str:
    return secrets.token_hex(32)


def looks_like_api_key(value: str) -> bool:
    return bool(API_KEY_PATTERN.match(value or ""))
