/// Limits the parser enforces on untrusted source text.
public struct ParseLimits: Sendable, Hashable {
  /// The deepest real nesting accepted: each parenthesis, array literal, call, prefix operator
  /// and quantifier body opens one level. Long flat chains (`a && b && …`) do not nest.
  /// Values are clamped to `1...ParseLimits.maximumSupportedDepth`.
  public var maximumDepth: Int = 64
  /// The longest source accepted, in UTF-8 bytes. Values are clamped to
  /// `1...ParseLimits.maximumSupportedSourceLength`.
  public var maximumSourceLength: Int = 65_536

  /// Limits with the given values (the defaults are 64 levels and 64 KiB).
  public init(maximumDepth: Int = 64, maximumSourceLength: Int = 65_536) {
    self.maximumDepth = maximumDepth
    self.maximumSourceLength = maximumSourceLength
  }

  /// 64 levels of nesting, 64 KiB of source.
  public static let `default` = ParseLimits()

  /// The largest nesting limit honoured (larger values are clamped), so that parsing, and
  /// the later phases that walk the tree recursively, stay far from the thread's stack limit
  /// even in debug builds.
  public static let maximumSupportedDepth = 256

  /// The largest source length honoured (larger values are clamped): 2 MiB, so that the tree
  /// of any accepted expression stays within a few hundred megabytes (a flat chain `a&&a&&…`
  /// costs about 80 bytes of tree per byte of source). Trees of any height are freed without
  /// recursion, so length never threatens the stack.
  public static let maximumSupportedSourceLength = 2 << 20

  /// The source length limit in force: ``maximumSourceLength`` clamped.
  public var effectiveSourceLength: Int {
    min(max(1, maximumSourceLength), ParseLimits.maximumSupportedSourceLength)
  }
}

/// The recursive-descent parser of constraint expressions.
///
/// Precedence, lowest first: `=>` (right-associative), `||`, `&&`, comparisons and `in`
/// (non-chaining), `+ -`, `* / %`, prefix `! -`, postfix (`.field`, `[N]`, `.length`,
/// `.every/.some/.none/.count(x => body)`), primary. Parsing is strict: the whole source must
/// be one expression. The parser's recursion depth is bounded by `ParseLimits.maximumDepth`.
public enum Parser {
  /// Parses `source` into an expression tree whose nodes carry their source ranges.
  ///
  /// - Throws: a ``Diagnostic`` with a syntax code (phase `.lex` or `.parse`) and the exact
  ///   offending range.
  public static func parse(
    _ source: String, limits: ParseLimits = .default
  ) throws(Diagnostic) -> Expr {
    let length = source.utf8.count
    if length > limits.effectiveSourceLength {
      throw Diagnostic(
        .expressionTooLong,
        "the expression is \(length) bytes long; the limit is "
          + "\(limits.effectiveSourceLength) bytes",
        at: SourceRange(at: .start))
    }
    var parser = try ExpressionParser(source, limits: limits)
    return try parser.parseWhole()
  }
}

/// The parser's state: a lazy lexer, the current token and the current nesting depth.
private struct ExpressionParser {
  private var lexer: Lexer
  private var current: Token
  private var previous: Token?
  private var depth = 0
  private let maximumDepth: Int

  init(_ source: String, limits: ParseLimits) throws(Diagnostic) {
    lexer = Lexer(source)
    current = try lexer.next()
    maximumDepth = min(max(1, limits.maximumDepth), ParseLimits.maximumSupportedDepth)
  }

  mutating func parseWhole() throws(Diagnostic) -> Expr {
    if current.kind == .endOfInput {
      throw Diagnostic(.emptyExpression, "the expression is empty", at: current.range)
    }
    let expression = try parseExpression()
    if current.kind != .endOfInput { throw trailingTokenError() }
    return expression
  }

  // MARK: - Binary operators

  /// All binary levels in one loop (operator precedence with an explicit operator stack), so
  /// a nesting level costs few stack frames and flat chains never recurse: `=>` is
  /// right-associative, comparisons and `in` do not chain, the others are left-associative.
  private mutating func parseExpression() throws(Diagnostic) -> Expr {
    var operands: [Expr] = [try parseUnary()]
    var operators: [(op: BinaryOperator, range: SourceRange)] = []
    while let op = current.binaryOperator {
      while let top = operators.last,
        top.op.precedence > op.precedence
          || (top.op.precedence == op.precedence && op != .implies && !op.isNonAssociative)
      {
        operators.removeLast()
        reduce(top, &operands)
      }
      if op.isNonAssociative, let top = operators.last, top.op.isNonAssociative {
        throw Diagnostic(
          .chainedComparison,
          "comparisons do not chain: `\(op.rawValue)` cannot follow `\(top.op.rawValue)`; "
            + "combine them with `&&` or add parentheses",
          at: current.range)
      }
      operators.append((op, current.range))
      try advance()
      operands.append(try parseUnary())
    }
    while let top = operators.popLast() { reduce(top, &operands) }
    return operands[0]
  }

  private func reduce(_ top: (op: BinaryOperator, range: SourceRange), _ operands: inout [Expr]) {
    let right = operands.removeLast()
    let left = operands.removeLast()
    operands.append(
      Expr(
        .binary(top.op, left, right, operatorRange: top.range),
        range: left.range.union(right.range)))
  }

  // MARK: - Prefix and postfix

  /// `('!' | '-')* postfix`; each prefix operator is one nesting level.
  private mutating func parseUnary() throws(Diagnostic) -> Expr {
    var prefixes: [(UnaryOperator, SourceRange)] = []
    let outerDepth = depth
    defer { depth = outerDepth }
    while true {
      let op: UnaryOperator
      if current.isOperator(.not) {
        op = .not
      } else if current.isOperator(.minus) {
        op = .negate
      } else {
        break
      }
      try enterNesting(at: current.range)
      prefixes.append((op, current.range))
      try advance()
    }
    var result = try parsePostfix()
    while let (op, range) = prefixes.popLast() {
      result = Expr(.unary(op, result), range: range.union(result.range))
    }
    return result
  }

  private mutating func parsePostfix() throws(Diagnostic) -> Expr {
    var result = try parsePrimary()
    while true {
      if current.isPunctuation(.dot) {
        result = try parseMember(of: result)
      } else if current.isPunctuation(.leftBracket) {
        result = try parseIndex(of: result)
      } else {
        return result
      }
    }
  }

  private mutating func parseMember(of base: Expr) throws(Diagnostic) -> Expr {
    let dot = current
    try advance()
    let name: String
    switch current.kind {
    case .identifier(let identifier): name = identifier
    case .keyword(let keyword): name = keyword.rawValue
    default:
      throw Diagnostic(
        .expectedFieldName, "expected a field name after `.`, found \(current.kind.displayName)",
        at: current.range, notes: [DiagnosticNote("the `.` is here", range: dot.range)])
    }
    let nameToken = current
    try advance()
    let calls = current.isPunctuation(.leftParen)
    if name == "length" {
      if calls {
        throw Diagnostic(
          .lengthCalled, "`.length` is a property, not a method: write `.length` without `()`",
          at: nameToken.range)
      }
      return Expr(.length(base), range: base.range.union(nameToken.range))
    }
    guard calls else {
      return Expr(
        .member(base, name: name, nameRange: nameToken.range),
        range: base.range.union(nameToken.range))
    }
    guard let quantifier = Quantifier(rawValue: name) else {
      throw Diagnostic(
        .unknownMethod,
        "`.\(name)(…)` is not a method; the only methods are the quantifiers `.every`, `.some`, "
          + "`.none` and `.count` (builtins are called as `\(name)(…)`)",
        at: nameToken.range)
    }
    return try parseQuantifier(quantifier, of: base, nameToken: nameToken)
  }

  /// `.every(x => body)` with the current token on `(`.
  private mutating func parseQuantifier(
    _ quantifier: Quantifier, of base: Expr, nameToken: Token
  ) throws(Diagnostic) -> Expr {
    let opener = current
    try enterNesting(at: opener.range)
    defer { depth -= 1 }
    try advance()
    guard case .identifier(let variable) = current.kind else {
      let found =
        if case .keyword = current.kind {
          "the keyword \(current.kind.displayName)"
        } else {
          current.kind.displayName
        }
      throw Diagnostic(
        .malformedQuantifier,
        "expected a variable name in `.\(quantifier.rawValue)(x => …)`, found \(found)",
        at: current.range)
    }
    let variableRange = current.range
    try advance()
    guard current.isOperator(.implies) else {
      throw Diagnostic(
        .malformedQuantifier,
        "expected `=>` after `\(variable)` (write `.\(quantifier.rawValue)(\(variable) => …)`),"
          + " found \(current.kind.displayName)",
        at: current.range)
    }
    try advance()
    let body = try parseExpression()
    let closer = try expectCloser(.rightParen, opener: opener, after: "the quantifier body")
    return Expr(
      .quantifier(quantifier, base, variable: variable, variableRange: variableRange, body: body),
      range: base.range.union(closer))
  }

  /// `[N]` with a non-negative integer literal.
  private mutating func parseIndex(of base: Expr) throws(Diagnostic) -> Expr {
    let opener = current
    try advance()
    guard case .number(let digits) = current.kind, !digits.contains(".") else {
      throw Diagnostic(
        .invalidIndex,
        "an index must be a non-negative integer literal such as `[0]`, found "
          + current.kind.displayName,
        at: current.range)
    }
    guard let index = Int(digits) else {
      throw Diagnostic(.invalidIndex, "the index `\(digits)` is too large", at: current.range)
    }
    try advance()
    let closer = try expectCloser(.rightBracket, opener: opener, after: "the index")
    return Expr(.index(base, index), range: base.range.union(closer))
  }

  // MARK: - Primary

  private mutating func parsePrimary() throws(Diagnostic) -> Expr {
    let token = current
    switch token.kind {
    case .number(let digits):
      try advance()
      return Expr(.number(digits), range: token.range)
    case .string(let value):
      try advance()
      return Expr(.string(value), range: token.range)
    case .keyword(.true):
      try advance()
      return Expr(.bool(true), range: token.range)
    case .keyword(.false):
      try advance()
      return Expr(.bool(false), range: token.range)
    case .keyword(.null):
      try advance()
      return Expr(.null, range: token.range)
    case .identifier(let name):
      try advance()
      if current.isPunctuation(.leftParen) { return try parseCall(name, nameToken: token) }
      return Expr(.identifier(name), range: token.range)
    case .punctuation(.leftParen):
      return try parseParenthesized(opener: token)
    case .punctuation(.leftBracket):
      return try parseArrayLiteral(opener: token)
    default:
      throw expectedExpressionError()
    }
  }

  /// `( expression )`: the inner node, its range widened to include the parentheses.
  private mutating func parseParenthesized(opener: Token) throws(Diagnostic) -> Expr {
    try enterNesting(at: opener.range)
    defer { depth -= 1 }
    try advance()
    let inner = try parseExpression()
    let closer = try expectCloser(.rightParen, opener: opener, after: "the expression")
    return Expr(inner.kind, range: opener.range.union(closer))
  }

  /// `[ elements ]`.
  private mutating func parseArrayLiteral(opener: Token) throws(Diagnostic) -> Expr {
    try enterNesting(at: opener.range)
    defer { depth -= 1 }
    try advance()
    let (elements, closer) = try parseList(
      closing: .rightBracket, opener: opener, itemName: "element")
    return Expr(.array(elements), range: opener.range.union(closer))
  }

  /// `name(arguments…)` with the current token on `(`.
  private mutating func parseCall(_ name: String, nameToken: Token) throws(Diagnostic) -> Expr {
    let opener = current
    try enterNesting(at: opener.range)
    defer { depth -= 1 }
    try advance()
    let (arguments, closer) = try parseList(
      closing: .rightParen, opener: opener, itemName: "argument")
    return Expr(
      .call(name, nameRange: nameToken.range, arguments: arguments),
      range: nameToken.range.union(closer))
  }

  /// Comma-separated expressions up to `closing` (the opener already consumed). Returns the
  /// items and the closer's range.
  private mutating func parseList(
    closing: Punctuation, opener: Token, itemName: String
  ) throws(Diagnostic) -> ([Expr], SourceRange) {
    var items: [Expr] = []
    if current.isPunctuation(closing) {
      let closer = current.range
      try advance()
      return (items, closer)
    }
    while true {
      items.append(try parseExpression())
      if current.isPunctuation(.comma) {
        let comma = current
        try advance()
        if current.isPunctuation(closing) {
          throw Diagnostic(
            .trailingComma,
            "trailing `,`: expected another \(itemName) before `\(closing.rawValue)`",
            at: comma.range)
        }
        continue
      }
      let closer = try expectCloser(
        closing, opener: opener, after: "the \(itemName)", alternative: "`,` or ")
      return (items, closer)
    }
  }

  // MARK: - Helpers

  private mutating func advance() throws(Diagnostic) {
    previous = current
    current = try lexer.next()
  }

  private mutating func enterNesting(at range: SourceRange) throws(Diagnostic) {
    if depth >= maximumDepth {
      throw Diagnostic(
        .nestingTooDeep,
        "nesting too deep: the expression nests more than \(maximumDepth) levels "
          + "(parentheses, arrays, calls, prefix operators and quantifiers each add one)",
        at: range)
    }
    depth += 1
  }

  /// Consumes `closing` or throws an error at the current token with a note at the opener.
  private mutating func expectCloser(
    _ closing: Punctuation, opener: Token, after what: String, alternative: String = ""
  ) throws(Diagnostic) -> SourceRange {
    guard current.isPunctuation(closing) else {
      let found =
        current.kind == .endOfInput
        ? "the expression ends" : "found \(current.kind.displayName)"
      throw Diagnostic(
        .unclosedDelimiter,
        "expected \(alternative)`\(closing.rawValue)` after \(what) to close "
          + "`\(closing.opener)`, but \(found)",
        at: current.range,
        notes: [DiagnosticNote("unclosed `\(closing.opener)` opened here", range: opener.range)])
    }
    let range = current.range
    try advance()
    return range
  }

  private func expectedExpressionError() -> Diagnostic {
    if current.kind == .endOfInput {
      let after = previous.map { " after \($0.kind.displayName)" } ?? ""
      return Diagnostic(
        .expectedOperand, "the expression ends too early: expected an operand\(after)",
        at: current.range)
    }
    var message = "expected an expression, found \(current.kind.displayName)"
    if current.binaryOperator != nil, previous == nil {
      message += " (an operator needs an operand on its left)"
    }
    return Diagnostic(.expectedOperand, message, at: current.range)
  }

  private func trailingTokenError() -> Diagnostic {
    let name = current.kind.displayName
    switch current.kind {
    case .punctuation(.rightParen), .punctuation(.rightBracket):
      return Diagnostic(
        .unexpectedToken, "unexpected \(name): nothing is open to close", at: current.range)
    case .identifier("and"), .identifier("or"), .identifier("not"):
      let replacement = ["and": "&&", "or": "||", "not": "!"]
      guard case .identifier(let word) = current.kind else { break }
      return Diagnostic(
        .unexpectedToken,
        "unexpected \(name) after the end of the expression; use `\(replacement[word]!)`",
        at: current.range)
    default:
      break
    }
    return Diagnostic(
      .unexpectedToken, "unexpected \(name) after the end of the expression", at: current.range)
  }
}

extension Punctuation {
  /// The opening bracket matching a closing one (itself otherwise).
  fileprivate var opener: String {
    switch self {
    case .rightParen: return "("
    case .rightBracket: return "["
    default: return rawValue
    }
  }
}
