#!/usr/bin/env bash
# Prints the version of ConstraintEngine. Its one source is `EngineVersion.version` in
# Sources/ConstraintEngine/Version.swift: `constraint --version` prints it, `make dist` names the
# tarball after it, and the CHANGELOG's newest release must carry it (scripts/test-dist.sh and
# ReleaseHygieneTests check both).
set -euo pipefail
cd "$(dirname "$0")/.."
versions=$(sed -n 's/^ *public static let version = "\([^"]*\)"$/\1/p' \
  Sources/ConstraintEngine/Version.swift)
if [ "$(printf '%s\n' "$versions" | grep -c .)" -ne 1 ] \
  || ! printf '%s\n' "$versions" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
  echo "version.sh: expected one semantic version in Version.swift, found: '$versions'" >&2
  exit 2
fi
printf '%s\n' "$versions"
