# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python3 -m postiz_double``: boot like the real image's CMD.

1. ``pnpm dlx prisma@6.5.0``: fetch Prisma from the npm registry (dlx.py), then
   ``prisma db push`` (exit 1 on either failure, so Docker's restart policy takes over),
2. serve port 5000 (nginx + frontend at once; the backend answers once its deps do),
3. stop cleanly on SIGTERM (uvicorn finishes in-flight requests).
"""

from __future__ import annotations

import logging
import os
import sys

from . import __version__, dbpush, dlx, logs
from .app import PublicApp
from .config import load_settings
from .context import AppContext

_EMAIL_PROVIDER_NAMES = {"resend": "Resend", "nodemailer": "Nodemailer"}


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(super().format(record).splitlines())


def _configure_python_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_OneLine("[%(name)s] %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # Never let request-level libraries print URLs (paths can carry API keys later).
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("temporalio").setLevel(logging.WARNING)  # incl. forwarded Rust-core records
    logging.getLogger("mcp").setLevel(logging.WARNING)  # the SDK logs every request at INFO


def main() -> int:
    _configure_python_logging()
    settings = load_settings()
    logs.log(logs.DOUBLE, f"Postiz contract double {__version__} (test double, not Postiz)")
    try:
        dlx.fetch_prisma(os.environ)
        dbpush.push(settings.database_url)
    except (dlx.FetchFailed, dbpush.PushFailed):
        return 1

    import uvicorn  # after the push, like pm2 starting the apps

    provider = _EMAIL_PROVIDER_NAMES.get(settings.email_provider or "", "No Email Provider")
    logs.log("EmailService", f"Email service provider: {provider}")
    app = PublicApp(AppContext.build(settings))
    config = uvicorn.Config(
        app,
        host=settings.listen_host,
        port=settings.listen_port,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
