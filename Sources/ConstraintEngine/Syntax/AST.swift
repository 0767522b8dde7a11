/// A parsed expression: a node kind and the source range it was parsed from.
///
/// Every node carries its range so that later phases (checker, evaluator, explanations) can
/// point at the exact text a value or an error belongs to.
///
/// A node is one reference to immutable storage. Trees of any height are freed without
/// recursion (see ``ExprStorage``): a flat chain `a && a && …` parses into a tree as tall as
/// the chain is long, which the runtime's recursive release would otherwise follow frame by
/// frame until the stack ran out.
public struct Expr: Sendable {
  private var storage: ExprStorage

  public init(_ kind: ExprKind, range: SourceRange) {
    storage = ExprStorage(kind, range: range)
  }

  public var kind: ExprKind {
    get { storage.kind }
    set { storage = ExprStorage(newValue, range: storage.range) }
  }

  public var range: SourceRange {
    get { storage.range }
    set { storage = ExprStorage(storage.kind, range: newValue) }
  }
}

/// The storage of one ``Expr`` node. Immutable once built; only its teardown empties it.
final class ExprStorage: @unchecked Sendable {
  /// Changed only by ``deinit``'s teardown, on nodes no one else references. Unchecked
  /// exclusivity: no access can overlap that teardown, and every read of a node's kind (the
  /// checker, the printer, the parser's rewrites) otherwise pays a dynamic access check, 3 %
  /// of compiling a typical rule.
  @exclusivity(unchecked) private(set) var kind: ExprKind
  let range: SourceRange

  init(_ kind: ExprKind, range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// Frees the subtree with an explicit work list: each node no one else references gives up
  /// its children to the list before it is released, so no release ever reaches a child.
  deinit {
    guard kind.hasChildren else { return }
    var pending: [ExprStorage] = []
    kind.moveChildren(into: &pending)
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node), node.kind.hasChildren {
        node.kind.moveChildren(into: &pending)
      }
    }
  }
}

extension ExprKind {
  /// Whether the node has sub-expressions.
  fileprivate var hasChildren: Bool {
    switch self {
    case .number, .string, .bool, .null, .identifier: return false
    case .call(_, _, let arguments): return !arguments.isEmpty
    case .array(let elements): return !elements.isEmpty
    case .member, .index, .length, .quantifier, .unary, .binary: return true
    }
  }

  /// Appends the storage of each sub-expression to `pending` and leaves `self` a leaf.
  fileprivate mutating func moveChildren(into pending: inout [ExprStorage]) {
    switch self {
    case .number, .string, .bool, .null, .identifier: return
    case .member(let base, _, _), .index(let base, _), .length(let base):
      pending.append(base.storageForTeardown)
    case .quantifier(_, let receiver, _, _, let body):
      pending.append(receiver.storageForTeardown)
      pending.append(body.storageForTeardown)
    case .call(_, _, let arguments):
      for argument in arguments { pending.append(argument.storageForTeardown) }
    case .array(let elements):
      for element in elements { pending.append(element.storageForTeardown) }
    case .unary(_, let operand):
      pending.append(operand.storageForTeardown)
    case .binary(_, let lhs, let rhs, _):
      pending.append(lhs.storageForTeardown)
      pending.append(rhs.storageForTeardown)
    }
    self = .null
  }
}

extension Expr {
  /// The node's storage, for ``ExprStorage``'s teardown.
  fileprivate var storageForTeardown: ExprStorage { storage }
}

/// The closed set of expression forms of grammar v2.0 plus this engine's extensions.
public enum ExprKind: Sendable {
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
