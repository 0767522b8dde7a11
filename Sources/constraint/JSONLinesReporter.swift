import ConstraintBatch
import ConstraintEngine

/// JSON lines (schema in docs/CLI.md), for stream processors: a `start` line, one `result`
/// line per non-passing pair (every pair with `--all`) and per unreadable snapshot, in input
/// order, and a final `summary` line. Every line is one JSON object whose first key is `type`;
/// results and the summary are the report models of the `json` format. What each batch of
/// JSON lines produced is written out as soon as the batch is reported, so a consumer reading
/// a pipe (a Spark partition) sees results while the input is still being read; it knows the
/// run is complete only once it has read the `summary` line.
struct JSONLinesReporter: CheckReporter {
  static let schemaVersion = 1
  let terminal: Terminal
  let all: Bool
  let exitStatus: () -> Int32
  var wantsPasses: Bool { all }

  init(terminal: Terminal, all: Bool, exitStatus: @escaping () -> Int32) {
    self.terminal = terminal
    self.all = all
    self.exitStatus = exitStatus
  }

  /// `value`'s JSON object with `"type":TYPE` as its first key.
  private func line<T: Encodable>(_ type: String, _ value: T) {
    terminal.output(ReportJSON.encode(TypedLine(type: type, object: value)))
  }

  mutating func begin(_ ruleSet: RuleSet) {
    line(
      "start",
      StartLine(
        schemaVersion: Self.schemaVersion, tool: "constraint \(EngineVersion.version)",
        rules: ruleSet.rules.count))
  }

  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}

  mutating func endOfBatch() { terminal.flush() }

  mutating func pair(_ pair: PairResult) {
    switch pair.outcome {
    case .evaluated(.pass), .skipped:
      guard all else { return }
    case .evaluated:
      break
    }
    line("result", ResultReport(rule: pair.rule, snapshot: pair.snapshot, outcome: pair.outcome))
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    line("result", ResultReport(unreadable: snapshot, error))
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    var counts = summary
    counts.exitStatus = Int(exitStatus())
    line("summary", counts)
  }
}

/// One JSON line: `"type"` first, then the keys of `object`, which encodes a JSON object.
private struct TypedLine<Object: Encodable>: Encodable {
  let type: String
  let object: Object

  private enum CodingKeys: String, CodingKey { case type }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(type, forKey: .type)
    try object.encode(to: encoder)
  }
}

/// The `start` line's fields after its type.
private struct StartLine: Encodable {
  let schemaVersion: Int
  let tool: String
  let rules: Int

  private enum CodingKeys: String, CodingKey {
    case schemaVersion = "schema_version"
    case tool, rules
  }
}

extension CheckReporter {
  /// Formats read only once complete write at their own pace.
  mutating func endOfBatch() {}
}
