"""The partition runner on its own (no Spark): results mapped back to rows, and every way a
run can fail raising instead of looking clean."""

import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from constraint_spark import partition  # noqa: E402
from tests import fixtures  # noqa: E402


def rows_of(path):
    with open(path, "rb") as handle:
        return [(("in", number), line.rstrip(b"\n")) for number, line in enumerate(handle, 1)]


class PartitionTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.data = fixtures.mixed_input(self.directory.name)

    def tearDown(self):
        self.directory.cleanup()

    def run_rows(self, rows, binary=None, **options):
        arguments = partition.command(binary or fixtures.binary(), [fixtures.RULES], **options)
        return list(partition.run_partition(arguments, rows))

    def wrapper(self, body):
        """A script standing in for the binary."""
        path = os.path.join(self.directory.name, "constraint-wrapper")
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def test_results_match_the_cli_row_for_row(self):
        status, expected, summary = fixtures.cli_results(self.data, "--key-field", "account_id")
        self.assertEqual(status, 2)
        items = self.run_rows(rows_of(self.data), key_field="account_id")
        found_summary = items[-1]
        rows = items[:-1]
        self.assertEqual(len(rows), len(expected))
        import json
        for row, record in zip(rows, expected):
            self.assertEqual(row[1], record["snapshot"]["line"])
            self.assertEqual(row[2], record["snapshot"].get("key"))
            self.assertEqual(row[3], record["rule"])
            self.assertEqual(row[6], record["outcome"])
            self.assertEqual(
                fixtures.comparable(json.loads(row[9])), fixtures.comparable(record))
        for name in partition.SUMMARY_COUNTS:
            self.assertEqual(found_summary[name], summary[name], name)
        self.assertEqual(found_summary["exit_status"], 2)
        outcomes = {row[6] for row in rows}
        self.assertTrue({"fail", "error", "unreadable"} <= outcomes, outcomes)

    def test_an_empty_partition_is_clean(self):
        self.assertEqual(self.run_rows([])[-1]["snapshots"], 0)

    def test_exit_two_without_summary_fails(self):
        with self.assertRaisesRegex(partition.ConstraintRunError, "without its summary"):
            self.run_rows(rows_of(self.data), binary=self.wrapper("cat >/dev/null; exit 2"))

    def test_a_binary_killed_by_a_signal_fails(self):
        with self.assertRaisesRegex(partition.ConstraintRunError, "signal 9"):
            self.run_rows(rows_of(self.data), binary=self.wrapper("kill -9 $$"))

    def test_output_cut_short_fails(self):
        real = fixtures.binary()
        cut = self.wrapper(f'"{real}" "$@" | head -n 3')
        with self.assertRaisesRegex(partition.ConstraintRunError, "without its summary"):
            self.run_rows(rows_of(self.data), binary=cut)

    def test_a_status_the_summary_does_not_give_fails(self):
        real = fixtures.binary()
        lying = self.wrapper(f'"{real}" "$@"; exit 0')
        with self.assertRaisesRegex(partition.ConstraintRunError, "summary says 2"):
            self.run_rows(rows_of(self.data), binary=lying)

    def test_rules_that_do_not_load_fail(self):
        arguments = partition.command(fixtures.binary(), ["/nonexistent-rules"])
        with self.assertRaisesRegex(partition.ConstraintRunError, "without its summary"):
            list(partition.run_partition(arguments, rows_of(self.data)))

    def test_a_binary_that_skips_input_fails(self):
        real = fixtures.binary()
        skipping = self.wrapper(f'sed 1d | "{real}" "$@"')
        with self.assertRaisesRegex(partition.ConstraintRunError, "snapshots of the"):
            self.run_rows(rows_of(self.data), binary=skipping)

    def test_a_missing_binary_fails(self):
        with self.assertRaisesRegex(partition.ConstraintRunError, "cannot start"):
            self.run_rows([], binary="/nonexistent/constraint")

    def test_a_row_with_a_line_break_fails(self):
        with self.assertRaisesRegex(partition.ConstraintRunError, "line break"):
            self.run_rows([(("in", 1), b'{"a":\n1}')])


if __name__ == "__main__":
    unittest.main()
