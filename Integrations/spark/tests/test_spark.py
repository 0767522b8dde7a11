"""constraint_spark on Spark local[2]: the same results, row for row, as `constraint check
--format jsonl` on the same input, and a failing binary failing the job."""

import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from pyspark.sql import SparkSession  # noqa: E402

from constraint_spark import job  # noqa: E402
from tests import fixtures  # noqa: E402


def spark_session():
    return (
        SparkSession.builder.master("local[2]")
        .appName("constraint_spark tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "3")
        # Small splits: the test file is read as several partitions.
        .config("spark.sql.files.maxPartitionBytes", "4096")
        .config("spark.sql.files.openCostInBytes", "0")
        .getOrCreate()
    )


class SparkCheckTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spark = spark_session()
        cls.directory = tempfile.TemporaryDirectory()
        cls.data = fixtures.mixed_input(cls.directory.name)

    @classmethod
    def tearDownClass(cls):
        cls.spark.stop()
        cls.directory.cleanup()

    def wrapper(self, name, body):
        path = os.path.join(self.directory.name, name)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def spark_rows(self, run):
        rows = run.results.collect()
        return sorted(rows, key=lambda row: (row["source"], row["line"]))

    def test_the_same_results_as_the_cli_row_for_row(self):
        status, expected, summary = fixtures.cli_results(self.data, "--key-field", "account_id")
        run = job.check_path(
            self.spark, self.data, [fixtures.RULES], fixtures.binary(), key_field="account_id")
        self.assertGreater(run.results.rdd.getNumPartitions(), 1)
        rows = self.spark_rows(run)
        # Within a line, results keep the rules' order (a stable sort by line).
        self.assertEqual(len(rows), len(expected))
        for row, record in zip(rows, expected):
            self.assertTrue(row["source"].endswith("mixed.jsonl"), row["source"])
            self.assertEqual(row["line"], record["snapshot"]["line"])
            self.assertEqual(row["key"], record["snapshot"].get("key"))
            self.assertEqual(row["rule"], record["rule"])
            self.assertEqual(row["outcome"], record["outcome"])
            self.assertEqual(row["message"], record["message"])
            self.assertEqual(
                fixtures.comparable(json.loads(row["detail"])), fixtures.comparable(record))
        outcomes = {row["outcome"] for row in rows}
        self.assertTrue({"fail", "error", "unreadable"} <= outcomes, outcomes)
        found = run.summary()
        for name in ("snapshots", "passed", "failed", "errors", "skipped", "deferred",
                     "unreadable", "exit_status"):
            self.assertEqual(found[name], summary[name], name)
        self.assertEqual(found["exit_status"], status)
        self.assertGreater(found["partitions"], 1)
        run.close()

    def test_a_binary_that_exits_two_fails_the_job(self):
        failing = self.wrapper("exits-two", "cat >/dev/null; echo 'boom' >&2; exit 2")
        run = job.check_path(self.spark, self.data, [fixtures.RULES], failing)
        with self.assertRaises(Exception) as raised:
            run.results.collect()
        self.assertIn("ConstraintRunError", str(raised.exception))
        self.assertIn("without its summary line", str(raised.exception))

    def test_a_binary_killed_by_a_signal_fails_the_job(self):
        killed = self.wrapper("killed", "head -c 100 >/dev/null; kill -9 $$")
        run = job.check_path(self.spark, self.data, [fixtures.RULES], killed)
        with self.assertRaises(Exception) as raised:
            run.summary()
        self.assertIn("killed by signal 9", str(raised.exception))

    def test_a_dataframe_is_checked_row_by_row(self):
        lines = [json.loads(line) for line in fixtures.example_lines()]
        schema_source = self.spark.read.json(
            self.spark.sparkContext.parallelize([json.dumps(line) for line in lines]))
        run = job.check_dataframe(
            self.spark, schema_source, [fixtures.RULES], fixtures.binary(), explain=False)
        rows = run.results.collect()
        failed = {(row["rule"], row["outcome"]) for row in rows}
        self.assertIn(("budget_conservation", "fail"), failed)
        self.assertGreater(run.summary()["snapshots"], 10)

    def test_previous_snapshots_by_account_in_order(self):
        # Two accounts, their states out of order in the file; acct-b's spend goes down.
        base = json.loads(fixtures.example_lines()[0])
        base.pop("_previous", None)
        states = []
        for account, seq, spent in [("acct-b", 2, "100"), ("acct-a", 1, "10"),
                                    ("acct-b", 1, "200"), ("acct-a", 2, "20")]:
            record = json.loads(json.dumps(base))
            record["account_id"] = account
            record["seq"] = seq
            record["budget"]["spent_micro"] = spent
            states.append(record)
        path = os.path.join(self.directory.name, "states.jsonl")
        with open(path, "w") as handle:
            handle.write("\n".join(json.dumps(state) for state in states) + "\n")
        run = job.check_path(
            self.spark, path, [fixtures.RULES], fixtures.binary(), key_field="account_id",
            previous_by="account_id", order_by=["seq"])
        decreases = [(row["key"], row["line"]) for row in run.results.collect()
                     if row["rule"] == "spent_never_decreases"]
        self.assertEqual(decreases, [("acct-b", 1)])
        # The CLI on the same states with _previous written in by hand says the same.
        ordered = sorted(enumerate(states, 1), key=lambda item: (item[1]["account_id"],
                                                                  item[1]["seq"]))
        lines, last = [], {}
        for number, state in ordered:
            line = dict(state)
            if state["account_id"] in last:
                line["_previous"] = last[state["account_id"]]
            last[state["account_id"]] = state
            lines.append(json.dumps(line))
        manual = os.path.join(self.directory.name, "manual.jsonl")
        with open(manual, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        _, expected, _ = fixtures.cli_results(manual, "--key-field", "account_id")
        self.assertEqual(
            [record["snapshot"]["key"] for record in expected
             if record["rule"] == "spent_never_decreases"], ["acct-b"])


class SubmitTests(unittest.TestCase):
    """check.py through spark-submit: exit statuses as `constraint check` gives them."""

    def submit(self, data, out, binary=None):
        # From the data's directory, not Integrations/spark: the executors' Python must get
        # constraint_spark from the job (a worker started there would import it from its
        # working directory and hide a job that does not ship it).
        submit = os.path.join(os.path.dirname(sys.executable), "spark-submit")
        return subprocess.run(
            [submit, "--master", "local[2]", os.path.join(HERE, "..", "check.py"),
             "--rules", fixtures.RULES, "--data", data, "--out", out,
             "--binary", binary or fixtures.binary(), "--key-field", "account_id"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, text=True,
            cwd=os.path.dirname(data))

    def test_exit_statuses(self):
        with tempfile.TemporaryDirectory() as directory:
            mixed = fixtures.mixed_input(directory)
            done = self.submit(mixed, os.path.join(directory, "out-mixed"))
            self.assertEqual(done.returncode, 2, done.stderr[-3000:])
            summary = json.loads(done.stdout.strip().splitlines()[-1])
            _, expected, cli_summary = fixtures.cli_results(mixed)
            self.assertEqual(summary["failed"], cli_summary["failed"])
            written = []
            for name in sorted(os.listdir(os.path.join(directory, "out-mixed"))):
                if name.endswith(".json"):
                    with open(os.path.join(directory, "out-mixed", name)) as handle:
                        written += [json.loads(line) for line in handle]
            self.assertEqual(len(written), len(expected))

            for example, status in (("ok-commit", 0), ("overspent", 1)):
                data = os.path.join(directory, example + ".jsonl")
                with open(data, "wb") as handle:
                    handle.write(fixtures.example_line(os.path.join(
                        fixtures.REPOSITORY, "Examples", "snapshots", example + ".json")) + b"\n")
                done = self.submit(data, os.path.join(directory, "out-" + example))
                self.assertEqual(done.returncode, status, done.stderr[-3000:])

    def test_a_failing_binary_fails_the_submit_with_status_two(self):
        # Exit 2 and no summary: never 1 ("violations found") or a clean-looking summary.
        with tempfile.TemporaryDirectory() as directory:
            mixed = fixtures.mixed_input(directory)
            failing = os.path.join(directory, "exits-two")
            with open(failing, "w") as handle:
                handle.write("#!/bin/sh\ncat >/dev/null; echo 'boom' >&2; exit 2\n")
            os.chmod(failing, 0o755)
            for binary, reason in ((failing, "ConstraintRunError"),
                                   (os.path.join(directory, "absent"), "not found")):
                done = self.submit(mixed, os.path.join(directory, "out"), binary=binary)
                self.assertEqual(done.returncode, 2, done.stderr[-3000:])
                # spark-submit passes the driver's standard error on its standard output.
                self.assertFalse([line for line in done.stdout.splitlines()
                                  if line.startswith('{"type": "summary"')], done.stdout)
                self.assertIn(reason, done.stdout)
                self.assertIn("error: the check did not complete", done.stdout)


if __name__ == "__main__":
    unittest.main()
