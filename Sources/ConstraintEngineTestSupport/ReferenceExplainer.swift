import ConstraintEngine

/// The reference explanation: why a rule evaluated to false, found by walking the AST with the
/// reference interpreter, re-evaluating each operand it inspects. The library explains from what
/// the general evaluator recorded (`Explainer`); tests and the fuzzer check that both give the
/// same explanation.
extension Interpreter {
  /// The explanation of a rule that evaluated to false: its first
  /// ``Explanation/maximumItems`` distinct deciding values, and the count of the others.
  mutating func explainFailure(of expr: Expr) -> Explanation {
    var items = ExplanationItems()
    explain(expr, expected: false, context: nil, into: &items)
    return Explanation(items: items.kept, omittedItems: items.omitted)
  }

  /// Records why `expr` evaluated to `expected`.
  private mutating func explain(
    _ expr: Expr, expected: Bool, context: String?, into items: inout ExplanationItems
  ) {
    switch expr.kind {
    case .binary(let op, _, _, _) where op == .and || op == .or:
      // `&&` false and `||` true are decided by their first deciding operand; the other
      // cases by every operand. A flat chain is taken as one list (no recursion along it).
      let operands = expr.operands(of: op)
      if expected != (op == .and) {
        let deciding = operands.first { isTrue(evaluate($0)) == expected } ?? operands.last!
        explain(deciding, expected: expected, context: context, into: &items)
      } else {
        for operand in operands {
          explain(operand, expected: expected, context: context, into: &items)
        }
      }
    case .binary(.implies, let lhs, let rhs, _):
      if !expected {
        explain(lhs, expected: true, context: context, into: &items)
        explain(rhs, expected: false, context: context, into: &items)
      } else if isTrue(evaluate(lhs)) == false {
        explain(lhs, expected: false, context: context, into: &items)
      } else {
        explain(rhs, expected: true, context: context, into: &items)
      }
    case .unary(.not, let operand):
      explain(operand, expected: !expected, context: context, into: &items)
    case .quantifier(let quantifier, let receiver, let variable, _, let body):
      explainQuantifier(
        quantifier, receiver, variable, body, expected: expected, context: context, into: &items)
    case .binary(_, let lhs, let rhs, _):
      record([lhs, rhs], context: context, into: &items)
    case .call(_, _, let arguments):
      record(arguments, context: context, into: &items)
    case .identifier, .member, .index, .length, .unary(.negate, _):
      record([expr], context: context, into: &items)
    case .number, .string, .bool, .null, .array:
      break
    }
  }

  private mutating func explainQuantifier(
    _ quantifier: Quantifier, _ receiver: Expr, _ variable: String, _ body: Expr,
    expected: Bool, context: String?, into items: inout ExplanationItems
  ) {
    guard case .value(.array(let elements)) = evaluate(receiver) else {
      record([receiver], context: context, into: &items)
      return
    }
    // The element whose body result decided the quantifier: the first false one for a
    // failing `every` (or a passing `none`… inverted), the first true one for `some`/`none`.
    let wanted = quantifier.decidingBodyResult(forResult: expected)
    guard let wanted else {
      record([receiver], context: context, into: &items)
      return
    }
    for (index, element) in elements.enumerated() {
      variables.append((variable, element))
      let result = isTrue(evaluate(body))
      if result == wanted {
        let label = "element \(index) of `\(SourceText.slice(source, receiver.range))`"
        let nested = context.map { "\(label), in \($0)" } ?? label
        items.add(range: receiver.range, context: nested) { element.shortDescription }
        explain(body, expected: wanted, context: nested, into: &items)
        variables.removeLast()
        return
      }
      variables.removeLast()
    }
  }

  /// Adds the value of each non-literal expression.
  private mutating func record(
    _ exprs: [Expr], context: String?, into items: inout ExplanationItems
  ) {
    for expr in exprs {
      switch expr.kind {
      case .number, .string, .bool, .null: continue
      default: break
      }
      items.add(range: expr.range, context: context) {
        switch evaluate(expr) {
        case .value(let value): return value.shortDescription
        case .failure(let failure): return "error: \(failure.diagnostic.message)"
        }
      }
    }
  }

  private func isTrue(_ evaluated: Evaluated) -> Bool? {
    if case .value(.bool(let flag)) = evaluated { return flag }
    return nil
  }
}

extension Expr {
  /// The operands of a flat chain of one operator: `a && b && c` gives `[a, b, c]`.
  func operands(of op: BinaryOperator) -> [Expr] {
    var operands: [Expr] = []
    var current = self
    while case .binary(let currentOp, let lhs, let rhs, _) = current.kind, currentOp == op {
      operands.append(rhs)
      current = lhs
    }
    operands.append(current)
    return operands.reversed()
  }
}
