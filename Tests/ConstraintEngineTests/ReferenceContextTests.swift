import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// The reference evaluator's context format (`evaluation_timestamp`, `feature_flags`, its
/// state parts) read into this engine's context, and every malformed part refused.
@Suite("Evaluation context: the reference's format")
struct ReferenceContextTests {
  static func context(_ text: String) throws -> EvaluationContext {
    try EvaluationContext(document: text)
  }

  @Test func everyPartIsReadIntoTheNativeShape() throws {
    let context = try Self.context(
      """
      {"evaluation_timestamp": "2026-01-01T00:00:00Z",
       "feature_flags": {"on": true, "off": false},
       "nonce_window": {"window_seconds": 300, "per_signer": {"a": ["n-1", "n-2"]}},
       "sequence_state": {"cluster_id": "c1", "highest_key_version": "2",
                          "last_sequence": {"[\\"s|1\\",\\"2\\"]": "41"}},
       "chain_ledger": {"genesis_hash": "g", "expected_prior_hash": [[0, "g"], [3, "h2"]]},
       "plan_signoff_ledger": {"ts_snapshot": "2026-01-01T00:00:00Z", "signoffs": [
         {"signoff_id": "s", "plan_content_hash": "sha256:AB", "ttl_seconds_at_emit": 60,
          "ts_emit": "2025-12-31T23:59:00Z"}]}}
      """)
    #expect(context.now == "2026-01-01T00:00:00Z")
    #expect(context.flags == ["on"])
    let state = context.state
    #expect(state["nonce_windows"]["a"].description == #"["n-1", "n-2"]"#)
    #expect(state["cluster_id"].description == #""c1""#)
    #expect(state["highest_key_version"].description == #""2""#)
    // A signer holding `|` keeps its own key: the key version after the last `|` is digits.
    #expect(state["sequences"]["s|1|2"].description == #""41""#)
    #expect(state["genesis_hash"].description == #""g""#)
    #expect(state["expected_prior_hashes"]["0"].description == #""g""#)
    #expect(state["expected_prior_hashes"]["3"].description == #""h2""#)
    #expect(state["signoffs"].description == #"["sha256:AB"]"#)
  }

  @Test func nullPartsAreAbsentAndAnEmptyDocumentIsTheEmptyContext() throws {
    let context = try Self.context(
      #"{"evaluation_timestamp": null, "feature_flags": null, "nonce_window": null}"#)
    #expect(context.now == nil && context.flags.isEmpty)
    guard case .missing = context.state else {
      Issue.record("no state part: the state-bearing builtins must defer")
      return
    }
  }

  @Test(
    arguments: [
      (#"{"evaluation_timestamp": "now"}"#, "evaluation_timestamp"),
      (#"{"evaluation_timestamp": 1}"#, "timestamp string"),
      (#"{"feature_flags": ["a"]}"#, "object of booleans"),
      (#"{"feature_flags": {"a": 1}}"#, "must be a boolean"),
      (#"{"feature_flags": {}, "flags": []}"#, "mixes"),
      (#"{"state": {}, "nonce_window": null}"#, "mixes"),
      (#"{"evaluation_timestamp": null, "clock": 1}"#, "unknown key"),
      (#"{"nonce_window": {"per_signer": {}}}"#, "has no `window_seconds`"),
      (#"{"nonce_window": {"window_seconds": -1, "per_signer": {}}}"#, "non-negative"),
      (#"{"nonce_window": {"window_seconds": 1, "per_signer": {}, "ttl": 1}}"#, "unknown key"),
      (#"{"nonce_window": {"window_seconds": 1, "per_signer": {"a": "n"}}}"#, "array of nonce"),
      (#"{"nonce_window": {"window_seconds": 1, "per_signer": {"a": [1]}}}"#, "hold strings"),
      (#"{"nonce_window": {"window_seconds": 1, "per_signer": [["a"]]}}"#, "[key, value] pair"),
      (
        #"{"nonce_window": {"window_seconds": 1, "per_signer": [["a", []], ["a", []]]}}"#,
        "repeats the key"
      ),
      (#"{"nonce_window": {"window_seconds": 1, "per_signer": 5}}"#, "[key, value] pairs"),
      (
        #"{"sequence_state": {"cluster_id": "c", "last_sequence": {}}}"#,
        "has no `highest_key_version`"
      ),
      (
        #"{"sequence_state": {"cluster_id": 1, "highest_key_version": "1", "last_sequence": {}}}"#,
        "cluster_id must be a string"
      ),
      (
        #"{"sequence_state": {"cluster_id": "c", "highest_key_version": "01", "#
          + #""last_sequence": {}}}"#,
        "highest_key_version"
      ),
      (
        #"{"sequence_state": {"cluster_id": "c", "highest_key_version": "1", "#
          + #""last_sequence": {"s|1": "2"}}}"#,
        "JSON.stringify([signer, key_version])"
      ),
      (
        #"{"sequence_state": {"cluster_id": "c", "highest_key_version": "1", "#
          + #""last_sequence": {"[\"s\",\"1\"]": 2}}}"#,
        "string of decimal digits"
      ),
      (#"{"chain_ledger": {"genesis_hash": "g"}}"#, "has no `expected_prior_hash`"),
      (#"{"chain_ledger": {"expected_prior_hash": {"first": "h"}}}"#, "chain index"),
      (#"{"chain_ledger": {"expected_prior_hash": {"0": 7}}}"#, "must be a string"),
      (#"{"chain_ledger": {"expected_prior_hash": [[-1, "h"]]}}"#, "the key must be a string"),
      (#"{"chain_ledger": {"genesis_hash": 5, "expected_prior_hash": {}}}"#, "genesis_hash"),
      (#"{"plan_signoff_ledger": {"signoffs": []}}"#, "has no `ts_snapshot`"),
      (#"{"plan_signoff_ledger": {"ts_snapshot": "t", "signoffs": {}}}"#, "must be an array"),
      (
        #"{"plan_signoff_ledger": {"ts_snapshot": "t", "#
          + #""signoffs": [{"plan_content_hash": "h"}]}}"#,
        "has no `signoff_id`"
      ),
      (
        #"{"plan_signoff_ledger": {"ts_snapshot": "t", "signoffs": [{"signoff_id": "s", "#
          + #""plan_content_hash": 5, "ttl_seconds_at_emit": "1", "ts_emit": "t"}]}}"#,
        "plan_content_hash must be a string"
      ),
      (
        #"{"plan_signoff_ledger": {"ts_snapshot": "t", "signoffs": [{"signoff_id": "s", "#
          + #""plan_content_hash": "h", "ttl_seconds_at_emit": "0", "ts_emit": "t"}]}}"#,
        "positive integer"
      ),
    ] as [(String, String)])
  func malformedPartsAreRefused(_ text: String, _ reason: String) throws {
    do {
      _ = try Self.context(text)
      Issue.record("accepted \(text)")
    } catch let error as Diagnostic {
      #expect(error.code == .invalidContext)
      #expect(error.message.contains(reason), "\(error.message)")
    }
  }

  /// The chain ledger's recorded previous hash is checked at its index, after the chain's own
  /// links, in the native state as read from the reference format.
  @Test func theAuditLedgerIsCrossChecked() throws {
    let program = try Compiler.compile(
      "chain_validator_prev_hash(chain, 'entry_hash', 'previous_hash')")
    let chain = try JSONReader.read(
      """
      {"chain": [{"entry_hash": "h0", "previous_hash": "genesis:cluster-ledger"},
                 {"entry_hash": "h1", "previous_hash": "h0"},
                 {"entry_hash": "h2", "previous_hash": "h1"}]}
      """)
    let agreeing = try Self.context(#"{"chain_ledger": {"expected_prior_hash": {"2": "h1"}}}"#)
    #expect(program.evaluate(chain, context: agreeing).kind == .pass)
    let beyond = try Self.context(#"{"chain_ledger": {"expected_prior_hash": {"9": "x"}}}"#)
    #expect(program.evaluate(chain, context: beyond).kind == .pass)
    let diverging = try Self.context(#"{"chain_ledger": {"expected_prior_hash": {"2": "h0"}}}"#)
    #expect(program.evaluate(chain, context: diverging).kind == .fail)
    #expect(
      program.evaluateWithReferenceInterpreter(chain, context: diverging).kind == .fail)
  }
}
