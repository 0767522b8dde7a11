/// Turning builtin failures into evaluation failures, shared by the general evaluator and the
/// reference interpreter (ConstraintEngineTestSupport).
package enum BuiltinCall {
  /// The evaluation failure of a call of `name` whose arguments are at `argumentRanges`.
  package static func failure(
    _ failure: BuiltinFailure, name: String, argumentRanges: [SourceRange], source: String,
    range: SourceRange
  ) -> EvaluationFailure {
    switch failure {
    case .invalidArgument(let index, let message):
      guard index >= 0, index < argumentRanges.count else {
        return EvaluationFailure(.builtinArgument, "`\(name)`: \(message)", at: range)
      }
      let argument = SourceText.slice(source, argumentRanges[index])
      let subject = "`\(name)` argument \(index + 1) (`\(argument)`)"
      // Builtins phrase argument problems as "argument is missing; …" or as a sentence.
      let text =
        message.hasPrefix("argument ")
        ? subject + message.dropFirst("argument".count) : subject + ": " + message
      return EvaluationFailure(.builtinArgument, text, at: argumentRanges[index])
    case .failed(let message):
      return EvaluationFailure(.builtinFailed, "`\(name)`: \(message)", at: range)
    case .deferred(let message):
      return EvaluationFailure(
        .deferred, "`\(name)` deferred: \(message)", at: range, deferred: true)
    }
  }
}
