import ArgumentParser
import ConstraintEngine

struct LintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lint",
    abstract: "Load and compile rule files without data; report every problem.",
    discussion: """
      Every structural problem is reported as file:line:column, every expression problem with \
      the file, the rule id and a caret inside the expression. --portable also reports, with a \
      caret at each use, syntax beyond grammar v2.0: arithmetic (+ - * / %), unary minus, \
      `in`, .some/.none/.count and builtins outside the 52 (matches, bigint_lte, bigint_lt, \
      unique). \
      Rules that are never evaluated (runtime-deferred, native) are not compiled.

      Warnings that do not stop a file from being used (a file without expression_version is \
      read as the current grammar, 2.0) are printed to standard error as `warning:` lines and \
      leave the exit status at 0.

      Exit status: 0 no problem (warnings allowed), 2 any problem (portability findings \
      included with --portable).

      Examples:
        constraint lint Rules/
        constraint lint --portable Rules/billing.constraints.json
      """)

  @Argument(help: "Rule files (*.constraints.json) or directories.")
  var rules: [String]

  @Flag(help: "Report syntax beyond grammar v2.0 too.")
  var portable = false

  @Option(
    name: .customLong("flag"),
    help: ArgumentHelp(
      "Lint with a feature flag on (repeatable): conditional rules use their override_text.",
      valueName: "name"))
  var flags: [String] = []

  func run() throws {
    let terminal = Terminal()
    let ruleSet = try RuleLoading.compile(
      paths: rules, flags: Set(flags), options: CompileOptions(), terminal: terminal)
    var findings: [RuleFileError] = []
    if portable {
      for rule in ruleSet.rules where rule.program != nil {
        guard let expression = try? Parser.parse(rule.activeExpression) else { continue }
        let definition = rule.definition
        let origin = definition.activeExpressionOrigin(flags: ruleSet.flags)
        for diagnostic in Portability.diagnostics(
          for: expression, source: rule.activeExpression)
        {
          findings.append(
            RuleFileError(
              file: definition.file, ruleID: definition.id, diagnostic: diagnostic,
              expression: rule.activeExpression, origin: origin))
        }
      }
    }
    let warnings = ruleSet.files.flatMap(\.warnings)
    for warning in warnings {
      terminal.error(RuleLoading.render(warning, renderer: terminal.renderer))
    }
    let evaluated = ruleSet.rules.filter { $0.program != nil }.count
    let files = ruleSet.files.count
    if !findings.isEmpty {
      for finding in findings {
        terminal.error(RuleLoading.render(finding, renderer: terminal.renderer))
      }
      terminal.error(
        "\(findings.count) non-portable \(findings.count == 1 ? "use" : "uses") in "
          + "\(files) rule \(files == 1 ? "file" : "files")")
      throw ExitCode(2)
    }
    let warned =
      warnings.isEmpty ? "" : " (\(warnings.count) \(warnings.count == 1 ? "warning" : "warnings"))"
    terminal.output(
      "\(files) rule \(files == 1 ? "file" : "files"), \(ruleSet.rules.count) rules "
        + "(\(evaluated) compiled, \(ruleSet.rules.count - evaluated) skipped): no problems"
        + warned)
  }
}
