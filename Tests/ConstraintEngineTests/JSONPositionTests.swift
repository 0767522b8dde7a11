import ConstraintEngine
import Testing

/// Error positions and `readLocated` ranges, stated with `⟦⟧` markers in the JSON text
/// rather than hand-counted columns.
@Suite("JSON reader: error positions and located values")
struct JSONPositionTests {
  /// A document with `⟦⟧` where the error must point, and a word its message contains.
  static let errorCases: [(String, String)] = [
    (#"{"a": 1,⟦⟧}"#, "string key"),
    (#"[1, 2 ⟦⟧3]"#, "`,` or `]`"),
    (#"[1, ⟦⟧/* c */ 2]"#, "expected a JSON value"),
    (#"[⟦⟧NaN]"#, "expected a JSON value"),
    (#"[⟦⟧01]"#, "leading zeros"),
    (#"[1, ⟦⟧-]"#, "digit"),
    (#"{"a" ⟦⟧1}"#, "`:`"),
    (#"["ab"⟦⟧"#, "unterminated array"),
    ("[⟦⟧\"abc", "unterminated string"),
    ("[\"ab⟦⟧\t\"]", "control character"),
    (#"["a⟦⟧\x"]"#, "invalid escape"),
    (#"["⟦⟧\uD800"]"#, "lone high surrogate"),
    (#"["x⟦⟧\uDC00"]"#, "lone low surrogate"),
    (#"["⟦⟧\u12G4"]"#, "hexadecimal"),
    (#"[true, ⟦⟧tru]"#, "`true`"),
    (#"{} ⟦⟧{}"#, "after the JSON value"),
    ("{\n  \"name\": \"x\",\n  \"flag\": ⟦⟧tru\n}", "`true`"),
    ("[\n  \"日本語\", \"é\", ⟦⟧nul\n]", "`null`"),
    ("{\r\n  \"𝄞\": 1,\r\n  ⟦⟧\"𝄞\": 2\r\n}", "duplicate key"),
    ("[\"日本\", \"€\", ⟦⟧,]", "expected a JSON value"),
    ("[\n\n    \"tab⟦⟧\there\"]", "control character"),
  ]

  @Test("errors point at the marked position (offset, line, column)", arguments: errorCases)
  func errorPosition(_ marked: String, messagePart: String) throws {
    let source = MarkedSource(marked)
    let error = try #require(JSONTestSupport.error(reading: source.source))
    let expected = lineAndColumn(of: source.range.lowerBound, in: source.source)
    #expect(error.offset == source.range.lowerBound, "\(error)")
    #expect(error.line == expected.line, "\(error)")
    #expect(error.column == expected.column, "\(error)")
    #expect(error.message.contains(messagePart), "\(error.message)")
    #expect(error.code == .invalidJSON && error.file == nil)
  }

  @Test("a multibyte character before the error counts as one column")
  func multibyteColumn() throws {
    let error = try #require(JSONTestSupport.error(reading: "{\"é𝄞\": x}"))
    // `{"é𝄞": ` is 7 scalars, so `x` is column 8, but byte offset 11.
    #expect(error.line == 1)
    #expect(error.column == 8)
    #expect(error.offset == 11)
  }

  @Test("the error's description and diagnostic carry the position")
  func diagnostic() throws {
    let error = try #require(JSONTestSupport.error(reading: "[\n  1,\n  x]"))
    #expect(error.description.hasPrefix("3:3: error[CE4001]: "))
    #expect(error.range.start.line == 3)
    #expect(error.range.start.column == 3)
    #expect(error.range.start.offset == 9)
  }

  // MARK: readLocated

  /// A document with one value (or key) marked, and the path to it: strings are keys,
  /// integers array indices; a trailing `"#key"` asks for the key's range instead.
  static let locatedCases: [(String, [String])] = [
    ("⟦{\"a\": 1}⟧", []),
    ("{\"a\": ⟦[1, 2]⟧}", ["a"]),
    ("{⟦\"a\"⟧: [1, 2]}", ["a", "#key"]),
    ("{\"a\": [1, ⟦2.50⟧]}", ["a", "1"]),
    ("{\n  \"name\": ⟦\"日本語\"⟧,\n  \"n\": 1\n}", ["name"]),
    ("{\n  \"name\": \"日本語\",\n  ⟦\"𝄞\"⟧: true\n}", ["𝄞", "#key"]),
    ("{\n  \"rules\": ⟦[\n    {\"id\": \"a\"},\n    {\"id\": \"b\"}\n  ]⟧\n}", ["rules"]),
    ("{\n  \"rules\": [\n    {\"id\": \"a\"},\n    ⟦{\"id\": \"é\"}⟧\n  ]\n}", ["rules", "1"]),
    (
      "{\n  \"rules\": [\n    {\"id\": \"a\"},\n    {\"id\": ⟦\"é\"⟧}\n  ]\n}",
      ["rules", "1", "id"]
    ),
    ("[null, ⟦false⟧, true]", ["1"]),
    ("\r\n[\r\n  ⟦{}⟧\r\n]", ["0"]),
  ]

  @Test("readLocated gives each value and key its range", arguments: locatedCases)
  func locatedRanges(_ marked: String, path: [String]) throws {
    let source = MarkedSource(marked)
    var node = try JSONReader.readLocated(source.source)
    var range = node.range
    for (position, step) in path.enumerated() {
      if step == "#key" { break }
      let wantsKey = position + 1 < path.count && path[position + 1] == "#key"
      switch node.kind {
      case .array(let elements):
        let index = try #require(Int(step))
        node = elements[index]
        range = node.range
      case .object:
        let member = try #require(node[step])
        node = member.value
        range = wantsKey ? member.keyRange : node.range
      case .scalar:
        Issue.record("cannot step into a scalar with \(step)")
        return
      }
    }
    expectRange(range, equals: source.range, in: source.source)
  }

  @Test("readLocated stays linear on one long line")
  func locatedLongLine() throws {
    let element = #"{"k":["é",1]}"#
    let count = 50_000
    let text = "[" + Array(repeating: element, count: count).joined(separator: ",") + "]"
    let (located, elapsed) = try JSONTestSupport.timed { try JSONReader.readLocated(text) }
    #expect(elapsed < .seconds(20), "took \(elapsed)")
    guard case .array(let elements) = located.kind, let last = elements.last else {
      Issue.record("not an array")
      return
    }
    #expect(elements.count == count)
    // Each element is 13 scalars (14 bytes) plus a comma; the last starts after them all.
    let startColumn = 2 + (count - 1) * 14
    #expect(last.range.start.column == startColumn)
    #expect(last.range.start.offset == 1 + (count - 1) * 15)
    #expect(last.range.end.column == startColumn + 13)
    #expect(last["k"]?.keyRange.start.column == startColumn + 1)
  }

  @Test("readLocated's plain value equals read's")
  func locatedValue() throws {
    let text = "{\"a\": [1, 2.5, \"x\", null, {\"b\": false}], \"c\": 1e2}"
    let located = try JSONReader.readLocated(text)
    #expect(located.value.structurallyEquals(try JSONReader.read(text)))
    #expect(located.typeName == "object")
    #expect(located["a"]?.value.typeName == "array")
    #expect(located["zzz"] == nil)
  }

  @Test("readLocated reports errors with positions too")
  func locatedError() {
    let source = MarkedSource("{\n  \"a\": 1,\n  ⟦⟧\"a\": 2\n}")
    let result = Result { () throws(Diagnostic) -> LocatedJSON in
      try JSONReader.readLocated(source.source)
    }
    guard case .failure(let error) = result else {
      Issue.record("duplicate accepted")
      return
    }
    #expect(error.offset == source.range.lowerBound)
    #expect(error.line == 3)
    #expect(error.column == 3)
  }
}
