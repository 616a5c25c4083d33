# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Status file: last success/failure and consecutive successful days; the injectable clock."""

from __future__ import annotations

import datetime as dt

import pytest


def at(day, hour=3, month=6):
    return dt.datetime(2026, month, day, hour, 15, tzinfo=dt.UTC)


def run(pb, status, when, ok):
    return pb.record_run(
        status,
        when=when,
        ok=ok,
        backup=pb.backup_id(when) if ok else None,
        error=None if ok else "database stopped",
        durations={"total": 1.0},
    )


def test_ten_days_with_the_third_failing_end_with_seven(pb):
    status = {}
    for day in range(1, 11):
        status = run(pb, status, at(day), ok=day != 3)
    assert status["consecutive_successful_days"] == 7
    assert status["last_success"] == "2026-06-10T03:15:00Z"
    assert status["last_success_backup"] == "20260610T031500Z"
    assert status["last_failure"] == "2026-06-03T03:15:00Z"
    assert status["last_failure_error"] == "database stopped"
    assert status["last_run"]["ok"] is True
    assert len(status["history"]) == 10


def test_a_failure_as_the_newest_run_gives_zero(pb):
    status = run(pb, run(pb, {}, at(1), True), at(2), False)
    assert status["consecutive_successful_days"] == 0
    assert status["last_run"]["ok"] is False
    assert status["last_success"] == "2026-06-01T03:15:00Z"


def test_a_success_later_on_the_failed_day_counts_that_day(pb):
    status = run(pb, {}, at(1), True)
    status = run(pb, status, at(2, hour=3), False)
    status = run(pb, status, at(2, hour=10), True)
    assert status["consecutive_successful_days"] == 1


def test_a_day_without_any_run_ends_the_streak(pb):
    status = {}
    for day in (1, 2, 3, 5, 6):
        status = run(pb, status, at(day), True)
    assert status["consecutive_successful_days"] == 2


def test_several_runs_a_day_count_once(pb):
    status = {}
    for day, hour in ((1, 3), (1, 15), (2, 3), (2, 15)):
        status = run(pb, status, at(day, hour), True)
    assert status["consecutive_successful_days"] == 2


def test_the_streak_crosses_month_ends(pb):
    status = {}
    for when in (at(30, month=5), at(31, month=5), at(1), at(2)):
        status = run(pb, status, when, True)
    assert status["consecutive_successful_days"] == 4


def test_history_is_bounded_and_the_input_unchanged(pb):
    status = {}
    for day in range(1, 29):
        status = pb.record_run(
            status, when=at(day), ok=True, backup="x", error=None, durations={}, history_limit=5
        )
    before = dict(status)
    after = pb.record_run(status, when=at(29), ok=True, backup="x", error=None, durations={}, history_limit=5)
    assert len(after["history"]) == 5
    assert status == before


def test_the_clock_hook(pb):
    assert pb.now_utc({"POSTIZ_BACKUP_NOW": "2026-06-01T03:15:00Z"}) == at(1)
    assert pb.now_utc({"POSTIZ_BACKUP_NOW": "2026-06-01T05:15:00+02:00"}) == at(1)
    assert pb.now_utc({}).tzinfo is not None
    with pytest.raises(pb.BackupError, match="ISO 8601"):
        pb.now_utc({"POSTIZ_BACKUP_NOW": "yesterday"})
