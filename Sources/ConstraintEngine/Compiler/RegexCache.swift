/// The regular expressions of one program, compiled with it and shared (read-only) by every
/// evaluation of it, from any thread.
final class RegexCache: Sendable {
  let compiled: [String: CompiledRegex]

  init(_ compiled: [String: CompiledRegex]) {
    self.compiled = compiled
  }

  /// `matches(subject, 'pattern')` for the reference interpreter, which looks the compiled
  /// pattern up by its text.
  func match(
    pattern: String, subject: Value, subjectText: String, subjectRange: SourceRange,
    patternRange: SourceRange, callRange: SourceRange, cost: inout Int
  ) -> Evaluated {
    guard let regex = compiled[pattern] else {
      return .failure(
        EvaluationFailure(
          .internalError, "pattern was not compiled with the program", at: patternRange))
    }
    return RegexCache.match(
      regex, subject: subject, subjectText: subjectText, subjectRange: subjectRange,
      callRange: callRange, cost: &cost)
  }

  /// Matches a subject value: it must be a string; hitting a match limit is an error. `cost`
  /// is increased by the steps the match took (``CompiledRegex/matches(_:work:)``).
  static func match(
    _ regex: CompiledRegex, subject: Value, subjectText: String, subjectRange: SourceRange,
    callRange: SourceRange, cost: inout Int
  ) -> Evaluated {
    guard case .string(let text) = subject else {
      let message: String
      var code = DiagnosticCode.missingValue
      switch subject {
      case .missing: message = "missing value at `\(subjectText)`"
      case .null: message = "null value at `\(subjectText)`"
      default:
        code = .typeMismatch
        message = "`matches` needs a string subject, but `\(subjectText)` is "
          + article(subject.typeName)
      }
      return .failure(EvaluationFailure(code, message, at: subjectRange))
    }
    do {
      return .value(.bool(try regex.matches(text, work: &cost)))
    } catch {
      return .failure(EvaluationFailure(error.code, error.message, at: callRange))
    }
  }
}
