#!/usr/bin/env python3
"""Tests the GitHub Action (action.yml, scripts/action/) in a simulated runner.

Usage: test_action.py CONSTRAINT TARBALL
  CONSTRAINT  the constraint binary run.py runs
  TARBALL     a release tarball from `make dist` (with its .sha256 beside it) for install.sh

A runner is simulated with temporary GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY files and
RUNNER_TEMP; annotations are parsed back from standard output (properties and data unescaped),
outputs from the output file (both of GitHub's syntaxes). The composite action itself is run
step by step from action.yml, its ${{ }} expressions filled in as the runner would.
Prints `action: N passed, M failed`; exits 1 when a check failed.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "scripts", "action", "run.py")
INSTALL = os.path.join(ROOT, "scripts", "action", "install.sh")
ANNOTATION = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")

passed = 0
failures = []


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def unescape(text):
    return (text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse_annotations(stdout):
    """Every workflow-command line that is an annotation: (command, properties, message)."""
    found = []
    for line in stdout.split("\n"):
        match = ANNOTATION.match(line)
        if not match:
            continue
        properties = {}
        for part in match.group(2).split(","):
            if part:
                key, _, value = part.partition("=")
                properties[key] = unescape(value)
        found.append((match.group(1), properties, unescape(match.group(3))))
    return found


def parse_outputs(path):
    """GITHUB_OUTPUT: `key=value` lines and `key<<DELIMITER` blocks."""
    outputs = {}
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[key] = "\n".join(lines[index + 1:end])
            index = end + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
        index += 1
    return outputs


class Runner:
    """A scratch runner: the files a GitHub runner gives a step."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="action-runner-")
        self.temp = os.path.join(self.directory, "temp")
        os.mkdir(self.temp)
        self.files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            self.files[name] = os.path.join(self.directory, name.lower())
            open(self.files[name], "w").close()

    def environment(self, extra):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("INPUT_", "GITHUB_"))}
        env.update(self.files)
        env["RUNNER_TEMP"] = self.temp
        env["GITHUB_ACTION_PATH"] = ROOT
        env.update(extra)
        return env

    def run(self, command, extra, cwd=ROOT):
        return subprocess.run(command, env=self.environment(extra), cwd=cwd,
                              capture_output=True, text=True, timeout=600)

    def read(self, name):
        with open(self.files[name], encoding="utf-8") as file:
            return file.read()

    def outputs(self):
        return parse_outputs(self.files["GITHUB_OUTPUT"])

    def close(self):
        shutil.rmtree(self.directory, ignore_errors=True)


def check_json(constraint, rules, snapshot_text):
    """The independent verdict: check's JSON results for one snapshot written to a file."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "one.json")
        with open(path, "w", encoding="utf-8") as file:
            file.write(snapshot_text)
        result = subprocess.run([constraint, "check", rules, "--data", path, "--format", "json"],
                                capture_output=True, text=True)
        return json.loads(result.stdout)


def test_examples(constraint):
    """The shipped rules on the examples: an annotation at each failing snapshot and line."""
    runner = Runner()
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": "Rules/", "INPUT_DATA": "Examples/snapshots/"})
    check(result.returncode == 1, "examples: exit 1, got %d: %s" % (result.returncode,
                                                                      result.stderr))
    annotations = parse_annotations(result.stdout)
    reference = json.loads(subprocess.run(
        [constraint, "check", "Rules/", "--data", "Examples/snapshots/", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True).stdout)
    failing = reference["summary"]["failed"] + reference["summary"]["errors"]
    check(failing > 10, "examples: the examples violate rules (%d)" % failing)
    check(len(annotations) == failing,
          "examples: one annotation per failing pair: %d, %d" % (len(annotations), failing))
    jsonl_seen = 0
    for command, properties, message in annotations:
        file = properties.get("file", "")
        check(command == "error", "examples: error-severity rules give ::error")
        check(file.startswith("Examples/snapshots/"), "examples: at the snapshot: %s" % file)
        check("line" in properties, "examples: with a line: %s" % properties)
        rule = properties["title"].rsplit(" ", 1)[0]
        check(properties["title"].endswith(" FAIL"), "examples: title %s" % properties["title"])
        check("rule %s: Rules/billing.constraints.json:" % rule in message,
              "examples: the rule's place in the message: %r" % message)
        line = int(properties["line"])
        if file.endswith(".jsonl"):
            # The line the annotation names, checked alone, fails that very rule.
            jsonl_seen += 1
            with open(os.path.join(ROOT, file), encoding="utf-8") as snapshots:
                text = snapshots.read().split("\n")[line - 1]
            verdict = check_json(constraint, os.path.join(ROOT, "Rules"), text)
            outcomes = {item["rule"]: item["outcome"] for item in verdict["results"]}
            check(outcomes.get(rule) == "fail",
                  "examples: %s:%d fails %s on its own: %s" % (file, line, rule, outcomes))
        else:
            check(line == 1, "examples: a .json snapshot at line 1")
    check(jsonl_seen >= 2, "examples: failures inside stream.jsonl annotated (%d)" % jsonl_seen)

    outputs = runner.outputs()
    check(outputs.get("exit-status") == "1", "examples: output exit-status: %s" % outputs)
    check(outputs.get("failed") == str(reference["summary"]["failed"]), "examples: failed")
    check(outputs.get("snapshots") == str(reference["summary"]["snapshots"]), "examples: count")
    report = outputs.get("report", "")
    check(report.startswith(runner.temp) and os.path.isfile(report),
          "examples: the JSON report in RUNNER_TEMP: %s" % report)

    summary = runner.read("GITHUB_STEP_SUMMARY")
    check(summary.startswith("## constraint check failed (exit status 1)\n"),
          "examples: summary heading: %r" % summary[:80])
    counts = reference["summary"]
    check("| %d | %d | %d | %d |" % (counts["snapshots"], counts["rules"], counts["passed"],
                                      counts["failed"]) in summary, "examples: summary counts")
    rows = [line for line in summary.split("\n") if line.startswith("| fail |")]
    check(len(rows) == failing, "examples: one table row per failure: %d" % len(rows))
    check(all(line.count(" | ") == 4 for line in rows), "examples: five cells in every row")
    runner.close()


def test_limits(constraint):
    """max-annotations and max-summary-rows cap what is written, and say so."""
    runner = Runner()
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": "Rules/", "INPUT_DATA": "Examples/snapshots/",
        "INPUT_MAX_ANNOTATIONS": "3", "INPUT_MAX_SUMMARY_ROWS": "2"})
    annotations = parse_annotations(result.stdout)
    check(len(annotations) == 4 and annotations[3][0] == "warning"
          and "not annotated" in annotations[3][2], "limits: 3 annotations and a warning")
    summary = runner.read("GITHUB_STEP_SUMMARY")
    check(len([l for l in summary.split("\n") if l.startswith("| fail |")]) == 2, "limits: rows")
    check("more failing results (max-summary-rows 2)" in summary, "limits: the rest counted")
    runner.close()


def test_clean(constraint):
    runner = Runner()
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": "Rules/billing.constraints.json",
        "INPUT_DATA": "Examples/snapshots/ok-commit.json\nExamples/snapshots/"
                      "ok-reserve-with-x402-payment.json"})
    check(result.returncode == 0, "clean: exit 0: %s" % result.stderr)
    check(parse_annotations(result.stdout) == [], "clean: no annotation")
    check(runner.outputs().get("exit-status") == "0", "clean: output exit-status 0")
    check(runner.outputs().get("snapshots") == "2", "clean: both data inputs checked")
    summary = runner.read("GITHUB_STEP_SUMMARY")
    check(summary.startswith("## constraint check passed (exit status 0)"), "clean: summary")
    check("| outcome |" not in summary, "clean: no failure table")
    runner.close()


def test_could_not_run(constraint):
    """A rule file that does not load: exit 2, the problem annotated at its rule file line."""
    runner = Runner()
    rules = os.path.join(runner.directory, "rules")
    os.mkdir(rules)
    broken = os.path.join(rules, "b.constraints.json")
    with open(broken, "w") as file:
        file.write('{"schema_id": "S", "expression_version": "2.0", "constraints": [\n'
                   '  {"id": "typo", "expression": "a = 1"}\n]}\n')
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": rules, "INPUT_DATA": "Examples/snapshots/"})
    check(result.returncode == 2, "broken: exit 2, got %d" % result.returncode)
    annotations = parse_annotations(result.stdout)
    at_rule = [a for a in annotations if a[1].get("file") == broken]
    check(len(at_rule) == 1 and at_rule[0][1].get("line") == "2"
          and at_rule[0][1].get("title") == "rule typo", "broken: at the rule: %s" % annotations)
    check(runner.outputs().get("exit-status") == "2", "broken: output exit-status 2")
    check(runner.read("GITHUB_STEP_SUMMARY").startswith("## constraint check could not run"),
          "broken: summary says it could not run")
    # Unreadable data: the report exists, the status is 2, the line is annotated.
    data = os.path.join(runner.directory, "data.jsonl")
    with open(data, "w") as file:
        file.write('{"a": 1}\n{"a": \n')
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": "Rules/", "INPUT_DATA": data})
    check(result.returncode == 2, "unreadable: exit 2")
    unreadable = [a for a in parse_annotations(result.stdout)
                  if a[1].get("title") == "unreadable snapshot"]
    check(len(unreadable) == 1 and unreadable[0][1].get("line") == "2",
          "unreadable: annotated at line 2: %s" % unreadable)
    runner.close()


def test_hostile_names(constraint):
    """A file name and a rule message that hold the annotation syntax stay data."""
    runner = Runner()
    rules = os.path.join(runner.directory, "r")
    os.mkdir(rules)
    with open(os.path.join(rules, "x.constraints.json"), "w") as file:
        json.dump({"schema_id": "S", "expression_version": "2.0", "constraints": [
            {"id": "r", "expression": "a == 1",
             "message": "bad%0A::error file=forged::x\n::warning::y, z: 100%"}]}, file)
    name = os.path.join(runner.directory, "d,line=9:x%0A,title=t.jsonl")
    with open(name, "w") as file:
        file.write('{"a": 1}\n{"a": 2}\n')
    result = runner.run([sys.executable, RUN], {
        "CONSTRAINT": constraint, "INPUT_RULES": rules, "INPUT_DATA": "'%s'" % name})
    check(result.returncode == 1, "hostile: exit 1: %s" % result.stderr)
    lines = [l for l in result.stdout.split("\n") if l.startswith("::")
             and not l.startswith(("::group::", "::endgroup::"))]
    check(len(lines) == 1, "hostile: one command line: %s" % lines)
    annotations = parse_annotations(result.stdout)
    check(len(annotations) == 1, "hostile: one annotation")
    if annotations:
        _, properties, message = annotations[0]
        check(properties.get("file") == name and properties.get("line") == "2",
              "hostile: the file name round-trips: %s" % properties)
        check(message.startswith("bad%0A::error file=forged::x\n::warning::y, z: 100%"),
              "hostile: the message round-trips: %r" % message)
    runner.close()


def test_inputs(constraint):
    runner = Runner()
    for extra, what in [({"INPUT_ARGS": "--format junit"}, "--format in args"),
                        ({"INPUT_DATA": ""}, "no data"),
                        ({"INPUT_MAX_ANNOTATIONS": "0"}, "max-annotations 0")]:
        environment = {"CONSTRAINT": constraint, "INPUT_RULES": "Rules/",
                       "INPUT_DATA": "Examples/snapshots/"}
        environment.update(extra)
        result = runner.run([sys.executable, RUN], environment)
        check(result.returncode not in (0,), "inputs: %s refused" % what)
    runner.close()


def test_install(tarball):
    name = os.path.basename(tarball)
    with open(tarball, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    url = "file://" + os.path.abspath(tarball)

    runner = Runner()
    result = runner.run(["bash", INSTALL], {"INPUT_URL": url, "INPUT_SHA256": digest.upper()})
    check(result.returncode == 0, "install: pinned sha256: %s" % result.stdout + result.stderr)
    path = runner.outputs().get("path", "")
    check(path.startswith(runner.temp) and path.endswith("/constraint"), "install: %s" % path)
    check(runner.read("GITHUB_PATH").strip() == os.path.dirname(path), "install: GITHUB_PATH")
    version = subprocess.run([path, "--version"], capture_output=True, text=True)
    check(version.returncode == 0 and version.stdout.startswith("constraint "), "install: runs")
    runner.close()

    # Without the input, the .sha256 beside the tarball.
    runner = Runner()
    result = runner.run(["bash", INSTALL], {"INPUT_URL": url})
    check(result.returncode == 0, "install: .sha256 beside: %s" % result.stdout)
    runner.close()

    # A wrong checksum, a tampered .sha256, a missing .sha256, no url or version: nothing.
    scratch = tempfile.mkdtemp(prefix="action-release-")
    copy = os.path.join(scratch, name)
    shutil.copy(tarball, copy)
    with open(copy + ".sha256", "w") as file:
        file.write("%s  %s\n" % ("0" * 64, name))
    lone = os.path.join(scratch, "lone", name)
    os.makedirs(os.path.dirname(lone))
    shutil.copy(tarball, lone)
    cases = [
        ({"INPUT_URL": url, "INPUT_SHA256": "f" * 64}, "SHA-256 mismatch"),
        ({"INPUT_URL": url, "INPUT_SHA256": "not-a-digest"}, "not a SHA-256"),
        ({"INPUT_URL": "file://" + copy}, "SHA-256 mismatch"),
        ({"INPUT_URL": "file://" + lone}, "cannot download"),
        ({"INPUT_URL": "file://" + scratch + "/missing.tar.gz", "INPUT_SHA256": digest},
         "cannot download"),
        ({"INPUT_VERSION": "", "INPUT_URL": ""}, "give the input version"),
        ({"INPUT_VERSION": "0.1.0", "INPUT_URL": ""}, "cannot tell which repository"),
        ({"INPUT_URL": url, "INPUT_BUILD_FROM_SOURCE": "yes"}, "must be true or false"),
    ]
    for extra, error in cases:
        runner = Runner()
        result = runner.run(["bash", INSTALL], extra)
        check(result.returncode == 1 and error in result.stdout,
              "install refuses (%s): %d %s" % (error, result.returncode, result.stdout))
        check(runner.outputs() == {} and runner.read("GITHUB_PATH") == "",
              "install: nothing installed after %s" % error)
        runner.close()
    shutil.rmtree(scratch, ignore_errors=True)


EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def run_composite(inputs, runner):
    """Runs action.yml's steps as the runner does: ${{ }} filled in, outputs passed on."""
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as file:
        action = yaml.safe_load(file)
    check(action["runs"]["using"] == "composite", "composite action")
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    for name, spec in action["inputs"].items():
        if spec.get("required"):
            check(name in inputs, "composite: the test gives the required input %s" % name)
    unknown = set(inputs) - set(values)
    check(not unknown, "composite: inputs the action declares: %s" % unknown)
    values.update(inputs)
    steps = {}

    def fill(text):
        def value(match):
            expression = match.group(1)
            if expression.startswith("inputs."):
                return str(values[expression[len("inputs."):]])
            if expression.startswith("steps."):
                step, _, key = expression[len("steps."):].partition(".outputs.")
                return steps.get(step, {}).get(key, "")
            if expression == "github.action_repository":
                return "example/ConstraintEngine"
            raise KeyError("an expression the simulation does not know: " + expression)
        return EXPRESSION.sub(value, str(text))

    result = None
    for step in action["runs"]["steps"]:
        open(runner.files["GITHUB_OUTPUT"], "w").close()
        env = {key: fill(value) for key, value in step.get("env", {}).items()}
        check(step["shell"] == "bash", "composite: bash steps")
        result = runner.run(["bash", "-e", "-c", fill(step["run"])], env, cwd=runner.directory)
        steps[step["id"]] = runner.outputs()
        if result.returncode != 0:
            break
    outputs = {name: fill(spec["value"]) for name, spec in action["outputs"].items()}
    return result, outputs


def test_composite(tarball):
    """action.yml end to end: install from the tarball, check, outputs wired through."""
    runner = Runner()
    shutil.copytree(os.path.join(ROOT, "Rules"), os.path.join(runner.directory, "Rules"))
    shutil.copytree(os.path.join(ROOT, "Examples", "snapshots"),
                    os.path.join(runner.directory, "snapshots"))
    with open(tarball, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    result, outputs = run_composite({
        "data": "snapshots/", "url": "file://" + os.path.abspath(tarball), "sha256": digest,
    }, runner)
    check(result.returncode == 1, "composite: check's exit 1: %s" % result.stderr[-500:])
    check(outputs["exit-status"] == "1" and int(outputs["failed"]) > 0,
          "composite: outputs: %s" % outputs)
    annotations = parse_annotations(result.stdout)
    check(annotations and all(a[1]["file"].startswith("snapshots/") for a in annotations),
          "composite: annotations at the snapshots")
    check("## constraint check failed" in runner.read("GITHUB_STEP_SUMMARY"), "composite: summary")

    # A wrong checksum stops the job at the install step.
    result, outputs = run_composite({
        "data": "snapshots/", "url": "file://" + os.path.abspath(tarball), "sha256": "0" * 64,
    }, runner)
    check(result.returncode == 1 and "SHA-256 mismatch" in result.stdout,
          "composite: a wrong checksum fails the install step")
    check(outputs["exit-status"] == "", "composite: check never ran")
    runner.close()


def test_readme_example():
    """The README's workflow uses the action with inputs it declares, the required ones given."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as file:
        match = re.search(r"## GitHub Action\n\n```yaml\n(.*?)```", file.read(), re.S)
    check(match is not None, "README: a workflow example")
    if not match:
        return
    check(len(match.group(1).strip().split("\n")) <= 5, "README: five lines at most")
    workflow = yaml.safe_load(match.group(1))
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as file:
        inputs = yaml.safe_load(file)["inputs"]
    uses = [step for job in workflow["jobs"].values() for step in job["steps"]
            if "ConstraintEngine@" in step.get("uses", "")]
    check(len(uses) == 1, "README: one step uses the action")
    given = uses[0].get("with", {}) if uses else {}
    check(set(given) <= set(inputs), "README: inputs the action has: %s" % given)
    check(all(name in given for name, spec in inputs.items() if spec.get("required")),
          "README: the required inputs given")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    constraint = os.path.abspath(sys.argv[1])
    tarball = sys.argv[2]
    test_examples(constraint)
    test_limits(constraint)
    test_clean(constraint)
    test_could_not_run(constraint)
    test_hostile_names(constraint)
    test_inputs(constraint)
    test_install(tarball)
    test_composite(tarball)
    test_readme_example()
    print("action: %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
