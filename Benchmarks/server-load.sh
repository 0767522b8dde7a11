#!/usr/bin/env bash
# Load benchmark of constraint-server on loopback, side by side with a trivial Hummingbird
# endpoint that answers a constant (hb-constant: the HTTP stack's own limit), in one run, on
# release builds. wrk (Debian's package) is the load generator; every run is bounded in time.
#
#   1. maximum rate: wrk with CONNECTIONS connections, 1 thread, DURATION seconds, against the
#      constant endpoint and POST /v1/check with the billing snapshot, alternating, ROUNDS
#      times (the median round is reported);
#   2. half of the maximum check rate, paced (see "pacing" below): latency percentiles;
#   3. the maximum rate again while the rule file is rewritten every second (two versions of
#      the rules, alternating): every response's decision must name the rule-set version
#      of its header, both versions must be seen, and no request may fail.
#
# pacing: Debian has wrk, not wrk2. The paced run gives each connection a fixed pause before
# each request (wrk's delay()), with enough connections for the target rate:
# rate ≈ connections / (pause + latency). Latency is measured per request from its write to
# its response, as wrk does; requests do not queue behind a fixed schedule, so a stall delays
# the following requests instead of showing in their latency (no coordinated-omission
# correction). At half load the server is idle between requests, which keeps that effect
# small; the achieved rate is printed with the percentiles.
#
# --realtime runs both servers and wrk under SCHED_RR (chrt, needs root or CAP_SYS_NICE), so
# that other jobs on a shared machine cannot preempt them: it approximates a quiet machine
# while the machine is busy, at the other jobs' expense for the ~90 s of the run. The kernel
# caps real-time tasks at 95 % of each second (sched_rt_runtime_us), so the maximum-rate runs
# lose up to 5 % and their p99 shows the 50 ms pauses; the paced run stays below the cap.
#
# Ends with one verdict line per goal of issue 20 (MET or NOT MET; the p99 goal is NOT
# MEASURED when the paced run reaches less than 90 % of its target rate).
#
# Usage: Benchmarks/server-load.sh [--quick] [--realtime]
# Environment: DURATION (seconds per run, default 8; --quick 3), CONNECTIONS (default 32),
#              ROUNDS (default 3; --quick 1). Results: Benchmarks/results/server-load.json.
set -euo pipefail
cd "$(dirname "$0")"
quick=0
realtime=0
for argument in "$@"; do
  case $argument in
    --quick) quick=1 ;;
    --realtime) realtime=1 ;;
    *)
      echo "usage: server-load.sh [--quick] [--realtime]" >&2
      exit 2
      ;;
  esac
done
duration=${DURATION:-8}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-32}
if ((quick)); then duration=${DURATION:-3}; rounds=${ROUNDS:-1}; fi
# The prefix of every server and wrk command: nothing, or SCHED_RR priority 10.
priority=()
if ((realtime)); then
  priority=(chrt --rr 10)
  chrt --rr 10 true || { echo "server-load: --realtime: chrt failed (root needed)" >&2; exit 2; }
fi
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p results

if ! command -v wrk > /dev/null; then
  echo "installing wrk" >&2
  if [[ $(id -u) == 0 ]]; then SUDO=""; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk
fi

echo "== building (release)" >&2
swift build -c release --product constraint-server >&2
swift build -c release --product hb-constant >&2
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/rules"
cp ../Rules/*.constraints.json "$work/rules/"
rules_a="$work/billing-a.json"
rules_b="$work/billing-b.json"
cp ../Rules/billing.constraints.json "$rules_a"
# Version B: the same rules with another message (a new version, the same decisions).
sed 's/"spent must never exceed the budget limit"/"spent never exceeds the budget limit"/' \
  ../Rules/billing.constraints.json > "$rules_b"
cmp -s "$rules_a" "$rules_b" && { echo "server-load: version B equals A" >&2; exit 1; }
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), separators=(",", ":")))' \
  ../Examples/snapshots/ok-commit.json > "$work/snapshot.json"

# start NAME COMMAND...: runs a server in the background, waits for its `port=N`, sets PORT.
start() {
  local name=$1
  shift
  "${priority[@]}" "$@" > /dev/null 2> "$work/$name.log" &
  pids+=($!)
  PORT=
  for _ in $(seq 1 200); do
    PORT=$(sed -n 's/.*listening.*port=\([0-9]*\).*/\1/p' "$work/$name.log" 2> /dev/null \
      | head -n 1 || true)
    [[ -n $PORT ]] && return
    sleep 0.05
  done
  cat "$work/$name.log" >&2
  echo "server-load: $name did not start" >&2
  exit 1
}
# Reload checks every 0.5 s, so each rewrite of the rule file is picked up.
start server "$bin/constraint-server" --rules "$work/rules" --port 0 --log-level notice \
  --retry-interval 0.5
check_port=$PORT
server_pid=${pids[-1]}
start constant "$bin/hb-constant" 0
constant_port=$PORT
constant_pid=${pids[-1]}
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$work/snapshot.json" \
  "http://127.0.0.1:$check_port/v1/check" || { echo "server-load: the snapshot does not pass" >&2; exit 1; }

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load NAME PORT PATH SECONDS CONNECTIONS [ENV...]: one wrk run; prints its JSON with the
# server's CPU time per request (from /proc, the server behind PORT).
load() {
  local name=$1 port=$2 path=$3 seconds=$4 conns=$5
  shift 5
  local pid=$server_pid
  [[ $port == "$constant_port" ]] && pid=$constant_pid
  local before after
  before=$(cpu_ticks "$pid")
  env WRK_BODY="$work/snapshot.json" "$@" "${priority[@]}" wrk -t1 -c"$conns" -d"${seconds}s" \
    --timeout 5s -s wrk/post.lua "http://127.0.0.1:$port$path" > "$work/wrk.out"
  after=$(cpu_ticks "$pid")
  local json
  json=$(tail -n 1 "$work/wrk.out")
  echo "{\"run\":\"$name\",\"connections\":$conns,\"server_cpu_s\":$(python3 -c \
    "print(($after - $before) / $(getconf CLK_TCK))"),\"result\":$json}"
}

echo "== warm-up" >&2
load warmup "$constant_port" /constant 2 "$connections" > /dev/null
load warmup "$check_port" /v1/check 2 "$connections" > /dev/null

results="$work/results.jsonl"
: > "$results"
echo "== maximum rate: $rounds rounds of ${duration}s each, $connections connections" >&2
for round in $(seq 1 "$rounds"); do
  load "constant-max-$round" "$constant_port" /constant "$duration" "$connections" >> "$results"
  load "check-max-$round" "$check_port" /v1/check "$duration" "$connections" >> "$results"
done

# Half of the median maximum check rate, paced at 2 ms per connection.
half=$(python3 - "$results" << 'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
rates = [r["result"]["requests"] / (r["result"]["duration_us"] / 1e6)
         for r in runs if r["run"].startswith("check-max")]
print(int(statistics.median(rates) / 2))
PY
)
pause_ms=2
# Connections for the target: 2 s calibration runs, starting at connections = rate × pause,
# each scaling the count by target / achieved (each connection waits pause + latency per
# request), until a run is within 5 % of the target (at most three runs).
paced_connections=$(( (half * pause_ms + 999) / 1000 ))
((paced_connections < 1)) && paced_connections=1
for _ in 1 2 3; do
  calibration=$(load calibrate "$check_port" /v1/check 2 "$paced_connections" \
    WRK_DELAY_MS=$pause_ms)
  read -r close_enough paced_connections < <(python3 - "$calibration" "$half" \
    "$paced_connections" << 'PY'
import json, math, sys
run, target, connections = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
achieved = run["result"]["requests"] / (run["result"]["duration_us"] / 1e6)
close = abs(achieved - target) <= 0.05 * target
scaled = max(1, math.ceil(connections * target / max(achieved, 1)))
print(int(close), connections if close else scaled)
PY
  )
  ((close_enough)) && break
done
echo "== half rate: target $half/s ($paced_connections connections, ${pause_ms} ms pause)" >&2
load "check-half" "$check_port" /v1/check "$duration" "$paced_connections" \
  WRK_DELAY_MS=$pause_ms >> "$results"
load "constant-half" "$constant_port" /constant "$duration" "$paced_connections" \
  WRK_DELAY_MS=$pause_ms >> "$results"

echo "== maximum rate while the rule file is rewritten every second" >&2
(
  flip=0
  while true; do
    if ((flip)); then src=$rules_a; else src=$rules_b; fi
    cp "$src" "$work/rules/.billing.tmp" && mv "$work/rules/.billing.tmp" \
      "$work/rules/billing.constraints.json"
    flip=$((1 - flip))
    sleep 1
  done
) &
rewriter=$!
pids+=("$rewriter")
load "check-reload" "$check_port" /v1/check "$((duration + 2))" "$connections" \
  WRK_TRACK=1 >> "$results"
kill "$rewriter" 2> /dev/null || true
reloads=$(grep -c rules_reloaded "$work/server.log" || true)

python3 - "$results" "$reloads" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$half" \
  "$load_at_start" "$realtime" > results/server-load.json << 'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def rate(r): return r["result"]["requests"] / (r["result"]["duration_us"] / 1e6)
def errors(r): return sum(r["result"]["errors"].values())
def cpu_us(r): return r["server_cpu_s"] / r["result"]["requests"] * 1e6
def median_run(prefix):
    chosen = sorted((r for r in runs if r["run"].startswith(prefix)), key=rate)
    return chosen[len(chosen) // 2]
constant, check = median_run("constant-max"), median_run("check-max")
half, constant_half = median_run("check-half"), median_run("constant-half")
reload = median_run("check-reload")
versions = reload["result"].get("versions") or {}
summary = {
    "cores": int(sys.argv[3]), "load_average_at_start": sys.argv[6],
    "load_average_at_end": sys.argv[4], "realtime_priority": sys.argv[7] == "1",
    "constant_max_rps": round(rate(constant)), "check_max_rps": round(rate(check)),
    "check_over_constant": round(rate(check) / rate(constant), 3),
    "constant_cpu_us_per_request": round(cpu_us(constant), 1),
    "check_cpu_us_per_request": round(cpu_us(check), 1),
    "check_max_p50_ms": check["result"]["p50_us"] / 1000,
    "check_max_p99_ms": check["result"]["p99_us"] / 1000,
    "constant_max_p50_ms": constant["result"]["p50_us"] / 1000,
    "constant_max_p99_ms": constant["result"]["p99_us"] / 1000,
    "half_rate_achieved_rps": round(rate(half)),
    "half_rate_p50_ms": half["result"]["p50_us"] / 1000,
    "half_rate_p90_ms": half["result"]["p90_us"] / 1000,
    "half_rate_p99_ms": half["result"]["p99_us"] / 1000,
    "half_rate_target_rps": int(sys.argv[5]),
    "constant_half_rate_achieved_rps": round(rate(constant_half)),
    "constant_half_rate_p50_ms": constant_half["result"]["p50_us"] / 1000,
    "constant_half_rate_p99_ms": constant_half["result"]["p99_us"] / 1000,
    "reload_rps": round(rate(reload)),
    "reload_p50_ms": reload["result"]["p50_us"] / 1000,
    "reload_p99_ms": reload["result"]["p99_us"] / 1000,
    "reload_versions": reload["result"].get("versions"),
    "reload_version_mismatches": reload["result"].get("version_mismatches"),
    "reload_unparsed": reload["result"].get("unparsed"),
    "rules_reloaded_log_lines": int(sys.argv[2]),
    "errors": {r["run"]: errors(r) for r in runs},
    "runs": runs,
}
# Issue 20's goals, each MET or NOT MET (the p99 goal NOT MEASURED below 90 % of its rate).
half_reached = rate(half) >= 0.9 * int(sys.argv[5])
versions_seen = {key.split(":")[0] for key in versions}
summary["verdicts"] = {
    "throughput": "MET" if summary["check_over_constant"] >= 0.70 else "NOT MET",
    "p99_at_half_rate": ("MET" if summary["half_rate_p99_ms"] <= 2.0 else "NOT MET")
    if half_reached else "NOT MEASURED",
    "errors": "MET" if sum(summary["errors"].values()) == 0 else "NOT MET",
    "reload_one_rule_set": "MET"
    if summary["reload_version_mismatches"] == 0 and summary["reload_unparsed"] == 0
    and len(versions_seen) >= 2 and all(key.endswith(":200") for key in versions)
    else "NOT MET",
}
print(json.dumps(summary, indent=2))
PY

python3 - results/server-load.json << 'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"cores {s['cores']}, load average at the start {s['load_average_at_start']}, at the end "
      f"{s['load_average_at_end']}" + (", servers and wrk under SCHED_RR (--realtime)"
                                       if s["realtime_priority"] else ""))
print("| run | checks/s | p50 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|")
def row(name, rps, p50, p99, errors): print(f"| {name} | {rps} | {p50:.3f} | {p99:.3f} | {errors} |")
e = s["errors"]
row("constant endpoint, max", s["constant_max_rps"], s["constant_max_p50_ms"], s["constant_max_p99_ms"],
    sum(v for k, v in e.items() if k.startswith("constant-max")))
row("POST /v1/check, max", s["check_max_rps"], s["check_max_p50_ms"], s["check_max_p99_ms"],
    sum(v for k, v in e.items() if k.startswith("check-max")))
row(f"POST /v1/check, half rate (paced, target {s['half_rate_target_rps']}/s)",
    s["half_rate_achieved_rps"], s["half_rate_p50_ms"], s["half_rate_p99_ms"], e.get("check-half", 0))
row("constant endpoint, same pacing", s["constant_half_rate_achieved_rps"],
    s["constant_half_rate_p50_ms"], s["constant_half_rate_p99_ms"], e.get("constant-half", 0))
row("POST /v1/check, max, rules rewritten every 1 s", s["reload_rps"], s["reload_p50_ms"], s["reload_p99_ms"],
    e.get("check-reload", 0))
print(f"check / constant throughput: {s['check_over_constant']:.1%}; server CPU per request: "
      f"{s['check_cpu_us_per_request']} µs (check) vs {s['constant_cpu_us_per_request']} µs (constant)")
print(f"reload run: versions {s['reload_versions']}, mismatches {s['reload_version_mismatches']}, "
      f"unparsed {s['reload_unparsed']}, rules_reloaded lines {s['rules_reloaded_log_lines']}")
v = s["verdicts"]
print(f"goal: check throughput >= 70 % of the constant endpoint: {v['throughput']} "
      f"({s['check_over_constant']:.1%})")
print(f"goal: p99 <= 2 ms at half the maximum check rate: {v['p99_at_half_rate']} "
      f"({s['half_rate_p99_ms']:.3f} ms at {s['half_rate_achieved_rps']} of "
      f"{s['half_rate_target_rps']}/s; constant endpoint, same pacing: "
      f"{s['constant_half_rate_p99_ms']:.3f} ms)")
print(f"goal: 0 errors in every run: {v['errors']} ({sum(s['errors'].values())} errors)")
print(f"goal: 0 mismatches while the rules are rewritten: {v['reload_one_rule_set']} "
      f"({s['reload_version_mismatches']} mismatches, {s['reload_unparsed']} unparsed, "
      f"{len({k.split(':')[0] for k in (s['reload_versions'] or {})})} versions seen)")
PY
