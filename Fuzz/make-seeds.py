#!/usr/bin/env python3
"""Writes the fuzz seed corpora into Fuzz/seeds/<target>/ from the conformance corpus
(Tests/Conformance/*.jsonl), the shipped rule files (Rules/) and example snapshots (Examples/).

Each seed is named after the SHA-1 of its content (as libFuzzer names corpus files), so running
the script twice gives the same files. Seeds longer than the target's -max_len are skipped.
Usage: python3 Fuzz/make-seeds.py   (from anywhere)
"""
import glob
import hashlib
import json
import os
import re
import shutil

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
MAX_LEN = {"parse": 4096, "eval": 4096, "json": 8192, "regex": 1024, "rulefile": 16384,
           "long": 256, "projection": 8192}

# The paths the billing rules read (RuleSet.readProjection), as a `projection` input's first line.
BILLING_PATHS = (b"_previous,budget.limit_micro,budget.spent_micro,cost_micro,entitlement.state,"
                 b"entry.state,ledger.postings,payment,rate.commit_rate_micro,"
                 b"rate.reserve_rate_micro,reservation.allocation_micro,reservation.reserve_micro")


# Documents over the fields of FuzzChecks.slotRuleSets (flat, long-keyed and nested), so that
# the `projection` target's slot check starts from lines the slot reader decides.
SLOT_SEEDS = [
    b'{"limit":"560269953287","spent":"472524027064","allocation":"321964949303",'
    b'"reserve":"262102372120","payment":"25218149257","cost":"24675819279","floor":"666450661"}',
    b'{"a":"7","b":"12","c":"007"}',
    b'{"a_key_longer_than_sixteen":"123","b":"124","a":"124"}',
    b'{"budget":{"limit":"4615034474","spent":"922268802"},"limit":"77","prev":{"budget":'
    b'{"spent":"922243429"},"x":1},"a":{"b":"5000","c":{"d":"3"},"z":[{"b":"1"}]},'
    b'"a_key_longer_than_sixteen":{"x":"4"}}',
    b'{ "budget" : { "spent" : "9" , "limit" : "10" } , "a" : { "c" : { "d" : "1" } ,'
    b' "b" : "5001" } , "limit" : "11" , "prev" : null ,'
    b' "a_key_longer_than_sixteen" : { "x" : "2" } }',
    # Arrays of objects, patterns and previous values (the fifth slot rule set).
    b'{"items":[{"account":"customer:acct_1","amount":"-25373","kind":"usage"},'
    b'{"account":"revenue","amount":"25373"}],"limit":"9","state":"final",'
    b'"_previous":{"state":"final"}}',
    b'{ "items" : [ { "amount" : "50" , "nested" : { "x" : [ 1 , { "y" : "]}" } ] } } ,'
    b' 7 ] , "limit" : "1" , "state" : "open" , "_previous" : null }',
    b'{"items":[{"amount":"999999999999999999"},{"amount":"1","kind":"A"},'
    b'{"am\\u006fount":"3"}],"state":"x","_previous":{}}',
]


def projection_header(data):
    """Paths for a `projection` input: the first key of `data` and one key under each object."""
    if not isinstance(data, dict) or not data:
        return b"a.b"
    paths = []
    for index, (key, value) in enumerate(sorted(data.items())):
        if isinstance(value, dict) and value:
            paths.append(key + "." + sorted(value)[0])
        elif index == 0:
            paths.append(key)
    return ",".join(paths).encode() or b"a"



def long_recipe(shape, repetitions, unit, separator=b"", prefix=b"", suffix=b""):
    """A `long` target input (FuzzChecks.long): shape, repetitions / 4 (little-endian), then
    unit, separator, prefix and suffix separated by NUL."""
    count = min(repetitions // 4, 0xFFFF)
    return bytes([shape, count & 0xFF, count >> 8]) + b"\0".join([unit, separator, prefix, suffix])


LONG_SEEDS = [
    # Expressions: a flat chain far taller than any stack, the explained 10,000-term ||, a
    # 30,000-step path, products, deep nesting refused, long sums and lists. (The fuzzer grows
    # and shrinks the counts; seeds stay small enough to replay quickly in `swift test`.)
    long_recipe(0, 120_000, b"a", b"&&"),
    long_recipe(0, 10_000, b"a", b"||"),
    long_recipe(0, 2_000, b"b == 2", b" || "),
    long_recipe(0, 30_000, b".a", b"", b"a", b" == 1"),
    long_recipe(0, 1_000, b"b", b" * "),
    long_recipe(0, 20_000, b"(", b"", b"", b"a"),
    long_recipe(0, 20_000, b"!", b"", b"", b"a"),
    long_recipe(0, 5_000, b"b", b" + ", b"", b" > 0"),
    long_recipe(0, 5_000, b"1", b", ", b"b in [", b"]"),
    long_recipe(0, 500, b"d.every(x => x > 0)", b" && "),
    # JSON documents: dense arrays (refused by their memory estimate), deep nesting, long
    # strings, huge exponents.
    long_recipe(1, 262_000, b"0", b",", b"[", b"]"),
    long_recipe(1, 20_000, b'{"a":[1,2]}', b",", b"[", b"]"),
    long_recipe(1, 20_000, b"[", b""),
    long_recipe(1, 10_000, b'"abcdefghijklmnopqrstuvwxyz"', b",", b"[", b"]"),
    long_recipe(1, 20, b"1e4000", b",", b"[", b"]"),
    # Rule files holding long expressions.
    long_recipe(2, 20_000, b"a", b"&&"),
    long_recipe(2, 200, b"matches(c, '^x')", b" && "),
    long_recipe(2, 9_000, b"a", b"||"),
    # JSON lines.
    long_recipe(3, 20_000, b'{"a":1}', b"\n"),
    long_recipe(3, 2_000, b"[0,0,0,0,0,0,0,0]", b"\n\n"),
    long_recipe(3, 40_000, b"0", b",", b'{"a":[', b"]}\n{}"),
]


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def conformance_cases():
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "Conformance", "*.jsonl"))):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def regex_seeds(case):
    """pattern NUL subject, for every literal pattern of `matches(field, 'pattern')`."""
    for field, literal in re.findall(r"matches\(\s*([A-Za-z_][\w.]*)\s*,\s*'((?:[^'\\]|\\.)*)'",
                                     case["expr"]):
        pattern = re.sub(r"\\(.)", r"\1", literal)
        subject = case.get("data")
        for part in field.split("."):
            subject = subject.get(part) if isinstance(subject, dict) else None
        subject = subject if isinstance(subject, str) else ""
        yield pattern.encode() + b"\0" + subject.encode()


def main():
    seeds = {target: set() for target in MAX_LEN}
    for case in conformance_cases():
        expr = case["expr"]
        seeds["parse"].add(expr.encode())
        snapshot = compact(case.get("data"))
        seeds["eval"].add((expr.replace("\n", " ") + "\n" + snapshot).encode())
        seeds["json"].add(json.dumps(case.get("data"), ensure_ascii=True).encode())
        seeds["projection"].add(projection_header(case.get("data")) + b"\n"
                                + json.dumps(case.get("data"), ensure_ascii=True).encode())
        seeds["regex"].update(regex_seeds(case))
        if case.get("types"):
            rule = {"id": case["id"], "expression": expr, "severity": "error",
                    "type_signature": case["types"]}
            seeds["rulefile"].add(json.dumps(
                {"schema_id": "Seed", "expression_version": "2.0", "constraints": [rule]},
                indent=2).encode())
    for path in sorted(glob.glob(os.path.join(ROOT, "Examples", "**", "*.json*"), recursive=True)):
        with open(path, "rb") as handle:
            content = handle.read()
        for line in (content.splitlines() if path.endswith(".jsonl") else [content]):
            seeds["json"].add(line)
            seeds["projection"].add(BILLING_PATHS + b"\n" + line)
            seeds["eval"].add(b"bigint_gte(budget.limit_micro, budget.spent_micro)\n" + line)
    for path in sorted(glob.glob(os.path.join(ROOT, "Rules", "*.json"))):
        with open(path, "rb") as handle:
            content = handle.read()
        seeds["rulefile"].add(content)
        seeds["json"].add(content)
        for rule in json.loads(content).get("constraints", []):
            seeds["parse"].add(rule["expression"].encode())
    seeds["long"].update(LONG_SEEDS)
    seeds["projection"].update(SLOT_SEEDS)
    for target, contents in seeds.items():
        directory = os.path.join(FUZZ, "seeds", target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        kept = 0
        for content in sorted(contents):
            if len(content) > MAX_LEN[target]:
                continue
            name = hashlib.sha1(content).hexdigest()
            with open(os.path.join(directory, name), "wb") as handle:
                handle.write(content)
            kept += 1
        print(f"{target}: {kept} seeds")


if __name__ == "__main__":
    main()
