#!/usr/bin/env python3
"""Writes N billing snapshots (docs/SNAPSHOT.md) as JSONL to stdout, for load tests:

    python3 Examples/tools/generate-billing-stream.py 1000000 > /tmp/billing-1m.jsonl

Deterministic: snapshot i violates budget_conservation when i % 1000 == 999 and
entitlement_valid when i % 5000 == 4999; every other snapshot passes every rule.
"""
import sys

def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = sys.stdout
    for i in range(count):
        cost = 1000 + i % 9000
        previous_spent = 250000000 + i
        spent = previous_spent + cost
        limit = spent - 1 if i % 1000 == 999 else 1000000000
        state = "SUSPENDED" if i % 5000 == 4999 else ("ACTIVE" if i % 3 else "PAST_DUE")
        payment = "null" if i % 4 else (
            '{"scheme":"x402","amount_micro":"%d","payer":"0x%06x"}' % (cost, i))
        out.write(
            '{"account_id":"acct_%07d","operation":"commit",'
            '"budget":{"limit_micro":"%d","spent_micro":"%d"},'
            '"reservation":{"reservation_id":"rsv_%07d","reserve_micro":"%d","allocation_micro":"%d"},'
            '"cost_micro":"%d","payment":%s,"entitlement":{"state":"%s","plan":"pro"},'
            '"rate":{"reserve_rate_micro":"15","commit_rate_micro":"15"},'
            '"ledger":{"postings":[{"account":"customer:acct_%07d","amount_micro":"-%d"},'
            '{"account":"revenue:usage","amount_micro":"%d"}]},'
            '"entry":{"entry_id":"le_%07d","state":"finalized"},'
            '"_previous":{"budget":{"limit_micro":"%d","spent_micro":"%d"},'
            '"entry":{"entry_id":"le_%07d","state":"open"}}}\n'
            % (i, limit, spent, i, cost, cost * 2, cost, payment, state, i, cost, cost, i,
               limit, previous_spent, i))

if __name__ == "__main__":
    main()
