import ConstraintEngine

/// A place in a source text, as reports write it: byte offset, 1-based line and column (in
/// Unicode scalars).
public struct ReportPosition: Codable, Sendable, Hashable {
  /// Byte offset into the UTF-8 text.
  public var offset: Int
  /// 1-based line.
  public var line: Int
  /// 1-based column, in Unicode scalars.
  public var column: Int

  /// A position.
  public init(offset: Int, line: Int, column: Int) {
    self.offset = offset
    self.line = line
    self.column = column
  }

  /// The position of `location`.
  public init(_ location: SourceLocation) {
    self.init(offset: location.offset, line: location.line, column: location.column)
  }
}

/// One value that decided a failure, at its range in the rule's expression.
public struct ExplanationItemReport: Codable, Sendable, Hashable {
  /// Where the explained subexpression starts.
  public var start: ReportPosition
  /// Where it ends.
  public var end: ReportPosition
  /// Its value, as the explanation renders it.
  public var value: String
  /// What the value is (a field path, a builtin call), when the explanation says.
  public var context: String?

  /// An item.
  public init(start: ReportPosition, end: ReportPosition, value: String, context: String?) {
    self.start = start
    self.end = end
    self.value = value
    self.context = context
  }

  /// The item of an engine ``Explanation``.
  public init(_ item: Explanation.Item) {
    self.init(
      start: ReportPosition(item.range.start), end: ReportPosition(item.range.end),
      value: item.value, context: item.context)
  }

  /// Every item of `explanation`, in order.
  public static func items(_ explanation: Explanation) -> [ExplanationItemReport] {
    explanation.items.map(ExplanationItemReport.init)
  }

  private enum CodingKeys: String, CodingKey { case start, end, value, context }

  /// Writes every key, `context` as `null` when there is none.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(start, forKey: .start)
    try container.encode(end, forKey: .end)
    try container.encode(value, forKey: .value)
    try container.encode(context, forKey: .context)
  }
}

/// A diagnostic as reports write it: its stable code, message and range.
public struct DiagnosticReport: Codable, Sendable, Hashable {
  /// The stable code (`CE3002`); nil only in formats that predate codes (`constraint test`'s
  /// JSON), where the key is left out.
  public var code: String?
  /// The message.
  public var message: String
  /// Where the range starts, in the text the diagnostic is about (an expression, a document).
  public var start: ReportPosition
  /// Where it ends.
  public var end: ReportPosition

  /// A diagnostic report.
  public init(code: String?, message: String, start: ReportPosition, end: ReportPosition) {
    self.code = code
    self.message = message
    self.start = start
    self.end = end
  }

  /// The report of `diagnostic`, with its code unless `withCode` is false.
  public init(_ diagnostic: Diagnostic, withCode: Bool = true) {
    self.init(
      code: withCode ? diagnostic.code.rawValue : nil, message: diagnostic.message,
      start: ReportPosition(diagnostic.range.start), end: ReportPosition(diagnostic.range.end))
  }

  private enum CodingKeys: String, CodingKey { case code, message, start, end }

  /// Writes `code` (when there is one), `message`, `start`, `end`, in that order.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodeIfPresent(code, forKey: .code)
    try container.encode(message, forKey: .message)
    try container.encode(start, forKey: .start)
    try container.encode(end, forKey: .end)
  }
}

/// Which snapshot a result is about.
public struct SnapshotReference: Codable, Sendable, Hashable {
  /// The source's name: a path or `<stdin>`.
  public var file: String
  /// The JSON-lines line; nil for a JSON document.
  public var line: Int?
  /// The snapshot's key field as text (``CheckedSnapshot/key``), when one was asked for and
  /// the snapshot has it.
  public var key: String?

  /// A reference.
  public init(file: String, line: Int?, key: String? = nil) {
    self.file = file
    self.line = line
    self.key = key
  }

  /// The reference of a checked snapshot.
  public init(_ snapshot: CheckedSnapshot) {
    self.init(file: snapshot.file, line: snapshot.line, key: snapshot.key)
  }

  private enum CodingKeys: String, CodingKey { case file, line, key }

  /// Writes `file` and `line` (`null` for a document), then `key` when there is one.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(file, forKey: .file)
    try container.encode(line, forKey: .line)
    try container.encodeIfPresent(key, forKey: .key)
  }
}

/// A rule as reports list it.
public struct RuleReport: Codable, Sendable, Hashable {
  /// The rule id.
  public var id: String
  /// The schema its file is for.
  public var schemaID: String
  /// The rule file.
  public var file: String
  /// The line of the expression in the rule file.
  public var line: Int
  /// The column of the expression in the rule file.
  public var column: Int
  /// `error`, `warning` or `info`.
  public var severity: String
  /// The expression checked (the override's when a feature flag chose it).
  public var expression: String
  /// The rule's message, if it has one.
  public var message: String?
  /// Why the rule is never evaluated, for a skipped rule.
  public var skipped: String?

  /// The report of a compiled rule.
  public init(_ rule: CompiledRule) {
    let definition = rule.definition
    id = rule.id
    schemaID = definition.schemaID
    file = definition.file
    line = definition.expressionLocation.line
    column = definition.expressionLocation.column
    severity = definition.severity.rawValue
    expression = rule.activeExpression
    message = definition.message
    if case .skipped(let reason) = rule.state { skipped = reason }
  }

  private enum CodingKeys: String, CodingKey {
    case id
    case schemaID = "schema_id"
    case file, line, column, severity, expression, message, skipped
  }

  /// Writes every key in declaration order, absent values as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(id, forKey: .id)
    try container.encode(schemaID, forKey: .schemaID)
    try container.encode(file, forKey: .file)
    try container.encode(line, forKey: .line)
    try container.encode(column, forKey: .column)
    try container.encode(severity, forKey: .severity)
    try container.encode(expression, forKey: .expression)
    try container.encode(message, forKey: .message)
    try container.encode(skipped, forKey: .skipped)
  }
}

/// One result as reports write it: a rule × snapshot pair's outcome, or a snapshot that could
/// not be read (no rule, outcome `unreadable`).
public struct ResultReport: Codable, Sendable, Hashable {
  /// The rule id; nil for an unreadable snapshot.
  public var rule: String?
  /// The rule's schema; nil for an unreadable snapshot.
  public var schemaID: String?
  /// The rule's severity (`error` for an unreadable snapshot).
  public var severity: String
  /// The snapshot.
  public var snapshot: SnapshotReference
  /// `pass`, `fail`, `error`, `deferred`, `skipped` or `unreadable`.
  public var outcome: String
  /// The rule's message for a failure, the diagnostic's for an error (`deferred: …` for a
  /// deferral), `skipped: …` for a skip.
  public var message: String
  /// The values that decided a failure (empty otherwise, or without explanations).
  public var explanation: [ExplanationItemReport]
  /// Explanation items left out (the explanation keeps the most telling ones).
  public var explanationOmitted: Int
  /// Why the rule errored or was deferred, or why the snapshot could not be read.
  public var diagnostic: DiagnosticReport?

  /// A result with every field given.
  public init(
    rule: String?, schemaID: String?, severity: String, snapshot: SnapshotReference,
    outcome: String, message: String, explanation: [ExplanationItemReport],
    explanationOmitted: Int, diagnostic: DiagnosticReport?
  ) {
    self.rule = rule
    self.schemaID = schemaID
    self.severity = severity
    self.snapshot = snapshot
    self.outcome = outcome
    self.message = message
    self.explanation = explanation
    self.explanationOmitted = explanationOmitted
    self.diagnostic = diagnostic
  }

  /// The result of `rule` on `snapshot`.
  public init(rule: CompiledRule, snapshot: CheckedSnapshot, outcome: RuleOutcome) {
    var explanation: [ExplanationItemReport] = []
    var omitted = 0
    var diagnostic: DiagnosticReport?
    switch outcome {
    case .evaluated(.fail(let items)):
      explanation = ExplanationItemReport.items(items)
      omitted = items.omittedItems
    case .evaluated(.error(let found)), .evaluated(.deferred(let found)):
      diagnostic = DiagnosticReport(found)
    case .evaluated(.pass), .skipped:
      break
    }
    self.init(
      rule: rule.id, schemaID: rule.definition.schemaID,
      severity: rule.definition.severity.rawValue, snapshot: SnapshotReference(snapshot),
      outcome: outcome.word, message: outcome.message(of: rule), explanation: explanation,
      explanationOmitted: omitted, diagnostic: diagnostic)
  }

  /// The result of a snapshot that could not be read.
  public init(unreadable snapshot: CheckedSnapshot, _ diagnostic: Diagnostic) {
    self.init(
      rule: nil, schemaID: nil, severity: "error", snapshot: SnapshotReference(snapshot),
      outcome: "unreadable", message: diagnostic.message, explanation: [],
      explanationOmitted: 0, diagnostic: DiagnosticReport(diagnostic))
  }

  private enum CodingKeys: String, CodingKey {
    case rule
    case schemaID = "schema_id"
    case severity, snapshot, outcome, message, explanation
    case explanationOmitted = "explanation_omitted"
    case diagnostic
  }

  /// Writes every key in declaration order, absent values as `null`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(rule, forKey: .rule)
    try container.encode(schemaID, forKey: .schemaID)
    try container.encode(severity, forKey: .severity)
    try container.encode(snapshot, forKey: .snapshot)
    try container.encode(outcome, forKey: .outcome)
    try container.encode(message, forKey: .message)
    try container.encode(explanation, forKey: .explanation)
    try container.encode(explanationOmitted, forKey: .explanationOmitted)
    try container.encode(diagnostic, forKey: .diagnostic)
  }
}

/// The counts of a batch check.
public struct CheckSummary: Codable, Sendable, Hashable {
  /// Snapshots read and checked.
  public var snapshots = 0
  /// Rules loaded.
  public var rules = 0
  /// Passing pairs.
  public var passed = 0
  /// Failing pairs.
  public var failed = 0
  /// Pairs whose evaluation errored.
  public var errors = 0
  /// Pairs never evaluated (skipped rules).
  public var skipped = 0
  /// Pairs deferred (evaluation-context state missing).
  public var deferred = 0
  /// Snapshots that could not be read.
  public var unreadable = 0
  /// Failing results after which the check stopped (a limit), nil when it ran to the end.
  public var stoppedAfter: Int?
  /// The exit status a command reported with these counts (`constraint check --format
  /// json`); nil where there is none, and then left out of the encoding.
  public var exitStatus: Int?

  /// All zero, for `rules` rules.
  public init(rules: Int = 0) {
    self.rules = rules
  }

  /// Counts a run of snapshots reported by their counts alone.
  public mutating func add(_ run: PassingRun) {
    snapshots += run.snapshots
    passed += run.passed
    skipped += run.skipped
  }

  /// Counts one pair's outcome.
  public mutating func add(_ outcome: RuleOutcome) {
    switch outcome {
    case .evaluated(.pass): passed += 1
    case .evaluated(.fail): failed += 1
    case .evaluated(.error): errors += 1
    case .evaluated(.deferred): deferred += 1
    case .skipped: skipped += 1
    }
  }

  private enum CodingKeys: String, CodingKey {
    case snapshots, rules, passed, failed, errors, skipped, deferred, unreadable
    case stoppedAfter = "stopped_after"
    case exitStatus = "exit_status"
  }

  /// Writes every key in declaration order, `stopped_after` as `null` when the check ran to
  /// the end, `exit_status` only when there is one.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(snapshots, forKey: .snapshots)
    try container.encode(rules, forKey: .rules)
    try container.encode(passed, forKey: .passed)
    try container.encode(failed, forKey: .failed)
    try container.encode(errors, forKey: .errors)
    try container.encode(skipped, forKey: .skipped)
    try container.encode(deferred, forKey: .deferred)
    try container.encode(unreadable, forKey: .unreadable)
    try container.encode(stoppedAfter, forKey: .stoppedAfter)
    try container.encodeIfPresent(exitStatus, forKey: .exitStatus)
  }
}

extension RuleOutcome {
  /// Failed, errored or deferred: a result that is neither a pass nor a skip.
  public var isFailing: Bool {
    switch self {
    case .evaluated(.pass), .skipped: return false
    case .evaluated: return true
    }
  }

  /// The one-line reason of this outcome of `rule`: the rule's message for a failure or a pass
  /// (`rule ID does not hold` without one), the diagnostic's message for an error (after
  /// `error[CODE]: ` when `coded`), `deferred: ` (`deferred[CODE]: `) and the message for a
  /// deferral, `skipped: ` and the reason for a skip.
  public func message(of rule: CompiledRule, coded: Bool = false) -> String {
    switch self {
    case .evaluated(.error(let diagnostic)):
      return coded ? "error[\(diagnostic.code)]: \(diagnostic.message)" : diagnostic.message
    case .evaluated(.deferred(let diagnostic)):
      return (coded ? "deferred[\(diagnostic.code)]: " : "deferred: ") + diagnostic.message
    case .skipped(let reason): return "skipped: \(reason)"
    default: return rule.definition.message ?? "rule \(rule.id) does not hold"
    }
  }
}

/// A whole `constraint check --format json` document (schema in docs/CLI.md), for programs
/// that read one: the rules, every result listed, the counts.
public struct CheckReportDocument: Codable, Sendable, Hashable {
  /// The version of this layout: 1.
  public var schemaVersion: Int
  /// `constraint` and its version.
  public var tool: String
  /// Every rule loaded, in order.
  public var rules: [RuleReport]
  /// The results listed, in input order.
  public var results: [ResultReport]
  /// The counts, with the exit status.
  public var summary: CheckSummary

  /// A document.
  public init(
    schemaVersion: Int, tool: String, rules: [RuleReport], results: [ResultReport],
    summary: CheckSummary
  ) {
    self.schemaVersion = schemaVersion
    self.tool = tool
    self.rules = rules
    self.results = results
    self.summary = summary
  }

  private enum CodingKeys: String, CodingKey {
    case schemaVersion = "schema_version"
    case tool, rules, results, summary
  }
}
