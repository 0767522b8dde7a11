#!/usr/bin/env bash
# make test-spark: the Spark integration (Integrations/spark/) on Spark local[2].
#
# Installs what a fresh machine lacks: Java 17 from Debian (openjdk-17-jre-headless) when there
# is no java 17 or later, and pyspark (pinned in Integrations/spark/requirements.txt) in a
# virtualenv kept in .build-spark/ (git-ignored). Then runs the partition runner's tests (no
# Spark), and the Spark tests: the same results, row for row, as `constraint check --format
# jsonl` on the same input (violations, errors, a malformed line, a line that is not UTF-8), a
# binary that exits 2 or is killed failing the job, DataFrame and `_previous` input, and
# check.py through spark-submit.
#
# Usage: scripts/spark-test.sh [CONSTRAINT_BINARY]   (default .build/debug/constraint)
set -euo pipefail
cd "$(dirname "$0")/.."

BINARY=$(realpath "${1:-${CONSTRAINT_BINARY:-.build/debug/constraint}}")
VENV=.build-spark/venv
REQUIREMENTS=Integrations/spark/requirements.txt

if [ ! -x "$BINARY" ]; then
  echo "spark-test: no constraint binary at $BINARY" >&2
  exit 2
fi

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
  SUDO=
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
fi
echo "spark-test: $(java -version 2>&1 | head -n 1)"

if [ ! -f "$VENV/.installed" ] || ! cmp -s "$REQUIREMENTS" "$VENV/.installed"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/.installed"
fi

export CONSTRAINT_BINARY="$BINARY"
export PYSPARK_PYTHON="$PWD/$VENV/bin/python"
export PYSPARK_DRIVER_PYTHON="$PWD/$VENV/bin/python"
cd Integrations/spark
start=$(date +%s)
"$PYSPARK_PYTHON" -m unittest -v tests.test_partition tests.test_spark
echo "spark-test: $(( $(date +%s) - start )) s"
