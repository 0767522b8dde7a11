#!/usr/bin/env bash
# Installs what building ConstraintEngine needs beyond the Swift toolchain: PCRE2's headers
# (Debian's libpcre2-dev) and pkg-config. Does nothing when they are already there. Used by
# .ci/run and by the Makefile, so the README quick start works on a fresh machine.
set -euo pipefail

missing=()
[ -f /usr/include/pcre2.h ] || missing+=(libpcre2-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "install-deps: missing ${missing[*]}; run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "install-deps: installing ${missing[*]}"
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
