import ConservationGuard
import ConstraintEngine
import GuardModel
import Testing

@Suite("GuardTable: the transitions as one pure table")
struct GuardTableTests {
  typealias Control = GuardTable.Control
  typealias Event = GuardTable.Event

  static let inputs: [(Control, Event)] = Control.allCases.flatMap { control in
    Event.allCases.map { (control, $0) }
  }

  @Test func theTableIsTotalAndDeterministic() {
    #expect(Control.allCases.count == 48)
    #expect(Event.allCases.count == 22)
    #expect(Set(Event.allCases).count == Event.allCases.count)
    for (control, event) in Self.inputs {
      #expect(GuardTable.transition(control, event) == GuardTable.transition(control, event))
    }
  }

  @Test func everyEffectIsNamedAndSorted() {
    let named = GuardTable.Effects.named.map(\.effect)
    #expect(named.map(\.rawValue) == named.map(\.rawValue).sorted())
    #expect(named.allSatisfy { $0.rawValue.nonzeroBitCount == 1 })
    let all = named.reduce(into: GuardTable.Effects()) { $0.formUnion($1) }
    for (control, event) in Self.inputs {
      #expect(all.isSuperset(of: GuardTable.transition(control, event).effects))
    }
    #expect(
      GuardTable.Effects.data
        == [
          .scheduleAttempt, .noteBypassWarning, .storePendingCount, .installRules, .recordError,
          .recordRejected,
        ])
    #expect(
      GuardTable.Effects.logsAndMetrics
        == [
          .setBypassGauge, .warnBypass, .remindBypass, .countCompileSuccess,
          .countCompileFailure, .logCompileErrors, .logRulesReloaded, .logReloadFailed,
          .setStateGauge, .logCircuitOpen, .logCircuitClosed, .logStateReady, .logStateChanged,
          .warnBypassIgnored, .countInvariantsChecked, .decideViolation,
        ])
    #expect(
      GuardTable.Effects.decisions
        == [
          .decidePass, .decideViolation, .decideInconsistent, .decideUnavailable,
          .decideBypassed,
        ])
  }

  @Test func everyCheckIsAnsweredExactlyOnce() {
    for (control, event) in Self.inputs {
      let outcome = GuardTable.transition(control, event)
      let decisions = outcome.effects.intersection(GuardTable.Effects.decisions)
      switch event {
      case .check:
        // Either the rule set in force is handed out for evaluation, or one answer now.
        if outcome.effects.contains(.evaluate) {
          #expect(decisions.isEmpty && outcome.ruleSet == .inForce, "\(control) \(event)")
          #expect(control.status.state == .ready)
        } else {
          #expect(decisions.rawValue.nonzeroBitCount == 1, "\(control) \(event)")
        }
      case .checkEvaluated:
        #expect(decisions.rawValue.nonzeroBitCount == 1, "\(control) \(event)")
      default:
        #expect(decisions.isEmpty, "\(control) \(event)")
        #expect(!outcome.effects.contains(.evaluate))
      }
      // A check never changes the control state, and its only data effect is the bypass
      // reminder's time (GuardMachine.check applies no other).
      if case .check = event {
        #expect(outcome.control == control)
        #expect(outcome.effects.intersection(.data).isSubset(of: .noteBypassWarning))
      }
      if case .checkEvaluated = event {
        #expect(outcome.control == control)
        #expect(outcome.effects.isDisjoint(with: .data))
      }
    }
  }

  @Test func aPassComesOnlyFromReadyWithTheEvaluatedRuleSet() {
    for (control, event) in Self.inputs {
      let outcome = GuardTable.transition(control, event)
      guard outcome.effects.contains(.decidePass) else { continue }
      #expect(control.status.state == .ready, "\(control) \(event)")
      #expect(outcome.ruleSet == .evaluated)
      #expect(
        event == .checkEvaluated(holds: true, failuresFound: false)
          || event == .checkEvaluated(holds: true, failuresFound: true))
    }
  }

  @Test func bypassIsEnteredOnlyByStartWithTheSwitchSet() {
    for (control, event) in Self.inputs {
      let outcome = GuardTable.transition(control, event)
      guard outcome.control.lifecycle == .bypassed, control.lifecycle != .bypassed else {
        continue
      }
      #expect(control.lifecycle == .notStarted)
      guard case .start(switchSet: true, _) = event else {
        Issue.record("\(control) --\(event)--> bypassed")
        continue
      }
    }
  }

  @Test func circuitClosedIsLoggedExactlyOnEnteringReadyFromDegraded() {
    for (control, event) in Self.inputs {
      let outcome = GuardTable.transition(control, event)
      let recovering =
        control.status.state == .degraded && outcome.control.status.state == .ready
      #expect(outcome.effects.contains(.logCircuitClosed) == recovering, "\(control) \(event)")
      // Every change of status is published, and nothing else is.
      #expect(
        outcome.effects.contains(.setStateGauge) == (control.status != outcome.control.status))
    }
  }

  @Test func compileAttemptsNeverOverlap() {
    for (control, event) in Self.inputs where control.compilation != .idle {
      let outcome = GuardTable.transition(control, event)
      #expect(!outcome.effects.contains(.readSource), "\(control) \(event)")
    }
  }

  @Test(arguments: Mutant.allCases)
  func everyMutantChangesTheTable(_ mutant: Mutant) {
    let changed = Self.inputs.filter { control, event in
      mutant.table(control, event) != GuardTable.transition(control, event)
    }
    #expect(!changed.isEmpty)
    #expect(PromelaModel(mutant: mutant).render() != PromelaModel().render())
  }

  /// The model is written from the table: one branch per reachable control state and event,
  /// each with the table's outcome.
  @Test func theModelHasABranchForEveryReachableStateAndEvent() throws {
    let model = PromelaModel()
    let controls = model.reachableControls()
    let text = model.render()
    let branches = text.split(separator: "\n").filter { $0.contains("    entry(") }
    #expect(branches.count == controls.count * Event.allCases.count)
    // Reachable: 20 of the 48 (e.g. never bypassed with rules, never reading before start).
    #expect(controls.count == 20)
    #expect(!controls.contains { $0.lifecycle == .bypassed && $0.hasRules })
    #expect(!controls.contains { $0.lifecycle == .notStarted && $0.compilation != .idle })
    // The start of a switched-on guard, from the initial state, as the table says.
    let bypassed = try #require(
      controls.firstIndex(
        of: GuardTable.transition(.initial, .start(switchSet: true, ignoredValue: false)).control))
    #expect(
      text.contains(
        "entry(0, 2, \(bypassed), NOTE_BYPASS_WARNING | SET_BYPASS_GAUGE | WARN_BYPASS | "
          + "SET_STATE_GAUGE | LOG_STATE_CHANGED, RS_NONE);"))
  }
}

/// SplitMix64: a seeded generator, so a failing sequence replays from its seed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}

@Suite("The real guard against its model")
struct GuardModelConformanceTests {
  typealias Content = AbstractGuard.Content
  typealias Snapshot = AbstractGuard.Snapshot

  static let strictRules = Fixtures.rules(
    replacing: "bigint_gte(budget.limit_micro, budget.spent_micro)",
    with: "bigint_gt(budget.limit_micro, budget.spent_micro)"
  ).replacingOccurrences(
    of: "bigint_gte(reservation.allocation_micro, reservation.reserve_micro)",
    with: "bigint_gt(reservation.allocation_micro, reservation.reserve_micro)")
  static let brokenRules = Fixtures.rules(
    replacing: "bigint_gte(cost_micro, 0)", with: "bigint_gte(cost_micro,")

  static func files(_ content: Content) -> [RuleSourceFile] {
    switch content {
    case .goodA: return [Fixtures.file(Fixtures.billingRules)]
    case .goodB: return [Fixtures.file(strictRules)]
    case .broken, .none, .unreadable: return [Fixtures.file(brokenRules)]
    }
  }

  static func version(_ content: Content) -> String? {
    content.compiles ? guardRuleSetVersion(of: files(content)) : nil
  }

  static func snapshot(_ snapshot: Snapshot) -> Value {
    switch snapshot {
    case .ok: return Fixtures.snapshot()
    case .edge:
      return Fixtures.snapshot(
        limit: Fixtures.s("500"), spent: Fixtures.s("500"), reserve: Fixtures.s("9"),
        allocation: Fixtures.s("9"))
    case .bad: return Fixtures.snapshot(cost: Fixtures.s("-1"))
    }
  }

  /// The invariants a violation names.
  static func failing(_ snapshot: Snapshot, under content: Content) -> [String] {
    switch snapshot {
    case .ok: return []
    case .edge:
      return content == .goodB ? ["budget_conservation", "reserve_within_allocation"] : []
    case .bad: return ["cost_non_negative"]
    }
  }

  enum Operation: CustomStringConvertible {
    case start, poll
    case advance(milliseconds: Int)
    case rewrite(Content)
    case report(Int)
    case check(Snapshot)

    var description: String {
      switch self {
      case .start: return "start"
      case .poll: return "poll"
      case .advance(let milliseconds): return "advance \(milliseconds) ms + poll"
      case .rewrite(let content): return "rewrite the source: \(content)"
      case .report(let count): return "report \(count) pending"
      case .check(let snapshot): return "check \(snapshot)"
      }
    }

    static func random(using random: inout SeededGenerator) -> Operation {
      switch Int.random(in: 0..<100, using: &random) {
      case 0..<5: return .start
      case 5..<12: return .poll
      case 12..<35:
        return .advance(
          milliseconds: [100, 1000, 2000, 2999, 3000, 3001, 4500, 61_000].randomElement(
            using: &random)!)
      case 35..<50: return .rewrite(Content.allCases.dropFirst().randomElement(using: &random)!)
      case 50..<62: return .report([0, 3, 10, 11, 25].randomElement(using: &random)!)
      default: return .check(Snapshot.allCases.randomElement(using: &random)!)
      }
    }
  }

  /// Random operation sequences on the real guard (manual clock, in-memory source) and on the
  /// model (the table over the model's data): after every operation the state, reason, rule
  /// set, logs and counters agree, and every check gets the decision the model predicts.
  @Test(arguments: 0..<64)
  func theGuardDecidesWhatTheModelDecides(seed: UInt64) {
    if let mismatch = Self.firstMismatch(seed: seed, table: GuardTable.transition) {
      Issue.record(Comment(rawValue: mismatch))
    }
  }

  /// The comparison has teeth: the guard disagrees with a model of a broken table. (The other
  /// mutants need a concurrent reload or an evaluator fault, which only the model checker
  /// explores.)
  @Test(arguments: [Mutant.dlqAdvisory, .failureKeepsCompiling, .bypassAnyValue, .dlqUnpublished])
  func theGuardDisagreesWithABrokenTable(_ mutant: Mutant) {
    let caught = (0..<UInt64(32)).contains { seed in
      Self.firstMismatch(seed: seed, table: mutant.table) != nil
    }
    #expect(caught)
  }

  /// Runs the sequence `seed` makes; nil when the guard and the model agreed throughout,
  /// otherwise the disagreement and the operations that led to it.
  static func firstMismatch(seed: UInt64, table: @escaping GuardTable.Transition) -> String? {
    var random = SeededGenerator(state: seed)
    let bypass: String? = [nil, nil, nil, "true", "TRUE", "1"].randomElement(using: &random)!
    let initial = Content.allCases.dropFirst().randomElement(using: &random)!
    let source = InMemoryRuleSource(files: Self.files(initial))
    if initial == .unreadable {
      source.fail(with: Diagnostic(.ruleFileUnreadable, "gone", file: "x"))
    }
    let harness = GuardHarness(
      source: source, environment: bypass.map { ["EVALUATOR_BYPASS": $0] } ?? [:])
    var model = AbstractGuard(content: initial, table: table)
    var now = 0
    var trace: [String] = ["seed \(seed), EVALUATOR_BYPASS=\(bypass ?? "unset"), \(initial)"]
    // Most sequences start the guard early; some check and report before it.
    var operations = (0..<60).map { _ in Operation.random(using: &random) }
    if Int.random(in: 0..<4, using: &random) > 0 { operations.insert(.start, at: 0) }

    for operation in operations {
      trace.append("\(operation)")
      switch operation {
      case .start:
        harness.guardian.start()
        model.start(
          switchSet: bypass == "true", ignoredValue: bypass != nil && bypass != "true", now: now)
      case .poll:
        harness.guardian.poll()
        model.poll(now: now)
      case .advance(let milliseconds):
        harness.clock.advance(by: .milliseconds(milliseconds))
        now += milliseconds
        harness.guardian.poll()
        model.poll(now: now)
      case .rewrite(let content):
        if content == .unreadable {
          source.fail(with: Diagnostic(.ruleFileUnreadable, "gone", file: "x"))
        } else {
          source.replace(with: Self.files(content))
        }
        model.content = content
      case .report(let count):
        harness.guardian.reportPendingReconciliations(count)
        model.reportPendingReconciliations(count)
      case .check(let snapshot):
        let decision = harness.guardian.check(Self.snapshot(snapshot))
        let predicted = model.check(snapshot, now: now)
        if !Self.matches(decision, predicted, snapshot: snapshot) {
          return "decision \(decision), model \(String(describing: predicted))\n"
            + trace.joined(separator: "\n")
        }
      }
      if !Self.agree(harness, model) {
        return "after \(operation): guard \(harness.guardian.health()), model "
          + "\(model.status) \(model.inForce)\n" + trace.joined(separator: "\n")
      }
    }
    return nil
  }

  static func matches(
    _ decision: GuardDecision, _ predicted: AbstractGuard.Decision?, snapshot: Snapshot
  ) -> Bool {
    switch (decision, predicted) {
    case (.pass(let version), .pass(let content)?):
      return version == Self.version(content)
    case (.violation(let violation), .violation(let content, inconsistent: false)?):
      return violation.ruleSetVersion == Self.version(content)
        && violation.invariantIDs == failing(snapshot, under: content)
    case (.unavailable(let reason, let retryAfter), .unavailable(let predicted)?):
      return reason == predicted && retryAfter == .seconds(3)
    case (.bypassed, .bypassed?):
      return true
    default:
      return false
    }
  }

  static func agree(_ harness: GuardHarness, _ model: AbstractGuard) -> Bool {
    let health = harness.guardian.health()
    let logs = harness.logs
    let bypassWarnings = logs.all.filter { $0.metadata["bypass"] == "active" }.count
    return health.state == model.status.state && health.reason == model.status.reason
      && harness.guardian.currentState == model.status.state
      && health.ruleSetVersion == version(model.inForce)
      && health.pendingReconciliations == model.pendingReconciliations
      && logs.count("circuit=closed") == model.count(.logCircuitClosed)
      && logs.count("circuit=open") == model.count(.logCircuitOpen)
      && logs.count("state=ready") == model.count(.logStateReady)
      && logs.count("rules_reloaded") == model.count(.logRulesReloaded)
      && logs.count("reload_failed") == model.count(.logReloadFailed)
      && logs.count("bypass_ignored") == model.count(.warnBypassIgnored)
      && bypassWarnings == model.count(.warnBypass) + model.count(.remindBypass)
      && harness.compileAttempts("success") == Int64(model.count(.countCompileSuccess))
      && harness.compileAttempts("failure") == Int64(model.count(.countCompileFailure))
      && harness.gauge("conservation_guard_state") == (model.status.state == .ready ? 1 : 0)
      && harness.gauge("conservation_guard_bypass_active")
        == (model.status.state == .bypassed ? 1 : 0)
  }
}
