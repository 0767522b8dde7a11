import Foundation
import Testing

@testable import ConstraintEngine

@Suite("Builtins: registry and context")
struct BuiltinRegistryTests {
  /// The 52 builtins of grammar v2.0, transcribed from GRAMMAR-NOTES.md "Builtins (52)".
  static let portableNames: Set<String> = [
    "bigint_sum", "bigint_gte", "bigint_gt", "bigint_eq", "bigint_add", "bigint_sub", "eq",
    "len", "type_of", "is_bigint_coercible", "changed", "previous", "delta", "unique_values",
    "object_keys_subset", "all_links_subset_authority", "delegation_budget_conserved",
    "links_temporally_ordered", "links_form_chain", "no_emergent_in_individual",
    "all_emergent_have_evidence", "tree_budget_conserved", "tree_authority_narrowing",
    "saga_amount_conserved", "saga_steps_sequential", "saga_timeout_valid",
    "outcome_consensus_valid", "monetary_policy_solvent", "permission_boundary_active",
    "proposal_quorum_met", "proposal_weights_normalized", "basket_weights_normalized",
    "constraint_lifecycle_valid", "proposal_execution_valid", "execution_checkpoint_valid",
    "audit_trail_chain_valid", "model_routing_eligible", "is_after", "is_before", "is_between",
    "is_stale", "is_within", "now", "is_valid_dag", "nonce_unique_per_signer_window",
    "sequence_monotonic_per_cluster", "chain_validator_prev_hash",
    "plan_content_hash_unchanged_since_signoff", "canonical_size_cap",
    "signer_key_id_matches_derivation", "percentiles_monotonic_nondecreasing",
    "utf8_byte_length_max",
  ]

  @Test func portableBuiltinsAreExactlyTheFiftyTwo() {
    #expect(Self.portableNames.count == 52)
    let portable = Set(BuiltinRegistry.standard.all.filter(\.signature.isPortable).map(\.name))
    #expect(portable == Self.portableNames)
    let extensions = Set(BuiltinRegistry.standard.all.filter { !$0.signature.isPortable }
      .map(\.name))
    #expect(extensions == ["bigint_lte", "bigint_lt", "matches", "unique"])
  }

  /// GRAMMAR-NOTES.md itself, when the shared folder sits beside the checkout (as it does on
  /// developer machines and in CI).
  static var grammarNotes: String? {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<5 {
      directory = directory.deletingLastPathComponent()
      let candidate = directory.appendingPathComponent("shared/reference/GRAMMAR-NOTES.md")
      if let text = try? String(contentsOf: candidate, encoding: .utf8) { return text }
    }
    return nil
  }

  @Test(.enabled(if: grammarNotes != nil)) func portableListMatchesGrammarNotes() throws {
    let text = try #require(Self.grammarNotes)
    let section = try #require(text.components(separatedBy: "## Builtins (52)").last)
      .components(separatedBy: "## Rule file format")[0]
    var names = Set<String>()
    for line in section.split(separator: "\n") where line.hasPrefix("| `") {
      let cell = line.split(separator: "|")[0]
      for piece in cell.split(separator: "`").enumerated() where piece.offset % 2 == 1 {
        let name = piece.element.prefix { $0 != "(" }
        names.insert(String(name))
      }
    }
    #expect(names == Self.portableNames)
  }

  @Test func signaturesMatchTheirImplementations() {
    for builtin in BuiltinRegistry.standard.all {
      let signature = builtin.signature
      switch builtin.implementation {
      case .temporal(let kind):
        #expect(signature.parameters == [.path])
        #expect(signature.name == kind.rawValue)
      case .regexMatch:
        #expect(signature.parameters == [.value, .regexLiteral])
        #expect(!signature.isPortable)
      case .function:
        #expect(!signature.parameters.contains(.path))
        #expect(!signature.parameters.contains(.regexLiteral))
      }
      #expect(!signature.family.isEmpty)
    }
    let registry = BuiltinRegistry.standard
    #expect(registry.lookup("bigint_sum")?.signature.minimumArity == 1)
    #expect(registry.lookup("bigint_sum")?.signature.maximumArity == 2)
    #expect(registry.lookup("is_valid_dag")?.signature.maximumArity == nil)
    #expect(registry.lookup("is_valid_dag")?.signature.parameter(at: 7) == .stringLiteral)
    #expect(registry.lookup("is_stale")?.signature.minimumArity == 2)
    #expect(registry.lookup("now")?.signature.maximumArity == 0)
    #expect(registry.lookup("model_routing_eligible")?.signature.minimumArity == 4)
    #expect(registry.lookup("sequence_monotonic_per_cluster")?.signature.parameters
      == [.value, .stringLiteral, .stringLiteral, .stringLiteral, .stringLiteral])
    #expect(registry.lookup("bigint_add")?.signature.result == .bigint)
    #expect(registry.lookup("bigint_sum")?.signature.result == .bigint)
    #expect(registry.lookup("len")?.signature.result == .integer)
    #expect(registry.lookup("previous")?.signature.result == .any)
    #expect(registry.lookup("type_of")?.signature.result == .string)
    #expect(registry.lookup("budget") == nil)
  }

  @Test func contextFromJSON() throws {
    let context = try EvaluationContext(json: ([
      "now": "2026-01-02T00:00:00Z", "flags": ["a", "b"], "state": ["signoffs": ["h"]],
    ] as J).value)
    #expect(context.now == "2026-01-02T00:00:00Z")
    #expect(context.flags == ["a", "b"])
    #expect(context.state["signoffs"][0].description == "\"h\"")
    let empty = try EvaluationContext(json: ([:] as J).value)
    #expect(empty.now == nil && empty.flags.isEmpty)
    guard case .missing = empty.state else {
      Issue.record("state should be missing")
      return
    }
    let nulls = try EvaluationContext(json: (["now": .null, "state": .null] as J).value)
    #expect(nulls.now == nil)
  }

  @Test(arguments: [
    (J.array([]), "must be a JSON object"),
    (["now": "2026-02-30"], "not an ISO 8601 timestamp"),
    (["now": 5], "timestamp string"),
    (["flags": "a"], "array of strings"),
    (["flags": ["a", 1]], "flags[1]"),
    (["state": [1]], "`state` must be an object"),
    (["clock": "x"], "unknown evaluation context key"),
  ] as [(J, String)])
  func contextRejectsBadJSON(json: J, reason: String) {
    do {
      _ = try EvaluationContext(json: json.value)
      Issue.record("accepted \(json)")
    } catch {
      #expect(error.message.contains(reason), "\(error.message)")
    }
  }
}
