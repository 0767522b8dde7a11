import ConservationGuard
import ConstraintEngine
import Testing

@Suite("ConservationGuard break-glass bypass")
struct GuardBypassTests {
  @Test func exactlyTrueBypassesAndIsLoud() throws {
    let harness = GuardHarness(
      source: Fixtures.source("{ broken"), environment: ["EVALUATOR_BYPASS": "true"])
    harness.guardian.start()
    #expect(harness.guardian.currentState == .bypassed)
    #expect(harness.guardian.health().state == .bypassed)
    #expect(harness.guardian.health().reason == nil)
    // Rules are not even compiled: bypass is for when the evaluator is the problem.
    #expect(harness.compileAttempts("success") + harness.compileAttempts("failure") == 0)
    let violating = Fixtures.snapshot(cost: Fixtures.s("-1"))
    #expect(harness.guardian.check(violating) == .bypassed)
    #expect(harness.guardian.check(violating).httpStatus == 200)
    #expect(harness.gauge("conservation_guard_bypass_active") == 1)
    #expect(harness.gauge("conservation_guard_state") == 0)
    let warnings = harness.logs.all.filter { $0.metadata["bypass"] == "active" }
    #expect(warnings.count == 1)
    #expect(warnings.first?.level == .critical)
    #expect(warnings.first?.message.contains("EVALUATOR_BYPASS") == true)
    #expect(warnings.first?.metadata["reminder"] == "start")
  }

  @Test func theWarningRepeatsAtMostOnceAMinute() {
    let harness = GuardHarness(
      source: Fixtures.source(), environment: ["EVALUATOR_BYPASS": "true"])
    harness.guardian.start()
    func warnings() -> Int { harness.logs.all.filter { $0.metadata["bypass"] == "active" }.count }
    #expect(warnings() == 1)
    for _ in 0..<59 {
      harness.advance(seconds: 1)
      _ = harness.guardian.check(Fixtures.snapshot())
    }
    #expect(warnings() == 1)
    harness.advance(seconds: 1)
    _ = harness.guardian.check(Fixtures.snapshot())
    #expect(warnings() == 2)
    #expect(harness.logs.all.last { $0.metadata["bypass"] == "active" }?.metadata["reminder"]
      == "periodic")
    // Checks alone (no poll) also remind, still at most once a minute.
    harness.clock.advance(by: .seconds(30))
    _ = harness.guardian.check(Fixtures.snapshot())
    #expect(warnings() == 2)
    harness.clock.advance(by: .seconds(30))
    _ = harness.guardian.check(Fixtures.snapshot())
    _ = harness.guardian.check(Fixtures.snapshot())
    #expect(warnings() == 3)
  }

  @Test func configurationCanBypassToo() {
    var configuration = GuardConfiguration()
    configuration.bypass = true
    let harness = GuardHarness(source: Fixtures.source(), configuration: configuration)
    harness.guardian.start()
    #expect(harness.guardian.currentState == .bypassed)
    #expect(harness.logs.all.first { $0.metadata["bypass"] == "active" }?.metadata["source"]
      == "configuration")
  }

  @Test(arguments: ["TRUE", "True", "1", "yes", "on", " true", "true ", "", "false", "true\n"])
  func anyOtherValueIsIgnored(_ value: String) throws {
    let harness = GuardHarness(
      source: Fixtures.source(), environment: ["EVALUATOR_BYPASS": value])
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.gauge("conservation_guard_bypass_active") == 0)
    guard case .violation = harness.guardian.check(Fixtures.snapshot(cost: Fixtures.s("-1")))
    else {
      Issue.record("invariants are still checked when EVALUATOR_BYPASS=\(value)")
      return
    }
    let ignored = try #require(harness.logs.records("bypass_ignored").first)
    // The value as it is (a log handler quotes it as its format needs), controls escaped.
    #expect(ignored.metadata["value"] == value.replacingOccurrences(of: "\n", with: "\\n"))
  }

  @Test func withoutTheVariableNothingIsSaidAboutBypass() {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    #expect(harness.logs.count("bypass_ignored") == 0)
    #expect(harness.gauge("conservation_guard_bypass_active") == 0)
  }
}

@Suite("ConservationGuard pending-reconciliation (DLQ) trip")
struct GuardDLQTests {
  @Test func aCountAboveTheThresholdTripsAndRecovers() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    harness.guardian.reportPendingReconciliations(10)
    #expect(harness.guardian.currentState == .ready)
    harness.guardian.reportPendingReconciliations(11)
    #expect(harness.guardian.currentState == .degraded)
    #expect(harness.guardian.health().reason == .dlqOverflow)
    #expect(harness.guardian.health().pendingReconciliations == 11)
    let open = try #require(harness.logs.records("circuit=open").first)
    #expect(open.metadata["reason"] == "dlq_overflow")
    #expect(open.metadata["pending_reconciliations"] == "11")
    #expect(open.metadata["threshold"] == "10")
    #expect(harness.gauge("conservation_guard_state") == 0)
    #expect(
      harness.guardian.check(Fixtures.snapshot())
        == .unavailable(reason: .dlqOverflow, retryAfter: .seconds(3)))
    // Staying above the threshold logs nothing new.
    harness.guardian.reportPendingReconciliations(50)
    #expect(harness.logs.count("circuit=open") == 1)
    harness.guardian.reportPendingReconciliations(10)
    #expect(harness.guardian.currentState == .ready)
    let closed = try #require(harness.logs.records("circuit=closed").first)
    // The message says circuit=closed; the metadata does not repeat it.
    #expect(closed.metadata["circuit"] == nil)
    #expect(harness.gauge("conservation_guard_state") == 1)
    if case .pass = harness.guardian.check(Fixtures.snapshot()) {} else {
      Issue.record("a recovered guard passes a valid snapshot")
    }
  }

  @Test func theThresholdIsConfigurable() {
    var configuration = GuardConfiguration()
    configuration.dlqThreshold = 0
    let harness = GuardHarness(source: Fixtures.source(), configuration: configuration)
    harness.guardian.start()
    harness.guardian.reportPendingReconciliations(1)
    #expect(harness.guardian.health().reason == .dlqOverflow)
    harness.guardian.reportPendingReconciliations(0)
    #expect(harness.guardian.currentState == .ready)
  }

  @Test func recoveryNeedsCompiledRulesToo() {
    let source = Fixtures.source("{")
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    harness.guardian.reportPendingReconciliations(20)
    // Both problems: the compile failure is reported first.
    #expect(harness.guardian.health().reason == .compileFailed)
    source.replace(with: [Fixtures.file(Fixtures.billingRules)])
    harness.advance(seconds: 3)
    #expect(harness.guardian.health().reason == .dlqOverflow)
    #expect(harness.logs.count("circuit=closed") == 0)
    harness.guardian.reportPendingReconciliations(3)
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.logs.count("circuit=closed") == 1)
  }

  @Test func aDLQCountBeforeStartKeepsTheGuardFromReady() {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.reportPendingReconciliations(11)
    #expect(harness.guardian.currentState == .uninitialized)
    harness.guardian.start()
    #expect(harness.guardian.health().reason == .dlqOverflow)
  }
}

@Suite("ConservationGuard metrics")
struct GuardMetricsTests {
  @Test func checksViolationsDecisionsAndDurationsAreCounted() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    for _ in 0..<3 { _ = harness.guardian.check(Fixtures.snapshot()) }
    _ = harness.guardian.check(Fixtures.snapshot(cost: Fixtures.s("-1")))
    _ = harness.guardian.check(
      Fixtures.snapshot(cost: Fixtures.s("-1"), state: Fixtures.s("SUSPENDED")))
    for invariant in GuardConfiguration.billingInvariants {
      #expect(
        harness.counter("conservation_guard_checks_total", [("invariant", invariant)]) == 5)
    }
    func violations(_ id: String) -> Int64 {
      harness.counter("conservation_guard_violations_total", [("invariant", id)])
    }
    #expect(violations("cost_non_negative") == 2)
    #expect(violations("entitlement_valid") == 1)
    #expect(violations("budget_conservation") == 0)
    #expect(harness.counter("conservation_guard_decisions_total", [("decision", "pass")]) == 3)
    #expect(
      harness.counter("conservation_guard_decisions_total", [("decision", "violation")]) == 2)
    let timer = try harness.metrics.expectTimer("conservation_guard_check_duration")
    #expect(timer.values.count == 5)
    #expect(timer.values.allSatisfy { $0 > 0 })
  }

  @Test func unavailableDecisionsEvaluateNothing() {
    let harness = GuardHarness(source: Fixtures.source("{"))
    harness.guardian.start()
    _ = harness.guardian.check(Fixtures.snapshot())
    #expect(
      harness.counter("conservation_guard_checks_total", [("invariant", "budget_conservation")])
        == 0)
    #expect(
      harness.counter("conservation_guard_decisions_total", [("decision", "unavailable")]) == 1)
  }
}
