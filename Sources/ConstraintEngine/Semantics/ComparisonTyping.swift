/// How a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `eq`) reads its operands.
///
/// Decided once, at compile time, by the checker from its resolved operands and the declared
/// field types; the general evaluator and the fast path read it from the nodes (the reference
/// interpreter decides it again from the tree, by the same rules, on each evaluation).
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

/// The rules that fix a comparison's mode at compile time, over facts the checker resolved
/// (the reference interpreter applies them to the tree on each evaluation).
package enum ComparisonTyping {
  /// Whether a call of `builtin` is an exact integer operand (see
  /// ``ComparisonMode/integers``): `previous` of a path declared `bigint`
  /// (`pathArgumentIsBigint`), or a builtin whose result is a `bigint`.
  package static func isExactInteger(calling builtin: Builtin, pathArgumentIsBigint: Bool)
    -> Bool
  {
    if case .temporal(.previous) = builtin.implementation { return pathArgumentIsBigint }
    return builtin.signature.result == .bigint
  }

  /// The mode of `lhs op rhs`, given which operands are exact integers; for `in`, only the
  /// left operand decides (the right one is the collection).
  package static func mode(
    _ op: BinaryOperator, lhsIsExactInteger: Bool, rhsIsExactInteger: Bool
  ) -> ComparisonMode {
    switch op {
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
      return lhsIsExactInteger || rhsIsExactInteger ? .integers : .values
    case .in:
      return lhsIsExactInteger ? .integers : .values
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
  package var isBigint: Bool {
    switch self {
    case .bigint: return true
    case .optional(let wrapped): return wrapped.isBigint
    default: return false
    }
  }
}
