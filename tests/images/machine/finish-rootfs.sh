#!/usr/bin/env bash
# Turns the debootstrap of packages.txt into the test machine's root filesystem.
# Usage: finish-rootfs.sh ROOTFS_DIR
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly ROOTFS="${1:?usage: finish-rootfs.sh ROOTFS_DIR}"

cp -a "$HERE/overlay/." "$ROOTFS/"
# No package lists, as in Debian's cloud and container images; an old date, so that
# apt's cache_valid_time sees lists to refresh rather than fresh empty ones.
touch -d @0 "$ROOTFS/var/lib/apt/lists"
# nginx is installed for the scenarios that bring their own proxy; it must not hold
# ports 80 and 443 in the others, so it starts only when a scenario starts it.
rm -f "$ROOTFS/etc/systemd/system/multi-user.target.wants/nginx.service" "$ROOTFS/etc/nginx/sites-enabled/default"
