import ConservationGuard

/// Deliberately broken variants of ``GuardTable/transition(_:_:)``, one per property: each is
/// a bug someone could plausibly write, and the model checker must reject each with a
/// counterexample naming that property (`make model-check-mutants`).
package enum Mutant: String, CaseIterable, Sendable {
  /// (1) The DLQ count is treated as advisory: checks are evaluated and passed while the
  /// guard is degraded by `dlq_overflow`.
  case dlqAdvisory = "dlq-advisory"
  /// (2) When the fast path fails but the explaining evaluation finds nothing, the snapshot
  /// passes ("the second opinion wins").
  case inconsistentPass = "inconsistent-pass"
  /// (3) A decision is labelled with the rule set in force when it is decided, not the one
  /// that evaluated the snapshot: a reload during the evaluation mixes two versions.
  case labelInForce = "label-in-force"
  /// (4) A failed compile forgets to end the attempt: no retry is ever started again, so fixed
  /// rules are never picked up.
  case failureKeepsCompiling = "failure-keeps-compiling"
  /// (5) Any value of `EVALUATOR_BYPASS` (`TRUE`, `1`, ` true`) enables bypass.
  case bypassAnyValue = "bypass-any-value"
  /// (6) A DLQ report changes the state silently: no `circuit=open`/`circuit=closed` for it.
  case dlqUnpublished = "dlq-unpublished"

  /// The property (1–6) the verifier must find violated.
  package var property: Int {
    switch self {
    case .dlqAdvisory: return 1
    case .inconsistentPass: return 2
    case .labelInForce: return 3
    case .failureKeepsCompiling: return 4
    case .bypassAnyValue: return 5
    case .dlqUnpublished: return 6
    }
  }

  package var summary: String {
    switch self {
    case .dlqAdvisory: return "checks evaluate and pass while degraded by dlq_overflow"
    case .inconsistentPass:
      return "fast path failed, explanation found nothing: pass"
    case .labelInForce: return "decision labelled with the rule set in force at decision time"
    case .failureKeepsCompiling: return "a failed compile leaves the attempt in flight forever"
    case .bypassAnyValue: return "any EVALUATOR_BYPASS value enables bypass"
    case .dlqUnpublished: return "a DLQ report changes the status without logging it"
    }
  }

  /// The broken table.
  package var table: GuardTable.Transition {
    switch self {
    case .dlqAdvisory:
      return { control, event in
        switch event {
        case .check, .checkEvaluated:
          var relaxed = control
          relaxed.dlqOverflow = false
          var outcome = GuardTable.transition(relaxed, event)
          outcome.control.dlqOverflow = control.dlqOverflow
          return outcome
        default:
          return GuardTable.transition(control, event)
        }
      }
    case .inconsistentPass:
      return { control, event in
        var outcome = GuardTable.transition(control, event)
        if case .checkEvaluated(holds: false, failuresFound: false) = event,
          outcome.effects.contains(.decideInconsistent)
        {
          outcome.effects.remove(.decideInconsistent)
          outcome.effects.insert(.decidePass)
        }
        return outcome
      }
    case .labelInForce:
      return { control, event in
        var outcome = GuardTable.transition(control, event)
        if case .checkEvaluated = event, outcome.ruleSet == .evaluated {
          outcome.ruleSet = .inForce
        }
        return outcome
      }
    case .failureKeepsCompiling:
      return { control, event in
        var outcome = GuardTable.transition(control, event)
        if case .compileFailed = event, outcome.effects.contains(.countCompileFailure) {
          outcome.control.compilation = control.compilation
        }
        return outcome
      }
    case .bypassAnyValue:
      return { control, event in
        if case .start(false, true) = event {
          return GuardTable.transition(control, .start(switchSet: true, ignoredValue: true))
        }
        return GuardTable.transition(control, event)
      }
    case .dlqUnpublished:
      return { control, event in
        var outcome = GuardTable.transition(control, event)
        if case .pendingReported = event {
          outcome.effects.subtract(
            GuardTable.publication(from: control.status, to: outcome.control.status))
        }
        return outcome
      }
    }
  }
}
