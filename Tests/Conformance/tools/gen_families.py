"""Conformance cases for the domain builtin families (delegation … encoding)."""
import copy
import hashlib
import json

from corpus import CorpusFile, N

BAD = "bad input is an error; the reference returns false (LANGUAGE.md)"
VACUOUS = "a missing or non-array argument is an error; the reference returns a vacuous true"


def link(delegator, delegatee, scope, budget, timestamp):
  return {"delegator": delegator, "delegatee": delegatee, "authority_scope": scope,
          "budget_allocated_micro": budget, "timestamp": timestamp}


CHAIN = [
  link("org-root", "agent-a", ["billing", "inference", "storage"], "5000000",
       "2024-03-01T09:00:00Z"),
  link("agent-a", "agent-b", ["billing", "inference"], "2000000", "2024-03-01T10:00:00Z"),
  link("agent-b", "agent-c", ["inference"], "750000", "2024-03-02T08:30:00Z"),
]


def with_change(index, **fields):
  links = copy.deepcopy(CHAIN)
  links[index].update(fields)
  return {"links": links}


def delegation():
  f = CorpusFile("builtins-delegation.jsonl", "deleg")
  ok = {"links": CHAIN}
  single = {"links": CHAIN[:1]}
  for name in ["all_links_subset_authority", "delegation_budget_conserved",
               "links_temporally_ordered", "links_form_chain"]:
    group = name.replace("_", "-")
    f.group(group)
    f.add(f"{name}(links)", ok, "pass", "a well-formed three-link chain")
    f.add(f"{name}(links)", single, "pass", "fewer than 2 links is true (GRAMMAR-NOTES)")
    f.add(f"{name}(links)", {"links": []}, "pass", "fewer than 2 links is true (GRAMMAR-NOTES)")
    f.add(f"{name}(links)", {}, "error", VACUOUS, divergence=True)
    f.add(f"{name}(links)", {"links": {"0": CHAIN[0]}}, "error", VACUOUS, divergence=True)
    f.add(f"{name}(links)", {"links": [CHAIN[0], "agent-b"]}, "error",
          "a link that is not an object; " + BAD, divergence=True)
    f.add(f"{name}()", {}, "error", "arity")
    f.add(f"{name}(links, links)", ok, "error", "arity")
  f.group("all-links-subset-authority")
  name = "all_links_subset_authority(links)"
  f.add(name, with_change(2, authority_scope=["inference", "storage"]), "fail",
        "storage is not in the previous link's scope")
  f.add(name, with_change(1, authority_scope=["billing", "inference", "storage"]), "pass",
        "an equal scope is a subset")
  f.add(name, with_change(2, authority_scope=[]), "pass", "an empty scope is a subset")
  f.add(name, with_change(1, authority_scope=["billing", "admin"]), "fail", "widening mid-chain")
  f.add(name, with_change(1, authority_scope="billing"), "error",
        "authority_scope must be an array; " + BAD, divergence=True)
  f.add(name, {"links": [CHAIN[0], {k: v for k, v in CHAIN[1].items() if k != "authority_scope"}]},
        "error", "a link lacking authority_scope; " + BAD, divergence=True)
  f.group("delegation-budget-conserved")
  name = "delegation_budget_conserved(links)"
  f.add(name, with_change(2, budget_allocated_micro="2000000"), "pass", "equal budget is allowed")
  f.add(name, with_change(2, budget_allocated_micro="2000001"), "fail", "child exceeds its parent")
  f.add(name, with_change(1, budget_allocated_micro=6000000), "fail",
        "a JSON integer budget compares with a string budget")
  f.add(name, with_change(1, budget_allocated_micro=None), "pass",
        "pairs with a null value are skipped (GRAMMAR-NOTES)")
  f.add(name, {"links": [link("r", "a", [], "10000000000000000000", "2024-01-01"),
                         link("a", "b", [], "9999999999999999999", "2024-01-02")]}, "pass",
        "budgets beyond 64 bits")
  f.add(name, with_change(1, budget_allocated_micro="2,000,000"), "error", BAD, divergence=True)
  f.add(name, with_change(1, budget_allocated_micro=1.5), "error", BAD, divergence=True)
  f.group("links-temporally-ordered")
  name = "links_temporally_ordered(links)"
  f.add(name, with_change(1, timestamp="2024-03-01T09:00:00Z"), "pass",
        "equal timestamps are non-decreasing")
  f.add(name, with_change(2, timestamp="2024-02-28T23:59:59Z"), "fail", "goes back in time")
  f.add(name, with_change(1, timestamp="2024-03-03T00:00:00Z"), "fail",
        "link 2 is later than link 3")
  f.add(name, with_change(1, timestamp=1709283600), "error",
        "timestamp must be a string; " + BAD, divergence=True)
  f.add(name, {"links": [CHAIN[0], {k: v for k, v in CHAIN[1].items() if k != "timestamp"}]},
        "error", "a link lacking timestamp; " + BAD, divergence=True)
  f.group("links-form-chain")
  name = "links_form_chain(links)"
  f.add(name, with_change(1, delegator="agent-x"), "fail", "agent-a delegated, agent-x continues")
  f.add(name, with_change(2, delegator="agent-c"), "fail", "agent-b's delegatee is not agent-c")
  f.add(name, {"links": [link("a", "b", [], "1", "2024-01-01"), link("b", "a", [], "1", "2024-01-02")]},
        "pass", "a cycle back to the start still links pairwise")
  f.add(name, with_change(1, delegator="Agent-A"), "fail", "ids compare exactly (case-sensitive)")
  f.add(name, {"links": [CHAIN[0], {k: v for k, v in CHAIN[1].items() if k != "delegator"}]},
        "error", "a link lacking delegator; " + BAD, divergence=True)
  return f


def ensembles():
  f = CorpusFile("builtins-ensembles.jsonl", "ens")
  individual = {"agent-a": ["read", "summarize"], "agent-b": ["write"], "agent-c": []}
  f.group("no-emergent-in-individual")
  name = "no_emergent_in_individual(emergent, individual)"
  f.add(name, {"emergent": ["plan", "negotiate"], "individual": individual}, "pass")
  f.add(name, {"emergent": ["plan", "write"], "individual": individual}, "fail",
        "write is an individual capability of agent-b")
  f.add(name, {"emergent": [], "individual": individual}, "pass", "no emergent capabilities")
  f.add(name, {"emergent": ["plan"], "individual": {}}, "pass", "no individuals")
  f.add(name, {"emergent": ["Write"], "individual": individual}, "pass",
        "capabilities compare exactly (case-sensitive)")
  f.add(name, {"emergent": ["plan"], "individual": ["plan"]}, "error",
        "individual must be an object; " + BAD, divergence=True)
  f.add(name, {"emergent": "plan", "individual": individual}, "error",
        "emergent must be an array; " + BAD, divergence=True)
  f.add(name, {"individual": individual}, "error", "emergent missing", divergence=True)
  f.add("no_emergent_in_individual(emergent)", {"emergent": []}, "error", "arity")
  f.group("all-emergent-have-evidence")
  name = "all_emergent_have_evidence(emergent, evidence)"
  evidence = [{"capability": "plan", "trace_id": "t-1"},
              {"capability": "negotiate", "trace_id": "t-2"}]
  f.add(name, {"emergent": ["plan", "negotiate"], "evidence": evidence}, "pass")
  f.add(name, {"emergent": ["plan"], "evidence": evidence}, "pass", "extra evidence is fine")
  f.add(name, {"emergent": ["plan", "deceive"], "evidence": evidence}, "fail",
        "no evidence item for deceive")
  f.add(name, {"emergent": [], "evidence": []}, "pass", "nothing to evidence")
  f.add(name, {"emergent": ["plan"], "evidence": []}, "fail")
  f.add(name, {"emergent": ["plan"], "evidence": [{"capability": "PLAN"}]}, "fail",
        "capability compares exactly")
  f.add(name, {"emergent": ["plan"], "evidence": {"capability": "plan"}}, "error",
        "evidence must be an array; " + BAD, divergence=True)
  f.add(name, {"evidence": evidence}, "error", "emergent missing", divergence=True)
  f.add("all_emergent_have_evidence()", {}, "error", "arity")
  return f


def node(node_id, budget, scope, children=()):
  return {"node_id": node_id, "budget_allocated_micro": budget, "authority_scope": scope,
          "children": list(children)}


TREE = node("root", "1000000", ["billing", "inference", "storage"], [
  node("team-a", "600000", ["billing", "inference"], [
    node("agent-a1", "300000", ["billing"]),
    node("agent-a2", "300000", ["inference"]),
  ]),
  node("team-b", "400000", ["storage"], [node("agent-b1", "100000", [])]),
])


def chain_tree(depth):
  """A path of `depth` nodes (root included), budgets and scopes all equal."""
  current = node(f"n{depth - 1}", "100", ["billing"])
  for level in range(depth - 2, -1, -1):
    current = node(f"n{level}", "100", ["billing"], [current])
  return current


def wide_tree(total):
  """A root with total - 1 leaf children."""
  return node("root", str(total), ["billing"],
              [node(f"leaf-{i}", "1", ["billing"]) for i in range(total - 1)])


def trees():
  f = CorpusFile("builtins-trees.jsonl", "tree")
  note_shape = ("node shape: node_id, budget_allocated_micro, authority_scope, children "
                "(literal reading of GRAMMAR-NOTES and the delegation link fields)")
  f.group("budget-conserved")
  name = "tree_budget_conserved(root)"
  f.add(name, {"root": TREE}, "pass", note_shape)
  broken = copy.deepcopy(TREE)
  broken["children"][0]["children"][1]["budget_allocated_micro"] = "300001"
  f.add(name, {"root": broken}, "fail", "team-a's children sum to 600001 > 600000")
  broken = copy.deepcopy(TREE)
  broken["children"][1]["budget_allocated_micro"] = "400001"
  f.add(name, {"root": broken}, "fail", "root's children sum to 1000001")
  f.add(name, {"root": node("leaf", "5", [])}, "pass", "a leaf is always conserved")
  f.add(name, {"root": node("r", 1000, [], [node("c", "1000", [])])}, "pass",
        "a JSON integer budget and an equal string budget")
  f.add(name, {"root": chain_tree(5)}, "pass", "depth 5 is within the cap")
  f.add(name, {"root": chain_tree(15)}, "error",
        "depth beyond 10 is a cap error; the reference returns false", divergence=True)
  f.add(name, {"root": wide_tree(50)}, "pass", "50 nodes is within the cap")
  f.add(name, {"root": wide_tree(150)}, "error",
        "more than 100 nodes is a cap error; the reference returns false", divergence=True)
  bad = copy.deepcopy(TREE)
  bad["children"][0]["budget_allocated_micro"] = "lots"
  f.add(name, {"root": bad}, "error", BAD, divergence=True)
  f.add(name, {}, "error", "root missing", divergence=True)
  f.add(name, {"root": [TREE]}, "error", "root must be an object", divergence=True)
  f.add("tree_budget_conserved()", {}, "error", "arity")
  f.group("authority-narrowing")
  name = "tree_authority_narrowing(root)"
  f.add(name, {"root": TREE}, "pass", note_shape + "; agent-b1's empty scope is allowed")
  widened = copy.deepcopy(TREE)
  widened["children"][1]["children"][0]["authority_scope"] = ["storage", "billing"]
  f.add(name, {"root": widened}, "fail", "agent-b1 gains billing, team-b does not have it")
  upper = copy.deepcopy(TREE)
  upper["children"][0]["authority_scope"] = ["BILLING", "Inference"]
  f.add(name, {"root": upper}, "pass", "scopes compare case-insensitively (GRAMMAR-NOTES)")
  dup = copy.deepcopy(TREE)
  dup["children"][0]["authority_scope"] = ["billing", "billing", "inference"]
  f.add(name, {"root": dup}, "pass", "set semantics: duplicates do not matter")
  f.add(name, {"root": node("r", "1", ["a"], [node("c", "1", ["a", "b"])])}, "fail")
  f.add(name, {"root": chain_tree(15)}, "error", "depth beyond 10 is a cap error",
        divergence=True)
  f.add(name, {"root": wide_tree(150)}, "error", "more than 100 nodes is a cap error",
        divergence=True)
  bad = copy.deepcopy(TREE)
  bad["children"][0]["authority_scope"] = "billing"
  f.add(name, {"root": bad}, "error", "authority_scope must be an array; " + BAD,
        divergence=True)
  f.add(name, {"root": None}, "error", "root null", divergence=True)
  return f


def step(step_id, status, amount, started=None, completed=None):
  result = {"step_id": step_id, "step_type": "transfer", "status": status,
            "amount_micro": amount}
  if started is not None:
    result["started_at"] = started
  if completed is not None:
    result["completed_at"] = completed
  return result


def saga(steps, compensation=(), per_step=60):
  return {"saga_id": "saga-1", "steps": list(steps), "compensation_steps": list(compensation),
          "timeout": {"total_seconds": 600, "per_step_seconds": per_step}}


T0 = "2024-05-01T10:00:00Z"


def sagas():
  f = CorpusFile("builtins-sagas.jsonl", "saga")
  shape = ("saga shape: steps[] and compensation_steps[] of {step_id, status, amount_micro, "
           "started_at, completed_at}, timeout.per_step_seconds")
  f.group("amount-conserved")
  name = "saga_amount_conserved(saga)"
  s1 = step("s1", "completed", "1000")
  s2 = step("s2", "completed", "500")
  f.add(name, {"saga": saga([s1, s2])}, "pass", shape)
  f.add(name, {"saga": saga([s1], [step("c1", "completed", "1000")])}, "pass",
        "compensation equal to the total")
  f.add(name, {"saga": saga([s1], [step("c1", "completed", "1001")])}, "fail",
        "compensation exceeds the completed total")
  f.add(name, {"saga": saga([s1, step("s2", "pending", "5000")],
                            [step("c1", "completed", "2000")])}, "fail",
        "only completed steps count: the total is 1000")
  f.add(name, {"saga": saga([s1], [step("c1", "pending", "5000")])}, "pass",
        "pending compensation does not count")
  f.add(name, {"saga": saga([step("s1", "completed", "-5")])}, "fail", "total below zero")
  f.add(name, {"saga": saga([])}, "pass", "no steps: total 0")
  f.add(name, {"saga": saga([step("s1", "completed", "1.5")])}, "error", BAD, divergence=True)
  f.add(name, {"saga": saga([step(f"s{i}", "completed", "1") for i in range(101)])}, "error",
        "more than 100 steps is a cap error; the reference returns false", divergence=True)
  f.add(name, {"saga": {"compensation_steps": []}}, "error", "steps missing", divergence=True)
  f.add(name, {}, "error", "saga missing", divergence=True)
  f.group("steps-sequential")
  name = "saga_steps_sequential(saga)"
  f.add(name, {"saga": saga([s1, s2, step("s3", "pending", "1")])}, "pass")
  f.add(name, {"saga": saga([s1, s2, step("s1", "pending", "1")])}, "fail", "duplicate step_id")
  f.add(name, {"saga": saga([])}, "pass", "no steps")
  f.add(name, {"saga": saga([s1])}, "pass", "a single step")
  f.add(name, {"saga": saga([step(f"s{i}", "completed", "1") for i in range(100)])}, "pass",
        "100 steps is within the cap")
  f.add(name, {"saga": saga([step(f"s{i}", "completed", "1") for i in range(101)])}, "error",
        "more than 100 steps is a cap error", divergence=True)
  f.add(name, {"saga": {"steps": "s1,s2"}}, "error", "steps must be an array", divergence=True)
  f.group("timeout-valid")
  name = "saga_timeout_valid(saga)"
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0, "2024-05-01T10:00:30Z")])}, "pass",
        "30 s <= 60 s")
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0, "2024-05-01T10:01:00Z")])}, "pass",
        "exactly the per-step timeout")
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0, "2024-05-01T10:02:00Z")])}, "fail",
        "120 s > 60 s")
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0, "2024-05-01T10:00:10Z"),
                             step("s2", "completed", "1", "2024-05-01T10:01:00Z",
                                  "2024-05-01T10:03:00Z")])}, "fail", "the second step is slow")
  f.add(name, {"saga": saga([step("s1", "pending", "1")])}, "pass",
        "pending steps are not checked")
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0)])}, "error",
        "a completed step without completed_at; " + BAD, divergence=True)
  f.add(name, {"saga": saga([step("s1", "completed", "1", T0, "later")])}, "error",
        "invalid timestamp; " + BAD, divergence=True)
  no_timeout = saga([step("s1", "completed", "1", T0, "2024-05-01T10:00:30Z")])
  del no_timeout["timeout"]
  f.add(name, {"saga": no_timeout}, "error", "timeout missing", divergence=True)
  return f


def votes(agree, disagree=0, abstain=0):
  return ([{"voter_id": f"v{i}", "vote": "agree"} for i in range(agree)]
          + [{"voter_id": f"d{i}", "vote": "disagree"} for i in range(disagree)]
          + [{"voter_id": f"a{i}", "vote": "abstain"} for i in range(abstain)])


def outcome(kind, vote_list, threshold, **extra):
  result = {"outcome_type": kind, "votes": vote_list, "consensus_threshold": threshold}
  result.update(extra)
  return result


def trail(count, genesis="sha256:" + hashlib.sha256(b"genesis").hexdigest()):
  entries = []
  previous = genesis
  for index in range(count):
    content = json.dumps({"seq": index, "action": "budget.update"}, sort_keys=True)
    entry_hash = "sha256:" + hashlib.sha256((previous + content).encode()).hexdigest()
    entries.append({"seq": index, "action": "budget.update", "previous_hash": previous,
                    "entry_hash": entry_hash})
    previous = entry_hash
  return {"genesis_hash": genesis, "entries": entries}


def governance():
  f = CorpusFile("builtins-governance.jsonl", "gov")
  shape = ("outcome shape: outcome_type, votes[].vote ('agree'…), consensus_threshold, "
           "escalated_to")
  f.group("outcome-consensus-valid")
  name = "outcome_consensus_valid(o)"
  f.add(name, {"o": outcome("unanimous", votes(3), 1.0)}, "pass", shape)
  f.add(name, {"o": outcome("unanimous", votes(2, 1), 1.0)}, "fail", "one disagree")
  f.add(name, {"o": outcome("majority", votes(2, 1), 0.5)}, "pass", "ceil(3*0.5)=2 <= 2 < 3")
  f.add(name, {"o": outcome("majority", votes(3), 0.5)}, "fail",
        "all agree is unanimous, not a majority (agrees < n)")
  f.add(name, {"o": outcome("majority", votes(1, 2), 0.5)}, "fail", "1 < ceil(1.5)=2")
  f.add(name, {"o": outcome("majority", votes(3, 1), 0.75)}, "pass", "ceil(4*0.75)=3 <= 3 < 4")
  f.add(name, {"o": outcome("deadlock", votes(2, 2), 0.75)}, "pass", "2 < ceil(3)=3")
  f.add(name, {"o": outcome("deadlock", votes(3, 1), 0.75)}, "fail", "3 agrees reach 3")
  f.add(name, {"o": outcome("escalation", votes(1, 1), 0.5, escalated_to="governance-council")},
        "pass")
  f.add(name, {"o": outcome("escalation", votes(1, 1), 0.5, escalated_to="")}, "fail",
        "escalated_to empty")
  f.add(name, {"o": outcome("unanimous", votes(101), 1.0)}, "error",
        "more than 100 votes is a cap error; the reference returns false", divergence=True)
  f.add(name, {"o": outcome("majority", "2 of 3", 0.5)}, "error", "votes must be an array",
        divergence=True)
  f.add(name, {}, "error", "outcome missing", divergence=True)
  f.group("monetary-policy-solvent")
  name = "monetary_policy_solvent(policy, supply)"
  policy = {"policy_id": "mp-1", "conservation_ceiling": "1000000000000"}
  f.add(name, {"policy": policy, "supply": "999999999999"}, "pass")
  f.add(name, {"policy": policy, "supply": "1000000000000"}, "pass", "at the ceiling")
  f.add(name, {"policy": policy, "supply": "1000000000001"}, "fail")
  f.add(name, {"policy": {"conservation_ceiling": "100000000000000000000000"},
               "supply": "99999999999999999999999"}, "pass", "beyond 64 bits")
  f.add(name, {"policy": policy, "supply": "lots"}, "error", BAD, divergence=True)
  f.add(name, {"policy": {"policy_id": "mp-1"}, "supply": "1"}, "error",
        "conservation_ceiling missing; " + BAD, divergence=True)
  f.add(name, {"supply": "1"}, "error", "policy missing", divergence=True)
  f.add("monetary_policy_solvent(policy)", {"policy": policy}, "error", "arity")
  f.group("permission-boundary-active")
  name = "permission_boundary_active(b)"
  boundary = {"scope": "billing", "permitted_if": "trust_level == 'verified'",
              "reporting": {"channel": "audit"}, "revocation": {"trigger": "manual"}}
  f.add(name, {"b": boundary}, "pass")
  f.add(name, {"b": dict(boundary, scope="")}, "fail", "scope must be non-empty")
  f.add(name, {"b": dict(boundary, permitted_if="")}, "fail", "permitted_if must be non-empty")
  f.add(name, {"b": dict(boundary, reporting={})}, "pass", "an empty object is still an object")
  f.add(name, {"b": None}, "error", "boundary null; the reference returns false",
        divergence=True)
  f.add(name, {"b": "billing"}, "error", "boundary must be an object", divergence=True)
  f.group("proposal-quorum-met")
  name = "proposal_quorum_met(p)"

  def proposal(weights, quorum=None):
    voting = {"votes_cast": [{"voter_id": f"v{i}", "weight": w} for i, w in enumerate(weights)]}
    if quorum is not None:
      voting["quorum_required"] = quorum
    return {"p": {"proposal_id": "prop-7", "voting": voting}}
  f.add(name, proposal([0.3, 0.3], 0.5), "pass", "0.6 >= 0.5 (voting.quorum_required)")
  f.add(name, proposal([0.3, 0.2], 0.75), "fail")
  f.add(name, proposal([0.25, 0.25], 0.5), "pass", "exactly the quorum")
  f.add(name, proposal([0.1, 0.2], 0.3), "pass", "exact decimals: 0.1 + 0.2 == 0.3")
  f.add(name, proposal([], 0), "pass", "no votes, zero quorum")
  f.add(name, proposal(["0.3", 0.3], 0.5), "error", "a weight must be a number; " + BAD,
        divergence=True)
  f.add(name, proposal([0.3]), "error", "quorum_required missing; " + BAD, divergence=True)
  f.group("proposal-weights-normalized")
  name = "proposal_weights_normalized(p)"
  f.add(name, proposal([0.3, 0.4, 0.3]), "pass")
  f.add(name, proposal([0.5, 0.6]), "fail", "sum 1.1")
  f.add(name, proposal([]), "pass", "no votes: true (GRAMMAR-NOTES)")
  f.add(name, proposal([0.5, 0.4995]), "pass", "0.9995 is within 0.001")
  f.add(name, proposal([0.5, 0.5005]), "pass", "1.0005 is within 0.001")
  f.add(name, proposal([0.5, 0.498]), "fail", "0.998 is outside 0.001")
  f.add(name, proposal([0.5, 0.502]), "fail", "1.002 is outside 0.001")
  f.add(name, proposal([0.5, True]), "error", BAD, divergence=True)
  f.add(name, {"p": {"proposal_id": "x"}}, "error", "voting missing", divergence=True)
  f.group("basket-weights-normalized")
  name = "basket_weights_normalized(c)"

  def basket(weights):
    return {"c": {"basket_id": "b-1",
                  "entries": [{"asset": f"asset-{i}", "weight": w} for i, w in enumerate(weights)]}}
  f.add(name, basket([0.6, 0.4]), "pass")
  f.add(name, basket([1.0]), "pass", "a single entry of weight 1")
  f.add(name, basket([0.3333, 0.3333, 0.3333]), "pass", "0.9999 is within 0.001")
  f.add(name, basket([0.6, 0.6]), "fail")
  f.add(name, basket([0.3, 0.3, 0.3]), "fail", "0.9 is outside 0.001")
  f.add(name, basket([]), "error", "entries must number 1..100; the reference returns false",
        divergence=True)
  f.add(name, basket([0.01] * 101), "error", "more than 100 entries is a cap error",
        divergence=True)
  f.add(name, basket(["0.5", 0.5]), "error", BAD, divergence=True)
  f.add(name, {"c": {}}, "error", "entries missing", divergence=True)
  f.group("constraint-lifecycle-valid")
  name = "constraint_lifecycle_valid(ev)"
  for source, target, ok in [("proposed", "under_review", True), ("proposed", "rejected", True),
                             ("under_review", "enacted", True), ("under_review", "rejected", True),
                             ("enacted", "deprecated", True), ("proposed", "enacted", False),
                             ("rejected", "proposed", False), ("enacted", "enacted", False),
                             ("deprecated", "enacted", False), ("enacted", "under_review", False)]:
    f.add(name, {"ev": {"constraint_id": "c-9", "from_status": source, "to_status": target}},
          "pass" if ok else "fail", f"{source} -> {target}")
  f.add(name, {"ev": {"from_status": "proposed"}}, "error", "to_status missing; " + BAD,
        divergence=True)
  f.add(name, {"ev": {"from_status": 1, "to_status": 2}}, "error", "statuses must be strings",
        divergence=True)
  f.add(name, {}, "error", "event missing", divergence=True)
  f.group("proposal-execution-valid")
  name = "proposal_execution_valid(x)"
  f.add(name, {"x": {"status": "completed",
                     "changes_applied": [{"change_id": "ch-1", "result": "success"},
                                         {"change_id": "ch-2", "result": "success"}]}}, "pass")
  f.add(name, {"x": {"status": "failed", "changes_applied": [{"result": "success"}]}}, "fail",
        "status not completed")
  f.add(name, {"x": {"status": "completed",
                     "changes_applied": [{"result": "success"}, {"result": "failed"}]}}, "fail",
        "one change failed")
  f.add(name, {"x": {"status": "completed", "changes_applied": []}}, "fail",
        "changes_applied must be non-empty (GRAMMAR-NOTES)")
  f.add(name, {"x": {"status": "completed"}}, "error", "changes_applied missing; " + BAD,
        divergence=True)
  f.add(name, {"x": {"status": "completed", "changes_applied": "all"}}, "error",
        "changes_applied must be an array", divergence=True)
  f.group("execution-checkpoint-valid")
  name = "execution_checkpoint_valid(c)"
  for health, decision, ok in [("healthy", "continue", True), ("degraded", "continue", True),
                               ("degraded", "pause", True), ("failing", "rollback", True),
                               ("healthy", "pause", False), ("healthy", "rollback", False),
                               ("degraded", "rollback", False), ("failing", "continue", False),
                               ("failing", "pause", False)]:
    f.add(name, {"c": {"checkpoint_id": "cp-1", "health_status": health,
                       "proceed_decision": decision}}, "pass" if ok else "fail",
          f"{health} -> {decision}")
  f.add(name, {"c": {"health_status": "healthy"}}, "error", "proceed_decision missing; " + BAD,
        divergence=True)
  f.add(name, {"c": None}, "error", "checkpoint null", divergence=True)
  f.group("audit-trail-chain-valid")
  name = "audit_trail_chain_valid(t)"
  good = trail(3)
  f.add(name, {"t": good}, "pass", "three entries linked from the genesis hash")
  f.add(name, {"t": trail(1)}, "pass", "one entry linked to genesis")
  f.add(name, {"t": trail(0)}, "pass", "an empty trail")
  broken = copy.deepcopy(good)
  broken["entries"][2]["previous_hash"] = broken["entries"][0]["entry_hash"]
  f.add(name, {"t": broken}, "fail", "entry 2 links to entry 0, skipping entry 1")
  wrong_genesis = copy.deepcopy(good)
  wrong_genesis["genesis_hash"] = "sha256:" + hashlib.sha256(b"other").hexdigest()
  f.add(name, {"t": wrong_genesis}, "fail", "entries[0].previous_hash != genesis_hash")
  swapped = copy.deepcopy(good)
  swapped["entries"][1], swapped["entries"][2] = swapped["entries"][2], swapped["entries"][1]
  f.add(name, {"t": swapped}, "fail", "entries out of order")
  no_genesis = copy.deepcopy(good)
  del no_genesis["genesis_hash"]
  f.add(name, {"t": no_genesis}, "error", "genesis_hash missing; " + BAD, divergence=True)
  f.add(name, {"t": {"genesis_hash": good["genesis_hash"]}}, "error", "entries missing; " + BAD,
        divergence=True)
  f.group("model-routing-eligible")
  name = "model_routing_eligible(qs, qv, cs, cv)"
  for q_state, q_score, c_state, c_score, ok, why in [
      ("warming", 0.5, "established", 0.8, True, "higher rank, higher score"),
      ("established", 0.7, "established", 0.7, True, "exact match"),
      ("cold", 0, "cold", 0, True, "lowest rank, zero score"),
      ("established", 0.7, "warming", 0.9, False, "rank too low"),
      ("warming", 0.8, "authoritative", 0.5, False, "score too low"),
      ("cold", 0.1, "authoritative", 0.1, True, "authoritative is the highest rank")]:
    f.add(name, {"qs": q_state, "qv": q_score, "cs": c_state, "cv": c_score},
          "pass" if ok else "fail", why)
  f.add(name, {"qs": "warming", "qv": "0.5", "cs": "established", "cv": 0.8}, "error",
        "score must be a number; " + BAD, divergence=True)
  f.add(name, {"qv": 0.5, "cs": "established", "cv": 0.8}, "error", "state missing",
        divergence=True)
  f.add("model_routing_eligible(qs, qv, cs)", {"qs": "cold", "qv": 0, "cs": "cold"}, "error",
        "arity")
  return f


def canonical_size(value):
  """RFC 8785 size for ASCII data with integer numbers (sorted keys, no whitespace)."""
  return len(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
             .encode("utf-8"))


def graphs_state_encoding():
  f = CorpusFile("builtins-graphs-state-encoding.jsonl", "gse")
  f.group("is-valid-dag")
  name = "is_valid_dag(items, 'id', 'l', 'r')"
  diamond = [{"id": "A", "l": "B", "r": "C"}, {"id": "B", "l": "D"}, {"id": "C", "l": "D"},
             {"id": "D"}]
  f.add(name, {"items": diamond}, "pass", "diamond: A->B, A->C, B->D, C->D; absent refs are no edge")
  f.add("is_valid_dag(items, 'id')", {"items": diamond}, "pass", "no reference fields")
  f.add(name, {"items": []}, "pass", "empty")
  f.add("is_valid_dag(items, 'id', 'n')", {"items": [{"id": "A", "n": "B"}, {"id": "B", "n": "A"}]},
        "fail", "cycle A->B->A")
  f.add("is_valid_dag(items, 'id', 'n')", {"items": [{"id": "A", "n": "A"}]}, "fail", "self-loop")
  f.add("is_valid_dag(items, 'id', 'n')", {"items": [{"id": "A", "n": "Z"}]}, "fail",
        "dangling reference")
  f.add("is_valid_dag(items, 'id', 'n')",
        {"items": [{"id": "A", "n": "B"}, {"id": "B", "n": "C"}, {"id": "C", "n": "A"},
                   {"id": "D"}]}, "fail", "a three-node cycle")
  f.add("is_valid_dag(items, 'id', 'meta.parent')",
        {"items": [{"id": "A"}, {"id": "B", "meta": {"parent": "A"}}]}, "pass",
        "dotted reference field")
  f.add("is_valid_dag(items, 'id', 'meta.parent')",
        {"items": [{"id": "A", "meta": {"parent": "B"}}, {"id": "B", "meta": {"parent": "A"}}]},
        "fail", "dotted reference cycle")
  f.add("is_valid_dag(items, 'id', 'n')", {"items": [{"id": "A"}, {"n": "A"}]}, "error",
        "an item without an id; " + BAD, divergence=True)
  f.add("is_valid_dag(items, 'id', 'n')", {"items": [{"id": 1}, {"id": "B", "n": "A"}]}, "error",
        "a non-string id; " + BAD, divergence=True)
  f.add("is_valid_dag(items, 'id')", {}, "error", VACUOUS, divergence=True)
  f.add("is_valid_dag(items, 'id')", {"items": {"id": "A"}}, "error", VACUOUS, divergence=True)
  f.add("is_valid_dag(items, 'id')", {"items": [{"id": f"n{i}"} for i in range(10001)]}, "error",
        "more than 10,000 items is a cap error", divergence=True)
  f.add("is_valid_dag(items, idf)", {"items": [], "idf": "id"}, "error",
        "field names must be string literals")
  f.add("is_valid_dag(items)", {"items": []}, "error", "arity")
  state_note = "state-bearing builtin without context state: deferred (LANGUAGE.md)"
  f.group("nonce-unique-per-signer-window")
  name = "nonce_unique_per_signer_window(record, 'signer_id', 'nonce')"
  record = {"record": {"signer_id": "agent-a", "nonce": "n-0001", "payload_hash": "ab12"}}
  f.add(name, record, "deferred", state_note + "; the reference returns true", divergence=True)
  f.add(name + " || true", record, "pass", "deferred is absorbed like an error")
  f.add("false && " + name, record, "fail", "short-circuit: never evaluated")
  f.add(name + " && true", record, "deferred", "deferred propagates like an error")
  f.add(name + " && missing_field > 0", record, "error",
        "error and deferred both reach the top: error wins")
  f.add("true => " + name, record, "deferred")
  f.add("nonce_unique_per_signer_window(record, signer, 'nonce')", dict(record, signer="signer_id"),
        "error", "field names must be string literals")
  f.add("nonce_unique_per_signer_window(record, 'signer_id')", record, "error", "arity")
  f.group("sequence-monotonic-per-cluster")
  name = ("sequence_monotonic_per_cluster(record, 'cluster_id', 'signer_id', 'sequence', "
          "'key_version')")
  record = {"record": {"cluster_id": "cluster-eu-1", "signer_id": "signer-7", "sequence": "42",
                       "key_version": "3"}}
  f.add(name, record, "deferred", state_note + "; the reference returns true", divergence=True)
  f.add(name + " || true", record, "pass", "deferred is absorbed like an error")
  f.add("!" + name, record, "deferred", "! of deferred stays deferred")
  f.add(name + " && false", record, "fail", "deferred && false is false")
  f.add("sequence_monotonic_per_cluster(record, 'cluster_id', 'signer_id', 'sequence')", record,
        "error", "arity")
  f.group("plan-content-hash-unchanged-since-signoff")
  name = "plan_content_hash_unchanged_since_signoff(plan_hash)"
  plan = {"plan_hash": "sha256:" + hashlib.sha256(b"plan v3").hexdigest()}
  f.add(name, plan, "deferred", state_note, divergence=True)
  f.add(name + " || true", plan, "pass")
  f.add(name + " => true", plan, "pass", "deferred => true is true")
  f.add(name + " && 1 / 0 == 1", plan, "error", "error wins over deferred")
  f.add("plan_content_hash_unchanged_since_signoff()", plan, "error", "arity")
  f.group("chain-validator-prev-hash")
  name = "chain_validator_prev_hash(chain, 'entry_hash', 'previous_hash')"
  genesis = "genesis:cluster-ledger"
  hashes = [hashlib.sha256(f"event-{i}".encode()).hexdigest() for i in range(3)]
  chain = [{"entry_hash": hashes[0], "previous_hash": genesis, "event": "open"},
           {"entry_hash": hashes[1], "previous_hash": hashes[0], "event": "reserve"},
           {"entry_hash": hashes[2], "previous_hash": hashes[1], "event": "commit"}]
  f.add(name, {"chain": chain}, "pass", "anchored at the default genesis 'genesis:cluster-ledger'")
  f.add(name, {"chain": []}, "pass", "an empty chain")
  f.add(name, {"chain": chain[:1]}, "pass", "a single entry anchored at genesis")
  bad_genesis = copy.deepcopy(chain)
  bad_genesis[0]["previous_hash"] = "genesis:other"
  f.add(name, {"chain": bad_genesis}, "fail", "not anchored at the default genesis")
  broken = copy.deepcopy(chain)
  broken[2]["previous_hash"] = hashes[0]
  f.add(name, {"chain": broken}, "fail", "entry 2 does not link to entry 1")
  missing = copy.deepcopy(chain)
  del missing[1]["entry_hash"]
  f.add(name, {"chain": missing}, "error", "an entry without its hash field; " + BAD,
        divergence=True)
  f.add(name, {"chain": "h1"}, "error", VACUOUS, divergence=True)
  f.add("chain_validator_prev_hash(chain, 'entry_hash')", {"chain": []}, "error", "arity")
  f.group("canonical-size-cap")
  value = {"kind": "small", "n": 1, "tags": ["a", "b"], "nested": {"z": None, "a": True}}
  size = canonical_size(value)
  f.add(f"canonical_size_cap(v, {size})", {"v": value}, "pass",
        f"RFC 8785 canonical form is {size} bytes: exactly the cap")
  f.add(f"canonical_size_cap(v, {size - 1})", {"v": value}, "fail", "one byte over the cap")
  f.add("canonical_size_cap(v, 4096)", {"v": {}}, "pass", "{} is 2 bytes")
  f.add("canonical_size_cap(v, 1)", {"v": {}}, "fail", "{} is 2 bytes")
  spaced = {"b": 1, "a": [1, 2, 3]}
  f.add(f"canonical_size_cap(v, {canonical_size(spaced)})", {"v": spaced}, "pass",
        "no whitespace, sorted keys: " + json.dumps(spaced, sort_keys=True, separators=(",", ":")))
  accented = {"name": "caf\u00e9"}
  f.add(f"canonical_size_cap(v, {canonical_size(accented)})", {"v": accented}, "pass",
        f"UTF-8 bytes: {canonical_size(accented)} (the e-acute takes 2)")
  f.add(f"canonical_size_cap(v, {canonical_size(accented) - 1})", {"v": accented}, "fail")
  f.add("canonical_size_cap(v, -1)", {"v": {}}, "error",
        "a negative cap is an error; the reference returns false", divergence=True)
  f.add("canonical_size_cap(v, 10.5)", {"v": {}}, "error", "a non-integer cap is an error",
        divergence=True)
  f.add("canonical_size_cap(v, c)", {"v": {}, "c": "100"}, "error", "the cap must be a number",
        divergence=True)
  f.add("canonical_size_cap(v)", {"v": {}}, "error", "arity")
  f.group("signer-key-id-matches-derivation")
  name = "signer_key_id_matches_derivation(record, 'cluster_id', 'key_version', 'key_id')"
  key_id = hashlib.sha256(b"cluster-eu-1:3").hexdigest()
  good = {"cluster_id": "cluster-eu-1", "key_version": "3", "key_id": key_id}
  f.add(name, {"record": good}, "pass", "key_id = sha256_hex('cluster-eu-1:3')")
  f.add(name, {"record": dict(good, key_version="4")}, "fail", "derived for another key version")
  f.add(name, {"record": dict(good, key_id="0" * 64)}, "fail", "a wrong key id")
  f.add(name, {"record": dict(good, cluster_id="cluster-us-1")}, "fail", "another cluster")
  f.add(name, {"record": dict(good, key_version=3)}, "error",
        "key_version must be a string; " + BAD, divergence=True)
  f.add(name, {"record": {"cluster_id": "cluster-eu-1", "key_version": "3"}}, "error",
        "key_id missing; " + BAD, divergence=True)
  f.add(name, {"record": None}, "error", "record null; " + BAD, divergence=True)
  f.add("signer_key_id_matches_derivation(record, 'cluster_id', 'key_version')", {"record": good},
        "error", "arity")
  f.group("percentiles-monotonic-nondecreasing")
  name = "percentiles_monotonic_nondecreasing(m)"
  f.add(name, {"m": {"p50_ms": 10, "p95_ms": 50, "p99_ms": 100, "max_ms": 200}}, "pass")
  f.add(name, {"m": {"p50_ms": 7, "p95_ms": 7, "p99_ms": 7, "max_ms": 7}}, "pass",
        "equality is allowed")
  f.add(name, {"m": {"p50_ms": 1.5, "p95_ms": 2.25, "p99_ms": 2.25, "max_ms": 3}}, "pass",
        "decimals")
  f.add(name, {"m": {"p50_ms": 10, "p95_ms": 50, "p99_ms": 300, "max_ms": 200}}, "fail",
        "p99 above max")
  f.add(name, {"m": {"p50_ms": 60, "p95_ms": 50, "p99_ms": 100, "max_ms": 200}}, "fail",
        "p50 above p95")
  f.add(name, {"m": {"p50_ms": 10, "p95_ms": 50, "p99_ms": 100}}, "error",
        "max_ms missing; " + BAD, divergence=True)
  f.add(name, {"m": {"p50_ms": "10", "p95_ms": 50, "p99_ms": 100, "max_ms": 200}}, "error",
        "p50_ms must be a number; " + BAD, divergence=True)
  f.add(name, {}, "error", "measurements missing", divergence=True)
  f.group("utf8-byte-length-max")
  f.add("utf8_byte_length_max(s, 5)", {"s": "hello"}, "pass")
  f.add("utf8_byte_length_max(s, 4)", {"s": "hello"}, "fail")
  f.add("utf8_byte_length_max(s, 6)", {"s": "h\u00e9llo"}, "pass", "e-acute is 2 bytes: 6 total")
  f.add("utf8_byte_length_max(s, 5)", {"s": "h\u00e9llo"}, "fail", "6 bytes > 5")
  f.add("utf8_byte_length_max(s, 4)", {"s": "\U0001F600"}, "pass", "an astral char is 4 bytes")
  f.add("utf8_byte_length_max(s, 3)", {"s": "\U0001F600"}, "fail")
  f.add("utf8_byte_length_max(s, 3)", {"s": "e\u0301"}, "pass",
        "decomposed e-acute is 1 + 2 bytes, not normalized")
  f.add("utf8_byte_length_max(s, 0)", {"s": ""}, "pass", "empty string")
  f.add("utf8_byte_length_max(s, 10)", {"s": 12345}, "error", "s must be a string; " + BAD,
        divergence=True)
  f.add("utf8_byte_length_max(s, 10)", {}, "error", "s missing", divergence=True)
  f.add("utf8_byte_length_max(s)", {"s": "x"}, "error", "arity")
  return f


def reference_context():
  f = CorpusFile("context-reference.jsonl", "ctxref")
  note = "the reference's evaluation-context format is read as it is written"
  nonce = "nonce_unique_per_signer_window(record, 'signer_id', 'nonce')"
  window = {"nonce_window": {"window_seconds": 300, "per_signer": {"agent-a": ["n-1", "n-2"]}}}
  f.group("nonce-window")
  f.add(nonce, {"record": {"signer_id": "agent-a", "nonce": "n-3"}}, "pass", note,
        context=window)
  f.add(nonce, {"record": {"signer_id": "agent-a", "nonce": "n-2"}}, "fail",
        note + ": a replayed nonce", context=window)
  f.add(nonce, {"record": {"signer_id": "agent-b", "nonce": "n-2"}}, "pass",
        "another signer's window", context=window)
  f.add(nonce, {"record": {"signer_id": "agent-a", "nonce": "n-1"}}, "fail",
        "per_signer as [key, value] entries (a serialised Map)",
        context={"nonce_window": {"window_seconds": 60, "per_signer": [["agent-a", ["n-1"]]]}})
  f.add(nonce, {"record": {"signer_id": 7, "nonce": "n-1"}}, "error",
        "a record field that is not a string; the reference returns false", context=window,
        divergence=True)
  sequence = ("sequence_monotonic_per_cluster(record, 'cluster_id', 'signer_id', 'sequence', "
              "'key_version')")
  state = {"sequence_state": {"cluster_id": "c1", "highest_key_version": "2",
                              "last_sequence": {'["s1","2"]': "41"}}}

  def record(seq, kv="2", cluster="c1"):
    return {"record": {"cluster_id": cluster, "signer_id": "s1", "sequence": seq,
                       "key_version": kv}}
  f.group("sequence-state")
  f.add(sequence, record("42"), "pass", note, context=state)
  f.add(sequence, record("41"), "fail", "not strictly greater than the last sequence",
        context=state)
  f.add(sequence, record("1", kv="3"), "pass", "a new key version starts its own sequence",
        context=state)
  f.add(sequence, record("99", kv="1"), "fail",
        "a key version below the cluster's highest_key_version", context=state)
  f.add(sequence, record("99", cluster="c2"), "fail", "another cluster's record", context=state)
  f.add(sequence, record("007"), "error",
        "a sequence with a leading zero; the reference returns false", context=state,
        divergence=True)
  f.add(sequence, record("42"), "fail", "last_sequence as [key, value] entries",
        context={"sequence_state": {"cluster_id": "c1", "highest_key_version": "1",
                                    "last_sequence": [['["s1","2"]', "50"]]}})
  chain = ("chain_validator_prev_hash(chain, 'entry_hash', 'previous_hash')")
  links = {"chain": [{"entry_hash": "h0", "previous_hash": "genesis:cluster-ledger"},
                     {"entry_hash": "h1", "previous_hash": "h0"}]}
  f.group("chain-ledger")
  f.add(chain, links, "pass", "the audit ledger agrees at index 1",
        context={"chain_ledger": {"expected_prior_hash": {"1": "h0"}}})
  f.add(chain, links, "fail", "the audit ledger recorded another previous hash at index 1",
        context={"chain_ledger": {"expected_prior_hash": [[1, "h9"]]}})
  f.add(chain, links, "fail", "the ledger's genesis sentinel differs",
        context={"chain_ledger": {"genesis_hash": "genesis:other", "expected_prior_hash": {}}})
  f.add(chain, {"chain": [{"entry_hash": "h0"}]}, "error",
        "an entry without its previous hash; the reference returns false",
        context={"chain_ledger": {"expected_prior_hash": {}}}, divergence=True)
  plan = "plan_content_hash_unchanged_since_signoff(plan_hash)"
  ledger = {"plan_signoff_ledger": {"ts_snapshot": "2026-01-01T00:00:00Z", "signoffs": [
      {"signoff_id": "so-1", "plan_content_hash": "sha256:ABCDEF", "ttl_seconds_at_emit": "3600",
       "ts_emit": "2025-12-31T23:00:00Z"}]}}
  f.group("plan-signoff-ledger")
  f.add(plan, {"plan_hash": "sha256:abcdef"}, "pass",
        "the hash is among the ledger's sign-offs (case-insensitive)", context=ledger)
  f.add(plan, {"plan_hash": "sha256:abcdee"}, "fail", "the plan changed since sign-off",
        context=ledger)
  f.add(plan, {"plan_hash": 12}, "error", "not a string; the reference returns false",
        context=ledger, divergence=True)
  f.group("evaluation-timestamp")
  clock = {"evaluation_timestamp": "2024-06-01T12:00:00Z"}
  f.add("is_stale(ts, 60)", {"ts": "2024-06-01T11:50:00Z"}, "pass",
        "evaluation_timestamp is now()", context=clock)
  f.add("is_stale(ts, 600)", {"ts": "2024-06-01T11:50:00Z"}, "fail", context=clock)
  f.add("is_stale(ts, 60)", {"ts": "soon"}, "error", "not a timestamp", context=clock)
  f.group("native")
  f.add(sequence, record("99", kv="1"), "fail",
        "this engine's own format: highest_key_version applies to every signer",
        context={"state": {"sequences": {}, "highest_key_version": "2"}})
  f.add(chain, links, "fail", "this engine's own format: expected_prior_hashes",
        context={"state": {"expected_prior_hashes": {"0": "genesis:x"}}})
  f.add(chain, links, "error", "a malformed ledger index is an error",
        context={"state": {"expected_prior_hashes": {"one": "h0"}}})
  return f


ALL = [delegation, ensembles, trees, sagas, governance, graphs_state_encoding, reference_context]
