#!/usr/bin/env python3
"""Checks schema/constraints.schema.json against the rule-file loader it describes.

    scripts/check-schema.py CONSTRAINT_BINARY

1. The schema is a valid JSON Schema (draft 2020-12).
2. Every rule file in the repository (git ls-files '*.constraints.json') and every fuzz seed of
   the rulefile target validates, and the loader accepts each.
3. The named cases in schema/tests/cases.jsonl: the loader (the binary: `constraint lint
   --format json` on each case as a file) gives the verdict the case declares, and so does the
   schema, except for the cases marked `schema_gap` (what a schema cannot express), where the
   schema must give the other verdict, so the list of gaps stays true.
4. Generated variants of a rule file that uses every key: each key removed, each value replaced
   by values of every JSON type and by near-miss strings, an unknown key added at each level.
   The schema and the loader must agree on every one.

The loader's verdict on a file is "rejected" when lint reports a problem that is not an
expression's (expressions are compiled after loading; the schema does not parse them) and not
a duplicate id (found across the loaded rules, also after loading). Prints one line per failure
and a closing count line; exits 1 on any failure.
"""

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(ROOT, "schema", "constraints.schema.json")
CASES_PATH = os.path.join(ROOT, "schema", "tests", "cases.jsonl")


class DuplicateKey(ValueError):
    pass


def strict_pairs(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise DuplicateKey("duplicate key")
    return dict(pairs)


def schema_verdict(validator, data):
    """'accept', 'reject' (with the first error), or 'cannot decide' for bytes that are not a
    JSON document the schema could be applied to."""
    try:
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            return "cannot decide", "byte order mark"
        document = json.loads(text, object_pairs_hook=strict_pairs)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        return "cannot decide", str(error)[:80]
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        return "reject", f"{list(errors[0].absolute_path)}: {errors[0].message[:100]}"
    return "accept", ""


def loader_verdict(binary, path):
    result = subprocess.run(
        [binary, "lint", "--format", "json", path], capture_output=True, env={"NO_COLOR": "1"})
    if result.returncode not in (0, 1):
        raise RuntimeError(f"lint exited {result.returncode} on {path}: {result.stderr[:300]!r}")
    report = json.loads(result.stdout)
    problems = [
        finding for finding in report["findings"]
        if finding["kind"] == "problem" and finding["expression"] is None
        and not finding["message"].startswith("duplicate rule id")
    ]
    if problems:
        return "reject", problems[0]["message"][:100]
    return "accept", ""


def loader_verdicts(binary, files):
    """The loader's verdict on each (name, bytes), each written to a file of its own."""
    with tempfile.TemporaryDirectory(prefix="schema-check-") as directory:
        paths = []
        for index, (_, data) in enumerate(files):
            path = os.path.join(directory, f"{index:05d}.constraints.json")
            with open(path, "wb") as handle:
                handle.write(data)
            paths.append(path)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return list(pool.map(lambda path: loader_verdict(binary, path), paths))


def repository_rule_files():
    listed = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "*.constraints.json", "Fuzz/seeds/rulefile/*"],
        capture_output=True, text=True, check=True).stdout.split()
    files = []
    for name in listed:
        with open(os.path.join(ROOT, name), "rb") as handle:
            files.append((name, handle.read()))
    return files


def named_cases():
    cases = []
    with open(CASES_PATH, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            case = json.loads(line)
            if "document" in case:
                data = json.dumps(case["document"], ensure_ascii=False).encode()
            else:
                data = case["text"].encode("utf-8", "surrogatepass")
            cases.append((case, data))
    return cases


# Values of every JSON type, and strings near the accepted ones.
REPLACEMENTS = [None, True, False, 0, -1, 2.5, "", " ", "x", "error", "native", "2.0", "a.b",
                [], ["x"], [None], {}, {"when": "f"}, {"a": "b"}]


def base_document():
    return {
        "$schema": "s", "schema_id": "Base", "contract_version": "1.0.0",
        "expression_version": "2.0", "origin": "o", "category": "c", "metadata": {"m": 1},
        "description": "d", "evaluation_note": "n", "native_enforcement": "e",
        "institutional_context": "i",
        "constraints": [{
            "id": "a", "expression": "a == 1", "severity": "warning", "message": "m",
            "fields": ["a"], "type_signature": {"a": "bigint", "b.c[0]": "string"},
            "category": "c", "condition": {"when": "f", "override_text": "a == 2"},
            "evaluator": "library", "evaluation_geometry": "planar", "$schema": "s",
            "origin": "o", "metadata": {}, "description": "d", "evaluation_note": "n",
            "native_enforcement": "e", "institutional_context": "i", "contract_version": "1",
        }],
    }


def generated_variants():
    """(name, document) pairs: every object of the base document mutated key by key."""
    variants = [("base", base_document())]

    def objects(document):
        # Paths (lists of keys and indexes) to every object the loader reads.
        yield []
        yield ["constraints", 0]
        yield ["constraints", 0, "type_signature"]
        yield ["constraints", 0, "condition"]

    def at(document, path):
        for step in path:
            document = document[step]
        return document

    for path in objects(base_document()):
        label = "/".join(map(str, path)) or "(top)"
        for key in list(at(base_document(), path)):
            document = base_document()
            del at(document, path)[key]
            variants.append((f"{label}: without {key}", document))
            for value in REPLACEMENTS:
                document = base_document()
                at(document, path)[key] = value
                variants.append((f"{label}: {key} = {json.dumps(value)}", document))
        for key in ["unknown", "Schema_id", "id", "when", "constraints", "type_signature"]:
            document = base_document()
            if key in at(document, path):
                continue
            at(document, path)[key] = "x"
            variants.append((f"{label}: added {key}", document))
    for value in REPLACEMENTS:
        document = base_document()
        document["constraints"] = [value]
        variants.append((f"constraints: [{json.dumps(value)}]", document))
        document = base_document()
        document["constraints"][0]["fields"] = [value]
        variants.append((f"fields: [{json.dumps(value)}]", document))
    return variants


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    passed = 0
    failures = []

    repository = repository_rule_files()
    for (name, data), loader in zip(repository, loader_verdicts(binary, repository)):
        schema_result = schema_verdict(validator, data)
        if loader[0] == "accept" and schema_result[0] == "accept":
            passed += 1
        else:
            failures.append(f"repository file {name}: loader {loader}, schema {schema_result}")

    cases = named_cases()
    loaded = loader_verdicts(binary, [(case["name"], data) for case, data in cases])
    for (case, data), loader in zip(cases, loaded):
        expected = case["loader"]
        schema_result = schema_verdict(validator, data)
        other = "reject" if expected == "accept" else "accept"
        problems = []
        if loader[0] != expected:
            problems.append(f"loader says {loader}, the case says {expected}")
        if "schema_gap" in case:
            if schema_result[0] not in (other, "cannot decide"):
                problems.append(f"listed as a schema gap, but the schema agrees: {schema_result}")
        elif schema_result[0] != expected:
            problems.append(f"schema says {schema_result}, the loader {expected}")
        if problems:
            failures.append(f"case {case['name']!r}: " + "; ".join(problems))
        else:
            passed += 1

    variants = generated_variants()
    encoded = [(name, json.dumps(document).encode()) for name, document in variants]
    for (name, data), loader in zip(encoded, loader_verdicts(binary, encoded)):
        schema_result = schema_verdict(validator, data)
        if loader[0] == schema_result[0]:
            passed += 1
        else:
            failures.append(f"variant {name}: loader {loader}, schema {schema_result}")

    for failure in failures:
        print(f"FAIL {failure}")
    print(f"schema: {len(repository)} repository rule files, {len(cases)} named cases, "
          f"{len(variants)} generated variants")
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
