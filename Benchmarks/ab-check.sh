#!/usr/bin/env bash
# A/B benchmark of `constraint check` end to end: the binary built from BASE (default main)
# against the working tree's, both release builds, on one large JSON-lines file, runs
# alternated (base, head, head, base, …) so that the machine's noise hits both alike; prints
# each side's median wall-clock seconds, MB/s and CPU seconds (user + system), and the ratios
# head/base. The two sides' outputs must be identical byte for byte (else the script fails).
# On a shared, busy machine wall-clock medians swing by tens of percent: with valgrind
# installed, the script also counts the instructions each side executes on the first
# AB_INSTRUCTION_LINES lines (callgrind, debug info stripped), which do not depend on load.
#
# Usage: Benchmarks/ab-check.sh [BASE]
# Environment: SNAPSHOTS (lines, default 300000), RUNS (per side, default 9),
#              CHECK_ARGS (extra arguments for `constraint check`, e.g. "--jobs 1"),
#              AB_INSTRUCTION_LINES (default 20000; 0 skips the instruction counts),
#              AB_BASE_DIR (where BASE is unpacked and built, default Benchmarks/.ab/base; kept
#              between runs and unpacked again only when BASE names another commit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-main}
snapshots=${SNAPSHOTS:-300000}
runs=${RUNS:-9}
work=$root/Benchmarks/.ab
mkdir -p "$work"

base_dir=${AB_BASE_DIR:-$work/base}
base_commit=$(git -C "$root" rev-parse "$base^{commit}")
echo "== base: $base (${base_commit:0:7}) in $base_dir" >&2
# shellcheck source=ab-common.sh
source "$root/Benchmarks/ab-common.sh"
unpack_base "$root" "$base_commit" "$base_dir" .build
(cd "$base_dir" && swift build -c release --product constraint >&2)
echo "== head: working tree ($(git -C "$root" rev-parse --short HEAD))" >&2
(cd "$root" && swift build -c release --product constraint >&2)
base_bin=$(cd "$base_dir" && swift build -c release --show-bin-path)/constraint
head_bin=$(cd "$root" && swift build -c release --show-bin-path)/constraint

data=$work/billing-$snapshots.jsonl
if [[ ! -s $data ]]; then
  # The example stream's snapshots (two of ten fail a rule), repeated with distinct accounts.
  python3 - "$root/Examples/snapshots/stream.jsonl" "$snapshots" "$data" <<'PY'
import sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
count = int(sys.argv[2])
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for i in range(count):
        out.write(lines[i % len(lines)].replace("acct_0001", "acct_%07d" % i) + "\n")
PY
fi

python3 - "$base_bin" "$head_bin" "$data" "$runs" "$root/Rules/billing.constraints.json" \
  "${CHECK_ARGS:-}" <<'PY'
import hashlib, json, os, resource, shlex, statistics, subprocess, sys, time
base, head, data, runs, rules, extra = sys.argv[1:7]
runs = int(runs)
args = ["check", rules, "--data", data] + shlex.split(extra)
times = {"base": [], "head": []}
cpu = {"base": [], "head": []}
digests = {}

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

def run(side, binary):
    cpu_before = children_cpu()
    start = time.perf_counter()
    done = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    cpu[side].append(children_cpu() - cpu_before)
    if done.returncode not in (0, 1):
        sys.exit(f"{side}: exit {done.returncode}: {done.stderr.decode()[:500]}")
    digest = hashlib.sha256(done.stdout + done.stderr).hexdigest()
    if digests.setdefault(side, digest) != digest:
        sys.exit(f"{side}: output differs between runs")
    times[side].append(seconds)

run("base", base)  # warm the page cache; not counted
times["base"].clear()
cpu["base"].clear()
for i in range(runs):
    order = [("base", base), ("head", head)] if i % 2 == 0 else [("head", head), ("base", base)]
    for side, binary in order:
        run(side, binary)
if digests["base"] != digests["head"]:
    sys.exit("base and head write different output")
size = os.path.getsize(data)
result = {"bytes": size, "runs": runs, "args": args[4:]}
for side in ("base", "head"):
    median = statistics.median(times[side])
    result[side] = {"median_s": round(median, 4), "mb_per_s": round(size / median / 1e6, 1),
                    "min_s": round(min(times[side]), 4), "max_s": round(max(times[side]), 4),
                    "median_cpu_s": round(statistics.median(cpu[side]), 4)}
result["ratio_head_over_base"] = round(result["head"]["median_s"] / result["base"]["median_s"], 4)
result["cpu_ratio_head_over_base"] = round(
    result["head"]["median_cpu_s"] / result["base"]["median_cpu_s"], 4)
print(json.dumps(result, indent=1))
PY

lines=${AB_INSTRUCTION_LINES:-20000}
if ((lines > 0)) && command -v valgrind > /dev/null; then
  head -n "$lines" "$data" > "$work/first-$lines.jsonl"
  for side in base head; do
    binary=$base_bin
    [[ $side == head ]] && binary=$head_bin
    # valgrind cannot read the debug info of Swift release binaries.
    objcopy --strip-debug "$binary" "$work/constraint-$side"
  done
  for jobs in 1 2; do
    for side in base head; do
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$work/constraint-$side" check \
        "$root/Rules/billing.constraints.json" --data "$work/first-$lines.jsonl" --jobs "$jobs" \
        > /dev/null 2> "$work/callgrind-$side.txt" || true
      count=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/callgrind-$side.txt")
      [[ -n $count ]] || { echo "callgrind failed: $work/callgrind-$side.txt" >&2; exit 1; }
      echo "instructions --jobs $jobs $side $count"
    done
  done
fi
