import CoreMetrics

/// The guard's metric handles, created once so the check path only records.
struct GuardMetrics: Sendable {
  static let stateLabel = "conservation_guard_state"
  static let bypassLabel = "conservation_guard_bypass_active"
  static let checksLabel = "conservation_guard_checks_total"
  static let violationsLabel = "conservation_guard_violations_total"
  static let compileAttemptsLabel = "conservation_guard_compile_attempts_total"
  static let decisionsLabel = "conservation_guard_decisions_total"
  static let checkDurationLabel = "conservation_guard_check_duration"

  let state: Gauge
  let bypass: Gauge
  /// Per invariant, in the configuration's order.
  let checksByIndex: [Counter]
  /// `checksByIndex` again, unretained: ``countChecks(invariants:)`` increments them without
  /// reference counting on every check (`checksByIndex` keeps them alive as long as this).
  private let checkCounters: [Unmanaged<Counter>]
  let violationsByIndex: [Counter]
  let compileSuccess: Counter
  let compileFailure: Counter
  let passDecisions: Counter
  let violationDecisions: Counter
  let unavailableDecisions: Counter
  let bypassedDecisions: Counter
  let checkDuration: Timer

  init(factory: any MetricsFactory, invariants: [String]) {
    state = Gauge(label: Self.stateLabel, factory: factory)
    bypass = Gauge(label: Self.bypassLabel, factory: factory)
    checksByIndex = invariants.map { id in
      Counter(label: Self.checksLabel, dimensions: [("invariant", id)], factory: factory)
    }
    checkCounters = checksByIndex.map { Unmanaged.passUnretained($0) }
    violationsByIndex = invariants.map { id in
      Counter(label: Self.violationsLabel, dimensions: [("invariant", id)], factory: factory)
    }
    compileSuccess = Counter(
      label: Self.compileAttemptsLabel, dimensions: [("result", "success")], factory: factory)
    compileFailure = Counter(
      label: Self.compileAttemptsLabel, dimensions: [("result", "failure")], factory: factory)
    let label = Self.decisionsLabel
    passDecisions = Counter(label: label, dimensions: [("decision", "pass")], factory: factory)
    violationDecisions = Counter(
      label: label, dimensions: [("decision", "violation")], factory: factory)
    unavailableDecisions = Counter(
      label: label, dimensions: [("decision", "unavailable")], factory: factory)
    bypassedDecisions = Counter(
      label: label, dimensions: [("decision", "bypassed")], factory: factory)
    checkDuration = Timer(label: Self.checkDurationLabel, factory: factory)
  }
}

extension GuardMetrics {
  /// `checks_total` +1 for each of the first `count` invariants.
  func countChecks(invariants count: Int) {
    for index in 0..<min(count, checkCounters.count) {
      checkCounters[index]._withUnsafeGuaranteedRef { $0.increment() }
    }
  }

  /// The decisions counter for `decision`'s kind.
  func decisions(_ decision: GuardDecision) -> Counter {
    switch decision {
    case .pass: return passDecisions
    case .violation: return violationDecisions
    case .unavailable: return unavailableDecisions
    case .bypassed: return bypassedDecisions
    }
  }
}
