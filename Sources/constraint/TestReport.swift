import ConstraintBatch
import ConstraintEngine

/// The formats of `test`.
enum TestOutput {
  /// Each failing case (every case with `all`) with what it expected and what the rule did,
  /// the uncovered rules, then the summary line.
  static func human(_ report: RuleTestReport, terminal: Terminal, all: Bool, explain: Bool) {
    for result in report.results where all || !result.passed {
      let testCase = result.testCase
      var line =
        "\(result.passed ? "PASS" : "FAIL")  \(HumanText.value(testCase.location))  "
        + HumanText.value(testCase.ruleID)
      if let name = testCase.name { line += "  " + HumanText.value(name) }
      terminal.output(line)
      guard !result.passed else { continue }
      terminal.output("  " + HumanText.value(result.reason))
      if explain {
        for detail in CheckText.details(result.pair) {
          terminal.output(detail.isEmpty ? "" : "  " + detail)
        }
      }
      terminal.output("")
    }
    for line in report.coverageLines { terminal.output(line) }
    if report.requireCoverage && !report.uncovered.isEmpty {
      let count = report.uncovered.count
      terminal.output(
        "\(count) \(count == 1 ? "rule lacks" : "rules lack") a pass or a fail case "
          + "(--require-coverage)")
    }
    terminal.output(report.summaryLine)
  }

  /// One JSON document (schema in docs/CLI.md): the failing cases (every case with `all`),
  /// the uncovered rules, the counts; each a `Codable` model (``TestCaseReport``,
  /// ``UncoveredRuleReport``, ``TestSummaryReport``) written one per line.
  static func json(_ report: RuleTestReport, terminal: Terminal, all: Bool) {
    terminal.output("{\"schema_version\":1,")
    terminal.output("\"tool\":\(ReportJSON.encode("constraint \(EngineVersion.version)")),")
    terminal.output("\"results\":[")
    let listed = report.results.filter { all || !$0.passed }
    for (index, result) in listed.enumerated() {
      let line = ReportJSON.encode(TestCaseReport(result))
      terminal.output(line + (index == listed.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"uncovered\":[")
    for (index, (rule, missing)) in report.uncovered.enumerated() {
      let line = ReportJSON.encode(
        UncoveredRuleReport(
          rule: rule.id, file: rule.definition.file, line: rule.definition.location.line,
          missing: missing))
      terminal.output(line + (index == report.uncovered.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"summary\":\(ReportJSON.encode(TestSummaryReport(report)))")
    terminal.output("}")
  }

  /// GitHub Actions workflow commands: an `::error` at the test file line of each failing
  /// case; each uncovered rule at its rule file line (`::error` with --require-coverage, a
  /// `::notice` without); then the summary line.
  static func github(_ report: RuleTestReport, terminal: Terminal, explain: Bool) {
    let property = GitHubReporter.escapeProperty
    for result in report.results where !result.passed {
      let testCase = result.testCase
      var message = result.reason
      if explain {
        let details = CheckText.details(result.pair)
        if !details.isEmpty { message += "\n" + details.joined(separator: "\n") }
      }
      terminal.output(
        "::error file=\(property(testCase.file)),line=\(testCase.line),"
          + "title=\(property("test \(testCase.ruleID): \(result.title)"))::"
          + GitHubReporter.escapeData(message))
    }
    for (rule, missing) in report.uncovered {
      terminal.output(
        "::\(report.requireCoverage ? "error" : "notice") "
          + "file=\(property(rule.definition.file)),line=\(rule.definition.location.line),"
          + "title=\(property("rule \(rule.id) not covered"))::"
          + GitHubReporter.escapeData("no \(missing.joined(separator: " or ")) case"))
    }
    terminal.output(report.summaryLine)
  }
}

/// One test case's result in `constraint test --format json`.
struct TestCaseReport: Encodable {
  var file: String
  var line: Int
  var name: String?
  var rule: String
  var ruleFile: String
  var ruleLine: Int
  var expect: String
  var outcome: String
  var passed: Bool
  /// Why the case failed; nil for a passing case.
  var message: String?
  var explanation: [ExplanationItemReport]
  /// The rule's error or deferral (without a code: this format predates them).
  var diagnostic: DiagnosticReport?

  init(_ result: RuleTestResult) {
    let testCase = result.testCase
    file = testCase.file
    line = testCase.line
    name = testCase.name
    rule = testCase.ruleID
    ruleFile = result.rule.definition.file
    ruleLine = result.rule.definition.expressionLocation.line
    expect = testCase.expect.rawValue
    outcome = result.outcome.word
    passed = result.passed
    message = result.passed ? nil : result.reason
    explanation = []
    switch result.outcome {
    case .evaluated(.fail(let items)):
      explanation = ExplanationItemReport.items(items)
    case .evaluated(.error(let found)), .evaluated(.deferred(let found)):
      diagnostic = DiagnosticReport(found, withCode: false)
    default:
      break
    }
  }

  private enum CodingKeys: String, CodingKey {
    case file, line, name, rule
    case ruleFile = "rule_file"
    case ruleLine = "rule_line"
    case expect, outcome, passed, message, explanation, diagnostic
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(file, forKey: .file)
    try container.encode(line, forKey: .line)
    try container.encode(name, forKey: .name)
    try container.encode(rule, forKey: .rule)
    try container.encode(ruleFile, forKey: .ruleFile)
    try container.encode(ruleLine, forKey: .ruleLine)
    try container.encode(expect, forKey: .expect)
    try container.encode(outcome, forKey: .outcome)
    try container.encode(passed, forKey: .passed)
    try container.encode(message, forKey: .message)
    try container.encode(explanation, forKey: .explanation)
    try container.encode(diagnostic, forKey: .diagnostic)
  }
}

/// A rule without a pass case or a fail case, in `constraint test --format json`.
struct UncoveredRuleReport: Encodable {
  var rule: String
  var file: String
  var line: Int
  /// `pass`, `fail` or both.
  var missing: [String]
}

/// The counts of `constraint test --format json`.
struct TestSummaryReport: Encodable {
  var cases: Int
  var passed: Int
  var failed: Int
  var testFiles: Int
  var ruleFiles: Int
  var rules: Int
  var uncovered: Int
  var requireCoverage: Bool
  var exitStatus: Int32

  init(_ report: RuleTestReport) {
    cases = report.results.count
    passed = report.passed
    failed = report.failed
    testFiles = report.testFiles
    ruleFiles = report.ruleFiles
    rules = report.rules
    uncovered = report.uncovered.count
    requireCoverage = report.requireCoverage
    exitStatus = report.exitStatus
  }

  private enum CodingKeys: String, CodingKey {
    case cases, passed, failed
    case testFiles = "test_files"
    case ruleFiles = "rule_files"
    case rules, uncovered
    case requireCoverage = "require_coverage"
    case exitStatus = "exit_status"
  }
}
