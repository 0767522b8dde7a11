"""Check snapshots on Spark with the `constraint` binary, one process per partition.

The model: checking is stateless per snapshot, so each partition is checked on its own by
`constraint check --format jsonl` reading the partition's JSON lines on standard input; the
binary and the rule files are shipped to the executors with `SparkContext.addFile`. Results
come back as rows; each partition also yields its summary, and a partition whose run cannot be
trusted (the binary exited 2 for anything but an unreadable line, crashed, was killed, or its
output was cut before the summary line) raises in its task, which fails the job.

Transition rules read `_previous`, the snapshot before this one of the same account. With
`previous_by`, the rows are partitioned by that field and sorted by `order_by` within each
partition, and each row gets the previous row of its account (as it was read) as `_previous`.
"""

import atexit
import os
import shutil
import tempfile
import zipfile

from pyspark import SparkFiles, StorageLevel
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import partition as _partition

RESULT_SCHEMA = T.StructType(
    [
        T.StructField("source", T.StringType(), True),
        T.StructField("line", T.LongType(), True),
        T.StructField("key", T.StringType(), True),
        T.StructField("rule", T.StringType(), True),
        T.StructField("schema_id", T.StringType(), True),
        T.StructField("severity", T.StringType(), True),
        T.StructField("outcome", T.StringType(), False),
        T.StructField("message", T.StringType(), True),
        T.StructField("diagnostic_code", T.StringType(), True),
        T.StructField("detail", T.StringType(), False),
    ]
)

_RULE_FILES_LIMIT = 64 << 20


class CheckRun:
    """The results of a check: `results` (a DataFrame with `RESULT_SCHEMA`: the snapshot's
    source and line, its key, the rule, outcome, message, diagnostic code and the binary's whole
    result line as `detail`) and `summary()` (the counts over all partitions, with the exit
    status `constraint check` would have given). Both come from one run of the binary per
    partition (the rows are persisted until `close()`)."""

    def __init__(self, spark, rows):
        self._spark = spark
        self._rows = rows
        self._summary = None
        self.results = spark.createDataFrame(
            rows.filter(lambda row: row[0] == "result").map(lambda row: row[1]), RESULT_SCHEMA
        )

    def summary(self):
        """The counts of every partition added up: `snapshots`, `passed`, `failed`,
        `errors`, `skipped`, `deferred`, `unreadable`, `partitions` and `exit_status` (the
        largest partition's, 2 when nothing at all was read)."""
        if self._summary is None:
            parts = self._rows.filter(lambda row: row[0] == "summary").map(lambda r: r[1])
            total = {name: 0 for name in _partition.SUMMARY_COUNTS}
            total["partitions"] = 0
            status = 0
            for part in parts.collect():
                for name in _partition.SUMMARY_COUNTS:
                    total[name] += part[name]
                total["partitions"] += 1
                status = max(status, part["exit_status"])
            if total["snapshots"] + total["unreadable"] == 0:
                status = 2  # checking nothing is not a pass
            total["exit_status"] = status
            self._summary = total
        return self._summary

    def close(self):
        """Frees the persisted rows."""
        self._rows.unpersist()


_shipped_to = None


def _ship_package(context):
    """Ships this package to the executors' Python (addPyFile, once per SparkContext): its
    tasks import it, and an executor has no reason to have it installed. The archive lives in
    a temporary directory removed when the driver exits."""
    global _shipped_to
    if _shipped_to is context:
        return
    directory = tempfile.mkdtemp(prefix="constraint-spark-")
    atexit.register(shutil.rmtree, directory, True)
    archive = os.path.join(directory, "constraint_spark.zip")
    package = os.path.dirname(os.path.abspath(__file__))
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in sorted(os.listdir(package)):
            if name.endswith(".py"):
                bundle.write(os.path.join(package, name), os.path.join("constraint_spark", name))
    context.addPyFile(archive)
    _shipped_to = context


def _ship(spark, binary, rules):
    """Ships this package and the binary to the executors; returns (binary name, rule files as
    (relative path, bytes)). Rule files travel with the task (they are small), laid out again
    on each executor."""
    if not os.path.isfile(binary):
        raise FileNotFoundError(f"constraint binary not found: {binary}")
    _ship_package(spark.sparkContext)
    spark.sparkContext.addFile(os.path.abspath(binary))
    files = []
    total = 0
    for root in rules:
        if os.path.isfile(root):
            entries = [(os.path.basename(root), root)]
        elif os.path.isdir(root):
            entries = []
            for directory, names, filenames in os.walk(root, followlinks=True):
                names.sort()
                for name in sorted(filenames):
                    path = os.path.join(directory, name)
                    entries.append((os.path.relpath(path, root), path))
        else:
            raise FileNotFoundError(f"rules not found: {root}")
        for relative, path in entries:
            with open(path, "rb") as handle:
                data = handle.read()
            total += len(data)
            if total > _RULE_FILES_LIMIT:
                raise ValueError(f"rule files over {_RULE_FILES_LIMIT >> 20} MiB: {root}")
            files.append((len(files), os.path.join(f"r{rules.index(root)}", relative), data))
    return os.path.basename(binary), [(path, data) for _, path, data in files], len(rules)


def _partition_function(binary_name, rule_files, rule_roots, options):
    def check_partition(index, rows):
        import tempfile

        binary = _partition.ensure_executable(SparkFiles.get(binary_name))
        with tempfile.TemporaryDirectory(prefix="constraint-rules-") as directory:
            for relative, data in rule_files:
                path = os.path.join(directory, relative)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(data)
            roots = [os.path.join(directory, f"r{n}") for n in range(rule_roots)]
            arguments = _partition.command(binary, roots, **options)
            for item in _partition.run_partition(arguments, rows):
                if isinstance(item, dict):
                    yield ("summary", item)
                else:
                    yield ("result", item)

    return check_partition


def _with_previous(rows):
    """Adds `_previous` to each row's JSON object: the last row before it with the same
    account that was a JSON object (rows arrive grouped by account, in order)."""
    import json

    last_account = object()
    previous = None
    for account, reference, line in rows:
        if account != last_account:
            last_account, previous = account, None
        current = line
        text = line.strip()
        if account is not None and previous is not None and text.startswith(b"{"):
            body = text[1:].lstrip()
            joiner = b"" if body.startswith(b"}") else b","
            current = b'{"_previous":' + previous + joiner + body
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "_previous" not in parsed:
            previous = text
        yield reference, current


def check_lines(spark, lines, rules, binary, key_field=None, explain=True, flags=(), now=None,
                previous_by=None, order_by=(), partitions=None):
    """Checks a DataFrame `lines` with columns `source` (string), `line` (long) and `value`
    (binary: one JSON document per row) against `rules` (paths) with `binary`. Returns a
    `CheckRun`."""
    binary_name, rule_files, roots = _ship(spark, binary, list(rules))
    options = {"key_field": key_field, "explain": explain, "flags": tuple(flags), "now": now}
    check_partition = _partition_function(binary_name, rule_files, roots, options)
    if previous_by:
        text = F.col("value").cast("string")
        keyed = lines.select(
            F.get_json_object(text, f"$.{previous_by}").alias("_account"),
            *[F.get_json_object(text, f"$.{name}").alias(f"_order{n}")
              for n, name in enumerate(order_by)],
            "source", "line", "value",
        )
        count = partitions or spark.sparkContext.defaultParallelism
        # Numbers in numeric order (then anything else, e.g. ISO timestamps, as text).
        order = []
        for n in range(len(order_by)):
            order += [F.col(f"_order{n}").cast("decimal(38,6)"), F.col(f"_order{n}")]
        ordered = keyed.repartition(count, "_account").sortWithinPartitions(
            "_account", *order, "source", "line")
        pairs = ordered.rdd.mapPartitions(
            lambda rows: _with_previous(
                (row["_account"], (row["source"], row["line"]), bytes(row["value"]))
                for row in rows))
    else:
        frame = lines if partitions is None else lines.repartition(partitions)
        pairs = frame.rdd.map(lambda row: ((row["source"], row["line"]), bytes(row["value"])))
    rows = pairs.mapPartitionsWithIndex(check_partition)
    rows.persist(StorageLevel.MEMORY_AND_DISK)
    return CheckRun(spark, rows)


def json_lines(spark, path, line_numbers=True):
    """The JSON-lines files at `path` (a file or a directory) as a `check_lines` DataFrame.
    Bytes are kept as they are (invalid UTF-8 reaches the binary, which reports it), lines are
    split at `\\n` only, as `constraint check` splits them. With `line_numbers`, each file's rows
    are numbered from 1 (a pass over the data to count rows per partition); without, `line`
    is null."""
    frame = (
        spark.read.option("lineSep", "\n").text(path)
        .select(F.input_file_name().alias("source"), F.col("value").cast("binary").alias("value"))
    )
    if not line_numbers:
        return frame.select("source", F.lit(None).cast("long").alias("line"), "value")
    files = [row[0] for row in frame.select("source").distinct().collect()]
    numbered = None
    for name in sorted(files):
        one = spark.read.option("lineSep", "\n").text(name).select(
            F.col("value").cast("binary").alias("value"))
        rdd = one.rdd.zipWithIndex().map(lambda pair, name=name: (name, pair[1] + 1, pair[0][0]))
        numbered = rdd if numbered is None else numbered.union(rdd)
    schema = T.StructType([
        T.StructField("source", T.StringType(), False),
        T.StructField("line", T.LongType(), False),
        T.StructField("value", T.BinaryType(), True),
    ])
    if numbered is None:
        return spark.createDataFrame([], schema)
    return spark.createDataFrame(numbered, schema)


def dataframe_lines(frame, source="dataframe"):
    """A DataFrame of snapshots (one per row, columns as fields; Parquet, tables) as a
    `check_lines` DataFrame: each row as a JSON object, nulls kept as `null`."""
    return frame.select(
        F.lit(source).alias("source"),
        F.lit(None).cast("long").alias("line"),
        F.encode(F.to_json(F.struct(*[F.col(f"`{c}`") for c in frame.columns]),
                           {"ignoreNullFields": "false"}), "UTF-8").alias("value"),
    )


def check_path(spark, path, rules, binary, data_format=None, **options):
    """Checks the snapshots at `path`: JSON lines (`.jsonl`/`.ndjson`/anything else) or Parquet
    (`data_format="parquet"` or a `.parquet` path)."""
    line_numbers = options.pop("line_numbers", True)
    if data_format is None:
        data_format = "parquet" if path.rstrip("/").endswith(".parquet") else "jsonl"
    if data_format == "parquet":
        frame = spark.read.parquet(path)
        lines = frame.select(
            F.input_file_name().alias("source"),
            F.lit(None).cast("long").alias("line"),
            F.encode(F.to_json(F.struct(*[F.col(f"`{c}`") for c in frame.columns]),
                               {"ignoreNullFields": "false"}), "UTF-8").alias("value"),
        )
    elif data_format == "jsonl":
        lines = json_lines(spark, path, line_numbers=line_numbers)
    else:
        raise ValueError(f"unknown data format {data_format!r} (jsonl or parquet)")
    return check_lines(spark, lines, rules, binary, **options)


def check_dataframe(spark, frame, rules, binary, **options):
    """Checks each row of `frame` as a snapshot."""
    return check_lines(spark, dataframe_lines(frame), rules, binary, **options)
