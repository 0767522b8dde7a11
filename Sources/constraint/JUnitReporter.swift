import ConstraintBatch
import ConstraintEngine

/// JUnit XML: one `<testsuite>` per snapshot (so counts are known when it is written and memory
/// stays constant), one `<testcase>` per rule.
struct JUnitReporter: CheckReporter {
  let terminal: Terminal
  let explain: Bool
  private var cases: [String] = []
  private var counts = (tests: 0, failures: 0, errors: 0, skipped: 0)
  var wantsPasses: Bool { true }

  init(terminal: Terminal, explain: Bool) {
    self.terminal = terminal
    self.explain = explain
  }

  /// Text safe in XML 1.0 content and attributes: markup escaped, characters XML forbids
  /// replaced by U+FFFD.
  static func escape(_ text: String, attribute: Bool = true) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&apos;"
      case "\n": result += attribute ? "&#10;" : "\n"
      case "\t": result += "&#9;"
      case "\r": result += "&#13;"
      default:
        let value = scalar.value
        let allowed =
          value >= 0x20 && !(0xFFFE...0xFFFF).contains(value)
        result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
      }
    }
    return result
  }

  mutating func begin(_ ruleSet: RuleSet) {
    terminal.output("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    terminal.output("<testsuites name=\"constraint check\">")
  }

  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {
    cases.removeAll(keepingCapacity: true)
    counts = (0, 0, 0, 0)
  }

  mutating func pair(_ pair: PairResult) {
    let definition = pair.rule.definition
    let open =
      "    <testcase name=\"\(Self.escape(pair.rule.id))\" "
      + "classname=\"\(Self.escape(definition.schemaID))\" "
      + "file=\"\(Self.escape(definition.file))\" line=\"\(definition.expressionLocation.line)\""
    counts.tests += 1
    let details = explain ? CheckText.details(pair).joined(separator: "\n") : ""
    let body = Self.escape(details, attribute: false)
    let message = Self.escape(CheckText.reason(pair))
    switch pair.outcome {
    case .evaluated(.pass):
      cases.append(open + "/>")
    case .evaluated(.fail):
      counts.failures += 1
      cases.append(
        open + ">\n      <failure message=\"\(message)\" type=\"\(definition.severity)\">"
          + body + "</failure>\n    </testcase>")
    case .evaluated(.error), .evaluated(.deferred):
      counts.errors += 1
      cases.append(
        open + ">\n      <error message=\"\(message)\" type=\"\(pair.word)\">" + body
          + "</error>\n    </testcase>")
    case .skipped(let reason):
      counts.skipped += 1
      cases.append(
        open + ">\n      <skipped message=\"\(Self.escape(reason))\"/>\n    </testcase>")
    }
  }

  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {
    terminal.output(
      "  <testsuite name=\"\(Self.escape(snapshot.location))\" tests=\"\(counts.tests)\" "
        + "failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" "
        + "skipped=\"\(counts.skipped)\">")
    for line in cases { terminal.output(line) }
    terminal.output("  </testsuite>")
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    terminal.output(
      "  <testsuite name=\"\(Self.escape(snapshot.location))\" tests=\"1\" failures=\"0\" "
        + "errors=\"1\" skipped=\"0\">")
    terminal.output(
      "    <testcase name=\"read snapshot\" classname=\"snapshot\">\n      <error message=\""
        + Self.escape(error.message) + "\" type=\"unreadable\"/>\n    </testcase>")
    terminal.output("  </testsuite>")
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    terminal.output("</testsuites>")
  }
}
