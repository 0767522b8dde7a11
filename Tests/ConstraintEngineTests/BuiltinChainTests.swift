import Testing

@testable import ConstraintEngine

@Suite("Builtins: delegation and ensembles")
struct BuiltinDelegationTests {
  static let cases: [BuiltinCase] = [
    // all_links_subset_authority
    BuiltinCase("all_links_subset_authority",
      [[["authority_scope": ["read", "write"]], ["authority_scope": ["read"]]]], .pass),
    BuiltinCase("all_links_subset_authority",
      [[["authority_scope": ["read"]], ["authority_scope": ["read", "write"]]]], .fail),
    BuiltinCase("all_links_subset_authority",
      [[["authority_scope": ["read"]], ["authority_scope": "read"]]], .failed,
      message: "link 1 authority_scope must be an array"),
    BuiltinCase("all_links_subset_authority", [[["authority_scope": 5]]], .pass),
    BuiltinCase("all_links_subset_authority", [[]], .pass),
    BuiltinCase("all_links_subset_authority", [.missing], .invalidArgument(0)),
    BuiltinCase("all_links_subset_authority",
      [[["authority_scope": ["Read"]], ["authority_scope": ["read"]]]], .fail),
    BuiltinCase("all_links_subset_authority",
      [[["authority_scope": ["a", "b"]], ["authority_scope": ["a"]], ["authority_scope": ["b"]]]],
      .fail),
    // delegation_budget_conserved
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "1000"], ["budget_allocated_micro": "500"]]], .pass),
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "500"], ["budget_allocated_micro": "1000"]]], .fail),
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "500"], ["budget_allocated_micro": "5.5"]]], .failed,
      message: "link 1 budget_allocated_micro"),
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "500"], ["budget_allocated_micro": .null],
        ["budget_allocated_micro": "900"]]], .pass),
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "500"], [:]]], .failed, message: "missing"),
    BuiltinCase("delegation_budget_conserved",
      [[["budget_allocated_micro": "500"], ["budget_allocated_micro": 500]]], .pass),
    BuiltinCase("delegation_budget_conserved", [[["budget_allocated_micro": "x"]]], .pass),
    // links_temporally_ordered
    BuiltinCase("links_temporally_ordered",
      [[["timestamp": "2026-01-01T00:00:00Z"], ["timestamp": "2026-01-02T00:00:00Z"]]], .pass),
    BuiltinCase("links_temporally_ordered",
      [[["timestamp": "2026-01-02T00:00:00Z"], ["timestamp": "2026-01-01T00:00:00Z"]]], .fail),
    BuiltinCase("links_temporally_ordered",
      [[["timestamp": "2026-01-02T00:00:00Z"], ["timestamp": .null]]], .failed,
      message: "link 1 timestamp"),
    BuiltinCase("links_temporally_ordered",
      [[["timestamp": "2026-01-01T10:00:00+02:00"], ["timestamp": "2026-01-01T09:00:00Z"]]],
      .pass),
    BuiltinCase("links_temporally_ordered",
      [[["timestamp": "2026-01-01T00:00:00Z"], ["timestamp": "2026-01-01T00:00:00Z"]]], .pass),
    BuiltinCase("links_temporally_ordered", ["2026-01-01"], .invalidArgument(0)),
    // links_form_chain
    BuiltinCase("links_form_chain",
      [[["delegatee": "B"], ["delegator": "B", "delegatee": "C"]]], .pass),
    BuiltinCase("links_form_chain",
      [[["delegatee": "B"], ["delegator": "X", "delegatee": "C"]]], .fail),
    BuiltinCase("links_form_chain", [[["delegatee": "B"], ["delegatee": "C"]]], .failed,
      message: "link 1 delegator"),
    BuiltinCase("links_form_chain", [[["delegatee": "B"]]], .pass),
    BuiltinCase("links_form_chain", [[["delegatee": "B"], 7]], .failed,
      message: "link 1 must be an object"),
    // no_emergent_in_individual
    BuiltinCase("no_emergent_in_individual",
      [["consensus"], ["m1": ["reasoning"], "m2": ["coding"]]], .pass),
    BuiltinCase("no_emergent_in_individual",
      [["reasoning"], ["m1": ["reasoning"], "m2": ["coding"]]], .fail),
    BuiltinCase("no_emergent_in_individual", [["reasoning"], .null], .invalidArgument(1)),
    BuiltinCase("no_emergent_in_individual", [[], ["m1": ["a"]]], .pass),
    BuiltinCase("no_emergent_in_individual", [["a"], ["m1": "a", "m2": 3]], .pass),
    BuiltinCase("no_emergent_in_individual", [[1], ["m1": ["a"]]], .invalidArgument(0)),
    // all_emergent_have_evidence
    BuiltinCase("all_emergent_have_evidence",
      [["consensus"], [["capability": "consensus", "score": .decimal("0.9")]]], .pass),
    BuiltinCase("all_emergent_have_evidence",
      [["consensus", "synthesis"], [["capability": "consensus"]]], .fail),
    BuiltinCase("all_emergent_have_evidence", [["consensus"], .null], .invalidArgument(1)),
    BuiltinCase("all_emergent_have_evidence", [[], []], .pass),
    BuiltinCase("all_emergent_have_evidence", [["a"], ["a"]], .failed,
      message: "evidence item 0"),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}

@Suite("Builtins: trees and sagas")
struct BuiltinTreeSagaTests {
  static func node(_ budget: J, _ scope: J = [], _ children: [J] = []) -> J {
    ["budget_allocated_micro": budget, "authority_scope": scope, "children": .array(children)]
  }

  /// A chain of `depth` edges below the root.
  static func chain(depth: Int) -> J {
    var current = node("1")
    for _ in 0..<depth { current = node("1", [], [current]) }
    return current
  }

  static func wide(_ count: Int) -> J {
    node("1000", [], Array(repeating: node("1"), count: count))
  }

  static let cases: [BuiltinCase] = [
    // tree_budget_conserved
    BuiltinCase("tree_budget_conserved", [node("1000", [], [node("500"), node("500")])], .pass),
    BuiltinCase("tree_budget_conserved", [node("1000", [], [node("600"), node("600")])], .fail),
    BuiltinCase("tree_budget_conserved",
      [node("1000", [], [node("500", [], [node("300"), node("300")])])], .fail),
    BuiltinCase("tree_budget_conserved", [node("1000", [], [node("x")])], .failed,
      message: "root.children[0].budget_allocated_micro"),
    BuiltinCase("tree_budget_conserved", [.null], .invalidArgument(0)),
    BuiltinCase("tree_budget_conserved", [["budget_allocated_micro": "5"]], .pass),
    BuiltinCase("tree_budget_conserved", [chain(depth: 10)], .pass),
    BuiltinCase("tree_budget_conserved", [chain(depth: 11)], .failed, message: "cap of 10"),
    BuiltinCase("tree_budget_conserved", [wide(99)], .pass),
    BuiltinCase("tree_budget_conserved", [wide(100)], .failed, message: "cap of 100 nodes"),
    BuiltinCase("tree_budget_conserved",
      [["budget_allocated_micro": "1", "children": "none"]], .failed, message: "children"),
    // tree_authority_narrowing
    BuiltinCase("tree_authority_narrowing",
      [node("1", ["billing", "inference"], [node("1", ["billing"])])], .pass),
    BuiltinCase("tree_authority_narrowing",
      [node("1", ["billing"], [node("1", ["billing", "inference"])])], .fail),
    BuiltinCase("tree_authority_narrowing",
      [node("1", ["Billing"], [node("1", ["BILLING", "billing"]), node("1", [])])], .pass),
    BuiltinCase("tree_authority_narrowing", [node("1", ["a"], [node("1", .null)])], .failed,
      message: "authority_scope"),
    BuiltinCase("tree_authority_narrowing",
      [node("1", ["a"], [node("1", ["a"], [node("1", ["b"])])])], .fail),
    BuiltinCase("tree_authority_narrowing", [chain(depth: 11)], .failed, message: "deeper"),
    // saga_amount_conserved
    BuiltinCase("saga_amount_conserved", [["steps": [
      ["step_id": "s1", "status": "completed", "amount_micro": "1000"],
      ["step_id": "s2", "status": "completed", "amount_micro": "500"],
    ], "compensation_steps": []]], .pass),
    BuiltinCase("saga_amount_conserved", [["steps": [
      ["step_id": "s1", "status": "completed", "amount_micro": "1000"],
    ], "compensation_steps": [
      ["step_id": "c1", "status": "completed", "amount_micro": "1000"],
    ]]], .pass),
    BuiltinCase("saga_amount_conserved", [["steps": [
      ["step_id": "s1", "status": "completed", "amount_micro": "1000"],
      ["step_id": "s2", "status": "pending", "amount_micro": "9000"],
    ], "compensation_steps": [
      ["step_id": "c1", "status": "completed", "amount_micro": "1001"],
    ]]], .fail),
    BuiltinCase("saga_amount_conserved", [["steps": [
      ["step_id": "s1", "status": "completed", "amount_micro": "-5"],
    ]]], .fail),
    BuiltinCase("saga_amount_conserved", [["steps": [
      ["step_id": "s1", "status": "completed"],
    ]]], .failed, message: "saga.steps[0].amount_micro"),
    BuiltinCase("saga_amount_conserved", [["steps": []]], .pass),
    BuiltinCase("saga_amount_conserved", [["compensation_steps": []]], .failed,
      message: "saga.steps must be an array"),
    BuiltinCase("saga_amount_conserved",
      [["steps": .array(Array(repeating: ["status": "pending"], count: 101))]], .failed,
      message: "cap of 100"),
    BuiltinCase("saga_amount_conserved",
      [["steps": .array(Array(repeating: ["status": "pending"], count: 100))]], .pass),
    // saga_steps_sequential
    BuiltinCase("saga_steps_sequential",
      [["steps": [["step_id": "s1"], ["step_id": "s2"], ["step_id": "s3"]]]], .pass),
    BuiltinCase("saga_steps_sequential",
      [["steps": [["step_id": "s1"], ["step_id": "s2"], ["step_id": "s1"]]]], .fail),
    BuiltinCase("saga_steps_sequential", [["steps": [["step_id": ""]]]], .fail),
    BuiltinCase("saga_steps_sequential", [["steps": [["step_id": 1]]]], .fail),
    BuiltinCase("saga_steps_sequential", [["steps": ["s1"]]], .failed,
      message: "saga.steps[0] must be an object"),
    BuiltinCase("saga_steps_sequential", [.missing], .invalidArgument(0)),
    BuiltinCase("saga_steps_sequential",
      [["steps": .array((0..<101).map { .object([("step_id", .string("s\($0)"))]) })]],
      .failed, message: "cap of 100"),
    // saga_timeout_valid
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "completed", "started_at": "2026-01-15T10:00:00Z",
        "completed_at": "2026-01-15T10:00:30Z"],
    ], "timeout": ["total_seconds": 300, "per_step_seconds": 60]]], .pass),
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "completed", "started_at": "2026-01-15T10:00:00Z",
        "completed_at": "2026-01-15T10:02:00Z"],
    ], "timeout": ["per_step_seconds": 60]]], .fail),
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "pending", "started_at": .null, "completed_at": .null],
    ], "timeout": ["per_step_seconds": 60]]], .pass),
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "completed", "started_at": "2026-01-15T10:00:00Z"],
    ], "timeout": ["per_step_seconds": 60]]], .failed, message: "completed_at"),
    BuiltinCase("saga_timeout_valid", [["steps": [], "timeout": [:]]], .failed,
      message: "per_step_seconds"),
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "completed", "started_at": "2026-01-15T10:00:00Z",
        "completed_at": "2026-01-15T10:01:00.000000001Z"],
    ], "timeout": ["per_step_seconds": 60]]], .fail),
    BuiltinCase("saga_timeout_valid", [["steps": [
      ["step_id": "s1", "status": "completed", "started_at": "2026-01-15T10:00:00Z",
        "completed_at": "2026-01-15T10:01:00Z"],
    ], "timeout": ["per_step_seconds": 60]]], .pass),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}
