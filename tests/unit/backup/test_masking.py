# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials in URLs (restic's repository) never reach the log, the status file or the
failure ping."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.parametrize(
    "text, masked",
    [
        (
            "Fatal: unable to open repository at rest:https://backup:s3cret@host:8000/repo: 401",
            "Fatal: unable to open repository at rest:https://backup:***@host:8000/repo: 401",
        ),
        (
            "s3:https://key:sec/ret@s3.example/bucket and sftp://user@host/x",
            "s3:https://key:***@s3.example/bucket and sftp://user@host/x",
        ),
        ("nothing to hide here", "nothing to hide here"),
    ],
)
def test_mask_urls_hides_passwords_in_text(pb, text, masked):
    assert pb.mask_urls(text) == masked


def test_a_failing_command_never_shows_a_password_of_its_output(pb):
    script = (
        "import sys; sys.stderr.write('Fatal: rest:https://backup:s3cret@host/repo is gone'); sys.exit(1)"
    )
    with pytest.raises(pb.BackupError) as info:
        pb.run_command([sys.executable, "-c", script])
    assert "s3cret" not in str(info.value) and "backup:***@host" in str(info.value)
    with pytest.raises(pb.BackupError) as info:
        pb.stream_command([sys.executable, "-c", script])
    assert "s3cret" not in str(info.value)


def test_the_script_masks_like_the_collection(pb):
    """The script stands alone (stdlib only); its copy must say what the collection's says."""
    from ansible_collections.selfhosted.postiz.plugins.plugin_utils.postiz_urls import mask_urls

    for text in (
        "postgresql://u:pa/ss@db/x/",
        "redis://:pa#ss@r:6379",
        "rest:https://u:p@ss@h/r",
        "a b://c:d@e f",
        "https://host/a@b",
        "x://u@h",
        "plain",
        "two s3:https://a:b@c/d sftp:x://e:f@g/h",
    ):
        assert pb.mask_urls(text) == mask_urls(text), text
