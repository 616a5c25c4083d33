# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared, process-wide objects handed to every route module."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .db import Database
from .kv import KeyValue
from .mailer import Mailer
from .readiness import Readiness
from .temporal_ops import TemporalGateway


@dataclass
class AppContext:
    settings: Settings
    database: Database
    temporal: TemporalGateway
    readiness: Readiness
    kv: KeyValue
    mailer: Mailer

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        database = Database(settings.database_url)
        temporal = TemporalGateway(settings)
        readiness = Readiness(settings, database, temporal)
        return cls(
            settings, database, temporal, readiness, KeyValue(settings.redis_url), Mailer(settings.mail)
        )
