import ConstraintBatch
import ConstraintEngine

/// The default format: each non-passing pair with the values that decided it, then the
/// skipped rules and the summary.
struct HumanReporter: CheckReporter {
  let terminal: Terminal
  let explain: Bool
  let all: Bool

  var wantsPasses: Bool { all }

  mutating func begin(_ ruleSet: RuleSet) {}
  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}
  /// Line by line: what a batch found reaches a pipe before the next batch is read.
  mutating func endOfBatch() { terminal.flush() }

  mutating func pair(_ pair: PairResult) {
    let word: String
    switch pair.outcome {
    case .evaluated(.pass):
      guard all else { return }
      word = "PASS"
    case .evaluated(.fail): word = "FAIL"
    case .evaluated(.error): word = "ERROR"
    case .evaluated(.deferred): word = "DEFERRED"
    case .skipped: return
    }
    // Values from rule files and snapshot names are shown on one line, controls visible.
    let severity = pair.rule.definition.severity.rawValue
    let id = HumanText.value(pair.rule.id)
    terminal.output("\(id)  \(word) [\(severity)]  \(HumanText.value(pair.snapshot.location))")
    guard explain, word != "PASS" else { return }
    switch pair.outcome {
    case .evaluated(.fail):
      if let message = pair.rule.definition.message {
        terminal.output("  " + HumanText.value(message))
      }
    case .evaluated(.error(let diagnostic)):
      terminal.output("  error[\(diagnostic.code)]: " + HumanText.value(diagnostic.message))
    case .evaluated(.deferred(let diagnostic)):
      terminal.output("  deferred[\(diagnostic.code)]: " + HumanText.value(diagnostic.message))
    default:
      break
    }
    for line in CheckText.details(pair) { terminal.output(line.isEmpty ? "" : "  " + line) }
    terminal.output("")
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    terminal.output(
      "unreadable  \(HumanText.value(snapshot.location)): error[\(error.code)]: "
        + HumanText.value(error.message))
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    for rule in ruleSet.rules {
      if case .skipped(let reason) = rule.state {
        terminal.output(
          "skipped  \(HumanText.value(rule.id))  (\(HumanText.value(reason)))  "
            + "\(HumanText.value(rule.definition.file)):\(rule.definition.location.line)")
      }
    }
    if let stop = summary.stopLine { terminal.output(stop) }
    terminal.output(summary.line)
  }
}
