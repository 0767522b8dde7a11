import Foundation
import Testing

@testable import ConstraintEngine

/// The engine's location (Testing has a `SourceLocation` too).
typealias PositionTestLocation = ConstraintEngine.SourceLocation

/// The exact place in a rule file of an error inside one of its expressions, whatever JSON
/// escapes come before it (``JSONStringOrigin``).
@Suite("Expression positions in rule files")
struct ExpressionPositionTests {
  /// The location of the first `needle` in `text`, counted as ``PositionTestLocation`` counts.
  static func location(of needle: String, in text: String) throws -> PositionTestLocation {
    let range = try #require(text.range(of: needle))
    let before = text[..<range.lowerBound]
    let line = before.filter { $0 == "\n" }.count + 1
    let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
    let column = text[lineStart..<range.lowerBound].unicodeScalars.count + 1
    return PositionTestLocation(offset: before.utf8.count, line: line, column: column)
  }

  /// The one compile error of `text`'s rules.
  static func compileError(_ text: String, flags: Set<String> = []) throws -> Diagnostic {
    let file = try RuleFileLoader.parse(text, path: "p.constraints.json")
    guard case .failure(let failure) = RuleSet.compile([file], flags: flags) else {
      throw Failure("compiled")
    }
    #expect(failure.diagnostics.count == 1)
    return try #require(failure.diagnostics.first)
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }

  /// Raw rule-file text (a Swift raw string: backslashes are the file's).
  static let escaped = #"""
    {"schema_id": "S", "expression_version": "2.0",
     "constraints": [
      {"id": "ok", "expression": "a == 1"},
      {"id": "bad", "message": "m\u00e9",
       "expression": "t == 'a\"b\\c\u00e9\ud83d\ude00' &&\n\ta \/ 2 == 1 garbage"}
     ]}
    """#

  @Test func anErrorAfterEscapesPointsAtTheTokenInTheFile() throws {
    let error = try Self.compileError(Self.escaped)
    #expect(error.expression == "t == 'a\"b\\cé😀' &&\n\ta / 2 == 1 garbage")
    #expect(error.code == .unexpectedToken)
    // In the expression the token is on its second line; in the file, on the string's line.
    #expect(error.range.start.line == 2)
    let expected = try Self.location(of: "garbage", in: Self.escaped)
    #expect(error.fileLocation == expected)
    #expect(error.fileRange?.start == expected)
    #expect(error.fileRange?.end.offset == expected.offset + 7)
    #expect(error.fileRange?.end.column == expected.column + 7)
    #expect(error.description.hasPrefix("p.constraints.json:5:\(expected.column): rule bad:"))
  }

  @Test func everyPositionOfAnEscapedStringMapsToItsSpellingInTheFile() throws {
    // Checked token by token: each error's start is where its text begins in the file.
    let cases: [(expression: String, needle: String, decodedNeedle: String)] = [
      (#"'\u00e9' == x garbage"#, "garbage", "garbage"),
      (#"'\ud83d\ude00' == x \"y\""#, #"\"y\""#, "\"y\""),
      (#"'\\\\' == x \u0040"#, #"\u0040"#, "@"),
      (#"'\/\b' == x &&\n  nope(1)"#, "nope", "nope"),
      (#"x ==\n\n\n 'unterminated"#, "'unterminated", "'unterminated"),
    ]
    for (expression, needle, decodedNeedle) in cases {
      let text =
        "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": [\n"
        + "  {\"id\": \"r\",\n    \"expression\": \"\(expression)\"}]}"
      let error = try Self.compileError(text)
      let expected = try Self.location(of: needle, in: text)
      #expect(error.fileLocation == expected, "\(expression)")
      let decodedStart = try #require(error.expression?.range(of: decodedNeedle))
      #expect(
        error.range.start.offset
          == error.expression?[..<decodedStart.lowerBound].utf8.count, "\(expression)")
    }
  }

  @Test func anOverrideTextMapsThroughItsOwnString() throws {
    let text = #"""
      {"schema_id": "S", "expression_version": "2.0", "constraints": [
        {"id": "r", "expression": "a == 1",
         "condition": {"when": "f",
           "override_text": "'\u00e9\u00e9' == b oops"}}]}
      """#
    let error = try Self.compileError(text, flags: ["f"])
    let expected = try Self.location(of: "oops", in: text)
    #expect(error.fileLocation == expected)
  }

  @Test func aPositionInsideAnEscapedCharacterMapsToTheEscape() {
    let file = Array(#"  "x\u00e9y""#.utf8)
    let origin = JSONStringOrigin(
      quote: PositionTestLocation(offset: 2, line: 1, column: 3), in: file)
    #expect(origin.escapes == [.init(textOffset: 1, textBytes: 2, fileBytes: 6)])
    let text = "xéy"
    // Byte 2 is the second byte of `é`: it maps to the backslash of `\u00e9`.
    let inside = origin.fileLocation(
      of: PositionTestLocation(offset: 2, line: 1, column: 3), in: text)
    #expect(inside == PositionTestLocation(offset: 4, line: 1, column: 5))
    let after = origin.fileLocation(
      of: PositionTestLocation(offset: 3, line: 1, column: 3), in: text)
    #expect(after == PositionTestLocation(offset: 10, line: 1, column: 11))
    // The end of the text is the closing quote.
    let end = origin.fileLocation(of: PositionTestLocation(offset: 4, line: 1, column: 4), in: text)
    #expect(end == PositionTestLocation(offset: 11, line: 1, column: 12))
  }

  @Test func aStringWithoutEscapesIsNotScanned() throws {
    let text =
      #"{"schema_id": "S", "expression_version": "2.0", "constraints": [{"id": "r", "#
      + #""expression": "a == 'é'"}]}"#
    let file = try RuleFileLoader.parse(text, path: "p")
    #expect(file.rules[0].expressionOrigin.escapes.isEmpty)
    let quote = try Self.location(of: #""a == "#, in: text)
    #expect(file.rules[0].expressionLocation == quote)
  }
}
