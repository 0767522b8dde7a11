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
  /// the uncovered rules, the counts.
  static func json(_ report: RuleTestReport, terminal: Terminal, all: Bool) {
    let string = JSONReporter.string
    let optional = JSONReporter.optional
    terminal.output("{\"schema_version\":1,")
    terminal.output("\"tool\":\(string("constraint \(EngineVersion.version)")),")
    terminal.output("\"results\":[")
    let listed = report.results.filter { all || !$0.passed }
    for (index, result) in listed.enumerated() {
      let testCase = result.testCase
      let definition = result.rule.definition
      var explanation = "[]"
      var diagnostic = "null"
      switch result.outcome {
      case .evaluated(.fail(let items)):
        explanation = JSONReporter.explanation(items)
      case .evaluated(.error(let found)), .evaluated(.deferred(let found)):
        diagnostic = "{\"message\":\(string(found.message)),\(JSONReporter.range(found.range))}"
      default:
        break
      }
      let line =
        "{\"file\":\(string(testCase.file)),\"line\":\(testCase.line),"
        + "\"name\":\(optional(testCase.name)),\"rule\":\(string(testCase.ruleID)),"
        + "\"rule_file\":\(string(definition.file)),"
        + "\"rule_line\":\(definition.expressionLocation.line),"
        + "\"expect\":\(string(testCase.expect.rawValue)),"
        + "\"outcome\":\(string(result.outcome.word)),\"passed\":\(result.passed),"
        + "\"message\":\(result.passed ? "null" : string(result.reason)),"
        + "\"explanation\":\(explanation),\"diagnostic\":\(diagnostic)}"
      terminal.output(line + (index == listed.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"uncovered\":[")
    for (index, (rule, missing)) in report.uncovered.enumerated() {
      let line =
        "{\"rule\":\(string(rule.id)),\"file\":\(string(rule.definition.file)),"
        + "\"line\":\(rule.definition.location.line),"
        + "\"missing\":[\(missing.map(string).joined(separator: ","))]}"
      terminal.output(line + (index == report.uncovered.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output(
      "\"summary\":{\"cases\":\(report.results.count),\"passed\":\(report.passed),"
        + "\"failed\":\(report.failed),\"test_files\":\(report.testFiles),"
        + "\"rule_files\":\(report.ruleFiles),\"rules\":\(report.rules),"
        + "\"uncovered\":\(report.uncovered.count),"
        + "\"require_coverage\":\(report.requireCoverage),"
        + "\"exit_status\":\(report.exitStatus)}")
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
