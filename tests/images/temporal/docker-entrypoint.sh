#!/bin/bash
# Entrypoint for selfhosted-postiz-test/temporal:dev: fix ownership of the
# state volume (fresh bind mounts are root-owned), then drop to `temporal`.
set -Eeuo pipefail

if [ "${1:-}" = 'temporal' ] && [ "${2:-}" = 'server' ] && [ "$(id -u)" = '0' ]; then
  find /var/lib/temporal \! -user temporal -exec chown temporal:temporal '{}' +
  # setpriv keeps the environment: without this HOME stays /root, and the
  # CLI aborts when it cannot read /root/.config/temporalio/temporal.yaml.
  export HOME=/var/lib/temporal
  exec setpriv --reuid=temporal --regid=temporal --init-groups -- "$@"
fi

exec "$@"
