#!/usr/bin/env bash
# Runs ConstraintEngine's benchmarks and the same workloads on peer CEL engines, side by side,
# and prints a table with ratios. Usage: Benchmarks/compare.sh [--quick]
#   --quick   smaller inputs and shorter measurements (a smoke run, not for publishing)
# Environment: SNAPSHOTS (end-to-end snapshot count, default 1000000),
#              PEER_E2E_BYTES (bytes each peer checks end to end, default 8 MiB).
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
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

echo "== building (release)" >&2
swift build -c release --product e2e-check >&2
swift build -c release --product gen-billing >&2
swift build -c release --product constraint >&2
bin=$(swift build -c release --show-bin-path)

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

echo "== peers" >&2
peers/.venv/bin/python peers/run_peers.py --jsonl "$data" --e2e-bytes "$peer_bytes" \
  --budget "$budget" > results/peers.json

python3 table.py results
