#!/usr/bin/env bash
# The built collection as ansible-builder sees it, without building an image (no registry):
# 1. `ansible-builder introspect` on the installed collection finds exactly the entries of
#    requirements-ee.txt and bindep.txt (which meta/execution-environment.yml names), and
#    requirements-ee.txt has ranges, not pins;
# 2. `ansible-builder create` renders the build context of tests/ee/execution-environment.yml.
# Usage: tests/ee/check.sh <build dir>  (`make collection` leaves there the tarball and, under
# collections/, the installed collection)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { printf 'tests/ee/check.sh: %s\n' "$*" >&2; exit 1; }

# The entries of a requirements file as ansible-builder writes them back: no comments, no
# blank lines, each tagged with the collection it came from.
entries() { sed -e 's/[[:space:]]*#.*//' -e '/^[[:space:]]*$/d' -e 's/$/  # from collection selfhosted.postiz/' "$1"; }

if pinned=$(entries "$root/requirements-ee.txt" | grep -E '==|===' ); then
  fail "requirements-ee.txt pins an exact version (${pinned%%  #*}); an execution environment" \
    "holds many collections, so give a range (>=) that leaves pip room to meet them all."
fi

ansible-builder introspect --sanitize --write-pip "$work/pip.txt" --write-bindep "$work/bindep.txt" \
  "$build/collections" >/dev/null
for kind in pip bindep; do
  declared=$root/requirements-ee.txt
  [ "$kind" = bindep ] && declared=$root/bindep.txt
  if ! difference=$(diff <(entries "$declared") "$work/$kind.txt"); then
    fail "ansible-builder introspect finds other $kind requirements in the built collection than" \
      "${declared#"$root"/} declares (< declared, > found):" $'\n'"$difference"
  fi
done
echo "ansible-builder introspect: $(wc -l <"$work/pip.txt") Python and $(wc -l <"$work/bindep.txt") system requirements, as declared"

cp "$here/execution-environment.yml" "$work/"
cp "$build"/selfhosted-postiz-*.tar.gz "$work/selfhosted-postiz.tar.gz"
ansible-builder create --file "$work/execution-environment.yml" --context "$work/context" >/dev/null
for file in Dockerfile _build/requirements.yml _build/collections/selfhosted-postiz.tar.gz _build/scripts/introspect.py; do
  [ -s "$work/context/$file" ] || fail "ansible-builder create rendered no $file in the build context of tests/ee/execution-environment.yml."
done
grep -q 'collections/selfhosted-postiz.tar.gz' "$work/context/_build/requirements.yml" \
  || fail "the build context's requirements.yml does not install the built collection."
echo "ansible-builder create: the build context of tests/ee/execution-environment.yml renders"
