import ArgumentParser
import ConstraintBatch
import ConstraintEngine
import Foundation

/// The output formats of `check`.
enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
  case human
  case json
  case junit
  case github
  case sarif
  case jsonl
}

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check JSON snapshots against rule files.",
    discussion: """
      Loads every rule file (*.constraints.json; directories are searched recursively, in \
      sorted order), compiles every rule, then reads each snapshot once and checks it against \
      every rule that applies: all rules for a bare --data PATH, the rules of one schema_id for \
      --data SCHEMA=PATH. Data: .json files (one snapshot), .jsonl files and - (standard \
      input, one snapshot per line), directories (their .json/.jsonl files, recursively, \
      sorted, links followed, hidden entries, rule files and rule test files skipped). A --data \
      source without any snapshot is an error unless --allow-empty.

      Rules with "evaluator": "runtime-deferred" or "evaluation_geometry": "native" are never \
      evaluated; they are listed as skipped. Severity error fails the run; warning fails it \
      only with --strict; info never does.

      Exit status: 0 every error-severity rule passed (and warnings, with --strict); 1 a rule \
      that counts failed, errored or was deferred; 2 rule files or data could not be loaded \
      (every rule-file problem is listed first), a data source held no snapshot, a usage \
      error, a failed write.

      --keep-going checks a tree with a few broken rules: a rule whose expression does not \
      compile is reported as an error result on every snapshot it applies to (whatever its \
      severity), a rule file that does not load is reported on standard error, and every \
      other rule is still checked; the exit status is then 2.

      Examples:
        constraint check Rules/ --data Examples/snapshots/
        constraint check Rules/ --data BillingSnapshot=exports/ --format junit > report.xml
        cat stream.jsonl | constraint check Rules/billing.constraints.json --data -
      """)

  @Argument(help: "Rule files (*.constraints.json) or directories.")
  var rules: [String]

  @Option(
    name: .customLong("data"),
    help: ArgumentHelp(
      "Snapshots: a .json or .jsonl file, a directory, or - for standard input; SCHEMA=PATH "
        + "checks them against one schema's rules only (repeatable).", valueName: "[schema=]path"))
  var data: [String] = []

  @Option(help: "Output format: human, json, junit, github, sarif or jsonl.")
  var format: CheckFormat = .human

  @Option(
    help: ArgumentHelp(
      "json, jsonl: each result names its snapshot by this field's value too (dot-separated "
        + "keys).", valueName: "path"))
  var keyField: String?

  @Flag(inversion: .prefixedNo, help: "Show the values that decided each failure (default on).")
  var explain = true

  @Flag(help: "Report passing (and, in JSON, skipped) results too (human, json, jsonl).")
  var all = false

  @Option(help: "Stop after this many failing results; the summary is still printed.")
  var maxFailures: Int?

  @Flag(help: "Warnings fail the run too.")
  var strict = false

  @Flag(help: "Accept a --data source without any snapshot; by default it is an error (2).")
  var allowEmpty = false

  @Flag(
    help: ArgumentHelp(
      "Check the rules that compile even when others do not: each broken rule is an error "
        + "result on every snapshot, and the exit status is 2."))
  var keepGoing = false

  @Option(
    name: .customLong("flag"),
    help: ArgumentHelp(
      "Turn a feature flag on (repeatable): rules with a matching condition use their "
        + "override_text.", valueName: "name"))
  var flags: [String] = []

  @Option(help: "The evaluation timestamp (ISO 8601 with Z or an offset) for now().")
  var now: String?

  @Option(
    help: ArgumentHelp(
      "An evaluation context JSON file: {\"now\": …, \"flags\": […], \"state\": {…}}, or the "
        + "reference evaluator's format (evaluation_timestamp, feature_flags, nonce_window, …)."))
  var context: String?

  @Flag(
    inversion: .prefixedNo,
    help: ArgumentHelp(
      "Build only the snapshot values the rules read, validating the rest of each snapshot "
        + "without building it (default on; the same results either way; snapshots holding "
        + "little else are read in full, which then costs less)."))
  var projection = true

  @Flag(help: "Say on standard error how snapshots are read (projected, or in full and why).")
  var verbose = false

  @Option(help: ArgumentHelp("Threads that parse and check JSONL input.", visibility: .hidden))
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: ArgumentHelp("JSONL lines per parallel batch.", visibility: .hidden))
  var batchLines: Int?

  func validate() throws {
    if data.isEmpty { throw ValidationError("give at least one --data PATH (or - for stdin)") }
    if let maxFailures, maxFailures < 1 { throw ValidationError("--max-failures must be ≥ 1") }
    if let keyField {
      guard format == .json || format == .jsonl else {
        throw ValidationError("--key-field needs --format json or jsonl")
      }
      guard SnapshotKeyPath(keyField) != nil else {
        throw ValidationError("--key-field: empty key in `\(keyField)` (expected a.b.c)")
      }
    }
    if jobs < 1 || (batchLines ?? 1) < 1 {
      throw ValidationError("--jobs and --batch-lines must be ≥ 1")
    }
  }

  func run() throws {
    let terminal = Terminal()
    let evaluationContext: EvaluationContext
    do {
      evaluationContext = try CommandSupport.loadContext(path: context, now: now)
    } catch let error as ValidationError {
      terminal.error("error: \(error.message)")
      throw ExitCode(2)
    }
    let activeFlags = Set(flags).union(evaluationContext.flags)
    var runContext = evaluationContext
    runContext.flags = activeFlags
    let compileOptions = CompileOptions()
    let (ruleSet, ruleProblems) = try RuleLoading.compile(
      paths: rules, flags: activeFlags, options: compileOptions, terminal: terminal,
      keepGoing: keepGoing)
    let schemas = Set(ruleSet.files.map(\.schemaID))
    var sources: [DataSource] = []
    var dataErrors: [String] = []
    for argument in data {
      switch DataSource.resolve(argument, schemas: schemas) {
      case .success(let source): sources.append(source)
      case .failure(let error): dataErrors += error.messages
      }
    }
    if !dataErrors.isEmpty {
      for message in dataErrors { terminal.error("error: \(HumanText.value(message))") }
      throw ExitCode(2)
    }

    var summary = CheckSummary(rules: ruleSet.rules.count)
    // Broken rules and rule files that did not load (--keep-going) fail the run as rule-file
    // problems do, after the rest has been checked.
    var status: Int32 = ruleProblems > 0 || !ruleSet.brokenRules.isEmpty ? 2 : 0
    var reporter: any CheckReporter
    switch format {
    case .human: reporter = HumanReporter(terminal: terminal, explain: explain, all: all)
    case .json: reporter = JSONReporter(terminal: terminal.verbatim, all: all) { status }
    case .junit: reporter = JUnitReporter(terminal: terminal.verbatim, explain: explain)
    case .github: reporter = GitHubReporter(terminal: terminal.verbatim, explain: explain)
    case .sarif:
      reporter = CheckSARIFReporter(terminal: terminal.verbatim, explain: explain) { status }
    case .jsonl: reporter = JSONLinesReporter(terminal: terminal.verbatim, all: all) { status }
    }
    let wantsPasses = reporter.wantsPasses
    let checker = BatchChecker(
      ruleSet: ruleSet, context: runContext,
      options: BatchOptions(
        explain: explain, jobs: jobs, batchLines: batchLines, summarisesPasses: !wantsPasses,
        keyField: keyField.flatMap(SnapshotKeyPath.init), projectsReads: projection))
    let failLimit = maxFailures ?? Int.max
    var failing = 0

    reporter.begin(ruleSet)
    var emptySources: [DataSource] = []
    sourceLoop: for source in sources {
      let readBefore = summary.snapshots + summary.unreadable
      defer {
        if summary.snapshots + summary.unreadable == readBefore { emptySources.append(source) }
      }
      let indexes = ruleSet.ruleIndexes(forSchema: source.schema)
      if verbose {
        terminal.error(
          "verbose: \(source.path): "
            + CommandSupport.describeReading(
              checker.readProjection(ruleIndexes: indexes), projecting: projection,
              slots: checker.slotPlan(ruleIndexes: indexes)))
      }
      for input in source.sources {
        let continuing = checker.check(
          input, ruleIndexes: indexes, warning: { terminal.error($0.description) },
          endOfBatch: { reporter.endOfBatch() }
        ) { event in
          let snapshot: CheckedSnapshot
          switch event {
          case .passing(let run):
            summary.add(run)
            return true
          case .snapshot(let found): snapshot = found
          }
          let outcomes: [RuleOutcome]
          switch snapshot.outcomes {
          case .failure(let error):
            summary.unreadable += 1
            status = 2
            reporter.unreadable(snapshot, error)
            return true
          case .success(let found): outcomes = found
          }
          summary.snapshots += 1
          reporter.beginSnapshot(snapshot)
          defer { reporter.endSnapshot(snapshot) }
          for (index, outcome) in zip(snapshot.ruleIndexes, outcomes) {
            if case .evaluated(.pass) = outcome, !wantsPasses {
              summary.passed += 1
              continue
            }
            let rule = ruleSet.rules[index]
            summary.add(outcome)
            reporter.pair(PairResult(rule: rule, snapshot: snapshot, outcome: outcome))
            guard outcome.isFailing else { continue }
            if counts(rule.definition.severity) { status = max(status, 1) }
            failing += 1
            if failing >= failLimit {
              summary.stoppedAfter = failing
              return false
            }
          }
          return true
        }
        if !continuing && summary.stoppedAfter != nil { break sourceLoop }
      }
    }
    for source in emptySources {
      if let empty = CommandSupport.emptyInput(
        source.path == "-" ? "<stdin>" : "--data \(source.path)",
        why: source.emptyDirectory ? "no .json, .jsonl or .ndjson files in directory" : nil,
        allowed: allowEmpty, terminal: terminal)
      {
        status = empty
      }
    }
    reporter.finish(ruleSet, summary)
    terminal.flush()
    if status != 0 { throw ExitCode(status) }
  }

  /// Whether a failing rule of this severity fails the run.
  private func counts(_ severity: RuleSeverity) -> Bool {
    switch severity {
    case .error: return true
    case .warning: return strict
    case .info: return false
    }
  }
}
