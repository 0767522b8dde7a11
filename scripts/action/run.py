#!/usr/bin/env python3
"""The GitHub Action's check step (action.yml).

Runs `constraint check RULES --data D ... --format json`, then
- emits one workflow annotation per failing result at the SNAPSHOT that failed: its file, and
  for JSON lines the line (`::error file=data/x.jsonl,line=7,title=rule FAIL::…`), the rule's
  message and the values that decided it in the message (a `.json` snapshot is annotated at
  line 1, where its document starts);
- writes a Markdown summary (counts and a table of the failing results) to
  $GITHUB_STEP_SUMMARY and the counts to $GITHUB_OUTPUT;
- exits with check's status: 0 clean, 1 a rule that counts failed, 2 could not run. When check
  could not run (rule files that do not load, unreadable data), `constraint lint --format json`
  annotates the rule-file problems and the summary says why.

Inputs come from the environment: CONSTRAINT (the binary), INPUT_RULES, INPUT_DATA (paths
separated by white space or newlines, shell quoting allowed), INPUT_ARGS (extra options),
INPUT_MAX_ANNOTATIONS, INPUT_MAX_SUMMARY_ROWS. Standard library only.
"""

import json
import os
import shlex
import subprocess
import sys
import uuid

FAILING = ("fail", "error", "deferred", "unreadable")
COMMAND_BY_SEVERITY = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text):
    """Workflow command data, escaped as GitHub specifies."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text):
    """A workflow command property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(command, message, file=None, line=None, title=None):
    properties = []
    if file is not None:
        properties.append("file=" + escape_property(file))
        if line is not None:
            properties.append("line=%d" % line)
    if title is not None:
        properties.append("title=" + escape_property(title))
    return "::%s %s::%s" % (command, ",".join(properties), escape_data(message))


def markdown_cell(text):
    """Text safe in one Markdown table cell: no line breaks, no HTML, no markup."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for mark in "\\|`*_[]#~":
        text = text.replace(mark, "\\" + mark)
    return text


def positive_int(name, default):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        sys.exit("%s must be a positive integer, not %r" % (name, text))
    return int(text)


def split_paths(name):
    try:
        return shlex.split(os.environ.get(name, ""))
    except ValueError as error:
        sys.exit("%s: %s" % (name, error))


def explanation_lines(result, expression):
    """`span = value` for each value that decided a failure, spans cut from the expression."""
    source = expression.encode("utf-8") if expression is not None else None
    lines = []
    for item in result.get("explanation", []):
        span = None
        if source is not None:
            start, end = item["start"]["offset"], item["end"]["offset"]
            span = source[start:end].decode("utf-8", "replace")
        text = "%s = %s" % (span, item["value"]) if span else item["value"]
        if item.get("context"):
            text += " (%s)" % item["context"]
        lines.append(text)
    diagnostic = result.get("diagnostic")
    if diagnostic and result["outcome"] != "unreadable":
        lines.append(diagnostic["message"])
    return lines


def write_outputs(values):
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for key, value in values.items():
            text = str(value)
            if "\n" in text or "\r" in text:
                delimiter = "EOF_" + uuid.uuid4().hex
                out.write("%s<<%s\n%s\n%s\n" % (key, delimiter, text, delimiter))
            else:
                out.write("%s=%s\n" % (key, text))


def write_summary(lines):
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def could_not_run(constraint, rules, status, stderr, report_path):
    """check exited 2 before writing a report: annotate the rule-file problems lint finds."""
    print(annotation("error", "constraint check could not run (exit %d):\n%s" % (status, stderr),
                     title="constraint check"))
    problems = []
    lint = subprocess.run([constraint, "lint", "--format", "json", *rules],
                          capture_output=True, text=True)
    try:
        problems = json.loads(lint.stdout)["findings"]
    except (ValueError, KeyError):
        pass
    for finding in problems:
        if finding["severity"] != "error":
            continue
        title = "rule %s" % finding["rule"] if finding["rule"] else "constraint lint"
        print(annotation("error", finding["message"], file=finding["file"],
                         line=finding["line"], title=title))
    summary = ["## constraint check could not run (exit status %d)" % status, ""]
    summary += ["- " + markdown_cell(line) for line in stderr.splitlines() if line.strip()][:50]
    write_summary(summary)
    write_outputs({"exit-status": status, "snapshots": 0, "passed": 0, "failed": 0, "errors": 0,
                   "report": report_path})
    return status


def main():
    constraint = os.environ.get("CONSTRAINT") or "constraint"
    rules = split_paths("INPUT_RULES")
    data = split_paths("INPUT_DATA")
    extra = split_paths("INPUT_ARGS")
    max_annotations = positive_int("INPUT_MAX_ANNOTATIONS", 50)
    max_rows = positive_int("INPUT_MAX_SUMMARY_ROWS", 100)
    if not rules:
        sys.exit("the input rules names no rule file or directory")
    if not data:
        sys.exit("the input data names no snapshot file or directory")
    if any(arg == "--format" or arg.startswith("--format=") for arg in extra):
        sys.exit("args must not set --format: the action reads check's JSON report")
    report_dir = os.environ.get("RUNNER_TEMP") or os.environ.get("TMPDIR") or "/tmp"
    report_path = os.path.join(report_dir, "constraint-check-%s.json" % uuid.uuid4().hex)

    command = [constraint, "check", *rules]
    for path in data:
        command += ["--data", path]
    command += ["--format", "json", *extra]
    print("::group::" + escape_data(shlex.join(command)))
    with open(report_path, "wb") as report:
        process = subprocess.run(command, stdout=report, stderr=subprocess.PIPE)
    stderr = process.stderr.decode("utf-8", "replace")
    sys.stderr.write(stderr)
    print("::endgroup::")
    status = process.returncode
    if status not in (0, 1, 2):
        status = 2
        stderr += "\nconstraint check ended with status %d" % process.returncode
    try:
        with open(report_path, encoding="utf-8") as report:
            document = json.load(report)
    except ValueError:
        return could_not_run(constraint, rules, status, stderr, report_path)

    expressions = {(rule["schema_id"], rule["id"]): rule for rule in document["rules"]}
    failing = [result for result in document["results"] if result["outcome"] in FAILING]
    rows = []
    for index, result in enumerate(failing):
        snapshot = result["snapshot"]
        file = snapshot["file"] if snapshot["file"] != "<stdin>" else None
        line = snapshot["line"] if snapshot["line"] is not None else 1
        rule = expressions.get((result["schema_id"], result["rule"]))
        outcome = result["outcome"]
        if outcome == "unreadable":
            command_name, title = "error", "unreadable snapshot"
        else:
            command_name = COMMAND_BY_SEVERITY.get(result["severity"], "error")
            title = "%s %s" % (result["rule"], outcome.upper())
        details = explanation_lines(result, rule["expression"] if rule else None)
        if rule:
            details.append("rule %s: %s:%d" % (rule["id"], rule["file"], rule["line"]))
        message = "\n".join([result["message"], *details])
        if index < max_annotations:
            print(annotation(command_name, message, file=file,
                             line=line if file is not None else None, title=title))
        location = "%s:%d" % (snapshot["file"], line) if snapshot["line"] else snapshot["file"]
        rows.append("| %s | %s | %s | %s | %s |" % (
            markdown_cell(outcome), markdown_cell(result["rule"] or "—"),
            markdown_cell(result["severity"]), markdown_cell(location),
            markdown_cell(" — ".join([result["message"], *details[:-1]]) if rule
                          else result["message"])))
    if len(failing) > max_annotations:
        print(annotation("warning", "%d more failing results not annotated (max-annotations "
                         "%d); the step summary and the report list them"
                         % (len(failing) - max_annotations, max_annotations),
                         title="constraint check"))

    counts = document["summary"]
    verdict = {0: "passed", 1: "failed"}.get(status, "could not check everything")
    summary = [
        "## constraint check %s (exit status %d)" % (verdict, status), "",
        "| snapshots | rules | passed | failed | errors | skipped | deferred | unreadable |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| %d | %d | %d | %d | %d | %d | %d | %d |" % (
            counts["snapshots"], counts["rules"], counts["passed"], counts["failed"],
            counts["errors"], counts["skipped"], counts["deferred"], counts["unreadable"]),
        "",
    ]
    if rows:
        summary += ["| outcome | rule | severity | snapshot | message |", "|---|---|---|---|---|"]
        summary += rows[:max_rows]
        if len(rows) > max_rows:
            summary += ["", "… and %d more failing results (max-summary-rows %d)."
                        % (len(rows) - max_rows, max_rows)]
    if counts.get("stopped_after"):
        summary += ["", "Stopped after %d failing results (--max-failures)."
                    % counts["stopped_after"]]
    if status == 2 and stderr.strip():
        summary += ["", "Problems:", ""]
        summary += ["- " + markdown_cell(line) for line in stderr.splitlines() if line.strip()]
    write_summary(summary)
    write_outputs({
        "exit-status": status, "snapshots": counts["snapshots"], "passed": counts["passed"],
        "failed": counts["failed"], "errors": counts["errors"], "report": report_path,
    })
    return status


if __name__ == "__main__":
    sys.exit(main())
