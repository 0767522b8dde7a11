import ConstraintBatch
import ConstraintEngine

/// GitHub Actions workflow commands: one annotation per non-passing pair, pointing at the rule
/// file line of the expression, the snapshot location in the message.
struct GitHubReporter: CheckReporter {
  let terminal: Terminal
  let explain: Bool
  var wantsPasses: Bool { false }

  /// Annotations of a batch reach a pipe before the next batch is read.
  mutating func endOfBatch() { terminal.flush() }

  /// Escapes annotation message data (other control characters are shown visibly).
  static func escapeData(_ text: String) -> String {
    HumanText.value(
      text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
        .replacingOccurrences(of: "\n", with: "%0A"))
  }

  /// Escapes an annotation property value.
  static func escapeProperty(_ text: String) -> String {
    escapeData(text).replacingOccurrences(of: ":", with: "%3A")
      .replacingOccurrences(of: ",", with: "%2C")
  }

  mutating func begin(_ ruleSet: RuleSet) {}
  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}

  mutating func pair(_ pair: PairResult) {
    let command: String
    switch pair.outcome {
    case .evaluated(.pass), .skipped: return
    case .evaluated(.fail), .evaluated(.error), .evaluated(.deferred):
      switch pair.rule.definition.severity {
      case .error: command = "error"
      case .warning: command = "warning"
      case .info: command = "notice"
      }
    }
    let definition = pair.rule.definition
    let title = "\(pair.rule.id) \(pair.word.uppercased())"
    var message = "\(pair.snapshot.location): \(CheckText.reason(pair))"
    if explain {
      let details = CheckText.details(pair)
      if !details.isEmpty { message += "\n" + details.joined(separator: "\n") }
    }
    terminal.output(
      "::\(command) file=\(Self.escapeProperty(definition.file)),"
        + "line=\(definition.expressionLocation.line),"
        + "col=\(definition.expressionLocation.column),"
        + "title=\(Self.escapeProperty(title))::\(Self.escapeData(message))")
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    var properties = "file=\(Self.escapeProperty(snapshot.file))"
    if let line = snapshot.line { properties += ",line=\(line)" }
    terminal.output(
      "::error \(properties),title=unreadable snapshot::"
        + Self.escapeData(CheckText.unreadable(snapshot, error)))
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    if let stop = summary.stopLine { terminal.output(stop) }
    terminal.output(summary.line)
  }
}
