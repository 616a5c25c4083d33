# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One-line, unbuffered stdout logging in the shapes the real container prints.

NestJS lines look like ``[Nest] <pid>  - <date>     LOG [<context>] <message>``;
Prisma CLI lines are plain text. Callers must never pass secrets here.
"""

from __future__ import annotations

import os
import sys
import threading
from datetime import datetime

_LOCK = threading.Lock()


def _nest_timestamp(now: datetime) -> str:
    # Intl en-US short form used by Nest's ConsoleLogger, e.g. "11/28/2026, 3:04:05 PM".
    hour12 = now.hour % 12 or 12
    suffix = "AM" if now.hour < 12 else "PM"
    return f"{now.month:02d}/{now.day:02d}/{now.year}, {hour12}:{now.minute:02d}:{now.second:02d} {suffix}"


def format_nest(
    level: str, context: str, message: str, now: datetime | None = None, pid: int | None = None
) -> str:
    now = now or datetime.now()
    pid = os.getpid() if pid is None else pid
    flat = " ".join(str(message).splitlines())
    return f"[Nest] {pid}  - {_nest_timestamp(now)} {level.upper():>7} [{context}] {flat}"


def emit(line: str) -> None:
    """Write one line to stdout and flush at once (the container log is the test oracle)."""
    flat = " ".join(line.splitlines())
    with _LOCK:
        sys.stdout.write(flat + "\n")
        sys.stdout.flush()


def log(context: str, message: str) -> None:
    emit(format_nest("log", context, message))


def warn(context: str, message: str) -> None:
    emit(format_nest("warn", context, message))


def error(context: str, message: str) -> None:
    emit(format_nest("error", context, message))


def plain(message: str) -> None:
    """Non-Nest output (the Prisma CLI during ``db push``)."""
    emit(message)


# Context used for lines only the double prints (dependency probing); not a Postiz context.
DOUBLE = "ContractDouble"
