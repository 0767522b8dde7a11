#!/usr/bin/env python3
"""Writes a rule file of N rules to stdout, for memory and load tests of large rule sets:

    python3 Examples/tools/generate-rule-file.py 100000 > /tmp/rules-100k.constraints.json

The rules are the shipped billing rules (Rules/billing.constraints.json) in turn, each copy
with its own id (`budget_conservation_17`) and, where the rule compares with a constant, its
own constant, so no two rules are the same text. Every rule holds on the snapshots of
generate-billing-stream.py that pass the billing rules.
"""
import json
import os
import sys

def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "Rules", "billing.constraints.json")) as f:
        billing = json.load(f)
    templates = billing["constraints"]
    out = sys.stdout
    out.write('{"schema_id": "BillingSnapshot", "expression_version": "2.0", "constraints": [\n')
    for i in range(count):
        rule = dict(templates[i % len(templates)])
        rule["id"] = "%s_%d" % (rule["id"], i)
        # A distinct text per copy; `cost_micro >= 0` holds for every passing snapshot.
        if rule["expression"] == "bigint_gte(cost_micro, 0)":
            rule["expression"] = "bigint_gte(cost_micro, -%d)" % i
        out.write(json.dumps(rule))
        out.write(",\n" if i + 1 < count else "\n")
    out.write("]}\n")

if __name__ == "__main__":
    main()
