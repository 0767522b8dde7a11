#!/usr/bin/env bash
# Tests the release tarball from `make dist` (scripts/dist.sh) as a user receives it:
#
#   scripts/test-dist.sh [dist/constraint-VERSION-linux-x86_64.tar.gz]
#
# 1. The SHA-256 file verifies; the tarball holds exactly the expected files.
# 2. One version everywhere: the tarball's name, scripts/version.sh (Version.swift),
#    `constraint --version` and the newest release in CHANGELOG.md.
# 3. The binary needs only the C library family: its NEEDED entries and everything `ldd` lists
#    are libc, libm, libpthread, libdl, librt, ld-linux (and the vDSO); no Swift runtime, no
#    PCRE2, no libstdc++ or libgcc_s. The newest glibc symbol version it needs is at most
#    GLIBC_MAX (2.36, Debian 12's; README, "Install").
# 4. It runs with an empty environment and library path (`env -i LD_LIBRARY_PATH=`): `check`
#    on the examples prints exactly the golden files of Tests/CLITests/Golden/.
# 5. It runs in a minimal root: a chroot holding only the binary, the C library files `ldd`
#    names, the rules and the examples — no toolchain, no libpcre2, no /dev. Without /proc it
#    refuses to run (exit 2, saying why: the Swift runtime reads the arguments from
#    /proc/self/cmdline); with /proc, `check` in every golden format, `lint`, `fmt --check` and
#    `--version` (PCRE2 with its JIT) give what they give in the build tree. Needs root, or an
#    unprivileged user namespace (`unshare -r`); without either this step is reported as
#    skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(scripts/version.sh)
tarball=${1:-dist/constraint-$version-linux-x86_64.tar.gz}
GLIBC_MAX=${GLIBC_MAX:-2.36}

passed=0
failures=0
pass() { passed=$((passed + 1)); }
fail() { failures=$((failures + 1)); echo "FAIL: $*"; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
  local description=$1
  shift
  if "$@"; then pass; else fail "$description"; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Integrity and contents.
name=$(basename "$tarball" .tar.gz)
check "sha256sum -c $tarball.sha256" \
  bash -c "cd '$(dirname "$tarball")' && sha256sum --quiet -c '$name.tar.gz.sha256'"
listing=$(tar -tzf "$tarball" | sort | tr '\n' ' ')
expected_listing="$name/ $name/CHANGELOG.md $name/LICENSE $name/README.md $name/constraint "
expected_listing+="$name/constraints.schema.json "
check "tarball contents: $listing" test "$listing" = "$expected_listing"
tar -xzf "$tarball" -C "$work"
binary=$work/$name/constraint

# 2. One version.
tar_version=${name#constraint-}
tar_version=${tar_version%-linux-x86_64}
cli_version=$("$binary" --version | sed -n '1s/^constraint \([^ ]*\) (grammar .*)$/\1/p')
changelog_version=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' CHANGELOG.md | head -1)
agreement="tarball $tar_version, Version.swift $version, --version $cli_version"
agreement+=", CHANGELOG $changelog_version"
check "versions agree: $agreement" test "$tar_version" = "$version" -a "$cli_version" = "$version" \
  -a "$changelog_version" = "$version"

# 3. Only the C library family.
c_library='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2'
c_library+='|librt\.so\.1|ld-linux-x86-64\.so\.2)$'
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
others=$(grep -Ev "$c_library" <<<"$needed" || true)
check "NEEDED beyond the C library: $others" test -z "$others"
ldd_names=$(ldd "$binary" | awk '{print $1}' | xargs -n1 basename)
others=$(grep -Ev "$c_library" <<<"$ldd_names" || true)
check "ldd lists more than the C library: $others" test -z "$others"
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
newest=$(printf '%s\n%s\n' "$glibc" "$GLIBC_MAX" | sort -V | tail -1)
check "needs glibc $glibc, more than $GLIBC_MAX" test "$newest" = "$GLIBC_MAX"
echo "dist: NEEDED $(tr '\n' ' ' <<<"$needed"); newest glibc symbol: $glibc"

# run_check DIRECTORY COMMAND...: `check` of the examples in every golden format, and lint and
# fmt --check of the rules, with COMMAND (which runs the binary where Rules/ and Examples/ are)
# as the prefix.
run_check() {
  local where=$1 golden arguments status output
  shift
  for golden in check-human.txt:"" check-json.json:"--format json" \
    check-junit.xml:"--format junit" check-github.txt:"--format github" \
    check-human-no-explain.txt:"--no-explain"; do
    arguments=${golden#*:}
    golden=${golden%%:*}
    status=0
    # shellcheck disable=SC2086 # the format arguments are split on purpose
    output=$("$@" check Rules/ --data Examples/snapshots/ $arguments 2>"$work/stderr") || status=$?
    if [ "$status" -eq 1 ] && [ "$output" = "$(cat "Tests/CLITests/Golden/$golden")" ] \
      && [ ! -s "$work/stderr" ]; then
      pass
    else
      fail "$where: check $arguments exited $status (expected 1) or differs from $golden:" \
        "$(head -c 400 "$work/stderr")"
    fi
  done
  status=0
  output=$("$@" lint Rules/ 2>&1) || status=$?
  check "$where: lint Rules/ exited $status: $output" test "$status" -eq 0
  status=0
  output=$("$@" fmt --check Rules/ 2>&1) || status=$?
  check "$where: fmt --check Rules/ exited $status: $output" test "$status" -eq 0
  output=$("$@" --version 2>&1) || true
  check "$where: --version: $output" grep -q "JIT available" <<<"$output"
}

# 4. Empty environment, empty library path.
run_check "env -i" env -i LD_LIBRARY_PATH= "$binary"

# 5. A minimal root.
jail=$work/root
mkdir -p "$jail"
cp "$binary" "$jail/constraint"
while read -r library; do
  mkdir -p "$jail$(dirname "$library")"
  cp -L "$library" "$jail$library"
done < <(ldd "$binary" | grep -o '/[^ ]*')
mkdir -p "$jail/Examples"
cp -r Rules "$jail/"
cp -r Examples/snapshots "$jail/Examples/"
# Run without /proc (the Swift runtime reads the arguments from /proc/self/cmdline, so the CLI
# must refuse with the reason), then with a /proc mounted for that run alone (a PID and mount
# namespace of its own: nothing to unmount afterwards).
mkdir -p "$jail/proc"
chroot=$(command -v chroot || true)
unshare=$(command -v unshare || true)
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(-r)
if [ -n "$chroot" ] && [ -n "$unshare" ] && "$unshare" "${as_root[@]}" --fork --pid \
  --mount-proc="$jail/proc" true 2>/dev/null; then
  echo "dist: minimal root holds $(cd "$jail" && find . -type f ! -path './Rules/*' \
    ! -path './Examples/*' | sort | tr '\n' ' ')"
  status=0
  output=$(env -i LD_LIBRARY_PATH= "$unshare" "${as_root[@]}" "$chroot" "$jail" /constraint \
    lint Rules/ 2>&1) || status=$?
  check "chroot without /proc: lint exited $status: $output" \
    test "$status" -eq 2 -a "$output" = "error: cannot read the command line: /proc/self/cmdline \
cannot be read (is /proc mounted?)"
  # chroot starts the binary in the new root's /, where Rules/ and Examples/ are.
  run_check chroot env -i LD_LIBRARY_PATH= "$unshare" "${as_root[@]}" --fork --pid \
    --mount-proc="$jail/proc" "$chroot" "$jail" /constraint
else
  echo "dist: minimal root skipped: needs root or an unprivileged user namespace (unshare -r)"
fi

echo "dist $name: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
