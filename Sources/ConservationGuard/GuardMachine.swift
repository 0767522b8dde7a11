import ConstraintEngine

/// The guard's whole state: ``GuardTable``'s control state and the data the table's abstract
/// events are computed from (times, versions, counts, errors). ``step(_:)`` answers an
/// event's data questions, takes the table's transition and applies its data effects; it
/// returns what the driver must then perform. Pure: no I/O, no clock, no logger.
struct GuardMachine: Sendable {
  /// An event with its data.
  enum Input: Sendable {
    case start(now: ContinuousClock.Instant, environmentValue: String?)
    case poll(now: ContinuousClock.Instant)
    /// The source was read; `version` is the content hash of what was read.
    case sourceRead(version: String)
    case compileSucceeded(GuardRules)
    /// `version` nil: the source could not be read.
    case compileFailed([RuleFileError], version: String?)
    case pendingReported(Int)
    case check(now: ContinuousClock.Instant)
    /// `rules` evaluated a snapshot (the rule set the `check` step handed out).
    case checkEvaluated(GuardRules, GuardEvaluation)
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

  init(configuration: GuardConfiguration) {
    self.configuration = configuration
  }

  var status: GuardTable.Status { control.status }

  /// Takes the table's transition for `input`.
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
    describe(input, ruleSet: outcome.ruleSet, into: &step)
    return step
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
    case .check(let now):
      return .check(reminderDue: reminderDue(at: now))
    case .checkEvaluated(_, let evaluation):
      return .checkEvaluated(
        holds: evaluation.holds, failuresFound: !evaluation.failures.isEmpty)
    }
  }

  private func reminderDue(at now: ContinuousClock.Instant) -> Bool {
    guard let last = lastBypassWarning else { return true }
    return now - last >= configuration.bypassWarningInterval
  }

  /// The data effects.
  private mutating func apply(_ effects: GuardTable.Effects, of input: Input) {
    if effects.contains(.scheduleAttempt), let now = input.now {
      nextAttempt = now.advanced(by: configuration.retryInterval)
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

  /// The data the performed effects need, captured now (under the lock).
  private func describe(
    _ input: Input, ruleSet operand: GuardTable.RuleSetOperand, into step: inout GuardStep
  ) {
    let ruleSet: GuardRules?
    switch operand {
    case .none: ruleSet = nil
    case .inForce: ruleSet = rules
    case .evaluated:
      if case .checkEvaluated(let evaluated, _) = input {
        ruleSet = evaluated
      } else {
        ruleSet = nil
      }
    }
    step.ruleSet = ruleSet
    switch input {
    case .start(_, let value): step.environmentValue = value
    case .sourceRead(let version): step.version = version
    case .compileSucceeded(let compiled): step.version = compiled.version
    case .compileFailed(let errors, let version):
      step.errors = errors
      step.version = version
    case .checkEvaluated(let evaluated, let evaluation):
      step.evaluated = evaluated
      step.evaluation = evaluation
    case .poll, .pendingReported, .check: break
    }
    let effects = step.effects
    if effects.contains(.evaluate) && ruleSet == nil {
      // Nothing to evaluate with: fail closed.
      step.effects.subtract(.evaluate)
      step.effects.insert(.decideUnavailable)
    }
    if effects.contains(.decidePass) || effects.contains(.decideViolation)
      || effects.contains(.decideInconsistent)
    {
      guard let ruleSet else {
        step.effects.subtract(GuardTable.Effects.decisions)
        step.effects.insert(.decideUnavailable)
        step.decision = unavailable
        return
      }
      if effects.contains(.decidePass) {
        step.decision = .pass(ruleSetVersion: ruleSet.version)
      } else if effects.contains(.decideViolation), let evaluation = step.evaluation {
        step.decision = .violation(
          GuardViolation(
            ruleSetVersion: ruleSet.version, failures: evaluation.failures.map(\.failure)))
      } else {
        step.decision = .violation(
          GuardViolation(
            ruleSetVersion: ruleSet.version,
            failures: [
              InvariantFailure(
                invariantID: "guard", outcome: .error, message: "inconsistent evaluation",
                explanation:
                  "an invariant did not hold on the fast path but passed when explained")
            ]))
      }
    } else if effects.contains(.decideUnavailable) {
      step.decision = unavailable
    } else if effects.contains(.decideBypassed) {
      step.decision = .bypassed
    }
  }

  private var unavailable: GuardDecision {
    .unavailable(
      reason: control.status.reason ?? .compileFailed, retryAfter: configuration.retryAfter)
  }
}

extension GuardMachine.Input {
  fileprivate var now: ContinuousClock.Instant? {
    switch self {
    case .start(let now, _), .poll(let now), .check(let now): return now
    default: return nil
    }
  }
}

/// What one transition asks the driver to perform, with the data it needs, captured under the
/// lock (so logs say what the transition saw, whatever happened since).
struct GuardStep: Sendable {
  var effects: GuardTable.Effects
  /// The status before and after the transition.
  var previous: GuardTable.Status
  var current: GuardTable.Status
  /// The rule set `evaluate` hands out, or the one a pass or violation is labelled with.
  var ruleSet: GuardRules?
  /// The check's answer.
  var decision: GuardDecision?
  /// The rule set that evaluated the snapshot and what it found (`checkEvaluated`).
  var evaluated: GuardRules?
  var evaluation: GuardEvaluation?
  /// The version the event read or compiled.
  var version: String?
  /// The event's compile or read errors.
  var errors: [RuleFileError] = []
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
    var holds = true
    for invariant in rules.invariants
    where !invariant.program.holds(snapshot, context: context) {
      holds = false
    }
    self.holds = holds
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
