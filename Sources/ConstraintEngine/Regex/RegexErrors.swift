/// A regular expression that could not be compiled, with the position of the problem inside the
/// pattern: the compiler's own error, which the checker maps into a rule's string literal and
/// ``CompiledRegex/init(pattern:limits:)`` throws as a ``Diagnostic`` (``diagnostic(in:)``).
struct RegexCompileError: Error, Sendable, Hashable, CustomStringConvertible {
  /// PCRE2's message (or the engine's, for patterns rejected before PCRE2 sees them).
  var message: String
  /// Offset of the problem in the pattern, in UTF-8 bytes from the start of the pattern.
  var patternUTF8Offset: Int
  /// The same offset as a count of Unicode scalars from the start of the pattern.
  var patternScalarOffset: Int

  /// An error at the given offsets.
  init(message: String, patternUTF8Offset: Int, patternScalarOffset: Int) {
    self.message = message
    self.patternUTF8Offset = patternUTF8Offset
    self.patternScalarOffset = patternScalarOffset
  }

  /// An error at `utf8Offset` in `pattern`; the scalar offset counts the scalars that start
  /// before that byte.
  init(message: String, pattern: String, utf8Offset: Int) {
    let clamped = max(0, min(utf8Offset, pattern.utf8.count))
    var scalars = 0
    for byte in pattern.utf8.prefix(clamped) where byte & 0xC0 != 0x80 {
      scalars += 1
    }
    self.init(message: message, patternUTF8Offset: clamped, patternScalarOffset: scalars)
  }

  /// The error as a diagnostic (``DiagnosticCode/invalidRegex``) about `pattern`, the text
  /// compiled: its range is the offending character (empty at the end of the pattern), with
  /// the line and column of that character in the pattern.
  func diagnostic(in pattern: String) -> Diagnostic {
    let bytes = pattern.utf8
    var end = min(patternUTF8Offset + 1, bytes.count)
    while end < bytes.count, bytes[bytes.index(bytes.startIndex, offsetBy: end)] & 0xC0 == 0x80 {
      end += 1
    }
    let range = SourceRange(
      start: SourceLocation(offset: patternUTF8Offset, in: pattern),
      end: SourceLocation(offset: max(patternUTF8Offset, end), in: pattern))
    return Diagnostic(.invalidRegex, message, at: range)
  }

  /// `message at offset N`.
  var description: String {
    "\(message) at pattern offset \(patternScalarOffset)"
  }
}

/// Why a match ended without an answer. Limits are errors, never a silent `false`.
public enum RegexMatchError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The match limit (``RegexLimits/matchLimit``) was reached.
  case matchLimitExceeded
  /// The interpreter's depth limit (``RegexLimits/depthLimit``) was reached.
  case depthLimitExceeded
  /// The interpreter's heap limit (``RegexLimits/heapLimitKiB``) was reached.
  case heapLimitExceeded
  /// The JIT stack (bounded by ``RegexLimits/heapLimitKiB``) was exhausted.
  case jitStackLimitExceeded
  /// Any other PCRE2 failure, with its error code and message.
  case other(code: Int32, message: String)

  /// A one-line, human-readable explanation.
  public var message: String {
    switch self {
    case .matchLimitExceeded: "regex match limit exceeded"
    case .depthLimitExceeded: "regex depth limit exceeded"
    case .heapLimitExceeded: "regex heap limit exceeded"
    case .jitStackLimitExceeded: "regex JIT stack limit exceeded"
    case .other(let code, let message): "regex match failed (PCRE2 error \(code)): \(message)"
    }
  }

  /// Whether the error is one of the resource limits (as opposed to an internal failure).
  public var isLimit: Bool {
    if case .other = self { return false }
    return true
  }

  /// ``DiagnosticCode/regexMatchLimit`` for a limit, ``DiagnosticCode/internalError`` else.
  public var code: DiagnosticCode { isLimit ? .regexMatchLimit : .internalError }

  /// Same as ``message``.
  public var description: String { message }
}
