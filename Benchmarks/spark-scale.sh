#!/usr/bin/env bash
# The Spark integration against `constraint check` on one 1,000,000-snapshot file, side by side
# (docs/SCALE.md, "Measured"): throughput of the CLI, of spark-submit check.py on local[2] end
# to end and of the job alone, and the cost of a partition (a fit over 2..128 partitions).
# Benchmarks/spark-scale.py says what each run is; every Spark run's counts (and the job's
# result rows) must equal the CLI's, or it exits 1.
#
# Usage: Benchmarks/spark-scale.sh [ROUNDS [FIRST_ROUND]]   (default 3 rounds, from round 1)
#   SPARK_SCALE_DATA=DIR   where the generated input and the results go (default
#                          Benchmarks/data, git-ignored); the input is generated once.
#   SPARK_SCALE_SNAPSHOTS  snapshots in the input (default 1000000)
#   CONSTRAINT_BINARY      the binary (default the static one of `make dist`)
#   SPARK_SCALE_PARTITIONS partition counts of the sweep (default 2,8,32,128)
# Rounds append to DIR/spark-scale-results.jsonl, so the rounds can be run in several sittings
# (e.g. `spark-scale.sh 2 1`, then `spark-scale.sh 1 3`); the medians and the fit are printed
# over every round in that file (delete it to start over). Needs `make dist` and
# `make test-spark` once (Java 17, and pyspark in .build-spark/venv).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
first=${2:-1}
data_dir=${SPARK_SCALE_DATA:-Benchmarks/data}
snapshots=${SPARK_SCALE_SNAPSHOTS:-1000000}
version=$(scripts/version.sh)
binary=${CONSTRAINT_BINARY:-.build-dist/stage/constraint-$version-linux-x86_64/constraint}
python=.build-spark/venv/bin/python

for needed in "$binary" "$python"; do
  if [ ! -x "$needed" ]; then
    echo "spark-scale: $needed is missing (run make dist and make test-spark first)" >&2
    exit 2
  fi
done

mkdir -p "$data_dir"
data=$data_dir/billing-$snapshots.jsonl
if [ ! -s "$data" ]; then
  python3 Examples/tools/generate-billing-stream.py "$snapshots" >"$data.partial"
  mv "$data.partial" "$data"
fi

export PYSPARK_PYTHON=$PWD/$python PYSPARK_DRIVER_PYTHON=$PWD/$python
echo "spark-scale: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 \
  | head -n 1), $("$binary" --version | head -n 1)" >&2
"$python" Benchmarks/spark-scale.py --binary "$binary" --rules Rules --data "$data" \
  --rounds "$rounds" --first-round "$first" \
  --partitions "${SPARK_SCALE_PARTITIONS:-2,8,32,128}" \
  --results "$data_dir/spark-scale-results.jsonl"
