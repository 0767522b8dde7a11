import BigInt

/// The language's primitive operations on values, shared by the reference interpreter and
/// the compiled program so both implement one semantics.
///
/// Failures are returned as ``OperationFailure`` values without source positions; the caller
/// knows the operands' ranges and turns them into diagnostics.
package enum Operations {
  /// `a == b`: null and missing are alike; otherwise structural, and never equal across types.
  package static func equals(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.missing, .missing), (.missing, .null), (.null, .missing), (.null, .null):
      return true
    case (.missing, _), (.null, _), (_, .missing), (_, .null):
      return false
    case (.number(let x), .number(let y)):
      if case .small(let p) = x, case .small(let q) = y { return p == q }
      return x == y
    default:
      return a.structurallyEquals(b)
    }
  }

  /// `a < b` and friends: numbers with numbers, strings with strings (code point order).
  package static func order(
    _ op: BinaryOperator, _ a: Value, _ b: Value
  ) -> Result<Bool, OperationFailure> {
    let comparison: Int
    switch (a, b) {
    case (.number(.small(let x)), .number(.small(let y))):
      comparison = x < y ? -1 : (x == y ? 0 : 1)
    case (.number(let x), .number(let y)):
      comparison = Number.compare(x, y)
    case (.string(let x), .string(let y)):
      comparison = Value.compareScalars(x, y)
    default:
      return .failure(operandFailure(a, b) ?? .cannotCompare(a.typeName, b.typeName))
    }
    switch op {
    case .less: return .success(comparison < 0)
    case .lessEqual: return .success(comparison <= 0)
    case .greater: return .success(comparison > 0)
    case .greaterEqual: return .success(comparison >= 0)
    default: preconditionFailure("not an ordering operator: \(op)")
    }
  }

  /// `a + b`, `a - b`, `a * b`, `a / b`, `a % b` over exact numbers. A result with more than
  /// `maximumDigits` digits is an error (a product certain to be too large is refused before
  /// it is computed).
  package static func arithmetic(
    _ op: BinaryOperator, _ a: Value, _ b: Value, maximumDigits: Int
  ) -> Result<Value, OperationFailure> {
    guard case .number(let x) = a, case .number(let y) = b else {
      return .failure(operandFailure(a, b) ?? .notNumbers(op, a.typeName, b.typeName))
    }
    if case .small = x, case .small = y, maximumDigits >= 38 {
      // Within twice 19 digits: no result can exceed the limit.
      return smallArithmetic(op, x, y)
    }
    if op == .multiply, x.isInteger, y.isInteger {
      // The product has at least bits(x) + bits(y) − 1 bits.
      let bits = (x.bigIntValue!.magnitude.bitWidth + y.bigIntValue!.magnitude.bitWidth) - 1
      if bits > Int(Double(maximumDigits) * 3.321928094887362) + 3 {
        return .failure(.tooManyDigits(op, maximumDigits))
      }
    }
    switch smallArithmetic(op, x, y) {
    case .success(.number(let result)) where result.hasMoreDigits(than: maximumDigits):
      return .failure(.tooManyDigits(op, maximumDigits))
    case let other:
      return other
    }
  }

  private static func smallArithmetic(
    _ op: BinaryOperator, _ x: Number, _ y: Number
  ) -> Result<Value, OperationFailure> {
    switch op {
    case .add: return .success(.number(x + y))
    case .subtract: return .success(.number(x - y))
    case .multiply: return .success(.number(x * y))
    case .divide:
      do {
        return .success(.number(try x.divided(by: y)))
      } catch {
        return .failure(.divisionByZero)
      }
    case .remainder:
      do {
        return .success(.number(try x.remainder(dividingBy: y)))
      } catch let error {
        switch error {
        case .divisionByZero: return .failure(.divisionByZero)
        case .nonIntegerRemainder: return .failure(.nonIntegerRemainder)
        }
      }
    default: preconditionFailure("not an arithmetic operator: \(op)")
    }
  }

  /// The evaluation steps `a op b` costs: nothing for `+`, `-` and for 64-bit operands; for
  /// `*`, `/` and `%` on larger numbers, one step per 16 products of their 64-bit words (a
  /// product of two 2,000-digit numbers, ~0.1 ms, costs 676), so that big arithmetic repeated
  /// by quantifiers meets the step limit as cheap steps do.
  package static func steps(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Int {
    guard op == .multiply || op == .divide || op == .remainder,
      case .number(let x) = a, case .number(let y) = b
    else { return 0 }
    if case .small = x, case .small = y { return 0 }
    var xWords = x.significandWords
    if op == .divide {
      // The dividend is scaled by 10^(divisionScale + the divisor's scale).
      let shift = Number.divisionScale + y.scaled.scale
      xWords += (shift * 10 / 3 + 63) / 64
    }
    return xWords * y.significandWords / 16
  }

  /// `-a`.
  package static func negate(_ a: Value) -> Result<Value, OperationFailure> {
    guard case .number(let x) = a else {
      return .failure(operandFailure(a) ?? .notNumber(a.typeName))
    }
    return .success(.number(-x))
  }

  /// `a.length`: element count of an array, UTF-16 code units of a string.
  package static func length(_ a: Value) -> Result<Value, OperationFailure> {
    switch a {
    case .array(let elements): return .success(.number(.small(elements.count)))
    case .string(let string): return .success(.number(.small(string.utf16.count)))
    default: return .failure(operandFailure(a) ?? .noLength(a.typeName))
    }
  }

  /// `a in b`: with an array `b`, whether an element `==` a; with an object `b`, whether `a`
  /// (a string) is one of its keys.
  package static func membership(_ a: Value, _ b: Value) -> Result<Bool, OperationFailure> {
    switch b {
    case .array(let elements):
      for element in elements where equals(a, element) { return .success(true) }
      return .success(false)
    case .object(let object):
      return keyMembership(a, object)
    default:
      return .failure(collectionFailure(b))
    }
  }

  /// `a in b` in ``ComparisonMode/integers`` (`a` is an exact integer): with an array `b`,
  /// whether an element equals `a` under ``integerEquals(_:_:)``; an object `b` has string
  /// keys only, so it is an error.
  package static func integerMembership(_ a: Value, _ b: Value) -> Result<Bool, OperationFailure> {
    switch b {
    case .array(let elements):
      for (position, element) in elements.enumerated() {
        switch integerEquals(a, element) {
        case .success(true): return .success(true)
        case .success(false): continue
        case .failure(let failure):
          guard case .notInteger(1, let found) = failure else { return .failure(failure) }
          return .failure(.notIntegerElement(position, found))
        }
      }
      return .success(false)
    case .object(let object):
      return keyMembership(a, object)
    default:
      return .failure(collectionFailure(b))
    }
  }

  private static func keyMembership(_ key: Value, _ object: ObjectValue)
    -> Result<Bool, OperationFailure>
  {
    guard case .string(let text) = key else {
      return .failure(operandFailure(key) ?? .keyNotString(describe(key)))
    }
    return .success(object[text] != nil)
  }

  private static func collectionFailure(_ b: Value) -> OperationFailure {
    switch b {
    case .missing: return .missingOperand(1)
    case .null: return .nullOperand(1)
    default: return .membershipNeedsCollection(b.typeName)
    }
  }

  /// A comparison operand in ``ComparisonMode/integers``: a number as itself, a string of
  /// decimal digits (`^-?[0-9]+$`, the bigint string form) as its integer; nil otherwise.
  package static func integerComparand(_ value: Value) -> Number? {
    switch value {
    case .number(let number): return number
    case .string(let text): return parseBigintString(text)
    default: return nil
    }
  }

  /// `a == b` where one side is an exact integer: numbers and digit strings compare as
  /// integers; null and missing keep their meaning (equal only to each other); any other
  /// value is an error, never a silent `false`.
  package static func integerEquals(_ a: Value, _ b: Value) -> Result<Bool, OperationFailure> {
    if a.isAbsent || b.isAbsent { return .success(equals(a, b)) }
    guard let x = integerComparand(a) else { return .failure(.notInteger(0, describe(a))) }
    guard let y = integerComparand(b) else { return .failure(.notInteger(1, describe(b))) }
    if case .small(let p) = x, case .small(let q) = y { return .success(p == q) }
    return .success(x == y)
  }

  /// `a < b` and friends where one side is an exact integer (see ``integerEquals(_:_:)``);
  /// missing and null are errors, as for every ordering.
  package static func integerOrder(
    _ op: BinaryOperator, _ a: Value, _ b: Value
  ) -> Result<Bool, OperationFailure> {
    if let failure = operandFailure(a, b) { return .failure(failure) }
    guard let x = integerComparand(a) else { return .failure(.notInteger(0, describe(a))) }
    guard let y = integerComparand(b) else { return .failure(.notInteger(1, describe(b))) }
    return order(op, .number(x), .number(y))
  }

  /// The operand (0 or 1) that is missing or null, if any.
  package static func operandFailure(_ a: Value, _ b: Value? = nil) -> OperationFailure? {
    if case .missing = a { return .missingOperand(0) }
    if case .null = a { return .nullOperand(0) }
    if let b {
      if case .missing = b { return .missingOperand(1) }
      if case .null = b { return .nullOperand(1) }
    }
    return nil
  }

  /// Applies a declared field type to a value read at `path`.
  package static func coerce(_ value: Value, to type: FieldType) -> Result<Value, CoercionFailure> {
    switch value {
    case .missing, .null:
      return .success(value)
    default:
      break
    }
    switch type {
    case .bigint:
      switch value {
      case .number(let number):
        if number.isInteger { return .success(value) }
        return .failure(CoercionFailure(found: "the decimal \(number)"))
      case .string(let text):
        if let number = parseBigintString(text) { return .success(.number(number)) }
        return .failure(CoercionFailure(found: "the string \(Value.quoted(text))"))
      default:
        return .failure(CoercionFailure(found: value.typeName))
      }
    case .string:
      if case .string = value { return .success(value) }
    case .number:
      if case .number = value { return .success(value) }
    case .integer:
      if case .number(let number) = value, number.isInteger { return .success(value) }
    case .boolean:
      if case .bool = value { return .success(value) }
    case .array:
      if case .array = value { return .success(value) }
    case .object:
      if case .object = value { return .success(value) }
    case .stringArray:
      if case .array(let elements) = value {
        let allStrings = elements.allSatisfy { if case .string = $0 { true } else { false } }
        if allStrings { return .success(value) }
        return .failure(CoercionFailure(found: "an array with a non-string element"))
      }
    case .optional(let wrapped):
      return coerce(value, to: wrapped)
    case .unchecked:
      return .success(value)
    }
    return .failure(CoercionFailure(found: describeFound(value)))
  }

  package static func describeFound(_ value: Value) -> String {
    switch value {
    case .number(let number): return "the number \(number)"
    case .string(let text): return "the string \(Value.quoted(text))"
    case .bool(let flag): return "the boolean \(flag)"
    default: return value.typeName
    }
  }
}

/// Why a primitive operation failed; turned into a message by the caller, which knows the
/// operands' source text.
package enum OperationFailure: Error, Hashable {
  case missingOperand(Int)
  case nullOperand(Int)
  case cannotCompare(String, String)
  case notNumbers(BinaryOperator, String, String)
  case notNumber(String)
  case divisionByZero
  case nonIntegerRemainder
  case noLength(String)
  case membershipNeedsCollection(String)
  /// Operand N is compared with an exact integer but is neither a number nor a digit string
  /// (what it holds).
  case notInteger(Int, String)
  /// Element N of the right side of `in` is neither a number nor a digit string.
  case notIntegerElement(Int, String)
  /// The left side of `in` over an object's keys is not a string (what it holds).
  case keyNotString(String)
  /// An arithmetic result beyond ``EvaluationLimits/maximumDigits``.
  case tooManyDigits(BinaryOperator, Int)

  /// The message, given the source text of the operands.
  package func message(operands: [String]) -> String {
    func operand(_ index: Int) -> String {
      index < operands.count ? "`\(operands[index])`" : "operand \(index + 1)"
    }
    switch self {
    case .missingOperand(let index): return "missing value at \(operand(index))"
    case .nullOperand(let index): return "null value at \(operand(index))"
    case .cannotCompare(let a, let b):
      return "cannot order \(article(a)) and \(article(b)): "
        + "ordering needs two numbers or two strings"
    case .notNumbers(let op, let a, let b):
      return "`\(op.rawValue)` needs two numbers, not \(article(a)) and \(article(b))"
    case .notNumber(let a): return "unary `-` needs a number, not \(article(a))"
    case .divisionByZero: return "division by zero"
    case .nonIntegerRemainder: return "`%` needs two integers"
    case .noLength(let a): return "`.length` needs an array or a string, not \(article(a))"
    case .membershipNeedsCollection(let a):
      return "`in` needs an array or an object on its right, not \(article(a))"
    case .notInteger(let index, let found):
      let other = operand(1 - index)
      return "\(operand(index)) is compared with the exact integer \(other), so it must be a "
        + "number or a string of decimal digits (^-?[0-9]+$), but it holds \(found)"
    case .notIntegerElement(let position, let found):
      return "element \(position) of \(operand(1)) is compared with the exact integer "
        + "\(operand(0)), so it must be a number or a string of decimal digits (^-?[0-9]+$), "
        + "but it holds \(found)"
    case .keyNotString(let found):
      return "\(operand(0)) is looked up among the keys of the object \(operand(1)), so it must "
        + "be a string, but it holds \(found)"
    case .tooManyDigits(let op, let limit):
      let expression =
        operands.count == 2 ? "`\(operands[0]) \(op.rawValue) \(operands[1])`" : "`\(op.rawValue)`"
      return "the result of \(expression) has more than \(limit) digits, past the "
        + "\(limit)-digit arithmetic limit"
    }
  }

  /// The kind of the failure.
  package var code: DiagnosticCode {
    switch self {
    case .missingOperand, .nullOperand: return .missingValue
    case .divisionByZero, .nonIntegerRemainder: return .divisionByZero
    case .tooManyDigits: return .digitLimit
    case .cannotCompare, .notNumbers, .notNumber, .noLength, .membershipNeedsCollection,
      .notInteger, .notIntegerElement, .keyNotString:
      return .typeMismatch
    }
  }

  /// Which operand the failure is about, if one.
  package var operandIndex: Int? {
    switch self {
    case .missingOperand(let index), .nullOperand(let index): return index
    case .notInteger(let index, _): return index
    case .notIntegerElement: return 1
    case .keyNotString: return 0
    default: return nil
    }
  }
}

/// A declared field type did not match the value read.
package struct CoercionFailure: Error, Hashable {
  package var found: String
}

package func article(_ typeName: String) -> String {
  switch typeName {
  case "missing": return "a missing value"
  case "null": return "null"
  case "array", "object": return "an \(typeName)"
  default: return "a \(typeName)"
  }
}
