import ConstraintBatch
import ConstraintEngine

/// The counts of a `check` run.
struct CheckSummary {
  var snapshots = 0
  var rules = 0
  var passed = 0
  var failed = 0
  var errors = 0
  var skipped = 0
  var deferred = 0
  var unreadable = 0
  /// Set when `--max-failures` stopped the run.
  var stoppedAfter: Int?

  /// `N snapshots × M rules: P passed, F failed, E errors, S skipped[, D deferred]…`
  var line: String {
    var text =
      "\(snapshots) \(snapshots == 1 ? "snapshot" : "snapshots") × \(rules) "
      + "\(rules == 1 ? "rule" : "rules"): \(passed) passed, \(failed) failed, "
      + "\(errors) \(errors == 1 ? "error" : "errors"), \(skipped) skipped"
    if deferred > 0 { text += ", \(deferred) deferred" }
    if unreadable > 0 { text += ", \(unreadable) unreadable" }
    return text
  }

  var stopLine: String? {
    stoppedAfter.map {
      "stopped after \($0) failing \($0 == 1 ? "result" : "results") (--max-failures)"
    }
  }
}

/// One rule × snapshot result as the reports see it.
struct PairResult {
  let rule: CompiledRule
  let snapshot: CheckedSnapshot
  let outcome: RuleOutcome

  /// The outcome word, for every format: `pass`, `fail`, `error`, `deferred`, `skipped`.
  var word: String { outcome.word }
}

/// A `check` output format. Methods are called in input order, on one thread.
protocol CheckReporter {
  /// Whether ``pair(_:)`` is called for passing pairs too (skipped and failing pairs always
  /// are). When false, a snapshot whose pairs all passed or were skipped may be reported by
  /// the summary counts alone, without ``beginSnapshot(_:)``, ``pair(_:)`` or
  /// ``endSnapshot(_:)``: a format that lists no passes must list no skipped pairs either.
  var wantsPasses: Bool { get }
  /// Before any snapshot.
  mutating func begin(_ ruleSet: RuleSet)
  mutating func beginSnapshot(_ snapshot: CheckedSnapshot)
  /// Every pair of the snapshot (passes included), in rule order.
  mutating func pair(_ pair: PairResult)
  mutating func endSnapshot(_ snapshot: CheckedSnapshot)
  /// A snapshot that could not be read.
  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic)
  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary)
}

/// Rendering shared by the formats.
enum CheckText {
  static let plainRenderer = DiagnosticRenderer(useColor: false)

  /// The lines explaining a non-passing pair (without indentation): the explanation under the
  /// expression for a failure, the diagnostic with its caret for an error or deferral.
  static func details(_ pair: PairResult) -> [String] {
    switch pair.outcome {
    case .evaluated(.fail(let explanation)):
      guard !explanation.isEmpty else { return [] }
      let rendered = ExplanationRenderer(indent: "").render(
        explanation, source: pair.rule.activeExpression)
      return cropped(
        rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
        source: pair.rule.activeExpression)
    case .evaluated(.error(let diagnostic)), .evaluated(.deferred(let diagnostic)):
      let rendered = plainRenderer.render(
        diagnostic, source: pair.rule.activeExpression,
        sourceName: HumanText.value("\(pair.rule.definition.file) [\(pair.rule.id)]"))
      // The first line repeats the message, which every format shows already.
      return rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        .map(String.init)
    default:
      return []
    }
  }

  /// Why a snapshot could not be read, with where: `line N, column C: message` for a line of
  /// JSON lines, `line:column: message` inside a JSON document (or a JSON-lines input that
  /// could not be opened, reported as line 0).
  static func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) -> String {
    let start = error.range.start
    if let line = snapshot.line, line > 0 {
      return "line \(line), column \(start.column): \(error.message)"
    }
    return "\(start.line):\(start.column): \(error.message)"
  }

  /// Columns kept before the leftmost caret when a long explanation is cropped.
  static let cropMargin = 12

  /// An explanation of a long expression with its columns before the leftmost caret or value
  /// cut off (marked `…`), so the deciding spans are visible without scrolling. Every line of
  /// the explanation is cut at the same column, which keeps carets under their spans.
  static func cropped(_ lines: [String], source: String) -> [String] {
    let sourceLines = Set(ExplanationRenderer.sourceLines(of: source))
    let isSourceLine = { (line: String) -> Bool in
      if sourceLines.contains(Substring(line)) { return true }
      // The renderer cuts a line that runs on far past its last value, marked `…`.
      guard line.hasSuffix("…") else { return false }
      let kept = line.unicodeScalars.dropLast()
      return sourceLines.contains { $0.unicodeScalars.starts(with: kept) }
    }
    let isNote = { (line: String) in line.hasPrefix("where ") || line.hasPrefix("… and ") }
    let isMarkLine = { (line: String) in !isNote(line) && !isSourceLine(line) }
    let leftmost =
      lines.filter(isMarkLine).compactMap { line in
        line.firstIndex { $0 != " " }.map { line.distance(from: line.startIndex, to: $0) }
      }.min() ?? 0
    guard leftmost > 2 * cropMargin else { return lines }
    let cut = leftmost - cropMargin
    return lines.map { line in
      guard !isNote(line), line.count > cut else { return line }
      return "…" + line.dropFirst(cut + 1)
    }
  }

  /// The one-line reason of a non-passing pair: the rule's message for a failure, the
  /// diagnostic's message for an error or deferral (after `error[CODE]: ` or
  /// `deferred[CODE]: `; `coded` false: nothing, or `deferred: `, as the JSON format has it).
  static func reason(_ pair: PairResult, coded: Bool = true) -> String {
    switch pair.outcome {
    case .evaluated(.error(let diagnostic)):
      return coded ? "error[\(diagnostic.code)]: \(diagnostic.message)" : diagnostic.message
    case .evaluated(.deferred(let diagnostic)):
      return (coded ? "deferred[\(diagnostic.code)]: " : "deferred: ") + diagnostic.message
    case .skipped(let reason): return "skipped: \(reason)"
    default: return pair.rule.definition.message ?? "rule \(pair.rule.id) does not hold"
    }
  }
}

// MARK: - human

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

// MARK: - json

/// One JSON document (schema in docs/CLI.md), written as the run goes: the rules, then one
/// result per line, then the summary.
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

  static func string(_ text: String) -> String { JSONWriter.canonical(.string(text)) }

  static func optional(_ text: String?) -> String { text.map(string) ?? "null" }

  static func location(_ location: SourceLocation) -> String {
    "{\"offset\":\(location.offset),\"line\":\(location.line),\"column\":\(location.column)}"
  }

  static func range(_ range: SourceRange) -> String {
    "\"start\":\(location(range.start)),\"end\":\(location(range.end))"
  }

  /// The `explanation` array of a failing result: each deciding value at its range.
  static func explanation(_ explanation: Explanation) -> String {
    "["
      + explanation.items.map { item in
        "{\(range(item.range)),\"value\":\(string(item.value)),"
          + "\"context\":\(optional(item.context))}"
      }.joined(separator: ",") + "]"
  }

  mutating func begin(_ ruleSet: RuleSet) {
    terminal.output("{\"schema_version\":\(Self.schemaVersion),")
    terminal.output("\"tool\":\(Self.string("constraint \(EngineVersion.version)")),")
    terminal.output("\"rules\":[")
    for (index, rule) in ruleSet.rules.enumerated() {
      let definition = rule.definition
      var skipped = "null"
      if case .skipped(let reason) = rule.state { skipped = Self.string(reason) }
      let line =
        "{\"id\":\(Self.string(rule.id)),\"schema_id\":\(Self.string(definition.schemaID)),"
        + "\"file\":\(Self.string(definition.file)),"
        + "\"line\":\(definition.expressionLocation.line),"
        + "\"column\":\(definition.expressionLocation.column),"
        + "\"severity\":\(Self.string(definition.severity.rawValue)),"
        + "\"expression\":\(Self.string(rule.activeExpression)),"
        + "\"message\":\(Self.optional(definition.message)),\"skipped\":\(skipped)}"
      terminal.output(line + (index == ruleSet.rules.count - 1 ? "" : ","))
    }
    terminal.output("],")
    terminal.output("\"results\":[")
  }

  mutating func beginSnapshot(_ snapshot: CheckedSnapshot) {}
  mutating func endSnapshot(_ snapshot: CheckedSnapshot) {}

  private mutating func result(_ fields: String) {
    terminal.output((firstResult ? "" : ",") + "{" + fields + "}")
    firstResult = false
  }

  static func snapshot(_ snapshot: CheckedSnapshot) -> String {
    "{\"file\":\(string(snapshot.file)),\"line\":\(snapshot.line.map(String.init) ?? "null")}"
  }

  mutating func pair(_ pair: PairResult) {
    var explanation = "[]"
    var omitted = 0
    var diagnostic = "null"
    switch pair.outcome {
    case .evaluated(.pass), .skipped:
      guard all else { return }
    case .evaluated(.fail(let items)):
      explanation = Self.explanation(items)
      omitted = items.omittedItems
    case .evaluated(.error(let found)), .evaluated(.deferred(let found)):
      diagnostic =
        "{\"code\":\(Self.string(found.code.rawValue)),"
        + "\"message\":\(Self.string(found.message)),\(Self.range(found.range))}"
    }
    let definition = pair.rule.definition
    result(
      "\"rule\":\(Self.string(pair.rule.id)),\"schema_id\":\(Self.string(definition.schemaID)),"
        + "\"severity\":\(Self.string(definition.severity.rawValue)),"
        + "\"snapshot\":\(Self.snapshot(pair.snapshot)),\"outcome\":\(Self.string(pair.word)),"
        + "\"message\":\(Self.string(CheckText.reason(pair, coded: false))),"
        + "\"explanation\":\(explanation),\"explanation_omitted\":\(omitted),"
        + "\"diagnostic\":\(diagnostic)")
  }

  mutating func unreadable(_ snapshot: CheckedSnapshot, _ error: Diagnostic) {
    let diagnostic =
      "{\"code\":\(Self.string(error.code.rawValue)),"
      + "\"message\":\(Self.string(error.message)),\(Self.range(error.range))}"
    result(
      "\"rule\":null,\"schema_id\":null,\"severity\":\"error\","
        + "\"snapshot\":\(Self.snapshot(snapshot)),\"outcome\":\"unreadable\","
        + "\"message\":\(Self.string(error.message)),\"explanation\":[],"
        + "\"explanation_omitted\":0,\"diagnostic\":\(diagnostic)")
  }

  mutating func finish(_ ruleSet: RuleSet, _ summary: CheckSummary) {
    terminal.output("],")
    let stopped = summary.stoppedAfter.map(String.init) ?? "null"
    terminal.output(
      "\"summary\":{\"snapshots\":\(summary.snapshots),\"rules\":\(summary.rules),"
        + "\"passed\":\(summary.passed),\"failed\":\(summary.failed),"
        + "\"errors\":\(summary.errors),\"skipped\":\(summary.skipped),"
        + "\"deferred\":\(summary.deferred),\"unreadable\":\(summary.unreadable),"
        + "\"stopped_after\":\(stopped),\"exit_status\":\(exitStatus())}")
    terminal.output("}")
  }
}

// MARK: - junit

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

// MARK: - github

/// GitHub Actions workflow commands: one annotation per non-passing pair, pointing at the rule
/// file line of the expression, the snapshot location in the message.
struct GitHubReporter: CheckReporter {
  let terminal: Terminal
  let explain: Bool
  var wantsPasses: Bool { false }

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
