"""spark-submit Integrations/spark/check.py --rules Rules/ --data PATH --out PATH

Checks the snapshots at PATH (JSON lines, or Parquet) against the rule files with the
`constraint` binary on every partition, writes the results as JSON lines under --out (a Spark
output directory), prints the summary as one JSON line, and exits as `constraint check` does:
0 when nothing that counts failed, 1 when a rule failed or errored, 2 when a line could not be
read or nothing was read at all. A partition whose binary failed (exit 2 for anything but an
unreadable line, a crash, output cut short) fails the Spark job; this script then prints Spark's
error, prints no summary and exits 2, as it does when the binary or the rules are not found:
never 1, which would read as "violations found" with their results written.
"""

import argparse
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from constraint_spark import job  # noqa: E402


def parse(arguments):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", action="append", required=True,
                        help="rule file or directory (repeatable)")
    parser.add_argument("--data", required=True, help="JSON lines file/directory, or Parquet")
    parser.add_argument("--out", required=True, help="output directory for result JSON lines")
    parser.add_argument("--binary", default=os.environ.get("CONSTRAINT_BINARY", "constraint"),
                        help="the constraint binary (default $CONSTRAINT_BINARY or PATH)")
    parser.add_argument("--format", choices=["jsonl", "parquet"], default=None,
                        help="input format (default: parquet for *.parquet, else jsonl)")
    parser.add_argument("--key-field", help="snapshot field naming each snapshot (a.b.c)")
    parser.add_argument("--no-explain", action="store_true", help="leave explanations out")
    parser.add_argument("--flag", action="append", default=[], help="feature flag (repeatable)")
    parser.add_argument("--now", help="evaluation time for now() (ISO 8601)")
    parser.add_argument("--partitions", type=int, help="repartition the input to N partitions")
    parser.add_argument("--previous-by", metavar="FIELD",
                        help="give each snapshot the one before it with the same FIELD as "
                             "_previous (partitions by FIELD, sorts by --order-by)")
    parser.add_argument("--order-by", action="append", default=[], metavar="FIELD",
                        help="order of snapshots within an account (repeatable)")
    parser.add_argument("--no-line-numbers", action="store_true",
                        help="skip numbering input lines (saves a pass over the data)")
    parser.add_argument("--allow-empty", action="store_true",
                        help="accept input without any snapshot")
    return parser.parse_args(arguments)


def resolve(binary):
    if os.sep in binary:
        return binary
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, binary)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(f"constraint binary not found: {binary} (give --binary)")


def main(arguments):
    options = parse(arguments)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("constraint check").getOrCreate()
    try:
        try:
            run = job.check_path(
                spark, options.data, options.rules, resolve(options.binary),
                data_format=options.format, key_field=options.key_field,
                explain=not options.no_explain, flags=options.flag, now=options.now,
                previous_by=options.previous_by, order_by=options.order_by,
                partitions=options.partitions, line_numbers=not options.no_line_numbers,
            )
            run.results.write.mode("errorifexists").json(options.out)
            summary = run.summary()
        except Exception as error:  # a task's binary failed, or Spark or the input did
            traceback.print_exc()
            print(f"error: the check did not complete ({type(error).__name__}); no results "
                  "are claimed", file=sys.stderr, flush=True)
            return 2
        if summary["snapshots"] + summary["unreadable"] == 0 and options.allow_empty:
            summary["exit_status"] = 0
        print(json.dumps({"type": "summary", **summary}), flush=True)
        run.close()
        return summary["exit_status"]
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
