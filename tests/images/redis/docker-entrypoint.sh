#!/bin/bash
# Entrypoint for selfhosted-postiz-test/redis:7: fix /data ownership on a
# fresh root-owned volume, then run redis-server as the unprivileged `redis`.
set -Eeuo pipefail

# `docker run IMAGE --maxmemory 1mb` means "redis-server <conf> --maxmemory 1mb".
if [ "${1:0:1}" = '-' ]; then
  set -- redis-server /etc/redis/redis-docker.conf "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find /data \! -user redis -exec chown redis:redis '{}' +
  # setpriv keeps the environment; give the server its own, readable HOME.
  export HOME=/var/lib/redis
  exec setpriv --reuid=redis --regid=redis --init-groups -- "$@"
fi

exec "$@"
