import ConstraintEngine
import Foundation
import Testing

@Suite("JSON reader: strictness, numbers, duplicate keys, limits")
struct JSONReaderTests {
  static let rejected: [String] = [
    "[1,]", "{\"a\":1,}", "[,1]", "// comment\n1", "/* c */ 1", "1 // c", "NaN", "[Infinity]",
    "-Infinity", "01", "-01", "00", "+1", ".5", "1.", "1.e3", "1e", "1e+", "0x10", "'a'",
    "\"\t\"", "\"a\u{0}\"", "\"\\u00\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"",
    "\"\\uD800x\"", "\"\\x\"", "\"\\U0041\"", "tru", "nulls", "True", "[1 2]", "{\"a\" 1}",
    "{a:1}", "{1:1}", "", "   ", "1 2", "\u{FEFF}{}", "[1]]", "\u{00A0}1", "[\"a\"", "{\"a\":",
    "\"abc", "-", "- 1", "[1,,2]", "{\"a\":1 \"b\":2}", "\u{0C}1", "[1\u{0B}]",
  ]

  @Test("strict RFC 8259: malformed documents are rejected", arguments: rejected)
  func rejectsMalformed(_ text: String) {
    if case .success(let value) = JSONTestSupport.read(text) {
      Issue.record("accepted \(Value.quoted(text)) as \(value)")
    }
  }

  @Test(
    "invalid UTF-8 is rejected at the offending byte",
    arguments: [
      ([0x22, 0x61, 0xFF, 0x22], 2),  // not a UTF-8 byte
      ([0x22, 0x61, 0x62, 0x80, 0x22], 3),  // lone continuation byte
      ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong `/`
      ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // encoded surrogate U+D800
      ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // beyond U+10FFFF
      ([0x22, 0xE6, 0x97, 0x22], 1),  // truncated sequence
      ([0x5B, 0x22, 0x5C, 0x6E, 0xFE, 0x22, 0x5D], 4),  // after an escape (slow path)
    ] as [([UInt8], Int)])
  func rejectsInvalidUTF8(_ bytes: [UInt8], offset: Int) {
    switch JSONTestSupport.read(bytes) {
    case .success(let value): Issue.record("accepted \(bytes) as \(value)")
    case .failure(let error):
      #expect(error.message.contains("UTF-8"))
      #expect(error.offset == offset)
    }
  }

  @Test(
    "escapes decode, surrogate pairs included",
    arguments: [
      (#""\uD834\uDD1E""#, "\u{1D11E}"), (#""\ud83d\ude00!""#, "\u{1F600}!"),
      (#""\u0000""#, "\u{0}"), (#""\/\\\"\b\f\n\r\t""#, "/\\\"\u{8}\u{C}\n\r\t"),
      (#""\u00e9""#, "é"), (#""e\u0301""#, "e\u{301}"), (#""a\u001Fb""#, "a\u{1F}b"),
      ("\"\u{10FFFF}\"", "\u{10FFFF}"), ("\"日本語\"", "日本語"), (#""\u20AC\u20ac""#, "€€"),
    ])
  func decodesEscapes(_ text: String, expected: String) throws {
    let value = try JSONReader.read(text)
    guard case .string(let string) = value else {
      Issue.record("\(text) read as \(value)")
      return
    }
    #expect(Value.scalarsEqual(string, expected), "\(text) read as \(Value.quoted(string))")
  }

  @Test("numbers of every digit count read exactly (digits scanned and built eight at a time)")
  func numbersOfEveryLength() throws {
    var generator = SystemRandomNumberGenerator()
    for integerDigits in 1...40 {
      for fractionDigits in [0, 1, 7, 8, 9, 17, 23] {
        // First digit not 0, last fraction digit not 0: the canonical form is the text itself.
        var text = String(Int.random(in: 1...9, using: &generator))
        for _ in 1..<integerDigits { text += String(Int.random(in: 0...9, using: &generator)) }
        if fractionDigits > 0 {
          text += "."
          for _ in 1..<fractionDigits { text += String(Int.random(in: 0...9, using: &generator)) }
          text += String(Int.random(in: 1...9, using: &generator))
        }
        for sign in ["", "-"] {
          let value = try JSONReader.read("[\(sign)\(text), 0]")
          #expect(JSONWriter.canonical(value) == "[\(sign)\(text),0]", "\(sign)\(text)")
        }
        // A non-digit right after eight digits, and a digit run cut by the end of the text.
        #expect(throws: Diagnostic.self) { try JSONReader.read("\(text)x") }
        #expect(throws: Diagnostic.self) { try JSONReader.read("\(text).") }
      }
    }
  }

  @Test("special string bytes are found at every position of a word (fast scan)")
  func specialBytesAtEveryPosition() throws {
    for length in 1..<26 {
      for position in 0..<length {
        let before = String(repeating: "a", count: position)
        let after = String(repeating: "b", count: length - position - 1)
        for (special, decoded) in [
          ("\\n", "\n"), ("é", "é"), ("\u{7F}", "\u{7F}"), ("\\\"", "\""), ("𝄞", "𝄞"),
        ] {
          let value = try JSONReader.read("\"" + before + special + after + "\"")
          #expect(value.structurallyEquals(.string(before + decoded + after)))
        }
        let control = JSONTestSupport.error(reading: "\"" + before + "\u{1F}" + after + "\"")
        #expect(control?.offset == 1 + position)
        let unterminated = JSONTestSupport.error(reading: "[\"" + before + after)
        #expect(unterminated?.message == "unterminated string")
        var bytes = Array(("\"" + before + "x" + after + "\"").utf8)
        bytes[1 + position] = 0xFF
        guard case .failure(let invalid) = JSONTestSupport.read(bytes) else {
          Issue.record("invalid UTF-8 accepted")
          continue
        }
        #expect(invalid.offset == 1 + position)
      }
    }
  }

  @Test(
    "what follows an array element or object member: the message names the container",
    arguments: [
      ("[1 2]", "expected `,` or `]` in array, found `2`", 3),
      ("[1", "unterminated array: expected `,` or `]`, found end of input", 2),
      (#"{"a":1 "b":2}"#, "expected `,` or `}` in object, found `\"`", 7),
      (#"{"a":1"#, "unterminated object: expected `,` or `}`, found end of input", 6),
    ])
  func separatorErrors(_ text: String, message: String, offset: Int) {
    let error = JSONTestSupport.error(reading: text)
    #expect(error?.message == message)
    #expect(error?.offset == offset)
  }

  @Test("whitespace around the document is allowed")
  func whitespace() throws {
    let value = try JSONReader.read(" \t\r\n[ 1 ,\n\t2 ]\r\n ")
    #expect(value.structurallyEquals(.array([.number(Number(1)), .number(Number(2))])))
  }

  @Test(
    "numbers are exact and normalised",
    arguments: [
      ("1e2", "100", true), ("1E+2", "100", true), ("1e-2", "0.01", false), ("0.1", "0.1", false),
      ("-0.0", "0", true), ("-0", "0", true), ("0e5", "0", true), ("1.0", "1", true),
      ("1.50", "1.5", false), ("12.5e-1", "1.25", false), ("0.000001e6", "1", true),
      ("123456789012345678901234567890", "123456789012345678901234567890", true),
      ("-9223372036854775808", "-9223372036854775808", true),
      ("9223372036854775808", "9223372036854775808", true),
      ("0.30000000000000000000000000000001", "0.30000000000000000000000000000001", false),
      ("-12.340e1", "-123.4", false),
      (
        "1e-4095", "0." + String(repeating: "0", count: 4094) + "1",
        false
      ), ("999999999999999999", "999999999999999999", true), ("12e3", "12000", true),
      ("-1.5e1", "-15", true), ("5e-1", "0.5", false), ("-0.00", "0", true), ("1.10", "1.1", false),
      ("123456789012345678e18", "123456789012345678000000000000000000", true),
      ("922337203685477580.7e1", "9223372036854775807", true),
      ("922337203685477580.8e1", "9223372036854775808", true), ("-0.000e-7", "0", true),
    ])
  func exactNumbers(_ text: String, canonical: String, isInteger: Bool) throws {
    let value = try JSONReader.read(text)
    guard case .number(let number) = value else {
      Issue.record("\(text) read as \(value)")
      return
    }
    #expect(number.description == canonical)
    #expect(number.isInteger == isInteger)
  }

  @Test("numbers read as Number(parsing:) reads them (seeded random texts)")
  func numbersAgreeWithNumberParsing() throws {
    var random = SeededGenerator(seed: 2024)
    for _ in 0..<5_000 {
      var text = Bool.random(using: &random) ? "-" : ""
      let integerDigits = Int.random(in: 1...24, using: &random)
      text +=
        integerDigits == 1
        ? String(Int.random(in: 0...9, using: &random))
        : String(Int.random(in: 1...9, using: &random))
      for _ in 1..<integerDigits { text += String(Int.random(in: 0...9, using: &random)) }
      if Bool.random(using: &random) {
        text += "."
        for _ in 0..<Int.random(in: 1...24, using: &random) {
          text +=
            Int.random(in: 0..<3, using: &random) == 0
            ? "0" : String(Int.random(in: 0...9, using: &random))
        }
      }
      if Bool.random(using: &random) {
        text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &random)!
        text += String(Int.random(in: 0...40, using: &random))
      }
      let expected = try #require(Number(parsing: text), "\(text)")
      guard case .number(let number) = try JSONReader.read(text) else {
        Issue.record("\(text) is not a number")
        continue
      }
      #expect(number == expected, "\(text): \(number) != \(expected)")
      #expect(number.description == expected.description, "\(text)")
    }
  }

  @Test("1e2 is the integer 100 and 0.1 + 0.2 is exactly 0.3")
  func exactArithmetic() throws {
    let hundred = try JSONReader.read("1e2")
    #expect(hundred.structurallyEquals(.number(Number(100))))
    guard case .array(let parts) = try JSONReader.read("[0.1, 0.2, 0.3]"),
      case .number(let a) = parts[0], case .number(let b) = parts[1], case .number(let c) = parts[2]
    else {
      Issue.record("unexpected shape")
      return
    }
    #expect(a + b == c)
  }

  @Test(
    "the exponent magnitude is capped",
    arguments: [
      ("1e4095", true), ("1e-4095", true), ("1e4096", false), ("-1E-4096", false),
      ("1e4097", false), ("1e999999999", false), ("1e99999999999999999999999999999999", false),
      ("0.5e+4094", true), ("0.5e+4095", false),
    ])
  func exponentCap(_ text: String, accepted: Bool) {
    // A number written out in full (as the canonical writer does) has at most 4,096 digits:
    // `1e4095` is the largest power of ten, and a larger exponent hits the digit or the
    // exponent limit.
    switch JSONTestSupport.read(text) {
    case .success: #expect(accepted, "\(text) accepted")
    case .failure(let error):
      #expect(!accepted, "\(text) rejected: \(error)")
      #expect(error.message.contains("4096"), "\(error.message)")
      #expect(error.offset == 0)
    }
  }

  @Test("positive exponents cannot expand a document far beyond its size")
  func exponentExpansionIsBounded() {
    let number = "1e4000"
    let count = 300
    let document = "[" + Array(repeating: number, count: count).joined(separator: ",") + "]"
    // 300 × 4,000 expanded digits against a 1 MB document budget.
    let limits = JSONLimits(maximumDocumentBytes: 1_000_000)
    switch JSONTestSupport.read(document, limits: limits) {
    case .success: Issue.record("1.2 million expanded digits accepted under a 1 MB budget")
    case .failure(let error): #expect(error.message.contains("expand"), "\(error.message)")
    }
    let small = "[" + Array(repeating: number, count: 200).joined(separator: ",") + "]"
    if case .failure(let error) = JSONTestSupport.read(small, limits: limits) {
      Issue.record("800,000 expanded digits rejected under a 1 MB budget: \(error)")
    }
  }

  @Test("duplicate keys are an error naming the key and its position")
  func duplicateKeys() throws {
    let marked = MarkedSource(#"{"a": 1, "b": {"a": 2}, ⟦⟧"a": 3}"#)
    let error = try #require(JSONTestSupport.error(reading: marked.source))
    #expect(error.message.contains("duplicate key \"a\""))
    #expect(error.offset == marked.range.lowerBound)
    // The same key through an escape is the same key.
    let escaped = MarkedSource(#"{"key": 1, ⟦⟧"k\u0065y": 2}"#)
    let escapedError = try #require(JSONTestSupport.error(reading: escaped.source))
    #expect(escapedError.offset == escaped.range.lowerBound)
    #expect(escapedError.message.contains("\"key\""))
  }

  @Test("keys are compared by exact scalars, not canonical equivalence")
  func keysAreExactScalars() throws {
    let value = try JSONReader.read(#"{"\u00e9": 1, "e\u0301": 2, "a": {"a": 3}}"#)
    guard case .object(let object) = value else {
      Issue.record("not an object")
      return
    }
    #expect(object.count == 3)
    #expect(object["\u{E9}"].map { $0.structurallyEquals(.number(Number(1))) } == true)
    #expect(object["e\u{301}"].map { $0.structurallyEquals(.number(Number(2))) } == true)
  }

  @Test("members keep document order")
  func memberOrder() throws {
    guard case .object(let object) = try JSONReader.read(#"{"z":1,"a":2,"m":3}"#) else {
      Issue.record("not an object")
      return
    }
    #expect(object.keys == ["z", "a", "m"])
  }

  /// A limit, a document just within it and one just beyond it, and a word the error names.
  struct LimitCase: CustomStringConvertible, Sendable {
    var name: String
    var limits: JSONLimits
    var within: String
    var beyond: String
    var named: String
    var description: String { name }
  }

  static let limitCases: [LimitCase] = [
    LimitCase(
      name: "depth", limits: JSONLimits(maximumDepth: 3), within: "[[{\"a\":1}]]",
      beyond: "[[{\"a\":[]}]]", named: "3 levels"),
    LimitCase(
      name: "document bytes", limits: JSONLimits(maximumDocumentBytes: 10),
      within: "[1,2,3,45]", beyond: "[1,2,3,456]", named: "10-byte"),
    LimitCase(
      name: "string bytes", limits: JSONLimits(maximumStringBytes: 4),
      within: "[\"ab\\u00e9\"]", beyond: "[\"abcd\\u00e9\"]", named: "4-byte"),
    LimitCase(
      name: "string bytes, no escapes", limits: JSONLimits(maximumStringBytes: 4),
      within: "{\"abcd\":1}", beyond: "{\"abcde\":1}", named: "4-byte"),
    LimitCase(
      name: "number digits", limits: JSONLimits(maximumNumberDigits: 5),
      within: "[123.45, -12345, 1e4]", beyond: "[12.3456]", named: "5-digit"),
    LimitCase(
      name: "exponent", limits: JSONLimits(maximumExponent: 10), within: "[1e10, 1e-10]",
      beyond: "[1e11]", named: "10"),
    LimitCase(
      name: "values", limits: JSONLimits(maximumValues: 4), within: "{\"a\":[1,2]}",
      beyond: "[[1,2],[]]", named: "4 values"),
  ]

  @Test("each limit is enforced with an error naming it", arguments: limitCases)
  func limits(_ limit: LimitCase) {
    if case .failure(let error) = JSONTestSupport.read(limit.within, limits: limit.limits) {
      Issue.record("\(limit.within) rejected: \(error)")
    }
    switch JSONTestSupport.read(limit.beyond, limits: limit.limits) {
    case .success: Issue.record("\(limit.beyond) accepted")
    case .failure(let error):
      #expect(error.message.contains(limit.named), "\(error.message)")
      #expect(
        error.message.contains("limit") || error.message.contains("more than")
          || error.message.contains("deeper"))
    }
  }

  @Test("default limits: depth 512 and 4,096 digits")
  func defaultLimits() {
    #expect(JSONLimits.default.maximumDepth == 512)
    #expect(JSONLimits.default.maximumNumberDigits == 4_096)
    let deep = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    if case .failure(let error) = JSONTestSupport.read(deep) { Issue.record("\(error)") }
    let tooDeep = "[" + deep + "]"
    #expect(JSONTestSupport.error(reading: tooDeep)?.message.contains("512") == true)
    let digits = String(repeating: "7", count: 4_096)
    if case .failure(let error) = JSONTestSupport.read(digits) { Issue.record("\(error)") }
    #expect(JSONTestSupport.error(reading: digits + "7")?.message.contains("4096-digit") == true)
  }

  @Test("readFile reads a document and reports a missing file")
  func readFile() throws {
    let directory = try JSONTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("doc.json").path
    try Data(#"{"amount": 12.50}"#.utf8).write(to: URL(fileURLWithPath: path))
    let value = try JSONReader.readFile(atPath: path)
    #expect(value["amount"].structurallyEquals(.number(Number(parsing: "12.5")!)))
    let missing = Result { () throws(Diagnostic) -> Value in
      try JSONReader.readFile(atPath: directory.appendingPathComponent("nope.json").path)
    }
    guard case .failure(let error) = missing else {
      Issue.record("missing file read")
      return
    }
    #expect(error.message.contains("cannot open"))
    let small = JSONLimits(maximumDocumentBytes: 8)
    let tooBig = Result { () throws(Diagnostic) -> Value in
      try JSONReader.readFile(atPath: path, limits: small)
    }
    #expect(throws: Diagnostic.self) { try tooBig.get() }
  }
}
