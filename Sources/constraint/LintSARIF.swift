import ConstraintEngine

extension LintOutput {
  /// The codes of lint's findings as SARIF rules: the `kind` of `--format json`, with
  /// `unreadable` for a path that could not be read.
  static let sarifRules: [(id: String, level: String, text: String)] = [
    (
      "problem", "error",
      "a problem in a rule file: invalid JSON, a structural or expression "
        + "error, a duplicate rule id"
    ),
    (
      "unreadable", "error",
      "a path that could not be read: missing, unreadable, over the size "
        + "limit, a directory without rule files"
    ),
    ("non_portable", "warning", "syntax beyond grammar v2.0 (with --portable)"),
    ("warning", "warning", "a warning that does not stop the file from being used"),
  ]

  /// A SARIF 2.1.0 log (docs/CLI.md): one result per finding at its file, line and column,
  /// the rule id in its properties, the caret rendering after the message.
  static func sarif(_ report: LintReport, terminal: Terminal) {
    SARIF.open(
      rules: sarifRules.map { rule in
        [
          "id": rule.id, "shortDescription": ["text": rule.text],
          "defaultConfiguration": ["level": rule.level],
        ]
      }, terminal: terminal)
    let findings =
      report.problems.map { ($0, $0.isReadFailure ? "unreadable" : "problem") }
      + report.nonPortable.map { ($0, "non_portable") } + report.warnings.map { ($0, "warning") }
    for (index, (finding, code)) in findings.enumerated() {
      let ruleIndex = sarifRules.firstIndex { $0.id == code }!
      var text = finding.message
      let rendered = RuleLoading.render(finding, renderer: CheckText.plainRenderer)
      let details = rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
      if !details.isEmpty { text += "\n" + details.joined(separator: "\n") }
      var properties: [String: Any] = [:]
      if let rule = finding.ruleID { properties["rule"] = rule }
      if let expression = finding.expression { properties["expression"] = expression }
      SARIF.result(
        [
          "ruleId": code, "ruleIndex": ruleIndex, "level": sarifRules[ruleIndex].level,
          "message": ["text": text],
          "locations": [
            SARIF.location(
              file: finding.file, line: finding.location?.line,
              column: finding.location?.column)
          ],
          "properties": properties,
        ], first: index == 0, terminal: terminal)
    }
    SARIF.close(exitStatus: report.exitStatus, terminal: terminal)
  }
}
