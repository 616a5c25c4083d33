#!/usr/bin/env bash
# The Compose file format 3.8 JSON schema, for the static checks of the Swarm stack file
# (tests/unit/test_swarm_stack_static.py). It is the schema docker-compose 1.26.2 shipped
# (compose/config/config_schema_v3.8.json): PyPI has that wheel, GitHub is not needed. The
# wheel's digest is pinned; the schema is kept under DEST and fetched only once.
#
# Usage: tests/swarm/compose-schema.sh DEST_DIR PIP
set -euo pipefail

readonly WHEEL=docker_compose-1.26.2-py2.py3-none-any.whl
readonly SHA256=f60015b69d2cce60ef83cd935556d8639904038c08f4cfd29e5b9e85bf84c6d0
readonly MEMBER=compose/config/config_schema_v3.8.json
dest=$1 pip=$2

[ -s "$dest/config_schema_v3.8.json" ] && exit 0
mkdir -p "$dest"
"$pip" download --quiet --no-deps --only-binary :all: --dest "$dest" docker-compose==1.26.2
echo "$SHA256  $dest/$WHEEL" | sha256sum --check --quiet
python3 - "$dest/$WHEEL" "$MEMBER" "$dest/config_schema_v3.8.json" <<'PY'
import sys
import zipfile

wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive, open(target, "wb") as out:
    out.write(archive.read(member))
PY
rm -f "$dest/$WHEEL"
