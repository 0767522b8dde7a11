import ConstraintEngine

/// The reference interpreter: a plain tree-walking evaluator over the checked AST, a test
/// oracle (not part of the library users link).
///
/// It resolves names, builtins, literals and declared types by walking the tree on every
/// evaluation — the simple path the compiled ``Program`` is tested against. With
/// `ReferenceExplainer.swift` it also gives the reference explanation of a failure.
struct Interpreter {
  let source: String
  let registry: BuiltinRegistry
  let types: FieldTypes
  let snapshot: Value
  let context: EvaluationContext
  let limits: EvaluationLimits
  let regexes: RegexCache
  var variables: [(name: String, value: Value)] = []
  private var steps = 0

  init(
    source: String, registry: BuiltinRegistry, types: FieldTypes, snapshot: Value,
    context: EvaluationContext, limits: EvaluationLimits, regexes: RegexCache
  ) {
    self.source = source
    self.registry = registry
    self.types = types
    self.snapshot = snapshot
    self.context = context
    self.limits = limits
    self.regexes = regexes
  }

  /// Evaluates a whole rule: the result must be a boolean.
  mutating func evaluateRule(_ expr: Expr) -> Outcome {
    switch evaluate(expr) {
    case .failure(let failure): return failure.outcome
    case .value(.bool(true)): return .pass
    case .value(.bool(false)): return .fail(Explanation())
    case .value(let other):
      return .error(
        Diagnostic(
          .resultNotBoolean,
          "a rule must evaluate to a boolean, but this is \(article(other.typeName))",
          at: expr.range))
    }
  }

  private func text(_ expr: Expr) -> String { SourceText.slice(source, expr.range) }

  private func failure(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange
  ) -> Evaluated {
    .failure(EvaluationFailure(code, message, at: range))
  }

  /// The steps left before the limit.
  private var remainingSteps: Int { limits.maximumSteps &- steps }

  /// Charges `cost` steps (``Metering``): the step-limit failure at `range` once past the
  /// limit, nil otherwise.
  private mutating func charge(_ cost: Int, at range: SourceRange) -> Evaluated? {
    steps &+= cost
    guard steps > limits.maximumSteps else { return nil }
    return failure(.stepLimit, limits.stepLimitMessage, at: range)
  }

  // MARK: Evaluation

  mutating func evaluate(_ expr: Expr) -> Evaluated {
    switch expr.kind {
    case .number(let digits):
      guard let number = Number(parsing: digits) else {
        return failure(.internalError, "malformed number literal `\(digits)`", at: expr.range)
      }
      return .value(.number(number))
    case .string(let text): return .value(.string(text))
    case .bool(let flag): return .value(.bool(flag))
    case .null: return .value(.null)
    case .identifier, .member, .index:
      if let path = PathExpression.of(expr, scope: variables.map(\.name)) {
        return read(path, range: expr.range)
      }
      return evaluateAccess(expr)
    case .length(let base):
      let value = evaluate(base)
      guard case .value(let v) = value else { return value }
      return lift(Operations.length(v), operands: [base], range: expr.range)
    case .quantifier(let quantifier, let receiver, let variable, _, let body):
      return evaluateQuantifier(quantifier, receiver, variable, body, range: expr.range)
    case .call(let name, _, let arguments):
      return evaluateCall(name, arguments, range: expr.range)
    case .array(let elements):
      switch Evaluated.values(of: elements, { evaluate($0) }) {
      case .success(let values): return .value(.array(values))
      case .failure(let failure): return .failure(failure)
      }
    case .unary(.not, let operand):
      switch Logic.operand(evaluate(operand), role: "the operand of `!`", range: operand.range) {
      case .boolean(let flag): return .value(.bool(!flag))
      case .failure(let failure): return .failure(failure)
      }
    case .unary(.negate, let operand):
      let value = evaluate(operand)
      guard case .value(let v) = value else { return value }
      return lift(Operations.negate(v), operands: [operand], range: expr.range)
    case .binary:
      // Iterate the left spine so that flat chains never recurse.
      let spine = expr.leftSpine
      var result = evaluate(spine.first)
      var leftExpr = spine.first
      for link in spine.links {
        result = applyBinary(link.op, result, leftExpr, link.rhs, range: link.node.range)
        leftExpr = link.node
      }
      return result
    }
  }

  /// Member or index access on a computed value (not a plain path).
  private mutating func evaluateAccess(_ expr: Expr) -> Evaluated {
    switch expr.kind {
    case .member(let base, let name, _):
      let value = evaluate(base)
      guard case .value(let v) = value else { return value }
      return .value(v[name])
    case .index(let base, let index):
      let value = evaluate(base)
      guard case .value(let v) = value else { return value }
      return .value(v[index])
    default:
      preconditionFailure("not an access expression")
    }
  }

  /// Reads a path from the snapshot (applying its declared type) or from a variable.
  private mutating func read(_ path: PathExpression, range: SourceRange) -> Evaluated {
    switch path.root {
    case .variable(let name):
      let bound = variables.last { $0.name == name }!.value
      return .value(FieldPath(path.components).resolve(in: bound))
    case .snapshot:
      let fieldPath = FieldPath(path.components)
      let value = fieldPath.resolve(in: snapshot)
      let type = types.declaredType(of: fieldPath)
      if let type, let limit = charge(Metering.coercion(value, to: type), at: range) {
        return limit
      }
      return DeclaredType.admit(type, value, path: fieldPath, range: range)
    }
  }

  private func lift(
    _ result: Result<Value, OperationFailure>, operands: [Expr], range: SourceRange
  ) -> Evaluated {
    switch result {
    case .success(let value): return .value(value)
    case .failure(let failure):
      let at = failure.operandIndex.map { operands[$0].range } ?? range
      return .failure(
        EvaluationFailure(
          failure.code, failure.message(operands: operands.map(text)), at: at))
    }
  }

  /// `lhs op rhs` where `lhs` has already been evaluated to `leftResult`.
  private mutating func applyBinary(
    _ op: BinaryOperator, _ leftResult: Evaluated, _ lhs: Expr, _ rhs: Expr, range: SourceRange
  ) -> Evaluated {
    switch op {
    case .and, .or, .implies:
      if let decided = Logic.shortCircuit(op, leftResult) { return decided }
      return Logic.connect(
        op, leftResult, evaluate(rhs), leftRange: lhs.range, rightRange: rhs.range)
    default:
      break
    }
    guard case .value(let a) = leftResult else { return leftResult }
    let right = evaluate(rhs)
    guard case .value(let b) = right else { return right }
    // Resolved again on every evaluation, from the tree (the compiled program resolves it once).
    let integers =
      ComparisonTyping.mode(
        op, lhsIsExactInteger: isExactInteger(lhs), rhsIsExactInteger: isExactInteger(rhs))
      == .integers
    switch BinaryRule.apply(op, a, b, integers: integers, limits: limits, steps: &steps) {
    case .success(let value): return .value(value)
    case .failure(.stepLimit): return failure(.stepLimit, limits.stepLimitMessage, at: range)
    case .failure(.operation(let error)):
      return lift(.failure(error), operands: [lhs, rhs], range: range)
    }
  }

  /// Whether `expr` is an exact integer operand (``ComparisonMode/integers``), resolved from
  /// the tree on each evaluation.
  private func isExactInteger(_ expr: Expr) -> Bool {
    switch expr.kind {
    case .identifier, .member, .index:
      guard let path = PathExpression.of(expr, scope: variables.map(\.name))?.fieldPath else {
        return false
      }
      return types.declaredType(of: path)?.isBigint ?? false
    case .call(let name, _, let arguments):
      guard let builtin = registry.lookup(name) else { return false }
      let path = arguments.count == 1 ? PathExpression.of(arguments[0], scope: [])?.fieldPath : nil
      return ComparisonTyping.isExactInteger(
        calling: builtin,
        pathArgumentIsBigint: path.flatMap { types.declaredType(of: $0) }?.isBigint ?? false)
    default:
      return false
    }
  }

  private mutating func evaluateQuantifier(
    _ quantifier: Quantifier, _ receiver: Expr, _ variable: String, _ body: Expr,
    range: SourceRange
  ) -> Evaluated {
    let evaluated = evaluate(receiver)
    guard case .value(let collection) = evaluated else { return evaluated }
    guard case .array(let elements) = collection else {
      return .failure(
        quantifier.receiverFailure(collection, receiverText: text(receiver), at: receiver.range))
    }
    var loop = QuantifierLoop(quantifier)
    let role = "the body of `.\(quantifier.rawValue)`"
    for element in elements {
      steps += 1
      if steps > limits.maximumSteps {
        return failure(.stepLimit, limits.stepLimitMessage, at: range)
      }
      variables.append((variable, element))
      let result = Logic.operand(evaluate(body), role: role, range: body.range)
      variables.removeLast()
      if let decided = loop.take(result) { return decided }
    }
    return loop.result
  }

  private mutating func evaluateCall(
    _ name: String, _ arguments: [Expr], range: SourceRange
  ) -> Evaluated {
    guard let builtin = registry.lookup(name) else {
      return failure(.internalError, "unknown function `\(name)`", at: range)
    }
    switch builtin.implementation {
    case .temporal(let temporal):
      guard let path = PathExpression.of(arguments[0], scope: []).flatMap(\.fieldPath) else {
        return failure(
          .internalError, "the argument of `\(name)` must be a field path", at: arguments[0].range)
      }
      var cost = 0
      let result = Temporal.evaluate(
        temporal, path: path, type: types.declaredType(of: path), snapshot: snapshot,
        argumentRange: arguments[0].range, argumentText: text(arguments[0]), cost: &cost,
        budget: remainingSteps)
      return charge(cost, at: range) ?? result
    case .regexMatch:
      let subject = evaluate(arguments[0])
      guard case .value(let value) = subject else { return subject }
      guard case .string(let pattern) = arguments[1].kind else {
        return failure(
          .internalError, "the pattern of `matches` must be a string literal",
          at: arguments[1].range)
      }
      var cost = 0
      let result = Self.match(
        regexes, pattern: pattern, subject: value, subjectText: text(arguments[0]),
        subjectRange: arguments[0].range, patternRange: arguments[1].range, callRange: range,
        cost: &cost)
      return charge(cost, at: range) ?? result
    case .function(let function):
      if builtin.operatorForm == .equality, arguments.count == 2 {
        return applyBinary(.equal, evaluate(arguments[0]), arguments[0], arguments[1], range: range)
      }
      let values: [Value]
      switch Evaluated.values(of: arguments, { evaluate($0) }) {
      case .success(let evaluated): values = evaluated
      case .failure(let failure): return .failure(failure)
      }
      let callArguments = BuiltinArguments(values)
      let cost = Metering.call(builtin.cost, callArguments, within: remainingSteps)
      if let limit = charge(cost, at: range) { return limit }
      do {
        return .value(try function(callArguments, context))
      } catch let failure {
        return .failure(
          BuiltinCall.failure(
            failure, name: name, argumentRanges: arguments.map(\.range), source: source,
            range: range))
      }
    }
  }
}

extension Interpreter {
  /// `matches(subject, 'pattern')`: the compiled pattern is looked up by its text.
  static func match(
    _ regexes: RegexCache, pattern: String, subject: Value, subjectText: String,
    subjectRange: SourceRange, patternRange: SourceRange, callRange: SourceRange, cost: inout Int
  ) -> Evaluated {
    guard let regex = regexes.compiled[pattern] else {
      return .failure(
        EvaluationFailure(
          .internalError, "pattern was not compiled with the program", at: patternRange))
    }
    return RegexCache.match(
      regex, subject: subject, subjectText: subjectText, subjectRange: subjectRange,
      callRange: callRange, cost: &cost)
  }
}
