/// A compiled expression: names resolved to slots, builtins to functions, literals to values,
/// declared types attached to the paths they govern, regexes compiled.
indirect enum Node: Sendable {
  case constant(Value)
  /// A snapshot path with its declared type.
  case field(FieldAccess)
  /// A quantifier variable (by nesting level) followed by path steps.
  case variable(level: Int, steps: [FieldPath.Component])
  /// Member or index access on a computed value.
  case access(Node, FieldPath.Component)
  case length(Node, Site)
  case not(Node, Site)
  case negate(Node, Site)
  /// A left spine of binary operators, `((first op1 a) op2 b) …`, evaluated iteratively so
  /// that long flat chains never recurse.
  case chain(Node, [ChainLink])
  case quantifier(Quantifier, receiver: Node, body: Node, Site)
  case array([Node])
  case call(BuiltinFunction, [Node], Site)
  case call1(BuiltinFunction, Node, Site)
  case call2(BuiltinFunction, Node, Node, Site)
  case temporal(TemporalBuiltin, FieldAccess, Site)
  case matches(Node, CompiledRegex, Site)
}

/// A builtin's function.
typealias BuiltinFunction = @Sendable (BuiltinArguments, EvaluationContext) throws(BuiltinFailure)
  -> Value

/// A resolved snapshot path and the declared type to apply when reading it.
struct FieldAccess: Sendable {
  let path: FieldPath
  let type: FieldType?
  let range: SourceRange
}

/// Where a node came from, for error messages: its range and its operands' ranges (and, for
/// calls, the builtin's name).
final class Site: Sendable {
  let range: SourceRange
  let operands: [SourceRange]
  let name: String

  init(_ range: SourceRange, operands: [SourceRange] = [], name: String = "") {
    self.range = range
    self.operands = operands
    self.name = name
  }
}

/// One binary operator of a ``Node/chain(_:_:)``: its left operand is the chain so far.
struct ChainLink: Sendable {
  let op: BinaryOperator
  let rhs: Node
  /// The whole binary expression's range; operands: the left part's and the right's ranges.
  let site: Site
}
