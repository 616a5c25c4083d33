#!/usr/bin/env bash
# make test-real: the deploy (with the MCP clients scheduling posts) and the backup and
# restore scenarios with the real pinned images, the production defaults of postiz_images
# (roles/postiz_common/defaults/main.yml), instead of the offline test images and the
# contract double. Each machine's own Docker daemon pulls them from the upstream registries.
#
# It first asks each registry of those images for its API root (https://<registry>/v2/,
# a short timeout): any HTTP answer, 401 included, means it is reachable. When one does not
# answer it stops at once, saying so, with exit status 2: nothing is built or run, and
# nothing passes silently.
#
# Otherwise, per scenario: `molecule test` keeping the machines, then the app's start time
# (from `docker restart` to healthy: the real image runs its schema push, downloading
# Prisma from the npm registry, at every start) and its memory against its limit, then the
# scenario's machines are destroyed. Exit status: 1 when a scenario failed, else 0.
#
#   make test-real
#   POSTIZ_REAL_SCENARIOS="default" make test-real        # one scenario only
#   POSTIZ_REAL_PROBE_TIMEOUT=10 make test-real           # seconds per registry (default 5)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 2
scenarios=${POSTIZ_REAL_SCENARIOS:-default backup_restore}
timeout=${POSTIZ_REAL_PROBE_TIMEOUT:-5}
defaults=roles/postiz_common/defaults/main.yml

# The pinned images (postiz_images, with postiz_version put in) and their registries, read
# with the standard library only: this runs before any venv exists.
probe() {
  python3 - "$defaults" "$timeout" <<'EOF'
import re
import ssl
import sys
import urllib.error
import urllib.request

text = open(sys.argv[1], encoding="utf-8").read()
version = re.search(r"^postiz_version:\s*(\S+)", text, re.M).group(1)
block = re.search(r"^postiz_images:.*\n((?:[ ]+.*\n)+)", text, re.M).group(1)
images = [
    (match.group(1) or match.group(2)).replace("{{ postiz_version }}", version)
    for match in re.finditer(r'^  [\w-]+:\s*(?:"([^"]*)"|(\S+))', block, re.M)
]


def registry(image):
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "registry-1.docker.io"  # Docker Hub


registries = list(dict.fromkeys(registry(image) for image in images))
print("images: " + ", ".join(images), file=sys.stderr)
failed = []
for name in registries:
    try:
        urllib.request.urlopen(
            f"https://{name}/v2/", timeout=float(sys.argv[2]), context=ssl.create_default_context()
        )
    except urllib.error.HTTPError:
        pass  # 401 and the like: the registry answered
    except Exception as exc:  # noqa: BLE001  DNS, refused, timeout, TLS: all mean unreachable
        reason = getattr(exc, "reason", exc)
        failed.append(f"{name} ({reason})")
if failed:
    print("; ".join(failed))
    sys.exit(1)
print(", ".join(registries))
EOF
}

if ! answer=$(probe); then
  echo "make test-real: the registries of the pinned images do not answer (${answer})." \
    "The real images cannot be pulled here, so no scenario was run and nothing passed." >&2
  exit 2
fi
echo "make test-real: the registries answer (${answer}); scenarios: ${scenarios}"

export PATH=$repo/.venv/bin:$PATH ANSIBLE_CONFIG=$repo/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$repo/collections
# Every scenario's plays read tests/real/machine-vars.yml instead of tests/machine-vars.yml
# (.config/molecule/config.yml).
export POSTIZ_TEST_MACHINE_VARS=tests/real/machine-vars.yml
make --no-print-directory test-venv host-deps images || exit 2

# The app container of every Compose project in one machine: its start time, from a
# restart to healthy, and its memory against its limit.
report() {
  local machine=$1
  docker exec "$machine" bash -c '
    for id in $(docker ps -q --filter label=com.docker.compose.service=postiz); do
      name=$(docker inspect -f "{{.Name}}" "$id"); image=$(docker inspect -f "{{.Config.Image}}" "$id")
      start=$(date +%s); docker restart "$id" >/dev/null
      state=starting
      until [ "$state" = healthy ] || [ $(( $(date +%s) - start )) -ge 900 ]; do
        sleep 2; state=$(docker inspect -f "{{.State.Health.Status}}" "$id")
      done
      echo "${name#/} ($image): start $(( $(date +%s) - start )) s from restart to $state"
      docker stats --no-stream --format "{{.Name}}: memory {{.MemUsage}} ({{.MemPerc}} of its limit)" "$id"
    done'
}

rc=0
for scenario in $scenarios; do
  echo "== $scenario, real images"
  molecule test -s "$scenario" --destroy never || rc=1
  for platform in $(python -c 'import sys, yaml; print(*[p["name"] for p in yaml.safe_load(open(sys.argv[1]))["platforms"]])' \
    "molecule/$scenario/molecule.yml"); do
    machine=selfhosted-postiz-test-$platform
    if docker inspect "$machine" >/dev/null 2>&1; then
      report "$machine" || rc=1
    else
      echo "$machine: not running, nothing to measure"
    fi
  done
  molecule destroy -s "$scenario" || rc=1
done
echo "make test-real: $([ $rc -eq 0 ] && echo passed || echo FAILED) (${scenarios})"
exit $rc
