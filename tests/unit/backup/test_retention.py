# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retention: newest per day/ISO week/month, like restic's --keep-daily/weekly/monthly."""

from __future__ import annotations

import datetime as dt

import pytest


def ids(*days, hour=3, minute=15):
    return [dt.datetime(2026, m, d, hour, minute, tzinfo=dt.UTC).strftime("%Y%m%dT%H%M%SZ") for m, d in days]


def test_the_scenario_set_keeps_the_last_sunday_of_may_for_its_week_and_month(pb):
    # Sat 30 and Sun 31 May, 1 June failed, then 2..8 June: the Molecule scenario's days.
    good = ids((5, 30), (5, 31), *[(6, d) for d in range(2, 9)])
    keep = pb.select_retained(good, daily=7, weekly=4, monthly=6)
    assert sorted(keep) == sorted(ids((5, 31), *[(6, d) for d in range(2, 9)]))


def test_small_counts_use_all_three_buckets(pb):
    good = ids((1, 26), (1, 27), (1, 29), (1, 30), (1, 31), (2, 1), (2, 2), (2, 3), (2, 4))
    keep = pb.select_retained(good, daily=3, weekly=2, monthly=2)
    # days: 4, 3, 2 Feb; weeks: W06 -> 4 Feb, W05 -> 1 Feb; months: Feb -> 4 Feb, Jan -> 31 Jan
    assert sorted(keep) == sorted(ids((1, 31), (2, 1), (2, 2), (2, 3), (2, 4)))


def test_only_the_newest_backup_of_a_day_counts_for_that_day(pb):
    morning, evening = ids((6, 8), hour=3)[0], ids((6, 8), hour=21)[0]
    assert pb.select_retained([morning, evening], daily=1, weekly=1, monthly=1) == {evening}


@pytest.mark.parametrize("count", [1, 2, 7])
def test_the_newest_backup_is_always_kept(pb, count):
    good = ids(*[(3, d) for d in range(1, 20)])
    keep = pb.select_retained(good, daily=count, weekly=count, monthly=count)
    assert max(good) in keep
    assert len(keep) >= 1


def test_gaps_count_days_with_a_backup_not_calendar_days(pb):
    good = ids((3, 1), (3, 10), (3, 20))
    assert pb.select_retained(good, daily=2, weekly=1, monthly=1) == set(ids((3, 10), (3, 20)))


def test_no_backups_keep_nothing(pb):
    assert pb.select_retained([], daily=7, weekly=4, monthly=6) == set()


def test_ids_round_trip_and_reject_garbage(pb):
    when = dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC)
    assert pb.parse_backup_id(pb.backup_id(when)) == when
    with pytest.raises(ValueError):
        pb.parse_backup_id("../../etc")
