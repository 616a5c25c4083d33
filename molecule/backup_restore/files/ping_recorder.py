#!/usr/bin/env python3
# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A healthchecks.io stand-in for the backup_restore scenario: answers every GET/POST on
127.0.0.1:<port> with 200 and appends {"time", "method", "path", "body"} as one JSON line to
the log file. Writes its pid to <log>.pid and stops by itself after --lifetime seconds.

    python3 ping_recorder.py --port 14037 --log /var/tmp/x/pings.jsonl --lifetime 3600
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=float, default=3600)
    args = parser.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            line = json.dumps(
                {"time": time.time(), "method": self.command, "path": self.path, "body": body[-4000:]}
            )
            with lock, open(args.log, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        do_GET = do_POST = do_HEAD = record

        def log_message(self, *_args) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    with open(args.log + ".pid", "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
