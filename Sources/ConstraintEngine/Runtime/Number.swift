import BigInt
import Synchronization

/// An exact number: an integer of any size or an exact base-10 decimal.
///
/// Numbers are never read through `Double`. The representation is normalised, so two numbers
/// are equal exactly when their representations are equal:
/// - every integer that fits in `Int` is `.small`; larger ones are `.big`;
/// - every non-integer is `.decimal`, whose significand is not divisible by 10. A decimal with
///   an integral value (`1.0`, `-0.0`, `1e2`) is stored as the integer.
public enum Number: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// An integer in `Int.min ... Int.max`: the fast path.
  case small(Int)
  /// An integer outside the `Int` range.
  case big(BigIntBox)
  /// A non-integral exact decimal.
  case decimal(DecimalBox)

  // MARK: Construction

  public init(_ value: Int) { self = .small(value) }

  public init(_ value: BigInt) {
    if let small = Int(exactly: value) {
      self = .small(small)
    } else {
      self = .big(BigIntBox(value))
    }
  }

  /// `significand × 10^-scale`, normalised.
  public init(significand: BigInt, scale: Int) {
    var significand = significand
    var scale = scale
    if significand.isZero {
      self = .small(0)
      return
    }
    if scale > 0 {
      // Strip the fraction's trailing zeros: at most `scale`, and at most as many as the
      // significand has trailing zero bits (10^z divides it only if 2^z does). Powers of ten
      // from the largest that fits remove a long run in a few divisions, not one per digit.
      var limit = min(scale, significand.magnitude.trailingZeroBitCount)
      var chunk = 1
      while chunk * 2 <= limit { chunk *= 2 }
      while chunk >= 1 && limit > 0 {
        while chunk <= limit {
          let (quotient, remainder) = significand.quotientAndRemainder(
            dividingBy: Number.powerOfTen(chunk))
          guard remainder.isZero else { break }
          significand = quotient
          scale -= chunk
          limit -= chunk
        }
        chunk /= 2
      }
    }
    if scale <= 0 {
      self = Number(scale == 0 ? significand : significand * Number.powerOfTen(-scale))
    } else {
      self = .decimal(DecimalBox(significand: significand, scale: scale))
    }
  }

  /// Parses `-?digits(.digits)?([eE][+-]?digits)?` exactly. Returns nil for anything else
  /// (no leading `+`, no hex, no empty parts) or when the exponent magnitude exceeds
  /// `maximumExponent`.
  public init?<S: StringProtocol>(parsing text: S, maximumExponent: Int = 4096) {
    var utf8 = Array(text.utf8)
    guard !utf8.isEmpty else { return nil }
    var negative = false
    var index = 0
    if utf8[0] == UInt8(ascii: "-") {
      negative = true
      index = 1
    }
    var digits: [UInt8] = []
    digits.reserveCapacity(utf8.count)
    let integerStart = index
    while index < utf8.count, Number.isDigit(utf8[index]) {
      digits.append(utf8[index])
      index += 1
    }
    guard index > integerStart else { return nil }
    var scale = 0
    if index < utf8.count, utf8[index] == UInt8(ascii: ".") {
      index += 1
      let fractionStart = index
      while index < utf8.count, Number.isDigit(utf8[index]) {
        digits.append(utf8[index])
        index += 1
      }
      guard index > fractionStart else { return nil }
      scale = index - fractionStart
    }
    if index < utf8.count, utf8[index] == UInt8(ascii: "e") || utf8[index] == UInt8(ascii: "E") {
      index += 1
      var exponentNegative = false
      if index < utf8.count, utf8[index] == UInt8(ascii: "+") || utf8[index] == UInt8(ascii: "-") {
        exponentNegative = utf8[index] == UInt8(ascii: "-")
        index += 1
      }
      let exponentStart = index
      var exponent = 0
      while index < utf8.count, Number.isDigit(utf8[index]) {
        exponent = exponent * 10 + Int(utf8[index] - UInt8(ascii: "0"))
        if exponent > maximumExponent { return nil }
        index += 1
      }
      guard index > exponentStart else { return nil }
      scale += exponentNegative ? exponent : -exponent
    }
    guard index == utf8.count else { return nil }
    utf8.removeAll()
    self = Number.fromDigits(digits, negative: negative, scale: scale)
  }

  /// Builds a number from ASCII decimal digits, a sign and a scale (value =
  /// `±digits × 10^-scale`).
  static func fromDigits(_ digits: [UInt8], negative: Bool, scale: Int) -> Number {
    var significand: BigInt
    if digits.count <= 18 {
      var value = 0
      for digit in digits { value = value * 10 + Int(digit - UInt8(ascii: "0")) }
      if scale == 0 { return .small(negative ? -value : value) }
      significand = BigInt(value)
    } else {
      significand = BigInt(String(decoding: digits, as: UTF8.self))!
    }
    if negative { significand.negate() }
    return Number(significand: significand, scale: scale)
  }

  // MARK: Inspection

  /// Whether the number is an integer (`.small` or `.big`).
  public var isInteger: Bool {
    if case .decimal = self { return false }
    return true
  }

  /// The value as an arbitrary-precision integer, or nil for a non-integer.
  public var bigIntValue: BigInt? {
    switch self {
    case .small(let value): return BigInt(value)
    case .big(let box): return box.value
    case .decimal: return nil
    }
  }

  /// -1, 0 or 1.
  public var signum: Int {
    switch self {
    case .small(let value): return value.signum()
    case .big(let box): return box.value.sign == .minus ? -1 : 1
    case .decimal(let box): return box.significand.sign == .minus ? -1 : 1
    }
  }

  /// `significand × 10^-scale` with `scale ≥ 0`.
  var scaled: (significand: BigInt, scale: Int) {
    switch self {
    case .small(let value): return (BigInt(value), 0)
    case .big(let box): return (box.value, 0)
    case .decimal(let box): return (box.significand, box.scale)
    }
  }

  // MARK: Comparison and arithmetic

  public static func == (lhs: Number, rhs: Number) -> Bool {
    switch (lhs, rhs) {
    case (.small(let a), .small(let b)): return a == b
    case (.big(let a), .big(let b)): return a.value == b.value
    case (.decimal(let a), .decimal(let b)):
      return a.scale == b.scale && a.significand == b.significand
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .small(let value): hasher.combine(value)
    case .big(let box): hasher.combine(box.value)
    case .decimal(let box):
      hasher.combine(box.significand)
      hasher.combine(box.scale)
    }
  }

  public static func < (lhs: Number, rhs: Number) -> Bool {
    compare(lhs, rhs) < 0
  }

  /// -1, 0 or 1 as `lhs` is less than, equal to or greater than `rhs`.
  public static func compare(_ lhs: Number, _ rhs: Number) -> Int {
    if case .small(let a) = lhs, case .small(let b) = rhs {
      return a < b ? -1 : (a == b ? 0 : 1)
    }
    let (a, b) = aligned(lhs, rhs)
    return a < b ? -1 : (a == b ? 0 : 1)
  }

  public static func + (lhs: Number, rhs: Number) -> Number {
    if case .small(let a) = lhs, case .small(let b) = rhs {
      let (sum, overflow) = a.addingReportingOverflow(b)
      if !overflow { return .small(sum) }
    }
    let scale = max(lhs.scaled.scale, rhs.scaled.scale)
    let (a, b) = aligned(lhs, rhs)
    return Number(significand: a + b, scale: scale)
  }

  public static func - (lhs: Number, rhs: Number) -> Number {
    if case .small(let a) = lhs, case .small(let b) = rhs {
      let (difference, overflow) = a.subtractingReportingOverflow(b)
      if !overflow { return .small(difference) }
    }
    let scale = max(lhs.scaled.scale, rhs.scaled.scale)
    let (a, b) = aligned(lhs, rhs)
    return Number(significand: a - b, scale: scale)
  }

  public static func * (lhs: Number, rhs: Number) -> Number {
    if case .small(let a) = lhs, case .small(let b) = rhs {
      let (product, overflow) = a.multipliedReportingOverflow(by: b)
      if !overflow { return .small(product) }
    }
    let (a, aScale) = lhs.scaled
    let (b, bScale) = rhs.scaled
    return Number(significand: a * b, scale: aScale + bScale)
  }

  public prefix static func - (operand: Number) -> Number {
    switch operand {
    case .small(let value):
      if value != Int.min { return .small(-value) }
      return Number(-BigInt(value))
    case .big(let box): return Number(-box.value)
    case .decimal(let box):
      return .decimal(DecimalBox(significand: -box.significand, scale: box.scale))
    }
  }

  /// The number of fractional digits kept by ``divided(by:)`` when a quotient does not
  /// terminate.
  public static let divisionScale = 20

  /// Errors of exact arithmetic.
  public enum ArithmeticError: Error, Sendable, Hashable {
    case divisionByZero
    case nonIntegerRemainder
  }

  /// Exact division. A quotient that terminates within ``divisionScale`` fractional digits is
  /// exact; any other is rounded half-to-even at ``divisionScale`` digits.
  public func divided(by divisor: Number) throws(ArithmeticError) -> Number {
    if divisor.signum == 0 { throw .divisionByZero }
    if case .small(let a) = self, case .small(let b) = divisor, b != -1, a % b == 0 {
      return .small(a / b)
    }
    let (a, aScale) = scaled
    let (b, bScale) = divisor.scaled
    // self / divisor = (a / b) × 10^(bScale - aScale); compute round(a×10^k / b) with
    // k chosen so that the result has `divisionScale` fractional digits.
    let shift = Number.divisionScale + bScale - aScale
    var numerator = a
    var denominator = b
    if shift >= 0 {
      numerator *= Number.powerOfTen(shift)
    } else {
      denominator *= Number.powerOfTen(-shift)
    }
    let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
    var rounded = quotient
    if !remainder.isZero {
      let twiceRemainder = remainder.magnitude * 2
      let comparison: Int =
        twiceRemainder < denominator.magnitude
        ? -1 : (twiceRemainder == denominator.magnitude ? 0 : 1)
      let negative = (numerator.sign == .minus) != (denominator.sign == .minus)
      if comparison > 0 || (comparison == 0 && !(quotient.magnitude % 2).isZero) {
        rounded += negative ? -1 : 1
      }
    }
    return Number(significand: rounded, scale: Number.divisionScale)
  }

  /// Integer remainder with the sign of the dividend (as `Int`'s `%`). Both operands must be
  /// integers.
  public func remainder(dividingBy divisor: Number) throws(ArithmeticError) -> Number {
    guard isInteger, divisor.isInteger else { throw .nonIntegerRemainder }
    if divisor.signum == 0 { throw .divisionByZero }
    if case .small(let a) = self, case .small(let b) = divisor {
      if b == -1 { return .small(0) }
      return .small(a % b)
    }
    let (_, remainder) = bigIntValue!.quotientAndRemainder(dividingBy: divisor.bigIntValue!)
    return Number(remainder)
  }

  // MARK: Size

  /// Whether the number, written out in full, has more than `maximum` digits: an integer its
  /// digits, a decimal also the zeros after `0.` (`12.34` has 4 digits, `0.0012` has 5).
  public func hasMoreDigits(than maximum: Int) -> Bool {
    switch self {
    case .small(let value):
      return maximum < 19 && String(value.magnitude).utf8.count > maximum
    case .big(let box):
      return Number.magnitude(box.value.magnitude, hasMoreDigitsThan: maximum)
    case .decimal(let box):
      return box.scale + 1 > maximum
        || Number.magnitude(box.significand.magnitude, hasMoreDigitsThan: maximum)
    }
  }

  /// Whether `magnitude` has more than `maximum` decimal digits, decided from its bit width
  /// except within a bit of 10^maximum's.
  static func magnitude(_ magnitude: BigUInt, hasMoreDigitsThan maximum: Int) -> Bool {
    // 10^maximum has ⌊maximum × log₂ 10⌋ + 1 bits.
    let powerBits = Int(Double(maximum) * 3.321928094887362) + 1
    let bits = magnitude.bitWidth
    if bits < powerBits - 1 { return false }
    if bits > powerBits + 1 { return true }
    return magnitude >= BigUInt(10).power(maximum)
  }

  /// The 64-bit words of the significand (at least 1): the size arithmetic costs grow with.
  var significandWords: Int {
    switch self {
    case .small: return 1
    case .big(let box): return max(1, (box.value.magnitude.bitWidth + 63) / 64)
    case .decimal(let box): return max(1, (box.significand.magnitude.bitWidth + 63) / 64)
    }
  }

  // MARK: Text

  /// Canonical decimal text: `-12`, `0.5`, `123.0001` (never an exponent, never `-0`).
  public var description: String {
    switch self {
    case .small(let value): return String(value)
    case .big(let box): return box.value.description
    case .decimal(let box):
      let negative = box.significand.sign == .minus
      var digits = box.significand.magnitude.description
      if digits.count <= box.scale {
        digits = String(repeating: "0", count: box.scale - digits.count + 1) + digits
      }
      let point = digits.index(digits.endIndex, offsetBy: -box.scale)
      return (negative ? "-" : "") + digits[..<point] + "." + digits[point...]
    }
  }

  // MARK: Helpers

  static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  static func powerOfTen(_ exponent: Int) -> BigInt {
    if exponent < 19 { return BigInt(Int(truncatingIfNeeded: smallPowersOfTen[exponent])) }
    guard exponent <= cachedPowers else { return computedPowerOfTen(exponent) }
    if let cached = powerCache.withLock({ $0[exponent] }) { return cached }
    let power = computedPowerOfTen(exponent)
    powerCache.withLock { $0[exponent] = power }
    return power
  }

  /// Powers of ten up to this exponent (JSON's default exponent limit) are kept once computed:
  /// a document of 16,000 numbers such as `1e4000` (110 KB) would otherwise compute one per
  /// number. All of them together take 3.5 MB.
  private static let cachedPowers = 4_096

  private static let powerCache = Mutex<[Int: BigInt]>([:])

  private static func computedPowerOfTen(_ exponent: Int) -> BigInt {
    guard exponent < 1 << binaryPowersOfTen.count else { return BigInt(10).power(exponent) }
    // The product of the precomputed 10^(2^i) for the bits of `exponent`: a document of
    // numbers such as `1e4000` needs no squaring per number (which cost ~0.25 ms each).
    var result = BigInt(1)
    var rest = exponent
    var bit = 0
    while rest > 0 {
      if rest & 1 == 1 { result *= binaryPowersOfTen[bit] }
      rest >>= 1
      bit += 1
    }
    return result
  }

  private static let smallPowersOfTen: [UInt64] = (0..<19).map { exponent in
    (0..<exponent).reduce(1) { power, _ in power * 10 }
  }

  /// 10^(2^i) for i in 0...13 (up to 10^8192, 3.4 KB; 7 KB in all).
  private static let binaryPowersOfTen: [BigInt] = {
    var powers = [BigInt(10)]
    for _ in 1...13 { powers.append(powers[powers.count - 1] * powers[powers.count - 1]) }
    return powers
  }()

  /// Both significands scaled to the larger of the two scales.
  static func aligned(_ lhs: Number, _ rhs: Number) -> (BigInt, BigInt) {
    let (a, aScale) = lhs.scaled
    let (b, bScale) = rhs.scaled
    if aScale == bScale { return (a, b) }
    if aScale < bScale { return (a * powerOfTen(bScale - aScale), b) }
    return (a, b * powerOfTen(aScale - bScale))
  }
}

/// Heap storage for an integer outside the `Int` range, so that ``Number`` stays two words.
public final class BigIntBox: Sendable {
  public let value: BigInt
  public init(_ value: BigInt) { self.value = value }
}

/// Heap storage for a non-integral decimal `significand × 10^-scale` (`scale > 0`).
public final class DecimalBox: Sendable {
  public let significand: BigInt
  public let scale: Int
  public init(significand: BigInt, scale: Int) {
    self.significand = significand
    self.scale = scale
  }
}
