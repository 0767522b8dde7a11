#!/usr/bin/env bash
# Installs what `make model-check` needs beyond the Swift toolchain: spin (Debian's package) and a
# C compiler for the verifiers it writes. Does nothing when they are already there. Used by
# scripts/model-check.sh, so CI on a fresh machine has them.
set -euo pipefail

missing=()
command -v spin >/dev/null 2>&1 || missing+=(spin)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "install-spin: missing ${missing[*]}; run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "install-spin: installing ${missing[*]}"
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
