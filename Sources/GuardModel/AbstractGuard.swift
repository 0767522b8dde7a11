import ConservationGuard

/// The model's abstraction of the guard, run in Swift: the table (``GuardTable``) over the
/// model's data — which content the rule source holds, which version is in force, times in
/// milliseconds — with exactly the semantics the Promela model gives each effect
/// (``PromelaModel`` writes the same steps; keep the two side by side). The randomized test
/// drives it and the real guard with the same operations and compares every decision.
package struct AbstractGuard: Sendable {
  /// What the rule source holds; a rule set's version is the content it compiled from.
  package enum Content: UInt8, Sendable, CaseIterable {
    /// No rule set (a version only).
    case none = 0
    /// The billing rules.
    case goodA
    /// Stricter: fails ``Snapshot/edge``.
    case goodB
    /// Does not compile.
    case broken
    /// Cannot be read.
    case unreadable

    package var compiles: Bool { self == .goodA || self == .goodB }
  }

  package enum Snapshot: UInt8, Sendable, CaseIterable {
    /// Passes both rule sets.
    case ok
    /// Passes ``Content/goodA``, fails ``Content/goodB``.
    case edge
    /// Fails both.
    case bad

    /// Whether every invariant of `ruleSet` holds on the snapshot.
    package func holds(under ruleSet: Content) -> Bool {
      ruleSet.compiles && (self == .ok || (self == .edge && ruleSet == .goodA))
    }
  }

  package enum Decision: Hashable, Sendable {
    case pass(Content)
    case violation(Content, inconsistent: Bool)
    case unavailable(GuardReason)
    case bypassed
  }

  package let table: GuardTable.Transition
  package let retryInterval: Int
  package let bypassWarningInterval: Int
  package let dlqThreshold: Int
  package private(set) var control = GuardTable.Control.initial
  package private(set) var inForce = Content.none
  package private(set) var rejected = Content.none
  package private(set) var pendingReconciliations = 0
  private var nextAttempt: Int?
  private var lastWarning: Int?
  /// What the rule source holds now.
  package var content: Content
  /// How many times each effect was performed.
  package private(set) var performed: [GuardTable.Effects: Int] = [:]

  package init(
    content: Content, retryInterval: Int = 3000, bypassWarningInterval: Int = 60_000,
    dlqThreshold: Int = 10, table: @escaping GuardTable.Transition = GuardTable.transition
  ) {
    self.content = content
    self.retryInterval = retryInterval
    self.bypassWarningInterval = bypassWarningInterval
    self.dlqThreshold = dlqThreshold
    self.table = table
  }

  package var status: GuardTable.Status { control.status }

  package func count(_ effect: GuardTable.Effects) -> Int { performed[effect] ?? 0 }

  /// `start()` at `now`.
  package mutating func start(switchSet: Bool, ignoredValue: Bool, now: Int) {
    let outcome = step(.start(switchSet: switchSet, ignoredValue: ignoredValue), now: now)
    attempt(after: outcome, now: now)
  }

  /// `poll()` at `now`.
  package mutating func poll(now: Int) {
    let event = GuardTable.Event.poll(
      attemptDue: nextAttempt.map { now >= $0 } ?? false, reminderDue: reminderDue(now))
    attempt(after: step(event, now: now), now: now)
  }

  package mutating func reportPendingReconciliations(_ count: Int) {
    pendingReconciliations = max(0, count)
    _ = step(.pendingReported(overThreshold: pendingReconciliations > dlqThreshold), now: nil)
  }

  /// `check(snapshot)` at `now` (the evaluator never disagrees with itself here).
  package mutating func check(_ snapshot: Snapshot, now: Int) -> Decision? {
    let outcome = step(.check(reminderDue: reminderDue(now)), now: now)
    var captured = outcome.ruleSet == .inForce ? inForce : .none
    var effects = outcome.effects
    if effects.contains(.evaluate) {
      guard captured != .none else { return decide(.decideUnavailable, operand: .none) }
      let holds = snapshot.holds(under: captured)
      let evaluated = step(
        .checkEvaluated(holds: holds, failuresFound: !holds), now: nil, evaluated: captured)
      effects = evaluated.effects
      return decide(effects, operand: evaluated.ruleSet, evaluated: captured)
    }
    captured = .none
    return decide(effects, operand: outcome.ruleSet, evaluated: captured)
  }

  // MARK: - The model's semantics (PromelaModel emits the same)

  private func reminderDue(_ now: Int) -> Bool {
    lastWarning.map { now >= $0 + bypassWarningInterval } ?? true
  }

  /// One transition and its data effects (Promela: `step`).
  private mutating func step(
    _ event: GuardTable.Event, now: Int?, version: Content = .none,
    evaluated: Content = .none
  ) -> GuardTable.Outcome {
    let outcome = table(control, event)
    let effects = outcome.effects
    if effects.contains(.scheduleAttempt), let now { nextAttempt = now + retryInterval }
    if effects.contains(.noteBypassWarning), let now { lastWarning = now }
    if effects.contains(.installRules) {
      inForce = version
      rejected = .none
    }
    if effects.contains(.recordRejected) { rejected = version }
    control = outcome.control
    for (effect, _) in GuardTable.Effects.named where effects.contains(effect) {
      performed[effect, default: 0] += 1
    }
    return outcome
  }

  /// The driver's answer to `readSource` and `compile` (Promela: `attempt`).
  private mutating func attempt(after outcome: GuardTable.Outcome, now: Int) {
    guard outcome.effects.contains(.readSource) else { return }
    let seen = content
    if seen == .unreadable {
      _ = step(.compileFailed(readable: false), now: now)
      return
    }
    let read = step(
      .sourceRead(changed: seen != inForce && seen != rejected), now: now, version: seen)
    guard read.effects.contains(.compile) else { return }
    if seen.compiles {
      _ = step(.compileSucceeded(sameVersion: seen == inForce), now: now, version: seen)
    } else {
      _ = step(.compileFailed(readable: true), now: now, version: seen)
    }
  }

  /// The decision effects (Promela: `decide`).
  private func decide(
    _ effects: GuardTable.Effects, operand: GuardTable.RuleSetOperand,
    evaluated: Content = .none
  ) -> Decision? {
    let label: Content
    switch operand {
    case .none: label = .none
    case .inForce: label = inForce
    case .evaluated: label = evaluated
    }
    let unavailable = Decision.unavailable(status.reason ?? .compileFailed)
    if effects.contains(.decidePass) { return label == .none ? unavailable : .pass(label) }
    if effects.contains(.decideViolation) || effects.contains(.decideInconsistent) {
      guard label != .none else { return unavailable }
      return .violation(label, inconsistent: !effects.contains(.decideViolation))
    }
    if effects.contains(.decideUnavailable) { return unavailable }
    if effects.contains(.decideBypassed) { return .bypassed }
    return nil
  }
}
