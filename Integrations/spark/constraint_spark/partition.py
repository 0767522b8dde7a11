"""Run the `constraint` binary over one partition of JSON lines and read its results.

This module does not import pyspark: it is the part that runs on an executor, and it is tested
on its own. `run_partition` feeds the partition's lines to `constraint check --data -
--format jsonl` on standard input (from a thread, so results stream back while the input is
written), maps each result back to the row it came from, and checks that the run was complete:
a result is only trusted when the binary's final summary line arrived, its exit status matches
the summary, and the summary's counts match the lines written and the results read. Anything
else raises `ConstraintRunError`, which fails the Spark task: a run that died is never an empty,
clean-looking result.
"""

import collections
import json
import os
import subprocess
import threading

# The fields of one result row, in order (the `results` DataFrame's columns).
RESULT_FIELDS = (
    "source",
    "line",
    "key",
    "rule",
    "schema_id",
    "severity",
    "outcome",
    "message",
    "diagnostic_code",
    "detail",
)

# The counts of a run, as the summary line has them.
SUMMARY_COUNTS = (
    "snapshots",
    "passed",
    "failed",
    "errors",
    "skipped",
    "deferred",
    "unreadable",
)

# Outcomes that are always listed (passes and skips only with --all).
_LISTED = {"fail": "failed", "error": "errors", "deferred": "deferred", "unreadable": "unreadable"}

_STDERR_KEPT = 1 << 16


class ConstraintRunError(RuntimeError):
    """The binary failed, died or wrote output that does not add up: the partition's results
    cannot be trusted."""


class _TailBuffer:
    """The last bytes of a stream (the binary's standard error), read on a thread."""

    def __init__(self, stream):
        self._chunks = collections.deque()
        self._size = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream):
        for chunk in iter(lambda: stream.read(8192), b""):
            self._chunks.append(chunk)
            self._size += len(chunk)
            while self._size - len(self._chunks[0]) > _STDERR_KEPT:
                self._size -= len(self._chunks.popleft())
        stream.close()

    def text(self):
        self._thread.join()
        return b"".join(self._chunks)[-_STDERR_KEPT:].decode("utf-8", "replace")


def command(binary, rules, key_field=None, explain=True, flags=(), now=None, jobs=1):
    """The `constraint check` command line for one partition on standard input."""
    arguments = [binary, "check"]
    arguments += list(rules)
    arguments += ["--data", "-", "--format", "jsonl", "--allow-empty", "--jobs", str(jobs)]
    if key_field:
        arguments += ["--key-field", key_field]
    if not explain:
        arguments.append("--no-explain")
    for flag in flags:
        arguments += ["--flag", flag]
    if now:
        arguments += ["--now", now]
    return arguments


def _is_blank(line):
    # The binary skips lines of JSON whitespace only; they still count in its line numbers.
    return not line.strip(b" \t\r")


def run_partition(arguments, rows):
    """Runs `arguments` (see `command`) over `rows`, pairs of (reference, line bytes) where a
    reference is a (source, line) pair naming the row in the input. Yields one tuple per
    result (fields `RESULT_FIELDS`) and, last, the summary as a dict of `SUMMARY_COUNTS` plus
    `exit_status`. Raises `ConstraintRunError` when the run cannot be trusted."""
    try:
        process = subprocess.Popen(
            arguments,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
        )
    except OSError as error:
        raise ConstraintRunError(f"cannot start {arguments[0]}: {error}") from error
    stderr = _TailBuffer(process.stderr)
    references = collections.deque()
    written = {"lines": 0, "snapshots": 0, "error": None}

    def feed():
        try:
            for reference, line in rows:
                if b"\n" in line:
                    raise ConstraintRunError(
                        f"{reference[0]}:{reference[1]}: a row holds a line break; "
                        "each row must be one JSON line"
                    )
                references.append(reference)
                written["lines"] += 1
                if not _is_blank(line):
                    written["snapshots"] += 1
                process.stdin.write(line)
                process.stdin.write(b"\n")
            process.stdin.close()
        except BaseException as error:  # reported by the reading side
            written["error"] = error
            try:
                process.stdin.close()
            except OSError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    listed = collections.Counter()
    summary = None
    started = False
    consumed = 0  # lines of `references` already passed
    current = None
    try:
        for raw in process.stdout:
            if summary is not None:
                raise ConstraintRunError("output after the summary line")
            try:
                record = json.loads(raw)
            except ValueError as error:
                raise ConstraintRunError(f"output that is not JSON: {raw[:200]!r}") from error
            kind = record.get("type") if isinstance(record, dict) else None
            if kind == "start":
                if started or record.get("schema_version") != 1:
                    raise ConstraintRunError(f"unexpected start line: {raw[:200]!r}")
                started = True
            elif kind == "result":
                if not started:
                    raise ConstraintRunError("a result before the start line")
                snapshot = record["snapshot"]
                number = snapshot.get("line")
                if not isinstance(number, int) or number < consumed or number < 1:
                    raise ConstraintRunError(f"a result out of order: {raw[:200]!r}")
                while consumed < number:
                    if not references:
                        raise ConstraintRunError(f"a result for a line not written: {number}")
                    current = references.popleft()
                    consumed += 1
                outcome = record["outcome"]
                if outcome in _LISTED:
                    listed[_LISTED[outcome]] += 1
                diagnostic = record.get("diagnostic") or {}
                yield (
                    current[0],
                    current[1],
                    snapshot.get("key"),
                    record.get("rule"),
                    record.get("schema_id"),
                    record.get("severity"),
                    outcome,
                    record.get("message"),
                    diagnostic.get("code"),
                    raw.decode("utf-8").rstrip("\n"),
                )
            elif kind == "summary":
                summary = record
            else:
                raise ConstraintRunError(f"an output line of unknown type: {raw[:200]!r}")
    finally:
        process.stdout.close()
        writer.join()
        status = process.wait()
    messages = stderr.text().strip()
    detail = f"\nits standard error:\n{messages}" if messages else ""
    if isinstance(written["error"], ConstraintRunError):
        raise written["error"]
    if status < 0:
        raise ConstraintRunError(f"{arguments[0]} was killed by signal {-status}{detail}")
    if summary is None:
        raise ConstraintRunError(
            f"{arguments[0]} exited with {status} without its summary line "
            f"(output cut short){detail}"
        )
    if written["error"] is not None:
        raise ConstraintRunError(
            f"writing the partition to {arguments[0]} failed: {written['error']!r}{detail}"
        )
    if summary.get("exit_status") != status:
        raise ConstraintRunError(
            f"{arguments[0]} exited with {status} but its summary says "
            f"{summary.get('exit_status')}{detail}"
        )
    if status not in (0, 1, 2) or (status == 2 and not summary.get("unreadable")):
        # 2 without an unreadable line: rules or arguments could not be used.
        raise ConstraintRunError(f"{arguments[0]} failed with exit status {status}{detail}")
    read = summary.get("snapshots", -1) + summary.get("unreadable", -1)
    if read != written["snapshots"]:
        raise ConstraintRunError(
            f"{arguments[0]} read {read} snapshots of the {written['snapshots']} written{detail}"
        )
    for count, found in listed.items():
        if summary.get(count) != found:
            raise ConstraintRunError(
                f"the summary counts {summary.get(count)} {count} but {found} were listed"
            )
    for count in _LISTED.values():
        if summary.get(count, 0) and not listed[count]:
            raise ConstraintRunError(f"the summary counts {count} that were not listed")
    yield {name: summary[name] for name in SUMMARY_COUNTS} | {"exit_status": status}


def ensure_executable(path):
    """`path` as an executable file: Spark's addFile keeps the bytes, not always the mode."""
    if not os.access(path, os.X_OK):
        os.chmod(path, os.stat(path).st_mode | 0o555)
    return path
