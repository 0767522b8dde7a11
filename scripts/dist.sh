#!/usr/bin/env bash
# Builds the self-contained Linux x86_64 release of `constraint` and packs it (make dist):
#
#   dist/constraint-VERSION-linux-x86_64.tar.gz          constraint, LICENSE, README.md,
#                                                         CHANGELOG.md, constraints.schema.json
#   dist/constraint-VERSION-linux-x86_64.tar.gz.sha256    for `sha256sum -c`
#
# The binary needs nothing but the C library: the Swift runtime and Foundation are linked in
# (--static-swift-stdlib), and so are PCRE2, libstdc++ and libgcc. Only this build links them
# statically; `swift build` and `make release` stay dynamic. How: the build has its own scratch
# path (.build-dist, so the two builds never rebuild each other) and reads PCRE2's pkg-config
# entry from a .pc file written here, whose library directory holds only static archives
# (libpcre2-8.a and libstdc++.a, linked from where Debian's -dev packages put them). The linker
# finds `-lpcre2-8` and `-lstdc++` there first and takes the archives; `-static-libgcc` replaces
# libgcc_s. scripts/test-dist.sh proves the result runs without a toolchain or libpcre2.
#
# VERSION comes from scripts/version.sh. The tarball is reproducible for a given binary: sorted
# names, owner 0, the commit's time as every mtime, gzip without a name or time stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
scratch=${DIST_SCRATCH:-.build-dist}
out=${DIST_DIR:-dist}

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "dist: builds the Linux x86_64 release only (this is $(uname -s) $(uname -m))" >&2
  exit 2
fi

version=$(scripts/version.sh)
name=constraint-$version-linux-x86_64

# Only static archives in this directory: a linker that looks here first cannot pick a .so.
static=$PWD/$scratch/static-libs
pkgconfig=$PWD/$scratch/pkgconfig
rm -rf "$static" "$pkgconfig"
mkdir -p "$static" "$pkgconfig"
pcre2_archive=$(pkg-config --variable=libdir libpcre2-8)/libpcre2-8.a
stdcxx_archive=$(gcc -print-file-name=libstdc++.a)
for archive in "$pcre2_archive" "$stdcxx_archive"; do
  if [ ! -f "$archive" ]; then
    echo "dist: $archive is missing (Debian: libpcre2-dev, libstdc++-12-dev)" >&2
    exit 2
  fi
  ln -s "$archive" "$static/"
done
cat >"$pkgconfig/libpcre2-8.pc" <<EOF
Name: libpcre2-8
Description: PCRE2 8-bit library, static archive only (written by scripts/dist.sh)
Version: $(pkg-config --modversion libpcre2-8)
Libs: -L$static -lpcre2-8
Cflags: -I$(pkg-config --variable=includedir libpcre2-8)
EOF

echo "dist: building constraint $version (release, static Swift runtime, PCRE2, libstdc++)"
PKG_CONFIG_PATH=$pkgconfig "$SWIFT" build -c release --product constraint \
  --scratch-path "$scratch" --static-swift-stdlib \
  -Xlinker -L"$static" -Xswiftc -Xclang-linker -Xswiftc -static-libgcc

binary=$scratch/release/constraint
stage=$scratch/stage/$name
tarball=$out/$name.tar.gz
inputs=("$binary" LICENSE README.md CHANGELOG.md schema/constraints.schema.json "$0")
if [ -f "$tarball" ] && [ -f "$tarball.sha256" ] && [ -f "$stage/constraint" ] \
  && [ -z "$(find "${inputs[@]}" -newer "$tarball" 2>/dev/null)" ]; then
  echo "dist: $tarball is up to date"
  exit 0
fi
rm -rf "$scratch/stage"
mkdir -p "$stage" "$out"
# Debug information is most of the file; the symbol table stays, for readable backtraces.
strip --strip-debug -o "$stage/constraint" "$binary"
cp LICENSE README.md CHANGELOG.md schema/constraints.schema.json "$stage/"

epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  -C "$scratch/stage" -cf - "$name" | gzip -9 -n >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "dist: $tarball ($(du -h "$tarball" | cut -f1)), $(cut -d' ' -f1 "$tarball.sha256")"
