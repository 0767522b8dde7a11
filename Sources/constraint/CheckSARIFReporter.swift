import ConstraintBatch
import ConstraintEngine

/// `check --format sarif`: a SARIF 2.1.0 log (docs/CLI.md). Each rule is a reporting
/// descriptor (`ruleId` the rule id, `schema/id` when two schemas share an id); each failing,
/// erroring or deferred pair a result located at the **snapshot** — its file and, for JSON
/// lines, its line (line 1 for a `.json` document) — with the rule's expression in the rule
/// file as a related location. An unreadable snapshot is a result of `unreadable-snapshot`.
struct CheckSARIFReporter: CheckReporter {
  static let unreadableRuleID = "unreadable-snapshot"
  let terminal: Terminal
  let explain: Bool
  let exitStatus: () -> Int32
  private var ruleIndex: [String: (id: String, index: Int)] = [:]
  private var first = true
  var wantsPasses: Bool { false }

  init(terminal: Terminal, explain: Bool, exitStatus: @escaping () -> Int32) {
    self.terminal = terminal
    self.explain = explain
    self.exitStatus = exitStatus
  }

  static func key(_ definition: RuleDefinition) -> String {
    definition.schemaID + "\u{0}" + definition.id
  }

  /// A rule's properties in the log: where it is and what it checks.
  struct RuleProperties: Encodable {
    var schemaID: String
    var severity: String
    var expression: String
    var file: String
    var line: Int
    var skipped: String?

    private enum CodingKeys: String, CodingKey {
      case schemaID = "schema_id"
      case severity, expression, file, line, skipped
    }
  }

  /// A result's properties: the outcome word (`fail`, `error`, `deferred`, `unreadable`).
  struct ResultProperties: Encodable {
    var outcome: String
  }

  mutating func begin(_ ruleSet: RuleSet) {
    var schemasByID: [String: Set<String>] = [:]
    for rule in ruleSet.rules { schemasByID[rule.id, default: []].insert(rule.definition.schemaID) }
    var descriptors: [SARIFReportingDescriptor<RuleProperties>] = []
    for rule in ruleSet.rules {
      let definition = rule.definition
      let shared = (schemasByID[rule.id]?.count ?? 0) > 1
      let id = shared ? "\(definition.schemaID)/\(rule.id)" : rule.id
      ruleIndex[Self.key(definition)] = (id, descriptors.count)
      var skipped: String?
      if case .skipped(let reason) = rule.state { skipped = reason }
      descriptors.append(
        SARIFReportingDescriptor(
          id: id, shortDescription: SARIFText(text: definition.message ?? "rule \(rule.id)"),
          fullDescription: SARIFText(text: rule.activeExpression),
          defaultConfiguration: SARIFConfiguration(level: SARIF.level(definition.severity)),
          properties: RuleProperties(
            schemaID: definition.schemaID, severity: definition.severity.rawValue,
            expression: rule.activeExpression, file: definition.file,
            line: definition.expressionLocation.line, skipped: skipped)))
    }
    descriptors.append(
      SARIFReportingDescriptor(
        id: Self.unreadableRuleID,
        shortDescription: SARIFText(
          text: "a snapshot that is not valid JSON or could not be read"),
        defaultConfiguration: SARIFConfiguration(level: "error"), properties: nil))
    SARIF.open(rules: descriptors, terminal: terminal)
  }

  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}

  /// The snapshot's location, none for standard input.
  static func snapshotLocations(_ snapshot: CheckedSnapshot) -> [SARIFLocation] {
    guard snapshot.file != "<stdin>" else { return [] }
    return [SARIF.location(file: snapshot.file, line: snapshot.line ?? 1)]
  }

  mutating func pair(_ pair: PairResult) {
    guard pair.outcome.isFailing else { return }
    let definition = pair.rule.definition
    let (id, index) = ruleIndex[Self.key(definition)]!
    var text = "\(pair.snapshot.location): \(CheckText.reason(pair))"
    if explain {
      let details = CheckText.details(pair)
      if !details.isEmpty { text += "\n" + details.joined(separator: "\n") }
    }
    var related = SARIF.location(
      file: definition.file, line: definition.expressionLocation.line,
      column: definition.expressionLocation.column)
    related.id = 0
    related.message = SARIFText(text: "rule \(pair.rule.id)")
    SARIF.result(
      SARIFResult(
        ruleId: id, ruleIndex: index, level: SARIF.level(definition.severity), kind: "fail",
        message: SARIFText(text: text), locations: Self.snapshotLocations(pair.snapshot),
        relatedLocations: [related], properties: ResultProperties(outcome: pair.word)),
      first: first, terminal: terminal)
    first = false
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    SARIF.result(
      SARIFResult(
        ruleId: Self.unreadableRuleID, ruleIndex: ruleIndex.count, level: "error",
        kind: "fail", message: SARIFText(text: "\(snapshot.location): \(error.message)"),
        locations: Self.snapshotLocations(snapshot), relatedLocations: nil,
        properties: ResultProperties(outcome: "unreadable")),
      first: first, terminal: terminal)
    first = false
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    SARIF.close(exitStatus: exitStatus(), terminal: terminal)
  }
}
