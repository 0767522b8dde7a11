import ConstraintBatch
import ConstraintEngine

/// The human lines of a `check` run's counts.
extension CheckSummary {
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

  /// `stopped after N failing results (--max-failures)` when the run stopped early.
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
  /// Every snapshot of a batch of JSON lines has been reported (a no-op by default).
  mutating func endOfBatch()
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
    pair.outcome.message(of: pair.rule, coded: coded)
  }

}
