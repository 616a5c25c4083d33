#!/usr/bin/env bash
# ansible-test sanity on an installed copy of the collection, offline.
# Usage: tests/sanity/run.sh <path to ansible_collections/selfhosted/postiz>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
collection=$1

# ansible-test bootstraps pip in its venvs with a script it downloads; that host is
# unreachable here, so put a stand-in (ensurepip, then pip install) in its cache.
cache=~/.ansible/test/cache
mkdir -p "$cache"
install -m 0644 "$here/get_pip_standin.py" "$cache/get_pip_24_2.py"

cd "$collection"
exec ansible-test sanity --color no --python 3.11 --venv --requirements
