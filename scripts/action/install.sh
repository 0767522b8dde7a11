#!/usr/bin/env bash
# The GitHub Action's install step (action.yml): puts `constraint` on the job's PATH and writes
# its path to the step output `path`.
#
# Release tarball (the default): downloads INPUT_URL, or the tarball of release vINPUT_VERSION
# of the action's own repository, and verifies its SHA-256 before anything is extracted —
# against INPUT_SHA256 when given (pin it: a checksum fetched from the same place only detects
# a damaged download), else against the `.sha256` file published beside the tarball. Any
# mismatch, missing checksum or failed download stops the job (exit 1); nothing is installed.
#
# INPUT_BUILD_FROM_SOURCE=true builds the release `constraint` from the action's checkout with
# the Swift toolchain on the runner instead (libpcre2-dev installed when missing).
set -euo pipefail

fail() {
  echo "::error title=constraint install::$1"
  exit 1
}

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set (not a GitHub Actions step?)}"
: "${GITHUB_PATH:?GITHUB_PATH is not set (not a GitHub Actions step?)}"
action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}"
version="${INPUT_VERSION:-}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

case "${INPUT_BUILD_FROM_SOURCE:-false}" in
  true)
    command -v swift >/dev/null || fail "build-from-source needs a Swift 6.3 toolchain on PATH"
    "$action_path/scripts/install-deps.sh"
    swift build -c release --product constraint --package-path "$action_path" >&2
    binary="$action_path/.build/release/constraint"
    ;;
  false)
    url="${INPUT_URL:-}"
    if [ -z "$url" ]; then
      [ -n "$version" ] || fail "give the input version (a release such as 0.1.0) or url"
      [ -n "${ACTION_REPOSITORY:-}" ] ||
        fail "cannot tell which repository publishes the releases: give the input url"
      url="https://github.com/$ACTION_REPOSITORY/releases/download/v$version/"
      url+="constraint-$version-linux-x86_64.tar.gz"
    fi
    name="${url##*/}"
    [[ "$name" == *.tar.gz ]] || fail "the url must name a .tar.gz file: $url"
    work="$(mktemp -d "$temp/constraint-install.XXXXXX")"
    curl --fail --silent --show-error --location --retry 3 -o "$work/$name" "$url" ||
      fail "cannot download $url"
    expected="${INPUT_SHA256:-}"
    if [ -z "$expected" ]; then
      curl --fail --silent --show-error --location --retry 3 -o "$work/$name.sha256" \
        "$url.sha256" || fail "cannot download $url.sha256 (or give the input sha256)"
      read -r expected listed < "$work/$name.sha256" || true
      [ "${listed:-}" = "$name" ] ||
        fail "$name.sha256 names ${listed:-nothing}, not $name"
    fi
    expected="$(printf '%s' "$expected" | tr 'A-F' 'a-f')"
    [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || fail "not a SHA-256 (64 hex digits): $expected"
    actual="$(sha256sum "$work/$name" | cut -d' ' -f1)"
    [ "$actual" = "$expected" ] ||
      fail "SHA-256 mismatch for $name: expected $expected, got $actual; nothing installed"
    echo "constraint install: $name verified (sha256 $actual)"
    tar -xzf "$work/$name" -C "$work"
    binary="$work/${name%.tar.gz}/constraint"
    [ -f "$binary" ] || fail "$name holds no ${name%.tar.gz}/constraint"
    ;;
  *) fail "build-from-source must be true or false, not ${INPUT_BUILD_FROM_SOURCE}" ;;
esac

"$binary" --version || fail "the installed constraint does not run"
echo "$(dirname "$binary")" >> "$GITHUB_PATH"
echo "path=$binary" >> "$GITHUB_OUTPUT"
