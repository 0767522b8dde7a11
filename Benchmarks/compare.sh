#!/usr/bin/env bash
# Runs ConstraintEngine's benchmarks and the same workloads on peer CEL engines, side by side,
# and prints a table with ratios. Usage: Benchmarks/compare.sh [--quick | --lean]
#   --quick   smaller inputs and shorter measurements (a smoke run, not for publishing)
#   --lean    only the lean workload (below)
# Environment: SNAPSHOTS (end-to-end snapshot count, default 1000000),
#              PEER_E2E_BYTES (bytes each peer checks end to end, default 8 MiB),
#              LEAN_SNAPSHOTS (lean workload snapshots, default 1000000), LEAN_RUNS (runs of
#              each lean pipeline, alternated, default 3), CONSTRAINT_BIN_DIR (use the
#              `constraint` in this directory instead of building one).
#
# The lean workload (issue 21): one four-clause bigint_gte rule over flat snapshots of seven
# digit-string fields (peers/lean.py generates them into data/, never committed).
# `constraint check` and `constraint eval` (each projected, the default, and with
# --no-projection) against the Python pipeline of orjson and CEL in Rust (compile once, int()
# the fields, evaluate per line), run in turn LEAN_RUNS times; the medians and their ratios.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
quick=0
lean_only=0
[[ "${1:-}" == "--quick" ]] && quick=1
[[ "${1:-}" == "--lean" ]] && lean_only=1
snapshots=${SNAPSHOTS:-1000000}
peer_bytes=${PEER_E2E_BYTES:-$((8 << 20))}
budget=2
if ((quick)); then snapshots=${SNAPSHOTS:-20000}; peer_bytes=$((1 << 20)); budget=0.5; fi
mkdir -p data results

# System packages: PCRE2 for the engine; python3-venv for the peers; time for peak RSS.
# (package-benchmark 1.38.1 interposes malloc itself: libjemalloc-dev is not needed.)
need=()
pkg-config --exists libpcre2-8 2>/dev/null || need+=(libpcre2-dev pkg-config)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  if [[ $(id -u) == 0 ]]; then SUDO=""; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}"
fi

# Peers, from PyPI, into a git-ignored venv.
if [[ ! -x peers/.venv/bin/python ]]; then python3 -m venv peers/.venv; fi
peers/.venv/bin/pip install -q -r peers/requirements.txt

if [[ -n "${CONSTRAINT_BIN_DIR:-}" ]]; then
  # A release build made elsewhere (the repository's own .build/release), for --lean.
  bin=$CONSTRAINT_BIN_DIR
else
  echo "== building (release)" >&2
  swift build -c release --product constraint >&2
  bin=$(swift build -c release --show-bin-path)
fi

lean() {
  local count=${LEAN_SNAPSHOTS:-1000000} runs=${LEAN_RUNS:-3}
  ((quick)) && count=${LEAN_SNAPSHOTS:-50000}
  local data=data/lean-${count}.jsonl rules=data/lean.constraints.json
  [[ -s $data && -s $rules ]] || peers/.venv/bin/python peers/lean.py generate "$count" "$data" "$rules"
  local expression
  expression=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["constraints"][0]["expression"])' "$rules")
  echo "== lean workload: $count snapshots, $(stat -c %s "$data") bytes, $runs runs each" >&2
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  : > results/lean-runs.txt
  local run
  for ((run = 1; run <= runs; run++)); do
    for pipeline in check check-full eval eval-full peer; do
      local start end
      start=$(date +%s.%N)
      case $pipeline in
        check) "$bin/constraint" check "$rules" --data "$data" --no-explain > /dev/null || true ;;
        check-full) "$bin/constraint" check "$rules" --data "$data" --no-explain --no-projection \
          > /dev/null || true ;;
        eval) "$bin/constraint" eval "$expression" --data "$data" --no-explain > /dev/null || true ;;
        eval-full) "$bin/constraint" eval "$expression" --data "$data" --no-explain \
          --no-projection > /dev/null || true ;;
        peer) peers/.venv/bin/python peers/lean.py peer "$data" > /dev/null ;;
      esac
      end=$(date +%s.%N)
      echo "$pipeline $start $end" >> results/lean-runs.txt
    done
  done
  python3 - "$data" results/lean-runs.txt <<'PY' | tee results/lean.txt
import os, statistics, sys
size = os.path.getsize(sys.argv[1])
seconds = {}
for line in open(sys.argv[2]):
    name, start, end = line.split()
    seconds.setdefault(name, []).append(float(end) - float(start))
median = {name: statistics.median(values) for name, values in seconds.items()}
rate = {name: size / value / 1e6 for name, value in median.items()}
print(f"lean workload, {size} bytes, medians of {len(seconds['peer'])} runs each (MB/s):")
for name in ["check", "check-full", "eval", "eval-full", "peer"]:
    ratio = rate[name] / rate["peer"]
    print(f"  {name:<11} {rate[name]:8.1f} MB/s  {median[name]:7.2f} s  {ratio:5.1f}x the peer")
print(f"  projection gain: check {median['check-full'] / median['check']:.2f}x, "
      f"eval {median['eval-full'] / median['eval']:.2f}x")
PY
}

if ((lean_only)); then
  lean
  exit 0
fi

swift build -c release --product e2e-check >&2
swift build -c release --product gen-billing >&2

data=data/billing-${snapshots}.jsonl
[[ -s $data ]] || "$bin/gen-billing" "${snapshots}L" "$data"

echo "== ours: swift package benchmark" >&2
swift package --allow-writing-to-package-directory benchmark --no-progress \
  > results/ours-benchmark.txt

echo "== ours: end to end over $data" >&2
/usr/bin/time -f '%M' -o results/ours-e2e.rss "$bin/e2e-check" "$data" > results/ours-e2e.json
# The shipped CLI: `constraint check` with the billing rule file (exit 1: some snapshots fail).
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o results/ours-eval.rss "$bin/constraint" check \
  ../Rules/billing.constraints.json --data "$data" --no-explain > results/ours-check.txt || true
end=$(date +%s.%N)
python3 - "$data" "$start" "$end" results/ours-eval.rss > results/ours-eval.json <<'PY'
import json, os, sys
size = os.path.getsize(sys.argv[1])
seconds = float(sys.argv[3]) - float(sys.argv[2])
rss = int(open(sys.argv[4]).read().split()[-1])
print(json.dumps({"bytes": size, "seconds": seconds, "mb_per_s": size / seconds / 1e6,
                  "peak_rss_kib": rss}))
PY

# Decoding alone on one core (issue 21's target): in full, building every value, and as a check
# of the billing rules reads a line before deciding it (validated, the rules' fields located,
# no value built).
"$bin/e2e-check" --decode-only "$data" > results/ours-decode.json
"$bin/e2e-check" --slot-decode-only "$data" > results/ours-slot-decode.json

echo "== peers" >&2
peers/.venv/bin/python peers/run_peers.py --jsonl "$data" --e2e-bytes "$peer_bytes" \
  --budget "$budget" > results/peers.json

lean

python3 table.py results
