import ConstraintEngine
import Testing

@Suite("Lexer")
struct LexerTests {
  @Test func tokensCarryKindsAndExactRanges() throws {
    let source = "a.b[0] >= 'x\\'y' && !ok\n  => f(1.5, null)"
    let tokens = try Lexer.tokenize(source)
    let kinds = tokens.map(\.kind)
    #expect(
      kinds == [
        .identifier("a"), .punctuation(.dot), .identifier("b"), .punctuation(.leftBracket),
        .number("0"), .punctuation(.rightBracket), .operator(.greaterEqual), .string("x'y"),
        .operator(.and), .operator(.not), .identifier("ok"), .operator(.implies),
        .identifier("f"), .punctuation(.leftParen), .number("1.5"), .punctuation(.comma),
        .keyword(.null), .punctuation(.rightParen), .endOfInput,
      ])
    let bytes = Array(source.utf8)
    for token in tokens.dropLast() {
      let text = String(decoding: bytes[token.range.start.offset..<token.range.end.offset],
        as: UTF8.self)
      switch token.kind {
      case .identifier(let name): #expect(text == name)
      case .number(let digits): #expect(text == digits)
      case .operator(let op): #expect(text == op.rawValue)
      case .punctuation(let punctuation): #expect(text == punctuation.rawValue)
      case .keyword(let keyword): #expect(text == keyword.rawValue)
      case .string: #expect(text == "'x\\'y'")
      case .endOfInput: break
      }
    }
    let implies = tokens[11]
    #expect(implies.range.start.line == 2 && implies.range.start.column == 3)
    let end = try #require(tokens.last)
    #expect(end.range.length == 0 && end.range.start.offset == bytes.count)
  }

  @Test(arguments: OperatorToken.allCases)
  func everyOperatorIsOneToken(op: OperatorToken) throws {
    let tokens = try Lexer.tokenize("a \(op.rawValue) b")
    #expect(tokens.map(\.kind) == [.identifier("a"), .operator(op), .identifier("b"), .endOfInput])
  }

  @Test(arguments: Keyword.allCases)
  func keywordsAreReservedButPrefixesAreNot(keyword: Keyword) throws {
    #expect(try Lexer.tokenize(keyword.rawValue).first?.kind == .keyword(keyword))
    let longer = keyword.rawValue + "_x"
    #expect(try Lexer.tokenize(longer).first?.kind == .identifier(longer))
  }

  @Test(arguments: [
    (#"'plain'"#, "plain"),
    (#"'it\'s'"#, "it's"),
    (#"'back\\slash'"#, #"back\slash"#),
    (#"'\d\w\n'"#, #"\d\w\n"#),
    (#"'\\'"#, #"\"#),
    ("'multi\nline'", "multi\nline"),
    ("'é😀'", "é😀"),
  ])
  func stringEscapes(source: String, value: String) throws {
    let token = try #require(try Lexer.tokenize(source).first)
    #expect(token.kind == .string(value))
    #expect(token.range.length == source.utf8.count)
  }

  @Test func numbersFollowedByMembersStayNumbers() throws {
    #expect(
      try Lexer.tokenize("1.length").map(\.kind) == [
        .number("1"), .punctuation(.dot), .identifier("length"), .endOfInput,
      ])
    #expect(try Lexer.tokenize("10.25").first?.kind == .number("10.25"))
  }

  @Test func columnsCountScalarsNotBytes() throws {
    let tokens = try Lexer.tokenize("'😀é' x")
    #expect(tokens[1].range.start.column == 6)
    #expect(tokens[1].range.start.offset == 9)
  }

  @Test func theLexerIsLazySoTheFirstErrorWins() throws {
    var lexer = Lexer("a b = c")
    #expect(try lexer.next().kind == .identifier("a"))
    #expect(try lexer.next().kind == .identifier("b"))
    #expect(throws: Diagnostic.self) { try lexer.next() }
  }
}
