import ArgumentParser
import ConstraintBatch
import ConstraintEngine
import Foundation

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate one expression against JSON snapshots.",
    discussion: """
      Prints one line per snapshot, in input order: `pass`, `fail`, `error: …` or \
      `deferred: …` (a state-bearing builtin had no context state). With --explain, a failure \
      is followed by the values that decided it, under their spans, and an error by the \
      expression with a caret under its cause.

      Data: a .json file holds one snapshot; a .jsonl file or standard input (`-`) holds one \
      snapshot per line (blank lines are skipped).

      Exit status: 0 when every snapshot passes, 1 when any fails or is deferred, 2 when any \
      errors (a compile error, unreadable data, input with no snapshot without --allow-empty, \
      a usage error or a failed write included).

      Examples:
        echo '{"limit":"1000","spent":"1001"}' | constraint eval "bigint_gte(limit, spent)" --data -
        constraint eval "budget.spent_micro <= budget.limit_micro" \\
          --type budget.spent_micro=bigint --type budget.limit_micro=bigint \\
          --data Examples/snapshots/overspent.json --explain
        constraint eval --data x.json -- '-a < 0'
      """
  )

  @Argument(help: "The expression. Put it after `--` when it begins with `-`.")
  var expression: String

  @Option(help: "A .json file, a .jsonl file, or - for standard input.")
  var data: String

  @Flag(inversion: .prefixedNo, help: "Show why a snapshot failed or errored.")
  var explain = false

  @Option(
    name: .customLong("type"),
    help: ArgumentHelp(
      "Declare a field type (repeatable): bigint, string, number, integer, boolean, array, "
        + "object, string[].", valueName: "path=type"))
  var types: [String] = []

  @Option(help: "The evaluation timestamp (ISO 8601 with Z or an offset) for now().")
  var now: String?

  @Option(
    help: ArgumentHelp(
      "An evaluation context JSON file: {\"now\": …, \"flags\": […], \"state\": {…}}, or the "
        + "reference evaluator's format (evaluation_timestamp, feature_flags, nonce_window, …)."))
  var context: String?

  @Option(help: "The deepest nesting an expression may have.")
  var maxDepth: Int = ParseLimits.default.maximumDepth

  @Flag(help: "Accept input without any snapshot (exit 0); by default it is an error (2).")
  var allowEmpty = false

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "Build only the snapshot values the expression reads, validating the rest of each "
        + "snapshot without building it (default on; the same results either way; snapshots "
        + "holding little else are read in full, which then costs less)."))
  var projection = true

  @Flag(help: "Say on standard error how snapshots are read (projected, or in full and why).")
  var verbose = false

  @Option(help: ArgumentHelp("Threads that parse and evaluate JSONL input.", visibility: .hidden))
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: ArgumentHelp("JSONL lines per parallel batch.", visibility: .hidden))
  var batchLines: Int?

  func validate() throws {
    if jobs < 1 || (batchLines ?? 1) < 1 {
      throw ValidationError("--jobs and --batch-lines must be ≥ 1")
    }
  }

  func run() throws {
    let terminal = Terminal()
    var options = CompileOptions()
    options.parseLimits.maximumDepth = maxDepth
    options.types = try CommandSupport.parseTypeDeclarations(types)
    let program: Program
    do {
      program = try Compiler.compile(expression, options: options)
    } catch {
      for diagnostic in error.diagnostics {
        terminal.error(
          terminal.renderer.render(diagnostic, source: expression, sourceName: "<expression>"))
      }
      throw ExitCode(2)
    }
    let evaluationContext = try CommandSupport.loadContext(
      path: context, now: now, terminal: terminal)
    if let problem = SnapshotInput.unusable(data) {
      terminal.error("error: \(problem)")
      throw ExitCode(2)
    }
    // The batch pipeline `check` uses: JSONL is parsed and evaluated by `jobs` threads and
    // reported here in input order, so the output is the same with any number of jobs.
    let checker = BatchChecker(
      ruleSet: .single(program, expression: expression), context: evaluationContext,
      options: BatchOptions(
        explain: explain, jobs: jobs, batchLines: batchLines, summarisesPasses: true,
        projectsReads: projection))
    if verbose {
      terminal.error(
        "verbose: \(data): "
          + CommandSupport.describeReading(
            checker.readProjection(), projecting: projection,
            slots: checker.slotPlan(ruleIndexes: [0])))
    }
    var status: Int32 = 0
    var snapshots = 0
    let explanationRenderer = ExplanationRenderer(indent: "  ")
    // A batch's lines reach a pipe before the next batch is read (a slow producer's results
    // stream).
    checker.check(
      .file(data), warning: { terminal.error($0.description) },
      endOfBatch: { terminal.flush() }
    ) { event in
      switch event {
      case .passing(let run):
        snapshots += run.snapshots
        // One write for the run's lines (at most a batch's), not one per snapshot.
        if run.snapshots > 0 {
          terminal.output(String(repeating: "pass\n", count: run.snapshots - 1) + "pass")
        }
      case .snapshot(let snapshot):
        snapshots += 1
        switch snapshot.outcomes {
        case .failure(let error):
          terminal.output(
            "error[\(error.code)]: \(HumanText.value(snapshot.location)): "
              + HumanText.value(error.message))
          status = 2
        case .success(let outcomes):
          for outcome in outcomes {
            guard case .evaluated(let result) = outcome else {
              // The one rule is active: never skipped. Refused loudly rather than dropped.
              preconditionFailure("the expression's rule was skipped")
            }
            status = max(status, report(result, explanationRenderer, terminal))
          }
        }
      }
      return true
    }
    if snapshots == 0,
      let empty = CommandSupport.emptyInput(
        data == "-" ? "<stdin>" : data, allowed: allowEmpty, terminal: terminal)
    {
      status = empty
    }
    terminal.flush()
    if status != 0 { throw ExitCode(status) }
  }

  /// Prints one snapshot's outcome; returns the exit status it calls for.
  private func report(
    _ outcome: Outcome, _ explanationRenderer: ExplanationRenderer, _ terminal: Terminal
  ) -> Int32 {
    switch outcome {
    case .pass:
      terminal.output("pass")
      return 0
    case .fail(let explanation):
      terminal.output("fail")
      if explain && !explanation.isEmpty {
        terminal.output(explanationRenderer.render(explanation, source: expression))
      }
      return 1
    case .error(let diagnostic), .deferred(let diagnostic):
      if explain {
        // The rendered diagnostic's first line is the `error[CODE]: message` line itself.
        let rendered = DiagnosticRenderer(useColor: false).render(
          diagnostic, source: expression, sourceName: "<expression>")
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        terminal.output(
          "\(outcome.kind.rawValue)[\(diagnostic.code)]: "
            + "\(HumanText.value(diagnostic.message))\n"
            + CommandSupport.indented(lines.dropFirst().joined(separator: "\n")))
      } else {
        terminal.output(
          "\(outcome.kind.rawValue)[\(diagnostic.code)]: "
            + HumanText.value(diagnostic.message))
      }
      return outcome.kind == .error ? 2 : 1
    }
  }
}
