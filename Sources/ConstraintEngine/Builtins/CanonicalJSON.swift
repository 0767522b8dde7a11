import Foundation

/// Why a value has no canonical JSON form.
enum CanonicalJSONError: Error, Sendable, Hashable {
  case missingValue
  case tooDeep(limit: Int)
  case keyCollision(String)

  var message: String {
    switch self {
    case .missingValue: return "a missing value has no JSON form"
    case .tooDeep(let limit): return "the value nests deeper than \(limit) levels"
    case .keyCollision(let key):
      return "two keys become \(truncated(Value.quoted(key))) after NFC normalisation"
    }
  }
}

/// RFC 8785 (JSON Canonicalization Scheme) serialisation of a ``Value``.
///
/// Object keys are sorted by UTF-16 code units; strings are escaped as RFC 8785 requires
/// (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00xx`, everything else
/// literal); numbers are written as ECMAScript's `Number.prototype.toString` writes the
/// double with the same shortest digits. Our numbers are exact, so a number with more
/// significant digits than a double holds is written with all its digits, where JavaScript
/// would first round it to a double.
enum CanonicalJSON {
  static let depthLimit = 512

  static func encode(
    _ value: Value, normalizeStrings: Bool
  ) throws(CanonicalJSONError) -> [UInt8] {
    var output: [UInt8] = []
    try write(value, into: &output, normalize: normalizeStrings, depth: 0)
    return output
  }

  private static func write(
    _ value: Value, into output: inout [UInt8], normalize: Bool, depth: Int
  ) throws(CanonicalJSONError) {
    if depth > depthLimit { throw .tooDeep(limit: depthLimit) }
    switch value {
    case .missing: throw .missingValue
    case .null: output += Array("null".utf8)
    case .bool(let flag): output += Array((flag ? "true" : "false").utf8)
    case .number(let number): output += Array(ecmaScriptText(number).utf8)
    case .string(let text):
      writeString(normalize ? nfc(text) : text, into: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (position, element) in elements.enumerated() {
        if position > 0 { output.append(UInt8(ascii: ",")) }
        try write(element, into: &output, normalize: normalize, depth: depth + 1)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let object):
      var entries: [(key: String, units: [UInt16], value: Value)] = object.map {
        let key = normalize ? nfc($0.key) : $0.key
        return (key, Array(key.utf16), $0.value)
      }
      entries.sort { $0.units.lexicographicallyPrecedes($1.units) }
      output.append(UInt8(ascii: "{"))
      for (position, entry) in entries.enumerated() {
        if position > 0 {
          if entries[position - 1].units == entry.units { throw .keyCollision(entry.key) }
          output.append(UInt8(ascii: ","))
        }
        writeString(entry.key, into: &output)
        output.append(UInt8(ascii: ":"))
        try write(entry.value, into: &output, normalize: normalize, depth: depth + 1)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  /// Unicode Normalization Form C.
  static func nfc(_ text: String) -> String {
    text.precomposedStringWithCanonicalMapping
  }

  static func writeString(_ text: String, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x08: output += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
      case 0x0C: output += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
      case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: output.append(byte)
      }
    }
    output.append(UInt8(ascii: "\""))
  }

  /// ECMAScript `Number::toString` applied to the exact decimal digits of `number`:
  /// plain notation for exponents in [-7, 21), else `d.ddde±n`.
  static func ecmaScriptText(_ number: Number) -> String {
    if number.signum == 0 { return "0" }
    let plain = number.description
    let negative = plain.hasPrefix("-")
    let unsigned = negative ? plain.dropFirst() : plain[...]
    var digits: [Character] = []
    var pointPosition = unsigned.count
    for (offset, character) in unsigned.enumerated() {
      if character == "." { pointPosition = offset } else { digits.append(character) }
    }
    // value = 0.d1d2…dk × 10^n, with k significant digits.
    var exponent = pointPosition
    while digits.first == "0" {
      digits.removeFirst()
      exponent -= 1
    }
    while digits.last == "0" { digits.removeLast() }
    let k = digits.count
    let n = exponent
    var text = ""
    if k <= n && n <= 21 {
      text = String(digits) + String(repeating: "0", count: n - k)
    } else if 0 < n && n <= 21 {
      text = String(digits[..<n]) + "." + String(digits[n...])
    } else if -6 < n && n <= 0 {
      text = "0." + String(repeating: "0", count: -n) + String(digits)
    } else {
      let exponentText = (n - 1 >= 0 ? "+" : "-") + String(abs(n - 1))
      text =
        k == 1
        ? String(digits) + "e" + exponentText
        : String(digits[0]) + "." + String(digits[1...]) + "e" + exponentText
    }
    return negative ? "-" + text : text
  }
}
