import ConservationGuard
import ConstraintEngine
import Foundation
import Testing

@Suite("Guard decisions and health as JSON (Codable)")
struct GuardCodableTests {
  static let failure = InvariantFailure(
    invariantID: "budget_conservation", outcome: .fail,
    message: "spent must never exceed the budget limit",
    explanation: "budget.limit_micro = 1000000; budget.spent_micro = 1000001")

  static func violation(_ failures: [InvariantFailure]) throws -> GuardDecision {
    // Built through decoding: the library keeps GuardViolation's initializer internal.
    let json = try JSONEncoder().encode(failures)
    let text =
      "{\"decision\":\"violation\",\"rule_set_version\":\"34c9bf7454c3334c\",\"violations\":"
      + String(decoding: json, as: UTF8.self) + "}"
    return try JSONDecoder().decode(GuardDecision.self, from: Data(text.utf8))
  }

  static func object(_ value: some Encodable) throws -> [String: Any] {
    let data = try JSONEncoder().encode(value)
    return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func everyDecisionRoundTrips() throws {
    let decisions: [GuardDecision] = [
      .pass(ruleSetVersion: "34c9bf7454c3334c"),
      try Self.violation([
        Self.failure,
        InvariantFailure(
          invariantID: "cost_non_negative", outcome: .error, message: "a cost is never negative",
          explanation: "missing value at `cost_micro`"),
      ]),
      .unavailable(reason: .compileFailed, retryAfter: .seconds(3)),
      .unavailable(reason: .dlqOverflow, retryAfter: .seconds(3)),
      .unavailable(reason: .notStarted, retryAfter: .seconds(3)),
      .bypassed,
    ]
    for decision in decisions {
      let data = try JSONEncoder().encode(decision)
      #expect(try JSONDecoder().decode(GuardDecision.self, from: data) == decision)
    }
  }

  @Test func decisionShapesAreTheCommandsShapes() throws {
    let pass = try Self.object(GuardDecision.pass(ruleSetVersion: "v1"))
    #expect(pass["decision"] as? String == "pass")
    #expect(pass["rule_set_version"] as? String == "v1")
    #expect(pass.count == 2)

    let unavailable = try Self.object(
      GuardDecision.unavailable(reason: .dlqOverflow, retryAfter: .seconds(3)))
    #expect(unavailable["reason"] as? String == "dlq_overflow")
    #expect(unavailable["retry_after_seconds"] as? Int == 3)

    let violation = try Self.object(try Self.violation([Self.failure]))
    let failures = try #require(violation["violations"] as? [[String: Any]])
    #expect(failures.count == 1)
    #expect(failures[0]["invariant"] as? String == "budget_conservation")
    #expect(failures[0]["outcome"] as? String == "fail")
    #expect(failures[0]["explanation"] as? String == Self.failure.explanation)

    #expect(try Self.object(GuardDecision.bypassed).count == 1)
  }

  @Test func retryAfterIsRoundedUpToWholeSeconds() {
    #expect(GuardDecision.retryAfterSeconds(.seconds(3)) == 3)
    #expect(GuardDecision.retryAfterSeconds(.milliseconds(2500)) == 3)
    #expect(GuardDecision.retryAfterSeconds(.milliseconds(1)) == 1)
    #expect(GuardDecision.retryAfterSeconds(.zero) == 0)
  }

  /// Decoding never turns something unknown or incomplete into a decision, least of all a
  /// pass.
  @Test(arguments: [
    #"{"decision":"PASS","rule_set_version":"v"}"#,
    #"{"decision":"ok"}"#,
    #"{"decision":"pass"}"#,
    #"{"rule_set_version":"v"}"#,
    #"{"decision":"violation","rule_set_version":"v","violations":[]}"#,
    #"{"decision":"violation","rule_set_version":"v"}"#,
    #"{"decision":"violation","rule_set_version":"v","violations":[{"invariant":"x","#
      + #""outcome":"pass","message":"m","explanation":"e"}]}"#,
    #"{"decision":"violation","rule_set_version":"v","violations":[{"invariant":"x","#
      + #""outcome":"maybe","message":"m","explanation":"e"}]}"#,
    #"{"decision":"unavailable","reason":"tired","retry_after_seconds":3}"#,
    #"{"decision":"unavailable","reason":"compile_failed"}"#,
    #"{"decision":"unavailable","reason":"compile_failed","retry_after_seconds":-1}"#,
    #"{"decision":null}"#,
  ])
  func strictDecoding(json: String) {
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(GuardDecision.self, from: Data(json.utf8))
    }
  }

  @Test func healthRoundTripsWithEveryKeyPresent() throws {
    let guardian = ConservationGuard(
      source: Fixtures.source("{ broken"), environment: [:], clock: ManualGuardClock(),
      metrics: nil)
    guardian.start()
    guardian.reportPendingReconciliations(4)
    let health = guardian.health()
    let object = try Self.object(health)
    #expect(object["state"] as? String == "degraded")
    #expect(object["reason"] as? String == "compile_failed")
    #expect(object["rule_set_version"] is NSNull)
    #expect((object["last_compile_error"] as? String)?.isEmpty == false)
    #expect(object["pending_reconciliations"] as? Int == 4)
    let data = try JSONEncoder().encode(health)
    #expect(try JSONDecoder().decode(GuardHealth.self, from: data) == health)

    let ready = ConservationGuard(
      source: Fixtures.source(), environment: [:], clock: ManualGuardClock(), metrics: nil)
    ready.start()
    let readyObject = try Self.object(ready.health())
    #expect(readyObject["state"] as? String == "ready")
    #expect(readyObject["reason"] is NSNull)
    #expect((readyObject["rule_set_version"] as? String)?.count == 16)
  }

  /// A health body missing a key, with an unknown state or a negative count.
  @Test(arguments: [
    #"{"state":"ready","reason":null,"rule_set_version":null,"last_compile_error":null}"#,
    #"{"state":"fine","reason":null,"rule_set_version":null,"last_compile_error":null,"#
      + #""pending_reconciliations":0}"#,
    #"{"state":"ready","rule_set_version":null,"last_compile_error":null,"#
      + #""pending_reconciliations":0}"#,
    #"{"state":"ready","reason":null,"rule_set_version":null,"last_compile_error":null,"#
      + #""pending_reconciliations":-1}"#,
  ])
  func strictHealthDecoding(json: String) {
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(GuardHealth.self, from: Data(json.utf8))
    }
  }
}
