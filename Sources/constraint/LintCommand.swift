import ArgumentParser
import ConstraintEngine

/// The output formats of `lint`.
enum LintFormat: String, ExpressibleByArgument, CaseIterable {
  case human
  case json
  case github
  case sarif
}

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
      read as the current grammar, 2.0) are reported as warnings and leave the exit status \
      at 0.

      Formats: human (problems on standard error, the summary on standard output when there \
      is none), json (one document on standard output, see docs/CLI.md), github (GitHub \
      Actions workflow commands pointing at each problem's file, line and column) and sarif \
      (a SARIF 2.1.0 log, for code scanning).

      Exit status: 0 no problem (warnings allowed); 1 a problem in a rule file that was read \
      (invalid JSON, a structural or expression error, a duplicate id; with --portable, a \
      non-portable use); 2 a path could not be read (missing, unreadable, over the size \
      limit, a directory without rule files), a usage error, a failed write.

      Examples:
        constraint lint Rules/
        constraint lint --portable Rules/billing.constraints.json
        constraint lint --format github Rules/
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

  @Option(help: "Output format: human, json, github or sarif.")
  var format: LintFormat = .human

  func run() throws {
    let terminal = Terminal()
    let report = LintReport(paths: rules, flags: Set(flags), portable: portable)
    switch format {
    case .human: LintOutput.human(report, terminal: terminal)
    case .json: LintOutput.json(report, terminal: terminal.verbatim)
    case .github: LintOutput.github(report, terminal: terminal.verbatim)
    case .sarif: LintOutput.sarif(report, terminal: terminal.verbatim)
    }
    terminal.flush()
    if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
  }
}
