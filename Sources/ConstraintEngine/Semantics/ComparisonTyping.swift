/// How a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `eq`) reads its operands.
///
/// Decided at compile time from the expression and the declared field types, the same way by
/// the checker, the compiler, the fast path and the reference interpreter.
package enum ComparisonMode: Sendable, Hashable {
  /// The language's ordinary comparison: no coercion across types.
  case values
  /// One operand is an *exact integer* (a field declared `bigint`, a `bigint_sum` /
  /// `bigint_add` / `bigint_sub` result, `previous` of a `bigint` field): the other operand is
  /// read as an integer too when it is a string of decimal digits (`^-?[0-9]+$`), and anything
  /// that is not a number, a digit string, null or missing is an error rather than `false`
  /// (DESIGN, decision 5).
  case integers
}

/// Static facts about comparison operands, shared by every evaluation path.
package struct ComparisonTyping {
  package let types: FieldTypes
  package let registry: BuiltinRegistry

  package init(types: FieldTypes, registry: BuiltinRegistry) {
    self.types = types
    self.registry = registry
  }

  /// Whether `expr` is an exact integer operand (see ``ComparisonMode/integers``).
  func isExactInteger(_ expr: Expr, scope: [String]) -> Bool {
    switch expr.kind {
    case .identifier, .member, .index:
      guard let path = PathExpression.of(expr, scope: scope)?.fieldPath else { return false }
      return types.declaredType(of: path)?.isBigint ?? false
    case .call(let name, _, let arguments):
      guard let builtin = registry.lookup(name) else { return false }
      if case .temporal(.previous) = builtin.implementation, arguments.count == 1,
        let path = PathExpression.of(arguments[0], scope: [])?.fieldPath
      {
        return types.declaredType(of: path)?.isBigint ?? false
      }
      return builtin.signature.result == .bigint
    default:
      return false
    }
  }

  /// The mode of `lhs op rhs`; for `in`, only the left operand decides (the right one is the
  /// collection).
  package func mode(
    _ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, scope: [String]
  ) -> ComparisonMode {
    switch op {
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
      return isExactInteger(lhs, scope: scope) || isExactInteger(rhs, scope: scope)
        ? .integers : .values
    case .in:
      return isExactInteger(lhs, scope: scope) ? .integers : .values
    default:
      return .values
    }
  }

  /// The integer a string literal names when it is written canonically — `0`, or an optional
  /// `-` and digits without a leading zero, within the bigint length cap — else nil. A rule
  /// that compares an exact integer with `'0'` or `'1000000'` means that integer; `'007'`,
  /// `'-0'`, `'+5'` or `'abc'` there is a mistake the checker reports.
  static func canonicalInteger(_ text: String) -> Number? {
    let bytes = Array(text.utf8)
    let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
    guard let first = digits.first else { return nil }
    if first == UInt8(ascii: "0") && (digits.count > 1 || bytes.count != digits.count) {
      return nil
    }
    return parseBigintString(text)
  }
}

extension FieldType {
  /// Whether the declaration makes the field an exact integer (`bigint`, `bigint_coercible`,
  /// optionally `| undefined`).
  var isBigint: Bool {
    switch self {
    case .bigint: return true
    case .optional(let wrapped): return wrapped.isBigint
    default: return false
    }
  }
}

extension LeftSpine.Link {
  /// The left operand of this link's binary node (the chain so far).
  var lhs: Expr {
    guard case .binary(_, let lhs, _, _) = node.kind else {
      preconditionFailure("a spine link is a binary node")
    }
    return lhs
  }
}
