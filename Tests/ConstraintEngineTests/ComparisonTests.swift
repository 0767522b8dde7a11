import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

private func compile(
  _ source: String, types: [String: String] = [:]
) throws(Diagnostics) -> Program {
  var declared: FieldTypes = [:]
  for (path, type) in types { declared[FieldPath(parsing: path)!] = FieldType(declaration: type) }
  return try Compiler.compile(source, options: CompileOptions(types: declared))
}

/// Comparisons with an exact integer on one side (DESIGN 5, last sentence) and comparisons
/// the operand types decide: where each diagnostic points, and that every evaluation path
/// (fast path, compiled nodes, reference interpreter) gives the same outcome.
@Suite("Comparisons: exact integers, digit strings, constant comparisons")
struct ComparisonTests {
  static let bigint = ["v": "bigint"]

  @Test(
    arguments: [
      ("v == ⟦'abc'⟧", bigint, "`'abc'` is compared with the exact integer `v`"),
      ("⟦'007'⟧ != v", bigint, "not an integer written canonically"),
      ("v >= ⟦'-0'⟧", bigint, "not an integer written canonically"),
      ("v in ['1', ⟦'x'⟧]", bigint, "not an integer written canonically"),
      ("bigint_sum(xs) == ⟦'1e6'⟧", [:], "the exact integer `bigint_sum(xs)`"),
      ("v ⟦==⟧ true", bigint, "`v` is an exact integer and `true` is a boolean"),
      ("eq(v, ⟦'x'⟧)", bigint, "compared with the exact integer `v`"),
      (
        "s ⟦==⟧ 5", ["s": "string"],
        "`s` is a string and `5` is a number: `==` between them is never true"
      ),
      ("s ⟦!=⟧ 5", ["s": "string"], "is always true"),
      ("'5' ⟦==⟧ 5", [:], "`'5'` is a string and `5` is a number"),
      ("⟦eq⟧(n, 'x')", ["n": "number"], "`n` is a number and `'x'` is a string"),
      ("s in [⟦1⟧, 'x']", ["s": "string"], "the element can never be the one found"),
      ("type_of(x) == ⟦'bigint'⟧", [:], "`type_of(x)` is never `'bigint'`"),
      ("⟦1⟧ in o", ["o": "object"], "`in` over an object looks up a key"),
      ("'k' in ⟦5⟧", [:], "`in` needs an array or an object on its right"),
    ] as [(String, [String: String], String)])
  func compileErrorsPointAtTheirCause(
    _ marked: String, _ types: [String: String], _ message: String
  ) throws {
    let source = MarkedSource(marked)
    do {
      _ = try compile(source.source, types: types)
      Issue.record("compiled \(source)")
    } catch {
      #expect(error.diagnostics.count == 1, "\(error.diagnostics)")
      let diagnostic = try #require(error.diagnostics.first)
      #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
      expectRange(diagnostic.range, equals: source.range, in: source.source)
    }
  }

  /// `previous(x)` where `x` is a quantifier variable is reported as not a snapshot path, and
  /// only that: the checker resolves the argument once, as the variable, so a snapshot field
  /// of the same name declared `bigint` does not make the call an exact integer (before one
  /// resolution, the comparison was typed from the field and drew a second, misleading error).
  @Test func previousOfAVariableIsNotTypedFromAFieldOfTheSameName() throws {
    do {
      _ = try compile("xs.every(x => previous(x) == '007')", types: ["x": "bigint"])
      Issue.record("compiled")
    } catch {
      #expect(error.diagnostics.map(\.code) == [.argumentForm])
    }
  }

  @Test func typeOfNotesTheNamesItReturnsAndHowToTestForIntegers() throws {
    do {
      _ = try compile("type_of(x) == 'bigint'")
      Issue.record("compiled")
    } catch {
      let notes = error.diagnostics.flatMap(\.notes).map(\.message)
      #expect(notes.contains { $0.contains("'undefined', 'null', 'boolean', 'number'") })
      #expect(notes.contains { $0.contains("is_bigint_coercible") })
    }
  }

  @Test(arguments: [
    (
      "bigint_sum(xs) == ⟦total⟧", #"{"xs": ["1"], "total": "1e6"}"#,
      "`total` is compared with the exact integer `bigint_sum(xs)`, so it must be a number or "
        + "a string of decimal digits (^-?[0-9]+$), but it holds the string \"1e6\""
    ),
    (
      "⟦total⟧ < bigint_add(a, b)", #"{"a": 1, "b": 2, "total": true}"#,
      "but it holds the boolean true"
    ),
    ("⟦total⟧ < bigint_add(a, b)", #"{"a": 1, "b": 2}"#, "missing value at `total`"),
    ("bigint_sum(xs) in ⟦[0, t]⟧", #"{"xs": ["1"], "t": "x"}"#, "element 1 of `[0, t]`"),
    ("eq(bigint_sum(xs), ⟦t⟧)", #"{"xs": ["1"], "t": [1]}"#, "but it holds an array"),
    ("⟦k⟧ in o", #"{"k": 5, "o": {}}"#, "so it must be a string, but it holds the number 5"),
  ])
  func evaluationErrorsPointAtTheOperand(marked: String, data: String, message: String) throws {
    let source = MarkedSource(marked)
    let program = try compile(source.source)
    let snapshot = try JSONReader.read(data)
    let outcome = program.evaluate(snapshot)
    guard case .error(let diagnostic) = outcome else {
      Issue.record("expected an error, got \(outcome)")
      return
    }
    #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
    expectRange(diagnostic.range, equals: source.range, in: source.source)
    #expect(ConformanceTests.same(outcome, program.evaluateWithReferenceInterpreter(snapshot)))
    #expect(ConformanceTests.same(outcome, program.evaluateOnGeneralPath(snapshot)))
  }

  /// Every pairing of an exact integer with data of each kind, on every path.
  @Test func everyPathAgreesOnExactIntegersAgainstEveryKindOfValue() throws {
    let values = [
      "0", "5", "-5", "5.0", "5.5", "\"5\"", "\"005\"", "\"-5\"", "\"5.0\"", "\" 5\"", "\"\"",
      "\"99999999999999999999999\"", "99999999999999999999999", "true", "null", "[5]",
      "{\"v\": 5}",
    ]
    let expressions = [
      "bigint_sum(xs) == t", "bigint_sum(xs) != t", "t == bigint_add(a, 0)", "v == t",
      "v < t", "t >= v", "previous(v) == t", "bigint_sum(xs) in [t, 1]", "eq(t, v)",
      "v == '5' && t != null", "v != '-5' || bigint_sum(xs) > t",
    ]
    var decided = 0
    for expression in expressions {
      let program = try compile(expression, types: Self.bigint)
      for value in values {
        for v in ["\"5\"", "5", "\"-5\""] {
          let snapshot = try JSONReader.read(
            #"{"xs": ["2", 3], "a": "5", "v": \#(v), "t": \#(value), "_previous": {"v": 5}}"#)
          let outcome = program.evaluate(snapshot)
          if program.fastDecision(snapshot) != nil { decided += 1 }
          #expect(
            ConformanceTests.same(outcome, program.evaluateWithReferenceInterpreter(snapshot)),
            "\(expression) on \(value)")
          #expect(
            ConformanceTests.same(outcome, program.evaluateOnGeneralPath(snapshot)),
            "\(expression) on \(value)")
          #expect(FuzzChecks.fastPathProblem(program, snapshot, context: .empty) == nil)
        }
      }
    }
    #expect(decided > 50, "the fast path decided only \(decided) cases")
  }

  @Test func aDigitStringComparesAsTheInteger() throws {
    let program = try compile("bigint_sum([balance, reserved, consumed]) == original_allocation")
    let balanced = try JSONReader.read(
      #"{"balance": "600000", "reserved": "300000", "consumed": "100000", "#
        + #""original_allocation": "1000000"}"#)
    #expect(program.evaluate(balanced).kind == .pass)
    let unbalanced = try JSONReader.read(
      #"{"balance": "600000", "reserved": "300000", "consumed": "100001", "#
        + #""original_allocation": "1000000"}"#)
    guard case .fail(let explanation) = program.evaluate(unbalanced, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.map(\.value) == ["1000001", "\"1000000\""])
  }
}
