#!/usr/bin/env python3
"""Checks every Tests/Conformance/*.jsonl line: valid JSON, required fields, unique ids."""
import glob
import json
import os
import re
import sys

ALLOWED = {"id", "expr", "data", "expect", "error_contains", "types", "now", "context", "note",
           "divergence"}
EXPECTS = {"pass", "fail", "error", "deferred"}


def check_divergences_doc(directory, seen):
  """Every flagged case is listed in docs/DIVERGENCES.md, and every listed id exists."""
  doc_path = os.path.join(directory, "..", "..", "docs", "DIVERGENCES.md")
  if not os.path.exists(doc_path):
    return [f"{doc_path} is missing"]
  with open(doc_path, encoding="utf-8") as handle:
    listed = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+-[0-9]{3})`", handle.read()))
  flagged = set()
  for path in glob.glob(os.path.join(directory, "*.jsonl")):
    with open(path, encoding="utf-8") as handle:
      for line in handle:
        case = json.loads(line)
        if case.get("divergence"):
          flagged.add(case["id"])
  problems = [f"DIVERGENCES.md does not list flagged case {i}" for i in sorted(flagged - listed)]
  problems += [f"DIVERGENCES.md lists unknown case {i}" for i in sorted(listed - set(seen))]
  return problems


def main():
  directory = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  seen = {}
  problems = []
  total = 0
  for path in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as handle:
      for number, line in enumerate(handle, 1):
        where = f"{name}:{number}"
        try:
          case = json.loads(line)
        except json.JSONDecodeError as error:
          problems.append(f"{where}: invalid JSON ({error})")
          continue
        total += 1
        if not isinstance(case, dict):
          problems.append(f"{where}: not an object")
          continue
        for key in ("id", "expr", "data", "expect"):
          if key not in case:
            problems.append(f"{where}: missing {key}")
        unknown = set(case) - ALLOWED
        if unknown:
          problems.append(f"{where}: unknown fields {sorted(unknown)}")
        case_id = case.get("id", "")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case_id):
          problems.append(f"{where}: id {case_id!r} is not kebab-case")
        if case_id in seen:
          problems.append(f"{where}: duplicate id {case_id} (first at {seen[case_id]})")
        seen[case_id] = where
        if case.get("expect") not in EXPECTS:
          problems.append(f"{where}: expect {case.get('expect')!r}")
        if not isinstance(case.get("expr"), str):
          problems.append(f"{where}: expr must be a string")
        contains = case.get("error_contains")
        if contains is not None and (case.get("expect") != "error" or contains != contains.lower()):
          problems.append(f"{where}: error_contains needs expect error and lowercase text")
        if "types" in case and not all(isinstance(v, str) for v in case["types"].values()):
          problems.append(f"{where}: types values must be strings")
        if "divergence" in case and case["divergence"] is not True:
          problems.append(f"{where}: divergence must be true when present")
  problems += check_divergences_doc(directory, seen)
  for problem in problems:
    print(problem)
  print(f"{total} cases, {len(problems)} problems")
  return 1 if problems else 0


if __name__ == "__main__":
  sys.exit(main())
