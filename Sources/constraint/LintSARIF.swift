import ConstraintEngine

extension LintOutput {
  /// A SARIF 2.1.0 log (docs/CLI.md): one result per finding at its file, line and column,
  /// the rule id in its properties, the caret rendering after the message.
  ///
  /// Each result's `ruleId` is the finding's stable code (`CE5008`, docs/DIAGNOSTICS.md); the
  /// log's rules are every code, with its summary; `properties.kind` is the `kind` of
  /// `--format json` (problem, unreadable, non_portable, warning).
  static func sarif(_ report: LintReport, terminal: Terminal) {
    let codes = DiagnosticCode.allCases
    SARIF.open(
      rules: codes.map { code in
        SARIFReportingDescriptor<FindingProperties>(
          id: code.rawValue, shortDescription: SARIFText(text: code.summary),
          defaultConfiguration: SARIFConfiguration(level: Self.sarifDefaultLevel(code)))
      }, terminal: terminal)
    let findings =
      report.problems.map { ($0, $0.isReadFailure ? "unreadable" : "problem") }
      + report.nonPortable.map { ($0, "non_portable") } + report.warnings.map { ($0, "warning") }
    for (index, (finding, kind)) in findings.enumerated() {
      let code = finding.code
      let ruleIndex = codes.firstIndex(of: code) ?? 0
      let level = kind == "non_portable" || finding.severity != .error ? "warning" : "error"
      var text = finding.message
      let rendered = RuleLoading.render(finding, renderer: CheckText.plainRenderer)
      let details = rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
      if !details.isEmpty { text += "\n" + details.joined(separator: "\n") }
      SARIF.result(
        SARIFResult(
          ruleId: code.rawValue, ruleIndex: ruleIndex, level: level,
          message: SARIFText(text: text),
          locations: [
            SARIF.location(
              file: finding.file ?? "", line: finding.fileLocation?.line,
              column: finding.fileLocation?.column)
          ],
          properties: FindingProperties(
            kind: kind, rule: finding.ruleID, expression: finding.expression)),
        first: index == 0, terminal: terminal)
    }
    SARIF.close(exitStatus: report.exitStatus, terminal: terminal)
  }

  /// A finding's properties in the log: its `kind` (as `--format json` has it), and the rule
  /// and expression when it is about one.
  struct FindingProperties: Encodable {
    var kind: String
    var rule: String?
    var expression: String?
  }

  /// A code's level unless its result says otherwise: warnings for kinds that never stop a
  /// file from being used.
  static func sarifDefaultLevel(_ code: DiagnosticCode) -> String {
    switch code {
    case .missingExpressionVersion, .notPortable: return "warning"
    default: return "error"
    }
  }
}
