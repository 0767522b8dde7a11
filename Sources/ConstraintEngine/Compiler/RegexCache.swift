/// The regular expressions of one program, compiled with it and shared (read-only) by every
/// evaluation of it, from any thread.
package final class RegexCache: Sendable {
  /// The compiled regexes by pattern.
  package let compiled: [String: CompiledRegex]

  init(_ compiled: [String: CompiledRegex]) {
    self.compiled = compiled
  }

  /// Matches a subject value: it must be a string; hitting a match limit is an error. `cost`
  /// is increased by the steps the match took (``CompiledRegex/matches(_:work:)``). The
  /// subject's source text is sliced only for an error message.
  package static func match(
    _ regex: CompiledRegex, subject: Value, subjectText: @autoclosure () -> String,
    subjectRange: SourceRange, callRange: SourceRange, cost: inout Int
  ) -> Evaluated {
    guard case .string(let text) = subject else {
      let message: String
      var code = DiagnosticCode.missingValue
      switch subject {
      case .missing: message = "missing value at `\(subjectText())`"
      case .null: message = "null value at `\(subjectText())`"
      default:
        code = .typeMismatch
        message = "`matches` needs a string subject, but `\(subjectText())` is "
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
