/// A compiled expression: names resolved to slots, builtins to functions, literals to values,
/// declared types attached to the paths they govern, regexes compiled.
///
/// A node is identified by its source range: distinct sub-expressions of one rule never share
/// a range (each encloses its operands and adds text of its own), so an observer of the
/// evaluation (``EvaluationObserver``) keys the values it sees by ``observedRange``.
indirect enum Node: Sendable {
  /// A literal.
  case constant(Value)
  /// A sub-expression over literals only, evaluated when compiling; `original` is the node it
  /// replaced, kept to explain a failure that it decided.
  case folded(Value, original: Node)
  /// A snapshot path with its declared type.
  case field(FieldAccess)
  /// A quantifier variable (by nesting level) followed by path steps.
  case variable(level: Int, steps: [PathStep], range: SourceRange)
  /// Member or index access on a computed value.
  case access(Node, FieldPath.Component, range: SourceRange)
  case length(Node, Site)
  case not(Node, Site)
  case negate(Node, Site)
  /// A left spine of binary operators, `((first op1 a) op2 b) …`, evaluated iteratively so
  /// that long flat chains never recurse.
  case chain(Node, [ChainLink])
  case quantifier(Quantifier, receiver: Node, body: Node, Site)
  case array([Node], range: SourceRange)
  case call(BuiltinFunction, [Node], Site)
  case call1(BuiltinFunction, Node, Site)
  case call2(BuiltinFunction, Node, Node, Site)
  case temporal(TemporalBuiltin, FieldAccess, Site)
  case matches(Node, CompiledRegex, Site)
}

extension Node {
  /// The range of the sub-expression this node evaluates (nil for literals and folded
  /// constants, whose values are known without evaluating them).
  var observedRange: SourceRange? {
    switch self {
    case .constant, .folded: return nil
    case .field(let access): return access.range
    case .variable(_, _, let range), .access(_, _, let range), .array(_, let range):
      return range
    case .chain(_, let links): return links.last?.site.range
    case .length(_, let site), .not(_, let site), .negate(_, let site),
      .quantifier(_, _, _, let site), .call(_, _, let site), .call1(_, _, let site),
      .call2(_, _, _, let site), .temporal(_, _, let site), .matches(_, _, let site):
      return site.range
    }
  }

  /// The value of a literal or folded constant.
  var constantValue: Value? {
    switch self {
    case .constant(let value), .folded(let value, _): return value
    default: return nil
    }
  }
}

/// A builtin's function.
typealias BuiltinFunction = @Sendable (BuiltinArguments, EvaluationContext) throws(BuiltinFailure)
  -> Value

/// A resolved snapshot path and the declared type to apply when reading it. A class so that
/// reading a field passes one reference instead of copying the path and type.
final class FieldAccess: Sendable {
  let path: FieldPath
  let type: FieldType?
  let range: SourceRange
  /// The path's steps, keys with their UTF-8 length precomputed.
  let steps: [PathStep]

  init(path: FieldPath, type: FieldType?, range: SourceRange) {
    self.path = path
    self.type = type
    self.range = range
    steps = path.components.map(PathStep.init)
  }

  /// The value at the path in `root` (missing when a step does not resolve), before the
  /// declared type is applied.
  @inline(__always)
  func resolve(in root: Value) -> Value {
    PathStep.resolve(steps, in: root)
  }
}

/// One step of a compiled path.
enum PathStep: Sendable {
  case key(ObjectKey)
  case index(Int)

  init(_ component: FieldPath.Component) {
    switch component {
    case .key(let key): self = .key(ObjectKey(key))
    case .index(let index): self = .index(index)
    }
  }

  /// Follows `steps` from `root`; missing as soon as a step does not resolve.
  @inline(__always)
  static func resolve(_ steps: [PathStep], in root: Value) -> Value {
    var value = root
    for step in steps {
      switch step {
      case .key(let key):
        guard case .object(let object) = value, let member = object.value(forKey: key) else {
          return .missing
        }
        value = member
      case .index(let index):
        value = value[index]
        if case .missing = value { return .missing }
      }
    }
    return value
  }
}

/// Where a node came from, for error messages: its range and its operands' ranges (and, for
/// calls, the builtin's name).
final class Site: Sendable {
  let range: SourceRange
  let operands: [SourceRange]
  let name: String
  /// A builtin call's charge to the step limit (``Metering/call(_:_:within:)``).
  let cost: BuiltinCost
  /// A builtin call's form on the fast path, when the fast path evaluates it itself.
  let fastForm: FastBuiltin?

  init(
    _ range: SourceRange, operands: [SourceRange] = [], name: String = "",
    cost: BuiltinCost = .argumentData, fastForm: FastBuiltin? = nil
  ) {
    self.range = range
    self.operands = operands
    self.name = name
    self.cost = cost
    self.fastForm = fastForm
  }
}

/// One binary operator of a ``Node/chain(_:_:)``: its left operand is the chain so far.
struct ChainLink: Sendable {
  let op: BinaryOperator
  let rhs: Node
  /// The whole binary expression's range; operands: the left part's and the right's ranges.
  let site: Site
  /// How a comparison reads its operands (``ComparisonMode/values`` for other operators).
  var mode: ComparisonMode = .values
}
