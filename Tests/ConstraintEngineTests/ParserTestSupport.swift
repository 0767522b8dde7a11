import ConstraintEngine
import Testing

/// A source text with the expected range marked inline, e.g. `a == 1 ⟦garbage⟧`.
///
/// `⟦…⟧` marks a range; a lone `⟦⟧` marks an empty range (a point, such as the end of input).
/// The markers are stripped; `range` holds the UTF-8 offsets of the marked text in
/// `source`.
struct MarkedSource: CustomStringConvertible, Sendable {
  let source: String
  let range: Range<Int>

  init(_ marked: String) {
    var source = ""
    var start: Int?
    var end: Int?
    for character in marked {
      switch character {
      case "⟦": start = source.utf8.count
      case "⟧": end = source.utf8.count
      default: source.append(character)
      }
    }
    precondition(start != nil && end != nil, "no ⟦⟧ marker in \(marked)")
    self.source = source
    self.range = start!..<end!
  }

  var description: String { source }
}

/// The line and column (1-based, columns in Unicode scalars) of a UTF-8 offset in `source`.
func lineAndColumn(of offset: Int, in source: String) -> (line: Int, column: Int) {
  var line = 1
  var column = 1
  var consumed = 0
  for scalar in source.unicodeScalars {
    if consumed >= offset { break }
    consumed += String(scalar).utf8.count
    if scalar == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
  }
  return (line, column)
}

/// Checks that `range` covers exactly `expected` in `source`, with consistent lines and columns.
func expectRange(
  _ range: SourceRange, equals expected: Range<Int>, in source: String,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  #expect(
    range.start.offset..<range.end.offset == expected,
    "range \(range.start.offset)..<\(range.end.offset), expected \(expected) in \(source)",
    sourceLocation: sourceLocation)
  let start = lineAndColumn(of: range.start.offset, in: source)
  let end = lineAndColumn(of: range.end.offset, in: source)
  #expect(range.start.line == start.line, sourceLocation: sourceLocation)
  #expect(range.start.column == start.column, sourceLocation: sourceLocation)
  #expect(range.end.line == end.line, sourceLocation: sourceLocation)
  #expect(range.end.column == end.column, sourceLocation: sourceLocation)
}

/// A fully parenthesised, range-free rendering of a tree, to state precedence and
/// associativity in tests independently of the printer: `(&& a (== b 1))`.
func sExpression(_ expr: Expr) -> String {
  switch expr.kind {
  case .number(let digits): return digits
  case .string(let value): return "'\(value)'"
  case .bool(let value): return value ? "true" : "false"
  case .null: return "null"
  case .identifier(let name): return name
  case .member(let base, let name, _): return "(. \(sExpression(base)) \(name))"
  case .index(let base, let index): return "([] \(sExpression(base)) \(index))"
  case .length(let base): return "(length \(sExpression(base)))"
  case .quantifier(let quantifier, let base, let variable, _, let body):
    return "(\(quantifier.rawValue) \(sExpression(base)) \(variable) \(sExpression(body)))"
  case .call(let name, _, let arguments):
    return "(\(name)\(arguments.map { " " + sExpression($0) }.joined()))"
  case .array(let elements):
    return "[\(elements.map(sExpression).joined(separator: " "))]"
  case .unary(let op, let operand):
    return "(\(op == .not ? "!" : "neg") \(sExpression(operand)))"
  case .binary(let op, let left, let right, _):
    return "(\(op.rawValue) \(sExpression(left)) \(sExpression(right)))"
  }
}

/// Parses `source`, recording an issue (and returning nil) when it fails.
func parseOrRecord(
  _ source: String, limits: ParseLimits = .default,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Expr? {
  do {
    return try Parser.parse(source, limits: limits)
  } catch {
    Issue.record("\(source): \(error)", sourceLocation: sourceLocation)
    return nil
  }
}

/// Parses `source`, expecting a diagnostic; records an issue when it parses.
func parseError(_ source: String, limits: ParseLimits = .default) -> Diagnostic? {
  do {
    let expr = try Parser.parse(source, limits: limits)
    Issue.record("expected an error for \(source), parsed \(sExpression(expr))")
    return nil
  } catch {
    return error
  }
}
