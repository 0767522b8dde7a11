import ConstraintEngine
import Foundation
import Testing

/// The expressions of the shipped rule files (`Rules/*.constraints.json`), skipping
/// `runtime-deferred` constraints whose expression is prose.
func shippedRuleExpressions() throws -> [(rule: String, expression: String)] {
  let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Rules")
  let files = try FileManager.default.contentsOfDirectory(atPath: rules.path)
    .filter { $0.hasSuffix(".constraints.json") }.sorted()
  var result: [(String, String)] = []
  for file in files {
    let data = try Data(contentsOf: rules.appendingPathComponent(file))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let constraints = try #require(root["constraints"] as? [[String: Any]])
    for constraint in constraints where constraint["evaluator"] as? String != "runtime-deferred" {
      let id = try #require(constraint["id"] as? String)
      let expression = try #require(constraint["expression"] as? String)
      result.append(("\(file)#\(id)", expression))
    }
  }
  return result
}

@Suite("Printer")
struct PrinterTests {
  @Test(arguments: [
    ("a==1&&b", "a == 1 && b"),
    ("  a   ==   1  ", "a == 1"),
    ("f( a ,b )", "f(a, b)"),
    ("[ 1,'x' ]", "[1, 'x']"),
    ("x.every( e=>e>0 )", "x.every(e => e > 0)"),
    ("a => (b => c)", "a => b => c"),
    ("(a => b) => c", "(a => b) => c"),
    ("((a))", "a"),
    ("(a && b) && c", "a && b && c"),
    ("a && (b && c)", "a && (b && c)"),
    ("(a || b) && c", "(a || b) && c"),
    ("a || (b && c)", "a || b && c"),
    ("(a == b) == c", "(a == b) == c"),
    ("a == (b == c)", "a == (b == c)"),
    ("(a < b) && c", "a < b && c"),
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("(a - b) - c", "a - b - c"),
    ("a - (b - c)", "a - (b - c)"),
    ("a - (b + c)", "a - (b + c)"),
    ("a * (b / c)", "a * (b / c)"),
    ("(a in b) == c", "(a in b) == c"),
    ("!(a)", "!a"),
    ("!(a && b)", "!(a && b)"),
    ("!(!a)", "!!a"),
    ("-(a + 1)", "-(a + 1)"),
    ("-(-a)", "--a"),
    ("(-a).length", "(-a).length"),
    ("-(a.length)", "-a.length"),
    ("(!a) == b", "!a == b"),
    ("!(a == b)", "!(a == b)"),
    ("(a || b).every(x => x)", "(a || b).every(x => x)"),
    ("(a).b", "a.b"),
    ("(f(a))[0]", "f(a)[0]"),
    ("a[007]", "a[7]"),
    ("007 + 1.50", "007 + 1.50"),
    (#"'it\'s'"#, #"'it\'s'"#),
    (#"'\d'"#, #"'\\d'"#),
    (#"'\\d'"#, #"'\\d'"#),
    (#"'a\\\'b'"#, #"'a\\\'b'"#),
    ("'😀'", "'😀'"),
    ("a.every(x => (x => y))", "a.every(x => x => y)"),
    ("f((a || b))", "f(a || b)"),
    ("[(a && b)]", "[a && b]"),
    ("now( )", "now()"),
    ("[ ]", "[]"),
    ("a.null", "a.null"),
    ("1.length", "1.length"),
    ("x\n  && y", "x && y"),
    ("a - -b", "a - -b"),
    ("a in[1,2]", "a in [1, 2]"),
  ])
  func printsTheCanonicalForm(source: String, canonical: String) throws {
    let expr = try #require(parseOrRecord(source))
    #expect(Printer.print(expr) == canonical)
    #expect(expr.description == canonical)
  }

  @Test(arguments: parserSuccessCases.map(\.source))
  func roundTripsEveryParserCase(source: String) throws {
    try expectRoundTrip(source)
  }

  @Test func theCanonicalFormIsRefusedWhenItWouldNotReadBack() throws {
    let limits = ParseLimits(maximumSourceLength: 100)
    let fits = Array(repeating: "a", count: 25).joined(separator: "-")
    #expect(try Printer.canonical(fits, limits: limits).utf8.count == 97)
    let grows = Array(repeating: "a", count: 30).joined(separator: "-")
    #expect(grows.utf8.count == 59)
    #expect(throws: Diagnostic.self) { try Printer.canonical(grows, limits: limits) }
    do {
      _ = try Printer.canonical(grows, limits: limits)
    } catch {
      #expect(error.message.hasPrefix("the canonical form is 117 bytes long"))
    }
  }

  @Test func roundTripsTheShippedRules() throws {
    let rules = try shippedRuleExpressions()
    #expect(!rules.isEmpty)
    for (rule, expression) in rules {
      let expr = try #require(parseOrRecord(expression), "\(rule)")
      try expectRoundTrip(expression)
      #expect(Printer.print(expr) == expression, "\(rule) is not in canonical form")
    }
  }

  @Test func roundTripsGeneratedTrees() throws {
    var generator = TreeGenerator(seed: 0x5EED)
    for _ in 0..<2_000 {
      let tree = generator.expression(depth: 5)
      let printed = Printer.print(tree)
      let reparsed = try #require(parseOrRecord(printed))
      #expect(reparsed.hasSameStructure(as: tree), "\(printed)")
      #expect(Printer.print(reparsed) == printed)
    }
  }

  @Test func printsTreesTheParserCannotProduceDirectly() {
    let a = node(.identifier("a"))
    let b = node(.identifier("b"))
    let c = node(.identifier("c"))
    let leftImplication = node(
      .binary(.implies, node(.binary(.implies, a, b, operatorRange: nowhere)), c,
        operatorRange: nowhere))
    #expect(Printer.print(leftImplication) == "(a => b) => c")
    let negatedSum = node(.unary(.negate, node(.binary(.add, a, b, operatorRange: nowhere))))
    #expect(Printer.print(negatedSum) == "-(a + b)")
    let quoted = node(.string(#"a'b\c"#))
    #expect(Printer.print(quoted) == #"'a\'b\\c'"#)
  }

  @Test func structuralEqualityIgnoresRangesOnly() throws {
    let pairs: [(String, String, Bool)] = [
      ("a == 1", "a==1", true),
      ("(a && b) && c", "a && b && c", true),
      ("a && (b && c)", "a && b && c", false),
      ("a == 1", "a == 1.0", false),
      ("'x'", "'y'", false),
      (#"'\d'"#, #"'\\d'"#, true),
      ("'\u{E9}'", "'e\u{301}'", false),
      ("f(a)", "f(a, b)", false),
      ("f(a)", "g(a)", false),
      ("a.every(x => x)", "a.some(x => x)", false),
      ("a.every(x => x)", "a.every(y => y)", false),
      ("a[0]", "a[1]", false),
      ("-a", "!a", false),
      ("[1, 2]", "[1,2]", true),
      ("a.b", "a.c", false),
      ("a.length", "a.b", false),
      ("null", "null", true),
      ("true", "false", false),
    ]
    for (left, right, same) in pairs {
      let l = try #require(parseOrRecord(left))
      let r = try #require(parseOrRecord(right))
      #expect(l.hasSameStructure(as: r) == same, "\(left) vs \(right)")
      #expect(r.hasSameStructure(as: l) == same, "\(right) vs \(left)")
    }
  }

  @Test func printsLongFlatChainsWithoutDeepRecursion() throws {
    let source = (0..<10_000).map { "a\($0) == \($0)" }.joined(separator: " && ")
    let limits = ParseLimits(maximumDepth: 64, maximumSourceLength: 1_000_000)
    let expr = try #require(parseOrRecord(source, limits: limits))
    #expect(Printer.print(expr) == source)
    #expect(expr.hasSameStructure(as: expr))
  }

  private func expectRoundTrip(
    _ source: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let expr = try #require(parseOrRecord(source), sourceLocation: sourceLocation)
    let printed = Printer.print(expr)
    let reparsed = try #require(parseOrRecord(printed), sourceLocation: sourceLocation)
    #expect(reparsed.hasSameStructure(as: expr), "\(source) → \(printed)",
      sourceLocation: sourceLocation)
    #expect(Printer.print(reparsed) == printed, "not idempotent: \(source)",
      sourceLocation: sourceLocation)
  }
}

private let nowhere = SourceRange(at: .start)

private func node(_ kind: ExprKind) -> Expr { Expr(kind, range: nowhere) }

/// Deterministic random expression trees (a small xorshift generator, so runs repeat).
private struct TreeGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next(_ bound: Int) -> Int {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return Int(state % UInt64(bound))
  }

  mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }

  mutating func expression(depth: Int) -> Expr {
    if depth == 0 || next(4) == 0 { return leaf() }
    let below = depth - 1
    switch next(9) {
    case 0:
      return node(.member(expression(depth: below), name: pick(["b", "every", "null", "x_1"]),
        nameRange: nowhere))
    case 1: return node(.index(expression(depth: below), next(12)))
    case 2: return node(.length(expression(depth: below)))
    case 3:
      return node(.quantifier(pick(Quantifier.allCases), expression(depth: below),
        variable: pick(["x", "e"]), variableRange: nowhere, body: expression(depth: below)))
    case 4:
      let arguments = (0..<next(4)).map { _ in expression(depth: below) }
      return node(.call(pick(["f", "bigint_gte", "now"]), nameRange: nowhere,
        arguments: arguments))
    case 5:
      return node(.array((0..<next(4)).map { _ in expression(depth: below) }))
    case 6:
      return node(.unary(pick(UnaryOperator.allCases), expression(depth: below)))
    default:
      return node(.binary(pick(BinaryOperator.allCases), expression(depth: below),
        expression(depth: below), operatorRange: nowhere))
    }
  }

  mutating func leaf() -> Expr {
    switch next(6) {
    case 0: return node(.number(pick(["0", "42", "3.14", "007", "1.50"])))
    case 1: return node(.string(pick(["", "x", "it's", #"a\b"#, #"\'"#, "😀 é", "\\"])))
    case 2: return node(.bool(next(2) == 0))
    case 3: return node(.null)
    default: return node(.identifier(pick(["a", "b", "_previous", "in_", "nullish"])))
    }
  }
}
