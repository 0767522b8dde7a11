import ArgumentParser
import ConstraintEngine

/// Loading and compiling rule files for `check` and `lint`, with every problem rendered.
enum RuleLoading {
  /// Loads and compiles the rule files under `paths`. On any problem, renders every one to
  /// standard error and exits with status 2.
  static func compile(
    paths: [String], flags: Set<String>, options: CompileOptions, terminal: Terminal
  ) throws -> RuleSet {
    let (ruleSet, problems) = try compile(
      paths: paths, flags: flags, options: options, terminal: terminal, keepGoing: false)
    precondition(problems == 0, "problems without keepGoing exit")
    return ruleSet
  }

  /// ``compile(paths:flags:options:terminal:)``; with `keepGoing`, problems that leave other
  /// rules usable (a file that does not load, a duplicate id) are rendered and counted
  /// instead of exiting, and rules that do not compile are kept as broken rules. Exits with
  /// status 2 only when no rule file loaded or duplicate ids make the set ambiguous.
  static func compile(
    paths: [String], flags: Set<String>, options: CompileOptions, terminal: Terminal,
    keepGoing: Bool
  ) throws -> (ruleSet: RuleSet, problems: Int) {
    let loaded = RuleFileLoader.load(paths: paths)
    var errors = loaded.errors
    var ruleSet: RuleSet?
    switch RuleSet.compile(loaded.files, flags: flags, options: options, keepGoing: keepGoing) {
    case .success(let set): ruleSet = set
    case .failure(let failure): errors += failure.diagnostics
    }
    if let ruleSet, errors.isEmpty { return (ruleSet, 0) }
    report(errors, terminal: terminal)
    if keepGoing, let ruleSet, !loaded.files.isEmpty { return (ruleSet, errors.count) }
    throw ExitCode(2)
  }

  /// Renders `errors` to standard error with a count line.
  static func report(_ errors: [Diagnostic], terminal: Terminal) {
    for error in errors { terminal.error(render(error, renderer: terminal.renderer)) }
    let noun = errors.count == 1 ? "problem" : "problems"
    terminal.error("\(errors.count) \(noun) in rule files")
  }

  /// `error[CE5007]: file:line:column: rule ID: message` (for an expression error, the exact
  /// place in the file), then, for an expression error, the expression with a caret under the
  /// problem (located inside the expression text).
  static func render(_ error: Diagnostic, renderer: DiagnosticRenderer) -> String {
    // One line whatever the file name, rule id or message hold.
    let header = "\(error.label): \(HumanText.value(error.description))"
    guard let expression = error.expression else { return header }
    let name = HumanText.value("\(error.file ?? "") [\(error.ruleID ?? "?")]")
    let rendered = renderer.render(error, source: expression, sourceName: name)
    // The rendered diagnostic's first line repeats the message the header already has.
    let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
    return ([header] + lines.dropFirst().map(String.init)).joined(separator: "\n")
  }
}
