import BigInt

/// The longest string (sign included) read as a big integer.
public let bigintStringMaximumLength = 4096

/// Reads a string matching `^-?[0-9]+$` of at most ``bigintStringMaximumLength`` characters as
/// an integer (`'007'` is 7, `'-0'` is 0); nil for anything else (`''`, `' 1'`, `'+5'`,
/// `'1e3'`, `'0x10'`, `'1.0'`). Up to 18 significant digits are read straight into an `Int`,
/// without allocating.
public func parseBigintString(_ text: String) -> Number? {
  // A small ASCII string (at most 15 bytes): its digits read from the string's own words by
  // the fast path's reader, when the layout gate allows; the same answers as the bytes below.
  if StandardLibraryLayout.holds, let inline = StandardLibraryLayout.inlineASCII(text) {
    return FastEvaluator.smallInteger(inline: inline.low, inline.high, count: inline.count)
      .map { .small($0) }
  }
  var text = text
  return text.withUTF8(parseBigintDigits)
}

private func parseBigintDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Number? {
  let count = bytes.count
  guard count > 0, count <= bigintStringMaximumLength else { return nil }
  let negative = bytes[0] == UInt8(ascii: "-")
  var index = negative ? 1 : 0
  guard index < count else { return nil }
  if count - index > 18 {
    // Leading zeros do not change the value; skipping them keeps short values fast.
    for position in index..<count where bytes[position] &- UInt8(ascii: "0") >= 10 {
      return nil
    }
    while index < count - 1, bytes[index] == UInt8(ascii: "0") { index += 1 }
    if count - index > 18 {
      let digits = String(decoding: UnsafeBufferPointer(rebasing: bytes[index...]), as: UTF8.self)
      guard var magnitude = BigInt(digits, radix: 10) else { return nil }
      if negative { magnitude.negate() }
      return Number(magnitude)
    }
  }
  // At most 18 digits: the fast path's digit reader (eight digits per step), the one
  // definition of reading a small decimal integer (given digits only: a second `-` is no
  // digit).
  guard bytes[index] &- UInt8(ascii: "0") < 10,
    let magnitude = FastEvaluator.smallInteger(
      utf8: UnsafeBufferPointer(rebasing: bytes[index...]))
  else { return nil }
  return .small(negative ? -magnitude : magnitude)
}

/// The integer a value stands for under the bigint rule: an integral number, or a string
/// accepted by ``parseBigintString(_:)``. nil for anything else (decimals, other strings,
/// booleans, containers, null, missing). The evaluator applies the same rule to fields
/// declared `bigint` / `bigint_coercible`.
@inlinable
public func bigintInteger(_ value: Value) -> Number? {
  switch value {
  case .number(let number): return number.isInteger ? number : nil
  case .string(let text): return parseBigintString(text)
  default: return nil
  }
}

/// Why a value is not a bigint operand, phrased to follow a subject ("argument 1 …",
/// "`budget.limit` …").
public func bigintRejection(_ value: Value) -> String {
  switch value {
  case .missing: return "is missing; expected an integer or a string of decimal digits"
  case .null: return "is null; expected an integer or a string of decimal digits"
  case .number(let number):
    return "must be an integer, got the decimal \(truncated(number.description))"
  case .string(let text):
    if text.utf8.count > bigintStringMaximumLength {
      return "is a string of \(text.utf8.count) characters, longer than the "
        + "\(bigintStringMaximumLength)-character cap for integer strings"
    }
    return "must be an integer or a string matching ^-?[0-9]+$, got "
      + truncated(Value.quoted(text))
  default:
    return "must be an integer or a string of decimal digits, got \(describe(value))"
  }
}

/// Argument `index` of a bigint builtin as an integer, or an `invalidArgument` failure
/// explaining the rejection.
@inlinable
public func bigintOperand(_ value: Value, argument index: Int) throws(BuiltinFailure) -> Number {
  if let number = bigintInteger(value) { return number }
  throw .invalidArgument(index: index, message: "argument " + bigintRejection(value))
}
