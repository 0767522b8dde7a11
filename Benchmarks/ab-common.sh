# Sourced by ab-benchmark.sh and ab-check.sh: the base side of an A/B run.

# unpack_base ROOT COMMIT DIR BUILD_SUBDIR: unpacks COMMIT (a full hash) of the repository at
# ROOT into DIR, unless DIR already holds it (DIR/.ab-commit), and seeds DIR/BUILD_SUBDIR (the
# package's build directory: `.build`, or `Benchmarks/.build` for the benchmark package) with
# the working tree's dependency checkouts and its package's Package.resolved, so that the base
# builds against the same dependency versions without fetching them again.
unpack_base() {
  local root=$1 commit=$2 dir=$3 build=$4
  [[ $(cat "$dir/.ab-commit" 2>/dev/null) == "$commit" ]] && return 0
  rm -rf "$dir"
  mkdir -p "$dir/$build"
  git -C "$root" archive "$commit" | tar -x -C "$dir"
  local item
  for item in checkouts repositories workspace-state.json; do
    if [[ -e $root/$build/$item ]]; then cp -a "$root/$build/$item" "$dir/$build/"; fi
  done
  local package
  package=$(dirname "$build")
  if [[ -f $root/$package/Package.resolved ]]; then
    cp "$root/$package/Package.resolved" "$dir/$package/"
  fi
  echo "$commit" > "$dir/.ab-commit"
}
