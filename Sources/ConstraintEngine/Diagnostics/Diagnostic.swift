/// The pipeline phase that produced a diagnostic.
public enum DiagnosticPhase: String, Sendable, Hashable, Codable {
  case lex
  case parse
  case check
  case evaluate
  case json
  case ruleFile = "rule-file"
  case regex
}

/// How serious a diagnostic is.
public enum DiagnosticSeverity: String, Sendable, Hashable, Codable {
  case error
  case warning
  case note
}

/// An additional remark attached to a diagnostic, optionally pointing at its own range.
public struct DiagnosticNote: Sendable, Hashable {
  public var message: String
  public var range: SourceRange?

  public init(_ message: String, range: SourceRange? = nil) {
    self.message = message
    self.range = range
  }
}

/// A problem found in a source text or a file: its stable code, a message, the exact range it
/// is about, and notes. Every phase of the engine and every loader reports its problems as
/// diagnostics; an API that finds several returns or throws a collection of them.
///
/// A diagnostic about a text given to the call (an expression, a JSON document) has no
/// ``file``: its ``range`` is in that text. One about a file (a rule file, a rule test file,
/// a path that cannot be read) names the ``file`` and gives the exact ``fileRange`` in it (nil
/// when the problem is with the file as a whole); ``range`` is then the same place, except for
/// a problem inside a rule's expression, where ``range`` and the notes' ranges are in the
/// ``expression`` text and ``fileRange`` is that place mapped into the file, escapes included.
///
/// Diagnostics are values; no library code prints them. ``DiagnosticRenderer`` turns one into
/// text with the source line and a caret under the range.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kind of problem, documented in `docs/DIAGNOSTICS.md`.
  public var code: DiagnosticCode
  /// The phase that found it (``DiagnosticCode/phase`` of the code).
  public var phase: DiagnosticPhase { code.phase }
  public var severity: DiagnosticSeverity
  public var message: String
  public var range: SourceRange
  public var notes: [DiagnosticNote]
  /// Where in a file, boxed: most diagnostics (every evaluation error) have none, and an
  /// outcome carrying a diagnostic stays small.
  private var place: FilePlace?

  public init(
    _ code: DiagnosticCode,
    _ message: String,
    at range: SourceRange,
    severity: DiagnosticSeverity = .error,
    notes: [DiagnosticNote] = []
  ) {
    self.code = code
    self.severity = severity
    self.message = message
    self.range = range
    self.notes = notes
  }

  /// A problem in the file at `path`, at `fileRange` in it (nil: the file as a whole), about
  /// the rule `ruleID` when one is concerned.
  public init(
    _ code: DiagnosticCode,
    _ message: String,
    file path: String,
    at fileRange: SourceRange? = nil,
    rule ruleID: String? = nil,
    severity: DiagnosticSeverity = .error
  ) {
    self.init(code, message, at: fileRange ?? SourceRange(at: .start), severity: severity)
    place = .file(Place(path: path, range: fileRange, ruleID: ruleID, expression: nil))
  }

  /// `diagnostic`, found in a rule's expression `expression` (its ranges are in that text),
  /// placed in the file at `path` where the expression's JSON string sits at `origin`: the
  /// file range is the diagnostic's range mapped exactly into the file.
  public init(
    _ diagnostic: Diagnostic, inExpression expression: String, at origin: JSONStringOrigin,
    file path: String, rule ruleID: String?
  ) {
    self = diagnostic
    place = .file(
      Place(
        path: path, range: origin.fileRange(of: diagnostic.range, in: expression),
        ruleID: ruleID, expression: expression))
  }

  private struct Place: Sendable, Hashable {
    var path: String
    var range: SourceRange?
    var ruleID: String?
    var expression: String?
  }

  private enum FilePlace: Sendable, Hashable {
    indirect case file(Place)

    var value: Place {
      get {
        switch self { case .file(let place): return place }
      }
      set { self = .file(newValue) }
    }
  }

  /// The file the diagnostic is about (its path as given, or a name such as `<stdin>`); nil
  /// for a diagnostic about the text given to the call.
  public var file: String? { place?.value.path }

  /// The exact range in ``file``; nil without a file, or when the problem is with the file as
  /// a whole (it cannot be read, a directory holds no rule files).
  public var fileRange: SourceRange? { place?.value.range }

  /// Where ``fileRange`` starts.
  public var fileLocation: SourceLocation? { fileRange?.start }

  /// The rule the diagnostic is about (its id), when one is.
  public var ruleID: String? {
    get { place?.value.ruleID }
    set { place?.value.ruleID = newValue }
  }

  /// For a problem inside a rule's expression: the expression text, which ``range`` and the
  /// notes' ranges are ranges of.
  public var expression: String? { place?.value.expression }

  /// True when a path or file could not be read at all — missing, unreadable, not a regular
  /// file, over the size limit, a directory without rule files — so nothing in it was
  /// checked; false for a problem in a text that was read. `constraint lint` exits 2 for the
  /// first kind and 1 for the second.
  public var isReadFailure: Bool { code == .ruleFileUnreadable || code == .noRuleFiles }

  /// `error[CE1101]`: the severity and the code, as every renderer starts a diagnostic.
  public var label: String { "\(severity.rawValue)[\(code.rawValue)]" }

  /// `file:line:column: rule ID: message` for a diagnostic about a file (line and column
  /// when it has a place in the file, the rule when it is about one), else
  /// `line:column: error[CE1101]: message`; without the source excerpt.
  public var description: String {
    guard let place = place?.value else { return "\(range.start): \(label): \(message)" }
    var text = place.path
    if let start = place.range?.start { text += ":\(start.line):\(start.column)" }
    text += ": "
    if let ruleID = place.ruleID { text += "rule \(ruleID): " }
    return text + message
  }
}

/// The diagnostics that made an operation fail, in the order found, at least one: what
/// ``Compiler/compile(_:options:)`` throws (a parse error gives exactly one), and what the
/// rule-file loader, ``RuleSet/compile(_:flags:options:keepGoing:)`` and the guard's rule sources throw
/// or fail with (each diagnostic naming its file, see ``Diagnostic/file``).
public struct Diagnostics: Error, Sendable, Hashable, RandomAccessCollection {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) {
    self.diagnostics = diagnostics
  }

  public var startIndex: Int { diagnostics.startIndex }
  public var endIndex: Int { diagnostics.endIndex }
  public subscript(position: Int) -> Diagnostic { diagnostics[position] }
}
