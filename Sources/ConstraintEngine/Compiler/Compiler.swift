/// Options for compiling a rule.
public struct CompileOptions: Sendable {
  /// Declared field types (a rule file's `type_signature`).
  public var types: FieldTypes
  public var parseLimits: ParseLimits
  public var evaluationLimits: EvaluationLimits
  public var regexLimits: RegexLimits
  public var registry: BuiltinRegistry
  /// Whether the program decides the common case on its fast path before the general path
  /// (on by default). Outcomes and diagnostics are the same either way; turning it off is for
  /// measuring or debugging the general path.
  public var usesFastPath: Bool

  public init(
    types: FieldTypes = [:],
    parseLimits: ParseLimits = .default,
    evaluationLimits: EvaluationLimits = .default,
    regexLimits: RegexLimits = .default,
    registry: BuiltinRegistry = .standard,
    usesFastPath: Bool = true
  ) {
    self.types = types
    self.parseLimits = parseLimits
    self.evaluationLimits = evaluationLimits
    self.regexLimits = regexLimits
    self.registry = registry
    self.usesFastPath = usesFastPath
  }
}

/// Turns source text into an immutable ``Program``: parse, check, then compile.
public enum Compiler {
  /// Compiles `source`. Every problem found is a diagnostic with a range in `source`.
  public static func compile(
    _ source: String, options: CompileOptions = CompileOptions()
  ) throws(CompileFailure) -> Program {
    try compile(source, options: options, regexPool: nil)
  }

  /// ``compile(_:options:)``, taking regexes already compiled for other programs from `pool`
  /// (a compiled regex is immutable and may be shared) and adding new ones to it.
  static func compile(
    _ source: String, options: CompileOptions, regexPool: RegexPool?
  ) throws(CompileFailure) -> Program {
    let expr: Expr
    do {
      expr = try Parser.parse(source, limits: options.parseLimits)
    } catch {
      throw CompileFailure(diagnostics: [error])
    }
    let checked: CheckedExpression
    switch Checker.check(
      expr, source: source, registry: options.registry, types: options.types)
    {
    case .success(let result): checked = result
    case .failure(let failure): throw failure
    }
    var builder = NodeBuilder(source: source, options: options, regexPool: regexPool)
    let root = builder.build(expr)
    if !builder.diagnostics.isEmpty {
      throw CompileFailure(diagnostics: builder.diagnostics)
    }
    var fastBuilder = FastPathBuilder()
    return Program(
      source: source, expression: expr, root: root,
      fastPath: options.usesFastPath && StandardLibraryLayout.permitsFastPath
        ? fastBuilder.condition(root) : nil,
      fastPathStorage: fastBuilder.storage,
      fieldPaths: checked.fieldPaths, options: options, regexes: RegexCache(builder.regexes),
      variableLevels: builder.maximumLevel)
  }
}

/// Regexes compiled for the programs of one rule set, by pattern (all compiled with the same
/// limits), so that a pattern a thousand rules use is compiled, and JIT-compiled, once.
final class RegexPool {
  private(set) var regexes: [String: CompiledRegex] = [:]
  let limits: RegexLimits

  init(limits: RegexLimits) {
    self.limits = limits
  }

  func regex(_ pattern: String, limits: RegexLimits) -> CompiledRegex? {
    limits == self.limits ? regexes[pattern] : nil
  }

  func add(_ regex: CompiledRegex, pattern: String, limits: RegexLimits) {
    if limits == self.limits { regexes[pattern] = regex }
  }
}

/// Builds the node tree of a checked expression and folds constants.
struct NodeBuilder {
  let source: String
  let options: CompileOptions
  let regexPool: RegexPool?
  private(set) var diagnostics: [Diagnostic] = []
  private(set) var regexes: [String: CompiledRegex] = [:]
  private(set) var maximumLevel = 0
  private var scope: [String] = []
  private var typing: ComparisonTyping {
    ComparisonTyping(types: options.types, registry: options.registry)
  }

  init(source: String, options: CompileOptions, regexPool: RegexPool? = nil) {
    self.source = source
    self.options = options
    self.regexPool = regexPool
  }

  mutating func build(_ expr: Expr) -> Node {
    let node = buildUnfolded(expr)
    return fold(node)
  }

  private mutating func buildUnfolded(_ expr: Expr) -> Node {
    let range = expr.range
    switch expr.kind {
    case .number(let digits):
      return .constant(.number(Number(parsing: digits)!))
    case .string(let text): return .constant(.string(text))
    case .bool(let flag): return .constant(.bool(flag))
    case .null: return .constant(.null)
    case .identifier, .member, .index:
      if let path = PathExpression.of(expr, scope: scope) {
        switch path.root {
        case .snapshot:
          let fieldPath = FieldPath(path.components)
          return .field(
            FieldAccess(
              path: fieldPath, type: options.types.declaredType(of: fieldPath), range: range))
        case .variable(let name):
          let level = scope.lastIndex(of: name)!
          return .variable(
            level: level, steps: path.components.map(PathStep.init), range: range)
        }
      }
      switch expr.kind {
      case .member(let base, let name, _):
        return .access(build(base), .key(name), range: range)
      case .index(let base, let index): return .access(build(base), .index(index), range: range)
      default: preconditionFailure("not an access")
      }
    case .length(let base):
      return .length(build(base), Site(range, operands: [base.range]))
    case .quantifier(let quantifier, let receiver, let variable, _, let body):
      let receiverNode = build(receiver)
      scope.append(variable)
      maximumLevel = max(maximumLevel, scope.count)
      let bodyNode = build(body)
      scope.removeLast()
      return .quantifier(
        quantifier, receiver: receiverNode, body: bodyNode,
        Site(range, operands: [receiver.range, body.range], name: quantifier.rawValue))
    case .call(let name, _, let arguments):
      return buildCall(name, arguments, range: range)
    case .array(let elements):
      return .array(elements.map { build($0) }, range: range)
    case .unary(.not, let operand):
      return .not(build(operand), Site(range, operands: [operand.range]))
    case .unary(.negate, let operand):
      return .negate(build(operand), Site(range, operands: [operand.range]))
    case .binary:
      let spine = expr.leftSpine
      let first = build(spine.first)
      var leftRange = spine.first.range
      var links: [ChainLink] = []
      links.reserveCapacity(spine.links.count)
      for link in spine.links {
        let site = Site(
          link.node.range, operands: [leftRange, link.rhs.range], name: link.op.rawValue)
        let mode = typing.mode(link.op, link.lhs, link.rhs, scope: scope)
        links.append(ChainLink(op: link.op, rhs: build(link.rhs), site: site, mode: mode))
        leftRange = link.node.range
      }
      return .chain(first, links)
    }
  }

  private mutating func buildCall(_ name: String, _ arguments: [Expr], range: SourceRange)
    -> Node
  {
    let builtin = options.registry.lookup(name)!
    let site = Site(
      range, operands: arguments.map(\.range), name: name, cost: builtin.cost,
      fastForm: builtin.fastForm)
    switch builtin.implementation {
    case .temporal(let temporal):
      let path = PathExpression.of(arguments[0], scope: []).flatMap(\.fieldPath)!
      return .temporal(
        temporal,
        FieldAccess(
          path: path, type: options.types.declaredType(of: path), range: arguments[0].range),
        site)
    case .regexMatch:
      guard case .string(let pattern) = arguments[1].kind else {
        preconditionFailure("checker guarantees a literal pattern")
      }
      let subject = build(arguments[0])
      guard let regex = compileRegex(pattern, literal: arguments[1]) else {
        return .constant(.null)
      }
      return .matches(subject, regex, site)
    case .function(let function):
      if builtin.operatorForm == .equality, arguments.count == 2 {
        let mode = typing.mode(.equal, arguments[0], arguments[1], scope: scope)
        let site = Site(range, operands: [arguments[0].range, arguments[1].range], name: name)
        return .chain(
          build(arguments[0]),
          [ChainLink(op: .equal, rhs: build(arguments[1]), site: site, mode: mode)])
      }
      let nodes = arguments.map { build($0) }
      switch nodes.count {
      case 1: return .call1(function, nodes[0], site)
      case 2: return .call2(function, nodes[0], nodes[1], site)
      default: return .call(function, nodes, site)
      }
    }
  }

  /// Compiles a pattern once per program; a pattern error becomes a diagnostic whose caret
  /// sits on the offending character inside the string literal.
  private mutating func compileRegex(_ pattern: String, literal: Expr) -> CompiledRegex? {
    if let existing = regexes[pattern] { return existing }
    if let pooled = regexPool?.regex(pattern, limits: options.regexLimits) {
      regexes[pattern] = pooled
      return pooled
    }
    do {
      let regex = try CompiledRegex(pattern: pattern, limits: options.regexLimits)
      regexes[pattern] = regex
      regexPool?.add(regex, pattern: pattern, limits: options.regexLimits)
      return regex
    } catch {
      let location = StringLiteralMap.sourceLocation(
        ofDecodedScalar: error.patternScalarOffset, inLiteral: literal.range, source: source)
      let end = StringLiteralMap.advance(
        location, byScalars: 1, in: source, limit: literal.range.end)
      diagnostics.append(
        Diagnostic(
          .invalidRegex, "invalid regular expression: \(error.message)",
          at: SourceRange(start: location, end: end)))
      return nil
    }
  }

  /// Evaluates nodes whose inputs are all constants, when that cannot fail. A folded node
  /// keeps the node it replaced (``Node/folded(_:original:)``) for explanations.
  private func fold(_ node: Node) -> Node {
    switch node {
    case .constant, .folded, .field, .variable, .quantifier, .call, .call1, .call2, .temporal,
      .matches:
      return node
    case .chain(let firstNode, let allLinks):
      // Fold the constant prefix of the chain: `1 + 2 * 3 == 7 && a` becomes `true && a`.
      var executor = Executor(
        source: source, snapshot: .missing, context: .empty, limits: options.evaluationLimits,
        levels: 0)
      var first = firstNode
      var links = allLinks[...]
      while let value = first.constantValue, let link = links.first,
        link.rhs.constantValue != nil,
        case .value(let folded) = executor.apply(link, to: .value(value))
      {
        links = links.dropFirst()
        let replaced = allLinks[..<links.startIndex]
        first = .folded(folded, original: .chain(firstNode, Array(replaced)))
      }
      return links.isEmpty ? first : .chain(first, Array(links))
    case .array(let elements, _):
      var values: [Value] = []
      for element in elements {
        guard let value = element.constantValue else { return node }
        values.append(value)
      }
      return .folded(.array(values), original: node)
    default:
      break
    }
    guard node.childrenAreConstant else { return node }
    var executor = Executor(
      source: source, snapshot: .missing, context: .empty, limits: options.evaluationLimits,
      levels: 0)
    if case .value(let value) = executor.evaluate(node) {
      return .folded(value, original: node)
    }
    return node
  }
}

extension Node {
  /// Whether every direct child is a constant (and the node reads nothing else).
  fileprivate var childrenAreConstant: Bool {
    switch self {
    case .access(let a, _, _), .length(let a, _), .not(let a, _), .negate(let a, _):
      return a.constantValue != nil
    default:
      return false
    }
  }
}

/// Maps positions inside a decoded string literal back to the source text, undoing the
/// literal's `\'` and `\\` escapes.
enum StringLiteralMap {
  /// The source location of decoded scalar `index` of the literal spanning `range` (which
  /// includes the quotes).
  static func sourceLocation(
    ofDecodedScalar index: Int, inLiteral range: SourceRange, source: String
  ) -> SourceLocation {
    let scalars = Array(source.unicodeScalars)
    var location = range.start
    var position = scalarIndex(of: range.start, in: source)
    func step() {
      let scalar = scalars[position]
      location.offset += String(scalar).utf8.count
      if scalar == "\n" {
        location.line += 1
        location.column = 1
      } else {
        location.column += 1
      }
      position += 1
    }
    step()  // the opening quote
    var decoded = 0
    while decoded < index, position < scalars.count, location.offset < range.end.offset - 1 {
      if scalars[position] == "\\", position + 1 < scalars.count,
        scalars[position + 1] == "'" || scalars[position + 1] == "\\"
      {
        step()
      }
      step()
      decoded += 1
    }
    return location
  }

  /// `location` moved forward by `count` scalars, not past `limit`.
  static func advance(
    _ location: SourceLocation, byScalars count: Int, in source: String, limit: SourceLocation
  ) -> SourceLocation {
    let scalars = Array(source.unicodeScalars)
    var result = location
    var position = scalarIndex(of: location, in: source)
    for _ in 0..<count where position < scalars.count && result.offset < limit.offset {
      result.offset += String(scalars[position]).utf8.count
      result.column += 1
      position += 1
    }
    return result
  }

  private static func scalarIndex(of location: SourceLocation, in source: String) -> Int {
    var offset = 0
    var index = 0
    for scalar in source.unicodeScalars {
      if offset >= location.offset { break }
      offset += String(scalar).utf8.count
      index += 1
    }
    return index
  }
}
