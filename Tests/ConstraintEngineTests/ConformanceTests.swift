import Foundation
import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// One line of `Tests/Conformance/*.jsonl`.
struct ConformanceCase: Sendable, CustomTestStringConvertible {
  var file: String
  var line: Int
  var id: String
  var expression: String
  var data: Value
  var expect: OutcomeKind
  var errorContains: String?
  var types: FieldTypes
  var context: EvaluationContext
  /// Set when the line itself could not be read: the test reports it.
  var loadError: String?

  var testDescription: String { "\(id) (\(file):\(line))" }

  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Conformance")

  /// Every case of every corpus file, in file and line order.
  static let all: [ConformanceCase] = {
    let files =
      (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
      .filter { $0.hasSuffix(".jsonl") }.sorted() ?? []
    var cases: [ConformanceCase] = []
    for file in files {
      let text =
        (try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) ?? ""
      for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
        .enumerated()
      where !line.trimmingCharacters(in: .whitespaces).isEmpty {
        cases.append(ConformanceCase(file: file, line: index + 1, text: String(line)))
      }
    }
    return cases
  }()

  init(file: String, line: Int, text: String) {
    self.file = file
    self.line = line
    id = "?"
    expression = ""
    data = .missing
    expect = .error
    types = [:]
    context = .empty
    do {
      let object = try JSONReader.read(text)
      guard case .string(let id) = object["id"], case .string(let expression) = object["expr"],
        case .string(let expectText) = object["expect"],
        let expect = OutcomeKind(rawValue: expectText)
      else {
        loadError = "a case needs string `id`, `expr` and `expect` (pass/fail/error/deferred)"
        return
      }
      self.id = id
      self.expression = expression
      self.expect = expect
      data = object["data"]
      if case .string(let fragment) = object["error_contains"] { errorContains = fragment }
      if case .object(let declared) = object["types"] {
        for (path, type) in declared {
          guard case .string(let declaration) = type, let fieldPath = FieldPath(parsing: path)
          else {
            loadError = "bad type declaration for \(path)"
            return
          }
          types[fieldPath] = FieldType(declaration: declaration)
        }
      }
      if case .object = object["context"] {
        context = try EvaluationContext(json: object["context"])
      }
      if case .string(let now) = object["now"] { context.now = now }
    } catch {
      loadError = "unreadable case: \(error)"
    }
  }
}

@Suite("Conformance corpus")
struct ConformanceTests {
  @Test func corpusIsLargeAndIdsAreUnique() {
    let cases = ConformanceCase.all
    #expect(cases.count >= 400)
    var seen: Set<String> = []
    for testCase in cases {
      #expect(seen.insert(testCase.id).inserted, "duplicate id \(testCase.id)")
    }
  }

  @Test(arguments: ConformanceCase.all)
  func compiledProgramAndInterpreterAgreeWithTheCorpus(_ testCase: ConformanceCase) throws {
    if let loadError = testCase.loadError {
      Issue.record("\(testCase.file):\(testCase.line): \(loadError)")
      return
    }
    let program: Program
    do {
      program = try Compiler.compile(
        testCase.expression, options: CompileOptions(types: testCase.types))
    } catch {
      let messages = error.diagnostics.map(\.message).joined(separator: "; ")
      #expect(
        testCase.expect == .error,
        "\(testCase.id): compile error \(messages), expected \(testCase.expect)")
      if let fragment = testCase.errorContains {
        #expect(
          messages.lowercased().contains(fragment.lowercased()), "\(testCase.id): \(messages)")
      }
      return
    }
    let compiled = program.evaluate(testCase.data, context: testCase.context, explain: true)
    let interpreted = program.evaluateWithReferenceInterpreter(
      testCase.data, context: testCase.context, explain: true)
    #expect(
      compiled.kind == testCase.expect,
      "\(testCase.id): `\(testCase.expression)` gave \(compiled), expected \(testCase.expect)")
    #expect(Self.same(compiled, interpreted), "\(testCase.id): \(compiled) vs \(interpreted)")
    let general = program.evaluateOnGeneralPath(
      testCase.data, context: testCase.context, explain: true)
    #expect(Self.same(general, interpreted), "\(testCase.id): \(general) vs \(interpreted)")
    let fastProblem = FuzzChecks.fastPathProblem(
      program, testCase.data, context: testCase.context)
    #expect(fastProblem == nil, "\(testCase.id): \(fastProblem ?? "")")
    if let fragment = testCase.errorContains {
      switch compiled {
      case .error(let diagnostic), .deferred(let diagnostic):
        #expect(
          diagnostic.message.lowercased().contains(fragment.lowercased()),
          "\(testCase.id): \(diagnostic.message)")
      default: break
      }
    }
  }

  /// The fast path must actually decide a good share of the corpus (the cases it leaves to
  /// the general path are errors, unusual types and builtins it does not cover), or the
  /// agreement checked above would prove little.
  @Test func fastPathDecidesMuchOfTheCorpus() throws {
    var decided: [Bool: Int] = [:]
    for testCase in ConformanceCase.all where testCase.loadError == nil {
      guard
        let program = try? Compiler.compile(
          testCase.expression, options: CompileOptions(types: testCase.types)),
        let decision = program.fastDecision(testCase.data)
      else { continue }
      decided[decision, default: 0] += 1
    }
    #expect(decided[true, default: 0] >= 150, "\(decided)")
    #expect(decided[false, default: 0] >= 75, "\(decided)")
  }

  /// Identical outcomes: the same kind, and for errors the same message and range.
  static func same(_ a: Outcome, _ b: Outcome) -> Bool {
    switch (a, b) {
    case (.pass, .pass): return true
    case (.fail(let x), .fail(let y)): return x == y
    case (.error(let x), .error(let y)), (.deferred(let x), .deferred(let y)):
      return x.message == y.message && x.range == y.range
    default: return false
    }
  }
}
