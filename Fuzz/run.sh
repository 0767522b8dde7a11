#!/usr/bin/env bash
# Builds the fuzz targets (release, -sanitize=fuzzer,address) and runs one or all of them.
#
#   Fuzz/run.sh TARGET [SECONDS]   run one target (parse, eval, json, regex, rulefile, long,
#                                  projection);
#                                  default 60 s
#   Fuzz/run.sh all SECONDS        run every target in turn, SECONDS each
#   Fuzz/run.sh build              only build
#
# Inputs: Fuzz/seeds/TARGET (committed seeds) and Fuzz/regressions/TARGET (fixed findings), plus
# the working corpus Fuzz/corpus-work/TARGET (git-ignored), where libFuzzer adds new inputs.
# Findings land in Fuzz/artifacts/TARGET/ (crash-*, leak-*, timeout-*); logs next to them.
# Environment: FUZZ_JOBS (swift build -j, default 2), FUZZ_NICE (default 10), FUZZ_EXTRA (more
# libFuzzer flags).
set -euo pipefail
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
SCRATCH="$FUZZ_DIR/.build-asan"
TARGETS=(parse eval json regex rulefile long projection)

product() {
  case "$1" in
    parse) echo FuzzParse ;;
    eval) echo FuzzEval ;;
    json) echo FuzzJSON ;;
    regex) echo FuzzRegex ;;
    rulefile) echo FuzzRuleFile ;;
    long) echo FuzzLong ;;
    projection) echo FuzzProjection ;;
    *) echo "unknown target '$1' (expected: ${TARGETS[*]} or all)" >&2; exit 2 ;;
  esac
}

# -max_len -timeout per target: inputs a little longer than the largest seed; timeouts far above
# a normal execution (milliseconds), so a timeout means a real hang (e.g. a regex beyond its
# budget). The long target's inputs are recipes that expand to up to 2 MiB (FuzzChecks.long):
# an expression at that size is lexed, parsed, printed and compiled several times, which takes
# up to 9 s under ASan and coverage (measured on shapes such as `f(a)&&…`), so its timeout is
# longer and it reports a slow unit at 30 s rather than libFuzzer's default 10 s (work that grows
# faster than the input would take minutes at 2 MiB, past both).
options() {
  case "$1" in
    parse) echo "-max_len=4096 -timeout=10" ;;
    eval) echo "-max_len=4096 -timeout=10" ;;
    json) echo "-max_len=8192 -timeout=10" ;;
    regex) echo "-max_len=1024 -timeout=5" ;;
    rulefile) echo "-max_len=16384 -timeout=10" ;;
    long) echo "-max_len=256 -timeout=60 -report_slow_units=30" ;;
    projection) echo "-max_len=8192 -timeout=10" ;;
  esac
}

build() {
  local start=$SECONDS
  # SwiftPM reuses its cached build plan here even when a source file was added to or removed
  # from the library (a path dependency), and then fails with "cannot find ... in scope": a
  # library folder changed since the plan was written sends it back to planning.
  if [[ -f "$SCRATCH/release.yaml" ]] \
    && [[ -n "$(find "$FUZZ_DIR/../Sources" -type d -newer "$SCRATCH/release.yaml" | head -1)" ]]
  then
    rm -f "$SCRATCH/release.yaml"
  fi
  (cd "$FUZZ_DIR" && nice -n "${FUZZ_NICE:-10}" swift build -c release -j "${FUZZ_JOBS:-2}" \
    --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
  echo "fuzz build: $((SECONDS - start)) s"
}

run() {
  local target=$1 seconds=$2
  local binary
  binary="$SCRATCH/release/$(product "$target")"
  local work="$FUZZ_DIR/corpus-work/$target" artifacts="$FUZZ_DIR/artifacts/$target"
  mkdir -p "$work" "$artifacts" "$FUZZ_DIR/regressions/$target"
  echo "== fuzz $target for $seconds s"
  # shellcheck disable=SC2046
  # The Swift runtime's backtracer hangs under ASan after a crash (its memory server trips the
  # shadow gap); libFuzzer and ASan print their own stack traces, so it is turned off.
  SWIFT_BACKTRACE=enable=no \
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}" \
    nice -n "${FUZZ_NICE:-10}" "$binary" $(options "$target") \
    -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1 \
    -dict="$FUZZ_DIR/dicts/$target.dict" -artifact_prefix="$artifacts/" ${FUZZ_EXTRA:-} \
    "$work" "$FUZZ_DIR/seeds/$target" "$FUZZ_DIR/regressions/$target" \
    2>&1 | tee "$artifacts/last-run.log" \
    | grep -E "INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)|stat::|ERROR|==[0-9]+==|\
SUMMARY|Test unit written|FuzzChecks|Fatal error" || true
  # libFuzzer's status is lost in the pipe; a written artifact is the failure signal.
  if grep -qE "Test unit written|SUMMARY: (AddressSanitizer|libFuzzer)|Fatal error" \
    "$artifacts/last-run.log"; then
    echo "fuzz $target: FOUND A PROBLEM (see $artifacts/last-run.log)" >&2
    return 1
  fi
  # A run that never started fuzzing (a dictionary libFuzzer cannot parse, a bad flag) writes
  # no artifact either: only a run that reached DONE counts.
  if ! grep -qE "#[0-9]+[[:space:]]+DONE" "$artifacts/last-run.log"; then
    echo "fuzz $target: DID NOT RUN to the end (see $artifacts/last-run.log)" >&2
    return 1
  fi
}

case "${1:-}" in
  build) build ;;
  all)
    seconds=${2:?usage: run.sh all SECONDS}
    build
    status=0
    for target in "${TARGETS[@]}"; do run "$target" "$seconds" || status=1; done
    exit $status
    ;;
  "") echo "usage: run.sh TARGET|all|build [SECONDS]" >&2; exit 2 ;;
  *)
    product "$1" >/dev/null
    build
    run "$1" "${2:-60}"
    ;;
esac
