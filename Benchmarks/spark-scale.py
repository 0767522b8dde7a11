"""The Spark integration's scaling figures (docs/SCALE.md), run by Benchmarks/spark-scale.sh.

One round measures, in this order, each in its own process:
  cli-file     constraint check RULES --data FILE --format jsonl (the binary's default --jobs,
               one per core), output to a file;
  cli-stdin    the command one Spark partition runs (--data - --jobs 1 --allow-empty) on the
               whole file;
  binary-start the same command on empty input (process start and rule compilation), the
               median of --start-runs runs;
  submit       spark-submit --master local[2] Integrations/spark/check.py end to end (JVM and
               session start, results written);
  session      a fresh local[2] session: its start, then the job as check.py runs it (line
               numbers, default partitions, results written, summary), then the same file split
               into each --partitions count (spark.sql.files.maxPartitionBytes, no shuffle, no
               line numbers), in an order that rotates every round.
Medians over the rounds, and a least-squares fit seconds = a + b * partitions over the sweep.
Every Spark run's counts must equal the CLI's summary, and the default job's result rows
(line, rule, outcome, message) must equal the CLI's; otherwise the script exits 1.
"""

import argparse
import collections
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

STARTED = time.monotonic()
HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(HERE, "..", "Integrations", "spark")
COUNTS = ("snapshots", "passed", "failed", "errors", "skipped", "deferred", "unreadable")


def parse(arguments):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--data", required=True, help="the JSON-lines file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first-round", type=int, default=1,
                        help="number of the first round (to run rounds in several sittings)")
    parser.add_argument("--partitions", default="2,8,32,128")
    parser.add_argument("--start-runs", type=int, default=20)
    parser.add_argument("--results", help="JSON lines, appended to (required)")
    parser.add_argument("--summarize", action="store_true",
                        help="only print the medians and the fit from --results")
    parser.add_argument("--session-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--round", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    return parser.parse_args(arguments)


def cli_counts(output_path):
    """The summary and the result rows of a `check --format jsonl` output file."""
    summary, rows = None, []
    with open(output_path, "rb") as handle:
        for line in handle:
            item = json.loads(line)
            if item["type"] == "summary":
                summary = item
            elif item["type"] == "result":
                rows.append((item["snapshot"]["line"], item["rule"], item["outcome"],
                             item.get("message")))
    if summary is None:
        raise SystemExit(f"spark-scale: no summary line in {output_path}")
    return summary, rows


def timed(arguments, **options):
    start = time.monotonic()
    done = subprocess.run(arguments, **options)
    return time.monotonic() - start, done


def run_session(options):
    """The child process: one fresh local[2] session, the default job, the partition sweep."""
    sys.path.insert(0, INTEGRATION)
    from pyspark.sql import SparkSession

    from constraint_spark import job

    spark = SparkSession.builder.master("local[2]").appName("spark-scale").getOrCreate()
    session_seconds = time.monotonic() - STARTED
    records = [{"what": "session-start", "seconds": session_seconds}]
    size = os.path.getsize(options.data)

    def one(what, line_numbers, partitions=None):
        out = os.path.join(options.scratch, what)
        start = time.monotonic()
        run = job.check_path(spark, options.data, [options.rules], options.binary,
                             line_numbers=line_numbers)
        run.results.write.mode("overwrite").json(out)
        summary = run.summary()
        seconds = time.monotonic() - start
        record = {"what": what, "seconds": seconds, "summary": summary}
        if partitions is not None:
            record["requested"] = partitions
        if what == "job":
            record["rows"] = [
                [row["line"], row["rule"], row["outcome"], row["message"]]
                for row in run.results.select("line", "rule", "outcome", "message").collect()]
        run.close()
        shutil.rmtree(out, ignore_errors=True)
        records.append(record)

    one("job", line_numbers=True)
    counts = [int(n) for n in options.partitions.split(",")]
    shift = (options.round - 1) % len(counts)
    for partitions in counts[shift:] + counts[:shift]:
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(math.ceil(size / partitions)))
        one(f"partitions-{partitions}", line_numbers=False, partitions=partitions)
    spark.stop()
    print(json.dumps(records))


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def run_round(options, number, scratch, append):
    """One round; returns the CLI's summary and rows (for the checks)."""
    base = {"round": number}
    cli_out = os.path.join(scratch, "cli.jsonl")
    with open(cli_out, "wb") as sink:
        seconds, done = timed([options.binary, "check", options.rules, "--data", options.data,
                               "--format", "jsonl"], stdout=sink)
    if done.returncode not in (0, 1):
        raise SystemExit(f"spark-scale: constraint check exited {done.returncode}")
    summary, rows = cli_counts(cli_out)
    append({**base, "what": "cli-file", "seconds": seconds, "load": load_average()})

    partition_command = [options.binary, "check", options.rules, "--data", "-", "--format",
                         "jsonl", "--allow-empty", "--jobs", "1"]
    with open(options.data, "rb") as source, open(cli_out, "wb") as sink:
        seconds, done = timed(partition_command, stdin=source, stdout=sink)
    stdin_summary, _ = cli_counts(cli_out)
    check_counts("cli-stdin", stdin_summary, summary)
    append({**base, "what": "cli-stdin", "seconds": seconds})

    starts = []
    for _ in range(options.start_runs):
        seconds, done = timed(partition_command, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SystemExit(f"spark-scale: empty input exited {done.returncode}")
        starts.append(seconds)
    append({**base, "what": "binary-start", "seconds": statistics.median(starts)})

    submit = os.path.join(os.path.dirname(sys.executable), "spark-submit")
    out = os.path.join(scratch, "submit-out")
    shutil.rmtree(out, ignore_errors=True)
    seconds, done = timed(
        [submit, "--master", "local[2]", os.path.join(INTEGRATION, "check.py"),
         "--rules", options.rules, "--data", options.data, "--out", out,
         "--binary", options.binary],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=scratch)
    if done.returncode != summary["exit_status"]:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"spark-scale: spark-submit exited {done.returncode}, "
                         f"constraint check {summary['exit_status']}")
    check_counts("submit", json.loads(done.stdout.strip().splitlines()[-1]), summary)
    shutil.rmtree(out, ignore_errors=True)
    append({**base, "what": "submit", "seconds": seconds})

    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--session-child", "--round", str(number),
         "--scratch", scratch, "--binary", options.binary, "--rules", options.rules,
         "--data", options.data, "--partitions", options.partitions],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"spark-scale: the session run exited {done.returncode}")
    for record in json.loads(done.stdout.strip().splitlines()[-1]):
        if "summary" in record:
            check_counts(record["what"], record.pop("summary"), summary, record)
        if "rows" in record:
            spark_rows = sorted(tuple(row) for row in record.pop("rows"))
            if spark_rows != sorted(rows):
                raise SystemExit(f"spark-scale: round {number}: the job's result rows differ "
                                 f"from constraint check's ({len(spark_rows)} against "
                                 f"{len(rows)})")
            record["result_rows"] = len(spark_rows)
        append({**base, **record})
    append({**base, "what": "load-after", "load": load_average()})


def check_counts(what, spark_summary, summary, record=None):
    mismatched = [name for name in COUNTS if spark_summary[name] != summary[name]]
    if mismatched or spark_summary["exit_status"] != summary["exit_status"]:
        raise SystemExit(f"spark-scale: {what}: counts differ from constraint check's: "
                         f"{spark_summary} against {summary}")
    if record is not None and "partitions" in spark_summary:
        record["partitions"] = spark_summary["partitions"]


def summarize(options):
    with open(options.results) as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    size = os.path.getsize(options.data)
    snapshots = next(r["snapshots"] for r in records if r["what"] == "verified")
    by_what = collections.defaultdict(list)
    for record in records:
        if "seconds" in record:
            by_what[record["what"]].append(record)
    rounds = sorted({r["round"] for r in records})
    print(f"{len(rounds)} rounds; {size / 1e6:.1f} MB, {snapshots} snapshots; load averages "
          + ", ".join(f"{r['load']}" for r in records if "load" in r))
    print()
    print("| run | median s | MB/s | snapshots/s | runs (s) |")
    print("|---|---|---|---|---|")
    order = ["cli-file", "cli-stdin", "submit", "session-start", "job"]
    sweep = sorted((w for w in by_what if w.startswith("partitions-")),
                   key=lambda w: int(w.split("-")[1]))
    for what in order + sweep + ["binary-start"]:
        runs = [r["seconds"] for r in by_what.get(what, [])]
        if not runs:
            continue
        median = statistics.median(runs)
        rates = ["", ""]
        if what not in ("binary-start", "session-start"):
            rates = [f"{size / 1e6 / median:.1f}", f"{snapshots / median:,.0f}"]
        label = what
        if what.startswith("partitions-"):
            label += f" ({by_what[what][0].get('partitions')} partitions)"
        print(f"| {label} | {median:.3f} | {rates[0]} | {rates[1]} | "
              + ", ".join(f"{s:.3f}" for s in runs) + " |")
    points = []
    for what, group in by_what.items():
        if what.startswith("partitions-"):
            points.append((group[0]["partitions"], statistics.median(r["seconds"] for r in group)))
    if len(points) >= 2:
        mean_x = statistics.fmean(x for x, _ in points)
        mean_y = statistics.fmean(y for _, y in points)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum(
            (x - mean_x) ** 2 for x, _ in points)
        intercept = mean_y - slope * mean_x
        print()
        print(f"fit over {len(points)} partition counts: seconds = {intercept:.3f} + "
              f"{slope * 1000:.2f} ms * partitions")


def main(arguments):
    options = parse(arguments)
    if options.session_child:
        run_session(options)
        return 0
    if not options.results:
        raise SystemExit("spark-scale: --results is required")
    if options.summarize:
        summarize(options)
        return 0
    options.binary = os.path.abspath(options.binary)
    options.rules = os.path.abspath(options.rules)
    options.data = os.path.abspath(options.data)
    results = open(options.results, "a")

    def append(record):
        results.write(json.dumps(record) + "\n")
        results.flush()
        print(json.dumps(record), file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="spark-scale-") as scratch:
        for number in range(options.first_round, options.first_round + options.rounds):
            run_round(options, number, scratch, append)
        summary, _ = cli_counts(os.path.join(scratch, "cli.jsonl"))
        append({"round": number, "what": "verified", "snapshots": summary["snapshots"],
                **{name: summary[name] for name in COUNTS}})
    results.close()
    summarize(options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
