/// A parsed constraint expression: a node kind and the source range it was parsed from.
///
/// Every node carries its range so that later phases (checker, evaluator, explanations) can
/// point at the exact text a value or an error belongs to.
public struct Expr: Sendable {
  public var kind: ExprKind
  public var range: SourceRange

  public init(_ kind: ExprKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// The closed set of expression forms of grammar v2.0 plus this engine's extensions.
public indirect enum ExprKind: Sendable {
  /// `42`, `3.14`: the literal's digits exactly as written.
  case number(String)
  /// `'text'` after escape processing.
  case string(String)
  /// `true`, `false`.
  case bool(Bool)
  /// `null`.
  case null
  /// A bare identifier: a top-level field, or a quantifier variable in scope.
  case identifier(String)
  /// `base.name`.
  case member(Expr, name: String, nameRange: SourceRange)
  /// `base[N]` with a non-negative integer literal index.
  case index(Expr, Int)
  /// `base.length`.
  case length(Expr)
  /// `base.every(x => body)` and the `.some`, `.none`, `.count` extensions.
  case quantifier(Quantifier, Expr, variable: String, variableRange: SourceRange, body: Expr)
  /// `name(arguments…)`: a builtin call.
  case call(String, nameRange: SourceRange, arguments: [Expr])
  /// `[a, 'x', 1]`.
  case array([Expr])
  /// `!e`, `-e`.
  case unary(UnaryOperator, Expr)
  /// `a op b`.
  case binary(BinaryOperator, Expr, Expr, operatorRange: SourceRange)
}

/// Method-style quantifiers over arrays.
public enum Quantifier: String, Sendable, Hashable, CaseIterable {
  case every
  case some
  case none
  case count

  /// Whether the quantifier belongs to grammar v2.0 (`every`) or is an extension.
  public var isPortable: Bool { self == .every }
}

/// Prefix operators.
public enum UnaryOperator: String, Sendable, Hashable, CaseIterable {
  case not = "!"
  case negate = "-"
}

/// Infix operators, from lowest to highest precedence group.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
  case implies = "=>"
  case or = "||"
  case and = "&&"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case `in` = "in"
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case remainder = "%"

  /// Binding strength: a larger number binds tighter.
  public var precedence: Int {
    switch self {
    case .implies: return 1
    case .or: return 2
    case .and: return 3
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in: return 4
    case .add, .subtract: return 5
    case .multiply, .divide, .remainder: return 6
    }
  }

  /// Whether the operator belongs to grammar v2.0 or is one of this engine's extensions.
  public var isPortable: Bool {
    switch self {
    case .implies, .or, .and, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
      return true
    case .in, .add, .subtract, .multiply, .divide, .remainder:
      return false
    }
  }

  /// Comparisons and `in` do not chain: `a < b < c` is a parse error.
  public var isNonAssociative: Bool { precedence == 4 }
}
