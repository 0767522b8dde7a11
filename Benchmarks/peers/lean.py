"""The lean workload (issue 21): one four-clause bigint_gte rule over flat snapshots of seven
digit-string fields.

Usage:
  lean.py generate COUNT DATA RULES   write COUNT snapshots (JSONL) and the rule file
  lean.py peer DATA [LINES]           the Python pipeline: orjson per line, int() the seven
                                      fields, one CEL program compiled once (cel-rust, from
                                      common-expression-language), evaluated per line; prints
                                      {"bytes", "seconds", "mb_per_s", "lines", "failed"}

The data is generated here, never committed. Every snapshot's fields are 9 to 13 digits; about
one in sixteen snapshots fails the rule.
"""

import json
import random
import sys
import time

FIELDS = ["limit", "spent", "allocation", "reserve", "payment", "cost", "floor"]
RULE = ("bigint_gte(limit, spent) && bigint_gte(allocation, reserve) && "
        "bigint_gte(payment, cost) && bigint_gte(cost, floor)")
CEL_RULE = "limit >= spent && allocation >= reserve && payment >= cost && cost >= floor"


def generate(count, data_path, rules_path):
    random.seed(21)
    with open(data_path, "w") as out:
        for _ in range(count):
            limit = random.randrange(10**11, 10**12)
            spent = random.randrange(10**10, limit + (limit >> 4))
            allocation = random.randrange(10**10, 10**12)
            reserve = random.randrange(10**9, allocation)
            cost = random.randrange(10**9, 10**11)
            payment = cost + random.randrange(0, 10**9)
            floor = random.randrange(10**8, 10**9)
            values = [limit, spent, allocation, reserve, payment, cost, floor]
            out.write("{" + ",".join(f'"{name}":"{value}"' for name, value in zip(FIELDS, values))
                      + "}\n")
    rules = {
        "schema_id": "Lean", "expression_version": "2.0",
        "constraints": [{"id": "lean_gte", "expression": RULE, "severity": "error"}],
    }
    with open(rules_path, "w") as out:
        json.dump(rules, out, indent=2)
        out.write("\n")


def peer(data_path, limit_lines):
    import cel
    import orjson
    program = cel.compile(CEL_RULE)
    loads = orjson.loads
    execute = program.execute
    size = 0
    lines = 0
    failed = 0
    start = time.perf_counter()
    with open(data_path, "rb") as source:
        for line in source:
            snapshot = loads(line)
            variables = {name: int(snapshot[name]) for name in FIELDS}
            if not execute(variables):
                failed += 1
            size += len(line)
            lines += 1
            if lines == limit_lines:
                break
    seconds = time.perf_counter() - start
    print(json.dumps({"bytes": size, "seconds": seconds, "mb_per_s": size / seconds / 1e6,
                      "lines": lines, "failed": failed}))


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "peer":
        peer(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    else:
        sys.exit(__doc__)
