"""Prints the side-by-side table from compare.sh's results directory."""

import json
import re
import sys
from pathlib import Path

UNITS = {"ns": 1.0, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
SCALE = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def parse_benchmark_text(text):
    """{benchmark name: {"median_ns": …, "mallocs": …}} from package-benchmark's text output."""
    results = {}
    name = None
    for line in text.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        frame = ("│", "╒", "╞", "├", "╘", "=", " ")
        if line and not line.startswith(frame) and "│" not in line:
            name = line.strip()
            continue
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if name is None or len(cells) < 4:
            continue
        metric, p50 = cells[0], cells[3]
        if not re.fullmatch(r"-?[0-9.]+", p50):
            continue
        entry = results.setdefault(name, {})
        if metric.startswith("Time (wall clock)"):
            unit = re.search(r"\((ns|μs|us|ms|s)\)", metric).group(1)
            entry["median_ns"] = float(p50) * UNITS[unit]
        elif metric.startswith("Malloc (total)"):
            scale = re.search(r"\((K|M|G)\)", metric)
            entry["mallocs"] = float(p50) * SCALE[scale.group(1) if scale else ""]
    return results


def show_time(nanoseconds):
    if nanoseconds is None:
        return "—"
    if nanoseconds < 1e3:
        return f"{nanoseconds:.0f} ns"
    if nanoseconds < 1e6:
        return f"{nanoseconds / 1e3:.1f} µs"
    return f"{nanoseconds / 1e6:.1f} ms"


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def main():
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "results")
    ours = parse_benchmark_text((directory / "ours-benchmark.txt").read_text())
    peers = json.loads((directory / "peers.json").read_text())
    e2e = json.loads((directory / "ours-e2e.json").read_text())
    eval_run = json.loads((directory / "ours-eval.json").read_text())
    engines = list(peers["engines"])
    short = {name: name.split(" ")[0] for name in engines}
    header = ["workload (median)", "ConstraintEngine", "allocs"]
    for name in engines:
        header += [short[name], "×"]
    rows = []
    workloads = [
        "evaluate: scalar rule",
        "evaluate: four-conjunction billing rule",
        "evaluate: .every over 100 objects",
        "evaluate: matches(s, '^INV-[0-9]{6}$')",
        "compile: typical rule (lex+parse+check+compile)",
        "compile: four-conjunction billing rule",
        "check: billing rule set (10 rules), one decoded snapshot",
        "guard: check all seven invariants, one decoded snapshot",
    ]
    for workload in workloads:
        mine = ours.get(workload, {})
        row = [workload, show_time(mine.get("median_ns")),
               f"{mine['mallocs']:.0f}" if "mallocs" in mine else "—"]
        for name in engines:
            theirs = peers["engines"][name].get(workload)
            row.append(show_time(theirs))
            if theirs and mine.get("median_ns"):
                row.append(f"{theirs / mine['median_ns']:.1f}×")
            else:
                row.append("—")
        rows.append(row)
    decode = ours.get("decode: billing JSONL, 1 MiB per iteration", {})
    decode_rate = (1 << 20) / (decode["median_ns"] / 1e9) / 1e6 if "median_ns" in decode else None
    row = ["decode: JSONL, MB/s (peers: json.loads)",
           f"{decode_rate:.0f}" if decode_rate else "—", "—"]
    for name in engines:
        theirs = peers["decode: json.loads, MB/s"]
        row += [f"{theirs:.0f}", f"{decode_rate / theirs:.1f}×" if decode_rate else "—"]
    rows.append(row)
    row = ["e2e: read+decode+10 billing rules, MB/s", f"{e2e['mb_per_s']:.1f}", "—"]
    for name in engines:
        theirs = peers["engines"][name]["e2e: read + json.loads + 10 rules, MB/s"]
        row += [f"{theirs:.2f}", f"{e2e['mb_per_s'] / theirs:.1f}×"]
    rows.append(row)
    row = ["e2e: `constraint check` (2 jobs), MB/s", f"{eval_run['mb_per_s']:.1f}", "—"]
    for name in engines:
        theirs = peers["engines"][name]["e2e: read + json.loads + 10 rules, MB/s"]
        row += [f"{theirs:.2f}", f"{eval_run['mb_per_s'] / theirs:.1f}×"]
    rows.append(row)
    print_table(header, rows)
    print()
    # The same evaluations with the fast path turned off (`usesFastPath: false`).
    general = []
    for workload in workloads[:4]:
        name = workload.replace("evaluate: ", "")
        fast = ours.get(workload, {}).get("median_ns")
        slow = ours.get("evaluate (general path only): " + name, {}).get("median_ns")
        if fast and slow:
            general.append([name, show_time(fast), show_time(slow), f"{slow / fast:.1f}×"])
    if general:
        print_table(["evaluate (median)", "fast path", "general path only", "×"], general)
        print()
    print("× = peer time / ours (or our MB/s / peer MB/s): "
          "above 1 means ConstraintEngine is faster.")
    print(f"ours end to end (e2e-check, all 10 billing rules): {e2e['snapshots']} snapshots, "
          f"{e2e['bytes'] / 1e6:.0f} MB, {e2e['seconds']:.1f} s, {e2e['mb_per_s']:.1f} MB/s, "
          f"peak RSS {e2e['peak_rss_kib'] / 1024:.0f} MiB, {e2e['failing_snapshots']} failing")
    print(f"ours `constraint check Rules/billing.constraints.json --no-explain` over the same "
          f"file: {eval_run['mb_per_s']:.1f} MB/s, "
          f"peak RSS {eval_run['peak_rss_kib'] / 1024:.0f} MiB")
    decode, slot_decode = directory / "ours-decode.json", directory / "ours-slot-decode.json"
    if decode.exists() and slot_decode.exists():
        full, slots = json.loads(decode.read_text()), json.loads(slot_decode.read_text())
        print(f"ours decoding the same file on one core: in full (every value built) "
              f"{full['mb_per_s']:.1f} MB/s; for the billing rules (validated, their fields "
              f"located, as `check` reads a line before deciding it) {slots['mb_per_s']:.1f} MB/s, "
              f"{slots['unreadable']} lines left to the value path")
    for name in engines:
        result = peers["engines"][name]
        print(f"{name}: end to end over the first {result['_e2e_snapshots']} snapshots, "
              f"{result['_e2e_failing']} failing")


if __name__ == "__main__":
    main()
