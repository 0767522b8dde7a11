#!/usr/bin/env python3
"""Builds the all-builtins example from passing conformance cases.

Every builtin (the 52 of grammar v2.0 and the extensions) gets one rule
`_case == '<name>' => (<expression>)` and one snapshot (the case's data with `_case` set),
so each snapshot switches on exactly one rule and every rule passes on the example data.
The state-bearing builtins, which the corpus only exercises without state, get hand-written
cases that read `context.json`.

Run from the repository root: python3 Examples/all-builtins/generate.py
"""
import glob
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = "2024-06-01T12:00:00Z"

NAMES = """bigint_sum bigint_gte bigint_gt bigint_eq bigint_add bigint_sub bigint_lte bigint_lt
eq len type_of is_bigint_coercible changed previous delta unique_values object_keys_subset
all_links_subset_authority delegation_budget_conserved links_temporally_ordered links_form_chain
no_emergent_in_individual all_emergent_have_evidence tree_budget_conserved
tree_authority_narrowing saga_amount_conserved saga_steps_sequential saga_timeout_valid
outcome_consensus_valid monetary_policy_solvent permission_boundary_active proposal_quorum_met
proposal_weights_normalized basket_weights_normalized constraint_lifecycle_valid
proposal_execution_valid execution_checkpoint_valid audit_trail_chain_valid
model_routing_eligible is_after is_before is_between is_stale is_within now is_valid_dag
chain_validator_prev_hash canonical_size_cap signer_key_id_matches_derivation
percentiles_monotonic_nondecreasing utf8_byte_length_max matches unique""".split()

HAND_WRITTEN = {
    "nonce_unique_per_signer_window": (
        "nonce_unique_per_signer_window(msg, 'signer', 'nonce')",
        {"msg": {"signer": "signer-a", "nonce": "n-3"}}),
    "sequence_monotonic_per_cluster": (
        "sequence_monotonic_per_cluster(msg, 'cluster', 'signer', 'seq', 'key_version')",
        {"msg": {"cluster": "cluster-1", "signer": "signer-a", "seq": "42",
                 "key_version": "2"}}),
    "plan_content_hash_unchanged_since_signoff": (
        "plan_content_hash_unchanged_since_signoff(plan.content_hash)",
        {"plan": {"content_hash": "ABC123"}}),
}
CONTEXT = {
    "now": NOW,
    "state": {
        "nonce_windows": {"signer-a": ["n-1", "n-2"]},
        "sequences": {"signer-a|2": "41"},
        "key_versions": {"signer-a": "2"},
        "cluster_id": "cluster-1",
        "signoffs": ["abc123"],
    },
}


def cases():
    for path in sorted(glob.glob(os.path.join(HERE, "../../Tests/Conformance/*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def pick(name):
    call = re.compile(r"(?<![A-Za-z0-9_])" + name + r"\s*\(")
    for case in cases():
        if case["expect"] != "pass" or not call.search(case["expr"]):
            continue
        if not isinstance(case.get("data"), dict) or "_case" in case["data"]:
            continue
        if case.get("context") or case.get("now", NOW) != NOW:
            continue
        if name != "now" and "now(" in case["expr"] and "now" not in case:
            continue
        return case
    raise SystemExit(f"no usable passing case for {name}")


def main():
    rules, snapshots = [], []
    for name in NAMES + sorted(HAND_WRITTEN):
        if name in HAND_WRITTEN:
            expression, data = HAND_WRITTEN[name]
            types, source = {}, "hand-written"
        else:
            case = pick(name)
            expression, data = case["expr"], case["data"]
            types, source = case.get("types", {}), case["id"]
        rule = {
            "id": name,
            "expression": f"_case == '{name}' => ({expression})",
            "severity": "error",
            "message": f"{name} holds on its example (from {source})",
            "fields": ["_case"],
        }
        if types:
            rule["type_signature"] = types
        rules.append(rule)
        snapshots.append(dict(data, _case=name))
    document = {
        "schema_id": "AllBuiltinsExample",
        "contract_version": "1.0.0",
        "expression_version": "2.0",
        "description": "One rule per builtin, each switched on by its own snapshot's _case.",
        "constraints": rules,
    }
    with open(os.path.join(HERE, "all-builtins.constraints.json"), "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(HERE, "snapshots.jsonl"), "w", encoding="utf-8") as f:
        for snapshot in snapshots:
            f.write(json.dumps(snapshot, ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "context.json"), "w", encoding="utf-8") as f:
        json.dump(CONTEXT, f, indent=2)
        f.write("\n")
    print(f"{len(rules)} rules, {len(snapshots)} snapshots")


main()
