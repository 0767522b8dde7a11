import Foundation
import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

private func compile(_ source: String, types: [String: String] = [:]) throws -> Program {
  var declared: FieldTypes = [:]
  for (path, type) in types { declared[FieldPath(parsing: path)!] = FieldType(declaration: type) }
  return try Compiler.compile(source, options: CompileOptions(types: declared))
}

private func json(_ text: String) throws -> Value {
  try JSONReader.read(text)
}

@Suite("Evaluator: outcomes, explanations, error positions")
struct EvaluatorTests {
  @Test func theDesignExampleExplainsBothValuesUnderTheirSpans() throws {
    let program = try compile(
      "bigint_gte(budget.limit_micro, budget.spent_micro)",
      types: ["budget.limit_micro": "bigint", "budget.spent_micro": "bigint"])
    let snapshot = try json(#"{"budget": {"limit_micro": "1000000", "spent_micro": "1000001"}}"#)
    guard case .fail(let explanation) = program.evaluate(snapshot, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    let rendered = ExplanationRenderer(indent: "").render(explanation, source: program.source)
    #expect(
      rendered == """
        bigint_gte(budget.limit_micro, budget.spent_micro)
                   ^^^^^^^^^^^^^^^^^^  ^^^^^^^^^^^^^^^^^^
                   1000000             1000001
        """)
  }

  @Test func aFailingConjunctionIsExplainedByItsFalseOperandOnly() throws {
    let program = try compile("a > 0 && b > 0 && c > 0")
    let snapshot = try json(#"{"a": 1, "b": -2, "c": 3}"#)
    guard case .fail(let explanation) = program.evaluate(snapshot, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.map(\.value) == ["-2"])
    let marked = MarkedSource("a > 0 && ⟦b⟧ > 0 && c > 0")
    expectRange(explanation.items[0].range, equals: marked.range, in: marked.source)
  }

  @Test func aFailingEveryNamesTheElementThatBrokeIt() throws {
    let program = try compile("items.every(i => i.amount >= 0)")
    let snapshot = try json(#"{"items": [{"amount": 1}, {"amount": -5}, {"amount": -6}]}"#)
    guard case .fail(let explanation) = program.evaluate(snapshot, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.contains { $0.value == "-5" && $0.context == "element 1 of `items`" })
    #expect(!explanation.items.contains { $0.value == "-6" })
  }

  @Test(arguments: [
    ("⟦missing_field⟧ < 1", "{}", "missing value at `missing_field`"),
    ("a < ⟦b⟧", #"{"a": 1, "b": null}"#, "null value at `b`"),
    ("⟦a < b⟧", #"{"a": 1, "b": "x"}"#, "cannot order"),
    ("⟦a / b⟧ > 0", #"{"a": 1, "b": 0}"#, "division by zero"),
    ("⟦a⟧ && true", #"{"a": 1}"#, "must be a boolean"),
    ("⟦xs⟧.every(x => x)", "{}", "missing value at `xs`"),
    ("xs.every(x => ⟦x⟧)", #"{"xs": [1]}"#, "must be a boolean"),
    ("bigint_gte(⟦a⟧, 1)", #"{"a": "1.5"}"#, "`bigint_gte` argument 1 (`a`)"),
    ("⟦v⟧ >= 0", #"{"v": "12x"}"#, "`v` is declared bigint"),
    ("⟦a.length⟧ > 0", #"{"a": 5}"#, ".length"),
  ])
  func evaluationErrorsPointAtTheirCause(marked: String, data: String, message: String) throws {
    let source = MarkedSource(marked)
    let types = source.source.hasPrefix("v") ? ["v": "bigint"] : [:]
    let program = try compile(source.source, types: types)
    let outcome = program.evaluate(try json(data))
    guard case .error(let diagnostic) = outcome else {
      Issue.record("expected an error, got \(outcome)")
      return
    }
    #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
    expectRange(diagnostic.range, equals: source.range, in: source.source)
    let interpreted = program.evaluateWithReferenceInterpreter(try json(data))
    #expect(ConformanceTests.same(outcome, interpreted))
  }

  @Test(arguments: [
    ("⟦frobnicate⟧(a)", "unknown function `frobnicate`"),
    ("⟦bigint_gte(a)⟧", "takes 2 arguments, but 1 was given"),
    ("bigint_sum(xs, ⟦field⟧)", "must be a string literal"),
    ("'a' ⟦<⟧ 1", "cannot order a string and a number"),
    ("⟦1 + 2⟧", "must evaluate to a boolean"),
    ("⟦'x'⟧ && true", "must be a boolean"),
    ("changed(⟦a.length⟧)", "must be a field path"),
    ("matches(s, ⟦p⟧)", "must be a string literal"),
    ("x in ⟦'abc'⟧", "`in` needs an array"),
  ])
  func compileErrorsPointAtTheirCause(marked: String, message: String) throws {
    let source = MarkedSource(marked)
    do {
      _ = try compile(source.source)
      Issue.record("expected a compile error for \(source.source)")
    } catch let failure as Diagnostics {
      let diagnostic = try #require(failure.diagnostics.first)
      #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
      expectRange(diagnostic.range, equals: source.range, in: source.source)
    }
  }

  @Test func unknownFunctionsSuggestTheClosestBuiltin() throws {
    do {
      _ = try compile("bigint_gtee(a, b)")
      Issue.record("expected a compile error")
    } catch let failure as Diagnostics {
      #expect(failure.diagnostics[0].notes.map(\.message) == ["did you mean `bigint_gte`?"])
    }
  }

  @Test func declaredBigintFieldsCompareDigitStringsAsIntegers() throws {
    let program = try compile("value >= 0 && value + 1 == 124", types: ["value": "bigint"])
    #expect(program.evaluate(try json(#"{"value": "123"}"#)).kind == .pass)
    #expect(program.evaluate(try json(#"{"value": "-1"}"#)).kind == .fail)
    #expect(program.evaluate(try json(#"{"value": "+5"}"#)).kind == .error)
  }

  @Test func constantsAreFoldedAtCompileTime() throws {
    let program = try compile("1 + 2 * 3 == 7 && a")
    guard case .chain(.folded(.bool(true), _), let links) = program.root, links.count == 1 else {
      Issue.record("expected the left operand folded to true, got \(program.root)")
      return
    }
  }

  /// A failure decided by a folded constant is explained from the constant's literals, as the
  /// reference explanation (over the unfolded tree) does.
  @Test(arguments: [
    ("(1 + 1) > 3 || a > 5", ["2", "1"]),
    ("!(-a < 0) || !(-1 < 0) || a == 2", ["-1", "-1", "1"]),
    ("a in [1 + 1, 3] && a > 0", ["1", "[2, 3]"]),
    ("a > 0 && 1 + 2 * 3 == 8", ["7"]),
    ("[a, 2].every(x => x > 1 + 1)", ["1", "1", "2"]),
  ])
  func foldedConstantsAreExplainedFromTheirLiterals(source: String, values: [String]) throws {
    let program = try compile(source)
    let snapshot = try json(#"{"a": 1}"#)
    let compiled = program.evaluate(snapshot, explain: true)
    let reference = program.evaluateWithReferenceInterpreter(snapshot, explain: true)
    #expect(ConformanceTests.same(compiled, reference), "\(compiled) vs \(reference)")
    guard case .fail(let explanation) = compiled else {
      Issue.record("\(source) gave \(compiled)")
      return
    }
    #expect(explanation.items.map(\.value) == values)
  }

  @Test func fieldPathsAreCollected() throws {
    let program = try compile(
      "bigint_gte(a.b, c[0].d) && xs.every(x => x.y > e) && changed(f)")
    #expect(
      program.fieldPaths.map(\.description) == [
        "_previous.f", "a.b", "c[0].d", "e", "f", "xs",
      ])
  }

  @Test func oneProgramIsSafeToEvaluateFromManyTasks() async throws {
    let program = try compile(
      "bigint_gte(limit, spent) && items.every(i => i > 0)")
    let passing = try json(#"{"limit": "10", "spent": "3", "items": [1, 2, 3]}"#)
    let failing = try json(#"{"limit": "10", "spent": "30", "items": [1, 2, 3]}"#)
    let results = await withTaskGroup(of: Bool.self) { group in
      for task in 0..<8 {
        group.addTask {
          var ok = true
          for iteration in 0..<2_000 {
            let expectPass = (task + iteration) % 2 == 0
            let outcome = program.evaluate(expectPass ? passing : failing)
            ok = ok && (outcome.kind == (expectPass ? .pass : .fail))
          }
          return ok
        }
      }
      var all: [Bool] = []
      for await result in group { all.append(result) }
      return all
    }
    #expect(results == Array(repeating: true, count: 8))
  }

  @Test func nestedQuantifiersAreBoundedBySteps() throws {
    var options = CompileOptions()
    options.evaluationLimits = EvaluationLimits(maximumSteps: 1_000)
    let program = try Compiler.compile(
      "xs.every(a => xs.every(b => xs.every(c => true)))", options: options)
    let snapshot = Value.object(ObjectValue([("xs", .array(Array(repeating: .null, count: 20)))]))
    guard case .error(let diagnostic) = program.evaluate(snapshot) else {
      Issue.record("expected the step limit")
      return
    }
    #expect(diagnostic.message.contains("step limit"))
  }
}

@Suite("Evaluator: long flat chains")
struct LongChainTests {
  /// Flat chains parse into trees as tall as the chain is long; every tree walk (checker,
  /// compiler, both evaluators, the explainer) must handle the longest accepted chain.
  @Test(arguments: ["&&", "||", "+"])
  func theLongestAcceptedChainEvaluatesOnBothPaths(op: String) throws {
    let terms = Checker.maximumChainLength
    let source: String
    switch op {
    case "+": source = Array(repeating: "a", count: terms).joined(separator: "+") + " > 0"
    case "&&": source = Array(repeating: "t", count: terms - 1).joined(separator: "&&") + "&&f"
    default: source = Array(repeating: "f", count: terms).joined(separator: "||")
    }
    let program = try Compiler.compile(source)
    let snapshot = Value.object(
      ObjectValue([("a", .number(.small(1))), ("t", .bool(true)), ("f", .bool(false))]))
    let compiled = program.evaluate(snapshot, explain: true)
    let interpreted = program.evaluateWithReferenceInterpreter(snapshot, explain: true)
    #expect(ConformanceTests.same(compiled, interpreted))
    #expect(compiled.kind == (op == "+" ? .pass : .fail))
    if case .fail(let explanation) = compiled {
      #expect(!explanation.isEmpty)
    }
  }

  @Test func aChainTallerThanTheLimitIsACompileErrorNotACrash() throws {
    // The longest chain that fits the 64 KiB source limit: about 21,800 operands.
    let source = Array(repeating: "a", count: 21_800).joined(separator: "&&")
    do {
      _ = try Compiler.compile(source)
      Issue.record("expected a compile error")
    } catch {
      #expect(error.diagnostics[0].message.contains("expression too large"))
    }
  }
}

@Suite("matches(): patterns compiled with the program")
struct MatchesCompilationTests {
  @Test(arguments: [
    "matches(s, 'a⟦)⟧b')",
    "matches(s, 'é⟦)⟧')",
    "matches(s, 'x\\\\d⟦)⟧')",
    "matches(s, 'it\\'s⟦)⟧')",
    "a == 1 && matches(name, '^[A-Z]+⟦)⟧$')",
  ])
  func patternErrorsPointAtTheOffendingCharacterInTheExpression(marked: String) throws {
    let source = MarkedSource(marked)
    do {
      _ = try Compiler.compile(source.source)
      Issue.record("expected a regex compile error in \(source.source)")
    } catch {
      let diagnostic = try #require(error.diagnostics.first)
      #expect(diagnostic.phase == .regex)
      #expect(diagnostic.message.hasPrefix("invalid regular expression"))
      expectRange(diagnostic.range, equals: source.range, in: source.source)
    }
  }

  /// Patterns are compiled in the checker's one walk, but an invalid pattern is reported only
  /// when the rule has no other error: those come first, alone, as they did when patterns
  /// were compiled after checking; two invalid patterns are both reported, in order.
  @Test func patternErrorsAreReportedOnlyWithoutOtherErrors() throws {
    func codes(_ source: String) -> [DiagnosticCode] {
      do {
        _ = try Compiler.compile(source)
        return []
      } catch {
        return error.diagnostics.map(\.code)
      }
    }
    #expect(codes("matches(s, '(') && a + 'x' > 1") == [.operandType])
    #expect(codes("nope(1) || matches(s, '(')") == [.unknownFunction])
    #expect(codes("matches(s, '(') || matches(t, '[')") == [.invalidRegex, .invalidRegex])
  }

  @Test func aPatternIsCompiledOnceAndSharedAcrossEvaluations() throws {
    let program = try Compiler.compile(
      "matches(a, '^INV-[0-9]{6}$') && matches(b, '^INV-[0-9]{6}$')")
    #expect(program.regexes.compiled.count == 1)
    let snapshot = try JSONReader.read(#"{"a": "INV-123456", "b": "INV-000001"}"#)
    #expect(program.evaluate(snapshot).kind == .pass)
  }

  @Test func aCatastrophicPatternEndsAsAnErrorOnBothPaths() throws {
    let program = try Compiler.compile("matches(v, '^(a+)+$')")
    let snapshot = Value.object(
      ObjectValue([("v", .string(String(repeating: "a", count: 45) + "!"))]))
    let clock = ContinuousClock()
    let start = clock.now
    let compiled = program.evaluate(snapshot)
    let interpreted = program.evaluateWithReferenceInterpreter(snapshot)
    #expect(clock.now - start < .milliseconds(500))
    guard case .error(let diagnostic) = compiled else {
      Issue.record("expected an error, got \(compiled)")
      return
    }
    #expect(diagnostic.message.contains("limit"))
    #expect(ConformanceTests.same(compiled, interpreted))
  }
}
