import ConstraintEngine
import Testing

@testable import ConservationGuard

/// The two halves of a check with other events between them: the interleavings a request
/// thread meets when a reload or a DLQ report lands while it evaluates (the model checker
/// explores all of them; these pin two down on the real machine and rule sets).
@Suite("GuardMachine: a check interleaved with other events")
struct GuardMachineTests {
  static func compiled(_ text: String) throws -> GuardRules {
    let files = [Fixtures.file(text)]
    let configuration = GuardConfiguration()
    switch GuardRules.compile(
      files, version: GuardRules.version(of: files), required: configuration.invariants,
      schema: configuration.schema, flags: configuration.flags)
    {
    case .success(let rules): return rules
    case .failure(let failure): throw failure
    }
  }

  /// A machine that compiled `rules` at start and is ready.
  static func ready(with rules: GuardRules, now: ContinuousClock.Instant) -> GuardMachine {
    var machine = GuardMachine(configuration: GuardConfiguration())
    _ = machine.step(.start(now: now, environmentValue: nil))
    _ = machine.step(.sourceRead(version: rules.version))
    _ = machine.step(.compileSucceeded(rules))
    return machine
  }

  @Test func aCheckDuringWhichTheGuardLeftReadyIsRefused() throws {
    let rules = try Self.compiled(Fixtures.billingRules)
    let now = ContinuousClock.now
    var machine = Self.ready(with: rules, now: now)
    #expect(machine.status.state == .ready)
    let captured = machine.check(now: now)
    let handedOut = try #require(captured.ruleSet)
    #expect(captured.effects.contains(.evaluate) && handedOut === rules)
    // While the snapshot is evaluated, the DLQ overflows.
    _ = machine.step(.pendingReported(11))
    let evaluation = GuardEvaluation(Fixtures.snapshot(), with: handedOut, context: .empty)
    #expect(evaluation.holds)
    let decided = machine.checkEvaluated(handedOut, evaluation)
    #expect(
      decided.decision(evaluation: evaluation, retryAfter: .seconds(3))
        == .unavailable(reason: .dlqOverflow, retryAfter: .seconds(3)))
  }

  @Test func aReloadDuringACheckLeavesItsDecisionToTheCapturedRuleSet() throws {
    let lenient = try Self.compiled(Fixtures.billingRules)
    let strict = try Self.compiled(
      Fixtures.rules(
        replacing: "bigint_gte(budget.limit_micro, budget.spent_micro)",
        with: "bigint_gt(budget.limit_micro, budget.spent_micro)"))
    let now = ContinuousClock.now
    var machine = Self.ready(with: lenient, now: now)
    let captured = machine.check(now: now)
    let handedOut = try #require(captured.ruleSet)
    // A reload to the strict rules lands while the snapshot is evaluated.
    _ = machine.step(.poll(now: now.advanced(by: .seconds(3))))
    _ = machine.step(.sourceRead(version: strict.version))
    _ = machine.step(.compileSucceeded(strict))
    #expect(machine.rules === strict)
    let equal = Fixtures.snapshot(limit: Fixtures.s("500"), spent: Fixtures.s("500"))
    let evaluation = GuardEvaluation(equal, with: handedOut, context: .empty)
    let decided = machine.checkEvaluated(handedOut, evaluation)
    // Decided by the lenient rules, and named after them: one rule set, whole.
    #expect(
      decided.decision(evaluation: evaluation, retryAfter: .seconds(3))
        == .pass(ruleSetVersion: lenient.version))
    // The next check gets the strict rules, whole.
    #expect(machine.check(now: now).ruleSet === strict)
  }
}
