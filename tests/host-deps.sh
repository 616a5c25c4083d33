#!/usr/bin/env bash
# Debian packages the test harness needs, and a running Docker daemon. Idempotent.
set -euo pipefail

# openssh-server: the `multi` scenario manages its second instance over SSH to 127.0.0.1.
packages=(docker.io debootstrap ca-certificates openssh-server)
# Node.js with npx: the `mcp` scenario runs Claude Desktop's bridge (mcp-remote) and the
# MCP Inspector from npm. Any Node >= 18 does; NodeSource's nodejs already carries npm,
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
