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
  private struct MutableState: Sendable {
    var started = false
    var bypassed = false
    var rules: GuardRules?
    var lastError: String?
    /// The version of a source that failed to compile while an older rule set stayed in force.
    var rejectedVersion: String?
    var pendingReconciliations = 0
    var nextAttempt: ContinuousClock.Instant?
    var lastBypassWarning: ContinuousClock.Instant?
    /// The state and reason last published (logged and measured).
    var published: (state: GuardState, reason: GuardReason?) = (.uninitialized, .notStarted)
  }

  public let configuration: GuardConfiguration
  private let source: any RuleSource
  private let clock: any GuardClock
  private let logger: Logger
  private let metrics: GuardMetrics
  private let environmentBypass: String?
  private let state = Mutex(MutableState())
  /// Held while a compile attempt runs, so attempts never overlap (checks never wait for it).
  private let compiling = Mutex(false)

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
    let now = clock.now()
    let bypass = configuration.bypass || environmentBypass == "true"
    let alreadyStarted = state.withLock { state -> Bool in
      if state.started { return true }
      state.started = true
      state.bypassed = bypass
      state.nextAttempt = now.advanced(by: configuration.retryInterval)
      if bypass {
        state.lastBypassWarning = now
        metrics.bypass.record(1)
        warnBypass(initial: true)
        publish(&state)
      }
      return false
    }
    guard !alreadyStarted else { return }
    if let value = environmentBypass, value != "true" {
      logger.warning(
        "bypass_ignored",
        metadata: [
          "variable": "\(GuardConfiguration.bypassVariable)",
          "value": "\(LogText.escaped(String(value.prefix(32))))",
          "note": "only the exact value true enables bypass",
        ])
    }
    if !bypass { attemptCompile(at: now, force: true) }
  }

  /// Does what is due at the clock's current time: retries compilation while degraded, looks
  /// for a changed rule source while ready (both every ``GuardConfiguration/retryInterval``),
  /// and repeats the bypass warning. The service calls it periodically (or runs
  /// ``runPolling()``); calling it more often than the interval is harmless.
  public func poll() {
    let now = clock.now()
    enum Due { case nothing, compile(force: Bool) }
    let due = state.withLock { state -> Due in
      guard state.started else { return .nothing }
      if state.bypassed {
        remindOfBypass(&state, now: now)
        return .nothing
      }
      guard let next = state.nextAttempt, now >= next else { return .nothing }
      state.nextAttempt = now.advanced(by: configuration.retryInterval)
      return .compile(force: state.rules == nil)
    }
    if case .compile(let force) = due { attemptCompile(at: now, force: force) }
  }

  /// Calls ``poll()`` on a real-time cadence (ten times per retry interval, at least every
  /// 100 ms) until the task is cancelled: the production driver.
  public func runPolling() async {
    let step = min(configuration.retryInterval / 10, .milliseconds(100))
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
    state.withLock { state in
      state.pendingReconciliations = max(0, count)
      publish(&state)
    }
  }

  /// The guard's current state.
  public var currentState: GuardState {
    state.withLock { effective($0).state }
  }

  /// State, reason, rule-set version and last compile error, for a health endpoint.
  public func health() -> GuardHealth {
    state.withLock { state in
      let current = effective(state)
      return GuardHealth(
        state: current.state, reason: current.reason, ruleSetVersion: state.rules?.version,
        lastCompileError: state.lastError, pendingReconciliations: state.pendingReconciliations)
    }
  }

  // MARK: - Checking

  /// Decides one money movement. `pass` only when the guard is ready and every invariant holds;
  /// `violation` when any invariant fails or cannot be evaluated; `unavailable` when the guard
  /// is not ready; `bypassed` under break-glass bypass.
  public func check(_ snapshot: Value, context: EvaluationContext = .empty) -> GuardDecision {
    let started = ContinuousClock.now
    let (rules, current) = state.withLock { state in (state.rules, effective(state)) }
    let decision: GuardDecision
    switch current.state {
    case .ready:
      decision = evaluate(snapshot, with: rules!, context: context)
    case .bypassed:
      state.withLock { remindOfBypass(&$0, now: clock.now()) }
      decision = .bypassed
    case .uninitialized, .degraded:
      decision = .unavailable(
        reason: current.reason ?? .compileFailed, retryAfter: configuration.retryAfter)
    }
    metrics.decisions(decision).increment()
    metrics.checkDuration.recordNanoseconds(
      (ContinuousClock.now - started).nanosecondsClamped)
    return decision
  }

  private func evaluate(
    _ snapshot: Value, with rules: GuardRules, context: EvaluationContext
  ) -> GuardDecision {
    var failed = false
    for index in rules.invariants.indices {
      metrics.checksByIndex[index].increment()
      if !rules.invariants[index].program.holds(snapshot, context: context) { failed = true }
    }
    guard failed else { return .pass(ruleSetVersion: rules.version) }
    var failures: [InvariantFailure] = []
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
      metrics.violationsByIndex[index].increment()
      logHardFail(failure, invariant: invariant, snapshot: snapshot, version: rules.version)
      failures.append(failure)
    }
    if failures.isEmpty {
      // `holds` and `evaluate` disagreed: never pass on disagreement.
      failures.append(
        InvariantFailure(
          invariantID: "guard", outcome: .error, message: "inconsistent evaluation",
          explanation: "an invariant did not hold on the fast path but passed when explained"))
    }
    return .violation(GuardViolation(ruleSetVersion: rules.version, failures: failures))
  }

  private func logHardFail(
    _ failure: InvariantFailure, invariant: GuardRules.Invariant, snapshot: Value,
    version: String
  ) {
    var metadata: Logger.Metadata = [
      "invariant": "\(failure.invariantID)",
      "outcome": "\(failure.outcome.rawValue)",
      "rule_set_version": "\(version)",
    ]
    for field in invariant.loggedFields {
      metadata[field.logKey] = "\(field.summary(in: snapshot))"
    }
    logger.error("HARD_FAIL", metadata: metadata)
  }

  // MARK: - Compiling

  private func attemptCompile(at now: ContinuousClock.Instant, force: Bool) {
    let acquired = compiling.withLock { busy -> Bool in
      if busy { return false }
      busy = true
      return true
    }
    guard acquired else { return }
    defer { compiling.withLock { $0 = false } }

    let files: [RuleSourceFile]
    switch source.read() {
    case .success(let read): files = read
    case .failure(let error):
      recordFailure([error], version: nil)
      return
    }
    let version = GuardRules.version(of: files)
    if !force {
      let unchanged = state.withLock { state in
        state.rules?.version == version || state.rejectedVersion == version
      }
      if unchanged { return }
    }
    switch GuardRules.compile(
      files, version: version, required: configuration.invariants, schema: configuration.schema,
      flags: configuration.flags)
    {
    case .success(let rules):
      metrics.compileSuccess.increment()
      state.withLock { state in
        let previous = state.rules?.version
        state.rules = rules
        state.lastError = nil
        state.rejectedVersion = nil
        if let previous, previous != version {
          logger.notice(
            "rules_reloaded",
            metadata: [
              "rule_set_version": "\(version)", "previous_version": "\(previous)",
              "source": "\(source.name)",
            ])
        }
        publish(&state)
      }
    case .failure(let failure):
      recordFailure(failure.errors, version: version)
    }
  }

  private func recordFailure(_ errors: [RuleFileError], version: String?) {
    metrics.compileFailure.increment()
    for error in errors {
      logger.error("compile_error", metadata: Self.metadata(of: error))
    }
    let summary = errors.first.map(\.description) ?? "unknown error"
    state.withLock { state in
      state.lastError = summary
      if let inForce = state.rules {
        state.rejectedVersion = version
        logger.warning(
          "reload_failed",
          metadata: [
            "kept_version": "\(inForce.version)", "rejected_version": "\(version ?? "unreadable")",
            "errors": "\(errors.count)", "error": "\(LogText.escaped(summary))",
          ])
      }
      publish(&state)
    }
  }

  /// `file`, `line`, `column`, `rule`, `message` of a rule-file error; for an expression error
  /// the line and column point at the offending token inside the expression's JSON string.
  /// Text from the rule source has its control characters escaped.
  static func metadata(of error: RuleFileError) -> Logger.Metadata {
    var metadata: Logger.Metadata = [
      "file": "\(LogText.escaped(error.file))", "message": "\(LogText.escaped(error.message))",
    ]
    if let rule = error.ruleID { metadata["rule"] = "\(LogText.escaped(rule))" }
    if var location = error.location {
      if let diagnostic = error.diagnostic, diagnostic.range.start.line == 1 {
        // The expression starts after the opening quote of its JSON string.
        location.column += diagnostic.range.start.column
      }
      metadata["line"] = "\(location.line)"
      metadata["column"] = "\(location.column)"
    }
    if let diagnostic = error.diagnostic {
      metadata["expression_column"] = "\(diagnostic.range.start.column)"
    }
    return metadata
  }

  // MARK: - State

  private func effective(_ state: MutableState) -> (state: GuardState, reason: GuardReason?) {
    if !state.started { return (.uninitialized, .notStarted) }
    if state.bypassed { return (.bypassed, nil) }
    if state.rules == nil { return (.degraded, .compileFailed) }
    if state.pendingReconciliations > configuration.dlqThreshold {
      return (.degraded, .dlqOverflow)
    }
    return (.ready, nil)
  }

  /// Logs and measures a change of state or reason. The message names the event
  /// (`circuit=open`, `circuit=closed`, `state=ready`…); the metadata never repeats it.
  private func publish(_ state: inout MutableState) {
    let current = effective(state)
    let previous = state.published
    guard current.state != previous.state || current.reason != previous.reason else { return }
    state.published = current
    metrics.state.record(current.state == .ready ? 1 : 0)
    var metadata: Logger.Metadata = [
      "state": "\(current.state.rawValue)", "previous_state": "\(previous.state.rawValue)",
    ]
    if let reason = current.reason { metadata["reason"] = "\(reason.rawValue)" }
    if let version = state.rules?.version { metadata["rule_set_version"] = "\(version)" }
    switch current.state {
    case .degraded:
      if current.reason == .compileFailed, let error = state.lastError {
        metadata["error"] = "\(LogText.escaped(error))"
      }
      if current.reason == .dlqOverflow {
        metadata["pending_reconciliations"] = "\(state.pendingReconciliations)"
        metadata["threshold"] = "\(configuration.dlqThreshold)"
      }
      metadata["retry_after_seconds"] = "\(configuration.retryAfter.components.seconds)"
      logger.error("circuit=open", metadata: metadata)
    case .ready:
      if previous.state == .degraded {
        logger.notice("circuit=closed", metadata: metadata)
      } else {
        metadata["state"] = nil
        logger.info("state=ready", metadata: metadata)
      }
    case .bypassed, .uninitialized:
      metadata["state"] = nil
      logger.info("state=\(current.state.rawValue)", metadata: metadata)
    }
  }

  private func remindOfBypass(_ state: inout MutableState, now: ContinuousClock.Instant) {
    guard state.bypassed else { return }
    if let last = state.lastBypassWarning, now - last < configuration.bypassWarningInterval {
      return
    }
    state.lastBypassWarning = now
    warnBypass(initial: false)
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

extension Duration {
  /// Whole nanoseconds, clamped to `Int64`.
  fileprivate var nanosecondsClamped: Int64 {
    let (seconds, attoseconds) = components
    guard seconds < Int64.max / 1_000_000_000 else { return Int64.max }
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }
}
