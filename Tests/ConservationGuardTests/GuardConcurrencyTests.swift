import ConservationGuard
import ConstraintEngine
import Synchronization
import Testing

@Suite("ConservationGuard concurrency")
struct GuardConcurrencyTests {
  /// Tasks check one snapshot while the rule set is swapped between a lenient and a strict
  /// budget rule. Every decision must come from one whole rule set: a pass carries the lenient
  /// version, a violation the strict one and exactly the budget invariant; none is lost.
  @Test func everyDecisionComesFromOneWholeRuleSet() async throws {
    let lenient = Fixtures.billingRules
    // Strict in two invariants, so a decision mixing two rule sets would show one failure.
    let strict = Fixtures.rules(
      replacing: "bigint_gte(budget.limit_micro, budget.spent_micro)",
      with: "bigint_gt(budget.limit_micro, budget.spent_micro)"
    ).replacingOccurrences(
      of: "bigint_gte(reservation.allocation_micro, reservation.reserve_micro)",
      with: "bigint_gt(reservation.allocation_micro, reservation.reserve_micro)")
    let source = Fixtures.source(lenient)
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    let lenientVersion = try #require(harness.guardian.health().ruleSetVersion)
    let snapshot = Fixtures.snapshot(
      limit: Fixtures.s("500"), spent: Fixtures.s("500"), reserve: Fixtures.s("9"),
      allocation: Fixtures.s("9"))

    let tasks = 8
    let checksPerTask = 2_000
    let swaps = 200
    let running = Countdown(tasks)
    let guardian = harness.guardian
    let decisions = await withTaskGroup(of: [GuardDecision].self) { group in
      for _ in 0..<tasks {
        group.addTask {
          var seen: [GuardDecision] = []
          seen.reserveCapacity(checksPerTask)
          for index in 0..<checksPerTask {
            seen.append(guardian.check(snapshot))
            // Let the swapping task run on the shared cooperative threads.
            if index % 50 == 0 { await Task.yield() }
          }
          running.value.subtract(1, ordering: .relaxed)
          return seen
        }
      }
      group.addTask {
        var swapped = 0
        func checking() -> Bool { running.value.load(ordering: .relaxed) > 0 }
        while swapped < swaps || checking() && swapped < swaps * 10 {
          source.replace(with: [Fixtures.file(swapped % 2 == 0 ? strict : lenient)])
          harness.advance(seconds: 3)
          swapped += 1
          await Task.yield()
        }
        return []
      }
      var all: [GuardDecision] = []
      for await batch in group { all += batch }
      return all
    }
    #expect(decisions.count == tasks * checksPerTask)
    var strictVersions = Set<String>()
    var passes = 0
    var violations = 0
    for decision in decisions {
      switch decision {
      case .pass(let version):
        #expect(version == lenientVersion)
        passes += 1
      case .violation(let violation):
        #expect(violation.ruleSetVersion != lenientVersion)
        #expect(violation.invariantIDs == ["budget_conservation", "reserve_within_allocation"])
        strictVersions.insert(violation.ruleSetVersion)
        violations += 1
      default:
        Issue.record("unexpected decision \(decision)")
      }
    }
    #expect(strictVersions.count <= 1)
    // The swaps interleaved with the checks: both rule sets decided some.
    #expect(passes > 0)
    #expect(violations > 0)
    #expect(harness.guardian.currentState == .ready)
    #expect(
      harness.counter("conservation_guard_decisions_total", [("decision", "pass")])
        == Int64(passes))
    #expect(
      harness.counter("conservation_guard_decisions_total", [("decision", "violation")])
        == Int64(violations))
    #expect(
      harness.counter("conservation_guard_checks_total", [("invariant", "micro_usd_format")])
        == Int64(tasks * checksPerTask))
  }
}

/// How many checking tasks are still running.
final class Countdown: Sendable {
  let value: Atomic<Int>

  init(_ start: Int) {
    value = Atomic(start)
  }
}
