/// The language's evaluation rules, each defined once and called by every evaluator that
/// needs it: the general evaluator (``Executor``), the fast path (``FastEvaluator``, for the
/// quantifier decisions), the explanation (``Explainer``) and the reference interpreter in
/// ConstraintEngineTestSupport. The primitive operations themselves are ``Operations``, their
/// charges ``Metering``, declared types ``DeclaredType``.

extension Evaluated {
  /// Evaluates `items` in order (array elements, call arguments): their values, or the first
  /// failure (the items after it are not evaluated).
  @inline(__always)
  package static func values<Item>(
    of items: [Item], _ evaluate: (Item) -> Evaluated
  ) -> Result<[Value], EvaluationFailure> {
    var values: [Value] = []
    values.reserveCapacity(items.count)
    for item in items {
      switch evaluate(item) {
      case .value(let value): values.append(value)
      case .failure(let failure): return .failure(failure)
      }
    }
    return .success(values)
  }
}

extension Logic {
  /// The result of the connective `op` (`&&`, `||`, `=>`) decided by its left operand alone
  /// (short-circuit: `false && …`, `true || …`, `false => …`), or nil when the right operand
  /// must be evaluated.
  @inline(__always)
  package static func shortCircuit(_ op: BinaryOperator, _ left: Evaluated) -> Evaluated? {
    guard case .value(.bool(let flag)) = left else { return nil }
    switch op {
    case .and: return flag ? nil : left
    case .or: return flag ? left : nil
    case .implies: return flag ? nil : .true
    default: return nil
    }
  }

  /// `left op right` for a connective whose left operand did not decide it
  /// (``shortCircuit(_:_:)``): a non-boolean operand is an error, and an error is absorbed by
  /// an operand that decides the result (`error && false` is false).
  @inline(__always)
  package static func connect(
    _ op: BinaryOperator, _ left: Evaluated, _ right: Evaluated,
    leftRange: SourceRange, rightRange: SourceRange
  ) -> Evaluated {
    switch op {
    case .implies:
      if case .value(.bool(true)) = left, case .value(.bool) = right { return right }
      let role = "each operand of `\(op.rawValue)`"
      let negatedLeft: Operand
      switch operand(left, role: role, range: leftRange) {
      case .boolean(let flag): negatedLeft = .boolean(!flag)
      case .failure(let failure): negatedLeft = .failure(failure)
      }
      return combine(negatedLeft, operand(right, role: role, range: rightRange), decisive: true)
    default:
      if case .value(.bool) = left, case .value(.bool) = right { return right }
      // Built only here: the common case above allocates nothing.
      let role = "each operand of `\(op.rawValue)`"
      return combine(
        operand(left, role: role, range: leftRange),
        operand(right, role: role, range: rightRange), decisive: op == .or)
    }
  }
}

/// The binary operators other than the connectives, on evaluated operands: comparison (by
/// value, or as exact integers), membership and arithmetic, each charged to the step limit
/// (``Metering``) before it runs.
package enum BinaryRule {
  /// Why an operator gave no value.
  package enum Failure: Error {
    /// The step limit was passed (``EvaluationLimits/stepLimitMessage``).
    case stepLimit
    case operation(OperationFailure)
  }

  /// `a op b`; `integers` is the comparison mode (``ComparisonMode/integers``). `steps` is the
  /// evaluation's step count so far, increased by the operator's charge.
  @inline(__always)
  package static func apply(
    _ op: BinaryOperator, _ a: Value, _ b: Value, integers: Bool, limits: EvaluationLimits,
    steps: inout Int
  ) -> Result<Value, Failure> {
    func charge(_ cost: Int) -> Bool {
      steps &+= cost
      return steps > limits.maximumSteps
    }
    let result: Result<Bool, OperationFailure>
    switch op {
    case .equal, .notEqual:
      let wanted = op == .equal
      guard integers else {
        if charge(Metering.equality(a, b, within: limits.maximumSteps &- steps)) {
          return .failure(.stepLimit)
        }
        return .success(.bool(Operations.equals(a, b) == wanted))
      }
      if charge(Metering.integerComparison(a, b)) { return .failure(.stepLimit) }
      result = Operations.integerEquals(a, b).map { $0 == wanted }
    case .less, .lessEqual, .greater, .greaterEqual:
      if charge(integers ? Metering.integerComparison(a, b) : Metering.order(a, b)) {
        return .failure(.stepLimit)
      }
      result = integers ? Operations.integerOrder(op, a, b) : Operations.order(op, a, b)
    case .in:
      let cost = Metering.membership(
        a, b, integers: integers, within: limits.maximumSteps &- steps)
      if charge(cost) { return .failure(.stepLimit) }
      result = integers ? Operations.integerMembership(a, b) : Operations.membership(a, b)
    default:
      steps += Operations.steps(op, a, b)
      if steps > limits.maximumSteps { return .failure(.stepLimit) }
      return Operations.arithmetic(op, a, b, maximumDigits: limits.maximumDigits)
        .mapError(Failure.operation)
    }
    switch result {
    case .success(let flag): return .success(.bool(flag))
    case .failure(let failure): return .failure(.operation(failure))
    }
  }
}

extension Quantifier {
  /// The quantifier's result decided by an element whose body is `flag` (the first false one
  /// of `.every`, the first true one of `.some` and `.none`), or nil when the loop goes on.
  @inline(__always)
  package func decision(onElementWhoseBodyIs flag: Bool) -> Bool? {
    switch self {
    case .every: return flag ? nil : false
    case .some: return flag ? true : nil
    case .none: return flag ? false : nil
    case .count: return nil
    }
  }

  /// The result when no element decided it (`.count` counts instead: nil).
  package var resultWhenUndecided: Bool? {
    switch self {
    case .every, .none: return true
    case .some: return false
    case .count: return nil
    }
  }

  /// The body result of the element that decided a quantifier whose result is `result`, or nil
  /// when no single element decided it (a passing `.every`, a failing `.some`, a passing
  /// `.none`): what an explanation shows the deciding element of.
  package func decidingBodyResult(forResult result: Bool) -> Bool? {
    switch (self, result) {
    case (.every, false): return false
    case (.some, true), (.none, false): return true
    default: return nil
    }
  }

  /// The failure of a quantifier whose receiver (`receiverText`, at `range`) is not an array.
  package func receiverFailure(
    _ collection: Value, receiverText: String, at range: SourceRange
  ) -> EvaluationFailure {
    switch collection {
    case .missing:
      return EvaluationFailure(.missingValue, "missing value at `\(receiverText)`", at: range)
    case .null:
      return EvaluationFailure(.missingValue, "null value at `\(receiverText)`", at: range)
    default:
      return EvaluationFailure(
        .typeMismatch,
        "`.\(rawValue)` needs an array, but `\(receiverText)` is "
          + article(collection.typeName), at: range)
    }
  }
}

/// A quantifier's loop over its elements' body results, after the receiver was found to be an
/// array: decides at the first deciding element, keeps a failing body's error pending (an
/// element that decides absorbs it; `.count` does not), counts for `.count`.
package struct QuantifierLoop {
  let quantifier: Quantifier
  private var pending: EvaluationFailure?
  private var count = 0

  package init(_ quantifier: Quantifier) {
    self.quantifier = quantifier
  }

  /// Takes one element's body result; the quantifier's result once it is decided.
  @inline(__always)
  package mutating func take(_ body: Logic.Operand) -> Evaluated? {
    switch body {
    case .boolean(let flag):
      if quantifier == .count {
        if flag { count += 1 }
        return nil
      }
      return quantifier.decision(onElementWhoseBodyIs: flag).map { .value(.bool($0)) }
    case .failure(let failure):
      if quantifier == .count { return .failure(failure) }
      pending = pending.map { EvaluationFailure.preferred($0, failure) } ?? failure
      return nil
    }
  }

  /// The result after the last element, when none decided it.
  package var result: Evaluated {
    if let pending { return .failure(pending) }
    guard let flag = quantifier.resultWhenUndecided else {
      return .value(.number(.small(count)))
    }
    return .value(.bool(flag))
  }
}
