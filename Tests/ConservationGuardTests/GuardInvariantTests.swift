import ConservationGuard
import ConstraintEngine
import Testing

/// One snapshot and the invariants that must not hold on it.
struct InvariantCase: Sendable, CustomStringConvertible {
  var description: String
  var snapshot: Value
  var failing: [String]
  /// Invariants expected to fail by an evaluation error rather than a false result.
  var errors: [String] = []
}

private let s = Fixtures.s
private let thirty = "123456789012345678901234567890"
private let thirtyPlusOne = "123456789012345678901234567891"

@Suite("ConservationGuard invariants: pass/fail table with boundaries")
struct GuardInvariantTests {
  static let cases: [InvariantCase] = [
    InvariantCase(description: "the example commit", snapshot: Fixtures.snapshot(), failing: []),
    // budget_conservation
    InvariantCase(
      description: "spent equals limit",
      snapshot: Fixtures.snapshot(limit: s("1000"), spent: s("1000")), failing: []),
    InvariantCase(
      description: "spent one over limit",
      snapshot: Fixtures.snapshot(limit: s("1000"), spent: s("1001")),
      failing: ["budget_conservation"]),
    InvariantCase(
      description: "zero limit, zero spent",
      snapshot: Fixtures.snapshot(limit: s("0"), spent: s("0")), failing: []),
    InvariantCase(
      description: "30-digit limit equals spent",
      snapshot: Fixtures.snapshot(limit: s(thirty), spent: s(thirty)), failing: []),
    InvariantCase(
      description: "30-digit spent one over",
      snapshot: Fixtures.snapshot(limit: s(thirty), spent: s(thirtyPlusOne)),
      failing: ["budget_conservation"]),
    InvariantCase(
      description: "30-digit limit, 31-digit spent",
      snapshot: Fixtures.snapshot(
        limit: s("999999999999999999999999999999"), spent: s("1000000000000000000000000000000")),
      failing: ["budget_conservation"]),
    InvariantCase(
      description: "missing budget: an evaluation error fails closed",
      snapshot: Fixtures.snapshot(limit: "null"),
      failing: ["budget_conservation", "micro_usd_format"],
      errors: ["budget_conservation", "micro_usd_format"]),
    // cost_non_negative
    InvariantCase(
      description: "zero cost", snapshot: Fixtures.snapshot(cost: s("0")), failing: []),
    InvariantCase(
      description: "negative cost",
      snapshot: Fixtures.snapshot(cost: s("-1")), failing: ["cost_non_negative"]),
    InvariantCase(
      description: "-0 cost is zero but not canonical",
      snapshot: Fixtures.snapshot(cost: s("-0")), failing: ["micro_usd_format"]),
    InvariantCase(
      description: "007 cost reads as 7 but is not canonical",
      snapshot: Fixtures.snapshot(cost: s("007")), failing: ["micro_usd_format"]),
    InvariantCase(
      description: "empty cost is no number at all",
      snapshot: Fixtures.snapshot(cost: s("")),
      failing: ["cost_non_negative", "micro_usd_format"], errors: ["cost_non_negative"]),
    InvariantCase(
      description: "+5 cost is no canonical integer",
      snapshot: Fixtures.snapshot(cost: s("+5")),
      failing: ["cost_non_negative", "micro_usd_format"], errors: ["cost_non_negative"]),
    InvariantCase(
      description: "30-digit cost",
      snapshot: Fixtures.snapshot(cost: s(thirty)), failing: []),
    // reserve_within_allocation
    InvariantCase(
      description: "reserve equals allocation",
      snapshot: Fixtures.snapshot(reserve: s("10000"), allocation: s("10000")), failing: []),
    InvariantCase(
      description: "reserve one over allocation",
      snapshot: Fixtures.snapshot(reserve: s("10001"), allocation: s("10000")),
      failing: ["reserve_within_allocation"]),
    InvariantCase(
      description: "zero reserve and allocation",
      snapshot: Fixtures.snapshot(reserve: s("0"), allocation: s("0")), failing: []),
    InvariantCase(
      description: "30-digit reserve one over allocation",
      snapshot: Fixtures.snapshot(reserve: s(thirtyPlusOne), allocation: s(thirty)),
      failing: ["reserve_within_allocation"]),
    InvariantCase(
      description: "007 allocation",
      snapshot: Fixtures.snapshot(reserve: s("7"), allocation: s("007")),
      failing: ["micro_usd_format"]),
    // entitlement_valid
    InvariantCase(
      description: "PAST_DUE may spend",
      snapshot: Fixtures.snapshot(state: s("PAST_DUE")), failing: []),
    InvariantCase(
      description: "SUSPENDED may not",
      snapshot: Fixtures.snapshot(state: s("SUSPENDED")), failing: ["entitlement_valid"]),
    InvariantCase(
      description: "CANCELLED may not",
      snapshot: Fixtures.snapshot(state: s("CANCELLED")), failing: ["entitlement_valid"]),
    InvariantCase(
      description: "lowercase active is not ACTIVE",
      snapshot: Fixtures.snapshot(state: s("active")), failing: ["entitlement_valid"]),
    InvariantCase(
      description: "empty state",
      snapshot: Fixtures.snapshot(state: s("")), failing: ["entitlement_valid"]),
    InvariantCase(
      description: "null state",
      snapshot: Fixtures.snapshot(state: "null"), failing: ["entitlement_valid"]),
    // rate_consistency
    InvariantCase(
      description: "equal rates",
      snapshot: Fixtures.snapshot(reserveRate: s("15"), commitRate: s("15")), failing: []),
    InvariantCase(
      description: "rate drift by one",
      snapshot: Fixtures.snapshot(reserveRate: s("15"), commitRate: s("16")),
      failing: ["rate_consistency"]),
    InvariantCase(
      description: "zero rates",
      snapshot: Fixtures.snapshot(reserveRate: s("0"), commitRate: s("0")), failing: []),
    InvariantCase(
      description: "30-digit rates equal",
      snapshot: Fixtures.snapshot(reserveRate: s(thirty), commitRate: s(thirty)), failing: []),
    InvariantCase(
      description: "30-digit rates one apart",
      snapshot: Fixtures.snapshot(reserveRate: s(thirty), commitRate: s(thirtyPlusOne)),
      failing: ["rate_consistency"]),
    InvariantCase(
      // Rates are compared as integers and are not in micro_usd_format's list.
      description: "015 and 15 are the same rate",
      snapshot: Fixtures.snapshot(reserveRate: s("15"), commitRate: s("015")), failing: []),
    InvariantCase(
      description: "+15 is no rate",
      snapshot: Fixtures.snapshot(reserveRate: s("15"), commitRate: s("+15")),
      failing: ["rate_consistency"], errors: ["rate_consistency"]),
    // micro_usd_format
    InvariantCase(
      description: "-0 spent",
      snapshot: Fixtures.snapshot(limit: s("0"), spent: s("-0")), failing: ["micro_usd_format"]),
    InvariantCase(
      description: "a JSON number instead of a string",
      snapshot: Fixtures.snapshot(cost: "4200"), failing: ["micro_usd_format"],
      errors: ["micro_usd_format"]),
    InvariantCase(
      description: "spaces around an amount",
      snapshot: Fixtures.snapshot(reserve: s(" 5000")),
      failing: ["reserve_within_allocation", "micro_usd_format"],
      errors: ["reserve_within_allocation"]),
    InvariantCase(
      description: "negative canonical amounts are well-formed",
      snapshot: Fixtures.snapshot(limit: s("-5"), spent: s("-5")), failing: []),
    // x402_payment_conservation
    InvariantCase(
      description: "payment equals cost",
      snapshot: Fixtures.snapshot(payment: "{\"amount_micro\": \"4200\"}"), failing: []),
    InvariantCase(
      description: "payment one short",
      snapshot: Fixtures.snapshot(payment: "{\"amount_micro\": \"4199\"}"),
      failing: ["x402_payment_conservation"]),
    InvariantCase(
      description: "zero payment for zero cost",
      snapshot: Fixtures.snapshot(cost: s("0"), payment: "{\"amount_micro\": \"0\"}"),
      failing: []),
    InvariantCase(
      description: "30-digit payment covers a 30-digit cost",
      snapshot: Fixtures.snapshot(
        cost: s(thirty), payment: "{\"amount_micro\": \"\(thirtyPlusOne)\"}"),
      failing: []),
    InvariantCase(
      description: "payment without an amount fails closed (its format and its cover)",
      snapshot: Fixtures.snapshot(payment: "{}"),
      failing: ["micro_usd_format", "x402_payment_conservation"],
      errors: ["micro_usd_format", "x402_payment_conservation"]),
    InvariantCase(
      description: "several invariants at once, in rule order",
      snapshot: Fixtures.snapshot(
        limit: s("1"), spent: s("2"), cost: s("-3"), state: s("SUSPENDED"),
        commitRate: s("16")),
      failing: [
        "budget_conservation", "cost_non_negative", "entitlement_valid", "rate_consistency",
      ]),
  ]

  static let harness: GuardHarness = {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    return harness
  }()

  @Test(arguments: cases)
  func decision(_ testCase: InvariantCase) throws {
    let decision = Self.harness.guardian.check(testCase.snapshot)
    if testCase.failing.isEmpty {
      guard case .pass = decision else {
        Issue.record("expected pass, got \(decision)")
        return
      }
      return
    }
    guard case .violation(let violation) = decision else {
      Issue.record("expected a violation of \(testCase.failing), got \(decision)")
      return
    }
    #expect(violation.invariantIDs == testCase.failing)
    let errored = violation.failures.filter { $0.outcome != .fail }.map(\.invariantID)
    #expect(errored == testCase.errors)
    for failure in violation.failures {
      #expect(!failure.explanation.isEmpty)
      #expect(!failure.message.isEmpty)
    }
    #expect(decision.httpStatus == 422)
  }

  @Test func aViolationExplainsTheDecidingValues() throws {
    let decision = Self.harness.guardian.check(
      Fixtures.snapshot(limit: s("1000"), spent: s("1001")))
    guard case .violation(let violation) = decision else {
      Issue.record("expected a violation")
      return
    }
    let failure = try #require(violation.failures.first)
    #expect(failure.invariantID == "budget_conservation")
    #expect(failure.outcome == .fail)
    #expect(failure.message == "spent must never exceed the budget limit")
    #expect(failure.explanation.contains("budget.limit_micro = 1000"))
    #expect(failure.explanation.contains("budget.spent_micro = 1001"))
  }

  @Test func everyInvariantIsRequired() {
    for id in GuardConfiguration.billingInvariants {
      let harness = GuardHarness(source: Fixtures.source(Fixtures.rules(removing: id)))
      harness.guardian.start()
      #expect(harness.guardian.currentState == .degraded, "without \(id)")
      #expect(
        harness.logs.records("compile_error").contains { $0.metadata["rule"] == id },
        "without \(id)")
    }
  }

  @Test func theOtherRulesMustCompileButAreNotEvaluated() throws {
    // ledger_postings_balanced is compiled (a broken one degrades the guard)...
    let broken = GuardHarness(
      source: Fixtures.source(
        Fixtures.rules(
          replacing: "bigint_sum(ledger.postings", with: "bigint_summ(ledger.postings")))
    broken.guardian.start()
    #expect(broken.guardian.currentState == .degraded)
    // ...but an unbalanced ledger or a decreasing spend is not the guard's decision.
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    let unbalanced = Fixtures.snapshot(
      postings: "[{\"account\": \"customer:acct_0001\", \"amount_micro\": \"-1\"}]")
    let decreasing = Fixtures.snapshot(
      previous: "{\"budget\": {\"limit_micro\": \"1000000000\", \"spent_micro\": \"999999999\"}}")
    for snapshot in [unbalanced, decreasing] {
      if case .pass = harness.guardian.check(snapshot) {} else {
        Issue.record("the guard evaluates only its seven invariants")
      }
    }
    // The same snapshots do fail the file's other rules.
    let ruleFile = try RuleFileLoader.parse(Fixtures.billingRules, path: "billing")
    let ruleSet = try RuleSet.compile([ruleFile]).get()
    for (id, snapshot) in [
      ("ledger_postings_balanced", unbalanced), ("spent_never_decreases", decreasing),
    ] {
      let program = try #require(ruleSet.rules.first { $0.id == id }?.program)
      #expect(!program.holds(snapshot), "\(id)")
    }
  }
}

@Suite("ConservationGuard HARD_FAIL log lines")
struct GuardHardFailLogTests {
  @Test func aViolationLogsTheInvariantAndOnlyDeclaredInputs() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    _ = harness.guardian.check(
      Fixtures.snapshot(limit: s("1000"), spent: s("1001"), state: s("SUSPENDED")))
    let lines = harness.logs.records("HARD_FAIL")
    #expect(lines.map { $0.metadata["invariant"] } == ["budget_conservation", "entitlement_valid"])
    let budget = try #require(lines.first)
    #expect(budget.level == .error)
    #expect(budget.metadata["outcome"] == "fail")
    #expect(budget.metadata["rule_set_version"] == harness.guardian.health().ruleSetVersion)
    #expect(budget.metadata["input.budget.limit_micro"] == "1000")
    #expect(budget.metadata["input.budget.spent_micro"] == "1001")
    #expect(
      Set(budget.metadata.keys.filter { $0.hasPrefix("input.") })
        == ["input.budget.limit_micro", "input.budget.spent_micro"])
    let entitlement = try #require(lines.last)
    #expect(entitlement.metadata["input.entitlement.state"] == "SUSPENDED")
    // Nothing else from the snapshot reaches the log.
    for line in harness.logs.all {
      for value in line.metadata.values {
        #expect(!value.contains("acct_0001"))
        #expect(!value.contains("rsv_0001"))
        #expect(!value.contains("pro"))
      }
    }
  }

  @Test func valuesThatAreNotNumbersOrTokensAreSummarisedByLength() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    _ = harness.guardian.check(
      Fixtures.snapshot(cost: s("4200 ; DROP TABLE"), state: s("free text with spaces")))
    let lines = harness.logs.records("HARD_FAIL")
    let cost = try #require(lines.first { $0.metadata["invariant"] == "cost_non_negative" })
    #expect(cost.metadata["outcome"] == "error")
    #expect(cost.metadata["input.cost_micro"] == "<string, 17 bytes>")
    let state = try #require(lines.first { $0.metadata["invariant"] == "entitlement_valid" })
    #expect(state.metadata["input.entitlement.state"] == "<string, 21 bytes>")
    let format = try #require(lines.first { $0.metadata["invariant"] == "micro_usd_format" })
    #expect(format.metadata["input.cost_micro"] == "<string, 17 bytes>")
    #expect(format.metadata["input.budget.limit_micro"] == "1000000000")
  }

  @Test func boundaryAmountsAreShownAsWritten() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    _ = harness.guardian.check(Fixtures.snapshot(cost: s("+5")))
    let format = try #require(
      harness.logs.records("HARD_FAIL").first { $0.metadata["invariant"] == "micro_usd_format" })
    #expect(format.metadata["input.cost_micro"] == "+5")
  }

  @Test func anEmptyAmountIsShownAsEmptyQuotes() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    _ = harness.guardian.check(Fixtures.snapshot(cost: s(""), state: s("")))
    let lines = harness.logs.records("HARD_FAIL")
    #expect(
      lines.first { $0.metadata["invariant"] == "micro_usd_format" }?
        .metadata["input.cost_micro"] == "\"\"")
    #expect(
      lines.first { $0.metadata["invariant"] == "entitlement_valid" }?
        .metadata["input.entitlement.state"] == "\"\"")
  }

  @Test func anExplanationNamesEachDecidingValueOnce() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    guard
      case .violation(let violation) = harness.guardian.check(
        Fixtures.snapshot(state: s("CANCELLED")))
    else {
      Issue.record("expected a violation")
      return
    }
    #expect(violation.failures.first?.explanation == "entitlement.state = \"CANCELLED\"")
  }
}

@Suite("ConservationGuard configured invariants")
struct GuardConfiguredInvariantTests {
  static let nonceRules = """
    {"schema_id": "BillingSnapshot", "expression_version": "2.0", "constraints": [
      {"id": "payment_nonce_fresh",
       "expression": "nonce_unique_per_signer_window(payment, 'signer', 'nonce')"}
    ]}
    """

  func harness() -> GuardHarness {
    var configuration = GuardConfiguration()
    configuration.invariants = GuardConfiguration.billingInvariants + ["payment_nonce_fresh"]
    let source = InMemoryRuleSource(files: [
      Fixtures.file(Fixtures.billingRules),
      RuleSourceFile(path: "nonce.constraints.json", bytes: Array(Self.nonceRules.utf8)),
    ])
    let harness = GuardHarness(source: source, configuration: configuration)
    harness.guardian.start()
    return harness
  }

  @Test func aDeferredInvariantFailsClosed() throws {
    let harness = harness()
    #expect(harness.guardian.currentState == .ready)
    let snapshot = Fixtures.snapshot(
      payment: "{\"amount_micro\": \"4200\", \"signer\": \"s1\", \"nonce\": \"n1\"}")
    guard case .violation(let violation) = harness.guardian.check(snapshot) else {
      Issue.record("an invariant without its context state must not pass")
      return
    }
    let failure = try #require(violation.failures.first)
    #expect(violation.invariantIDs == ["payment_nonce_fresh"])
    #expect(failure.outcome == .deferred)
    #expect(failure.explanation.contains("nonce_windows"))
    #expect(harness.logs.records("HARD_FAIL").first?.metadata["outcome"] == "deferred")
  }

  @Test func theContextIsPassedToEveryInvariant() {
    let harness = harness()
    let snapshot = Fixtures.snapshot(
      payment: "{\"amount_micro\": \"4200\", \"signer\": \"s1\", \"nonce\": \"n1\"}")
    let fresh = EvaluationContext(
      state: (try? JSONReader.read("{\"nonce_windows\": {\"s1\": [\"n0\"]}}")) ?? .null)
    let replayed = EvaluationContext(
      state: (try? JSONReader.read("{\"nonce_windows\": {\"s1\": [\"n1\"]}}")) ?? .null)
    if case .pass = harness.guardian.check(snapshot, context: fresh) {} else {
      Issue.record("a fresh nonce passes")
    }
    guard case .violation(let violation) = harness.guardian.check(snapshot, context: replayed)
    else {
      Issue.record("a replayed nonce is a violation")
      return
    }
    #expect(violation.failures.map(\.outcome) == [.fail])
    #expect(
      harness.counter("conservation_guard_checks_total", [("invariant", "payment_nonce_fresh")])
        == 2)
  }
}
