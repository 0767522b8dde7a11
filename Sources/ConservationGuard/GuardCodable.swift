import ConstraintEngine

// The guard's decisions and health as JSON, for services that answer over a network (the
// `constraint-server` sidecar, docs/openapi.yaml) and for their clients. The shapes are the
// ones `constraint guard` prints (without its `line`), keys in snake_case. Decoding is strict:
// an unknown decision, state, reason or outcome, a missing field or a violation without
// failures is an error, never a default.

extension GuardState: Codable {}
extension GuardReason: Codable {}

extension InvariantFailure: Codable {
  private enum CodingKeys: String, CodingKey {
    case invariantID = "invariant"
    case outcome, message, explanation
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let outcome = try container.decode(OutcomeKind.self, forKey: .outcome)
    guard outcome != .pass else {
      throw DecodingError.dataCorruptedError(
        forKey: .outcome, in: container, debugDescription: "a failure's outcome is never `pass`")
    }
    self.init(
      invariantID: try container.decode(String.self, forKey: .invariantID), outcome: outcome,
      message: try container.decode(String.self, forKey: .message),
      explanation: try container.decode(String.self, forKey: .explanation))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(invariantID, forKey: .invariantID)
    try container.encode(outcome, forKey: .outcome)
    try container.encode(message, forKey: .message)
    try container.encode(explanation, forKey: .explanation)
  }
}

extension GuardViolation: Codable {
  private enum CodingKeys: String, CodingKey {
    case ruleSetVersion = "rule_set_version"
    case failures = "violations"
  }

  /// `{"rule_set_version": …, "violations": [{"invariant", "outcome", "message",
  /// "explanation"}, …]}`; an empty `violations` array is refused.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let failures = try container.decode([InvariantFailure].self, forKey: .failures)
    guard !failures.isEmpty else {
      throw DecodingError.dataCorruptedError(
        forKey: .failures, in: container, debugDescription: "a violation names a failure")
    }
    self.init(
      ruleSetVersion: try container.decode(String.self, forKey: .ruleSetVersion),
      failures: failures)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(ruleSetVersion, forKey: .ruleSetVersion)
    try container.encode(failures, forKey: .failures)
  }
}

extension GuardDecision: Codable {
  private enum CodingKeys: String, CodingKey {
    case decision
    case ruleSetVersion = "rule_set_version"
    case reason
    case retryAfterSeconds = "retry_after_seconds"
  }

  /// The `Retry-After` of an `unavailable` decision in whole seconds, rounded up (an HTTP
  /// `Retry-After` is whole seconds, and a refusal never says "retry at once").
  public static func retryAfterSeconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else { return 0 }
    return attoseconds > 0 ? seconds + 1 : seconds
  }

  /// `{"decision": "pass", "rule_set_version": …}`,
  /// `{"decision": "violation", "rule_set_version": …, "violations": […]}`,
  /// `{"decision": "unavailable", "reason": …, "retry_after_seconds": N}` or
  /// `{"decision": "bypassed"}`.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let word = try container.decode(String.self, forKey: .decision)
    switch word {
    case "pass":
      self = .pass(ruleSetVersion: try container.decode(String.self, forKey: .ruleSetVersion))
    case "violation":
      self = .violation(try GuardViolation(from: decoder))
    case "unavailable":
      let seconds = try container.decode(Int64.self, forKey: .retryAfterSeconds)
      guard seconds >= 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .retryAfterSeconds, in: container, debugDescription: "a negative Retry-After")
      }
      self = .unavailable(
        reason: try container.decode(GuardReason.self, forKey: .reason),
        retryAfter: .seconds(seconds))
    case "bypassed":
      self = .bypassed
    default:
      throw DecodingError.dataCorruptedError(
        forKey: .decision, in: container,
        debugDescription: "unknown decision `\(word)` (pass, violation, unavailable, bypassed)")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(word, forKey: .decision)
    switch self {
    case .pass(let version):
      try container.encode(version, forKey: .ruleSetVersion)
    case .violation(let violation):
      try violation.encode(to: encoder)
    case .unavailable(let reason, let retryAfter):
      try container.encode(reason, forKey: .reason)
      try container.encode(Self.retryAfterSeconds(retryAfter), forKey: .retryAfterSeconds)
    case .bypassed:
      break
    }
  }
}

extension GuardHealth: Codable {
  private enum CodingKeys: String, CodingKey {
    case state, reason
    case ruleSetVersion = "rule_set_version"
    case lastCompileError = "last_compile_error"
    case pendingReconciliations = "pending_reconciliations"
  }

  /// Every key is present; `reason`, `rule_set_version` and `last_compile_error` may be null.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let pending = try container.decode(Int.self, forKey: .pendingReconciliations)
    guard pending >= 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .pendingReconciliations, in: container,
        debugDescription: "a negative pending-reconciliation count")
    }
    self.init(
      state: try container.decode(GuardState.self, forKey: .state),
      reason: try container.decode(GuardReason?.self, forKey: .reason),
      ruleSetVersion: try container.decode(String?.self, forKey: .ruleSetVersion),
      lastCompileError: try container.decode(String?.self, forKey: .lastCompileError),
      pendingReconciliations: pending)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(state, forKey: .state)
    try container.encode(reason, forKey: .reason)
    try container.encode(ruleSetVersion, forKey: .ruleSetVersion)
    try container.encode(lastCompileError, forKey: .lastCompileError)
    try container.encode(pendingReconciliations, forKey: .pendingReconciliations)
  }
}
