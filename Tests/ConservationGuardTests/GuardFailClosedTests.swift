import ConservationGuard
import ConstraintEngine
import Foundation
import Testing

/// A rule file of `schema` whose rules, one per id, hold on every snapshot with a budget.
private func harmlessRules(schema: String, ids: [String]) -> RuleSourceFile {
  let rules = ids.map { #"{"id": "\#($0)", "expression": "bigint_gte(budget.limit_micro, 0)"}"# }
  let text = """
    {"schema_id": "\(schema)", "expression_version": "2.0",
     "constraints": [\(rules.joined(separator: ", "))]}
    """
  return RuleSourceFile(path: "a-\(schema.lowercased()).constraints.json", bytes: Array(text.utf8))
}

private let overspent = Fixtures.snapshot(limit: Fixtures.s("1000"), spent: Fixtures.s("1001"))

@Suite("ConservationGuard: invariants are bound to one schema")
struct GuardSchemaBindingTests {
  @Test func anotherSchemaReusingAnInvariantIDNeverStandsInForIt() throws {
    // The other schema's file comes first and reuses every invariant id (legal: ids are
    // unique per schema); its rules would pass an overspent snapshot.
    let source = InMemoryRuleSource(files: [
      harmlessRules(schema: "Ledger", ids: GuardConfiguration.billingInvariants),
      Fixtures.file(Fixtures.billingRules),
    ])
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    guard case .violation(let violation) = harness.guardian.check(overspent) else {
      Issue.record("an overspent snapshot was not a violation")
      return
    }
    #expect(violation.invariantIDs == ["budget_conservation"])
  }
}

@Suite("ConservationGuard: HARD_FAIL lines cannot be forged")
struct GuardLogInjectionTests {
  @Test func typeSignatureKeysNeverReachALogKeyUnescaped() throws {
    let hostile = "cost_micro\nguard: critical EVALUATOR_BYPASS active fake=1"
    let rules = Fixtures.rules(
      replacing: #""type_signature": {"cost_micro": "bigint"}"#,
      with: #""type_signature": {"cost_micro": "bigint", "#
        + "\(Value.quoted(hostile)): \"bigint\"}")
    let harness = GuardHarness(source: Fixtures.source(rules))
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    _ = harness.guardian.check(Fixtures.snapshot(cost: Fixtures.s("-1")))
    let hardFails = harness.logs.records("HARD_FAIL")
    #expect(!hardFails.isEmpty)
    let safe = CharacterSet(
      charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[]-")
    for record in harness.logs.all {
      for key in record.metadata.keys {
        #expect(
          key.unicodeScalars.allSatisfy(safe.contains), "unsafe log key \(Value.quoted(key))")
      }
    }
  }
}

@Suite("ConservationGuard: choosing the invariants' schema")
struct GuardSchemaChoiceTests {
  @Test func aConfiguredSchemaThatIsNotLoadedDegradesTheGuard() throws {
    var configuration = GuardConfiguration()
    configuration.schema = "Payments"
    let harness = GuardHarness(source: Fixtures.source(), configuration: configuration)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let error = try #require(harness.guardian.health().lastCompileError)
    #expect(error.contains("no rule file of schema `Payments`"), "\(error)")
    #expect(error.contains("`BillingSnapshot`"), "\(error)")
    guard case .unavailable = harness.guardian.check(Fixtures.snapshot()) else {
      Issue.record("a guard without its schema decided")
      return
    }
  }

  @Test func anInvariantMissingFromItsSchemaNamesTheSchemaThatHasIt() throws {
    let source = InMemoryRuleSource(files: [
      harmlessRules(schema: "Ledger", ids: ["budget_conservation"]),
      Fixtures.file(Fixtures.rules(removing: "budget_conservation")),
    ])
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let error = try #require(harness.guardian.health().lastCompileError)
    #expect(
      error.contains("`budget_conservation` is missing from schema `BillingSnapshot`"), "\(error)")
    #expect(error.contains("`Ledger`"), "\(error)")
  }

  @Test func withoutAConfiguredSchemaTheOneDefiningSchemaIsUsed() throws {
    var configuration = GuardConfiguration()
    configuration.schema = nil
    let source = InMemoryRuleSource(files: [
      harmlessRules(schema: "Ledger", ids: ["ledger_only"]),
      Fixtures.file(Fixtures.billingRules),
    ])
    let harness = GuardHarness(source: source, configuration: configuration)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    guard case .violation = harness.guardian.check(overspent) else {
      Issue.record("an overspent snapshot was not a violation")
      return
    }
  }

  @Test func withoutAConfiguredSchemaTwoDefiningSchemasAreAmbiguous() throws {
    var configuration = GuardConfiguration()
    configuration.schema = nil
    let source = InMemoryRuleSource(files: [
      harmlessRules(schema: "Ledger", ids: ["budget_conservation"]),
      Fixtures.file(Fixtures.billingRules),
    ])
    let harness = GuardHarness(source: source, configuration: configuration)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let error = try #require(harness.guardian.health().lastCompileError)
    #expect(error.contains("ambiguous"), "\(error)")
    #expect(error.contains("`BillingSnapshot`") && error.contains("`Ledger`"), "\(error)")
    guard case .unavailable = harness.guardian.check(overspent) else {
      Issue.record("an ambiguous guard decided")
      return
    }
  }
}
