/// Finds the syntax of an expression that goes beyond grammar v2.0 — arithmetic, unary minus,
/// `in`, `.some` / `.none` / `.count`, builtins outside the 52 — so rule files that must stay
/// portable to other evaluators can be linted (`constraint lint --portable`).
public enum Portability {
  /// One warning per non-portable use, in source order, each with the range of the operator,
  /// quantifier name or builtin name. `source` is the text `expression` was parsed from.
  public static func diagnostics(
    for expression: Expr, source: String, registry: BuiltinRegistry = .standard
  ) -> [Diagnostic] {
    let bytes = Array(source.utf8)
    var found: [Diagnostic] = []
    func report(_ message: String, _ range: SourceRange) {
      found.append(Diagnostic(.notPortable, message, at: range, severity: .warning))
    }
    // An explicit stack: the parser bounds nesting, but no recursion here depends on it.
    var pending: [Expr] = [expression]
    while let node = pending.popLast() {
      switch node.kind {
      case .number, .string, .bool, .null, .identifier:
        break
      case .member(let base, _, _), .index(let base, _), .length(let base):
        pending.append(base)
      case .quantifier(let quantifier, let base, _, _, let body):
        if !quantifier.isPortable {
          let range = nameRange(of: quantifier.rawValue, after: base.range.end, in: bytes)
          report(
            "`.\(quantifier.rawValue)` is an extension; grammar v2.0 has only `.every`",
            range ?? node.range)
        }
        pending.append(body)
        pending.append(base)
      case .call(let name, let nameRange, let arguments):
        if let builtin = registry.lookup(name), !builtin.signature.isPortable {
          report("`\(name)` is not one of the 52 builtins of grammar v2.0", nameRange)
        }
        pending.append(contentsOf: arguments.reversed())
      case .array(let elements):
        pending.append(contentsOf: elements.reversed())
      case .unary(let op, let operand):
        if op == .negate {
          let start = node.range.start
          let end = SourceLocation(
            offset: start.offset + 1, line: start.line, column: start.column + 1)
          report(
            "unary minus is an extension of grammar v2.0", SourceRange(start: start, end: end))
        }
        pending.append(operand)
      case .binary(let op, let left, let right, let operatorRange):
        if !op.isPortable {
          let what = op == .in ? "`in` membership" : "arithmetic `\(op.rawValue)`"
          report("\(what) is an extension of grammar v2.0", operatorRange)
        }
        pending.append(right)
        pending.append(left)
      }
    }
    return found.sorted { $0.range.start.offset < $1.range.start.offset }
  }

  /// The range of `name` in the first occurrence after `location` (`base.some(`: the name
  /// follows the dot after the receiver).
  private static func nameRange(
    of name: String, after location: SourceLocation, in bytes: [UInt8]
  ) -> SourceRange? {
    let target = Array(name.utf8)
    var offset = location.offset
    var line = location.line
    var column = location.column
    while offset + target.count <= bytes.count {
      if bytes[offset..<(offset + target.count)].elementsEqual(target) {
        let start = SourceLocation(offset: offset, line: line, column: column)
        let end = SourceLocation(
          offset: offset + target.count, line: line, column: column + target.count)
        return SourceRange(start: start, end: end)
      }
      if bytes[offset] == 0x0A {
        line += 1
        column = 1
      } else if bytes[offset] & 0xC0 != 0x80 {
        column += 1
      }
      offset += 1
    }
    return nil
  }
}
