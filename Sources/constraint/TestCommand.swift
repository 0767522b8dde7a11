import ArgumentParser
import ConstraintBatch
import ConstraintEngine
import Foundation

/// The output formats of `test`.
enum TestFormat: String, ExpressibleByArgument, CaseIterable {
  case human
  case json
  case github
}

struct TestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Run the test cases of rule files: each rule must pass, fail or error as stated.",
    discussion: """
      X.constraints.tests.jsonl holds the cases of the rules of X.constraints.json, one JSON \
      object per line: {"rule": ID, "expect": "pass"|"fail"|"error"|"deferred"|"skipped", \
      "data": SNAPSHOT} with optional "name", "error_contains", "flags", "now" and "context" \
      (docs/CLI.md). Directories are searched recursively for rule files and test files; a \
      rule file named alone brings its test file, a test file named alone its rule file.

      Every rule file loads and compiles, every test file reads whole and names only rules of \
      its rule file, or nothing is run: each problem is listed and the exit status is 2. A \
      test file without a rule file next to it, an empty test file and a run without any test \
      file are problems: testing nothing is not a pass.

      --require-coverage: every rule that is evaluated (not runtime-deferred or native) must \
      have a case that expects pass and one that expects fail.

      Exit status: 0 every case had its expected outcome (and, with --require-coverage, every \
      rule is covered); 1 a case had another outcome (or a rule is not covered); 2 rule files \
      or test files could not be loaded, no test file, a usage error, a failed write.

      Examples:
        constraint test Rules/
        constraint test --require-coverage --format github Rules/
      """)

  @Argument(help: "Rule files, test files (*.constraints.tests.jsonl) or directories.")
  var paths: [String]

  @Option(help: "Output format: human, json or github.")
  var format: TestFormat = .human

  @Flag(help: "Report passing cases too (human and json formats).")
  var all = false

  @Flag(inversion: .prefixedNo, help: "Show the values that decided each failing case.")
  var explain = true

  @Flag(help: "Every evaluated rule must have a pass case and a fail case.")
  var requireCoverage = false

  func run() throws {
    let terminal = Terminal()
    let suite = RuleTestSuite.load(paths: paths)
    if !suite.problems.isEmpty {
      for problem in suite.problems {
        terminal.error(RuleLoading.render(problem, renderer: terminal.renderer))
      }
      let count = suite.problems.count
      terminal.error("\(count) \(count == 1 ? "problem" : "problems") in rule and test files")
      throw ExitCode(2)
    }
    let report = suite.run(explain: explain, requireCoverage: requireCoverage)
    switch format {
    case .human: TestOutput.human(report, terminal: terminal, all: all, explain: explain)
    case .json: TestOutput.json(report, terminal: terminal.verbatim, all: all)
    case .github: TestOutput.github(report, terminal: terminal.verbatim, explain: explain)
    }
    terminal.flush()
    if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
  }
}

/// Rule files and their test files, loaded and compiled, every case bound to its rule.
struct RuleTestSuite {
  /// A case and the rule it tests, in the rule set compiled under the case's flags.
  struct BoundCase {
    let testCase: RuleTestCase
    let ruleSet: RuleSet
    let ruleIndex: Int
  }

  var files: [RuleFile] = []
  /// The rule set compiled without flags (every rule, for coverage).
  var ruleSet: RuleSet?
  var testFiles: [String] = []
  var cases: [BoundCase] = []
  var problems: [Diagnostic] = []

  /// `x.constraints.json` and `x.constraints.tests.jsonl` share the stem `x.constraints`.
  static func stem(ofRule path: String) -> String {
    String(decoding: path.utf8.dropLast(".json".utf8.count), as: UTF8.self)
  }

  static func stem(ofTest path: String) -> String {
    String(decoding: path.utf8.dropLast(".tests.jsonl".utf8.count), as: UTF8.self)
  }

  static func load(paths: [String]) -> RuleTestSuite {
    var suite = RuleTestSuite()
    let found = FileDiscovery.files(paths) {
      FileDiscovery.isRuleFileName($0) || FileDiscovery.isRuleTestFileName($0)
    }
    suite.problems += found.problems
    for directory in found.emptyDirectories {
      suite.problems.append(
        Diagnostic(
          .noRuleFiles,
          "no *\(FileDiscovery.ruleFileSuffix) or *\(FileDiscovery.ruleTestFileSuffix) files in "
            + "directory", file: directory))
    }
    var rulePaths: [String] = []
    var testPaths: [String] = []
    for file in found.files {
      if FileDiscovery.isRuleTestFileName(file) {
        testPaths.append(file)
      } else {
        rulePaths.append(file)
      }
    }
    // A rule file named alone brings its test file, a test file named alone its rule file.
    let fileManager = FileManager.default
    var testStems = Set(testPaths.map(stem(ofTest:)))
    for rulePath in rulePaths where FileDiscovery.isRuleFileName(rulePath) {
      let stem = stem(ofRule: rulePath)
      guard !testStems.contains(stem), let test = FileDiscovery.testFilePath(forRuleFile: rulePath),
        fileManager.fileExists(atPath: test)
      else { continue }
      testPaths.append(test)
      testStems.insert(stem)
    }
    var ruleStems = Set(rulePaths.map(stem(ofRule:)))
    for testPath in testPaths where !ruleStems.contains(stem(ofTest: testPath)) {
      guard let rulePath = FileDiscovery.ruleFilePath(forTestFile: testPath),
        fileManager.fileExists(atPath: rulePath)
      else {
        suite.problems.append(
          Diagnostic(
            .ruleTestFileProblem,
            "no rule file \(stem(ofTest: testPath)).json next to this test file", file: testPath))
        continue
      }
      rulePaths.append(rulePath)
      ruleStems.insert(stem(ofTest: testPath))
    }
    suite.testFiles = testPaths
    if testPaths.isEmpty && suite.problems.isEmpty {
      suite.problems.append(
        Diagnostic(
          .ruleTestFileProblem,
          "no test files (*\(FileDiscovery.ruleTestFileSuffix)): testing nothing is not a pass",
          file: paths.joined(separator: " ")))
    }

    var ruleFileByStem: [String: RuleFile] = [:]
    for path in rulePaths {
      do {
        let file = try RuleFileLoader.load(file: path)
        suite.files.append(file)
        ruleFileByStem[stem(ofRule: path)] = file
      } catch {
        suite.problems += error.diagnostics
      }
    }
    var testCases: [RuleTestCase] = []
    for path in testPaths {
      let (cases, errors) = RuleTestFile.read(path: path)
      suite.problems += errors
      testCases += cases
    }
    guard suite.problems.isEmpty else { return suite }

    // One rule set per distinct set of flags the cases turn on.
    var ruleSets: [Set<String>: RuleSet] = [:]
    let compile = { (flags: Set<String>) -> RuleSet? in
      if let set = ruleSets[flags] { return set }
      switch RuleSet.compile(suite.files, flags: flags) {
      case .success(let set):
        ruleSets[flags] = set
        return set
      case .failure(let failure):
        suite.problems += failure.diagnostics
        return nil
      }
    }
    guard let base = compile([]) else { return suite }
    suite.ruleSet = base
    for testCase in testCases {
      guard let ruleFile = ruleFileByStem[stem(ofTest: testCase.file)] else { continue }
      guard ruleFile.rules.contains(where: { $0.id == testCase.ruleID }) else {
        let known = ruleFile.rules.map(\.id).joined(separator: ", ")
        suite.problems.append(
          Diagnostic(
            .ruleTestFileProblem,
            "no rule `\(testCase.ruleID)` in \(ruleFile.path) (its rules: \(known))",
            file: testCase.file, at: SourceRange(at: testCase.ruleLocation),
            rule: testCase.ruleID))
        continue
      }
      let flags = testCase.context.flags
      guard let set = flags.isEmpty ? base : compile(flags) else { continue }
      let index = set.rules.firstIndex {
        $0.definition.file == ruleFile.path && $0.id == testCase.ruleID
      }!
      suite.cases.append(BoundCase(testCase: testCase, ruleSet: set, ruleIndex: index))
    }
    return suite
  }

  /// Runs every case.
  func run(explain: Bool, requireCoverage: Bool) -> RuleTestReport {
    var results: [RuleTestResult] = []
    var expected: [String: Set<RuleTestCase.Expectation>] = [:]
    for bound in cases {
      let testCase = bound.testCase
      let outcome = bound.ruleSet.check(
        testCase.snapshot, ruleIndexes: [bound.ruleIndex], context: testCase.context,
        explain: explain)[0]
      let rule = bound.ruleSet.rules[bound.ruleIndex]
      results.append(RuleTestResult(testCase: testCase, rule: rule, outcome: outcome))
      expected[rule.definition.file + "\u{0}" + rule.id, default: []].insert(testCase.expect)
    }
    var uncovered: [(rule: CompiledRule, missing: [String])] = []
    for rule in ruleSet?.rules ?? [] where rule.definition.skipReason == nil {
      let found = expected[rule.definition.file + "\u{0}" + rule.id] ?? []
      let missing = [RuleTestCase.Expectation.pass, .fail].filter { !found.contains($0) }
      if !missing.isEmpty { uncovered.append((rule, missing.map(\.rawValue))) }
    }
    return RuleTestReport(
      results: results, uncovered: uncovered, ruleFiles: files.count, testFiles: testFiles.count,
      rules: ruleSet?.rules.count ?? 0, requireCoverage: requireCoverage)
  }
}

/// One case's result.
struct RuleTestResult {
  let testCase: RuleTestCase
  let rule: CompiledRule
  let outcome: RuleOutcome

  /// Whether the rule had the outcome the case expects (and, for an error, the message the
  /// case names).
  var passed: Bool {
    guard outcome.word == testCase.expect.rawValue else { return false }
    guard let needle = testCase.errorContains else { return true }
    switch outcome {
    case .evaluated(.error(let diagnostic)), .evaluated(.deferred(let diagnostic)):
      return diagnostic.message.lowercased().contains(needle.lowercased())
    default:
      return false
    }
  }

  /// Why a case failed: `expected fail, got pass`, or the message it lacks.
  var reason: String {
    if outcome.word != testCase.expect.rawValue {
      return "expected \(testCase.expect.rawValue), got \(outcome.word)"
    }
    return "expected \(testCase.expect.rawValue) with a message containing "
      + "\(Value.quoted(testCase.errorContains ?? "")), got: \(CheckText.reason(pair))"
  }

  /// The result as a `check` pair, for the explanation and diagnostic renderers.
  var pair: PairResult {
    PairResult(
      rule: rule,
      snapshot: CheckedSnapshot(
        file: testCase.file, line: testCase.line, ruleIndexes: [], outcomes: .success([outcome])),
      outcome: outcome)
  }

  /// `name` or `rule ID`.
  var title: String { testCase.name ?? "rule \(testCase.ruleID)" }
}

/// Everything a `test` run found.
struct RuleTestReport {
  let results: [RuleTestResult]
  /// Evaluated rules without a pass case or a fail case, and which they lack.
  let uncovered: [(rule: CompiledRule, missing: [String])]
  let ruleFiles: Int
  let testFiles: Int
  let rules: Int
  let requireCoverage: Bool

  var failed: Int { results.filter { !$0.passed }.count }
  var passed: Int { results.count - failed }

  var exitStatus: Int32 {
    failed > 0 || (requireCoverage && !uncovered.isEmpty) ? 1 : 0
  }

  /// `N cases in T test files for R rules of F rule files: P passed, X failed`.
  var summaryLine: String {
    "\(results.count) \(results.count == 1 ? "case" : "cases") in \(testFiles) test "
      + "\(testFiles == 1 ? "file" : "files") for \(rules) \(rules == 1 ? "rule" : "rules") in "
      + "\(ruleFiles) rule \(ruleFiles == 1 ? "file" : "files"): \(passed) passed, \(failed) failed"
  }

  /// One line per uncovered rule: `uncovered  ID  (no fail case)  FILE:LINE`.
  var coverageLines: [String] {
    uncovered.map { rule, missing in
      "uncovered  \(HumanText.value(rule.id))  (no \(missing.joined(separator: " or ")) case)  "
        + "\(HumanText.value(rule.definition.file)):\(rule.definition.location.line)"
    }
  }
}
