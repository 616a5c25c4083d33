# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The healthchecks ping carries the end of the run's log, not all of it."""

from __future__ import annotations


def test_the_ping_carries_only_the_end_of_the_log(pb, monkeypatch):
    sent = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    def urlopen(request, timeout):
        sent.append(request.data)
        return Response()

    monkeypatch.setattr(pb.urllib.request, "urlopen", urlopen)
    log = "\n".join(f"2026-06-01T03:15:{n % 60:02d} INFO line {n:05d} é" for n in range(5000))
    pb.Pinger("https://hc.example/uuid", 5)("fail", log)
    assert len(sent[0]) <= pb.PING_BODY_LIMIT == 10 * 1024
    assert sent[0].decode("utf-8").endswith("line 04999 é")
    assert sent[0].decode("utf-8").startswith("2026-06-01T")
