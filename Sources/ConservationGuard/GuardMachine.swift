import ConstraintEngine

/// The guard's whole state: ``GuardTable``'s control state and the data the table's abstract
/// events are computed from (times, versions, counts, errors). Each event answers its data
/// questions, takes the table's transition and applies its data effects, and returns what the
/// driver must then perform: ``step(_:)`` for the lifecycle events, ``check(now:)`` and
/// ``checkEvaluated(_:_:)`` for the two halves of a check (kept lean: they are on every
/// request's path). Pure: no I/O, no clock, no logger.
struct GuardMachine: Sendable {
  /// A lifecycle event with its data.
  enum Input: Sendable {
    case start(now: ContinuousClock.Instant, environmentValue: String?)
    case poll(now: ContinuousClock.Instant)
    /// The source was read; `version` is the content hash of what was read.
    case sourceRead(version: String)
    case compileSucceeded(GuardRules)
    /// `version` nil: the source could not be read.
    case compileFailed([Diagnostic], version: String?)
    case pendingReported(Int)
  }

  let configuration: GuardConfiguration
  private(set) var control = GuardTable.Control.initial
  private(set) var rules: GuardRules?
  /// The last compile or read error, until a compile succeeds.
  private(set) var lastError: String?
  /// The version of content that failed to compile while older rules stayed in force.
  private(set) var rejectedVersion: String?
  private(set) var pendingReconciliations = 0
  private(set) var nextAttempt: ContinuousClock.Instant?
  private(set) var lastBypassWarning: ContinuousClock.Instant?
  /// The table's check outcomes for the control state they were worked out from.
  private var checkTransitions = CheckTransitions(from: .initial)

  init(configuration: GuardConfiguration) {
    self.configuration = configuration
  }

  var status: GuardTable.Status { control.status }

  /// Takes the table's transition for a lifecycle event.
  mutating func step(_ input: Input) -> GuardStep {
    let before = control.status
    let outcome = GuardTable.transition(control, abstract(input))
    var step = GuardStep(
      effects: outcome.effects, previous: before, current: outcome.control.status)
    step.previousVersion = rules?.version
    apply(outcome.effects, of: input)
    control = outcome.control
    step.ruleSetVersion = rules?.version
    step.lastError = lastError
    step.pendingReconciliations = pendingReconciliations
    switch input {
    case .start(_, let value): step.environmentValue = value
    case .sourceRead(let version): step.version = version
    case .compileSucceeded(let compiled): step.version = compiled.version
    case .compileFailed(let errors, let version):
      step.errors = errors
      step.version = version
    case .poll, .pendingReported: break
    }
    return step
  }

  /// `check(_:)`: the table's `check` transition. Its `evaluate` effect hands out the rule set
  /// in force, whole. `now` is read only when the outcome depends on the time (the bypass
  /// reminder).
  mutating func check(now: @autoclosure () -> ContinuousClock.Instant) -> CheckStep {
    refreshCheckTransitions()
    var transition = checkTransitions.notDue
    if checkTransitions.checkReadsTime {
      let now = now()
      if reminderDue(at: now) { transition = checkTransitions.due }
      // The only data effect a check has (GuardTableTests checks it).
      if transition.outcome.effects.contains(.noteBypassWarning) { lastBypassWarning = now }
    }
    control = transition.outcome.control
    return CheckStep(
      effects: transition.outcome.effects,
      ruleSet: resolve(transition.outcome.ruleSet, evaluated: nil), reason: transition.reason)
  }

  /// The snapshot was evaluated with `evaluated` (the rule set `check` handed out): the table
  /// decides, from the status now.
  mutating func checkEvaluated(
    _ evaluated: GuardRules, _ evaluation: GuardEvaluation
  ) -> CheckStep {
    refreshCheckTransitions()
    let transition = checkTransitions.evaluated(
      holds: evaluation.holds, failuresFound: !evaluation.failures.isEmpty)
    control = transition.outcome.control
    return CheckStep(
      effects: transition.outcome.effects,
      ruleSet: resolve(transition.outcome.ruleSet, evaluated: evaluated),
      reason: transition.reason)
  }

  /// The table's check transitions from the current control state, worked out again only when
  /// the control state changed since (the table is pure, so they are the table's own
  /// outcomes; a check then costs a lookup instead of two table walks).
  private mutating func refreshCheckTransitions() {
    if checkTransitions.control != control { checkTransitions = CheckTransitions(from: control) }
  }

  private func resolve(
    _ operand: GuardTable.RuleSetOperand, evaluated: GuardRules?
  ) -> GuardRules? {
    switch operand {
    case .none: return nil
    case .inForce: return rules
    case .evaluated: return evaluated
    }
  }

  /// The event's data questions, answered from the data.
  func abstract(_ input: Input) -> GuardTable.Event {
    switch input {
    case .start(_, let value):
      return .start(
        switchSet: configuration.bypass || value == "true",
        ignoredValue: value != nil && value != "true")
    case .poll(let now):
      return .poll(
        attemptDue: nextAttempt.map { now >= $0 } ?? false, reminderDue: reminderDue(at: now))
    case .sourceRead(let version):
      return .sourceRead(changed: version != rules?.version && version != rejectedVersion)
    case .compileSucceeded(let compiled):
      return .compileSucceeded(sameVersion: compiled.version == rules?.version)
    case .compileFailed(_, let version):
      return .compileFailed(readable: version != nil)
    case .pendingReported(let count):
      return .pendingReported(overThreshold: max(0, count) > configuration.dlqThreshold)
    }
  }

  private func reminderDue(at now: ContinuousClock.Instant) -> Bool {
    guard let last = lastBypassWarning else { return true }
    return now - last >= configuration.bypassWarningInterval
  }

  /// The data effects.
  private mutating func apply(_ effects: GuardTable.Effects, of input: Input) {
    if effects.contains(.scheduleAttempt), let now = input.now {
      nextAttempt = now.advanced(by: configuration.effectiveRetryInterval)
    }
    if effects.contains(.noteBypassWarning), let now = input.now { lastBypassWarning = now }
    if effects.contains(.storePendingCount), case .pendingReported(let count) = input {
      pendingReconciliations = max(0, count)
    }
    if effects.contains(.installRules), case .compileSucceeded(let compiled) = input {
      rules = compiled
      lastError = nil
      rejectedVersion = nil
    }
    if effects.contains(.recordError), case .compileFailed(let errors, _) = input {
      lastError = errors.first.map(\.description) ?? "unknown error"
    }
    if effects.contains(.recordRejected), case .compileFailed(_, let version) = input {
      rejectedVersion = version
    }
  }
}

extension GuardMachine.Input {
  fileprivate var now: ContinuousClock.Instant? {
    switch self {
    case .start(let now, _), .poll(let now): return now
    default: return nil
    }
  }
}

/// The table's outcomes for the check events from one control state, each with the reason the
/// status after it gives: what ``GuardMachine`` looks up on every check.
struct CheckTransitions: Sendable {
  struct Transition: Sendable {
    var outcome: GuardTable.Outcome
    var reason: GuardReason?

    init(_ control: GuardTable.Control, _ event: GuardTable.Event) {
      outcome = GuardTable.transition(control, event)
      reason = outcome.control.status.reason
    }
  }

  /// The control state the outcomes are from.
  let control: GuardTable.Control
  /// `check(reminderDue:)`, false and true.
  let notDue: Transition
  let due: Transition
  /// The `check` outcome depends on the time: on whether the reminder is due, or it notes the
  /// time of the warning.
  let checkReadsTime: Bool
  /// `checkEvaluated(holds:failuresFound:)`, by `holds` then `failuresFound`.
  private let failed: Transition
  private let failedWithFailures: Transition
  private let held: Transition
  private let heldWithFailures: Transition

  init(from control: GuardTable.Control) {
    self.control = control
    notDue = Transition(control, .check(reminderDue: false))
    due = Transition(control, .check(reminderDue: true))
    checkReadsTime =
      notDue.outcome != due.outcome || notDue.outcome.effects.contains(.noteBypassWarning)
    failed = Transition(control, .checkEvaluated(holds: false, failuresFound: false))
    failedWithFailures = Transition(control, .checkEvaluated(holds: false, failuresFound: true))
    held = Transition(control, .checkEvaluated(holds: true, failuresFound: false))
    heldWithFailures = Transition(control, .checkEvaluated(holds: true, failuresFound: true))
  }

  func evaluated(holds: Bool, failuresFound: Bool) -> Transition {
    switch (holds, failuresFound) {
    case (false, false): return failed
    case (false, true): return failedWithFailures
    case (true, false): return held
    case (true, true): return heldWithFailures
    }
  }
}

/// What a lifecycle transition asks the driver to perform, with the data it needs, captured
/// under the lock (so logs say what the transition saw, whatever happened since).
struct GuardStep: Sendable {
  var effects: GuardTable.Effects
  /// The status before and after the transition.
  var previous: GuardTable.Status
  var current: GuardTable.Status
  /// The version the event read or compiled.
  var version: String?
  /// The event's compile or read errors.
  var errors: [Diagnostic] = []
  /// The version in force before and after the transition.
  var previousVersion: String?
  var ruleSetVersion: String?
  var lastError: String?
  var pendingReconciliations = 0
  /// `EVALUATOR_BYPASS`'s value, at start.
  var environmentValue: String?

  init(effects: GuardTable.Effects, previous: GuardTable.Status, current: GuardTable.Status) {
    self.effects = effects
    self.previous = previous
    self.current = current
  }
}

/// What one half of a check asks for: its effects, the rule set they refer to (the one to
/// evaluate with, or the one a pass or violation names), and the status's reason.
struct CheckStep: Sendable {
  var effects: GuardTable.Effects
  var ruleSet: GuardRules?
  var reason: GuardReason?

  /// The check's answer, if this step gives one. A pass or violation with no rule set to name,
  /// or an evaluation with none to evaluate with, is refused.
  func decision(evaluation: GuardEvaluation?, retryAfter: Duration) -> GuardDecision? {
    let unavailable = GuardDecision.unavailable(
      reason: reason ?? .compileFailed, retryAfter: retryAfter)
    if effects.contains(.decidePass) {
      return ruleSet.map { .pass(ruleSetVersion: $0.version) } ?? unavailable
    }
    if effects.contains(.decideViolation) || effects.contains(.decideInconsistent) {
      guard let ruleSet else { return unavailable }
      let failures: [InvariantFailure]
      if effects.contains(.decideViolation), let evaluation, !evaluation.failures.isEmpty {
        failures = evaluation.failures.map(\.failure)
      } else {
        failures = [
          InvariantFailure(
            invariantID: "guard", outcome: .error, message: "inconsistent evaluation",
            explanation: "an invariant did not hold on the fast path but passed when explained")
        ]
      }
      return .violation(GuardViolation(ruleSetVersion: ruleSet.version, failures: failures))
    }
    if effects.contains(.decideUnavailable) { return unavailable }
    if effects.contains(.decideBypassed) { return .bypassed }
    if effects.contains(.evaluate) && ruleSet == nil { return unavailable }
    return nil
  }
}

/// A snapshot evaluated with one rule set: the fast path's answer and, when it failed, every
/// failing invariant with its explanation and the fields its `HARD_FAIL` line may show. Pure.
struct GuardEvaluation: Sendable {
  struct Failure: Sendable {
    /// The invariant's index in the rule set (and the configuration).
    var index: Int
    var failure: InvariantFailure
    /// `input.<field>` keys and values for the `HARD_FAIL` line.
    var loggedFields: [(key: String, summary: String)]
  }

  /// Every invariant returned `true` on the fast path.
  var holds: Bool
  /// Failing invariants found by the explaining evaluation (empty when `holds`).
  var failures: [Failure]

  init(holds: Bool, failures: [Failure]) {
    self.holds = holds
    self.failures = failures
  }

  /// Evaluates `snapshot` with every invariant of `rules`: the fast path (`Program.holds`),
  /// then, only when it failed, each invariant again with explanations.
  init(_ snapshot: Value, with rules: GuardRules, context: EvaluationContext) {
    holds = rules.allHold(snapshot, context: context)
    failures = []
    guard !holds else { return }
    for (index, invariant) in rules.invariants.enumerated() {
      let failure: InvariantFailure
      switch invariant.program.evaluate(snapshot, context: context, explain: true) {
      case .pass: continue
      case .fail(let explanation):
        failure = InvariantFailure(
          invariantID: invariant.id, outcome: .fail, message: invariant.message,
          explanation: compactExplanation(explanation, source: invariant.program.source))
      case .error(let diagnostic):
        failure = InvariantFailure(
          invariantID: invariant.id, outcome: .error, message: invariant.message,
          explanation: diagnostic.message)
      case .deferred(let diagnostic):
        failure = InvariantFailure(
          invariantID: invariant.id, outcome: .deferred, message: invariant.message,
          explanation: diagnostic.message)
      }
      failures.append(
        Failure(
          index: index, failure: failure,
          loggedFields: invariant.loggedFields.map { ($0.logKey, $0.summary(in: snapshot)) }))
    }
  }
}

/// The content hash the guard gives a rule source (its rule-set version).
package func guardRuleSetVersion(of files: [RuleSourceFile]) -> String {
  GuardRules.version(of: files)
}
