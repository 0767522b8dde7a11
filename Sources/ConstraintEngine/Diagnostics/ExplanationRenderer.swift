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

  /// The explanation of a failure of the rule whose source is `source`.
  public func render(_ explanation: Explanation, source: String) -> String {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var output: [String] = []
    // Items without context first, then one block per quantifier element.
    var groups: [(context: String?, items: [Explanation.Item])] = []
    for item in explanation.items {
      if let index = groups.firstIndex(where: { $0.context == item.context }) {
        groups[index].items.append(item)
      } else {
        groups.append((item.context, [item]))
      }
    }
    for group in groups {
      if let context = group.context { output.append(indent + "where \(context):") }
      let byLine = Dictionary(grouping: group.items, by: \.range.start.line)
      for lineNumber in byLine.keys.sorted() {
        guard lineNumber >= 1, lineNumber <= lines.count else { continue }
        let sourceLine = lines[lineNumber - 1]
        output.append(indent + sourceLine)
        let items = byLine[lineNumber]!.sorted { $0.range.start.column < $1.range.start.column }
        for row in ExplanationRenderer.rows(items, lineLength: sourceLine.unicodeScalars.count) {
          output.append(indent + row.carets)
          output.append(indent + row.values)
        }
      }
    }
    return output.joined(separator: "\n")
  }

  private struct Row {
    var carets = ""
    var values = ""
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
      let occupied = start + max(width, item.value.count) + 1
      let index = rows.firstIndex { $0.end <= start } ?? {
        rows.append(Row())
        return rows.count - 1
      }()
      var row = rows[index]
      row.carets += String(repeating: " ", count: start - row.carets.count)
      row.carets += String(repeating: "^", count: width)
      row.values += String(repeating: " ", count: start - row.values.count)
      row.values += item.value
      row.end = occupied
      rows[index] = row
    }
    return rows
  }
}
