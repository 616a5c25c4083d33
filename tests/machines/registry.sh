#!/usr/bin/env bash
# The test registry: Debian's docker-registry in a container on the suite's own network
# (selfhosted-postiz-test), reached by the test machines as registry.postiz.test:5000,
# the way an air-gapped user's servers pull from a mirror of their own. It serves the
# offline images of tests/images (everything tagged selfhosted-postiz-test/* but the
# base, the machine and the registry itself).
# Next to it, the stand-in npm registry (tests/machines/npm_registry.py, run by the base
# image's python3), reached as http://npm.postiz.test:4873/: the app image downloads
# prisma@6.5.0 at every start, and tests must never reach the internet, so every scenario
# points the app at it (postiz_stack_npm_registry in tests/machine-vars.yml).
#
# Usage: tests/machines/registry.sh up     start both (if needed) and push the images
#        tests/machines/registry.sh push   push the images again (after a new build)
#        tests/machines/registry.sh down   remove both, the volume and the network
# Only objects carrying the label selfhosted.postiz.test are ever created or removed.
set -euo pipefail

readonly PREFIX=selfhosted-postiz-test
readonly NETWORK=$PREFIX
readonly NAME=$PREFIX-registry
readonly VOLUME=$PREFIX-registry
readonly IMAGE=$PREFIX/registry:2
readonly ALIAS=registry.postiz.test
readonly LABEL=selfhosted.postiz.test
readonly NPM_NAME=$PREFIX-npm
readonly NPM_ALIAS=npm.postiz.test
readonly NPM_PORT=4873
readonly NPM_IMAGE=$PREFIX/base:bookworm
readonly NPM_SCRIPT="$(dirname "$(readlink -f "$0")")/npm_registry.py"
readonly WORK_DIR="${SELFHOSTED_POSTIZ_TEST_CACHE:-/var/cache/selfhosted-postiz-test}"

log() { printf 'registry.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }


network_up() {
  docker network inspect "$NETWORK" >/dev/null 2>&1 && return 0
  docker network create --label "$LABEL=shared" "$NETWORK" >/dev/null
}

registry_up() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 || die "$IMAGE is missing: run make images"
  if [ "$(docker inspect --format '{{ .State.Running }}' "$NAME" 2>/dev/null)" != true ]; then
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker run -d --name "$NAME" --label "$LABEL=shared" --restart unless-stopped \
      --network "$NETWORK" --network-alias "$ALIAS" \
      --mount "type=volume,source=$VOLUME,target=/var/lib/registry,volume-label=$LABEL=shared" \
      -p 127.0.0.1::5000 "$IMAGE" >/dev/null
  fi
  local _
  for _ in $(seq 1 60); do
    [ "$(docker inspect --format '{{ .State.Health.Status }}' "$NAME")" = healthy ] && return 0
    sleep 1
  done
  die "$NAME did not become healthy; its log: $(docker logs --tail 20 "$NAME" 2>&1)"
}

# The script goes in as `python3 -c` text: no bind mount of a work tree that may go away
# while the stand-in (shared by every scenario) still runs.
npm_up() {
  docker image inspect "$NPM_IMAGE" >/dev/null 2>&1 || die "$NPM_IMAGE is missing: run make images"
  if [ "$(docker inspect --format '{{ .State.Running }}' "$NPM_NAME" 2>/dev/null)" != true ]; then
    docker rm -f "$NPM_NAME" >/dev/null 2>&1 || true
    docker run -d --name "$NPM_NAME" --label "$LABEL=shared" --restart unless-stopped \
      --network "$NETWORK" --network-alias "$NPM_ALIAS" \
      --health-cmd "python3 -c 'import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:$NPM_PORT/-/ping\", timeout=3)'" \
      --health-interval 2s --health-start-period 10s \
      "$NPM_IMAGE" python3 -c "$(cat "$NPM_SCRIPT")" --port "$NPM_PORT" >/dev/null
  fi
  local _
  for _ in $(seq 1 60); do
    [ "$(docker inspect --format '{{ .State.Health.Status }}' "$NPM_NAME")" = healthy ] && return 0
    sleep 1
  done
  die "$NPM_NAME did not become healthy; its log: $(docker logs --tail 20 "$NPM_NAME" 2>&1)"
}

host_port() { docker port "$NAME" 5000/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n1; }

# Docker trusts plain HTTP on 127.0.0.0/8, so the host pushes through the published
# loopback port; the temporary tag is removed right after.
push_images() {
  local port ref tmp
  port="$(host_port)"
  [ -n "$port" ] || die "$NAME publishes no port"
  while read -r ref; do
    case "$ref" in
      "$PREFIX/base:"* | "$PREFIX/machine:"* | "$PREFIX/registry:"* | *'<none>'*) continue ;;
    esac
    tmp="127.0.0.1:$port/$ref"
    # A scenario's destroy may remove its own builds (upgrade's v-*) between the listing
    # and here; once tagged, the temporary name keeps the image for the push.
    if ! docker tag "$ref" "$tmp" 2>/dev/null; then
      docker image inspect "$ref" >/dev/null 2>&1 && die "cannot tag $ref as $tmp"
      log "skips $ref: removed since the listing"
      continue
    fi
    docker push --quiet "$tmp" >/dev/null || { docker rmi "$tmp" >/dev/null; die "push of $ref failed"; }
    docker rmi "$tmp" >/dev/null
    log "serves $ALIAS:5000/$ref"
  done < <(docker images --format '{{ .Repository }}:{{ .Tag }}' "$PREFIX/*" | sort -u)
}

down() {
  docker rm -f "$NAME" "$NPM_NAME" >/dev/null 2>&1 || true
  if docker volume inspect "$VOLUME" >/dev/null 2>&1; then docker volume rm "$VOLUME" >/dev/null; fi
  # The network goes only once no machine of any scenario is attached to it.
  if docker network inspect "$NETWORK" >/dev/null 2>&1 \
    && [ "$(docker network inspect --format '{{ len .Containers }}' "$NETWORK")" = 0 ]; then
    docker network rm "$NETWORK" >/dev/null
  fi
}

main() {
  mkdir -p "$WORK_DIR"
  # Scenarios start side by side: one of them sets the registry up, the others wait.
  exec 8>"$WORK_DIR/registry.lock"
  flock -w 600 8 || die "another registry.sh holds $WORK_DIR/registry.lock"
  case "${1:-}" in
    up) network_up; registry_up; npm_up; push_images ;;
    push) registry_up; push_images ;;
    down) down ;;
    *) die "usage: registry.sh up|push|down" ;;
  esac
}

main "$@"
