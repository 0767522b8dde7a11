#!/usr/bin/env python3
"""Validates `check --format sarif` and `lint --format sarif` against the SARIF 2.1.0 schema.

Usage: check-sarif.py CONSTRAINT

The published OASIS schema (sarif-schema-2.1.0.json, JSON Schema draft 4) is not vendored: its
terms are the OASIS IPR policy, not an open-source licence. It is read from $SARIF_SCHEMA when
set, else from .build-schemas/ (downloaded there once from the OASIS TC's repository at a pinned
commit and checked against a pinned SHA-256). Every log must validate, and agree with the JSON
format of the same run: one result per failing pair (per finding for lint), located at the
snapshot file and line, the rule's place as the related location, the exit status in the
invocation. Prints `sarif: N passed, M failed`; exits 1 when a check failed.
"""

import hashlib
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_COMMIT = "e0583813964ec43cea53b6b531b402866095ed1f"
SCHEMA_URL = ("https://raw.githubusercontent.com/oasis-tcs/sarif-spec/%s/sarif-2.1/schema/"
              "sarif-schema-2.1.0.json" % SCHEMA_COMMIT)
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SCHEMA_CACHE = os.path.join(ROOT, ".build-schemas", "sarif-schema-2.1.0.json")

passed = 0
failures = []


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


SCHEMA_MISSING = []


def load_schema():
    """The OASIS schema, or None when it cannot be downloaded (a machine without access to
    GitHub): then only this script's own structural checks run, and it says so loudly."""
    path = os.environ.get("SARIF_SCHEMA") or SCHEMA_CACHE
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(SCHEMA_CACHE), exist_ok=True)
        try:
            with urllib.request.urlopen(SCHEMA_URL, timeout=60) as response:
                data = response.read()
        except OSError as error:
            SCHEMA_MISSING.append("%s: %s" % (SCHEMA_URL, error))
            return None
        with open(SCHEMA_CACHE + ".part", "wb") as file:
            file.write(data)
        os.replace(SCHEMA_CACHE + ".part", SCHEMA_CACHE)
        path = SCHEMA_CACHE
    with open(path, "rb") as file:
        data = file.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SCHEMA_SHA256:
        sys.exit("%s: SHA-256 %s, expected %s (the OASIS SARIF 2.1.0 schema at %s)"
                 % (path, digest, SCHEMA_SHA256, SCHEMA_COMMIT))
    return json.loads(data)


def run(constraint, arguments, cwd=ROOT, stdin=None):
    return subprocess.run([constraint, *arguments], cwd=cwd, capture_output=True, text=True,
                          input=stdin)


def path_of(uri):
    """The file path a SARIF artifact URI stands for."""
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    check(all(c not in uri for c in " %\n,") or "%" in uri, "uri is encoded: %r" % uri)
    return urllib.parse.unquote(uri)


class StructuralValidator:
    """What this script checks of SARIF 2.1.0 itself when the published schema is unavailable:
    the parts of the format our logs use (not a substitute for the schema)."""

    LEVELS = {"none", "note", "warning", "error"}

    def iter_errors(self, log):
        def error(message):
            return type("Error", (), {"message": message})()
        if log.get("version") != "2.1.0":
            yield error("version is not 2.1.0")
        for run in log.get("runs", []):
            driver = run.get("tool", {}).get("driver", {})
            if not isinstance(driver.get("name"), str):
                yield error("runs[].tool.driver.name is not a string")
            for rule in driver.get("rules", []):
                if not isinstance(rule.get("id"), str):
                    yield error("a rule without a string id")
                level = rule.get("defaultConfiguration", {}).get("level", "warning")
                if level not in self.LEVELS:
                    yield error("rule level %r" % level)
            for result in run.get("results", []):
                if result.get("level", "warning") not in self.LEVELS:
                    yield error("result level %r" % result.get("level"))
                if not isinstance(result.get("message", {}).get("text"), str):
                    yield error("a result without message.text")
                for location in result.get("locations", []):
                    physical = location.get("physicalLocation", {})
                    if not isinstance(physical.get("artifactLocation", {}).get("uri"), str):
                        yield error("a location without artifactLocation.uri")
                    region = physical.get("region", {})
                    for key in ("startLine", "startColumn"):
                        if key in region and not (isinstance(region[key], int)
                                                  and region[key] >= 1):
                            yield error("region.%s %r" % (key, region[key]))


class Validator:
    def __init__(self, schema):
        if schema is None:
            self.validator = StructuralValidator()
            return
        jsonschema.Draft4Validator.check_schema(schema)
        self.validator = jsonschema.Draft4Validator(
            schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

    def log(self, text, what):
        """The log parsed and validated; its one run."""
        try:
            log = json.loads(text)
        except ValueError as error:
            check(False, "%s: not JSON: %s: %r" % (what, error, text[:300]))
            return None
        errors = [error.message for error in self.validator.iter_errors(log)]
        check(errors == [], "%s: valid SARIF 2.1.0: %s" % (what, errors[:3]))
        check(log.get("version") == "2.1.0" and len(log.get("runs", [])) == 1,
              "%s: one run of version 2.1.0" % what)
        return log["runs"][0] if log.get("runs") else None


def check_log(validator, constraint, rules, data, what, cwd=ROOT, extra=(), stdin=None):
    """check in SARIF and in JSON on the same input: the two must agree."""
    arguments = ["check", *rules] + [a for d in data for a in ("--data", d)] + list(extra)
    sarif = run(constraint, arguments + ["--format", "sarif"], cwd, stdin)
    reference = run(constraint, arguments + ["--format", "json"], cwd, stdin)
    check(sarif.returncode == reference.returncode, "%s: same exit status" % what)
    sarif_run = validator.log(sarif.stdout, what)
    if sarif_run is None:
        return None, sarif.returncode
    document = json.loads(reference.stdout)
    invocation = sarif_run["invocations"][0]
    check(invocation["exitCode"] == sarif.returncode
          and invocation["executionSuccessful"] == (sarif.returncode != 2),
          "%s: the invocation carries exit %d: %s" % (what, sarif.returncode, invocation))
    rules_by_id = {rule["id"]: index for index, rule in
                   enumerate(sarif_run["tool"]["driver"]["rules"])}
    check(len(rules_by_id) == len(sarif_run["tool"]["driver"]["rules"]), "%s: unique ids" % what)
    expected = [r for r in document["results"]
                if r["outcome"] in ("fail", "error", "deferred", "unreadable")]
    results = sarif_run["results"]
    check(len(results) == len(expected),
          "%s: one result per failing pair: %d, %d" % (what, len(results), len(expected)))
    for result, reference_result in zip(results, expected):
        check(rules_by_id.get(result["ruleId"]) == result["ruleIndex"],
              "%s: ruleIndex names ruleId" % what)
        snapshot = reference_result["snapshot"]
        check(result["properties"]["outcome"] == reference_result["outcome"], "%s: outcome" % what)
        if snapshot["file"] == "<stdin>":
            check(result["locations"] == [], "%s: standard input has no file" % what)
        else:
            location = result["locations"][0]["physicalLocation"]
            check(path_of(location["artifactLocation"]["uri"]) == snapshot["file"],
                  "%s: at the snapshot file: %s" % (what, location))
            check(location["region"]["startLine"] == (snapshot["line"] or 1),
                  "%s: at the snapshot line: %s, %s" % (what, location, snapshot))
        if reference_result["outcome"] == "unreadable":
            check(result["ruleId"] == "unreadable-snapshot", "%s: unreadable rule" % what)
            continue
        rule = [r for r in document["rules"] if r["id"] == reference_result["rule"]
                and r["schema_id"] == reference_result["schema_id"]][0]
        related = result["relatedLocations"][0]["physicalLocation"]
        check(path_of(related["artifactLocation"]["uri"]) == rule["file"]
              and related["region"]["startLine"] == rule["line"]
              and related["region"]["startColumn"] == rule["column"],
              "%s: the rule's expression as the related location" % what)
        level = {"error": "error", "warning": "warning", "info": "note"}[rule["severity"]]
        check(result["level"] == level, "%s: level from the severity" % what)
    return sarif_run, sarif.returncode


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    constraint = os.path.abspath(sys.argv[1])
    validator = Validator(load_schema())

    # The validator is live: a log it must refuse.
    bad = run(constraint, ["lint", "--format", "sarif", "Rules/"]).stdout.replace(
        '"level":"error"', '"level":"fatal"')
    errors = list(validator.validator.iter_errors(json.loads(bad)))
    check(errors != [], "the schema refuses a level that SARIF does not have")

    sarif_run, status = check_log(validator, constraint, ["Rules/"], ["Examples/snapshots/"],
                                  "check examples")
    check(status == 1 and sarif_run and len(sarif_run["results"]) >= 10, "examples fail")
    lines = [r for r in sarif_run["results"] if r["locations"][0]["physicalLocation"]
             ["artifactLocation"]["uri"].endswith(".jsonl")]
    check(len(lines) >= 2 and all(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                                  > 1 for r in lines), "failures inside stream.jsonl by line")
    check(all(r["ruleId"] in {"budget_conservation", "cost_non_negative", "micro_usd_format",
                              "reserve_within_allocation", "entitlement_valid",
                              "rate_consistency", "x402_payment_conservation",
                              "ledger_postings_balanced", "spent_never_decreases",
                              "finalized_never_reopened"} for r in sarif_run["results"]),
          "check: rule ids as ruleId")
    _, status = check_log(validator, constraint, ["Rules/"], ["Examples/snapshots/ok-commit.json"],
                          "check clean")
    check(status == 0, "clean: exit 0")
    check_log(validator, constraint, ["Rules/"], ["-"], "check stdin",
              stdin=open(os.path.join(ROOT, "Examples/snapshots/stream.jsonl")).read())

    scratch = tempfile.mkdtemp(prefix="sarif-")
    try:
        rules = os.path.join(scratch, "rules")
        os.mkdir(rules)
        for schema, severity in (("A", "warning"), ("B", "info")):
            with open(os.path.join(rules, "%s.constraints.json" % schema), "w") as file:
                json.dump({"schema_id": schema, "expression_version": "2.0", "constraints": [
                    {"id": "same", "expression": "a == 1", "severity": severity,
                     "message": "a is 1\n::error::forged"},
                    {"id": "err%s" % schema, "expression": "bigint_gte(a, 0)"}]}, file)
        data = os.path.join(scratch, "data dir", "100% é,:x.jsonl")
        os.makedirs(os.path.dirname(data))
        with open(data, "w") as file:
            file.write('{"a": 1}\n{"a": 2}\n{"a": \n{"a": "x"}\n')
        sarif_run, status = check_log(validator, constraint, [rules], [data], "check hostile")
        check(status == 2, "hostile: an unreadable line: exit 2")
        ids = {rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]}
        check({"A/same", "B/same", "errA", "errB", "unreadable-snapshot"} <= ids,
              "a rule id two schemas share is qualified: %s" % ids)
        check_log(validator, constraint, [rules], [data], "check hostile strict",
                  extra=["--strict", "--no-explain"], cwd=scratch)
        relative = os.path.relpath(data, scratch)
        sarif_run, _ = check_log(validator, constraint, ["rules"], [relative], "check relative",
                                 cwd=scratch)
        uri = sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uri"]
        check(uri == "data%20dir/100%25%20%C3%A9%2C%3Ax.jsonl", "a relative URI: %s" % uri)

        # lint: every finding a result at its file, line and column.
        broken = os.path.join(scratch, "broken")
        os.mkdir(broken)
        with open(os.path.join(broken, "x.constraints.json"), "w") as file:
            file.write('{"schema_id": "X", "expression_version": "2.0", "constraints": [\n'
                       '  {"id": "bad", "expression": "a = 1"},\n'
                       '  {"id": "ext", "expression": "a + 1 > 2"}]}\n')
        with open(os.path.join(broken, "y.constraints.json"), "w") as file:
            file.write('{"schema_id": "Y", "constraints": [{"id": "v", "expression": "a"}]}')
        for arguments, status, codes in [
            (["Rules/"], 0, []),
            (["--portable", broken], 1, ["problem", "non_portable", "warning"]),
            ([broken, os.path.join(scratch, "missing.constraints.json")], 2,
             ["unreadable", "problem", "warning"]),
        ]:
            what = "lint %s" % " ".join(os.path.basename(a) for a in arguments)
            result = run(constraint, ["lint", "--format", "sarif", *arguments])
            reference = json.loads(
                run(constraint, ["lint", "--format", "json", *arguments]).stdout)
            check(result.returncode == status, "%s: exit %d" % (what, result.returncode))
            lint_run = validator.log(result.stdout, what)
            if lint_run is None:
                continue
            found = [r["properties"]["kind"] for r in lint_run["results"]]
            check(sorted(set(found)) == sorted(codes), "%s: kinds %s" % (what, found))
            check(all(re.fullmatch(r"CE[1-6][0-9]{3}", r["ruleId"])
                      for r in lint_run["results"]),
                  "%s: stable codes as ruleId" % what)
            check(len(found) == len(reference["findings"]), "%s: one result a finding" % what)
            for result_item in lint_run["results"]:
                location = result_item["locations"][0]["physicalLocation"]
                finding = [f for f in reference["findings"]
                           if f["file"] == path_of(location["artifactLocation"]["uri"])
                           and f["message"] == result_item["message"]["text"].split("\n")[0]]
                check(len(finding) >= 1, "%s: a finding for %s" % (what, result_item))
                if finding and finding[0]["line"] is not None:
                    check(location["region"] == {"startLine": finding[0]["line"],
                                                 "startColumn": finding[0]["column"]},
                          "%s: line and column" % what)
            check(lint_run["invocations"][0]["exitCode"] == status, "%s: exit code" % what)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("sarif: %d passed, %d failed" % (passed, len(failures)))
    if SCHEMA_MISSING:
        print("WARNING: SARIF logs NOT validated against the published SARIF 2.1.0 schema "
              "(could not download %s); only this script's structural checks ran. "
              "Set SARIF_SCHEMA=PATH to a copy of the schema to validate." % SCHEMA_MISSING[0])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
