import BigInt
import Foundation

/// An instant: whole seconds since 1970-01-01T00:00:00Z and nanoseconds within the second.
public struct Timestamp: Sendable, Hashable, Comparable {
  public let seconds: Int
  public let nanoseconds: Int

  public init(seconds: Int, nanoseconds: Int) {
    self.seconds = seconds
    self.nanoseconds = nanoseconds
  }

  public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
    (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
  }

  /// `self − earlier` in seconds, exactly.
  public func seconds(since earlier: Timestamp) -> Number {
    let whole = Number(seconds - earlier.seconds)
    let fraction = nanoseconds - earlier.nanoseconds
    if fraction == 0 { return whole }
    return whole + Number(significand: BigInt(fraction), scale: 9)
  }

  /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS(.fraction)?`, each with an
  /// optional `Z` or `±HH:MM` (none means UTC). The fraction has 1 to 9 digits. Months, days
  /// (leap years included), hours (< 24), minutes and seconds (< 60, no leap second) are
  /// range-checked. Returns the reason when the text is not such a timestamp (the callers —
  /// the timestamp builtins, the context readers — each report it in their own diagnostic).
  static func parse(_ text: String) -> Result<Timestamp, TimestampError> {
    let bytes = Array(text.utf8.prefix(64))
    if text.utf8.count > 64 { return .failure(TimestampError("is too long for a timestamp")) }
    var reader = TimestampReader(bytes: bytes)
    return reader.read()
  }

  /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as JavaScript's `toISOString` writes it.
  public var isoText: String {
    let days = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    let secondOfDay = seconds - days * 86_400
    let (year, month, day) = civilDate(fromDays: days)
    func pad(_ value: Int, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
      + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":"
      + pad(secondOfDay % 60, 2) + "." + pad(nanoseconds / 1_000_000, 3) + "Z"
  }

  /// The wall clock, to the millisecond.
  public static var wallClock: Timestamp {
    let milliseconds = Int((Date().timeIntervalSince1970 * 1000).rounded(.down))
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    return Timestamp(seconds: seconds, nanoseconds: (milliseconds - seconds * 1000) * 1_000_000)
  }
}

/// Why a string is not an accepted timestamp: a phrase completing "the text …", which each
/// caller words into its own diagnostic.
struct TimestampError: Error, Sendable, Hashable {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}

func isLeapYear(_ year: Int) -> Bool {
  year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

func daysInMonth(_ month: Int, year: Int) -> Int {
  switch month {
  case 2: return isLeapYear(year) ? 29 : 28
  case 4, 6, 9, 11: return 30
  default: return 31
  }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
  let shiftedYear = month <= 2 ? year - 1 : year
  let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
  let yearOfEra = shiftedYear - era * 400
  let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
  let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/// The inverse of ``daysSinceEpoch(year:month:day:)``.
func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
  let shifted = days + 719_468
  let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
  let dayOfEra = shifted - era * 146_097
  let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
  let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
  let monthIndex = (5 * dayOfYear + 2) / 153
  let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
  let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
  return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

private struct TimestampReader {
  let bytes: [UInt8]
  var position = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func read() -> Result<Timestamp, TimestampError> {
    guard let year = digits(4), expect("-"), let month = digits(2), expect("-"),
      let day = digits(2)
    else { return .failure(TimestampError("does not start with a YYYY-MM-DD date")) }
    guard (1...12).contains(month) else {
      return .failure(TimestampError("has month \(month), outside 01–12"))
    }
    guard day >= 1, day <= daysInMonth(month, year: year) else {
      return .failure(TimestampError("has day \(day), which \(year)-\(month) does not have"))
    }
    var secondOfDay = 0
    var nanoseconds = 0
    if position < bytes.count, bytes[position] == UInt8(ascii: "T") {
      position += 1
      guard let hour = digits(2), expect(":"), let minute = digits(2) else {
        return .failure(TimestampError("has no HH:MM time after `T`"))
      }
      guard hour < 24 else { return .failure(TimestampError("has hour \(hour), over 23")) }
      guard minute < 60 else { return .failure(TimestampError("has minute \(minute), over 59")) }
      var second = 0
      if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
        position += 1
        guard let value = digits(2) else {
          return .failure(TimestampError("has no two-digit seconds after `:`"))
        }
        guard value < 60 else {
          return .failure(TimestampError("has second \(value), over 59 (no leap seconds)"))
        }
        second = value
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
          position += 1
          var count = 0
          while position < bytes.count, isDigit(bytes[position]) {
            count += 1
            guard count <= 9 else {
              return .failure(TimestampError("has more than 9 fractional second digits"))
            }
            nanoseconds = nanoseconds * 10 + Int(bytes[position] - UInt8(ascii: "0"))
            position += 1
          }
          guard count > 0 else {
            return .failure(TimestampError("has no digits after the decimal point"))
          }
          for _ in count..<9 { nanoseconds *= 10 }
        }
      }
      secondOfDay = hour * 3600 + minute * 60 + second
    }
    var offset = 0
    if position < bytes.count {
      let sign = bytes[position]
      if sign == UInt8(ascii: "Z") {
        position += 1
      } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        position += 1
        guard let hours = digits(2), expect(":"), let minutes = digits(2), hours < 24,
          minutes < 60
        else { return .failure(TimestampError("has an offset that is not ±HH:MM")) }
        offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
      }
    }
    guard position == bytes.count else {
      return .failure(TimestampError("has unexpected text at character \(position + 1)"))
    }
    let days = daysSinceEpoch(year: year, month: month, day: day)
    return .success(
      Timestamp(seconds: days * 86_400 + secondOfDay - offset, nanoseconds: nanoseconds))
  }

  func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

  mutating func digits(_ count: Int) -> Int? {
    guard position + count <= bytes.count else { return nil }
    var value = 0
    for offset in 0..<count {
      let byte = bytes[position + offset]
      guard isDigit(byte) else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    position += count
    return value
  }

  mutating func expect(_ character: Unicode.Scalar) -> Bool {
    guard position < bytes.count, bytes[position] == UInt8(character.value) else { return false }
    position += 1
    return true
  }
}

/// `is_after`, `is_before`, `is_between`, `is_stale`, `is_within`, `now`.
enum TimeBuiltins {
  static let family = "time"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("is_after", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        .bool(try timestamp(arguments, 0) > timestamp(arguments, 1))
      }),
    Builtin(
      BuiltinSignature("is_before", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        .bool(try timestamp(arguments, 0) < timestamp(arguments, 1))
      }),
    Builtin(
      BuiltinSignature("is_between", [.value, .value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let instant = try timestamp(arguments, 0)
        let lower = try timestamp(arguments, 1)
        let upper = try timestamp(arguments, 2)
        return .bool(lower <= instant && instant <= upper)
      }),
    Builtin(
      BuiltinSignature(
        "is_stale", [.value, .value, .value], optional: 1, result: .boolean, family: family),
      .function { arguments, context throws(BuiltinFailure) in
        let (age, maximum) = try ageAndMaximum(arguments, context)
        return .bool(Number.compare(age, maximum) > 0)
      }),
    Builtin(
      BuiltinSignature(
        "is_within", [.value, .value, .value], optional: 1, result: .boolean, family: family),
      .function { arguments, context throws(BuiltinFailure) in
        let (age, maximum) = try ageAndMaximum(arguments, context)
        return .bool(Number.compare(age, maximum) <= 0)
      }),
    Builtin(
      BuiltinSignature("now", [], result: .string, family: family),
      .function { _, context throws(BuiltinFailure) in
        .string(context.now ?? Timestamp.wallClock.isoText)
      }),
  ]

  /// Argument `index` as a timestamp, else an error saying what is wrong with it.
  static func timestamp(
    _ arguments: BuiltinArguments, _ index: Int
  ) throws(BuiltinFailure) -> Timestamp {
    guard case .string(let text) = arguments[index] else {
      throw .invalidArgument(
        index: index,
        message: "expected an ISO 8601 timestamp string, got \(describe(arguments[index]))")
    }
    switch Timestamp.parse(text) {
    case .success(let instant): return instant
    case .failure(let error):
      throw .invalidArgument(
        index: index,
        message: "\(truncated(Value.quoted(text))) is not an ISO 8601 timestamp: it "
          + error.reason)
    }
  }

  /// The reference instant of `is_stale` / `is_within`: argument 2 when given, else the
  /// context's `now`, else the wall clock.
  static func referenceInstant(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Timestamp {
    if arguments.count > 2 { return try timestamp(arguments, 2) }
    guard let now = context.now else { return Timestamp.wallClock }
    switch Timestamp.parse(now) {
    case .success(let instant): return instant
    case .failure(let error):
      throw .failed("the evaluation context's `now` is not an ISO 8601 timestamp: it "
        + error.reason)
    }
  }

  static func ageAndMaximum(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> (age: Number, maximum: Number) {
    let instant = try timestamp(arguments, 0)
    let maximum = try arguments.number(1, "max_age_seconds")
    guard maximum.signum >= 0 else {
      throw .invalidArgument(
        index: 1, message: "max_age_seconds must not be negative, got \(maximum)")
    }
    let reference = try referenceInstant(arguments, context)
    return (reference.seconds(since: instant), maximum)
  }
}
