# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An app the backup stopped or paused runs again, whatever ends the run: a failing or
interrupted `docker stop`, a signal while it is started again, or a kill (the next run)."""

from __future__ import annotations

import datetime as dt
import os
import signal

import pytest

WHEN = dt.datetime(2026, 6, 1, 3, 15, tzinfo=dt.UTC)


class FakeDocker:
    """Records docker CLI calls; `fail` maps a command to the exception it raises."""

    def __init__(self, status="running", fail=None):
        self.calls = []
        self.status = status
        self.fail = fail or {}

    def cli(self, *args, **kwargs):
        self.calls.append(args[0])
        if args[0] in self.fail:
            raise self.fail[args[0]]
        self.status = {"stop": "exited", "start": "running", "pause": "paused", "unpause": "running"}.get(
            args[0], self.status
        )
        return ""

    def state(self, container_id):
        return {"Status": self.status}

    def container(self, service):
        return {"Id": "app-id", "State": {"Status": self.status}}

    def remove_labelled(self, label):
        return None


def stop_run(pb, config, docker, mode="stop"):
    config["quiesce"] = mode
    run = pb.BackupRun(config, WHEN)
    run.docker = docker
    return run


@pytest.mark.parametrize("error", ["Interrupted", "BackupError"])
def test_a_stop_that_fails_or_is_interrupted_starts_the_app_again(pb, run_config, error):
    """SIGTERM during `docker stop` (or its timeout): the daemon goes on stopping the app."""
    docker = FakeDocker(fail={"stop": getattr(pb, error)("interrupted by SIGTERM")})
    run = stop_run(pb, run_config, docker)
    with pytest.raises(pb.BackupError), run.quiesced({"Id": "app-id", "State": {"Status": "running"}}):
        pytest.fail("the dumps must not run")
    assert docker.calls == ["stop", "start"]
    assert not os.path.exists(run.paused_marker)


def test_an_interrupted_pause_is_not_retried_and_the_app_runs_again(pb, run_config):
    docker = FakeDocker(fail={"pause": pb.Interrupted("interrupted by SIGTERM")})
    docker.status = "paused"  # the freezer got that far
    run = stop_run(pb, run_config, docker, mode="pause")
    with pytest.raises(pb.Interrupted), run.quiesced({"Id": "app-id", "State": {"Status": "running"}}):
        pytest.fail("the dumps must not run")
    assert docker.calls.count("pause") == 1
    assert docker.status == "running"


def test_a_signal_while_the_app_is_started_again_waits_for_the_start(pb, run_config):
    docker = FakeDocker()
    real_cli = docker.cli

    def cli(*args, **kwargs):
        if args[0] == "start":
            pb.raise_interrupted(signal.SIGTERM, None)  # arrives while `docker start` runs
        return real_cli(*args, **kwargs)

    docker.cli = cli
    run = stop_run(pb, run_config, docker)
    with pytest.raises(pb.Interrupted), run.quiesced({"Id": "app-id", "State": {"Status": "running"}}):
        pass
    assert docker.calls == ["stop", "start"] and docker.status == "running"
    assert not os.path.exists(run.paused_marker)


def test_the_next_run_starts_an_app_a_killed_stop_run_left_stopped(pb, run_config):
    """SIGKILL leaves no chance to clean up; the marker tells the next run what to undo."""
    docker = FakeDocker(status="exited")
    run = stop_run(pb, run_config, docker)
    with open(run.paused_marker, "w", encoding="utf-8") as marker:
        marker.write("20260531T031500Z stop\n")
    run.cleanup_leftovers()
    assert docker.calls == ["start"]
    assert not os.path.exists(run.paused_marker)


def test_the_next_run_still_unpauses_an_app_a_killed_pause_run_left_paused(pb, run_config):
    docker = FakeDocker(status="paused")
    run = stop_run(pb, run_config, docker, mode="pause")
    with open(run.paused_marker, "w", encoding="utf-8") as marker:
        marker.write("20260531T031500Z\n")  # the marker of earlier versions
    run.cleanup_leftovers()
    assert docker.calls == ["unpause"]
