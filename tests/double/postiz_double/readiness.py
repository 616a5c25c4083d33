# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""When would the real backend (behind nginx) answer? (FACTS §7, §9.3, §9.4, §12.9)

``/api/*`` stays at nginx's 502 until PostgreSQL, Redis and Temporal all answer and the
Text search attributes are registered. Failures are retried like pm2 restarting the
backend. Once up, the gate latches (the real backend does not stop listening when a
dependency drops later); losses and recoveries are still logged.
"""

from __future__ import annotations

import asyncio

from . import logs
from .config import BACKEND_PORT, ORCHESTRATOR_PORT, Settings
from .db import Database
from .temporal_ops import TemporalGateway, describe_error

RETRY_SECONDS = 2.0
FAILED_BOOT_RETRY_SECONDS = 10.0
MONITOR_SECONDS = 15.0
REDIS_TIMEOUT_SECONDS = 5.0

FAILED_TO_START = f"Backend failed to start on port {BACKEND_PORT}"

# A build made with POSTIZ_DOUBLE_BROKEN plays a bad release for the upgrade tests: its
# start-up changes the database the way a schema push would (a column the older build
# does not know, filled in every post), then the backend never comes up. Going back to
# the old image alone keeps that change; only restoring the pre-upgrade dump undoes it
# (FACTS §8.3), which is what the tests look for.
BROKEN_MARKER_COLUMN = "brokenBuildMarker"
BROKEN_REASON = (
    "this build of the contract double is broken on purpose (POSTIZ_DOUBLE_BROKEN was set when the "
    "image was built, for upgrade-rollback tests); /api/ stays at 502"
)


class Readiness:
    def __init__(self, settings: Settings, database: Database, temporal: TemporalGateway):
        self.settings = settings
        self.database = database
        self.temporal = temporal
        self.ready = False
        self._status: dict[str, str | None] = {}  # dependency -> None (up) or error text
        self._orchestrator_logged = False
        self._last_boot_error: str | None = None

    # -- probes ---------------------------------------------------------------------------

    async def _probe_postgres(self) -> None:
        await self.database.ping()

    async def _probe_redis(self) -> None:
        if not self.settings.redis_url:
            return  # Postiz falls back to an in-memory mock (FACTS §2.3)
        import redis.asyncio as redis_asyncio  # lazy: not needed by unit tests

        client = redis_asyncio.from_url(
            self.settings.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            if not await client.ping():
                raise RuntimeError("PING did not return PONG")
        finally:
            await client.aclose()

    async def _probe_temporal(self) -> None:
        await self.temporal.probe()

    async def check_dependencies(self) -> bool:
        probes = {
            "PostgreSQL": self._probe_postgres(),
            "Redis": self._probe_redis(),
            "Temporal": self._probe_temporal(),
        }
        results = await asyncio.gather(*probes.values(), return_exceptions=True)
        all_up = True
        for name, result in zip(probes, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            error = describe_error(result) if isinstance(result, BaseException) else None
            self._record(name, error)
            all_up = all_up and error is None
        if self._status.get("Temporal") is None and not self._orchestrator_logged:
            self._orchestrator_logged = True
            logs.log("Orchestrator", f"Orchestrator health check listening on port {ORCHESTRATOR_PORT}")
        return all_up

    def _record(self, name: str, error: str | None) -> None:
        known = name in self._status
        previous = self._status.get(name)
        self._status[name] = error
        if error is None and (not known or previous is not None):
            logs.log(logs.DOUBLE, f"{name} reachable")
        elif error is not None and (not known or previous != error):
            logs.warn(logs.DOUBLE, f"{name} unreachable: {error}")

    async def fail_on_purpose(self) -> None:
        """The broken build's start: mark the database, log why, never become ready."""
        try:
            async with self.database.connect() as conn:
                await conn.execute(
                    f'ALTER TABLE "Post" ADD COLUMN IF NOT EXISTS "{BROKEN_MARKER_COLUMN}" TEXT'
                )
                await conn.execute(
                    f'UPDATE "Post" SET "{BROKEN_MARKER_COLUMN}" = %s', ("written by a broken build",)
                )
        except Exception as exc:  # the failure below is the point; this is only a warning
            logs.warn(logs.DOUBLE, f"The broken build could not mark the database: {describe_error(exc)}")
        logs.error("NestApplication", f"{FAILED_TO_START}: {BROKEN_REASON}")

    # -- boot -----------------------------------------------------------------------------

    def _boot_failed(self, error: str) -> None:
        # pm2 would restart the backend and print the same failure again; print on change only.
        if error != self._last_boot_error:
            logs.error("NestApplication", f"{FAILED_TO_START}: {error}")
            self._last_boot_error = error

    async def _boot(self) -> bool:
        if self.settings.temporal_auto_register_search_attributes:
            try:
                added = await self.temporal.ensure_search_attributes()
            except Exception as exc:  # any refusal means the backend dies
                self._boot_failed(describe_error(exc))
                return False
            if added:
                logs.log("TemporalRegister", f"Registered search attributes: {', '.join(added)}")
        self.ready = True
        logs.log("NestApplication", f"Backend started successfully on port {BACKEND_PORT}")
        logs.log("NestApplication", f"🚀 Backend is running on: http://localhost:{BACKEND_PORT}")
        if self.settings.run_cron:
            try:
                await self.temporal.start_missing_post_workflow()
                logs.log(
                    "TemporalRegister", "Started workflow missingPostWorkflow (id missing-post-workflow)"
                )
            except Exception as exc:  # Postiz does not stop for this
                logs.warn("TemporalRegister", f"Could not start missingPostWorkflow: {describe_error(exc)}")
        return True

    async def run(self) -> None:
        """Background task: probe until up, boot, then keep monitoring."""
        if not self.settings.jwt_secret:
            logs.error("NestApplication", f"{FAILED_TO_START}: JWT_SECRET is not set")
            return
        if self.settings.broken:
            await self.fail_on_purpose()
            return
        while not self.ready:
            if await self.check_dependencies():
                if await self._boot():
                    break
                await asyncio.sleep(FAILED_BOOT_RETRY_SECONDS)
                continue
            if self._status.get("Temporal") is not None:
                self._boot_failed(str(self._status["Temporal"]))
            await asyncio.sleep(RETRY_SECONDS)
        while True:
            await asyncio.sleep(MONITOR_SECONDS)
            await self.check_dependencies()
