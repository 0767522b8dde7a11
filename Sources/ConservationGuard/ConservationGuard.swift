import ConstraintEngine
import CoreMetrics
import Foundation
import Logging
import Synchronization

/// The fail-closed circuit breaker a billing service puts in front of every reserve, commit and
/// payment: it compiles the billing rule set, checks each snapshot against the invariants, and
/// refuses (`unavailable`) whenever it cannot decide. See docs/GUARD.md for the runbook.
///
/// Thread-safe: ``check(_:)`` may be called from any number of threads while ``poll()`` swaps
/// the rule set; each decision comes from one whole rule set.
public final class ConservationGuard: Sendable {
  /// What the state lock protects: the table's state and the steps whose logs and metrics
  /// are waiting to be performed, in transition order.
  private struct Locked: Sendable {
    var machine: GuardMachine
    var outbox: [GuardStep] = []
  }

  public let configuration: GuardConfiguration
  private let source: any RuleSource
  private let clock: any GuardClock
  private let logger: Logger
  private let metrics: GuardMetrics
  private let environmentBypass: String?
  /// Held only to take a transition (``GuardTable``): never while logging, recording a metric,
  /// reading the source, compiling or evaluating.
  private let state: Mutex<Locked>
  /// Held while the outbox's logs and metrics are performed, so they come out in transition
  /// order (a gauge never ends on a stale value). Checks that pass never take it.
  private let publishing = Mutex(())

  /// Creates an uninitialized guard; call ``start()``.
  ///
  /// - Parameters:
  ///   - source: where the rules come from (``DirectoryRuleSource`` for a directory).
  ///   - environment: read once, at ``start()``, for `EVALUATOR_BYPASS`.
  ///   - clock: drives the retry cadence and the bypass reminder.
  ///   - metrics: the metrics backend (default: the process-wide `MetricsSystem`).
  public init(
    source: any RuleSource, configuration: GuardConfiguration = GuardConfiguration(),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    clock: any GuardClock = SystemGuardClock(),
    logger: Logger = Logger(label: "conservation-guard"),
    metrics: (any MetricsFactory)? = nil
  ) {
    self.source = source
    self.configuration = configuration
    self.clock = clock
    self.logger = logger
    self.environmentBypass = environment[GuardConfiguration.bypassVariable]
    self.state = Mutex(Locked(machine: GuardMachine(configuration: configuration)))
    self.metrics = GuardMetrics(
      factory: metrics ?? MetricsSystem.factory, invariants: configuration.invariants)
    self.metrics.state.record(0)
    self.metrics.bypass.record(0)
  }

  /// Creates an uninitialized guard over the rule files of a directory (the default source).
  public convenience init(
    rulesDirectory: String, configuration: GuardConfiguration = GuardConfiguration(),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    clock: any GuardClock = SystemGuardClock(),
    logger: Logger = Logger(label: "conservation-guard"),
    metrics: (any MetricsFactory)? = nil
  ) {
    self.init(
      source: DirectoryRuleSource(path: rulesDirectory), configuration: configuration,
      environment: environment, clock: clock, logger: logger, metrics: metrics)
  }

  // MARK: - Lifecycle

  /// Starts the guard: bypassed when `EVALUATOR_BYPASS` is exactly `true` (or the configuration
  /// says so), otherwise compiles the rule source: `ready` on success, `degraded` (circuit open,
  /// retried by ``poll()``) on failure. A second call does nothing.
  public func start() {
    run(.start(now: clock.now(), environmentValue: environmentBypass))
  }

  /// Does what is due at the clock's current time: retries compilation while degraded, looks
  /// for a changed rule source while ready (both every ``GuardConfiguration/retryInterval``),
  /// and repeats the bypass warning. The service calls it periodically (or runs
  /// ``runPolling()``); calling it more often than the interval is harmless.
  public func poll() {
    run(.poll(now: clock.now()))
  }

  /// Calls ``poll()`` on a real-time cadence (ten times per retry interval, at least every
  /// 100 ms) until the task is cancelled: the production driver.
  public func runPolling() async {
    let step = min(configuration.effectiveRetryInterval / 10, .milliseconds(100))
    while !Task.isCancelled {
      poll()
      try? await Task.sleep(for: step)
    }
  }

  /// ``start()``s the guard and launches a detached task running ``runPolling()``; cancel the
  /// task to stop polling.
  @discardableResult
  public func startWithBackgroundPolling() -> Task<Void, Never> {
    start()
    return Task.detached { [self] in await self.runPolling() }
  }

  /// Records the service's pending-reconciliation (DLQ) count: above
  /// ``GuardConfiguration/dlqThreshold`` the guard is degraded (`dlq_overflow`); at or below it,
  /// with rules compiled, it is ready again.
  public func reportPendingReconciliations(_ count: Int) {
    run(.pendingReported(count))
  }

  /// The guard's current state.
  public var currentState: GuardState {
    state.withLock { $0.machine.status.state }
  }

  /// What a snapshot arriving as JSON is built of when read projected for the rule set in
  /// force (nil before a compile succeeded).
  package var readProjection: ReadProjection? {
    state.withLock { $0.machine.rules?.projection }
  }

  /// State, reason, rule-set version and last compile error, for a health endpoint.
  public func health() -> GuardHealth {
    state.withLock { locked in
      let machine = locked.machine
      return GuardHealth(
        state: machine.status.state, reason: machine.status.reason,
        ruleSetVersion: machine.rules?.version, lastCompileError: machine.lastError,
        pendingReconciliations: machine.pendingReconciliations)
    }
  }

  // MARK: - Checking

  /// Decides one money movement. `pass` only when the guard is ready and every invariant holds;
  /// `violation` when any invariant fails or cannot be evaluated; `unavailable` when the guard
  /// is not ready; `bypassed` under break-glass bypass.
  ///
  /// The snapshot is used as given: it is never narrowed to what the rules read (see
  /// ``check(json:limits:projectsReads:context:)`` for snapshots that arrive as JSON).
  public func check(_ snapshot: Value, context: EvaluationContext = .empty) -> GuardDecision {
    decide(snapshot, context: context, readWith: nil, rereads: false) { _ in nil }
  }

  /// Decides one money movement whose snapshot arrives as one JSON document, as
  /// ``check(_:context:)`` decides its value. With `projectsReads`, only what the rule set in
  /// force reads (its invariants' paths and logged fields) is built, the rest validated without
  /// being built: the bytes are accepted and refused exactly as a full read does, with the same
  /// error, and the decision is the one the full read gives. Each decision's snapshot is read
  /// through the projection of the very rule set that evaluates it (read again if a reload
  /// swapped the rules between reading and evaluating).
  ///
  /// Bytes that are not one JSON document within `limits`, or a document that is not an
  /// object, are answered without a decision: the guard's state and metrics do not change.
  public func check(
    json bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default, projectsReads: Bool,
    context: EvaluationContext = .empty
  ) -> GuardSnapshotCheck {
    check(json: bytes, projectsReads: projectsReads, context: context) {
      rules throws(Diagnostic) -> Value in
      try JSONReader.read(
        bytes, limits: limits, projectionTable: Self.projectionTable(of: rules, projectsReads))
    }
  }

  /// ``check(json:limits:projectsReads:context:)`` for snapshots read one after another on one
  /// thread (the lines of a stream): `reader` keeps a document reader per projection, its
  /// scratch memory and the keys it has seen, from one snapshot to the next.
  public func check(
    json bytes: UnsafeRawBufferPointer, reader: GuardSnapshotReader,
    context: EvaluationContext = .empty
  ) -> GuardSnapshotCheck {
    check(json: bytes, projectsReads: reader.projectsReads, context: context) {
      rules throws(Diagnostic) -> Value in
      try reader.read(bytes, for: rules)
    }
  }

  /// What is built of a snapshot decided by `rules`, laid out for the reader (nil: the whole
  /// document): the rule set's own projection, laid out when it compiled; when no rule set is
  /// in force, the top level only (the document is only validated: no invariant will read it).
  static func projectionTable(of rules: GuardRules?, _ projectsReads: Bool) -> ProjectionTable? {
    guard projectsReads else { return nil }
    guard let rules else { return topLevelOnly }
    return rules.projectionTable
  }

  /// The projection of a snapshot no rule set reads: its top level only.
  private static let topLevelOnly = ProjectionTable.laidOut(ReadProjection(paths: []))

  private func check(
    json bytes: UnsafeRawBufferPointer, projectsReads: Bool, context: EvaluationContext,
    read: (GuardRules?) throws(Diagnostic) -> Value
  ) -> GuardSnapshotCheck {
    // Read through the projection of the rules in force now; should the check hand out
    // other rules (a reload in between), the snapshot is read again for them.
    let readWith = projectsReads ? state.withLock { $0.machine.rules } : nil
    let snapshot: Value
    do {
      snapshot = try read(readWith)
    } catch {
      return .unreadable(error)
    }
    guard case .object = snapshot else { return .notAnObject(typeName: snapshot.typeName) }
    return .decided(
      decide(snapshot, context: context, readWith: readWith, rereads: projectsReads) { rules in
        try? read(rules)
      })
  }

  /// The decision of a check on `snapshot`, read through the projection of `readWith` when
  /// `rereads` (else read whole); `reread` reads it through another rule set's projection.
  private func decide(
    _ snapshot: Value, context: EvaluationContext, readWith: GuardRules?, rereads: Bool,
    reread: (GuardRules) -> Value?
  ) -> GuardDecision {
    let started = monotonicNanoseconds()
    // The clock is read under the lock only when the table needs the time (a bypass reminder).
    let step = state.withLock { $0.machine.check(now: self.clock.now()) }
    perform(step, evaluated: nil, evaluation: nil)
    var decision = step.decision(evaluation: nil, retryAfter: configuration.retryAfter)
    if decision == nil, step.effects.contains(.evaluate), let rules = step.ruleSet {
      var snapshot = snapshot
      if rereads, rules !== readWith {
        // Read once without error, the same bytes read again the same way; were they not,
        // the check is refused rather than evaluated on a value the rules did not project.
        if let value = reread(rules) {
          snapshot = value
        } else {
          decision = .unavailable(
            reason: step.reason ?? .compileFailed, retryAfter: configuration.retryAfter)
        }
      }
      if decision == nil {
        // Outside the lock, with the whole rule set the table handed out; then the table
        // decides (and refuses if the guard left ready meanwhile).
        let evaluation = GuardEvaluation(snapshot, with: rules, context: context)
        let evaluated = state.withLock { $0.machine.checkEvaluated(rules, evaluation) }
        perform(evaluated, evaluated: rules, evaluation: evaluation)
        decision = evaluated.decision(
          evaluation: evaluation, retryAfter: configuration.retryAfter)
      }
    }
    // The table answers every check; were it ever silent, refuse.
    let answer =
      decision ?? .unavailable(reason: .compileFailed, retryAfter: configuration.retryAfter)
    metrics.decisions(answer).increment()
    metrics.checkDuration.recordNanoseconds(Int64(clamping: monotonicNanoseconds() &- started))
    return answer
  }

  /// A check step's logs and metrics: the bypass reminder, the invariants checked, and a
  /// violation's `HARD_FAIL` lines (performed directly: they need no ordering).
  private func perform(
    _ step: CheckStep, evaluated: GuardRules?, evaluation: GuardEvaluation?
  ) {
    let effects = step.effects
    if effects.isDisjoint(with: GuardTable.Effects.logsAndMetrics) { return }
    if effects.contains(.remindBypass) { warnBypass(initial: false) }
    if effects.contains(.countInvariantsChecked), let evaluated {
      metrics.countChecks(invariants: evaluated.invariants.count)
    }
    if effects.contains(.decideViolation), let evaluation, let version = step.ruleSet?.version {
      for failure in evaluation.failures {
        if failure.index < metrics.violationsByIndex.count {
          metrics.violationsByIndex[failure.index].increment()
        }
        logHardFail(failure, version: version)
      }
    }
  }

  // MARK: - Driving the table

  /// Takes `input`'s transition and performs its effects; a `readSource` or `compile` effect
  /// is answered with the next event, until the table asks for nothing more.
  private func run(_ input: GuardMachine.Input) {
    var next: GuardMachine.Input? = input
    var files: [RuleSourceFile] = []
    while let input = next {
      next = nil
      let step = state.withLock { locked -> GuardStep in
        let step = locked.machine.step(input)
        if !step.effects.isDisjoint(with: GuardTable.Effects.logsAndMetrics) {
          locked.outbox.append(step)
        }
        return step
      }
      publish()
      if step.effects.contains(.readSource) {
        switch source.read() {
        case .success(let read):
          files = read
          next = .sourceRead(version: GuardRules.version(of: files))
        case .failure(let error):
          next = .compileFailed([error], version: nil)
        }
      } else if step.effects.contains(.compile), let version = step.version {
        switch GuardRules.compile(
          files, version: version, required: configuration.invariants,
          schema: configuration.schema, flags: configuration.flags)
        {
        case .success(let rules): next = .compileSucceeded(rules)
        case .failure(let failure): next = .compileFailed(failure.diagnostics, version: version)
        }
      }
    }
  }

  /// Performs the outbox's steps in transition order. Whoever appended a step returns only
  /// after it was performed (by itself or by the caller it waited for).
  private func publish() {
    publishing.withLock { _ in
      let batch = state.withLock { locked -> [GuardStep] in
        var batch: [GuardStep] = []
        swap(&batch, &locked.outbox)
        return batch
      }
      for step in batch { perform(step) }
    }
  }

  /// A lifecycle step's logs and metrics, in effect order.
  private func perform(_ step: GuardStep) {
    let effects = step.effects
    if effects.isDisjoint(with: GuardTable.Effects.logsAndMetrics) { return }
    if effects.contains(.setBypassGauge) { metrics.bypass.record(1) }
    if effects.contains(.warnBypass) { warnBypass(initial: true) }
    if effects.contains(.remindBypass) { warnBypass(initial: false) }
    if effects.contains(.countCompileSuccess) { metrics.compileSuccess.increment() }
    if effects.contains(.countCompileFailure) { metrics.compileFailure.increment() }
    if effects.contains(.logCompileErrors) {
      for error in step.errors {
        logger.error("compile_error", metadata: Self.metadata(of: error))
      }
    }
    if effects.contains(.logRulesReloaded) {
      logger.notice(
        "rules_reloaded",
        metadata: [
          "rule_set_version": "\(step.version ?? "")",
          "previous_version": "\(step.previousVersion ?? "")",
          "source": "\(source.name)",
        ])
    }
    if effects.contains(.logReloadFailed) {
      logger.warning(
        "reload_failed",
        metadata: [
          "kept_version": "\(step.previousVersion ?? "")",
          "rejected_version": "\(step.version ?? "unreadable")",
          "errors": "\(step.errors.count)",
          "error": "\(LogText.escaped(step.lastError ?? "unknown error"))",
        ])
    }
    if effects.contains(.setStateGauge) {
      metrics.state.record(step.current.state == .ready ? 1 : 0)
    }
    if !effects.isDisjoint(with: [
      .logCircuitOpen, .logCircuitClosed, .logStateReady, .logStateChanged,
    ]) {
      logStatusChange(step)
    }
    if effects.contains(.warnBypassIgnored), let value = step.environmentValue {
      logger.warning(
        "bypass_ignored",
        metadata: [
          "variable": "\(GuardConfiguration.bypassVariable)",
          "value": "\(LogText.escaped(String(value.prefix(32))))",
          "note": "only the exact value true enables bypass",
        ])
    }
  }

  private func logHardFail(_ failure: GuardEvaluation.Failure, version: String) {
    var metadata: Logger.Metadata = [
      "invariant": "\(failure.failure.invariantID)",
      "outcome": "\(failure.failure.outcome.rawValue)",
      "rule_set_version": "\(version)",
    ]
    for field in failure.loggedFields {
      metadata[field.key] = "\(field.summary)"
    }
    logger.error("HARD_FAIL", metadata: metadata)
  }

  /// `code`, `file`, `line`, `column`, `rule`, `message` of a rule-file error; for an
  /// expression error the line and column are the offending token's exact place in the file
  /// (``JSONStringOrigin``, escapes accounted for). Text from the rule source has its control
  /// characters escaped.
  static func metadata(of error: Diagnostic) -> Logger.Metadata {
    var metadata: Logger.Metadata = [
      "code": "\(error.code.rawValue)", "file": "\(LogText.escaped(error.file ?? ""))",
      "message": "\(LogText.escaped(error.message))",
    ]
    if let rule = error.ruleID { metadata["rule"] = "\(LogText.escaped(rule))" }
    if let location = error.fileLocation {
      metadata["line"] = "\(location.line)"
      metadata["column"] = "\(location.column)"
    }
    if error.expression != nil {
      metadata["expression_column"] = "\(error.range.start.column)"
    }
    return metadata
  }

  /// The `circuit=open` / `circuit=closed` / `state=…` line of a change of status. The message
  /// names the event; the metadata never repeats it.
  private func logStatusChange(_ step: GuardStep) {
    let current = step.current
    var metadata: Logger.Metadata = [
      "state": "\(current.state.rawValue)", "previous_state": "\(step.previous.state.rawValue)",
    ]
    if let reason = current.reason { metadata["reason"] = "\(reason.rawValue)" }
    if let version = step.ruleSetVersion { metadata["rule_set_version"] = "\(version)" }
    let effects = step.effects
    if effects.contains(.logCircuitOpen) {
      if current.reason == .compileFailed, let error = step.lastError {
        metadata["error"] = "\(LogText.escaped(error))"
      }
      if current.reason == .dlqOverflow {
        metadata["pending_reconciliations"] = "\(step.pendingReconciliations)"
        metadata["threshold"] = "\(configuration.dlqThreshold)"
      }
      metadata["retry_after_seconds"] = "\(configuration.retryAfter.components.seconds)"
      logger.error("circuit=open", metadata: metadata)
    } else if effects.contains(.logCircuitClosed) {
      logger.notice("circuit=closed", metadata: metadata)
    } else if effects.contains(.logStateReady) {
      metadata["state"] = nil
      logger.info("state=ready", metadata: metadata)
    } else {
      metadata["state"] = nil
      logger.info("state=\(current.state.rawValue)", metadata: metadata)
    }
  }

  private func warnBypass(initial: Bool) {
    logger.critical(
      "EVALUATOR_BYPASS active: invariant checking is DISABLED, money moves unchecked",
      metadata: [
        "state": "bypassed", "bypass": "active",
        "source": "\(configuration.bypass ? "configuration" : GuardConfiguration.bypassVariable)",
        "reminder": "\(initial ? "start" : "periodic")",
      ])
  }
}

/// The monotonic clock in nanoseconds, for a check's duration: read directly, without the
/// 128-bit arithmetic of `ContinuousClock.Instant` and `Duration` (a check reads it twice).
private func monotonicNanoseconds() -> UInt64 {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}
