/// What a document's values will take in memory, estimated from its text in one pass that
/// builds nothing: each value (scalar or container), each object key, and the bytes of each
/// string too long to be held inline. Used to refuse, before anything is built, a document whose
/// values would need more than ``JSONLimits/maximumValueMemory``.
///
/// The scan does not validate: for malformed text the estimate is only an estimate (the
/// parser then reports the syntax error, if the document was not refused first).
public struct JSONMemoryEstimate: Sendable, Hashable {
  /// Scalars and containers (as the parser counts them for ``JSONLimits/maximumValues``).
  public var values = 0
  /// Object keys.
  public var keys = 0
  /// Bytes of strings longer than 15 bytes (shorter ones are held inline).
  public var longStringBytes = 0
  /// Strings longer than 15 bytes.
  public var longStrings = 0
  /// Digits that positive exponents add to numbers (`1e4000` is 6 bytes of text and a
  /// 4,001-digit integer, 1.7 KB, in memory).
  public var exponentDigits = 0
  /// Where the value beyond the scan's `valueLimit` starts (nil: there are no more values).
  public var offsetBeyondValueLimit: Int?

  /// Plain values (``Value``): at most 72 bytes per value while a document is built (its
  /// element or member, the parser's scratch copy, container storage), with 32 bytes of
  /// header per long string.
  public static let bytesPerValue = 72
  /// Located values (rule files, ``LocatedJSON``): every value carries two source locations.
  public static let bytesPerLocatedValue = 192

  /// The estimated bytes with `perValue` bytes per value or key.
  public func bytes(perValue: Int) -> Int {
    // A decimal digit takes log2(10)/8 ≈ 0.42 bytes of a big integer: 1 byte per 2 digits.
    (values &+ keys) &* perValue &+ longStringBytes &+ longStrings &* 32 &+ exponentDigits / 2
  }

  /// The estimate for `bytes`, noting where value number `valueLimit + 1` starts.
  public static func scan(_ bytes: UnsafeRawBufferPointer, valueLimit: Int = .max)
    -> JSONMemoryEstimate
  {
    var estimate = JSONMemoryEstimate()
    func counted(at offset: Int) {
      estimate.values += 1
      if estimate.values == valueLimit &+ 1 { estimate.offsetBeyondValueLimit = offset }
    }
    var index = 0
    let count = bytes.count
    var previousWasValueByte = false
    while index < count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        // A string (or key): skip to its closing quote.
        var end = index + 1
        while end < count {
          let inner = bytes[end]
          if inner == UInt8(ascii: "\\") {
            end += 2
            continue
          }
          if inner == UInt8(ascii: "\"") { break }
          end += 1
        }
        let length = min(end, count) - index - 1
        // A string followed by `:` is a key.
        var next = end + 1
        while next < count, bytes[next] == 0x20 || bytes[next] == 0x0A || bytes[next] == 0x0D
          || bytes[next] == 0x09
        {
          next += 1
        }
        if next < count, bytes[next] == UInt8(ascii: ":") {
          estimate.keys += 1
        } else {
          counted(at: index)
        }
        if length > 15 {
          estimate.longStrings += 1
          estimate.longStringBytes += length
        }
        index = end + 1
        previousWasValueByte = false
        continue
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        counted(at: index)
        previousWasValueByte = false
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"),
        UInt8(ascii: "f"), UInt8(ascii: "n"):
        // The first byte of a number or literal starts a value; the rest continue it.
        if !previousWasValueByte { counted(at: index) }
        previousWasValueByte = true
      case UInt8(ascii: "e"), UInt8(ascii: "E"):
        guard previousWasValueByte else { break }
        // An exponent: a positive one expands the number by its value in digits.
        var next = index + 1
        var negative = false
        if next < count, bytes[next] == UInt8(ascii: "+") || bytes[next] == UInt8(ascii: "-") {
          negative = bytes[next] == UInt8(ascii: "-")
          next += 1
        }
        var exponent = 0
        while next < count, bytes[next] &- UInt8(ascii: "0") < 10 {
          exponent = min(exponent &* 10 &+ Int(bytes[next] &- UInt8(ascii: "0")), 1 << 40)
          next += 1
        }
        if !negative { estimate.exponentDigits = min(estimate.exponentDigits &+ exponent, 1 << 50) }
        index = next
        continue
      case UInt8(ascii: "."), UInt8(ascii: "+"),
        UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "r"),
        UInt8(ascii: "u"):
        // Inside a number or literal: continues the value (or is a stray byte).
        break
      default:
        previousWasValueByte = false
      }
      index += 1
    }
    return estimate
  }
}
