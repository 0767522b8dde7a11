/// Prints expressions in canonical form: minimal parentheses, normalized spacing, strings
/// re-escaped. Parsing the printed text gives a tree with the same structure.
///
/// The printer walks the tree with an explicit work list, so long flat chains
/// (`a && b && …`, whose trees are deep on one side) cannot exhaust the stack.
public enum Printer {
  /// The canonical text of `expr`, e.g. `a == 1 && f(b, 'x') => c.every(e => e > 0)`.
  public static func print(_ expr: Expr) -> String {
    var output = ""
    var work: [PrintStep] = [.node(expr)]
    while let step = work.popLast() {
      switch step {
      case .text(let text):
        output += text
      case .node(let node):
        push(node, onto: &work)
      }
    }
    return output
  }

  /// The canonical text of `source`, refused when it would not read back under `limits`.
  ///
  /// Canonical spacing can make a text longer than its source (`a-b` prints as `a - b`), so
  /// an expression accepted near the length limit can print past it. Formatting such a source
  /// would write a text that no command reads; it is an error instead.
  ///
  /// - Throws: the parser's ``Diagnostic``, or one saying the canonical text is too long.
  public static func canonical(
    _ source: String, limits: ParseLimits = .default
  ) throws(Diagnostic) -> String {
    let printed = print(try Parser.parse(source, limits: limits))
    let length = printed.utf8.count
    if length > limits.effectiveSourceLength {
      throw Diagnostic(
        .canonicalFormTooLong,
        "the canonical form is \(length) bytes long, over the limit of "
          + "\(limits.effectiveSourceLength) bytes: it would not read back",
        at: SourceRange(at: .start),
        notes: [DiagnosticNote("canonical spacing adds bytes (`a-b` prints as `a - b`)")])
    }
    return printed
  }

  /// The single-quoted literal for `value`: `'` and `\` are escaped, everything else is kept.
  public static func quote(_ value: String) -> String {
    var result = "'"
    for character in value.unicodeScalars {
      switch character {
      case "'": result += "\\'"
      case "\\": result += "\\\\"
      default: result.unicodeScalars.append(character)
      }
    }
    return result + "'"
  }

  private enum PrintStep {
    case text(String)
    case node(Expr)
  }

  /// Pushes the steps printing `expr` onto the work list, last first (it is a stack), without
  /// building a list per node.
  private static func push(_ expr: Expr, onto work: inout [PrintStep]) {
    switch expr.kind {
    case .number(let digits): work.append(.text(digits))
    case .string(let value): work.append(.text(quote(value)))
    case .bool(let value): work.append(.text(value ? "true" : "false"))
    case .null: work.append(.text("null"))
    case .identifier(let name): work.append(.text(name))
    case .member(let base, let name, _):
      work.append(.text("." + name))
      pushReceiver(base, onto: &work)
    case .index(let base, let index):
      work.append(.text("[\(index)]"))
      pushReceiver(base, onto: &work)
    case .length(let base):
      work.append(.text(".length"))
      pushReceiver(base, onto: &work)
    case .quantifier(let quantifier, let base, let variable, _, let body):
      work.append(.text(")"))
      work.append(.node(body))
      work.append(.text(".\(quantifier.rawValue)(\(variable) => "))
      pushReceiver(base, onto: &work)
    case .call(let name, _, let arguments):
      work.append(.text(")"))
      pushList(arguments, onto: &work)
      work.append(.text(name + "("))
    case .array(let elements):
      work.append(.text("]"))
      pushList(elements, onto: &work)
      work.append(.text("["))
    case .unary(let op, let operand):
      if case .binary = operand.kind {
        pushParenthesized(operand, onto: &work)
      } else {
        work.append(.node(operand))
      }
      work.append(.text(op.rawValue))
    case .binary(let op, let left, let right, _):
      if needsParentheses(right, under: op, onLeft: false) {
        pushParenthesized(right, onto: &work)
      } else {
        work.append(.node(right))
      }
      work.append(.text(" \(op.rawValue) "))
      if needsParentheses(left, under: op, onLeft: true) {
        pushParenthesized(left, onto: &work)
      } else {
        work.append(.node(left))
      }
    }
  }

  /// A postfix receiver keeps parentheses when it is an operator expression.
  private static func pushReceiver(_ base: Expr, onto work: inout [PrintStep]) {
    switch base.kind {
    case .binary, .unary: pushParenthesized(base, onto: &work)
    default: work.append(.node(base))
    }
  }

  private static func pushParenthesized(_ expr: Expr, onto work: inout [PrintStep]) {
    work.append(.text(")"))
    work.append(.node(expr))
    work.append(.text("("))
  }

  /// `items` separated by commas, pushed last first.
  private static func pushList(_ items: [Expr], onto work: inout [PrintStep]) {
    for (position, item) in items.enumerated().reversed() {
      work.append(.node(item))
      if position > 0 { work.append(.text(", ")) }
    }
  }

  /// Whether `child`, an operand of `op`, must keep parentheses to parse back the same way.
  private static func needsParentheses(
    _ child: Expr, under op: BinaryOperator, onLeft: Bool
  ) -> Bool {
    guard case .binary(let childOperator, _, _, _) = child.kind else { return false }
    if childOperator.precedence != op.precedence {
      return childOperator.precedence < op.precedence
    }
    if op.isNonAssociative { return true }
    if op == .implies { return onLeft }
    return !onLeft
  }
}

extension Expr: CustomStringConvertible {
  /// The canonical text of the expression (see ``Printer``).
  public var description: String { Printer.print(self) }
}

extension Expr {
  /// Whether `self` and `other` are the same tree, ignoring source ranges (and the
  /// parentheses, spacing and escapes that only change ranges).
  public func hasSameStructure(as other: Expr) -> Bool {
    var pending: [(Expr, Expr)] = [(self, other)]
    while let (left, right) = pending.popLast() {
      switch (left.kind, right.kind) {
      case (.number(let a), .number(let b)) where a == b: continue
      case (.string(let a), .string(let b)) where a.unicodeScalars.elementsEqual(b.unicodeScalars):
        continue
      case (.bool(let a), .bool(let b)) where a == b: continue
      case (.null, .null): continue
      case (.identifier(let a), .identifier(let b)) where a == b: continue
      case (.member(let a, let nameA, _), .member(let b, let nameB, _)) where nameA == nameB:
        pending.append((a, b))
      case (.index(let a, let indexA), .index(let b, let indexB)) where indexA == indexB:
        pending.append((a, b))
      case (.length(let a), .length(let b)):
        pending.append((a, b))
      case (
        .quantifier(let quantifierA, let a, let variableA, _, let bodyA),
        .quantifier(let quantifierB, let b, let variableB, _, let bodyB)
      ) where quantifierA == quantifierB && variableA == variableB:
        pending.append((a, b))
        pending.append((bodyA, bodyB))
      case (.call(let nameA, _, let argumentsA), .call(let nameB, _, let argumentsB))
      where nameA == nameB && argumentsA.count == argumentsB.count:
        pending.append(contentsOf: zip(argumentsA, argumentsB))
      case (.array(let a), .array(let b)) where a.count == b.count:
        pending.append(contentsOf: zip(a, b))
      case (.unary(let opA, let a), .unary(let opB, let b)) where opA == opB:
        pending.append((a, b))
      case (.binary(let opA, let leftA, let rightA, _), .binary(let opB, let leftB, let rightB, _))
      where opA == opB:
        pending.append((leftA, leftB))
        pending.append((rightA, rightB))
      default:
        return false
      }
    }
    return true
  }
}
