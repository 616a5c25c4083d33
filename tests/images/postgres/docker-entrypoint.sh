#!/bin/bash
# Entrypoint for selfhosted-postiz-test/postgres:15.
#
# Reimplements the environment contract of the official `postgres` image so the
# collection's compose template works unchanged against this offline stand-in:
#   POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#   POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default = user),
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, *_FILE variants,
#   PGDATA, /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz}.
# The cluster is initialised on first start only (PGDATA/PG_VERSION missing).
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# VAR_FILE=/run/secrets/x fills VAR from a file, like the official image.
file_env() {
  local var="$1" def="${2:-}" fvar="${1}_FILE"
  if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
    die "both $var and $fvar are set (they are exclusive)"
  fi
  local val="$def"
  if [ -n "${!var:-}" ]; then
    val="${!var}"
  elif [ -n "${!fvar:-}" ]; then
    val="$(<"${!fvar}")"
  fi
  export "$var"="$val"
  unset "$fvar"
}

# `docker run IMAGE -c foo=bar` means "postgres -c foo=bar".
if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
# Anything else (psql, bash, ...) runs as given, without touching PGDATA.
if [ "$1" != 'postgres' ]; then
  exec "$@"
fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"

if [ "$(id -u)" = '0' ]; then
  # Fresh named volumes are root-owned; the server refuses a data dir it does
  # not own. chown only what is foreign so restarts on big volumes stay fast.
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 00700 "$PGDATA"
  chmod 03775 /var/run/postgresql
  find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
  # setpriv keeps the environment; give the server its own, readable HOME.
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
fi

run_initdb_d() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          log "running $f"; "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql)    log "running $f"; psql_init -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | psql_init ;;
      *)        log "ignoring $f" ;;
    esac
  done
}

psql_init() {
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

init_cluster() {
  file_env POSTGRES_USER postgres
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != 'trust' ]; then
    die "POSTGRES_PASSWORD is empty; set it (or POSTGRES_HOST_AUTH_METHOD=trust, tests only)"
  fi

  local -a initdb_args=()
  # Word splitting is the documented behaviour of POSTGRES_INITDB_ARGS.
  read -r -a initdb_args <<<"$POSTGRES_INITDB_ARGS"

  log "initialising database cluster in $PGDATA"
  local -a common_args=(--username="$POSTGRES_USER" --auth-local=trust
    --auth-host="$auth" --encoding=UTF8 --locale=C.UTF-8 "${initdb_args[@]}")
  if [ -n "$POSTGRES_PASSWORD" ]; then
    # A process substitution keeps the password off the command line and disk.
    initdb "${common_args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >/dev/null
  else
    initdb "${common_args[@]}" >/dev/null
  fi

  # Network clients authenticate (scram by default); the local socket is trusted,
  # which is what `docker exec ... psql/pg_dump` and the healthcheck rely on.
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # Socket-only server for the setup steps, so no client can race the init.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" \
      --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  run_initdb_d
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "initialisation complete"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  init_cluster
fi
# The password has served its purpose; keep it out of the server's environment.
unset POSTGRES_PASSWORD

exec "$@"
