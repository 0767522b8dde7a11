import Foundation

/// A rule file read as raw JSON text, keeping the byte range of every string literal so
/// `constraint fmt` can rewrite expressions in place and leave every other byte untouched.
///
/// This is a small strict JSON reader (RFC 8259 syntax, duplicate keys rejected, depth capped)
/// used only by the formatter; the full rule-file loader lives in the library.
struct RuleFileText {
  /// One constraint's expression: where its JSON string literal sits and what it decodes to.
  struct Expression {
    var ruleID: String
    var text: String
    /// Byte range of the literal in the file, quotes included.
    var literalRange: Range<Int>
  }

  let bytes: [UInt8]
  /// The constraints with an `expression`, in file order (`runtime-deferred` ones excluded).
  private(set) var expressions: [Expression] = []

  struct ReadError: Error, CustomStringConvertible {
    var description: String
  }

  init(bytes: [UInt8]) throws {
    self.bytes = bytes
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw ReadError(description: "the file is not valid UTF-8")
    }
    var reader = JSONTextReader(bytes: bytes)
    let root = try reader.readDocument()
    guard case .object(let members) = root else {
      throw ReadError(description: "the top level is not a JSON object")
    }
    guard let constraintsValue = members.first(where: { $0.key == "constraints" })?.value,
      case .array(let constraints) = constraintsValue
    else {
      throw ReadError(description: "no `constraints` array")
    }
    for (position, constraint) in constraints.enumerated() {
      guard case .object(let fields) = constraint else {
        throw ReadError(description: "constraints[\(position)] is not an object")
      }
      func field(_ name: String) -> JSONTextValue? {
        fields.first(where: { $0.key == name })?.value
      }
      var ruleID = "constraints[\(position)]"
      if case .string(let id, _) = field("id") { ruleID = id }
      if case .string("runtime-deferred", _) = field("evaluator") { continue }
      guard case .string(let text, let range) = field("expression") else {
        throw ReadError(description: "rule \(ruleID) has no `expression` string")
      }
      expressions.append(Expression(ruleID: ruleID, text: text, literalRange: range))
    }
  }

  /// The file's bytes with the given expressions' literals replaced by new JSON strings.
  func replacing(_ replacements: [(Expression, String)]) -> [UInt8] {
    var result = bytes
    for (expression, newText) in replacements.sorted(by: {
      $0.0.literalRange.lowerBound > $1.0.literalRange.lowerBound
    }) {
      result.replaceSubrange(expression.literalRange, with: Array(jsonQuoted(newText).utf8))
    }
    return result
  }
}

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped.
func jsonQuoted(_ text: String) -> String {
  var result = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": result += "\\\""
    case "\\": result += "\\\\"
    case "\n": result += "\\n"
    case "\r": result += "\\r"
    case "\t": result += "\\t"
    case "\u{08}": result += "\\b"
    case "\u{0C}": result += "\\f"
    default:
      if scalar.value < 0x20 {
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
  }
  return result + "\""
}

/// A JSON value with the byte ranges of its string literals.
indirect enum JSONTextValue {
  case object([(key: String, value: JSONTextValue)])
  case array([JSONTextValue])
  case string(String, Range<Int>)
  case scalar
}

/// A strict recursive-descent JSON reader over bytes, depth-limited.
private struct JSONTextReader {
  let bytes: [UInt8]
  var position = 0
  var depth = 0
  let maximumDepth = 256

  init(bytes: [UInt8]) {
    self.bytes = bytes
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
  }

  mutating func readDocument() throws -> JSONTextValue {
    let value = try readValue()
    skipWhitespace()
    if position < bytes.count { throw error("unexpected text after the JSON value") }
    return value
  }

  private mutating func readValue() throws -> JSONTextValue {
    skipWhitespace()
    guard position < bytes.count else { throw error("unexpected end of file") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try readObject()
    case UInt8(ascii: "["): return try readArray()
    case UInt8(ascii: "\""):
      let start = position
      let text = try readString()
      return .string(text, start..<position)
    case UInt8(ascii: "t"): return try readWord("true")
    case UInt8(ascii: "f"): return try readWord("false")
    case UInt8(ascii: "n"): return try readWord("null")
    default: return try readNumber()
    }
  }

  private mutating func nest() throws {
    depth += 1
    if depth > maximumDepth { throw error("JSON nested more than \(maximumDepth) levels") }
  }

  private mutating func readObject() throws -> JSONTextValue {
    try nest()
    defer { depth -= 1 }
    position += 1
    var members: [(key: String, value: JSONTextValue)] = []
    var keys = Set<[Unicode.Scalar]>()
    skipWhitespace()
    if peek() == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
      let key = try readString()
      guard keys.insert(Array(key.unicodeScalars)).inserted else {
        throw error("duplicate key \"\(key)\"")
      }
      skipWhitespace()
      guard peek() == UInt8(ascii: ":") else { throw error("expected `:` after a key") }
      position += 1
      members.append((key, try readValue()))
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard peek() == UInt8(ascii: "}") else { throw error("expected `,` or `}`") }
      position += 1
      return .object(members)
    }
  }

  private mutating func readArray() throws -> JSONTextValue {
    try nest()
    defer { depth -= 1 }
    position += 1
    var elements: [JSONTextValue] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      elements.append(try readValue())
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
        continue
      }
      guard peek() == UInt8(ascii: "]") else { throw error("expected `,` or `]`") }
      position += 1
      return .array(elements)
    }
  }

  private mutating func readString() throws -> String {
    position += 1
    var scalars = String.UnicodeScalarView()
    var chunkStart = position
    func flush(_ end: Int) {
      scalars.append(contentsOf: String(decoding: bytes[chunkStart..<end], as: UTF8.self)
        .unicodeScalars)
    }
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        flush(position)
        position += 1
        return String(scalars)
      }
      if byte < 0x20 { throw error("control character in a string") }
      if byte != UInt8(ascii: "\\") {
        position += 1
        continue
      }
      flush(position)
      position += 1
      guard position < bytes.count else { break }
      let escape = bytes[position]
      position += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var value = try readHex4()
        if (0xD800..<0xDC00).contains(value) {
          guard bytes[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
            throw error("unpaired surrogate in a string")
          }
          position += 2
          let low = try readHex4()
          guard (0xDC00..<0xE000).contains(low) else {
            throw error("unpaired surrogate in a string")
          }
          value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else {
          throw error("unpaired surrogate in a string")
        }
        scalars.append(scalar)
      default:
        throw error("invalid escape in a string")
      }
      chunkStart = position
    }
    throw error("unterminated string")
  }

  private mutating func readHex4() throws -> UInt32 {
    guard position + 4 <= bytes.count,
      let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self),
        radix: 16)
    else { throw error("invalid \\u escape") }
    position += 4
    return value
  }

  private mutating func readWord(_ word: String) throws -> JSONTextValue {
    guard bytes[position...].starts(with: word.utf8) else { throw error("invalid literal") }
    position += word.utf8.count
    return .scalar
  }

  private mutating func readNumber() throws -> JSONTextValue {
    if peek() == UInt8(ascii: "-") { position += 1 }
    let digitsStart = position
    while let byte = peek(), isDigit(byte) { position += 1 }
    let integerDigits = position - digitsStart
    guard integerDigits > 0 else { throw error("unexpected character") }
    if integerDigits > 1, bytes[digitsStart] == UInt8(ascii: "0") {
      throw error("leading zero in a number")
    }
    if peek() == UInt8(ascii: ".") {
      position += 1
      guard let byte = peek(), isDigit(byte) else { throw error("invalid number") }
      while let byte = peek(), isDigit(byte) { position += 1 }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      guard let byte = peek(), isDigit(byte) else { throw error("invalid number") }
      while let byte = peek(), isDigit(byte) { position += 1 }
    }
    return .scalar
  }

  private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipWhitespace() {
    while let byte = peek(),
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
        || byte == UInt8(ascii: "\r")
    {
      position += 1
    }
  }

  private func error(_ message: String) -> RuleFileText.ReadError {
    let clamped = min(position, bytes.count)
    let line = 1 + bytes[0..<clamped].lazy.filter { $0 == UInt8(ascii: "\n") }.count
    let lineStart = bytes[0..<clamped].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
    let column = String(decoding: bytes[lineStart..<clamped], as: UTF8.self)
      .unicodeScalars.count + 1
    return RuleFileText.ReadError(description: "invalid JSON at \(line):\(column): \(message)")
  }
}
