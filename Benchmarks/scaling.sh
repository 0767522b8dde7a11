#!/usr/bin/env bash
# Measures how the end-to-end check scales with input size and with rule count.
# Usage: Benchmarks/scaling.sh [MAX_SIZE]   (default 1G; builds release first)
# Each figure is the best of 3 runs: on a shared machine the fastest run is the least disturbed.
set -euo pipefail
cd "$(dirname "$0")"
max=${1:-1G}
swift build -c release --product e2e-check >&2
swift build -c release --product gen-billing >&2
bin=$(swift build -c release --show-bin-path)

# best3 ARGS...: runs e2e-check 3 times, prints the JSON line of the fastest run.
best3() {
  for _ in 1 2 3; do "$bin/e2e-check" "$@"; done | python3 -c '
import json, sys
runs = [json.loads(line) for line in sys.stdin]
print(json.dumps(min(runs, key=lambda run: run["seconds"])))'
}
mkdir -p data
echo "| input | snapshots | seconds | MB/s | decode-only MB/s | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|"
for size in 1K 1M 10M 100M 1G; do
  file=data/billing-$size.jsonl
  [[ -s $file ]] || "$bin/gen-billing" "$size" "$file" 2>/dev/null
  full=$(best3 "$file")
  decode=$(best3 --decode-only "$file")
  python3 - "$size" "$full" "$decode" <<'PY'
import json, sys
full, decode = json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"| {sys.argv[1]} | {full['snapshots']} | {full['seconds']:.3f} | {full['mb_per_s']:.1f} | "
      f"{decode['mb_per_s']:.1f} | {full['peak_rss_kib'] / 1024:.0f} |")
PY
  [[ $size == "$max" ]] && break
done
echo
echo "| rules checked | MB/s (10M input) | µs per snapshot |"
echo "|---|---|---|"
for count in 0 1 3 5 10; do
  out=$(RULE_COUNT=$count best3 data/billing-10M.jsonl)
  python3 - "$count" "$out" <<'PY'
import json, sys
run = json.loads(sys.argv[2])
print(f"| {sys.argv[1]} | {run['mb_per_s']:.1f} | {run['seconds'] / run['snapshots'] * 1e6:.2f} |")
PY
done
