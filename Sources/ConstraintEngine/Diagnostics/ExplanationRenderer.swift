/// Renders an ``Explanation`` as the source line with each deciding value under its span:
///
/// ```
/// bigint_gte(budget.limit_micro, budget.spent_micro)
///            ^^^^^^^^^^^^^^^^^^  ^^^^^^^^^^^^^^^^^^
///            1000000             1000001
/// ```
public struct ExplanationRenderer: Sendable {
  /// Text put before every rendered line.
  public var indent: String

  public init(indent: String = "  ") {
    self.indent = indent
  }

  /// Source text kept after the last deciding span of a line before the line is cut (`…`).
  public static let trailingContext = 200

  /// The explanation of a failure of the rule whose source is `source`. Its cost is linear in
  /// the source's length and the number of items; a line running on more than
  /// ``trailingContext`` columns past its last value is cut there, and the values the
  /// explanation left out are counted on a last line.
  public func render(_ explanation: Explanation, source: String) -> String {
    let lines = ExplanationRenderer.sourceLines(of: source)
    var output: [String] = []
    // Items without context first, then one block per quantifier element.
    var groups: [(context: String?, items: [Explanation.Item])] = []
    var groupIndex: [String?: Int] = [:]
    for item in explanation.items {
      if let index = groupIndex[item.context] {
        groups[index].items.append(item)
      } else {
        groupIndex[item.context] = groups.count
        groups.append((item.context, [item]))
      }
    }
    for group in groups {
      if let context = group.context { output.append(indent + "where \(context):") }
      let byLine = Dictionary(grouping: group.items, by: \.range.start.line)
      for lineNumber in byLine.keys.sorted() {
        guard lineNumber >= 1, lineNumber <= lines.count else { continue }
        let sourceLine = lines[lineNumber - 1].unicodeScalars
        let items = byLine[lineNumber]!.sorted { $0.range.start.column < $1.range.start.column }
        let rows = ExplanationRenderer.rows(items, lineLength: sourceLine.count)
        let end = rows.map(\.end).max() ?? 0
        if sourceLine.count > end + Self.trailingContext {
          let kept = sourceLine.prefix(end + Self.trailingContext)
          output.append(indent + String(String.UnicodeScalarView(kept)) + "…")
        } else {
          output.append(indent + String(sourceLine))
        }
        for row in rows {
          output.append(indent + row.carets)
          output.append(indent + row.values)
        }
      }
    }
    if explanation.omittedItems > 0 {
      let noun = explanation.omittedItems == 1 ? "value" : "values"
      output.append(indent + "… and \(explanation.omittedItems) more \(noun) not shown")
    }
    return output.joined(separator: "\n")
  }

  /// The lines of `source` as the renderer prints them: split at each `\n` byte, without a
  /// `\r` before it (by UTF-8 bytes: splitting by characters walks grapheme clusters, which
  /// costs milliseconds on a long expression).
  public static func sourceLines(of source: String) -> [Substring] {
    source.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
      line in
      let text = Substring(line)
      return text.utf8.last == UInt8(ascii: "\r") ? text.dropLast() : text
    }
  }

  private struct Row {
    var carets = ""
    var values = ""
    /// The characters in `carets` and `values` (tracked: `String.count` walks the string).
    var caretsWidth = 0
    var valuesWidth = 0
    /// The first free column (0-based) after everything placed so far.
    var end = 0
  }

  /// Places items in rows so that no caret span or value text overlaps another in its row.
  private static func rows(_ items: [Explanation.Item], lineLength: Int) -> [Row] {
    var rows: [Row] = []
    for item in items {
      let start = item.range.start.column - 1
      let width: Int
      if item.range.end.line == item.range.start.line {
        width = max(1, item.range.end.column - item.range.start.column)
      } else {
        width = max(1, lineLength - start)
      }
      let valueWidth = item.value.count
      let occupied = start + max(width, valueWidth) + 1
      // Items arrive by column, so a row is free when the last thing placed in it has ended:
      // the first such row is found by looking at rows' ends only.
      let index = rows.firstIndex { $0.end <= start } ?? {
        rows.append(Row())
        return rows.count - 1
      }()
      rows[index].carets += String(repeating: " ", count: max(0, start - rows[index].caretsWidth))
      rows[index].carets += String(repeating: "^", count: width)
      rows[index].caretsWidth = max(start, rows[index].caretsWidth) + width
      rows[index].values += String(repeating: " ", count: max(0, start - rows[index].valuesWidth))
      rows[index].values += item.value
      rows[index].valuesWidth = max(start, rows[index].valuesWidth) + valueWidth
      rows[index].end = occupied
    }
    return rows
  }
}
