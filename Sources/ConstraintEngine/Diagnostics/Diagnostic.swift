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

/// A problem found in a source text: its stable code, a message, the exact range it is about,
/// and notes.
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

  /// `error[CE1101]`: the severity and the code, as every renderer starts a diagnostic.
  public var label: String { "\(severity.rawValue)[\(code.rawValue)]" }

  /// `line:column: error[CE1101]: message`, without the source excerpt.
  public var description: String {
    "\(range.start): \(label): \(message)"
  }
}
