/// Why a JSON value is not a valid evaluation context.
public struct EvaluationContextError: Error, Sendable, Hashable, CustomStringConvertible {
  public let message: String

  public init(_ message: String) { self.message = message }

  /// Always ``DiagnosticCode/invalidContext``.
  public var code: DiagnosticCode { .invalidContext }

  public var description: String { message }
}

extension EvaluationContext {
  /// Reads a context from `{"now": "…", "flags": ["…"], "state": {…}}`; every key optional.
  ///
  /// - `now`: an ISO 8601 timestamp accepted by the timestamp builtins (null: none);
  /// - `flags`: an array of strings, the feature flags that are on;
  /// - `state`: an object for the state-bearing builtins (shape in docs/LANGUAGE.md,
  ///   "State-bearing builtins").
  ///
  /// Any other key, or a value of the wrong type, is an error.
  ///
  /// The TypeScript reference's context format is read too, recognised by its keys
  /// (`evaluation_timestamp`, `feature_flags`, `nonce_window`, `sequence_state`,
  /// `chain_ledger`, `plan_signoff_ledger`; see ``init(referenceJSON:)``). One document may
  /// not mix the two formats.
  public init(json: Value) throws(EvaluationContextError) {
    guard case .object(let object) = json else {
      throw EvaluationContextError(
        "an evaluation context must be a JSON object, got \(describe(json))")
    }
    let keys = object.keys
    if keys.contains(where: Self.referenceKeys.contains) {
      if let native = keys.first(where: Self.nativeKeys.contains) {
        let reference = keys.first(where: Self.referenceKeys.contains)!
        throw EvaluationContextError(
          "the evaluation context mixes this engine's format (`\(native)`) with the reference "
            + "format (`\(reference)`); use one of them")
      }
      try self.init(referenceJSON: object)
      return
    }
    var now: String? = nil
    var flags = Set<String>()
    var state = Value.missing
    for (key, field) in object {
      switch key {
      case "now":
        switch field {
        case .null: break
        case .string(let text):
          do {
            try Self.validateNow(text)
          } catch {
            throw EvaluationContextError("context \(error.message)")
          }
          now = text
        default:
          throw EvaluationContextError(
            "context `now` must be a timestamp string, got \(describe(field))")
        }
      case "flags":
        guard case .array(let elements) = field else {
          throw EvaluationContextError(
            "context `flags` must be an array of strings, got \(describe(field))")
        }
        for (index, element) in elements.enumerated() {
          guard case .string(let flag) = element else {
            throw EvaluationContextError(
              "context flags[\(index)] must be a string, got \(describe(element))")
          }
          flags.insert(flag)
        }
      case "state":
        switch field {
        case .null: break
        case .object: state = field
        default:
          throw EvaluationContextError(
            "context `state` must be an object, got \(describe(field))")
        }
      default:
        throw EvaluationContextError(
          "unknown evaluation context key \(truncated(Value.quoted(key))); expected now, "
            + "flags or state (or the reference format's evaluation_timestamp, feature_flags, "
            + "nonce_window, sequence_state, chain_ledger, plan_signoff_ledger)")
      }
    }
    self.init(now: now, flags: flags, state: state)
  }

  /// Checks an evaluation timestamp the one way every source of it is checked (a context
  /// file's `now`, the CLI's `--now`): an ISO 8601 timestamp the timestamp builtins accept.
  public static func validateNow(_ text: String) throws(EvaluationContextError) {
    if case .failure(let error) = Timestamp.parse(text) {
      throw EvaluationContextError(
        "`now` \(truncated(Value.quoted(text))) is not an ISO 8601 timestamp: it " + error.reason)
    }
  }
}
