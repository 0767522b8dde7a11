#!/usr/bin/env python3
"""Measures how the `constraint` CLI does on a corpus of rule files written for the reference
evaluator, and on the corpus's conformance vectors.

    python3 scripts/corpus-measure.py CORPUS [--constraint PATH] [--details]

CORPUS is a directory holding `constraints/*.constraints.json` and, optionally, `vectors/`
(for instance the public loa-hounfour repository, extracted locally: it is AGPL, so neither it
nor anything taken from it belongs in this repository). The script reads the corpus, runs the
CLI (default `.build/release/constraint`) and prints:

1. how many rule files load unchanged (and how many with a warning), how many constraints
   there are, how many are meant for the evaluator (not `runtime-deferred` / `native`), and
   how many of those compile;
2. every rejected constraint with the reason, grouped by class (prose, JavaScript syntax,
   unknown builtin, ...); a reason the script cannot classify is listed as `unclassified`;
3. the conformance vectors that name an expected result for a constraint — cross-ecosystem
   vectors (`expected_evaluation`), conformance vectors naming a violated constraint
   (`expected_output.constraint_violated`, `metadata.expected_constraint_violations`), the
   constraint-level invalid fixtures (`vectors/_meta/constraint-level-invalids.json`) and the
   `valid/` documents of each schema — checked with `constraint check --keep-going`, and every
   difference from the expectation.

Nothing is written anywhere but a temporary directory.
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cli, arguments):
  done = subprocess.run([cli] + arguments, capture_output=True, text=True)
  return done.returncode, done.stdout, done.stderr


# Reasons a rule author would recognise, matched against the compile diagnostic and the
# expression (first match wins).
CLASSES = [
  ("prose (a sentence where an expression belongs)", lambda message, expression:
   re.search(r"unexpected `[A-Z][A-Za-z]*` after the end", message) is not None
   or re.search(r"\b(MUST|SHOULD)\b", expression) is not None),
  ("JavaScript syntax: method call such as Object.keys(…) or .includes(…)",
   lambda message, expression: "is not a method" in message),
  ("JavaScript syntax: arrow function with a parenthesised parameter",
   lambda message, expression: "expected a variable name in `.every" in message),
  ("JSONPath syntax: wildcard index [*]",
   lambda message, expression: "an index must be a non-negative integer literal" in message
   and "[*]" in expression),
  ("`.` for the whole record (not in the grammar)",
   lambda message, expression: "expected an expression, found `.`" in message),
  ("unknown builtin", lambda message, expression: "unknown function" in message),
  ("a `native:` marker where an expression belongs (use evaluation_geometry: native)",
   lambda message, expression: expression.startswith("native:")),
  ("not an expression (other syntax)",
   lambda message, expression: message.startswith(("unexpected character", "expected"))),
  ("comparison the types decide",
   lambda message, expression: "never true" in message or "always true" in message
   or "canonical" in message or "never equal" in message or "is never `" in message),
]


def classify(message, expression):
  for name, matches in CLASSES:
    if matches(message, expression):
      return name
  return "unclassified"


def measure_rules(cli, corpus, scratch, details):
  files = sorted(glob.glob(os.path.join(corpus, "constraints", "*.constraints.json")))
  empty = os.path.join(scratch, "empty.json")
  with open(empty, "w") as handle:
    handle.write("{}")
  loaded = warned = 0
  constraints = evaluated = compiled = 0
  rejected = []
  unloadable = []
  rule_files = {}
  for path in files:
    with open(path, encoding="utf-8") as handle:
      document = json.load(handle)
    for rule in document.get("constraints", []):
      rule_files.setdefault(rule.get("id"), []).append(path)
    status, _, lint_err = run(cli, ["lint", path])
    status, out, err = run(
      cli, ["check", path, "--data", empty, "--keep-going", "--format", "json", "--all"])
    if not out.strip():
      unloadable.append((path, err.strip().splitlines()[:3]))
      constraints += len(document.get("constraints", []))
      continue
    loaded += 1
    if "warning:" in lint_err:
      warned += 1
    report = json.loads(out)
    broken = {}
    for result in report["results"]:
      message = result.get("message") or ""
      if result["outcome"] == "error" and message.startswith("does not compile: "):
        broken[result["rule"]] = message[len("does not compile: "):]
    for rule in report["rules"]:
      constraints += 1
      if rule["skipped"] is not None:
        continue
      evaluated += 1
      if rule["id"] in broken:
        message = broken[rule["id"]]
        rejected.append((os.path.basename(path), rule["id"], classify(
          message, rule["expression"]), message, rule["expression"]))
      else:
        compiled += 1
  print(f"rule files: {len(files)}; load unchanged: {loaded} ({warned} of them with a "
        f"warning); do not load: {len(unloadable)}")
  for path, lines in unloadable:
    print(f"  does not load: {os.path.basename(path)}: {' | '.join(lines)}")
  print(f"constraints: {constraints}; meant for the evaluator: {evaluated}; compile: "
        f"{compiled}; rejected: {len(rejected)}")
  by_class = collections.defaultdict(list)
  for entry in rejected:
    by_class[entry[2]].append(entry)
  for name in sorted(by_class, key=lambda key: -len(by_class[key])):
    print(f"  {len(by_class[name]):3}  {name}")
    for file, rule_id, _, message, expression in by_class[name]:
      line = f"         {file} {rule_id}: {message}"
      print(line if details else line[:150])
      if details:
        print(f"           {expression[:200]}")
  return rule_files


def vector_cases(corpus, rule_files):
  """(label, rule file, rule id or None, expected, document) for every vector with an
  expectation about a constraint; expected is pass, fail, or no-fail (every rule)."""
  vectors = os.path.join(corpus, "vectors")
  cases = []
  for path in sorted(glob.glob(os.path.join(vectors, "cross-ecosystem", "*.json"))):
    with open(path, encoding="utf-8") as handle:
      document = json.load(handle)
    for vector in document.get("vectors", []):
      evaluation = vector.get("expected_evaluation")
      if not evaluation:
        continue
      file = os.path.join(corpus, "constraints",
                          evaluation["constraint_file"] + ".constraints.json")
      for result in evaluation["results"]:
        cases.append((f"cross-ecosystem/{vector['id']}", file, result["constraint_id"],
                      result["expected"], vector.get("data")))
  for path in sorted(glob.glob(os.path.join(vectors, "**", "*.json"), recursive=True)):
    try:
      with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    except (ValueError, UnicodeDecodeError):
      continue
    if not isinstance(document, dict) or not isinstance(document.get("input"), dict):
      continue
    named = []
    violated = (document.get("expected_output") or {}).get("constraint_violated")
    if isinstance(violated, str):
      named.append(violated)
    named += (document.get("metadata") or {}).get("expected_constraint_violations") or []
    for rule_id in dict.fromkeys(named):
      for file in rule_files.get(rule_id, []):
        cases.append((os.path.relpath(path, vectors), file, rule_id, "fail", document["input"]))
  meta = os.path.join(vectors, "_meta", "constraint-level-invalids.json")
  if os.path.exists(meta):
    with open(meta, encoding="utf-8") as handle:
      fixtures = json.load(handle).get("fixtures", [])
    for fixture in fixtures:
      file = os.path.join(corpus, "constraints", fixture.split("/")[0] + ".constraints.json")
      with open(os.path.join(vectors, fixture), encoding="utf-8") as handle:
        cases.append((fixture, file, None, "some-fail", json.load(handle)))
  for path in sorted(glob.glob(os.path.join(vectors, "*", "**", "valid", "*.json"),
                               recursive=True)):
    schema = os.path.relpath(path, vectors).split(os.sep)[0]
    file = os.path.join(corpus, "constraints", schema + ".constraints.json")
    if os.path.exists(file):
      with open(path, encoding="utf-8") as handle:
        cases.append((os.path.relpath(path, vectors), file, None, "no-fail", json.load(handle)))
  return [case for case in cases if os.path.exists(case[1])]


def measure_vectors(cli, corpus, rule_files, scratch):
  cases = vector_cases(corpus, rule_files)
  if not cases:
    print("conformance vectors: none found")
    return
  agree = 0
  differences = []
  for number, (label, file, rule_id, expected, data) in enumerate(cases):
    snapshot = os.path.join(scratch, f"vector-{number}.json")
    with open(snapshot, "w", encoding="utf-8") as handle:
      json.dump(data, handle)
    _, out, err = run(cli, ["check", file, "--data", snapshot, "--keep-going", "--format",
                            "json", "--all"])
    if not out.strip():
      differences.append((label, os.path.basename(file), rule_id, expected, "unloadable",
                          err.strip()[:160]))
      continue
    results = json.loads(out)["results"]
    outcomes = {result["rule"]: (result["outcome"], result.get("message") or "")
                for result in results}
    if rule_id is not None:
      got, message = outcomes.get(rule_id, ("absent", ""))
      if got == expected:
        agree += 1
      else:
        differences.append((label, os.path.basename(file), rule_id, expected, got, message))
      continue
    failing = {rule: outcome for rule, outcome in outcomes.items()
               if outcome[0] in ("fail", "error", "deferred")}
    if expected == "some-fail":
      if any(outcome[0] == "fail" for outcome in failing.values()):
        agree += 1
      else:
        differences.append((label, os.path.basename(file), None, expected,
                            json.dumps({rule: o[0] for rule, o in failing.items()}) or "all pass",
                            ""))
    else:
      if not failing:
        agree += 1
      else:
        for rule, (got, message) in failing.items():
          differences.append((label, os.path.basename(file), rule, "not fail", got, message))
  kinds = collections.Counter(case[3] for case in cases)
  print(f"conformance vectors: {len(cases)} expectations ({dict(kinds)}); agree: {agree}; "
        f"differ: {len(differences)}")
  # Differences grouped by rule and kind: a rule that does not compile differs on every
  # document it meets (its reason is listed above).
  groups = collections.OrderedDict()
  for label, file, rule_id, expected, got, message in differences:
    broken = message.startswith("does not compile: ")
    kind = "rule does not compile" if broken else f"expected {expected}, got {got}"
    groups.setdefault((file, rule_id, kind), []).append((label, message))
  for (file, rule_id, kind), items in groups.items():
    label, message = items[0]
    example = "" if kind == "rule does not compile" else f" (e.g. {label}: {message[:120]})"
    print(f"  {len(items):3}  {file} {rule_id}: {kind}{example}")


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("corpus", help="directory with constraints/ (and vectors/)")
  parser.add_argument("--constraint", default=os.path.join(ROOT, ".build/release/constraint"))
  parser.add_argument("--details", action="store_true", help="full messages and expressions")
  arguments = parser.parse_args()
  if not os.path.isdir(os.path.join(arguments.corpus, "constraints")):
    sys.exit(f"{arguments.corpus} has no constraints/ directory")
  if not os.access(arguments.constraint, os.X_OK):
    sys.exit(f"no executable {arguments.constraint}: swift build -c release --product constraint")
  with tempfile.TemporaryDirectory(prefix="corpus-measure-") as scratch:
    rule_files = measure_rules(arguments.constraint, arguments.corpus, scratch, arguments.details)
    measure_vectors(arguments.constraint, arguments.corpus, rule_files, scratch)


if __name__ == "__main__":
  main()
