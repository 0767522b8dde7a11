/// What an evaluation may read besides the snapshot: the evaluation time, feature flags and
/// the state that state-bearing builtins consult.
///
/// The fields live in one immutable shared box, so passing or copying a context (once per
/// evaluation) costs one reference count, not a copy of each field.
public struct EvaluationContext: Sendable {
  private final class Fields: Sendable {
    let now: String?
    let flags: Set<String>
    let state: Value

    init(now: String?, flags: Set<String>, state: Value) {
      self.now = now
      self.flags = flags
      self.state = state
    }
  }

  private var fields: Fields

  /// The evaluation timestamp (ISO 8601 with `Z` or an offset) returned by `now()` and used
  /// as the default reference time. nil: `now()` reads the wall clock.
  public var now: String? {
    get { fields.now }
    set { fields = Fields(now: newValue, flags: fields.flags, state: fields.state) }
  }

  /// Feature flags that are on (rule files' `condition.when`).
  public var flags: Set<String> {
    get { fields.flags }
    set { fields = Fields(now: fields.now, flags: newValue, state: fields.state) }
  }

  /// State for the state-bearing builtins (nonce windows, sequences, sign-offs…), as a JSON
  /// value; `.missing` when none was given, in which case those builtins report *deferred*.
  public var state: Value {
    get { fields.state }
    set { fields = Fields(now: fields.now, flags: fields.flags, state: newValue) }
  }

  public init(now: String? = nil, flags: Set<String> = [], state: Value = .missing) {
    fields = Fields(now: now, flags: flags, state: state)
  }

  /// No timestamp, no flags, no state.
  public static let empty = EvaluationContext()
}
