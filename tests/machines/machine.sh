#!/usr/bin/env bash
# Throw-away test machines: containers of selfhosted-postiz-test/machine:bookworm (a bare
# Debian 12 with systemd as PID 1, SSH and Python, no Docker) in which the Molecule
# scenarios deploy as on a user's server. Each has its own Docker daemon once
# docker_host installs it: its /var/lib/docker is a volume of its own, and it sees the
# host's daemon nowhere (no socket, no mount).
#
# Usage: tests/machines/machine.sh start NAME SCENARIO [SHARED:PATH]
#                                                        start (or restart clean) a machine;
#                                                        SHARED: a volume of the scenario's that
#                                                        every machine naming it mounts at PATH
#                                                        (a shared filesystem, as NFS would be)
#        tests/machines/machine.sh stop NAME              remove it and its volume
#        tests/machines/machine.sh sweep [SCENARIO]       remove every machine (of SCENARIO)
#        tests/machines/machine.sh pid NAME               PID of its init (for nsenter -n)
# The container is selfhosted-postiz-test-NAME; only objects with the label
# selfhosted.postiz.test are ever removed.
#
# Why these settings: --privileged is refused on hosts whose capability bounding set
# lacks CAP_SYS_RESOURCE, so the machine gets every other capability; seccomp, AppArmor
# and the masked /proc and /sys paths are lifted so that dockerd and systemd run inside;
# the device rule lets the inner daemon create its containers' devices; systemd needs
# /run and /run/lock on tmpfs and the cgroup hierarchy writable.
set -euo pipefail

readonly PREFIX=selfhosted-postiz-test
readonly IMAGE=$PREFIX/machine:bookworm
readonly NETWORK=$PREFIX
readonly LABEL=selfhosted.postiz.test

log() { printf 'machine.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

remove() { # container name
  local name=$1
  [ -n "$(docker ps -aq --filter "name=^${name}\$" --filter "label=$LABEL")" ] || return 0
  docker rm -f -v "$name" >/dev/null
  if docker volume inspect "$name-docker" >/dev/null 2>&1; then docker volume rm "$name-docker" >/dev/null; fi
}

start() {
  local name="$PREFIX-$1" host=$1 scenario=$2 shared=${3:-} state _
  local -a mounts=()
  if [ -n "$shared" ]; then
    [[ $shared =~ ^[a-z0-9-]+:/[a-z0-9/_-]+$ ]] || die "SHARED:PATH must look like uploads:/srv/uploads, got $shared"
    mounts=(--mount "type=volume,source=$PREFIX-shared-$scenario-${shared%%:*},target=${shared#*:},volume-label=$LABEL=$scenario")
  fi
  docker image inspect "$IMAGE" >/dev/null 2>&1 || die "$IMAGE is missing: run make images"
  docker network inspect "$NETWORK" >/dev/null 2>&1 \
    || die "network $NETWORK is missing: run tests/machines/registry.sh up first"
  remove "$name"
  docker volume rm "$name-docker" >/dev/null 2>&1 || true
  docker run -d --name "$name" --hostname "$host" \
    --label "$LABEL=$scenario" \
    --network "$NETWORK" --stop-signal SIGRTMIN+3 \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined \
    --device-cgroup-rule 'a *:* rwm' \
    --tmpfs /run --tmpfs /run/lock \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --mount "type=volume,source=$name-docker,target=/var/lib/docker,volume-label=$LABEL=$scenario" \
    "${mounts[@]}" "$IMAGE" >/dev/null
  # `running` or `degraded` (a unit that does not apply in a container): systemd is up.
  for _ in $(seq 1 60); do
    state="$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)"
    case "$state" in running | degraded) break ;; esac
    sleep 1
  done
  trust_host_cas "$name"
  case "$state" in
    running | degraded) log "$name is up (systemd: $state)" ;;
    *) die "$name did not boot (systemd: ${state:-no answer}): $(docker logs --tail 20 "$name" 2>&1)" ;;
  esac
}

# Certificate authorities the host added itself (a TLS-inspecting proxy's, for one) are
# trusted in the machine too, so that it reaches Debian and PyPI the way the host does.
trust_host_cas() {
  local name=$1 crt
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] || continue
    docker cp "$crt" "$name:/usr/local/share/ca-certificates/" >/dev/null
  done
  docker exec "$name" update-ca-certificates >/dev/null 2>&1
}

sweep() {
  local filter="label=$LABEL${1:+=$1}" name
  while read -r name; do
    [ -n "$name" ] && remove "$name"
  done < <(docker ps -a --filter "$filter" --format '{{ .Names }}' | grep "^$PREFIX-" | grep -v "^$PREFIX-registry\$" || true)
  # The shared volumes, once no machine mounts them.
  while read -r name; do
    [ -n "$name" ] && docker volume rm "$name" >/dev/null
  done < <(docker volume ls --filter "$filter" --format '{{ .Name }}' | grep "^$PREFIX-shared-" || true)
}

case "${1:-}" in
  start) [ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: machine.sh start NAME SCENARIO [SHARED:PATH]"; start "$2" "$3" "${4:-}" ;;
  stop) [ $# -eq 2 ] || die "usage: machine.sh stop NAME"; remove "$PREFIX-$2" ;;
  sweep) sweep "${2:-}" ;;
  pid) docker inspect --format '{{ .State.Pid }}' "$PREFIX-$2" ;;
  *) die "usage: machine.sh start NAME SCENARIO | stop NAME | sweep [SCENARIO] | pid NAME" ;;
esac
