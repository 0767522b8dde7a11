/// Splits a constraint expression into tokens, on demand.
///
/// The lexer reads the UTF-8 bytes of the source and tracks byte offsets plus 1-based lines and
/// columns (in Unicode scalars). It is lazy, so the first error in source order is the one
/// reported, whether it is a lexical or a grammatical one. Errors have lexical codes (phase
/// `.lex`).
public struct Lexer: Sendable {
  private let bytes: [UInt8]
  private var offset = 0
  private var line = 1
  private var column = 1

  /// A lexer positioned at the start of `source`.
  public init(_ source: String) {
    self.bytes = Array(source.utf8)
  }

  /// All tokens of `source`, ending with `.endOfInput`.
  public static func tokenize(_ source: String) throws(Diagnostic) -> [Token] {
    var lexer = Lexer(source)
    var tokens: [Token] = []
    while true {
      let token = try lexer.next()
      tokens.append(token)
      if token.kind == .endOfInput { return tokens }
    }
  }

  /// The current position.
  public var location: SourceLocation {
    SourceLocation(offset: offset, line: line, column: column)
  }

  /// Reads the next token, skipping whitespace. Returns `.endOfInput` (repeatedly) at the end.
  public mutating func next() throws(Diagnostic) -> Token {
    skipWhitespace()
    let start = location
    guard let byte = peek() else { return Token(.endOfInput, range: SourceRange(at: start)) }

    if isIdentifierStart(byte) { return identifierOrKeyword(from: start) }
    if isDigit(byte) { return try number(from: start) }

    switch byte {
    case UInt8(ascii: "'"): return try string(from: start)
    case UInt8(ascii: "\""): throw doubleQuotedString(from: start)
    case UInt8(ascii: "("): return punctuation(.leftParen, from: start)
    case UInt8(ascii: ")"): return punctuation(.rightParen, from: start)
    case UInt8(ascii: "["): return punctuation(.leftBracket, from: start)
    case UInt8(ascii: "]"): return punctuation(.rightBracket, from: start)
    case UInt8(ascii: ","): return punctuation(.comma, from: start)
    case UInt8(ascii: "."):
      if let following = peek(at: 1), isDigit(following) {
        advance()
        while let digit = peek(), isDigit(digit) { advance() }
        throw Diagnostic(
          .invalidNumber,
          "a number needs a digit before its decimal point (write `0\(text(from: start))`)",
          at: range(from: start))
      }
      return punctuation(.dot, from: start)
    default:
      return try operatorToken(from: start)
    }
  }

  // MARK: - Token kinds

  private mutating func identifierOrKeyword(from start: SourceLocation) -> Token {
    while let byte = peek(), isIdentifierContinuation(byte) { advance() }
    let word = text(from: start)
    if let keyword = Keyword(rawValue: word) {
      return Token(.keyword(keyword), range: range(from: start))
    }
    return Token(.identifier(word), range: range(from: start))
  }

  private mutating func number(from start: SourceLocation) throws(Diagnostic) -> Token {
    while let byte = peek(), isDigit(byte) { advance() }
    if peek() == UInt8(ascii: "."), let following = peek(at: 1), isDigit(following) {
      advance()
      while let byte = peek(), isDigit(byte) { advance() }
    } else if peek() == UInt8(ascii: "."), !(peek(at: 1).map(isIdentifierStart) ?? false) {
      // `1.` alone; `1.length` stays a number followed by a member access.
      advance()
      throw Diagnostic(
        .invalidNumber,
        "a number needs digits after its decimal point (write `\(text(from: start))0`)",
        at: range(from: start))
    }
    if let byte = peek(), isIdentifierContinuation(byte) || byte == UInt8(ascii: ".") {
      if byte != UInt8(ascii: ".") || peek(at: 1).map(isDigit) == true {
        while let byte = peek(),
          isIdentifierContinuation(byte) || byte == UInt8(ascii: ".")
        {
          advance()
        }
        throw Diagnostic(
          .invalidNumber,
          "invalid number `\(text(from: start))`: numbers are digits with an optional "
            + "`.digits` fraction (no sign, exponent or hex)",
          at: range(from: start))
      }
    }
    return Token(.number(text(from: start)), range: range(from: start))
  }

  private mutating func string(from start: SourceLocation) throws(Diagnostic) -> Token {
    advance()  // opening quote
    var value: [UInt8] = []
    while let byte = peek() {
      if byte == UInt8(ascii: "'") {
        advance()
        return Token(.string(String(decoding: value, as: UTF8.self)), range: range(from: start))
      }
      if byte == UInt8(ascii: "\\"), let escaped = peek(at: 1),
        escaped == UInt8(ascii: "'") || escaped == UInt8(ascii: "\\")
      {
        value.append(escaped)
        advance()
        advance()
        continue
      }
      let scalarStart = offset
      advance()
      value.append(contentsOf: bytes[scalarStart..<offset])
    }
    let quote = SourceRange(
      start: start,
      end: SourceLocation(offset: start.offset + 1, line: start.line, column: start.column + 1))
    throw Diagnostic(
      .unterminatedString, "unterminated string: no closing `'` for the quote opened here",
      at: quote)
  }

  private mutating func doubleQuotedString(from start: SourceLocation) -> Diagnostic {
    advance()
    let afterQuote = (offset, line, column)
    while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n") {
      advance()
    }
    if peek() == UInt8(ascii: "\"") {
      advance()
    } else {
      (offset, line, column) = afterQuote
    }
    return Diagnostic(
      .doubleQuotedString, "strings use single quotes (`'text'`), not double quotes",
      at: range(from: start))
  }

  private mutating func punctuation(
    _ punctuation: Punctuation, from start: SourceLocation
  ) -> Token {
    advance()
    return Token(.punctuation(punctuation), range: range(from: start))
  }

  private mutating func operatorToken(from start: SourceLocation) throws(Diagnostic) -> Token {
    let first = peek()!
    let second = peek(at: 1)
    if first == UInt8(ascii: "=") || first == UInt8(ascii: "!"), second == UInt8(ascii: "="),
      peek(at: 2) == UInt8(ascii: "=")
    {
      advance(3)
      let spelled = text(from: start)
      throw Diagnostic(
        .unknownOperator,
        "`\(spelled)` is not an operator; use `\(spelled.dropLast())` (equality is "
          + "always strict)", at: range(from: start))
    }
    if let second, let op = Self.twoByteOperator(first, second) {
      advance(2)
      return Token(.operator(op), range: range(from: start))
    }
    if let op = Self.oneByteOperator(first) {
      advance()
      return Token(.operator(op), range: range(from: start))
    }
    advance()
    let character = text(from: start)
    let message: String
    var kind = DiagnosticCode.unexpectedCharacter
    switch character {
    case "=", "&", "|":
      kind = .unknownOperator
      let doubled = character == "=" ? "==" : character + character
      let meaning = ["=": "equality", "&": "logical and", "|": "logical or"][character]!
      message = "`\(character)` is not an operator; use `\(doubled)` for \(meaning)"
    case "`": message = "unexpected character '`'; strings use single quotes (`'text'`)"
    default:
      let scalar = character.unicodeScalars.first!
      let hex = String(scalar.value, radix: 16, uppercase: true)
      let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
        message = "unexpected character \(code) (only spaces, tabs and newlines separate tokens)"
      } else if scalar.properties.isAlphabetic {
        message =
          "unexpected character `\(character)` (\(code)); identifiers use ASCII letters, "
          + "digits and `_` (a field with another name cannot be written as a path)"
      } else {
        message = "unexpected character `\(character)` (\(code))"
      }
    }
    throw Diagnostic(kind, message, at: range(from: start))
  }

  /// The operator two bytes spell, if any.
  private static func twoByteOperator(_ first: UInt8, _ second: UInt8) -> OperatorToken? {
    switch (first, second) {
    case (UInt8(ascii: "="), UInt8(ascii: ">")): .implies
    case (UInt8(ascii: "="), UInt8(ascii: "=")): .equal
    case (UInt8(ascii: "!"), UInt8(ascii: "=")): .notEqual
    case (UInt8(ascii: "<"), UInt8(ascii: "=")): .lessEqual
    case (UInt8(ascii: ">"), UInt8(ascii: "=")): .greaterEqual
    case (UInt8(ascii: "&"), UInt8(ascii: "&")): .and
    case (UInt8(ascii: "|"), UInt8(ascii: "|")): .or
    default: nil
    }
  }

  /// The operator one byte spells, if any.
  private static func oneByteOperator(_ byte: UInt8) -> OperatorToken? {
    switch byte {
    case UInt8(ascii: "<"): .less
    case UInt8(ascii: ">"): .greater
    case UInt8(ascii: "!"): .not
    case UInt8(ascii: "+"): .plus
    case UInt8(ascii: "-"): .minus
    case UInt8(ascii: "*"): .star
    case UInt8(ascii: "/"): .slash
    case UInt8(ascii: "%"): .percent
    default: nil
    }
  }

  // MARK: - Reading

  private func peek(at distance: Int = 0) -> UInt8? {
    let index = offset + distance
    return index < bytes.count ? bytes[index] : nil
  }

  /// Moves past `count` Unicode scalars, updating the line and column.
  private mutating func advance(_ count: Int = 1) {
    for _ in 0..<count {
      guard offset < bytes.count else { return }
      let byte = bytes[offset]
      offset += 1
      while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
  }

  private mutating func skipWhitespace() {
    while let byte = peek(),
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
        || byte == UInt8(ascii: "\r")
    {
      advance()
    }
  }

  private func text(from start: SourceLocation) -> String {
    String(decoding: bytes[start.offset..<offset], as: UTF8.self)
  }

  private func range(from start: SourceLocation) -> SourceRange {
    SourceRange(start: start, end: location)
  }
}

private func isDigit(_ byte: UInt8) -> Bool {
  byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isIdentifierStart(_ byte: UInt8) -> Bool {
  (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
}

private func isIdentifierContinuation(_ byte: UInt8) -> Bool {
  isIdentifierStart(byte) || isDigit(byte)
}
