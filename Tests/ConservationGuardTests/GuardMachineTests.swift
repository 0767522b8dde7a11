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

  /// The check path looks its transitions up instead of walking the table: what it looks up
  /// is the table's outcome, for every control state and check event.
  @Test func theCheckTransitionsAreTheTables() {
    for control in GuardTable.Control.allCases {
      let transitions = CheckTransitions(from: control)
      #expect(transitions.control == control)
      for (due, looked) in [(false, transitions.notDue), (true, transitions.due)] {
        let outcome = GuardTable.transition(control, .check(reminderDue: due))
        #expect(looked.outcome == outcome, "\(control) check(reminderDue: \(due))")
        #expect(looked.reason == outcome.control.status.reason)
      }
      let readsTime =
        GuardTable.transition(control, .check(reminderDue: false))
        != GuardTable.transition(control, .check(reminderDue: true))
        || GuardTable.transition(control, .check(reminderDue: false)).effects.contains(
          .noteBypassWarning)
      #expect(transitions.checkReadsTime == readsTime, "\(control)")
      for holds in [false, true] {
        for failuresFound in [false, true] {
          let event = GuardTable.Event.checkEvaluated(holds: holds, failuresFound: failuresFound)
          let looked = transitions.evaluated(holds: holds, failuresFound: failuresFound)
          #expect(looked.outcome == GuardTable.transition(control, event), "\(control) \(event)")
          #expect(looked.reason == GuardTable.transition(control, event).control.status.reason)
        }
      }
    }
  }

  /// A check reads the clock only when its outcome depends on the time: never when ready,
  /// once under bypass (the reminder), and the reminder is then noted at that time.
  @Test func aCheckReadsTheClockOnlyWhenTheTableNeedsIt() throws {
    final class CountingClock: @unchecked Sendable {
      var reads = 0
      let now = ContinuousClock.now
      func read() -> ContinuousClock.Instant {
        reads += 1
        return now
      }
    }
    let clock = CountingClock()
    var ready = Self.ready(with: try Self.compiled(Fixtures.billingRules), now: clock.now)
    for _ in 0..<3 { #expect(ready.check(now: clock.read()).effects.contains(.evaluate)) }
    #expect(clock.reads == 0)

    var bypassed = GuardMachine(configuration: GuardConfiguration())
    _ = bypassed.step(.start(now: clock.now, environmentValue: "true"))
    #expect(bypassed.status.state == .bypassed)
    let later = clock.now.advanced(by: GuardConfiguration().bypassWarningInterval)
    let reminded = bypassed.check(now: { clock.reads += 1; return later }())
    #expect(clock.reads == 1)
    #expect(reminded.effects.contains(.remindBypass) && reminded.effects.contains(.decideBypassed))
    #expect(bypassed.lastBypassWarning == later)
    // Not due again at the same time: read, and no reminder.
    let quiet = bypassed.check(now: { clock.reads += 1; return later }())
    #expect(clock.reads == 2)
    #expect(!quiet.effects.contains(.remindBypass) && quiet.effects.contains(.decideBypassed))
  }
}
