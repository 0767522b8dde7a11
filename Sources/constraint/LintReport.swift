import ConstraintBatch
import ConstraintEngine

/// Everything `lint` found in one run, and the exit status it stands for.
struct LintReport {
  /// The rule files that loaded.
  let files: [RuleFile]
  /// The compiled rules, when every loaded rule compiled.
  let ruleSet: RuleSet?
  /// Error-severity problems: paths that could not be read, files that did not load, rules
  /// that did not compile, duplicate ids — in that order, each group in load order.
  let problems: [Diagnostic]
  /// With `--portable`: each use of syntax beyond grammar v2.0 (warning severity, but counted).
  let nonPortable: [Diagnostic]
  /// Warnings that do not count (a file without `expression_version`).
  let warnings: [Diagnostic]

  init(paths: [String], flags: Set<String>, portable: Bool) {
    let loaded = RuleFileLoader.load(paths: paths)
    var problems = loaded.errors
    switch RuleSet.compile(loaded.files, flags: flags, options: CompileOptions()) {
    case .success(let set): ruleSet = set
    case .failure(let failure):
      ruleSet = nil
      problems += failure.diagnostics
    }
    var nonPortable: [Diagnostic] = []
    if portable {
      for definition in loaded.files.flatMap(\.rules) where definition.skipReason == nil {
        let active = definition.activeExpression(flags: flags)
        // An expression that does not parse is a problem already.
        guard let expression = try? Parser.parse(active.text) else { continue }
        for diagnostic in Portability.diagnostics(for: expression, source: active.text) {
          nonPortable.append(
            Diagnostic(
              diagnostic, inExpression: active.text,
              at: definition.activeExpressionOrigin(flags: flags), file: definition.file,
              rule: definition.id))
        }
      }
    }
    files = loaded.files
    self.problems = problems
    self.nonPortable = nonPortable
    warnings = loaded.files.flatMap(\.warnings)
  }

  /// 2 when a path could not be read (nothing in it was checked), 1 for problems in what was
  /// read (and non-portable uses, which `--portable` asked for), 0 otherwise.
  var exitStatus: Int32 {
    if problems.contains(where: \.isReadFailure) { return 2 }
    return problems.isEmpty && nonPortable.isEmpty ? 0 : 1
  }

  var unreadable: Int { problems.filter(\.isReadFailure).count }
  var ruleCount: Int { files.reduce(0) { $0 + $1.rules.count } }
  var skippedCount: Int { files.reduce(0) { $0 + $1.rules.filter { $0.skipReason != nil }.count } }

  /// The summary lines: `N problems in rule files` and `N non-portable uses in M rule files`
  /// when there are any (human: on standard error), else the clean line (on standard output).
  var problemLines: [String] {
    var lines: [String] = []
    if !problems.isEmpty {
      lines.append(
        "\(problems.count) \(problems.count == 1 ? "problem" : "problems") in rule files")
    }
    if !nonPortable.isEmpty {
      lines.append(
        "\(nonPortable.count) non-portable \(nonPortable.count == 1 ? "use" : "uses") in "
          + "\(files.count) rule \(files.count == 1 ? "file" : "files")")
    }
    return lines
  }

  /// `N rule files, M rules (C compiled, S skipped): no problems[ (W warnings)]`.
  var cleanLine: String {
    let evaluated = ruleSet?.rules.filter { $0.program != nil }.count ?? 0
    let warned =
      warnings.isEmpty
      ? "" : " (\(warnings.count) \(warnings.count == 1 ? "warning" : "warnings"))"
    return "\(files.count) rule \(files.count == 1 ? "file" : "files"), \(ruleCount) rules "
      + "(\(evaluated) compiled, \(ruleCount - evaluated) skipped): no problems" + warned
  }
}

/// The formats of `lint`.
enum LintOutput {
  /// Warnings, problems and non-portable uses on standard error, each with its caret, then the
  /// count lines; or, with nothing found, the clean line on standard output.
  static func human(_ report: LintReport, terminal: Terminal) {
    for finding in report.warnings + report.problems + report.nonPortable {
      terminal.error(RuleLoading.render(finding, renderer: terminal.renderer))
    }
    let lines = report.problemLines
    if lines.isEmpty {
      terminal.output(report.cleanLine)
    } else {
      for line in lines { terminal.error(line) }
    }
  }

  /// One JSON document (schema in docs/CLI.md): every finding, then the counts, each a
  /// `Codable` model (``LintFindingReport``, ``LintSummaryReport``) written one per line.
  static func json(_ report: LintReport, terminal: Terminal) {
    terminal.output("{\"schema_version\":1,")
    terminal.output("\"tool\":\(ReportJSON.encode("constraint \(EngineVersion.version)")),")
    terminal.output("\"findings\":[")
    let findings =
      report.problems.map { ($0, "problem") } + report.nonPortable.map { ($0, "non_portable") }
      + report.warnings.map { ($0, "warning") }
    for (index, (finding, kind)) in findings.enumerated() {
      let line = ReportJSON.encode(LintFindingReport(finding, kind: kind))
      terminal.output(line + (index == findings.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"summary\":\(ReportJSON.encode(LintSummaryReport(report)))")
    terminal.output("}")
  }

  /// GitHub Actions workflow commands: `::error` for each problem, `::warning` for each
  /// non-portable use and warning, at the file, line and column (of the expression string for
  /// an expression problem, whose caret follows in the message); then the count lines or the
  /// clean line.
  static func github(_ report: LintReport, terminal: Terminal) {
    let findings =
      report.problems.map { ($0, "error") } + report.nonPortable.map { ($0, "warning") }
      + report.warnings.map { ($0, "warning") }
    for (finding, command) in findings {
      var properties = "file=\(GitHubReporter.escapeProperty(finding.file ?? ""))"
      if let location = finding.fileLocation {
        properties += ",line=\(location.line),col=\(location.column)"
      }
      let title = finding.ruleID.map { "rule \($0)" } ?? "constraint lint"
      properties += ",title=\(GitHubReporter.escapeProperty(title))"
      var message = finding.message
      let rendered = RuleLoading.render(finding, renderer: CheckText.plainRenderer)
      let details = rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
      if !details.isEmpty { message += "\n" + details.joined(separator: "\n") }
      terminal.output("::\(command) \(properties)::\(GitHubReporter.escapeData(message))")
    }
    let lines = report.problemLines
    for line in lines.isEmpty ? [report.cleanLine] : lines { terminal.output(line) }
  }
}

/// One finding of `constraint lint --format json`.
struct LintFindingReport: Encodable {
  var file: String
  var line: Int?
  var column: Int?
  var rule: String?
  var severity: String
  /// `problem`, `non_portable` or `warning`.
  var kind: String
  var unreadable: Bool
  var message: String
  var expression: String?
  /// The expression diagnostic (without a code: the finding's own code is its `ruleId` in
  /// SARIF, and this format predates codes).
  var diagnostic: DiagnosticReport?

  init(_ finding: Diagnostic, kind: String) {
    file = finding.file ?? ""
    line = finding.fileLocation?.line
    column = finding.fileLocation?.column
    rule = finding.ruleID
    severity = finding.severity.rawValue
    self.kind = kind
    unreadable = finding.isReadFailure
    message = finding.message
    expression = finding.expression
    diagnostic = finding.expression == nil ? nil : DiagnosticReport(finding, withCode: false)
  }

  private enum CodingKeys: String, CodingKey {
    case file, line, column, rule, severity, kind, unreadable, message, expression, diagnostic
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(file, forKey: .file)
    try container.encode(line, forKey: .line)
    try container.encode(column, forKey: .column)
    try container.encode(rule, forKey: .rule)
    try container.encode(severity, forKey: .severity)
    try container.encode(kind, forKey: .kind)
    try container.encode(unreadable, forKey: .unreadable)
    try container.encode(message, forKey: .message)
    try container.encode(expression, forKey: .expression)
    try container.encode(diagnostic, forKey: .diagnostic)
  }
}

/// The counts of `constraint lint --format json`.
struct LintSummaryReport: Encodable {
  var files: Int
  var rules: Int
  var skipped: Int
  var problems: Int
  var unreadable: Int
  var nonPortable: Int
  var warnings: Int
  var exitStatus: Int32

  init(_ report: LintReport) {
    files = report.files.count
    rules = report.ruleCount
    skipped = report.skippedCount
    problems = report.problems.count
    unreadable = report.unreadable
    nonPortable = report.nonPortable.count
    warnings = report.warnings.count
    exitStatus = report.exitStatus
  }

  private enum CodingKeys: String, CodingKey {
    case files, rules, skipped, problems, unreadable
    case nonPortable = "non_portable"
    case warnings
    case exitStatus = "exit_status"
  }
}
