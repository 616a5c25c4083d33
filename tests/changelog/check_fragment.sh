#!/usr/bin/env bash
# Fails a change to plugins/ or roles/ that adds no changelog fragment, as community
# collections' CI does. The change is what lies between a base and HEAD (plus the work tree):
#   CHANGELOG_BASE   a commit to compare with; default: the merge-base with origin/main (or
#                    main), else HEAD~1 (on main itself, or a clean clone of it: its last
#                    commit is the change; a merge commit's first parent).
# Skips, saying why, only when there is no base at all (no git, or a single commit).
set -euo pipefail

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "changelog fragment check skipped: not a git work tree, so there is no change to check"
  exit 0
fi
base=${CHANGELOG_BASE:-}
if [[ -z $base ]]; then
  head=$(git rev-parse HEAD)
  # A branch's change is what it holds beyond main; on main itself, its last commit.
  for ref in origin/main main; do
    if git rev-parse --verify -q "$ref" >/dev/null; then
      mb=$(git merge-base "$ref" HEAD) || continue
      if [[ $mb != "$head" ]]; then base=$mb; break; fi
    fi
  done
  if [[ -z $base ]]; then
    if git rev-parse --verify -q HEAD~1 >/dev/null; then
      base=HEAD~1
    else
      echo "changelog fragment check skipped: no base to compare with (a single commit or a shallow clone; set CHANGELOG_BASE)"
      exit 0
    fi
  fi
fi
git rev-parse --verify -q "$base^{commit}" >/dev/null \
  || { echo "CHANGELOG_BASE=$base is not a commit of this clone." >&2; exit 2; }

# Committed changes since the base, and those not committed yet.
changed=$( { git diff --name-only "$base" -- plugins roles; \
             git ls-files --others --exclude-standard -- plugins roles; } | sort -u)
added=$( { git diff --name-only --diff-filter=A "$base" -- changelogs/fragments; \
           git ls-files --others --exclude-standard -- changelogs/fragments; } | grep -E '\.ya?ml$' || true)

nchanged=$(grep -c . <<<"$changed" || true)
nadded=$(grep -c . <<<"$added" || true)
if ((nchanged > 0 && nadded == 0)); then
  echo "This change touches $nchanged file(s) under plugins/ or roles/ since $base ($(head -1 <<<"$changed")$( ((nchanged > 1)) && echo ', ...')) but adds no changelog fragment: add changelogs/fragments/<topic>.yml saying what changed for users (sections: changelogs/config.yaml)." >&2
  exit 1
fi
echo "changelog fragment check: $nchanged plugin/role file(s) changed since $base, $nadded fragment(s) added"
