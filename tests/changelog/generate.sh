#!/usr/bin/env bash
# Writes CHANGELOG.md from changelogs/fragments/ while the collection is unreleased.
#
# `antsibull-changelog generate` renders only released versions, and `release` would record
# the version in changelogs/changelog.yaml and delete the fragments (keep_fragments: false).
# So the release is made in a scratch copy, and only its CHANGELOG.md comes back, its
# version heading marked "(unreleased)". Once the version is released for real, run
# `antsibull-changelog release` in the clone instead.
# Usage: tests/changelog/generate.sh [ANTSIBULL_CHANGELOG]   (from the clone's root)
set -euo pipefail

tool=${1:-antsibull-changelog}
version=$(sed -n 's/^version: *//p' galaxy.yml)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# What antsibull-changelog reads: the metadata, the fragments, and the plugins it lists as new.
cp -r galaxy.yml changelogs meta plugins roles playbooks "$scratch"/
(cd "$scratch" && "$tool" release --version "$version")
escaped=${version//./\\\\.}
sed "s/^## v${escaped}\$/& (unreleased)/" "$scratch"/CHANGELOG.md > CHANGELOG.md
grep -q "(unreleased)" CHANGELOG.md || { echo "CHANGELOG.md: no heading for v$version found to mark unreleased" >&2; exit 1; }
echo "CHANGELOG.md written from $(find changelogs/fragments -name '*.yml' | wc -l) fragments (v$version, unreleased)"
