#!/usr/bin/env bash
# Debian packages the test harness needs, and a running Docker daemon. Idempotent.
# The host's own Docker is used as it is: docker-ce, docker.io or moby-engine, whatever
# runs here. Debian's docker.io is installed only where no Docker engine exists at all,
# so the suite never swaps one engine for another (apt would stop every container).
set -euo pipefail

# openssh-client: the `multi` scenario reaches its second machine over SSH; age: the
# backup unit tests encrypt and decrypt an archive.
packages=(debootstrap ca-certificates openssh-client age)
engine=''
for p in docker-ce docker.io moby-engine docker-engine; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    engine=$p
    break
  fi
done
if [ -z "$engine" ] && command -v dockerd >/dev/null 2>&1; then engine=$(command -v dockerd); fi
if [ -z "$engine" ]; then
  packages+=(docker.io)
  engine='docker.io (installed now: this host had no Docker engine)'
fi
echo "docker engine: $engine"
# Node.js with npx: the `mcp` scenario runs Claude Desktop's bridge (mcp-remote) and the
# MCP Inspector from npm, and a unit test runs the app's healthcheck script. Any Node >= 18 does; NodeSource's nodejs already carries npm,
# so the distribution's packages are added only when npx is missing.
command -v npx >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
    systemctl start docker
  else
    # No systemd here (containers, CI): run the daemon in the background.
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null
fi
echo "docker daemon: $(docker info --format '{{.ServerVersion}}')"
