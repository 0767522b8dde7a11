/// The closed set of token kinds of the constraint expression language.
public enum TokenKind: Sendable, Hashable {
  /// `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword.
  case identifier(String)
  /// Digits with an optional `.digits` fraction, exactly as written.
  case number(String)
  /// A single-quoted string, after escape processing.
  case string(String)
  /// `true`, `false`, `null`, `in`.
  case keyword(Keyword)
  /// `=> == != <= >= && || < > ! + - * / %`.
  case `operator`(OperatorToken)
  /// `( ) [ ] , .`.
  case punctuation(Punctuation)
  /// The end of the source (an empty range after the last token).
  case endOfInput

  /// How the token is named in messages, e.g. "`==`", "`foo`", "`'x'`", "the end of the
  /// expression".
  public var displayName: String {
    switch self {
    case .identifier(let name): return "`\(name)`"
    case .number(let digits): return "`\(digits)`"
    case .string(let value):
      let quoted = Printer.quote(value)
      let scalars = quoted.unicodeScalars
      guard scalars.count > 24 else { return "`\(quoted)`" }
      return "`\(String(String.UnicodeScalarView(scalars.prefix(20))))…'`"
    case .keyword(let keyword): return "`\(keyword.rawValue)`"
    case .operator(let op): return "`\(op.rawValue)`"
    case .punctuation(let punctuation): return "`\(punctuation.rawValue)`"
    case .endOfInput: return "the end of the expression"
    }
  }
}

/// Reserved words. `in` is the membership operator; the others are literals.
public enum Keyword: String, Sendable, Hashable, CaseIterable {
  case `true`
  case `false`
  case null
  case `in`
}

/// Operator tokens, spelled as in the source.
public enum OperatorToken: String, Sendable, Hashable, CaseIterable {
  case implies = "=>"
  case equal = "=="
  case notEqual = "!="
  case lessEqual = "<="
  case greaterEqual = ">="
  case and = "&&"
  case or = "||"
  case less = "<"
  case greater = ">"
  case not = "!"
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case percent = "%"

  /// The binary operator this token denotes, if it is one.
  public var binaryOperator: BinaryOperator? {
    switch self {
    case .implies: return .implies
    case .equal: return .equal
    case .notEqual: return .notEqual
    case .lessEqual: return .lessEqual
    case .greaterEqual: return .greaterEqual
    case .and: return .and
    case .or: return .or
    case .less: return .less
    case .greater: return .greater
    case .not: return nil
    case .plus: return .add
    case .minus: return .subtract
    case .star: return .multiply
    case .slash: return .divide
    case .percent: return .remainder
    }
  }
}

/// Punctuation tokens.
public enum Punctuation: String, Sendable, Hashable, CaseIterable {
  case leftParen = "("
  case rightParen = ")"
  case leftBracket = "["
  case rightBracket = "]"
  case comma = ","
  case dot = "."
}

/// A token and the exact source range it was read from.
public struct Token: Sendable, Hashable {
  public var kind: TokenKind
  public var range: SourceRange

  public init(_ kind: TokenKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// The binary operator this token denotes (`in` included), if any.
  public var binaryOperator: BinaryOperator? {
    switch kind {
    case .operator(let op): return op.binaryOperator
    case .keyword(.in): return .in
    default: return nil
    }
  }

  /// Whether this is the given punctuation.
  public func isPunctuation(_ punctuation: Punctuation) -> Bool {
    kind == .punctuation(punctuation)
  }

  /// Whether this is the given operator.
  public func isOperator(_ op: OperatorToken) -> Bool {
    kind == .operator(op)
  }
}
