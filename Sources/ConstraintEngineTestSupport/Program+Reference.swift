import ConstraintEngine

extension Program {
  /// Evaluates with the reference tree-walking interpreter (and, with `explain`, the reference
  /// explanation) instead of the compiled nodes. Both must always agree; tests and the fuzzer
  /// check that they do.
  public func evaluateWithReferenceInterpreter(
    _ snapshot: Value, context: EvaluationContext = .empty, explain: Bool = false
  ) -> Outcome {
    var interpreter = makeReferenceInterpreter(snapshot, context: context)
    let outcome = interpreter.evaluateRule(expression)
    if explain, case .fail = outcome {
      var explaining = makeReferenceInterpreter(snapshot, context: context)
      return .fail(explaining.explainFailure(of: expression))
    }
    return outcome
  }

  private func makeReferenceInterpreter(
    _ snapshot: Value, context: EvaluationContext
  ) -> Interpreter {
    Interpreter(
      source: source, registry: options.registry, types: options.types, snapshot: snapshot,
      context: context, limits: options.evaluationLimits, regexes: regexes)
  }
}
