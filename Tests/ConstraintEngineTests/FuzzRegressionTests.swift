import ConstraintEngine
import ConstraintEngineTestSupport
import Foundation
import Testing

/// One saved fuzz input: its target and file (relative to `Fuzz/`).
struct FuzzInput: Sendable, CustomTestStringConvertible {
  var target: String
  var path: String
  var testDescription: String { path }

  /// The check the fuzz target runs on every input (`FuzzChecks`).
  static func check(_ target: String) -> ([UInt8]) -> String? {
    switch target {
    case "parse": return FuzzChecks.parse
    case "eval": return FuzzChecks.eval
    case "json": return FuzzChecks.json
    case "regex": return FuzzChecks.regex
    case "rulefile": return FuzzChecks.ruleFile
    case "long": return FuzzChecks.long
    case "projection": return FuzzChecks.projection
    default: return { _ in "unknown fuzz target `\(target)`" }
    }
  }

  static let targets = ["parse", "eval", "json", "regex", "rulefile", "long", "projection"]

  static let fuzzDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz")

  /// Every file under `Fuzz/<kind>/<target>/`.
  static func inputs(_ kind: String) -> [FuzzInput] {
    targets.flatMap { target -> [FuzzInput] in
      let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
      return names.filter { !$0.hasPrefix(".") }.sorted().map {
        FuzzInput(target: target, path: "\(kind)/\(target)/\($0)")
      }
    }
  }

  func bytes() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: FuzzInput.fuzzDirectory.appendingPathComponent(path)))
  }
}

/// Replays every minimised fuzz finding (`Fuzz/regressions/<target>/`) and every seed through
/// the same checks the libFuzzer targets run, without sanitizers.
@Suite struct FuzzRegressionTests {
  @Test(arguments: FuzzInput.inputs("regressions"))
  func regressionStaysFixed(_ input: FuzzInput) throws {
    let violation = FuzzInput.check(input.target)(try input.bytes())
    #expect(violation == nil, "\(input.path): \(violation ?? "")")
  }

  @Test(arguments: FuzzInput.targets)
  func everySeedSatisfiesTheCheck(_ target: String) throws {
    let seeds = FuzzInput.inputs("seeds").filter { $0.target == target }
    #expect(!seeds.isEmpty, "no seeds for \(target): run Fuzz/make-seeds.py")
    let check = FuzzInput.check(target)
    for seed in seeds {
      let violation = check(try seed.bytes())
      #expect(violation == nil, "\(seed.path): \(violation ?? "")")
    }
  }

  @Test func everyTargetHasARegressionDirectory() {
    for target in FuzzInput.targets {
      let directory = FuzzInput.fuzzDirectory.appendingPathComponent("regressions/\(target)")
      var isDirectory: ObjCBool = false
      #expect(
        FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory)
          && isDirectory.boolValue, "missing \(directory.path)")
    }
  }

  /// Every dictionary line is a quoted token with only the escapes libFuzzer parses (`\\`,
  /// `\"`, `\xHH`): on any other (`\n`) it refuses the whole dictionary and does not fuzz
  /// (the projection dictionary had one, so `run.sh projection` ran nothing).
  @Test func everyDictionaryParsesAsLibFuzzerReadsIt() throws {
    for target in FuzzInput.targets {
      let url = FuzzInput.fuzzDirectory.appendingPathComponent("dicts/\(target).dict")
      let text = try String(contentsOf: url, encoding: .utf8)
      for (number, line) in text.split(separator: "\n").enumerated() {
        if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
        let bytes = Array(line.utf8)
        var valid = bytes.count >= 2 && bytes.first == 0x22 && bytes.last == 0x22
        var index = 1
        while valid && index < bytes.count - 1 {
          if bytes[index] == 0x5C {
            let next = index + 1 < bytes.count - 1 ? bytes[index + 1] : 0
            if next == 0x5C || next == 0x22 {
              index += 2
            } else if next == 0x78, index + 3 < bytes.count - 1,
              bytes[(index + 2)...(index + 3)].allSatisfy({ $0.isHexDigitASCII })
            {
              index += 4
            } else {
              valid = false
            }
          } else {
            valid = bytes[index] != 0x22
            index += 1
          }
        }
        #expect(valid, "\(target).dict line \(number + 1): \(line)")
      }
    }
  }
}

extension UInt8 {
  fileprivate var isHexDigitASCII: Bool {
    (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
  }
}

/// The checks themselves report what they should: a violated property is not silently accepted.
@Suite struct FuzzCheckTests {
  @Test(
    arguments: [
      ("a.b == 1", nil),
      ("bigint_gte(x, 1) && y.every(i => i > 0)", nil),
      ("(1 + ", "parse"),
      ("a ==\n== b", "parse"),
    ] as [(String, String?)])
  func parseCheckAcceptsValidAndInvalidSources(_ source: String, _ phase: String?) throws {
    #expect(FuzzChecks.parse(Array(source.utf8)) == nil)
    let parsed = Result { () throws(Diagnostic) in try Parser.parse(source) }
    if case .failure = parsed { #expect(phase == "parse") } else { #expect(phase == nil) }
  }

  @Test func rangeProblemFindsInconsistentLocations() {
    let source = "ab\ncé"
    let good = SourceRange(
      start: SourceLocation(offset: 3, line: 2, column: 1),
      end: SourceLocation(offset: 6, line: 2, column: 3))
    #expect(FuzzChecks.rangeProblem(good, in: source) == nil)
    let wrongLine = SourceRange(at: SourceLocation(offset: 3, line: 1, column: 4))
    #expect(FuzzChecks.rangeProblem(wrongLine, in: source) != nil)
    let insideScalar = SourceRange(at: SourceLocation(offset: 5, line: 2, column: 3))
    #expect(FuzzChecks.rangeProblem(insideScalar, in: source) != nil)
    let pastEnd = SourceRange(at: SourceLocation(offset: 7, line: 2, column: 4))
    #expect(FuzzChecks.rangeProblem(pastEnd, in: source) != nil)
    let reversed = SourceRange(start: good.end, end: good.start)
    #expect(FuzzChecks.rangeProblem(reversed, in: source) != nil)
  }

  @Test func outcomeDifferenceComparesKindMessageAndRange() {
    let here = SourceRange(at: .start)
    let there = SourceRange(at: SourceLocation(offset: 1, line: 1, column: 2))
    #expect(FuzzChecks.outcomeDifference(.pass, .pass) == nil)
    #expect(FuzzChecks.outcomeDifference(.pass, .fail(Explanation())) != nil)
    let error = Outcome.error(Diagnostic(.builtinFailed, "boom", at: here))
    #expect(FuzzChecks.outcomeDifference(error, error) == nil)
    #expect(
      FuzzChecks.outcomeDifference(error, .error(Diagnostic(.builtinFailed, "boom", at: there)))
        != nil)
    #expect(
      FuzzChecks.outcomeDifference(error, .error(Diagnostic(.builtinFailed, "bang", at: here)))
        != nil)
  }

  @Test func jsonCheckAcceptsDocumentsBothReadersAgreeOn() {
    for document in [#"{"a":[1,2.5,"x",null,true]}"#, "[]", "-0", #""\u00e9""#, "{ \"a\" : 1,"] {
      #expect(FuzzChecks.json(Array(document.utf8)) == nil, "\(document)")
    }
  }
}

/// Seeded property test: generated valid expressions and snapshots evaluate to the same outcome
/// with the compiled program and the reference interpreter.
@Suite struct GeneratedExpressionTests {
  @Test func generatorIsDeterministic() {
    var first = ExpressionGenerator(seed: 42)
    var second = ExpressionGenerator(seed: 42)
    for _ in 0..<50 { #expect(first.next() == second.next()) }
    var other = ExpressionGenerator(seed: 43)
    #expect((0..<50).map { _ in first.next() } != (0..<50).map { _ in other.next() })
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func compiledAndReferenceAgreeOnGeneratedCases(_ seed: UInt64) throws {
    var generator = ExpressionGenerator(seed: seed)
    var compiled = 0
    var kinds: [OutcomeKind: Int] = [:]
    let options = CompileOptions(
      evaluationLimits: EvaluationLimits(maximumSteps: FuzzChecks.evaluationSteps))
    for _ in 0..<1_500 {
      let generated = generator.next()
      let violation = FuzzChecks.eval(
        source: generated.expression, snapshot: Array(generated.snapshot.utf8))
      #expect(violation == nil, "\(generated.expression) on \(generated.snapshot)")
      guard let program = try? Compiler.compile(generated.expression, options: options) else {
        continue
      }
      compiled += 1
      let snapshot = try JSONReader.read(generated.snapshot)
      kinds[program.evaluate(snapshot).kind, default: 0] += 1
    }
    // Generated expressions are valid: (almost) all compile, and evaluation reaches every
    // outcome kind that a snapshot can decide, not just errors.
    #expect(compiled >= 1_400, "only \(compiled) of 1500 generated expressions compiled")
    #expect(kinds[.pass, default: 0] >= 100, "\(kinds)")
    #expect(kinds[.fail, default: 0] >= 100, "\(kinds)")
    #expect(kinds[.error, default: 0] >= 100, "\(kinds)")
  }
}
