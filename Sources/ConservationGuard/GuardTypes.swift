import ConstraintEngine

/// The guard's state, as the runbook names it.
public enum GuardState: String, Sendable, Hashable, CaseIterable {
  /// Created, not started: checks fail closed.
  case uninitialized
  /// Rules compiled, checks evaluate the invariants.
  case ready
  /// Rules unavailable or the reconciliation queue overflowing: checks fail closed.
  case degraded
  /// `EVALUATOR_BYPASS=true`: invariant checking is disabled (break-glass).
  case bypassed
}

/// Why the guard is not ready.
public enum GuardReason: String, Sendable, Hashable, CaseIterable {
  /// `start()` has not been called.
  case notStarted = "not_started"
  /// The rule set could not be read or compiled.
  case compileFailed = "compile_failed"
  /// The pending-reconciliation (DLQ) count is above the threshold.
  case dlqOverflow = "dlq_overflow"
}

/// One invariant that did not hold on a snapshot.
public struct InvariantFailure: Sendable, Hashable {
  /// The rule id, e.g. `budget_conservation`.
  public var invariantID: String
  /// `fail` (the invariant is false) or `error`/`deferred` (it could not be evaluated: fail
  /// closed).
  public var outcome: OutcomeKind
  /// The rule's message from the rule file, or the diagnostic for an evaluation error.
  public var message: String
  /// The values that decided the failure, rendered (`budget.spent_micro = "1001"; …`), or the
  /// diagnostic's message for an evaluation error.
  public var explanation: String

  public init(invariantID: String, outcome: OutcomeKind, message: String, explanation: String) {
    self.invariantID = invariantID
    self.outcome = outcome
    self.message = message
    self.explanation = explanation
  }
}

/// A snapshot on which at least one invariant did not hold.
public struct GuardViolation: Sendable, Hashable {
  /// The version of the rule set that decided it.
  public var ruleSetVersion: String
  /// Every invariant that did not hold, in rule-set order (never empty).
  public var failures: [InvariantFailure]

  /// The ids of the failing invariants.
  public var invariantIDs: [String] { failures.map(\.invariantID) }
}

/// What the guard decided for one money movement.
public enum GuardDecision: Sendable, Hashable {
  /// Every invariant holds: the movement may proceed.
  case pass(ruleSetVersion: String)
  /// An invariant does not hold (or could not be evaluated): refuse the movement.
  case violation(GuardViolation)
  /// The guard cannot decide (not started, rules unavailable, DLQ overflow): refuse the movement
  /// and answer HTTP 503 with `Retry-After: retryAfter`.
  case unavailable(reason: GuardReason, retryAfter: Duration)
  /// Break-glass bypass: nothing was checked.
  case bypassed

  /// `pass`, `violation`, `unavailable` or `bypassed`.
  public var word: String {
    switch self {
    case .pass: return "pass"
    case .violation: return "violation"
    case .unavailable: return "unavailable"
    case .bypassed: return "bypassed"
    }
  }

  /// The HTTP status a service answers with: 200 (pass, bypassed), 422 (violation) or 503
  /// (unavailable).
  public var httpStatus: Int {
    switch self {
    case .pass, .bypassed: return 200
    case .violation: return 422
    case .unavailable: return 503
    }
  }

  /// The rule-set version that decided a pass or violation; nil otherwise.
  public var ruleSetVersion: String? {
    switch self {
    case .pass(let version): return version
    case .violation(let violation): return violation.ruleSetVersion
    case .unavailable, .bypassed: return nil
    }
  }
}

/// The guard's health, for a health endpoint.
public struct GuardHealth: Sendable, Hashable {
  public var state: GuardState
  /// Why the guard is not ready (nil when ready or bypassed).
  public var reason: GuardReason?
  /// The content hash of the rule source in force (nil before the first successful compile).
  public var ruleSetVersion: String?
  /// The last compile or reload error (nil once a compile succeeded and no reload failed since).
  public var lastCompileError: String?
  /// The last pending-reconciliation count reported.
  public var pendingReconciliations: Int
}

/// How a guard behaves; every default is the runbook's.
public struct GuardConfiguration: Sendable {
  /// The invariants that must be present and are evaluated on every check, in this order.
  public static let billingInvariants = [
    "budget_conservation", "cost_non_negative", "reserve_within_allocation", "entitlement_valid",
    "rate_consistency", "micro_usd_format", "x402_payment_conservation",
  ]

  /// The `schema_id` of the billing rule files.
  public static let billingSchema = "BillingSnapshot"

  /// The invariants checked on every snapshot; each must be present in the rule source.
  public var invariants: [String] = GuardConfiguration.billingInvariants
  /// The schema whose rules are the invariants: a rule of another schema never stands in for
  /// one, even with the same id. nil: the one schema of the source that defines any of the
  /// invariants; when several do, the choice is ambiguous and compilation fails (degraded).
  public var schema: String? = GuardConfiguration.billingSchema
  /// How often a degraded guard retries compilation and a ready guard looks for a changed rule
  /// source. An interval below ``minimumRetryInterval`` is raised to it.
  public var retryInterval: Duration = .seconds(3)

  /// The shortest retry interval honoured (100 ms): every retry re-reads and recompiles the
  /// rules, so a shorter one would only spin a core and flood the log.
  public static let minimumRetryInterval: Duration = .milliseconds(100)

  /// ``retryInterval``, raised to ``minimumRetryInterval``.
  public var effectiveRetryInterval: Duration {
    max(retryInterval, GuardConfiguration.minimumRetryInterval)
  }
  /// The `Retry-After` an `unavailable` decision carries.
  public var retryAfter: Duration = .seconds(3)
  /// A pending-reconciliation count above this trips the guard to degraded.
  public var dlqThreshold: Int = 10
  /// Break-glass bypass by configuration (the environment's `EVALUATOR_BYPASS=true` does the same).
  public var bypass: Bool = false
  /// How often the bypass warning is repeated while bypassed.
  public var bypassWarningInterval: Duration = .seconds(60)
  /// The feature flags the rules are compiled under.
  public var flags: Set<String> = []

  public init() {}

  /// The environment variable that enables break-glass bypass when it is exactly `true`.
  public static let bypassVariable = "EVALUATOR_BYPASS"
}
