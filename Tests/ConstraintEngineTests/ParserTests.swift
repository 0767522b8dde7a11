import ConstraintEngine
import Testing

/// Sources that parse, with the tree they must produce (see `sExpression`).
let parserSuccessCases: [(source: String, tree: String)] = [
  // Literals
  ("42", "42"),
  ("0", "0"),
  ("007", "007"),
  ("3.14", "3.14"),
  ("10.000", "10.000"),
  ("'text'", "'text'"),
  ("''", "''"),
  (#"'it\'s'"#, "'it's'"),
  (#"'a\\b'"#, #"'a\b'"#),
  (#"'\d+'"#, #"'\d+'"#),
  (#"'\\d+'"#, #"'\d+'"#),
  (#"'\n'"#, #"'\n'"#),
  (#"'\\\''"#, #"'\''"#),
  ("'😀 é'", "'😀 é'"),
  ("'a \"quoted\" word'", "'a \"quoted\" word'"),
  ("'=> && ||'", "'=> && ||'"),
  ("true", "true"),
  ("false", "false"),
  ("null", "null"),
  // Identifiers and paths
  ("a", "a"),
  ("_previous", "_previous"),
  ("a_b1", "a_b1"),
  ("Amount", "Amount"),
  ("trueish", "trueish"),
  ("nullable", "nullable"),
  ("index", "index"),
  ("a.b", "(. a b)"),
  ("a.b.c", "(. (. a b) c)"),
  ("_previous.budget.spent_micro", "(. (. _previous budget) spent_micro)"),
  ("a[0]", "([] a 0)"),
  ("a[12]", "([] a 12)"),
  ("a[007]", "([] a 7)"),
  ("a[0].b", "(. ([] a 0) b)"),
  ("a.b[1].c.d", "(. (. ([] (. a b) 1) c) d)"),
  ("a[0][1]", "([] ([] a 0) 1)"),
  ("a . b", "(. a b)"),
  ("a [ 0 ]", "([] a 0)"),
  ("a.length", "(length a)"),
  ("a.b.length", "(length (. a b))"),
  ("a[0].length", "(length ([] a 0))"),
  ("'abc'.length", "(length 'abc')"),
  ("a.length.b", "(. (length a) b)"),
  ("a.null", "(. a null)"),
  ("a.true", "(. a true)"),
  ("a.in", "(. a in)"),
  ("a.every", "(. a every)"),
  ("a.count", "(. a count)"),
  ("a.count.b", "(. (. a count) b)"),
  ("1.length", "(length 1)"),
  ("1.5.length", "(length 1.5)"),
  // Quantifiers
  ("a.every(x => x > 0)", "(every a x (> x 0))"),
  ("a.some(x => x == 1)", "(some a x (== x 1))"),
  ("a.none(x => x.b)", "(none a x (. x b))"),
  ("a.count(x => x) > 1", "(> (count a x x) 1)"),
  ("a.b.every(item => item.ok)", "(every (. a b) item (. item ok))"),
  ("[1, 2].every(x => x > 0)", "(every [1 2] x (> x 0))"),
  ("a.every(x => x.p => x.q)", "(every a x (=> (. x p) (. x q)))"),
  ("a.every(x => x.b.every(y => y < x.c))", "(every a x (every (. x b) y (< y (. x c))))"),
  ("a.every(x=>x)", "(every a x x)"),
  ("a.every( x  =>  x )", "(every a x x)"),
  ("a.every(x => x).b", "(. (every a x x) b)"),
  ("!a.every(x => x)", "(! (every a x x))"),
  ("a.every(_ => true)", "(every a _ true)"),
  ("a.count(x => x > 1) == a.length", "(== (count a x (> x 1)) (length a))"),
  ("f(a).every(x => x)", "(every (f a) x x)"),
  // Calls
  ("now()", "(now)"),
  ("f(a)", "(f a)"),
  ("f (a)", "(f a)"),
  ("bigint_gte(a.b, c.d)", "(bigint_gte (. a b) (. c d))"),
  ("f(g(h(1)))", "(f (g (h 1)))"),
  ("f(a, 'x', 1, [1])", "(f a 'x' 1 [1])"),
  ("f(a).b", "(. (f a) b)"),
  ("previous(a).length", "(length (previous a))"),
  ("f(a)[0]", "([] (f a) 0)"),
  ("f(a == 1, b => c)", "(f (== a 1) (=> b c))"),
  ("unknown_builtin(1)", "(unknown_builtin 1)"),
  ("matches(v, '^(0|-?[1-9][0-9]*)$')", "(matches v '^(0|-?[1-9][0-9]*)$')"),
  ("bigint_eq(bigint_sum(l, 'amount_micro'), 0)", "(bigint_eq (bigint_sum l 'amount_micro') 0)"),
  // Arrays
  ("[]", "[]"),
  ("[1]", "[1]"),
  ("[a, 'x', 1]", "[a 'x' 1]"),
  ("[[1], []]", "[[1] []]"),
  ("[a == 1, !b]", "[(== a 1) (! b)]"),
  ("[1, 2][0]", "([] [1 2] 0)"),
  ("[a.b, c[0]]", "[(. a b) ([] c 0)]"),
  ("[ 1 ,2 ]", "[1 2]"),
  ("[1].length", "(length [1])"),
  // Unary
  ("!a", "(! a)"),
  ("!!a", "(! (! a))"),
  ("! a", "(! a)"),
  ("-a", "(neg a)"),
  ("--a", "(neg (neg a))"),
  ("- - 1", "(neg (neg 1))"),
  ("-1", "(neg 1)"),
  ("-0.5", "(neg 0.5)"),
  ("!-a", "(! (neg a))"),
  ("!a == b", "(== (! a) b)"),
  ("!a && b", "(&& (! a) b)"),
  ("-a.b", "(neg (. a b))"),
  ("-a.length", "(neg (length a))"),
  ("-a * b", "(* (neg a) b)"),
  ("-a + b", "(+ (neg a) b)"),
  ("!(a && b)", "(! (&& a b))"),
  ("-(a + b)", "(neg (+ a b))"),
  ("!f(a)", "(! (f a))"),
  ("![a][0]", "(! ([] [a] 0))"),
  // Logic and implication
  ("a || b && c", "(|| a (&& b c))"),
  ("a && b || c", "(|| (&& a b) c)"),
  ("a || b || c", "(|| (|| a b) c)"),
  ("a && b && c", "(&& (&& a b) c)"),
  ("a => b", "(=> a b)"),
  ("a=>b", "(=> a b)"),
  ("a => b || c", "(=> a (|| b c))"),
  ("a || b => c", "(=> (|| a b) c)"),
  ("a => b => c", "(=> a (=> b c))"),
  ("a => b => c => d", "(=> a (=> b (=> c d)))"),
  ("(a => b) => c", "(=> (=> a b) c)"),
  ("a => (b => c)", "(=> a (=> b c))"),
  ("a && b => c && d", "(=> (&& a b) (&& c d))"),
  ("(a || b) && c", "(&& (|| a b) c)"),
  ("a && (b || c)", "(&& a (|| b c))"),
  ("((a))", "a"),
  ("(((a && b)))", "(&& a b)"),
  // Comparisons and membership
  ("a == b", "(== a b)"),
  ("a != null", "(!= a null)"),
  ("a < b", "(< a b)"),
  ("a <= b", "(<= a b)"),
  ("a > b", "(> a b)"),
  ("a >= b", "(>= a b)"),
  ("a<=b", "(<= a b)"),
  ("a == b && c != d", "(&& (== a b) (!= c d))"),
  ("a == (b == c)", "(== a (== b c))"),
  ("(a < b) < c", "(< (< a b) c)"),
  ("a in [1, 2]", "(in a [1 2])"),
  ("a in b", "(in a b)"),
  ("a + 1 in b", "(in (+ a 1) b)"),
  ("a in b && c", "(&& (in a b) c)"),
  ("'x' in a.tags", "(in 'x' (. a tags))"),
  ("state == 'released' => released_at != null",
   "(=> (== state 'released') (!= released_at null))"),
  // Arithmetic
  ("a + b * c", "(+ a (* b c))"),
  ("a * b + c", "(+ (* a b) c)"),
  ("a - b - c", "(- (- a b) c)"),
  ("a - (b - c)", "(- a (- b c))"),
  ("a / b / c", "(/ (/ a b) c)"),
  ("a % b * c", "(* (% a b) c)"),
  ("a + b == c * d", "(== (+ a b) (* c d))"),
  ("a < b + 1", "(< a (+ b 1))"),
  ("a - -b", "(- a (neg b))"),
  ("a--b", "(- a (neg b))"),
  ("a-1", "(- a 1)"),
  ("(a + b) * c", "(* (+ a b) c)"),
  ("a * (b + c) % d", "(% (* a (+ b c)) d)"),
  // Layout
  ("a ==\n  1", "(== a 1)"),
  ("\ta\t==\t1\t", "(== a 1)"),
  ("  a  ", "a"),
  ("a\r\n&& b", "(&& a b)"),
]

/// Sources that fail, with the error range marked `⟦…⟧`, the phase and a message fragment.
let parserErrorCases: [(marked: String, phase: DiagnosticPhase, message: String)] = [
  // Empty input and trailing tokens
  ("⟦⟧", .parse, "empty"),
  ("   ⟦⟧", .parse, "empty"),
  ("\n\t⟦⟧", .parse, "empty"),
  ("a == 1 ⟦garbage⟧", .parse, "unexpected `garbage` after the end of the expression"),
  ("a ⟦b⟧", .parse, "after the end"),
  ("1 ⟦2⟧", .parse, "after the end"),
  ("'abc' ⟦'def'⟧", .parse, "after the end"),
  ("f(a) ⟦(⟧b)", .parse, "after the end"),
  ("a ⟦and⟧ b", .parse, "use `&&`"),
  ("a ⟦or⟧ b", .parse, "use `||`"),
  ("a⟦)⟧", .parse, "nothing is open"),
  ("(a)⟦)⟧", .parse, "nothing is open"),
  ("a⟦]⟧", .parse, "nothing is open"),
  ("a ⟦,⟧ b", .parse, "after the end"),
  ("a == 1 &&\n  b ⟦c⟧", .parse, "after the end"),
  ("a.every(x => x) ⟦x⟧", .parse, "after the end"),
  ("a ⟦!⟧ b", .parse, "after the end"),
  // Lexical errors
  ("a ⟦=⟧ 1", .lex, "use `==` for equality"),
  ("a ⟦&⟧ b", .lex, "use `&&`"),
  ("a ⟦|⟧ b", .lex, "use `||`"),
  ("a &&⟦⟧", .parse, "after `&&`"),
  ("a ⟦===⟧ b", .lex, "use `==`"),
  ("a ⟦!==⟧ b", .lex, "use `!=`"),
  ("a ⟦#⟧ b", .lex, "unexpected character `#`"),
  ("a ⟦@⟧", .lex, "unexpected character `@`"),
  ("⟦$⟧a", .lex, "unexpected character `$`"),
  ("a ⟦;⟧", .lex, "unexpected character `;`"),
  ("a ⟦^⟧ b", .lex, "unexpected character"),
  ("a ⟦~⟧", .lex, "unexpected character"),
  ("a ⟦?⟧ b : c", .lex, "unexpected character"),
  ("a ⟦{⟧", .lex, "unexpected character"),
  ("⟦`⟧x`", .lex, "single quotes"),
  ("a ⟦\u{00A0}⟧== 1", .lex, "U+00A0"),
  ("'😀' == ⟦é⟧", .lex, "unexpected character `é`"),
  ("caf⟦é⟧ == 1", .lex, "identifiers use ASCII letters"),
  ("a ⟦\u{0007}⟧", .lex, "U+0007"),
  ("a == ⟦\"x\"⟧", .lex, "strings use single quotes"),
  ("⟦\"⟧x", .lex, "strings use single quotes"),
  ("a == ⟦'⟧abc", .lex, "unterminated string"),
  (#"a == ⟦'⟧abc\'"#, .lex, "unterminated string"),
  ("x == 'ok' && y == ⟦'⟧no\nmore", .lex, "unterminated string"),
  ("⟦1.⟧", .lex, "digits after its decimal point"),
  ("a == ⟦1.⟧ + 2", .lex, "digits after its decimal point"),
  ("⟦.5⟧", .lex, "digit before its decimal point"),
  ("a + ⟦.25⟧", .lex, "digit before its decimal point"),
  ("a == ⟦12abc⟧", .lex, "invalid number"),
  ("⟦1.2.3⟧", .lex, "invalid number"),
  ("⟦0x10⟧", .lex, "invalid number"),
  ("⟦1e5⟧", .lex, "invalid number"),
  ("a⟦.1⟧", .lex, "digit before its decimal point"),
  // Missing operands
  ("⟦&&⟧ a", .parse, "expected an expression, found `&&`"),
  ("⟦=>⟧ a", .parse, "expected an expression"),
  ("⟦*⟧ a", .parse, "expected an expression"),
  ("a && ⟦||⟧ b", .parse, "expected an expression, found `||`"),
  ("a ==⟦⟧", .parse, "ends too early"),
  ("a == ⟦⟧", .parse, "after `==`"),
  ("!⟦⟧", .parse, "ends too early"),
  ("-⟦⟧", .parse, "ends too early"),
  ("a => ⟦⟧", .parse, "ends too early"),
  ("a + ⟦*⟧ b", .parse, "expected an expression"),
  ("a == ⟦==⟧ b", .parse, "expected an expression"),
  ("a < ⟦)⟧", .parse, "expected an expression"),
  ("a in ⟦⟧", .parse, "ends too early"),
  ("a && ⟦,⟧", .parse, "expected an expression"),
  ("a in⟦⟧", .parse, "after `in`"),
  // Non-chaining comparisons
  ("a < b ⟦<⟧ c", .parse, "comparisons do not chain"),
  ("a == b ⟦==⟧ c", .parse, "comparisons do not chain"),
  ("a < b ⟦>=⟧ c", .parse, "comparisons do not chain"),
  ("a == b ⟦in⟧ c", .parse, "comparisons do not chain"),
  ("a in b ⟦in⟧ c", .parse, "comparisons do not chain"),
  ("a + 1 != b * 2 ⟦!=⟧ c", .parse, "comparisons do not chain"),
  ("x && a <= b ⟦<=⟧ c", .parse, "comparisons do not chain"),
  // Unbalanced brackets
  ("(a == 1⟦⟧", .parse, "expected `)`"),
  ("(a ⟦b⟧)", .parse, "expected `)`"),
  ("((a)⟦⟧", .parse, "expected `)`"),
  ("(⟦)⟧", .parse, "expected an expression, found `)`"),
  ("[1, 2⟦⟧", .parse, "expected `,` or `]`"),
  ("[1 ⟦2⟧]", .parse, "expected `,` or `]`"),
  ("[1, 2⟦)⟧", .parse, "expected `,` or `]`"),
  ("f(a⟦⟧", .parse, "expected `,` or `)`"),
  ("f(a ⟦b⟧)", .parse, "expected `,` or `)`"),
  ("f(a⟦]⟧", .parse, "expected `,` or `)`"),
  ("f(⟦⟧", .parse, "ends too early"),
  ("(a && [b⟦)⟧", .parse, "expected `,` or `]`"),
  // Lists
  ("f(a⟦,⟧)", .parse, "trailing `,`"),
  ("[1⟦,⟧]", .parse, "trailing `,`"),
  ("f(a, b⟦,⟧)", .parse, "trailing `,`"),
  ("f(⟦,⟧)", .parse, "expected an expression, found `,`"),
  ("[⟦,⟧]", .parse, "expected an expression, found `,`"),
  ("f(a, ⟦,⟧ b)", .parse, "expected an expression, found `,`"),
  // Members and methods
  ("a.⟦⟧", .parse, "expected a field name"),
  ("a.⟦(⟧", .parse, "expected a field name"),
  ("a.⟦'x'⟧", .parse, "expected a field name"),
  ("a.⟦[⟧0]", .parse, "expected a field name"),
  ("a.⟦foo⟧(x => x)", .parse, "`.every`, `.some`, `.none` and `.count`"),
  ("a.⟦map⟧(x => x + 1)", .parse, "not a method"),
  ("a.⟦includes⟧('x')", .parse, "not a method"),
  ("a.⟦length⟧()", .parse, "property, not a method"),
  // Quantifiers
  ("a.every(⟦)⟧", .parse, "expected a variable name"),
  ("a.every(⟦1⟧ => x)", .parse, "expected a variable name"),
  ("a.every(⟦true⟧ => x)", .parse, "the keyword `true`"),
  ("a.every(x ⟦)⟧", .parse, "expected `=>`"),
  ("a.every(x ⟦,⟧ y)", .parse, "expected `=>`"),
  ("a.some(x ⟦==⟧ 1)", .parse, "expected `=>`"),
  ("a.every(x => ⟦)⟧", .parse, "expected an expression"),
  ("a.every(x => x ⟦,⟧ y)", .parse, "expected `)`"),
  ("a.every(x => x⟦⟧", .parse, "expected `)`"),
  ("a.count(x => x.every(y => y)⟦⟧", .parse, "expected `)`"),
  // Indexes
  ("a[⟦-⟧1]", .parse, "non-negative integer literal"),
  ("a[⟦1.5⟧]", .parse, "non-negative integer literal"),
  ("a[⟦b⟧]", .parse, "non-negative integer literal"),
  ("a[⟦]⟧", .parse, "non-negative integer literal"),
  ("a[⟦'x'⟧]", .parse, "non-negative integer literal"),
  ("a[⟦99999999999999999999⟧]", .parse, "too large"),
  ("a[0⟦⟧", .parse, "expected `]`"),
  ("a[0 ⟦1⟧]", .parse, "expected `]`"),
]

@Suite("Parser")
struct ParserTests {
  @Test(arguments: parserSuccessCases)
  func parsesToTheExpectedTree(source: String, tree: String) throws {
    let expr = try #require(parseOrRecord(source))
    #expect(sExpression(expr) == tree, "\(source)")
  }

  @Test(arguments: parserErrorCases)
  func reportsTheErrorAtTheMarkedRange(
    marked: String, phase: DiagnosticPhase, message: String
  ) throws {
    let case_ = MarkedSource(marked)
    let diagnostic = try #require(parseError(case_.source))
    #expect(diagnostic.phase == phase, "\(case_.source): \(diagnostic.message)")
    #expect(diagnostic.severity == .error)
    #expect(diagnostic.message.contains(message), "\(case_.source): \(diagnostic.message)")
    expectRange(diagnostic.range, equals: case_.range, in: case_.source)
  }

  @Test func tableSizes() {
    #expect(parserSuccessCases.count + parserErrorCases.count >= 200)
  }

  @Test(arguments: [
    ("(a == 1", "⟦(⟧a == 1"),
    ("[1, 2", "⟦[⟧1, 2"),
    ("f(a b)", "f⟦(⟧a b)"),
    ("x && (a.every(y => y) || b", "x && ⟦(⟧a.every(y => y) || b"),
    ("a.every(x => x", "a.every⟦(⟧x => x"),
    ("a[0 1]", "a⟦[⟧0 1]"),
  ])
  func unclosedBracketErrorsNoteTheOpener(source: String, opener: String) throws {
    let diagnostic = try #require(parseError(source))
    let marked = MarkedSource(opener)
    #expect(marked.source == source)
    let note = try #require(diagnostic.notes.first)
    #expect(note.message.contains("opened here"))
    let range = try #require(note.range)
    expectRange(range, equals: marked.range, in: source)
  }

  @Test(arguments: [
    ("⟦a.b⟧ == 1", "left"),
    ("a.b == ⟦f(x, 'y')⟧", "right"),
    ("⟦(a || b)⟧ && c", "left"),
    ("x => ⟦a.every(e => e > 0)⟧", "right"),
    ("⟦-a.length⟧ < 0", "left"),
    ("⟦!a⟧ == b", "left"),
    ("⟦[1, 2][0]⟧ + 1", "left"),
    ("1 + ⟦'😀'.length⟧", "right"),
    ("⟦x.y[3].z⟧ in w", "left"),
  ])
  func operandRangesCoverTheirText(marked: String, side: String) throws {
    let case_ = MarkedSource(marked)
    let expr = try #require(parseOrRecord(case_.source))
    guard case .binary(_, let left, let right, _) = expr.kind else {
      Issue.record("not a binary expression: \(case_.source)")
      return
    }
    expectRange(side == "left" ? left.range : right.range, equals: case_.range, in: case_.source)
    expectRange(expr.range, equals: 0..<case_.source.utf8.count, in: case_.source)
  }

  @Test(arguments: [
    "a.b ⟦==⟧ 1", "a ⟦&&⟧ b", "x\n  ⟦=>⟧ y", "'é' ⟦in⟧ z", "1 ⟦%⟧ 2",
  ])
  func operatorRangesCoverTheOperator(marked: String) throws {
    let case_ = MarkedSource(marked)
    let expr = try #require(parseOrRecord(case_.source))
    guard case .binary(_, _, _, let operatorRange) = expr.kind else {
      Issue.record("not a binary expression: \(case_.source)")
      return
    }
    expectRange(operatorRange, equals: case_.range, in: case_.source)
  }

  @Test func namesCarryTheirOwnRanges() throws {
    let member = MarkedSource("budget.⟦spent_micro⟧")
    let memberExpr = try #require(parseOrRecord(member.source))
    guard case .member(_, _, let nameRange) = memberExpr.kind else {
      Issue.record("not a member")
      return
    }
    expectRange(nameRange, equals: member.range, in: member.source)

    let call = MarkedSource("⟦bigint_gte⟧(a, b)")
    let callExpr = try #require(parseOrRecord(call.source))
    guard case .call(_, let callNameRange, let arguments) = callExpr.kind else {
      Issue.record("not a call")
      return
    }
    expectRange(callNameRange, equals: call.range, in: call.source)
    #expect(arguments.count == 2)

    let quantifier = MarkedSource("items.every(⟦item⟧ => item.ok)")
    let quantifierExpr = try #require(parseOrRecord(quantifier.source))
    guard case .quantifier(.every, _, "item", let variableRange, _) = quantifierExpr.kind else {
      Issue.record("not a quantifier")
      return
    }
    expectRange(variableRange, equals: quantifier.range, in: quantifier.source)
  }

  @Test func multiLineRangesCountLinesAndScalarColumns() throws {
    let source = "a == 'é😀' &&\n  b ⟦garbage⟧"
    let case_ = MarkedSource(source)
    let diagnostic = try #require(parseError(case_.source))
    expectRange(diagnostic.range, equals: case_.range, in: case_.source)
    #expect(diagnostic.range.start.line == 2)
    #expect(diagnostic.range.start.column == 5)
  }
}

@Suite("Parser limits")
struct ParserLimitTests {
  static let huge = ParseLimits(maximumDepth: 64, maximumSourceLength: 10_000_000)

  @Test(arguments: [
    ("(", ")"), ("!", ""), ("[", "]"), ("-", ""), ("f(", ")"), ("a.every(x => ", ")"),
  ])
  func hundredThousandLevelsFailFastWithADepthDiagnostic(open: String, close: String) throws {
    let levels = 100_000
    let source =
      String(repeating: open, count: levels) + "a" + String(repeating: close, count: levels)
    let clock = ContinuousClock()
    var diagnostic: Diagnostic?
    let elapsed = clock.measure { diagnostic = parseError(source, limits: Self.huge) }
    let error = try #require(diagnostic)
    #expect(error.phase == .parse)
    #expect(error.message.contains("nesting too deep"))
    #expect(elapsed < .seconds(10))
  }

  @Test(arguments: [
    ("(", ")"), ("!", ""), ("[", "]"), ("-", ""), ("f(", ")"), ("a.every(x => ", ")"),
  ])
  func exactlyTheLimitIsAcceptedAndOneMoreIsNot(open: String, close: String) throws {
    func nested(_ levels: Int) -> String {
      String(repeating: open, count: levels) + "a" + String(repeating: close, count: levels)
    }
    #expect(parseOrRecord(nested(64)) != nil)
    let diagnostic = try #require(parseError(nested(65)))
    #expect(diagnostic.message.contains("nesting too deep"))
    // The error points at the 65th opener.
    let openerOffset = 64 * open.utf8.count
    #expect(diagnostic.range.start.offset >= openerOffset)
    #expect(diagnostic.range.start.offset < openerOffset + open.utf8.count)

    let unlimited = ParseLimits(maximumDepth: .max, maximumSourceLength: 10_000_000)
    let clamped = ParseLimits.maximumSupportedDepth
    #expect(parseOrRecord(nested(clamped), limits: unlimited) != nil)
    #expect(parseError(nested(clamped + 1), limits: unlimited) != nil)
    #expect(parseError(nested(100_000), limits: unlimited) != nil)

    let small = ParseLimits(maximumDepth: 3)
    #expect(parseOrRecord(nested(3), limits: small) != nil)
    #expect(parseError(nested(4), limits: small) != nil)
  }

  @Test func flatChainsDoNotCountAsNesting() throws {
    let calls = (0..<1_000).map { "bigint_gte(a\($0), b\($0))" }.joined(separator: " && ")
    let expr = try #require(parseOrRecord(calls))
    guard case .binary(.and, _, _, _) = expr.kind else {
      Issue.record("expected a conjunction")
      return
    }
    let sums = (0..<5_000).map { "x\($0)" }.joined(separator: " + ") + " > 0"
    #expect(parseOrRecord(sums) != nil)
    let implications = (0..<2_000).map { "p\($0)" }.joined(separator: " => ")
    #expect(parseOrRecord(implications) != nil)
    let members = "a" + String(repeating: ".b", count: 5_000)
    #expect(parseOrRecord(members) != nil)
  }

  @Test func mixedNestingCountsEveryKindOfLevel() throws {
    // 16 × (paren + call + array + unary) = 64 levels: accepted; one more level is not.
    let unit = ("(f([!", "])")
    let source =
      String(repeating: unit.0, count: 16) + "a" + String(repeating: unit.1 + ")", count: 16)
    #expect(parseOrRecord(source) != nil)
    #expect(parseError("(" + source + ")") != nil)
  }

  @Test func sourceLengthIsLimited() throws {
    let long = String(repeating: "a && ", count: 20_000) + "a"
    let diagnostic = try #require(parseError(long))
    #expect(diagnostic.phase == .lex)
    #expect(diagnostic.message.contains("65536"))
    let limits = ParseLimits(maximumDepth: 64, maximumSourceLength: 10)
    #expect(parseOrRecord("a == 1", limits: limits) != nil)
    #expect(parseError("a == 123456", limits: limits) != nil)
    #expect(ParseLimits.default.maximumDepth == 64)
    #expect(ParseLimits.default.maximumSourceLength == 65_536)
  }
}
