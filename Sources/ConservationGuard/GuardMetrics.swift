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
  let checks: [String: Counter]
  let violations: [String: Counter]
  let checksByIndex: [Counter]
  let violationsByIndex: [Counter]
  let compileSuccess: Counter
  let compileFailure: Counter
  let decisions: [String: Counter]
  let checkDuration: Timer

  init(factory: any MetricsFactory, invariants: [String]) {
    state = Gauge(label: Self.stateLabel, factory: factory)
    bypass = Gauge(label: Self.bypassLabel, factory: factory)
    var checks: [String: Counter] = [:]
    var violations: [String: Counter] = [:]
    for id in invariants {
      checks[id] = Counter(
        label: Self.checksLabel, dimensions: [("invariant", id)], factory: factory)
      violations[id] = Counter(
        label: Self.violationsLabel, dimensions: [("invariant", id)], factory: factory)
    }
    self.checks = checks
    self.violations = violations
    checksByIndex = invariants.map { checks[$0]! }
    violationsByIndex = invariants.map { violations[$0]! }
    compileSuccess = Counter(
      label: Self.compileAttemptsLabel, dimensions: [("result", "success")], factory: factory)
    compileFailure = Counter(
      label: Self.compileAttemptsLabel, dimensions: [("result", "failure")], factory: factory)
    var decisions: [String: Counter] = [:]
    for word in ["pass", "violation", "unavailable", "bypassed"] {
      decisions[word] = Counter(
        label: Self.decisionsLabel, dimensions: [("decision", word)], factory: factory)
    }
    self.decisions = decisions
    checkDuration = Timer(label: Self.checkDurationLabel, factory: factory)
  }
}
