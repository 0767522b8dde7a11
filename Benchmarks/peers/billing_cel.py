"""The billing rules of Rules/billing.constraints.json, translated to CEL.

Money fields are integer micro-USD strings; CEL reads them with int(x) (64-bit: CEL has no
arbitrary-precision integers, so amounts beyond 2^63 error where ConstraintEngine's bigint
builtins stay exact). Standard CEL has no list sum, so ledger_postings_balanced calls a host
function sum_ints(list), registered with each engine the way its API allows. `_previous` is
bound as a variable (the generated data always carries it), so its null guard is `== null`.
"""

MICRO_USD = "'^(0|-?[1-9][0-9]*)$'"

RULES = {
    "budget_conservation": "int(budget.limit_micro) >= int(budget.spent_micro)",
    "cost_non_negative": "int(cost_micro) >= 0",
    "reserve_within_allocation":
        "int(reservation.allocation_micro) >= int(reservation.reserve_micro)",
    "entitlement_valid": "entitlement.state == 'ACTIVE' || entitlement.state == 'PAST_DUE'",
    "rate_consistency": "int(rate.commit_rate_micro) == int(rate.reserve_rate_micro)",
    "micro_usd_format":
        "[budget.limit_micro, budget.spent_micro, reservation.reserve_micro, "
        "reservation.allocation_micro, cost_micro].all(v, v.matches(" + MICRO_USD + ")) && "
        "(payment == null || payment.amount_micro.matches(" + MICRO_USD + ")) && "
        "ledger.postings.all(p, p.amount_micro.matches(" + MICRO_USD + "))",
    "x402_payment_conservation":
        "payment == null || int(payment.amount_micro) >= int(cost_micro)",
    "ledger_postings_balanced":
        "sum_ints(ledger.postings.map(p, p.amount_micro)) == 0",
    "spent_never_decreases":
        "_previous == null || int(budget.spent_micro) >= int(_previous.budget.spent_micro)",
    "finalized_never_reopened":
        "_previous.entry.state != 'finalized' || entry.state == 'finalized'",
}

VARIABLES = ["account_id", "operation", "budget", "reservation", "cost_micro", "payment",
             "entitlement", "rate", "ledger", "entry", "_previous"]


def sum_ints(items):
    return sum(int(item) for item in items)
