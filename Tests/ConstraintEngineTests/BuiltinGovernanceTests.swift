import Testing

@testable import ConstraintEngine

@Suite("Builtins: governance")
struct BuiltinGovernanceTests {
  static func votes(_ choices: [String]) -> J {
    .array(choices.map { .object([("vote", .string($0))]) })
  }

  static func outcome(_ type: String, _ choices: [String], threshold: J = .decimal("0.5"))
    -> J
  {
    ["outcome_type": .string(type), "votes": votes(choices), "consensus_threshold": threshold]
  }

  static func weights(_ values: [J]) -> J {
    .array(values.map { .object([("weight", $0)]) })
  }

  static let cases: [BuiltinCase] = [
    // outcome_consensus_valid
    BuiltinCase("outcome_consensus_valid",
      [outcome("unanimous", ["agree", "agree", "agree"], threshold: 1)], .pass),
    BuiltinCase("outcome_consensus_valid", [outcome("unanimous", ["agree", "disagree"])], .fail),
    BuiltinCase("outcome_consensus_valid", [outcome("majority", ["agree", "agree", "disagree"])],
      .pass),
    BuiltinCase("outcome_consensus_valid", [outcome("majority", ["agree", "agree"])], .fail),
    BuiltinCase("outcome_consensus_valid",
      [outcome("majority", ["agree", "disagree", "disagree"], threshold: .decimal("0.34"))],
      .fail),
    BuiltinCase("outcome_consensus_valid",
      [outcome("majority", ["agree", "disagree", "disagree"], threshold: .decimal("0.33"))],
      .pass),
    BuiltinCase("outcome_consensus_valid", [outcome("deadlock", ["agree", "disagree", "abstain"])],
      .pass),
    BuiltinCase("outcome_consensus_valid", [outcome("deadlock", ["agree", "agree", "abstain"])],
      .fail),
    BuiltinCase("outcome_consensus_valid", [outcome("unanimous", [])], .failed,
      message: "1 to 100 votes"),
    BuiltinCase("outcome_consensus_valid",
      [["outcome_type": "escalation", "votes": votes(["agree"]), "escalated_to": "council"]],
      .pass),
    BuiltinCase("outcome_consensus_valid",
      [["outcome_type": "escalation", "votes": votes(["agree"]), "escalated_to": ""]], .fail),
    BuiltinCase("outcome_consensus_valid", [outcome("plurality", ["agree"])], .failed,
      message: "outcome_type"),
    BuiltinCase("outcome_consensus_valid",
      [outcome("majority", ["agree"], threshold: .decimal("1.5"))], .failed,
      message: "between 0 and 1"),
    BuiltinCase("outcome_consensus_valid",
      [outcome("unanimous", Array(repeating: "agree", count: 101))], .failed,
      message: "cap of 100"),
    BuiltinCase("outcome_consensus_valid", [.null], .invalidArgument(0)),
    // monetary_policy_solvent
    BuiltinCase("monetary_policy_solvent", [["conservation_ceiling": "1000000"], "500000"],
      .pass),
    BuiltinCase("monetary_policy_solvent", [["conservation_ceiling": "1000000"], "1000000"],
      .pass),
    BuiltinCase("monetary_policy_solvent", [["conservation_ceiling": "1000000"], "1000001"],
      .fail),
    BuiltinCase("monetary_policy_solvent", [["conservation_ceiling": "1e6"], "1"], .failed,
      message: "conservation_ceiling"),
    BuiltinCase("monetary_policy_solvent", [.null, "1"], .invalidArgument(0)),
    BuiltinCase("monetary_policy_solvent", [["conservation_ceiling": "1"], "one"],
      .invalidArgument(1)),
    // permission_boundary_active
    BuiltinCase("permission_boundary_active", [[
      "scope": "billing", "permitted_if": "trust_level == 'verified'",
      "reporting": ["required": true], "revocation": ["trigger": "violation_count"],
    ]], .pass),
    BuiltinCase("permission_boundary_active", [[
      "scope": "", "permitted_if": "x", "reporting": [:], "revocation": [:],
    ]], .fail),
    BuiltinCase("permission_boundary_active", [[
      "scope": "billing", "permitted_if": "x", "revocation": [:],
    ]], .fail),
    BuiltinCase("permission_boundary_active", [.null], .invalidArgument(0)),
    // proposal_quorum_met
    BuiltinCase("proposal_quorum_met", [["voting": ["quorum_required": .decimal("0.5"),
      "votes_cast": weights([.decimal("0.3"), .decimal("0.3")])]]], .pass),
    BuiltinCase("proposal_quorum_met", [["voting": ["quorum_required": .decimal("0.75"),
      "votes_cast": weights([.decimal("0.3"), .decimal("0.2")])]]], .fail),
    BuiltinCase("proposal_quorum_met", [["voting": ["quorum_required": .decimal("0.6"),
      "votes_cast": weights([.decimal("0.3"), .decimal("0.3")])]]], .pass),
    BuiltinCase("proposal_quorum_met", [["voting": ["quorum_required": 0, "votes_cast": []]]],
      .pass),
    BuiltinCase("proposal_quorum_met", [["voting": ["quorum_required": 1,
      "votes_cast": weights(["0.5"])]]], .failed, message: "weight must be a number"),
    BuiltinCase("proposal_quorum_met", [["voting": ["votes_cast": []]]], .failed,
      message: "quorum_required"),
    // proposal_weights_normalized
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast":
      weights([.decimal("0.3"), .decimal("0.4"), .decimal("0.3")])]]], .pass),
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast":
      weights([.decimal("0.5"), .decimal("0.6")])]]], .fail),
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast": []]]], .pass),
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast":
      weights([.decimal("0.5"), .decimal("0.501")])]]], .pass),
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast":
      weights([.decimal("0.5"), .decimal("0.5010000001")])]]], .fail),
    BuiltinCase("proposal_weights_normalized", [["voting": ["votes_cast":
      .array(Array(repeating: .object([("weight", 0)]), count: 101))]]], .failed,
      message: "cap of 100"),
    BuiltinCase("proposal_weights_normalized", [["voting": "open"]], .failed,
      message: "proposal.voting"),
    // basket_weights_normalized
    BuiltinCase("basket_weights_normalized",
      [["entries": weights([.decimal("0.6"), .decimal("0.4")])]], .pass),
    BuiltinCase("basket_weights_normalized",
      [["entries": weights([.decimal("0.6"), .decimal("0.6")])]], .fail),
    BuiltinCase("basket_weights_normalized", [["entries": []]], .failed, message: "1 to 100"),
    BuiltinCase("basket_weights_normalized", [["entries": weights([1])]], .pass),
    BuiltinCase("basket_weights_normalized", [["entries": weights([.decimal("0.999")])]], .pass),
    BuiltinCase("basket_weights_normalized", [["entries": weights([.decimal("0.9989")])]], .fail),
    BuiltinCase("basket_weights_normalized", [["entries": weights([.decimal("1.001")])]], .pass),
    BuiltinCase("basket_weights_normalized", [["entries": "x"]], .failed, message: "entries"),
    // constraint_lifecycle_valid
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "proposed", "to_status": "under_review"]], .pass),
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "under_review", "to_status": "enacted"]], .pass),
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "enacted", "to_status": "deprecated"]], .pass),
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "rejected", "to_status": "proposed"]], .fail),
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "enacted", "to_status": "enacted"]], .fail),
    BuiltinCase("constraint_lifecycle_valid",
      [["from_status": "unknown", "to_status": "enacted"]], .fail),
    BuiltinCase("constraint_lifecycle_valid", [["from_status": "proposed"]], .failed,
      message: "to_status"),
    // proposal_execution_valid
    BuiltinCase("proposal_execution_valid", [["status": "completed",
      "changes_applied": [["result": "success"], ["result": "success"]]]], .pass),
    BuiltinCase("proposal_execution_valid", [["status": "failed",
      "changes_applied": [["result": "success"]]]], .fail),
    BuiltinCase("proposal_execution_valid", [["status": "completed",
      "changes_applied": [["result": "success"], ["result": "failed"]]]], .fail),
    BuiltinCase("proposal_execution_valid", [["status": "completed", "changes_applied": []]],
      .fail),
    BuiltinCase("proposal_execution_valid", [["status": "completed"]], .failed,
      message: "changes_applied"),
    BuiltinCase("proposal_execution_valid", [["status": "completed",
      "changes_applied": [["outcome": "success"]]]], .failed, message: "result"),
    // execution_checkpoint_valid
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "healthy", "proceed_decision": "continue"]], .pass),
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "degraded", "proceed_decision": "pause"]], .pass),
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "failing", "proceed_decision": "rollback"]], .pass),
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "failing", "proceed_decision": "continue"]], .fail),
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "healthy", "proceed_decision": "pause"]], .fail),
    BuiltinCase("execution_checkpoint_valid",
      [["health_status": "unknown", "proceed_decision": "pause"]], .fail),
    BuiltinCase("execution_checkpoint_valid", [["health_status": "healthy"]], .failed,
      message: "proceed_decision"),
    // audit_trail_chain_valid
    BuiltinCase("audit_trail_chain_valid", [["entries": [], "genesis_hash": "sha256:0"]], .pass),
    BuiltinCase("audit_trail_chain_valid", [["genesis_hash": "sha256:0000", "entries": [
      ["entry_hash": "sha256:aaaa", "previous_hash": "sha256:0000"],
      ["entry_hash": "sha256:bbbb", "previous_hash": "sha256:aaaa"],
    ]]], .pass),
    BuiltinCase("audit_trail_chain_valid", [["genesis_hash": "sha256:0000", "entries": [
      ["entry_hash": "sha256:aaaa", "previous_hash": "sha256:ffff"],
    ]]], .fail),
    BuiltinCase("audit_trail_chain_valid", [["genesis_hash": "sha256:0000", "entries": [
      ["entry_hash": "sha256:aaaa", "previous_hash": "sha256:0000"],
      ["entry_hash": "sha256:bbbb", "previous_hash": "sha256:cccc"],
    ]]], .fail),
    BuiltinCase("audit_trail_chain_valid", [["entries": []]], .failed, message: "genesis_hash"),
    BuiltinCase("audit_trail_chain_valid", [["genesis_hash": "g", "entries": [
      ["previous_hash": "g"], ["previous_hash": "x"],
    ]]], .failed, message: "entries[0].entry_hash"),
    // model_routing_eligible
    BuiltinCase("model_routing_eligible",
      ["warming", .decimal("0.5"), "established", .decimal("0.8")], .pass),
    BuiltinCase("model_routing_eligible",
      ["established", .decimal("0.7"), "cold", .decimal("0.1")], .fail),
    BuiltinCase("model_routing_eligible",
      ["warming", .decimal("0.8"), "established", .decimal("0.5")], .fail),
    BuiltinCase("model_routing_eligible",
      ["authoritative", .decimal("0.9"), "authoritative", .decimal("0.9")], .pass),
    BuiltinCase("model_routing_eligible", ["legendary", 0, "authoritative", 1], .fail),
    BuiltinCase("model_routing_eligible", ["warming", "0.5", "established", 1],
      .invalidArgument(1)),
    BuiltinCase("model_routing_eligible", ["warming", 0, .null, 1], .invalidArgument(2)),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}
