/// What an evaluation may read besides the snapshot: the evaluation time, feature flags and
/// the state that state-bearing builtins consult.
public struct EvaluationContext: Sendable {
  /// The evaluation timestamp (ISO 8601 with `Z` or an offset) returned by `now()` and used
  /// as the default reference time. nil: `now()` reads the wall clock.
  public var now: String?
  /// Feature flags that are on (rule files' `condition.when`).
  public var flags: Set<String>
  /// State for the state-bearing builtins (nonce windows, sequences, sign-offs…), as a JSON
  /// value; `.missing` when none was given, in which case those builtins report *deferred*.
  public var state: Value

  public init(now: String? = nil, flags: Set<String> = [], state: Value = .missing) {
    self.now = now
    self.flags = flags
    self.state = state
  }

  /// No timestamp, no flags, no state.
  public static let empty = EvaluationContext()
}
