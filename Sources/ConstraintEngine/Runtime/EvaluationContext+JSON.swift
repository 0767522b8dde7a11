/// Why a JSON value is not a valid evaluation context, and where in it: the reader's own
/// error, which the public readers throw as a ``Diagnostic`` (``DiagnosticCode/invalidContext``)
/// located in the context document.
struct EvaluationContextError: Error, Sendable, Hashable, CustomStringConvertible {
  /// One step of a path into the context document.
  enum Step: Sendable, Hashable {
    case key(String)
    case index(Int)
  }

  let message: String
  /// The value the problem is with, as a path from the document's root (empty: the document
  /// as a whole).
  var path: [Step]
  /// Whether the problem is the path's last key itself (a key the format does not have)
  /// rather than its value.
  var isKey: Bool

  init(_ message: String, at path: [Step] = [], isKey: Bool = false) {
    self.message = message
    self.path = path
    self.isKey = isKey
  }

  var description: String { message }

  /// The error as a diagnostic whose range is the offending value (or key) in `document`, the
  /// context document read with its ranges; the document's start without one.
  func diagnostic(in document: LocatedJSON?) -> Diagnostic {
    guard var node = document else {
      return Diagnostic(.invalidContext, message, at: SourceRange(at: .start))
    }
    var range = node.range
    for step in path {
      switch (step, node.kind) {
      case (.key(let key), .object):
        guard let member = node[key] else { break }
        node = member.value
        range = isKey && step == path.last ? member.keyRange : node.range
        continue
      case (.index(let index), .array(let elements)) where elements.indices.contains(index):
        node = elements[index]
        range = node.range
        continue
      default: break
      }
      break
    }
    return Diagnostic(.invalidContext, message, at: range)
  }
}

extension EvaluationContext {
  /// Reads a context from a value, as ``init(document:limits:)`` reads one from a document's
  /// text; a value has no text, so a diagnostic (``DiagnosticCode/invalidContext``) about it
  /// is at the start. Read the document's text with ``init(document:limits:)`` or
  /// ``init(contentsOfFile:limits:)`` to have the offending value's range.
  public init(json: Value) throws(Diagnostic) {
    do throws(EvaluationContextError) {
      try self.init(checking: json)
    } catch {
      throw error.diagnostic(in: nil)
    }
  }

  /// Reads a context from the JSON document `text` (the format: ``init(checking:)``). A
  /// document that is not JSON is a diagnostic ``DiagnosticCode/invalidJSON``; one that is
  /// not a context, ``DiagnosticCode/invalidContext``; either with its exact range in `text`.
  public init(document text: String, limits: JSONLimits = .default) throws(Diagnostic) {
    let value = try JSONReader.read(text, limits: limits)
    try self.init(value, readFrom: text, limits: limits)
  }

  /// Reads a context from the JSON document in the file at `path`, as
  /// ``init(document:limits:)`` does; a file that cannot be read is a diagnostic
  /// ``DiagnosticCode/invalidJSON`` at its start.
  public init(contentsOfFile path: String, limits: JSONLimits = .default) throws(Diagnostic) {
    let bytes: [UInt8]
    do throws(JSONError) {
      bytes = try JSONReader.readWholeFile(atPath: path, limit: limits.maximumDocumentBytes)
    } catch {
      throw error.diagnostic
    }
    let value = try JSONReader.read(bytes, limits: limits)
    // Read as JSON, the bytes are UTF-8: decoding them loses nothing.
    try self.init(value, readFrom: String(decoding: bytes, as: UTF8.self), limits: limits)
  }

  /// The context `value` holds, read from `text`: the document is read again with its ranges
  /// only when the value is not a context.
  private init(_ value: Value, readFrom text: String, limits: JSONLimits) throws(Diagnostic) {
    do throws(EvaluationContextError) {
      try self.init(checking: value)
    } catch {
      throw error.diagnostic(in: try? JSONReader.readLocated(text, limits: limits))
    }
  }

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
  init(checking json: Value) throws(EvaluationContextError) {
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
            + "format (`\(reference)`); use one of them", at: [.key(native)], isKey: true)
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
          if let reason = Self.nowProblem(text) {
            throw EvaluationContextError("context \(reason)", at: [.key(key)])
          }
          now = text
        default:
          throw EvaluationContextError(
            "context `now` must be a timestamp string, got \(describe(field))", at: [.key(key)])
        }
      case "flags":
        guard case .array(let elements) = field else {
          throw EvaluationContextError(
            "context `flags` must be an array of strings, got \(describe(field))",
            at: [.key(key)])
        }
        for (index, element) in elements.enumerated() {
          guard case .string(let flag) = element else {
            throw EvaluationContextError(
              "context flags[\(index)] must be a string, got \(describe(element))",
              at: [.key(key), .index(index)])
          }
          flags.insert(flag)
        }
      case "state":
        switch field {
        case .null: break
        case .object: state = field
        default:
          throw EvaluationContextError(
            "context `state` must be an object, got \(describe(field))", at: [.key(key)])
        }
      default:
        throw EvaluationContextError(
          "unknown evaluation context key \(truncated(Value.quoted(key))); expected now, "
            + "flags or state (or the reference format's evaluation_timestamp, feature_flags, "
            + "nonce_window, sequence_state, chain_ledger, plan_signoff_ledger)",
          at: [.key(key)], isKey: true)
      }
    }
    self.init(now: now, flags: flags, state: state)
  }

  /// Checks an evaluation timestamp the one way every source of it is checked (a context
  /// file's `now`, the CLI's `--now`): an ISO 8601 timestamp the timestamp builtins accept.
  /// Any other text is a diagnostic (``DiagnosticCode/invalidContext``) covering `text`.
  public static func validateNow(_ text: String) throws(Diagnostic) {
    if let reason = nowProblem(text) {
      throw Diagnostic(.invalidContext, reason, at: SourceRange(covering: text))
    }
  }

  /// Why `text` is not an evaluation timestamp, nil when it is one.
  private static func nowProblem(_ text: String) -> String? {
    guard case .failure(let error) = Timestamp.parse(text) else { return nil }
    return "`now` \(truncated(Value.quoted(text))) is not an ISO 8601 timestamp: it "
      + error.reason
  }
}
