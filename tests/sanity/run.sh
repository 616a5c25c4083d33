#!/usr/bin/env bash
# ansible-test sanity on an installed copy of the collection, offline.
# Usage: tests/sanity/run.sh <path to ansible_collections/selfhosted/postiz>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
collection=$1

# ansible-test bootstraps pip in its venvs with a script it downloads; that host is
# unreachable here, so put a stand-in (ensurepip, then pip install) in its cache, under
# the name of the pip each ansible-core's ansible-test asks for (2.19: 24.2, 2.17: 23.1.2).
cache=~/.ansible/test/cache
mkdir -p "$cache"
for pip_version in 24_2 23_1_2; do
  install -m 0644 "$here/get_pip_standin.py" "$cache/get_pip_$pip_version.py"
done

cd "$collection"
exec ansible-test sanity --color no --python 3.11 --venv --requirements
