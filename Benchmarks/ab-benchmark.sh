#!/usr/bin/env bash
# A/B run of the package-benchmark suite (Benchmarks/EngineBenchmarks, `swift package
# benchmark`): BASE's suite against the working tree's, each side with its own benchmark
# sources and its own release build, the two suites run alternately (base, head, head, base, …)
# so that the machine's noise hits both alike. Prints one table: benchmark, base p50, head p50,
# head/base, base mallocs, head mallocs (per iteration), for every benchmark both sides have,
# and lists the benchmarks only one side has.
#
# How the numbers are taken: each run exports `--format histogramSamples` (every sample of
# every metric); a run's p50 is the median of its samples, and the table shows the median over
# the rounds of each run's p50. The samples are per `scalingFactor` iterations: the suite's
# `fast` configuration (`timeUnits: .nanoseconds, scalingFactor: .kilo`) records ns and mallocs
# per 1,000 iterations, the `slow` one (`timeUnits: .microseconds`, no scaling) µs and thousands
# of mallocs (rounded by package-benchmark) per iteration. The script reads the unit from each
# sample file's header and checks in both sides' sources that `.nanoseconds` comes only with
# `.kilo` and that no other scaling factor is used, so the unit identifies the scaling.
# Malloc counts come from package-benchmark's malloc interposer (the `MallocInterposer` trait,
# the default on Swift 6.3; jemalloc is not used by benchmark 1.38).
#
# With valgrind installed, the script then counts instructions (callgrind, debug info stripped;
# they do not depend on the machine's load) of both sides' `quick-eval` per evaluation workload,
# ((run with N iterations) − (run with 1)) / 7(N − 1), and of `e2e-check` over 1 MiB of
# billing JSONL (`--decode-only`, then decoding and the ten billing rules).
#
# BASE's Benchmarks package must build against BASE's library: at 5ae1dac (the commit issue 19
# was reviewed at) it does, unchanged; a base whose suite needs a changed call would need a
# documented patch here.
#
# Usage: Benchmarks/ab-benchmark.sh [BASE]          (BASE defaults to main)
# Environment: ROUNDS (default 3; each round runs both suites once, ~1 min each; 0 runs
#              only the instruction counts),
#              FILTER (a package-benchmark --filter regex, matched against the whole name, e.g.
#              '.*(general path|decode:).*'; default: all benchmarks),
#              AB_INSTRUCTIONS (default 1; 0 skips the callgrind counts),
#              AB_REPORT_ONLY=1 (no build, no run: the table again from the last ROUNDS runs),
#              AB_BUILD_ONLY=1 (only unpack and build both suites: the slow part, done before
#              taking the QUIET hold for the runs),
#              AB_BASE_DIR (default Benchmarks/.ab/base-<sha7>; unpacked again only when it
#              holds another commit). Results: Benchmarks/.ab/ab-benchmark-<sha7>.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-main}
rounds=${ROUNDS:-3}
work=$root/Benchmarks/.ab
mkdir -p "$work"

base_commit=$(git -C "$root" rev-parse "$base^{commit}")
base_dir=${AB_BASE_DIR:-$work/base-${base_commit:0:7}}
echo "== base: $base (${base_commit:0:7}) in $base_dir" >&2
# shellcheck source=ab-common.sh
source "$root/Benchmarks/ab-common.sh"
unpack_base "$root" "$base_commit" "$base_dir" Benchmarks/.build

# Builds each side's suite in release (BenchmarkTool and the benchmark targets) and keeps the
# list of its benchmarks' names (the sample files' names replace spaces and slashes).
for side in base head; do
  [[ ${AB_REPORT_ONLY:-0} == 1 ]] && break
  dir=$base_dir/Benchmarks
  [[ $side == head ]] && dir=$root/Benchmarks
  echo "== building $side's suite in $dir" >&2
  # `benchmark list` builds the tool (in debug), not the suite: the release suite is built
  # here, so that no build is left for the timed runs.
  if ! (cd "$dir" && swift build -c release --product EngineBenchmarks >&2 \
    && swift package benchmark list > "$work/list-$side.txt"); then
    echo "$side: the Benchmarks package does not build (see above)" >&2
    exit 1
  fi
done

if [[ ${AB_BUILD_ONLY:-0} == 1 ]]; then
  echo "== both suites built (AB_BUILD_ONLY)" >&2
  exit 0
fi

runs=$work/runs-${base_commit:0:7}
if ((rounds > 0)); then
  [[ ${AB_REPORT_ONLY:-0} == 1 ]] || rm -rf "$runs"
  filter=()
  [[ -n ${FILTER:-} ]] && filter=(--filter "$FILTER")
  for ((round = 0; round < rounds; round++)); do
    [[ ${AB_REPORT_ONLY:-0} == 1 ]] && break
    order=(base head)
    ((round % 2 == 1)) && order=(head base)
    for side in "${order[@]}"; do
      dir=$base_dir/Benchmarks
      [[ $side == head ]] && dir=$root/Benchmarks
      echo "== round $((round + 1))/$rounds: $side ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 \
        /proc/loadavg))" >&2
      mkdir -p "$runs/$side-$round"
      (cd "$dir" && swift package --allow-writing-to-package-directory benchmark \
        ${filter[@]+"${filter[@]}"} --format histogramSamples --path "$runs/$side-$round" \
        --no-progress > "$runs/$side-$round.log" 2>&1) \
        || { echo "$side: benchmark run failed, see $runs/$side-$round.log" >&2; exit 1; }
    done
  done

python3 - "$runs" "$rounds" "$work" "$base_dir" "$root" "${base_commit:0:7}" \
  "$(git -C "$root" rev-parse --short HEAD)" <<'PY'
import glob, json, os, re, statistics, sys
runs, rounds, work, base_dir, root, base_sha, head_sha = sys.argv[1:8]
rounds = int(rounds)
sides = {"base": base_dir, "head": root}

# The unit of a sample identifies its scaling only if `.nanoseconds` comes with `.kilo` and
# nothing else is scaled, in both sides' suites.
for side, directory in sides.items():
    for path in glob.glob(f"{directory}/Benchmarks/Benchmarks/*/*.swift"):
        text = open(path, encoding="utf-8").read()
        factors = set(re.findall(r"scalingFactor:\s*\.(\w+)", text))
        nanos = re.findall(r"timeUnits:\s*\.nanoseconds,\s*scalingFactor:\s*\.(\w+)", text)
        if factors - {"kilo"} or text.count(".nanoseconds") != nanos.count("kilo"):
            sys.exit(f"{side}: {path}: a scaling other than ns with .kilo; adapt the script")

def names(side):
    listed = open(f"{work}/list-{side}.txt", encoding="utf-8").read().splitlines()
    start = next(i for i, line in enumerate(listed) if "available benchmarks" in line)
    return {n.replace("/", "_").replace(" ", "_"): n for n in listed[start + 1:] if n.strip()}

# A sample is ns or mallocs per `scalingFactor` iterations, in the unit of its file's header:
# "Time (wall clock) (ns)", "Malloc (total) (K)", "Malloc (total) " (plain counts). The wall
# clock's unit tells the benchmark's configuration: ns only in `fast`, scaled by 1,000.
unit_factor = {"(ns)": 1, "(μs)": 1e3, "(ms)": 1e6, "": 1, "(K)": 1e3, "(M)": 1e6}

def header_unit(path):
    header = open(path, encoding="utf-8").readline()
    unit = re.search(r"(\([^()]*\))?\s*$", header).group(1) or ""
    unit = "" if unit == "(total)" else unit
    if unit not in unit_factor or (unit in ("", "(K)", "(M)")) != ("Malloc" in header):
        sys.exit(f"{path}: unknown unit in {header!r}")
    return unit

def run_p50(path, metric):
    wall = path.replace(f".{metric}.", ".wallClock.")
    scaling = 1000 if header_unit(wall) == "(ns)" else 1
    lines = open(path, encoding="utf-8").read().splitlines()
    median = statistics.median(float(v) for v in lines[1:] if v.strip())
    return median * unit_factor[header_unit(path)] / scaling

results = {}
for side in sides:
    known = names(side)
    for metric in ("wallClock", "mallocCountTotal"):
        for round_ in range(rounds):
            pattern = f"{runs}/{side}-{round_}/*.{metric}.histogram.samples.tsv"
            for path in glob.glob(pattern):
                file = os.path.basename(path)
                cleaned = re.sub(r"^[^.]*\.[^.]*\.", "", file)
                cleaned = cleaned[: -len(f".{metric}.histogram.samples.tsv")]
                name = known.get(cleaned, cleaned)
                entry = results.setdefault(name, {}).setdefault(side, {})
                entry.setdefault(metric, []).append(run_p50(path, metric))

both = [n for n, r in results.items() if "base" in r and "head" in r]
order = list(names("head").values())
both.sort(key=lambda n: order.index(n) if n in order else len(order))

def time(ns):
    return f"{ns / 1e3:,.2f} µs" if ns >= 1e4 else f"{ns:,.1f} ns"

def mallocs(count):
    return f"{count:,.0f}" if count >= 10 or count == 0 else f"{count:.3f}"

table = []
print(f"| benchmark | base `{base_sha}` p50 | head `{head_sha}` p50 | head / base "
      f"| base mallocs | head mallocs |")
print("|---|---|---|---|---|---|")
for name in both:
    row = {"benchmark": name}
    for side in ("base", "head"):
        wall = results[name][side]["wallClock"]
        row[side] = {"p50_ns": statistics.median(wall), "runs_p50_ns": wall,
                     "mallocs": statistics.median(results[name][side]["mallocCountTotal"])}
    row["ratio"] = row["head"]["p50_ns"] / row["base"]["p50_ns"]
    table.append(row)
    print(f"| {name} | {time(row['base']['p50_ns'])} | {time(row['head']['p50_ns'])} "
          f"| {row['ratio']:.3f} | {mallocs(row['base']['mallocs'])} "
          f"| {mallocs(row['head']['mallocs'])} |")
for side in ("base", "head"):
    only = [n for n, r in results.items() if set(r) == {side}]
    if only:
        print(f"\nonly in {side}: " + "; ".join(only))
with open(f"{work}/ab-benchmark-{base_sha}.json", "w", encoding="utf-8") as out:
    json.dump({"base": base_sha, "head": head_sha, "rounds": rounds, "rows": table}, out,
              indent=1)
PY
fi

if [[ ${AB_INSTRUCTIONS:-1} == 1 ]] && command -v valgrind > /dev/null; then
  echo "== instructions (callgrind)" >&2
  for side in base head; do
    dir=$base_dir/Benchmarks
    [[ $side == head ]] && dir=$root/Benchmarks
    (cd "$dir" && swift build -c release --product quick-eval >&2 \
      && swift build -c release --product e2e-check >&2)
    bin=$(cd "$dir" && swift build -c release --show-bin-path)
    # valgrind cannot read the debug info of Swift release binaries.
    objcopy --strip-debug "$bin/quick-eval" "$work/quick-eval-$side"
    objcopy --strip-debug "$bin/e2e-check" "$work/e2e-check-$side"
  done
  instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" > /dev/null \
      2> "$work/callgrind.txt" || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/callgrind.txt"
  }
  for workload in scalar four-conjunction every-100 matches; do
    for suffix in "" -general; do
      iterations=2001
      [[ $workload == every-100 ]] && iterations=201
      line="$workload$suffix"
      for side in base head; do
        one=$(instructions "$work/quick-eval-$side" "$workload$suffix" 1)
        many=$(instructions "$work/quick-eval-$side" "$workload$suffix" "$iterations")
        line+=" $side $(python3 -c "print(round(($many - $one) / (7 * ($iterations - 1)), 1))")"
      done
      echo "instructions per evaluation: $line"
    done
  done
  data=$work/billing-1MiB.jsonl
  if [[ ! -s $data ]]; then
    (cd "$root/Benchmarks" && swift build -c release --product gen-billing >&2)
    "$root/Benchmarks/.build/release/gen-billing" 1M "$data" > /dev/null
  fi
  for mode in --decode-only ""; do
    for side in base head; do
      # The billing rules are read from the repository root (the same file on both sides).
      echo "instructions e2e-check ${mode:-(decode + 10 rules)} 1 MiB $side" \
        "$(CONSTRAINT_REPO=$root instructions "$work/e2e-check-$side" $mode "$data")"
    done
  done
fi
