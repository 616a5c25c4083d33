#!/usr/bin/env bash
# Make the root filesystem of selfhosted-postiz-test/base:bookworm.
#
# Usage: mkrootfs.sh ROOTFS_DIR DEB_CACHE_DIR [MIRROR [PACKAGE_LIST]]
#   PACKAGE_LIST defaults to packages.txt beside this file (the base); the test
#   machine image passes its own.
#
# Kept apart from build.sh on purpose: build.sh hashes this directory (this
# recipe + packages.txt) as the base's inputs, so editing build.sh rebuilds
# only the cheap child images, not the 1-3 minute debootstrap.
set -euo pipefail

readonly SUITE='bookworm'
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly HERE
readonly ROOTFS="${1:?usage: mkrootfs.sh ROOTFS_DIR DEB_CACHE_DIR [MIRROR [PACKAGE_LIST]]}"
readonly DEB_CACHE="${2:?usage: mkrootfs.sh ROOTFS_DIR DEB_CACHE_DIR [MIRROR [PACKAGE_LIST]]}"
readonly MIRROR="${3:-http://deb.debian.org/debian}"
readonly PACKAGE_LIST="${4:-$HERE/packages.txt}"

package_csv() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$PACKAGE_LIST" | grep -v '^$' | paste -sd, -
}

# Strip what a container never uses and what must not be baked in.
slim_rootfs() {
  local root="$1"
  # postgresql-15's postinst creates a "main" cluster; the postgres image
  # initialises its own cluster in PGDATA at first start instead.
  rm -rf "$root/etc/postgresql/15" "$root/var/lib/postgresql/15"
  if [ -f "$root/etc/postgresql-common/createcluster.conf" ]; then
    sed -i 's/^#\{0,1\}[[:space:]]*create_main_cluster.*/create_main_cluster = false/' \
      "$root/etc/postgresql-common/createcluster.conf"
  fi
  # A private key generated on the build host has no business in an image.
  rm -f "$root/etc/ssl/private/ssl-cert-snakeoil.key" "$root/etc/ssl/certs/ssl-cert-snakeoil.pem"
  rm -f "$root"/etc/ssh/ssh_host_*
  # Docker provides these per container; the host's copies would leak.
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  : >"$root/etc/machine-id"
  printf 'Etc/UTC\n' >"$root/etc/timezone"
  ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
  # Package caches, docs and message translations: dead weight in a test
  # image (licences and locale.alias kept; C.UTF-8 is built into glibc).
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf '{}' +
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/*
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name 'copyright' -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
}

command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
[ ! -e "$ROOTFS" ] || { echo "$ROOTFS already exists" >&2; exit 1; }
mkdir -p "$DEB_CACHE"

# minbase + --include: debootstrap resolves Depends but not Recommends, which
# keeps the image lean. --cache-dir keeps the .debs for the next rebuild.
debootstrap --variant=minbase --include="$(package_csv)" \
  --cache-dir="$DEB_CACHE" "$SUITE" "$ROOTFS" "$MIRROR"

# Anything debootstrap left mounted (proc, sys) must not end up in the image.
if findmnt -rn -o TARGET | grep -qF "$ROOTFS"; then
  echo "$ROOTFS still has mounts after debootstrap" >&2
  exit 1
fi
slim_rootfs "$ROOTFS"
