/// The conservation guard's transitions as one pure table: `(control, event) → (control,
/// effects)`. Everything the guard decides — when to compile, what to install, when to log
/// `circuit=open`/`circuit=closed`, whether a check is evaluated and what it answers — is
/// decided here; ``ConservationGuard`` only feeds events in and performs the effects.
///
/// The table works on the guard's *control* state, a finite abstraction (lifecycle, compile
/// attempt in flight, rules in force, DLQ over the threshold), and on *abstract* events whose
/// data-dependent questions (is an attempt due, did the source change, is the count over the
/// threshold) are already answered by ``GuardMachine`` from the guard's data. So the table is
/// finite: `Control.allCases × Event.allCases` is every input it has, which is how the model
/// generator (`guard-model`) writes it out as a Promela model for `spin` without drift.
///
/// Pure and deterministic: no I/O, no clock, no logger; the same input always gives the same
/// outcome.
package enum GuardTable {
  /// Where the guard is in its life.
  package enum Lifecycle: UInt8, Sendable, CaseIterable {
    /// Created, `start()` not called yet.
    case notStarted
    /// `start()` called, the first compile attempt has not finished.
    case starting
    /// Started without bypass: ready or degraded, by the other fields.
    case running
    /// Break-glass bypass: nothing is checked. Entered only from ``notStarted`` by `start`.
    case bypassed
  }

  /// The compile attempt in flight, if any (attempts never overlap).
  package enum Compilation: UInt8, Sendable, CaseIterable {
    case idle
    /// The driver is reading the rule source.
    case reading
    /// The driver is compiling what it read.
    case compiling
  }

  /// The guard's control state.
  package struct Control: Hashable, Sendable, CustomStringConvertible {
    package var lifecycle: Lifecycle
    package var compilation: Compilation
    /// A compiled rule set is in force.
    package var hasRules: Bool
    /// The last pending-reconciliation count reported was above the threshold.
    package var dlqOverflow: Bool

    package init(
      lifecycle: Lifecycle, compilation: Compilation, hasRules: Bool, dlqOverflow: Bool
    ) {
      self.lifecycle = lifecycle
      self.compilation = compilation
      self.hasRules = hasRules
      self.dlqOverflow = dlqOverflow
    }

    /// A new guard.
    package static let initial = Control(
      lifecycle: .notStarted, compilation: .idle, hasRules: false, dlqOverflow: false)

    /// Every control state (48), reachable or not.
    package static let allCases: [Control] = Lifecycle.allCases.flatMap { lifecycle in
      Compilation.allCases.flatMap { compilation in
        [false, true].flatMap { hasRules in
          [false, true].map { dlqOverflow in
            Control(
              lifecycle: lifecycle, compilation: compilation, hasRules: hasRules,
              dlqOverflow: dlqOverflow)
          }
        }
      }
    }

    /// The state and reason the guard shows (health, decisions, logs).
    package var status: Status {
      switch lifecycle {
      case .notStarted, .starting: return Status(state: .uninitialized, reason: .notStarted)
      case .bypassed: return Status(state: .bypassed, reason: nil)
      case .running:
        if !hasRules { return Status(state: .degraded, reason: .compileFailed) }
        if dlqOverflow { return Status(state: .degraded, reason: .dlqOverflow) }
        return Status(state: .ready, reason: nil)
      }
    }

    package var description: String {
      "\(lifecycle) \(compilation) rules=\(hasRules ? 1 : 0) dlq_overflow=\(dlqOverflow ? 1 : 0)"
    }
  }

  /// What the guard shows: its state and why it is not ready.
  package struct Status: Hashable, Sendable {
    package var state: GuardState
    package var reason: GuardReason?
  }

  /// An event, with its data-dependent questions already answered.
  package enum Event: Hashable, Sendable, CustomStringConvertible {
    /// `start()`. `switchSet`: `EVALUATOR_BYPASS` is exactly `true` or the configuration asks
    /// for bypass; `ignoredValue`: `EVALUATOR_BYPASS` has another value.
    case start(switchSet: Bool, ignoredValue: Bool)
    /// `poll()` at the clock's time: is a compile attempt due, is the bypass reminder due.
    case poll(attemptDue: Bool, reminderDue: Bool)
    /// The source was read (the issue's *source-changed*): `changed` is false when its version
    /// is the rule set in force or the content last rejected.
    case sourceRead(changed: Bool)
    /// The source compiled; `sameVersion`: it is the version already in force.
    case compileSucceeded(sameVersion: Bool)
    /// The source could not be read (`readable` false) or did not compile.
    case compileFailed(readable: Bool)
    /// A pending-reconciliation (DLQ) count was reported.
    case pendingReported(overThreshold: Bool)
    /// A snapshot is to be checked.
    case check(reminderDue: Bool)
    /// The rule set handed out by `check` evaluated the snapshot: `holds` is the fast path's
    /// answer, `failuresFound` whether the explaining evaluation named any failing invariant.
    case checkEvaluated(holds: Bool, failuresFound: Bool)

    /// Every event (22).
    package static let allCases: [Event] = {
      let flags = [false, true]
      var events: [Event] = []
      for a in flags { for b in flags { events.append(.start(switchSet: a, ignoredValue: b)) } }
      for a in flags { for b in flags { events.append(.poll(attemptDue: a, reminderDue: b)) } }
      for a in flags { events.append(.sourceRead(changed: a)) }
      for a in flags { events.append(.compileSucceeded(sameVersion: a)) }
      for a in flags { events.append(.compileFailed(readable: a)) }
      for a in flags { events.append(.pendingReported(overThreshold: a)) }
      for a in flags { events.append(.check(reminderDue: a)) }
      for a in flags {
        for b in flags { events.append(.checkEvaluated(holds: a, failuresFound: b)) }
      }
      return events
    }()

    package var description: String {
      func bit(_ flag: Bool) -> Int { flag ? 1 : 0 }
      switch self {
      case .start(let a, let b): return "start(switch_set=\(bit(a)), ignored_value=\(bit(b)))"
      case .poll(let a, let b): return "poll(attempt_due=\(bit(a)), reminder_due=\(bit(b)))"
      case .sourceRead(let a): return "source_read(changed=\(bit(a)))"
      case .compileSucceeded(let a): return "compile_succeeded(same_version=\(bit(a)))"
      case .compileFailed(let a): return "compile_failed(readable=\(bit(a)))"
      case .pendingReported(let a): return "pending_reported(over_threshold=\(bit(a)))"
      case .check(let a): return "check(reminder_due=\(bit(a)))"
      case .checkEvaluated(let a, let b):
        return "check_evaluated(holds=\(bit(a)), failures_found=\(bit(b)))"
      }
    }
  }

  /// What a transition asks for. The driver performs the effects present in the order of their
  /// bits (`scheduleAttempt` first, `decideBypassed` last); the data effects change the
  /// guard's data under its lock, the others are performed after the lock is released.
  package struct Effects: OptionSet, Hashable, Sendable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    // Data, applied under the lock.
    /// The next compile attempt is due one retry interval from now.
    package static let scheduleAttempt = Effects(rawValue: 1 << 0)
    /// The bypass warning was given now.
    package static let noteBypassWarning = Effects(rawValue: 1 << 1)
    /// Store the reported pending-reconciliation count.
    package static let storePendingCount = Effects(rawValue: 1 << 2)
    /// The compiled rule set goes into force (whole); the last error and rejection are cleared.
    package static let installRules = Effects(rawValue: 1 << 3)
    /// Remember the compile or read error (health's `lastCompileError`).
    package static let recordError = Effects(rawValue: 1 << 4)
    /// Remember the version that failed, so unchanged bad content is not recompiled.
    package static let recordRejected = Effects(rawValue: 1 << 5)
    // Logs and metrics, performed after the lock is released, in this order.
    /// `conservation_guard_bypass_active` 1.
    package static let setBypassGauge = Effects(rawValue: 1 << 6)
    /// The critical `EVALUATOR_BYPASS active` line, at start.
    package static let warnBypass = Effects(rawValue: 1 << 7)
    /// The same line as a periodic reminder.
    package static let remindBypass = Effects(rawValue: 1 << 8)
    /// `compile_attempts_total{result=success}` +1.
    package static let countCompileSuccess = Effects(rawValue: 1 << 9)
    /// `compile_attempts_total{result=failure}` +1.
    package static let countCompileFailure = Effects(rawValue: 1 << 10)
    /// One `compile_error` line per error.
    package static let logCompileErrors = Effects(rawValue: 1 << 11)
    /// `rules_reloaded`.
    package static let logRulesReloaded = Effects(rawValue: 1 << 12)
    /// `reload_failed` (the last good rules stay in force).
    package static let logReloadFailed = Effects(rawValue: 1 << 13)
    /// `conservation_guard_state` (1 ready, 0 otherwise), on every change of status.
    package static let setStateGauge = Effects(rawValue: 1 << 14)
    /// `circuit=open`: entering degraded or changing its reason.
    package static let logCircuitOpen = Effects(rawValue: 1 << 15)
    /// `circuit=closed`: entering ready from degraded.
    package static let logCircuitClosed = Effects(rawValue: 1 << 16)
    /// `state=ready`: entering ready from uninitialized.
    package static let logStateReady = Effects(rawValue: 1 << 17)
    /// `state=…`: entering bypassed or uninitialized.
    package static let logStateChanged = Effects(rawValue: 1 << 18)
    /// `bypass_ignored`: `EVALUATOR_BYPASS` set to something other than exactly `true`.
    package static let warnBypassIgnored = Effects(rawValue: 1 << 19)
    // Work for the driver, which answers with the next event.
    /// Read the rule source; answer `sourceRead` or `compileFailed(readable: false)`.
    package static let readSource = Effects(rawValue: 1 << 20)
    /// Compile what was read; answer `compileSucceeded` or `compileFailed(readable: true)`.
    package static let compile = Effects(rawValue: 1 << 21)
    /// Evaluate the snapshot with the outcome's rule set; answer `checkEvaluated`.
    package static let evaluate = Effects(rawValue: 1 << 22)
    /// `checks_total{invariant}` +1 for every invariant of the evaluated rule set.
    package static let countInvariantsChecked = Effects(rawValue: 1 << 23)
    // The check's answer (at most one).
    /// `pass`, labelled with the outcome's rule set.
    package static let decidePass = Effects(rawValue: 1 << 24)
    /// `violation` with the failures found, labelled with the outcome's rule set; one
    /// `HARD_FAIL` line and `violations_total` +1 per failure.
    package static let decideViolation = Effects(rawValue: 1 << 25)
    /// `violation` naming the evaluator's inconsistency (the fast path failed, the explaining
    /// evaluation found nothing): never a pass on disagreement.
    package static let decideInconsistent = Effects(rawValue: 1 << 26)
    /// `unavailable` with the status's reason (HTTP 503).
    package static let decideUnavailable = Effects(rawValue: 1 << 27)
    /// `bypassed`: nothing was checked.
    package static let decideBypassed = Effects(rawValue: 1 << 28)

    /// Every effect with its name, in bit (performance) order.
    package static let named: [(effect: Effects, name: String)] = [
      (.scheduleAttempt, "schedule_attempt"), (.noteBypassWarning, "note_bypass_warning"),
      (.storePendingCount, "store_pending_count"), (.installRules, "install_rules"),
      (.recordError, "record_error"), (.recordRejected, "record_rejected"),
      (.setBypassGauge, "set_bypass_gauge"), (.warnBypass, "warn_bypass"),
      (.remindBypass, "remind_bypass"), (.countCompileSuccess, "count_compile_success"),
      (.countCompileFailure, "count_compile_failure"), (.logCompileErrors, "log_compile_errors"),
      (.logRulesReloaded, "log_rules_reloaded"), (.logReloadFailed, "log_reload_failed"),
      (.setStateGauge, "set_state_gauge"), (.logCircuitOpen, "log_circuit_open"),
      (.logCircuitClosed, "log_circuit_closed"), (.logStateReady, "log_state_ready"),
      (.logStateChanged, "log_state_changed"), (.warnBypassIgnored, "warn_bypass_ignored"),
      (.readSource, "read_source"), (.compile, "compile"), (.evaluate, "evaluate"),
      (.countInvariantsChecked, "count_invariants_checked"), (.decidePass, "decide_pass"),
      (.decideViolation, "decide_violation"), (.decideInconsistent, "decide_inconsistent"),
      (.decideUnavailable, "decide_unavailable"), (.decideBypassed, "decide_bypassed"),
    ]

    /// The effects that answer a check (bits 24–28).
    package static let decisions = Effects(rawValue: 0b1_1111 << 24)

    // The sets below are written as one constant (not `[.a, .b]`), so using them on the check
    // path costs no lazy initialization.
    /// The data effects, applied under the lock (bits 0–5).
    package static let data = Effects(rawValue: 0b11_1111)

    /// The effects that log or record a metric, performed after the lock is released: bits
    /// 6–19 (`setBypassGauge` … `warnBypassIgnored`), `countInvariantsChecked` and
    /// `decideViolation` (`GuardTableTests` checks the bits against the names).
    package static let logsAndMetrics = Effects(
      rawValue: 0b1111_1111_1111_1100_0000 | 1 << 23 | 1 << 25)
  }

  /// Which rule set `evaluate` and the pass/violation decisions refer to.
  package enum RuleSetOperand: UInt8, Hashable, Sendable {
    /// None (no effect that needs one).
    case none
    /// The rule set in force when the transition is taken (captured whole, under the lock).
    case inForce
    /// The rule set the `checkEvaluated` event says evaluated the snapshot.
    case evaluated
  }

  /// A transition's result.
  package struct Outcome: Hashable, Sendable {
    package var control: Control
    package var effects: Effects
    package var ruleSet: RuleSetOperand

    package init(control: Control, effects: Effects, ruleSet: RuleSetOperand = .none) {
      self.control = control
      self.effects = effects
      self.ruleSet = ruleSet
    }
  }

  /// A table: the production one is ``transition(_:_:)``; the model checker also verifies
  /// deliberately broken variants.
  package typealias Transition = @Sendable (Control, Event) -> Outcome

  /// The table. Every `(control, event)` pair has exactly one outcome; events that make no
  /// sense in a control state (a compile result with no attempt in flight) change nothing.
  package static func transition(_ control: Control, _ event: Event) -> Outcome {
    var next = control
    var effects: Effects = []
    var ruleSet = RuleSetOperand.none
    switch event {
    case .start(let switchSet, let ignoredValue):
      guard control.lifecycle == .notStarted, control.compilation == .idle else { break }
      if switchSet {
        next.lifecycle = .bypassed
        effects.formUnion([.noteBypassWarning, .setBypassGauge, .warnBypass])
      } else {
        next.lifecycle = .starting
        next.compilation = .reading
        effects.formUnion([.scheduleAttempt, .readSource])
      }
      if ignoredValue { effects.insert(.warnBypassIgnored) }

    case .poll(let attemptDue, let reminderDue):
      switch control.lifecycle {
      case .bypassed:
        if reminderDue { effects.formUnion([.noteBypassWarning, .remindBypass]) }
      case .running:
        // A retry while degraded, a reload check while ready; never two attempts at once.
        if attemptDue && control.compilation == .idle {
          next.compilation = .reading
          effects.formUnion([.scheduleAttempt, .readSource])
        }
      case .notStarted, .starting:
        break
      }

    case .sourceRead(let changed):
      guard control.compilation == .reading else { break }
      if control.hasRules && !changed {
        // The rules in force, or content already rejected: nothing to do until it changes.
        next.compilation = .idle
      } else {
        next.compilation = .compiling
        effects.insert(.compile)
      }

    case .compileSucceeded(let sameVersion):
      guard control.compilation == .compiling else { break }
      next.compilation = .idle
      next.hasRules = true
      if control.lifecycle == .starting { next.lifecycle = .running }
      effects.formUnion([.installRules, .countCompileSuccess])
      if control.hasRules && !sameVersion { effects.insert(.logRulesReloaded) }

    case .compileFailed(let readable):
      guard control.compilation == (readable ? .compiling : .reading) else { break }
      next.compilation = .idle
      if control.lifecycle == .starting { next.lifecycle = .running }
      effects.formUnion([.recordError, .countCompileFailure, .logCompileErrors])
      // A failed reload keeps the last good rules in force.
      if control.hasRules { effects.formUnion([.recordRejected, .logReloadFailed]) }

    case .pendingReported(let overThreshold):
      next.dlqOverflow = overThreshold
      effects.insert(.storePendingCount)

    case .check(let reminderDue):
      switch control.status.state {
      case .ready:
        effects.insert(.evaluate)
        ruleSet = .inForce
      case .bypassed:
        if reminderDue { effects.formUnion([.noteBypassWarning, .remindBypass]) }
        effects.insert(.decideBypassed)
      case .uninitialized, .degraded:
        effects.insert(.decideUnavailable)
      }

    case .checkEvaluated(let holds, let failuresFound):
      effects.insert(.countInvariantsChecked)
      // The guard may have left ready while the snapshot was evaluated: decide again.
      switch control.status.state {
      case .ready:
        ruleSet = .evaluated
        if holds {
          effects.insert(.decidePass)
        } else if failuresFound {
          effects.insert(.decideViolation)
        } else {
          effects.insert(.decideInconsistent)
        }
      case .bypassed:
        effects.insert(.decideBypassed)
      case .uninitialized, .degraded:
        effects.insert(.decideUnavailable)
      }
    }
    effects.formUnion(publication(from: control.status, to: next.status))
    return Outcome(control: next, effects: effects, ruleSet: ruleSet)
  }

  /// The logs and gauge of a change of status: nothing when it did not change.
  package static func publication(from previous: Status, to current: Status) -> Effects {
    guard previous != current else { return [] }
    switch current.state {
    case .degraded: return [.setStateGauge, .logCircuitOpen]
    case .ready:
      return [.setStateGauge, previous.state == .degraded ? .logCircuitClosed : .logStateReady]
    case .bypassed, .uninitialized: return [.setStateGauge, .logStateChanged]
    }
  }
}
