"""Test input made from the repository's example snapshots, and the CLI's own answers."""

import glob
import json
import os
import subprocess

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RULES = os.path.join(REPOSITORY, "Rules")


def binary():
    """The binary under test: $CONSTRAINT_BINARY, else the debug build."""
    path = os.environ.get("CONSTRAINT_BINARY") or os.path.join(
        REPOSITORY, ".build", "debug", "constraint")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no constraint binary at {path} (build it or set CONSTRAINT_BINARY)")
    return path


def example_line(path):
    """The example snapshot document at `path` as one JSON line (bytes, no newline)."""
    with open(path, "rb") as handle:
        return json.dumps(json.load(handle), separators=(",", ":")).encode()


def example_lines():
    """Every example snapshot on one line (passes and violations of most rules)."""
    lines = [example_line(path) for path in
             sorted(glob.glob(os.path.join(REPOSITORY, "Examples", "snapshots", "*.json")))]
    with open(os.path.join(REPOSITORY, "Examples", "snapshots", "stream.jsonl"), "rb") as handle:
        lines += [line.rstrip(b"\n") for line in handle if line.strip()]
    return lines


def mixed_input(directory, copies=6):
    """A JSON-lines file with passes, failures, an evaluation error, a blank line, a line that
    is not JSON and one that is not UTF-8; returns its path."""
    examples = example_lines()
    lines = []
    for copy in range(copies):
        for number, line in enumerate(examples):
            record = json.loads(line)
            record["account_id"] = f"acct-{copy}-{number}"
            lines.append(json.dumps(record, separators=(",", ":")).encode())
        if copy == 1:
            lines.append(b'{"account_id": "broken", "budget": ')
            lines.append(b"")
            # cost_micro declared bigint-like: a non-numeric string is an evaluation error.
            record = json.loads(examples[0])
            record["cost_micro"] = "12x"
            record["account_id"] = "typed"
            lines.append(json.dumps(record).encode())
        if copy == 3:
            lines.append(b'{"account_id": "latin1", "note": "caf\xe9"}')
    path = os.path.join(directory, "mixed.jsonl")
    with open(path, "wb") as handle:
        handle.write(b"\n".join(lines) + b"\n")
    return path


def cli_results(path, *options):
    """`constraint check --format jsonl` on `path`: (status, results, summary)."""
    done = subprocess.run(
        [binary(), "check", RULES, "--data", path, "--format", "jsonl", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    results = [record for record in records if record["type"] == "result"]
    summary = [record for record in records if record["type"] == "summary"]
    assert len(summary) == 1, done.stderr
    return done.returncode, results, summary[0]


def comparable(record):
    """A result line without where it was read (the file name and line number differ between
    a whole-file run and a partition on standard input)."""
    record = dict(record)
    record.pop("type", None)
    snapshot = dict(record.pop("snapshot"))
    snapshot.pop("file")
    snapshot.pop("line")
    record["snapshot"] = snapshot
    return json.dumps(record, sort_keys=True)
