# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Password hashing of the double (scrypt instead of Postiz's bcrypt)."""

from postiz_double.passwords import hash_password, verify_password


def test_hash_and_verify():
    stored = hash_password("s3cret-pass")
    assert stored.startswith("scrypt$") and "s3cret-pass" not in stored
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-Pass", stored)


def test_salted():
    assert hash_password("same") != hash_password("same")


def test_garbage_hashes_do_not_verify():
    for stored in (
        None,
        "",
        "$2b$10$bcrypthashfromrealpostizxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "scrypt$x$y$z$00$00",
    ):
        assert not verify_password("pw", stored)
