import ConstraintBatch
import ConstraintEngine

/// One JSON document (schema in docs/CLI.md, model ``CheckReportDocument``), written as the run
/// goes so that memory stays constant: the rules, then one result per line, then the summary.
/// Every rule, result and summary is a `Codable` report model encoded by ``ReportJSON``; only
/// the document's frame is written here.
struct JSONReporter: CheckReporter {
  static let schemaVersion = 1
  let terminal: Terminal
  let all: Bool
  let exitStatus: () -> Int32
  private var firstResult = true
  var wantsPasses: Bool { all }

  init(terminal: Terminal, all: Bool, exitStatus: @escaping () -> Int32) {
    self.terminal = terminal
    self.all = all
    self.exitStatus = exitStatus
  }

  mutating func begin(_ ruleSet: RuleSet) {
    terminal.output("{\"schema_version\":\(Self.schemaVersion),")
    terminal.output("\"tool\":\(ReportJSON.encode("constraint \(EngineVersion.version)")),")
    terminal.output("\"rules\":[")
    for (index, rule) in ruleSet.rules.enumerated() {
      let line = ReportJSON.encode(RuleReport(rule))
      terminal.output(line + (index == ruleSet.rules.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"results\":[")
  }

  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}

  private mutating func result(_ result: ResultReport) {
    terminal.output((firstResult ? "" : ",") + ReportJSON.encode(result))
    firstResult = false
  }

  mutating func pair(_ pair: PairResult) {
    switch pair.outcome {
    case .evaluated(.pass), .skipped:
      guard all else { return }
    case .evaluated:
      break
    }
    result(ResultReport(rule: pair.rule, snapshot: pair.snapshot, outcome: pair.outcome))
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    result(ResultReport(unreadable: snapshot, error))
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    terminal.output("],")
    var counts = summary
    counts.exitStatus = Int(exitStatus())
    terminal.output("\"summary\":\(ReportJSON.encode(counts))")
    terminal.output("}")
  }
}

/// The JSON text of the CLI's report models: keys in each model's order, strings escaped as
/// everywhere else in the CLI.
enum ReportJSON {
  private static let encoder = OrderedJSONEncoder()
  private static let sortingEncoder = OrderedJSONEncoder(sortsKeys: true)

  /// `value` as one line of JSON (keys sorted when `sortsKeys`). The report models hold no
  /// floating-point numbers, the only values the encoder refuses (when not finite).
  static func encode<T: Encodable>(_ value: T, sortsKeys: Bool = false) -> String {
    do {
      return try (sortsKeys ? sortingEncoder : encoder).encode(value)
    } catch {
      preconditionFailure("a report model that is not JSON: \(error)")
    }
  }
}
