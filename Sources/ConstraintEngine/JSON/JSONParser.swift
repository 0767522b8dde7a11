/// What the parser builds values with: plain ``Value``s for snapshots, ``LocatedJSON`` for rule
/// files. Generic so the snapshot path pays nothing for locations.
protocol JSONBuilder {
  associatedtype Output
  /// Whether the parser must track line starts to give each value a ``SourceRange``.
  static var tracksLocations: Bool { get }
  func scalar(_ value: Value, range: SourceRange) -> Output
  func array(_ elements: [Output], range: SourceRange) -> Output
  func object(_ members: [JSONMember<Output>], range: SourceRange) -> Output
}

/// An object member as parsed: the key, its range, the value.
struct JSONMember<Output> {
  var key: String
  var keyRange: SourceRange
  var value: Output
}

struct ValueBuilder: JSONBuilder {
  static var tracksLocations: Bool { false }

  @inline(__always)
  func scalar(_ value: Value, range: SourceRange) -> Value { value }

  @inline(__always)
  func array(_ elements: [Value], range: SourceRange) -> Value { .array(elements) }

  func object(_ members: [JSONMember<Value>], range: SourceRange) -> Value {
    .object(ObjectValue(members.map { ($0.key, $0.value) }))
  }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
struct JSONParser<Builder: JSONBuilder> {
  let bytes: UnsafeBufferPointer<UInt8>
  let limits: JSONLimits
  let builder: Builder
  var index = 0
  var depth = 0
  var valueCount = 0
  /// Line tracking, only maintained when the builder wants locations.
  var line = 1
  var lineStart = 0

  init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits, builder: Builder) {
    self.bytes = bytes
    self.limits = limits
    self.builder = builder
  }

  /// Parses exactly one document (surrounded by optional whitespace).
  mutating func parseDocument() throws(JSONError) -> Builder.Output {
    if bytes.count > limits.maximumDocumentBytes {
      throw error(
        "document of \(bytes.count) bytes exceeds the \(limits.maximumDocumentBytes)-byte limit",
        at: 0)
    }
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
      throw error("a UTF-8 byte order mark is not allowed before JSON text", at: 0)
    }
    skipWhitespace()
    if index >= bytes.count { throw error("empty document: expected a JSON value", at: index) }
    let value = try parseValue()
    skipWhitespace()
    if index < bytes.count {
      throw error("unexpected \(describeByte(at: index)) after the JSON value", at: index)
    }
    return value
  }

  // MARK: Errors and positions

  /// An error at byte `offset`, with line and column computed from the bytes.
  func error(_ message: String, at offset: Int) -> JSONError {
    let location = JSONParser.location(of: min(offset, bytes.count), in: bytes)
    return JSONError(message: message, offset: offset, line: location.line, column: location.column)
  }

  static func location(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
    var line = 1
    var column = 1
    var position = 0
    while position < offset {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
      position += 1
    }
    return SourceLocation(offset: offset, line: line, column: column)
  }

  @inline(__always)
  func location(_ offset: Int) -> SourceLocation {
    guard Builder.tracksLocations else { return SourceLocation(offset: offset, line: 0, column: 0) }
    var column = 1
    var position = lineStart
    while position < offset {
      if bytes[position] & 0xC0 != 0x80 { column += 1 }
      position += 1
    }
    return SourceLocation(offset: offset, line: line, column: column)
  }

  func describeByte(at offset: Int) -> String {
    guard offset < bytes.count else { return "end of input" }
    let byte = bytes[offset]
    if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  // MARK: Grammar

  @inline(__always)
  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0D: index += 1
      case 0x0A:
        index += 1
        if Builder.tracksLocations {
          line += 1
          lineStart = index
        }
      default: return
      }
    }
  }

  mutating func countValue(at start: Int) throws(JSONError) {
    valueCount += 1
    if valueCount > limits.maximumValues {
      throw error("document holds more than \(limits.maximumValues) values", at: start)
    }
  }

  mutating func parseValue() throws(JSONError) -> Builder.Output {
    let start = index
    try countValue(at: start)
    guard index < bytes.count else { throw error("expected a JSON value, found end of input", at: index) }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""):
      let string = try parseString()
      return builder.scalar(.string(string), range: range(from: start))
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return builder.scalar(.bool(true), range: range(from: start))
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return builder.scalar(.bool(false), range: range(from: start))
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return builder.scalar(.null, range: range(from: start))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let number = try parseNumber()
      return builder.scalar(.number(number), range: range(from: start))
    default:
      throw error("expected a JSON value, found \(describeByte(at: index))", at: index)
    }
  }

  @inline(__always)
  func range(from start: Int) -> SourceRange {
    guard Builder.tracksLocations else {
      return SourceRange(at: SourceLocation(offset: start, line: 0, column: 0))
    }
    return SourceRange(start: locationBehind(start), end: location(index))
  }

  /// The location of `offset`, which may lie on an earlier line than the current one only for
  /// containers; recomputed from the start in that case.
  func locationBehind(_ offset: Int) -> SourceLocation {
    if offset >= lineStart { return location(offset) }
    return JSONParser.location(of: offset, in: bytes)
  }

  mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
    let count = literal.utf8CodeUnitCount
    let start = literal.utf8Start
    for offset in 0..<count {
      guard index + offset < bytes.count, bytes[index + offset] == start[offset] else {
        throw error("invalid literal: expected `\(literal)`", at: index)
      }
    }
    index += count
  }

  mutating func enter(at start: Int) throws(JSONError) {
    depth += 1
    if depth > limits.maximumDepth {
      throw error("nesting deeper than \(limits.maximumDepth) levels", at: start)
    }
  }

  mutating func parseArray() throws(JSONError) -> Builder.Output {
    let start = index
    try enter(at: start)
    index += 1
    var elements: [Builder.Output] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return builder.array(elements, range: range(from: start))
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else {
        throw error("unterminated array: expected `,` or `]`, found end of input", at: index)
      }
      let byte = bytes[index]
      index += 1
      if byte == UInt8(ascii: ",") { continue }
      if byte == UInt8(ascii: "]") { break }
      throw error("expected `,` or `]` in array, found \(describeByte(at: index - 1))", at: index - 1)
    }
    depth -= 1
    return builder.array(elements, range: range(from: start))
  }

  mutating func parseObject() throws(JSONError) -> Builder.Output {
    let start = index
    try enter(at: start)
    index += 1
    var members: [JSONMember<Builder.Output>] = []
    var keys = DuplicateKeyDetector()
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return builder.object(members, range: range(from: start))
    }
    while true {
      skipWhitespace()
      let keyStart = index
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw error("expected a string key in object, found \(describeByte(at: index))", at: index)
      }
      let key = try parseString()
      let keyRange = range(from: keyStart)
      if !keys.insert(key) {
        throw error("duplicate key \(Value.quoted(key)) in object", at: keyStart)
      }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw error("expected `:` after object key, found \(describeByte(at: index))", at: index)
      }
      index += 1
      skipWhitespace()
      let value = try parseValue()
      members.append(JSONMember(key: key, keyRange: keyRange, value: value))
      skipWhitespace()
      guard index < bytes.count else {
        throw error("unterminated object: expected `,` or `}`, found end of input", at: index)
      }
      let byte = bytes[index]
      index += 1
      if byte == UInt8(ascii: ",") { continue }
      if byte == UInt8(ascii: "}") { break }
      throw error("expected `,` or `}` in object, found \(describeByte(at: index - 1))", at: index - 1)
    }
    depth -= 1
    return builder.object(members, range: range(from: start))
  }

  // MARK: Strings

  /// Parses a string starting at the opening quote.
  mutating func parseString() throws(JSONError) -> String {
    let quote = index
    index += 1
    let contentStart = index
    // Fast path: no escapes.
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let length = index - contentStart
        if length > limits.maximumStringBytes { throw stringTooLong(at: quote) }
        let slice = UnsafeBufferPointer(rebasing: bytes[contentStart..<index])
        index += 1
        return try validated(slice, start: contentStart)
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw controlCharacter(at: index) }
      index += 1
    }
    guard index < bytes.count else { throw error("unterminated string", at: quote) }
    // Slow path: unescape into a buffer.
    var buffer: [UInt8] = Array(bytes[contentStart..<index])
    while true {
      guard index < bytes.count else { throw error("unterminated string", at: quote) }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        index += 1
        break
      }
      if byte < 0x20 { throw controlCharacter(at: index) }
      if byte != UInt8(ascii: "\\") {
        buffer.append(byte)
        index += 1
      } else {
        try parseEscape(into: &buffer)
      }
      if buffer.count > limits.maximumStringBytes { throw stringTooLong(at: quote) }
    }
    let result = buffer.withUnsafeBufferPointer { pointer in
      Result { () throws(JSONError) -> String in try validated(pointer, start: contentStart) }
    }
    return try result.get()
  }

  func stringTooLong(at quote: Int) -> JSONError {
    error("string longer than the \(limits.maximumStringBytes)-byte limit", at: quote)
  }

  func controlCharacter(at offset: Int) -> JSONError {
    error(
      "unescaped control character (byte 0x\(String(bytes[offset], radix: 16, uppercase: true))) "
        + "in string", at: offset)
  }

  func validated(_ slice: UnsafeBufferPointer<UInt8>, start: Int) throws(JSONError) -> String {
    if let string = String(validating: slice, as: UTF8.self) { return string }
    // Find the first invalid byte to point at it.
    var position = 0
    while position < slice.count {
      let length = JSONParser.validSequenceLength(slice, at: position)
      if length == 0 { break }
      position += length
    }
    throw error("invalid UTF-8 in string", at: start + position)
  }

  /// The length of the valid UTF-8 sequence at `position`, 0 when invalid.
  static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Int {
    let lead = bytes[position]
    let length: Int
    let minimum: UInt32
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: length = 2; minimum = 0x80
    case 0xE0...0xEF: length = 3; minimum = 0x800
    case 0xF0...0xF4: length = 4; minimum = 0x10000
    default: return 0
    }
    guard position + length <= bytes.count else { return 0 }
    var scalar = UInt32(lead) & (0xFF >> (length + 1))
    for offset in 1..<length {
      let byte = bytes[position + offset]
      guard byte & 0xC0 == 0x80 else { return 0 }
      scalar = scalar << 6 | UInt32(byte & 0x3F)
    }
    if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
    return length
  }

  mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONError) {
    let start = index
    index += 1
    guard index < bytes.count else { throw error("unterminated escape in string", at: start) }
    let byte = bytes[index]
    index += 1
    switch byte {
    case UInt8(ascii: "\""): buffer.append(0x22)
    case UInt8(ascii: "\\"): buffer.append(0x5C)
    case UInt8(ascii: "/"): buffer.append(0x2F)
    case UInt8(ascii: "b"): buffer.append(0x08)
    case UInt8(ascii: "f"): buffer.append(0x0C)
    case UInt8(ascii: "n"): buffer.append(0x0A)
    case UInt8(ascii: "r"): buffer.append(0x0D)
    case UInt8(ascii: "t"): buffer.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try parseHex4(escapeStart: start)
      if (0xD800...0xDBFF).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u")
        else {
          throw error("lone high surrogate \\u\(hex(scalar)) without its low surrogate", at: start)
        }
        let lowStart = index
        index += 2
        let low = try parseHex4(escapeStart: lowStart)
        guard (0xDC00...0xDFFF).contains(low) else {
          throw error("high surrogate \\u\(hex(scalar)) followed by \\u\(hex(low)), not a low surrogate", at: start)
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw error("lone low surrogate \\u\(hex(scalar))", at: start)
      }
      appendUTF8(scalar, to: &buffer)
    default:
      throw error("invalid escape `\\\(Character(Unicode.Scalar(byte)))` in string", at: start)
    }
  }

  func hex(_ value: UInt32) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
  }

  mutating func parseHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
    guard index + 4 <= bytes.count else {
      throw error("incomplete \\u escape: expected 4 hexadecimal digits", at: escapeStart)
    }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default:
        throw error("invalid \\u escape: expected 4 hexadecimal digits", at: escapeStart)
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }

  func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      buffer.append(UInt8(scalar))
    case 0x80..<0x800:
      buffer.append(UInt8(0xC0 | scalar >> 6))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      buffer.append(UInt8(0xE0 | scalar >> 12))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    default:
      buffer.append(UInt8(0xF0 | scalar >> 18))
      buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    }
  }

  // MARK: Numbers

  mutating func parseNumber() throws(JSONError) -> Number {
    let start = index
    var negative = false
    if bytes[index] == UInt8(ascii: "-") {
      negative = true
      index += 1
    }
    guard index < bytes.count, isDigit(bytes[index]) else {
      throw error("invalid number: expected a digit after `-`", at: start)
    }
    let integerStart = index
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      if index < bytes.count, isDigit(bytes[index]) {
        throw error("invalid number: leading zeros are not allowed", at: start)
      }
    } else {
      while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }
    let integerEnd = index
    var fractionStart = index
    var fractionEnd = index
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      fractionStart = index
      while index < bytes.count, isDigit(bytes[index]) { index += 1 }
      fractionEnd = index
      guard fractionEnd > fractionStart else {
        throw error("invalid number: expected a digit after the decimal point", at: start)
      }
    }
    var exponent = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      var exponentNegative = false
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
        exponentNegative = bytes[index] == UInt8(ascii: "-")
        index += 1
      }
      let exponentStart = index
      while index < bytes.count, isDigit(bytes[index]) {
        exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0"))
        if exponent > limits.maximumExponent {
          throw error(
            "number exponent exceeds the limit of \(limits.maximumExponent)", at: start)
        }
        index += 1
      }
      guard index > exponentStart else {
        throw error("invalid number: expected a digit in the exponent", at: start)
      }
      if exponentNegative { exponent = -exponent }
    }
    // Digits of the number written out in full (as the canonical writer does), so a document's
    // canonical form is always within the limits it was read under.
    let digitCount = (integerEnd - integerStart) + (fractionEnd - fractionStart) + abs(exponent)
    if digitCount > limits.maximumNumberDigits {
      throw error(
        "number with \(digitCount) digits exceeds the \(limits.maximumNumberDigits)-digit limit",
        at: start)
    }
    // Fast path: a plain integer of at most 18 digits.
    if fractionEnd == fractionStart, exponent == 0, integerEnd - integerStart <= 18 {
      var value = 0
      for position in integerStart..<integerEnd {
        value = value &* 10 &+ Int(bytes[position] &- UInt8(ascii: "0"))
      }
      return .small(negative ? -value : value)
    }
    var digits: [UInt8] = []
    digits.reserveCapacity(digitCount)
    digits.append(contentsOf: bytes[integerStart..<integerEnd])
    digits.append(contentsOf: bytes[fractionStart..<fractionEnd])
    return Number.fromDigits(
      digits, negative: negative, scale: (fractionEnd - fractionStart) - exponent)
  }

  @inline(__always)
  func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

/// Detects duplicate object keys by exact Unicode scalars (Swift's `String` equality and
/// hashing apply canonical equivalence, which would merge distinct keys).
struct DuplicateKeyDetector {
  private var small: [String] = []
  private var large: Set<ExactKey>?

  /// Adds `key`; false when it was already present.
  mutating func insert(_ key: String) -> Bool {
    if large == nil {
      for existing in small where Value.scalarsEqual(existing, key) { return false }
      small.append(key)
      if small.count > 16 {
        large = Set(small.map(ExactKey.init))
        small = []
      }
      return true
    }
    return large!.insert(ExactKey(key)).inserted
  }

  private struct ExactKey: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (a: ExactKey, b: ExactKey) -> Bool { Value.scalarsEqual(a.text, b.text) }
    func hash(into hasher: inout Hasher) {
      var text = text
      text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
  }
}
