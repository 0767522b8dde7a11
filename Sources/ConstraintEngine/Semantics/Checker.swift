/// Declared field types, keyed by path.
public typealias FieldTypes = [FieldPath: FieldType]

/// A parsed expression that passed the checker, resolved once: its node tree (paths with their
/// declared types, variables as levels, builtins as functions, regexes compiled, comparison
/// modes fixed, constants folded), which the general evaluator, the fast path and explanations
/// all consume.
struct CheckedExpression: Sendable {
  let root: Node
  /// Every snapshot field path the expression reads, sorted by text.
  let fieldPaths: [FieldPath]
  /// The regexes the expression compiled, by pattern.
  let regexes: [String: CompiledRegex]
  /// The deepest quantifier nesting (the number of variable levels evaluation needs).
  let variableLevels: Int
}

/// What the checker found of one sub-expression.
struct Checked {
  let expr: Expr
  var type: StaticType
  /// The resolved node; nil when the sub-expression, or one inside it, has an error (which
  /// is reported).
  var node: Node?
  /// Whether it is an exact integer (``ComparisonMode/integers``).
  var isExactInteger = false
  /// A call of a builtin with a few fixed string results (`type_of`): those strings.
  var stringResults: [String]?
  /// An array literal's elements.
  var elements: [Checked] = []
}

/// Where a path expression starts.
package enum PathRoot: Equatable {
  case snapshot
  /// A quantifier variable.
  case variable(String)
}

/// A path expression split into its root and its steps.
package struct PathExpression {
  package var root: PathRoot
  package var components: [FieldPath.Component]

  /// The field path for a snapshot-rooted path.
  package var fieldPath: FieldPath? {
    root == .snapshot ? FieldPath(components) : nil
  }

  /// Decomposes identifier/member/index chains; nil for anything else.
  package static func of(_ expr: Expr, scope: [String]) -> PathExpression? {
    switch expr.kind {
    case .identifier(let name):
      if scope.contains(name) { return PathExpression(root: .variable(name), components: []) }
      return PathExpression(root: .snapshot, components: [.key(name)])
    case .member(let base, let name, _):
      guard var path = of(base, scope: scope) else { return nil }
      path.components.append(.key(name))
      return path
    case .index(let base, let index):
      guard var path = of(base, scope: scope) else { return nil }
      path.components.append(.index(index))
      return path
    default:
      return nil
    }
  }
}

extension FieldTypes {
  /// The declared type of `path`; a path under `_previous` has the type of the same path in
  /// the current snapshot.
  package func declaredType(of path: FieldPath) -> FieldType? {
    if let type = self[path] { return type }
    if let current = path.strippingPrevious { return self[current] }
    return nil
  }
}

/// Resolves names, paths and builtins, once, into the ``Node`` tree, and rejects expressions
/// that can never evaluate. Each name is looked up here only: the tree it builds carries every
/// resolution to the evaluators, the fast path and explanations.
struct Checker {
  let registry: BuiltinRegistry
  let types: FieldTypes
  let source: String
  let options: CompileOptions
  let regexPool: RegexPool?
  private(set) var diagnostics: [Diagnostic] = []
  /// Invalid patterns: reported only when the checker found nothing else (the patterns of a
  /// rule with other errors are not reported).
  private var regexDiagnostics: [Diagnostic] = []
  private var regexes: [String: CompiledRegex] = [:]
  private var scope: [String] = []
  private var maximumLevel = 0
  private var paths: Set<FieldPath> = []
  private let folder: ConstantFolder

  init(source: String, options: CompileOptions, regexPool: RegexPool?) {
    registry = options.registry
    types = options.types
    self.source = source
    self.options = options
    self.regexPool = regexPool
    folder = ConstantFolder(source: source, limits: options.evaluationLimits)
  }

  /// Checks a rule and resolves it: the whole expression must be able to produce a boolean.
  static func check(
    _ expr: Expr, source: String, options: CompileOptions, regexPool: RegexPool? = nil
  ) -> Result<CheckedExpression, Diagnostics> {
    if let tooDeep = Checker.firstNodeBeyondHeight(expr, limit: maximumTreeHeight) {
      let message =
        "expression too large: it nests more than \(maximumTreeHeight) levels deep or chains "
        + "more than \(maximumChainLength) operators; split it into several rules"
      return .failure(
        Diagnostics([Diagnostic(.expressionTooLarge, message, at: tooDeep)]))
    }
    var checker = Checker(source: source, options: options, regexPool: regexPool)
    let checked = checker.check(expr)
    if checked.type.isKnown && checked.type != .boolean {
      checker.error(
        .notBoolean,
        "a rule must evaluate to a boolean, but this is \(checked.type.article)", at: expr.range)
    }
    if !checker.diagnostics.isEmpty {
      return .failure(Diagnostics(checker.diagnostics))
    }
    if !checker.regexDiagnostics.isEmpty {
      return .failure(Diagnostics(checker.regexDiagnostics))
    }
    guard let root = checked.node else {
      preconditionFailure("the checker reports every sub-expression it cannot resolve")
    }
    let sorted = checker.paths.sorted { $0.description < $1.description }
    return .success(
      CheckedExpression(
        root: root, fieldPaths: sorted, regexes: checker.regexes,
        variableLevels: checker.maximumLevel))
  }

  /// The deepest recursion any tree walk (checker, compiler, evaluators, explainer) may need.
  /// Walks iterate along left spines (`a && b && …` parses into a left-leaning tree as tall
  /// as the chain is long), so only the other edges count. The parser's nesting limit keeps
  /// ordinary expressions far below this; it bounds, for instance, long `=>` chains, which
  /// nest to the right.
  static let maximumTreeHeight = 256

  /// The longest chain of binary operators along one left spine.
  static let maximumChainLength = 10_000

  /// The range of a node nested deeper than `limit` (not counting left-spine edges), or
  /// heading a left spine longer than ``maximumChainLength``; found without recursion.
  static func firstNodeBeyondHeight(_ root: Expr, limit: Int) -> SourceRange? {
    var stack: [(Expr, Int)] = [(root, 1)]
    while let (expr, depth) = stack.popLast() {
      if depth > limit { return expr.range }
      if case .binary = expr.kind {
        let spine = expr.leftSpine
        if spine.links.count > maximumChainLength { return expr.range }
        stack.append((spine.first, depth + 1))
        for link in spine.links { stack.append((link.rhs, depth + 1)) }
        continue
      }
      for child in expr.children { stack.append((child, depth + 1)) }
    }
    return nil
  }

  private mutating func error(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange,
    notes: [DiagnosticNote] = []
  ) {
    diagnostics.append(Diagnostic(code, message, at: range, notes: notes))
  }

  private func text(_ expr: Expr) -> String {
    SourceText.slice(source, expr.range)
  }

  /// Checks `expr` and resolves it into its (folded) node.
  mutating func check(_ expr: Expr) -> Checked {
    var checked = checkUnfolded(expr)
    checked.node = checked.node.map(folder.fold)
    return checked
  }

  private mutating func checkUnfolded(_ expr: Expr) -> Checked {
    let range = expr.range
    switch expr.kind {
    case .number(let digits):
      return Checked(expr: expr, type: .number, node: .constant(.number(Number(parsing: digits)!)))
    case .string(let text):
      return Checked(expr: expr, type: .string, node: .constant(.string(text)))
    case .bool(let flag):
      return Checked(expr: expr, type: .boolean, node: .constant(.bool(flag)))
    case .null: return Checked(expr: expr, type: .null, node: .constant(.null))
    case .identifier, .member, .index:
      if let path = PathExpression.of(expr, scope: scope) {
        switch path.root {
        case .variable(let name):
          let level = scope.lastIndex(of: name)!
          return Checked(
            expr: expr, type: .any,
            node: .variable(level: level, steps: path.components.map(PathStep.init), range: range))
        case .snapshot:
          let access = field(FieldPath(path.components), range: range)
          return Checked(
            expr: expr, type: access.type?.staticType ?? .any, node: .field(access),
            isExactInteger: access.type?.isBigint ?? false)
        }
      }
      let base: Checked
      let component: FieldPath.Component
      switch expr.kind {
      case .member(let baseExpr, let name, _): (base, component) = (check(baseExpr), .key(name))
      case .index(let baseExpr, let index): (base, component) = (check(baseExpr), .index(index))
      default: preconditionFailure("not an access")
      }
      return Checked(
        expr: expr, type: .any, node: base.node.map { .access($0, component, range: range) })
    case .length(let baseExpr):
      let base = check(baseExpr)
      if base.type.isKnown && base.type != .array && base.type != .string {
        error(
          .operandType,
          "`.length` needs an array or a string, but `\(text(baseExpr))` is \(base.type.article)",
          at: baseExpr.range)
      }
      return Checked(
        expr: expr, type: .number,
        node: base.node.map { .length($0, Site(range, operands: [baseExpr.range])) })
    case .quantifier(let quantifier, let receiverExpr, let variable, _, let bodyExpr):
      let receiver = check(receiverExpr)
      if receiver.type.isKnown && receiver.type != .array {
        error(
          .operandType,
          "`.\(quantifier.rawValue)` needs an array, but `\(text(receiverExpr))` is "
            + receiver.type.article, at: receiverExpr.range)
      }
      scope.append(variable)
      maximumLevel = max(maximumLevel, scope.count)
      let body = check(bodyExpr)
      scope.removeLast()
      requireBoolean(body.type, bodyExpr, role: "the body of `.\(quantifier.rawValue)`")
      var node: Node?
      if let receiverNode = receiver.node, let bodyNode = body.node {
        node = .quantifier(
          quantifier, receiver: receiverNode, body: bodyNode,
          Site(range, operands: [receiverExpr.range, bodyExpr.range], name: quantifier.rawValue))
      }
      return Checked(expr: expr, type: quantifier == .count ? .number : .boolean, node: node)
    case .call(let name, let nameRange, let arguments):
      return checkCall(expr, name, nameRange: nameRange, arguments: arguments)
    case .array(let elementExprs):
      let elements = elementExprs.map { check($0) }
      let nodes = elements.compactMap(\.node)
      return Checked(
        expr: expr, type: .array,
        node: nodes.count == elements.count ? .array(nodes, range: range) : nil,
        elements: elements)
    case .unary(let op, let operandExpr):
      let operand = check(operandExpr)
      let site = Site(range, operands: [operandExpr.range])
      switch op {
      case .not:
        requireBoolean(operand.type, operandExpr, role: "the operand of `!`")
        return Checked(expr: expr, type: .boolean, node: operand.node.map { .not($0, site) })
      case .negate:
        if operand.type.isKnown && operand.type != .number {
          error(
            .operandType,
            "unary `-` needs a number, but `\(text(operandExpr))` is \(operand.type.article)",
            at: operandExpr.range)
        }
        return Checked(expr: expr, type: .number, node: operand.node.map { .negate($0, site) })
      }
    case .binary:
      // Walk the left spine iteratively: flat chains (`a && b && …`) are as tall as they
      // are long.
      let spine = expr.leftSpine
      var left = check(spine.first)
      let first = left.node
      var links: [ChainLink]? = []
      links?.reserveCapacity(spine.links.count)
      for link in spine.links {
        let right = check(link.rhs)
        let mode = ComparisonTyping.mode(
          link.op, lhsIsExactInteger: left.isExactInteger,
          rhsIsExactInteger: right.isExactInteger)
        let type = checkBinary(
          link.op, left, right, mode: mode, operatorRange: link.operatorRange)
        if let rhs = right.node {
          let site = Site(
            link.node.range, operands: [left.expr.range, link.rhs.range], name: link.op.rawValue)
          links?.append(ChainLink(op: link.op, rhs: rhs, site: site, mode: mode))
        } else {
          links = nil
        }
        left = Checked(expr: link.node, type: type, node: nil)
      }
      guard let first, let links else { return Checked(expr: expr, type: left.type, node: nil) }
      return Checked(expr: expr, type: left.type, node: .chain(first, links))
    }
  }

  /// A snapshot path, read by the rule: resolved with its declared type.
  private mutating func field(_ path: FieldPath, range: SourceRange) -> FieldAccess {
    paths.insert(path)
    return FieldAccess(path: path, type: types.declaredType(of: path), range: range)
  }

  private mutating func requireBoolean(_ type: StaticType, _ expr: Expr, role: String) {
    if type.isKnown && type != .boolean {
      error(
        .notBoolean, "\(role) must be a boolean, but `\(text(expr))` is \(type.article)",
        at: expr.range)
    }
  }

  private mutating func checkBinary(
    _ op: BinaryOperator, _ lhs: Checked, _ rhs: Checked, mode: ComparisonMode,
    operatorRange: SourceRange
  ) -> StaticType {
    let (left, right) = (lhs.type, rhs.type)
    switch op {
    case .and, .or, .implies:
      requireBoolean(left, lhs.expr, role: "each operand of `\(op.rawValue)`")
      requireBoolean(right, rhs.expr, role: "each operand of `\(op.rawValue)`")
      return .boolean
    case .equal, .notEqual:
      checkComparison(op, lhs, rhs, mode: mode, operatorRange: operatorRange)
      return .boolean
    case .less, .lessEqual, .greater, .greaterEqual:
      for operand in [lhs, rhs]
      where operand.type.isKnown && operand.type != .number && operand.type != .string {
        error(
          .operandType,
          "`\(op.rawValue)` orders numbers or strings, but `\(text(operand.expr))` is "
            + operand.type.article, at: operand.expr.range)
      }
      if mode == .integers {
        checkComparison(op, lhs, rhs, mode: mode, operatorRange: operatorRange)
      } else if (left == .number && right == .string) || (left == .string && right == .number) {
        error(
          .constantComparison,
          "cannot order \(left.article) and \(right.article): `\(text(lhs.expr))` and "
            + "`\(text(rhs.expr))` never compare", at: operatorRange,
          notes: [DiagnosticNote("values of different types are never ordered")])
      }
      return .boolean
    case .in:
      checkMembership(lhs, rhs)
      return .boolean
    case .add, .subtract, .multiply, .divide, .remainder:
      for operand in [lhs, rhs] where operand.type.isKnown && operand.type != .number {
        error(
          .operandType,
          "`\(op.rawValue)` needs numbers, but `\(text(operand.expr))` is \(operand.type.article)",
          at: operand.expr.range)
      }
      return .number
    }
  }

  /// `==`, `!=` (and, for exact integers, the orderings): rejects comparisons whose result
  /// the operand types already decide. With an exact integer on one side
  /// (``ComparisonMode/integers``), a string literal on the other must be a canonical integer
  /// and the other side must not be a boolean, an array or an object. Otherwise, two known,
  /// different types (neither null) never compare equal; that is a constant when one side
  /// cannot be missing or null (anything but a field path).
  private mutating func checkComparison(
    _ op: BinaryOperator, _ lhs: Checked, _ rhs: Checked, mode: ComparisonMode,
    operatorRange: SourceRange, asElement: Bool = false
  ) {
    let operators =
      asElement ? "`in`" : op == .equal || op == .notEqual ? "`==` and `!=`" : "`\(op.rawValue)`"
    if mode == .integers {
      let (integer, other) = lhs.isExactInteger ? (lhs.expr, rhs) : (rhs.expr, lhs)
      if case .string(let literal) = other.expr.kind {
        if ComparisonTyping.canonicalInteger(literal) == nil {
          error(
            .constantComparison,
            "`\(text(other.expr))` is compared with the exact integer `\(text(integer))`, but "
              + "it is not an integer written canonically, so \(operators) could never hold as "
              + "meant", at: other.expr.range,
            notes: [
              DiagnosticNote(
                "a string literal compared with an exact integer must be `0` or digits without "
                  + "a leading zero, optionally after `-` (such as '0' or '1000000')")
            ])
        }
        return
      }
      if op == .equal || op == .notEqual,
        other.type == .boolean || other.type == .array || other.type == .object
      {
        error(
          .constantComparison,
          "`\(text(integer))` is an exact integer and `\(text(other.expr))` is "
            + "\(other.type.article): they are never equal", at: operatorRange,
          notes: [DiagnosticNote("values of different types are never equal")])
      }
      return
    }
    if op == .equal || op == .notEqual {
      for (call, other) in [(lhs, rhs), (rhs, lhs)] {
        guard case .call(let name, _, _) = call.expr.kind,
          case .string(let literal) = other.expr.kind, let results = call.stringResults,
          !results.contains(where: { Value.scalarsEqual($0, literal) })
        else { continue }
        var notes = [
          DiagnosticNote(
            "`\(name)` returns one of " + results.map { "'\($0)'" }.joined(separator: ", "))
        ]
        if name == "type_of" && literal == "bigint" {
          notes.append(
            DiagnosticNote(
              "integers of any size are 'number' here; `is_bigint_coercible(v)` tests for an "
                + "integer or a digit string"))
        }
        let consequence =
          asElement
          ? "that element can never match"
          : "`\(op.rawValue)` here is \(op == .equal ? "never true" : "always true")"
        error(
          .constantComparison,
          "`\(text(call.expr))` is never `\(text(other.expr))`, so \(consequence)",
          at: other.expr.range, notes: notes)
        return
      }
    }
    let (left, right) = (lhs.type, rhs.type)
    guard op == .equal || op == .notEqual, left.isKnown, right.isKnown, left != .null,
      right != .null, left != right,
      !isFieldPath(lhs.expr) || !isFieldPath(rhs.expr)
    else { return }
    let constant = op == .equal ? "never true" : "always true"
    let verdict =
      asElement
      ? "the element can never be the one found" : "`\(op.rawValue)` between them is \(constant)"
    error(
      .constantComparison,
      "`\(text(lhs.expr))` is \(left.article) and `\(text(rhs.expr))` is \(right.article): "
        + verdict, at: operatorRange,
      notes: [
        DiagnosticNote(
          "values of different types are never equal (there is no conversion); compare with "
            + "a literal of the same type")
      ])
  }

  /// `a in b`: the right side must be able to be an array or an object; over an array literal
  /// each element is compared as by `==` (a literal that can never equal the left side is an
  /// error); over an object the left side is a key, so it must be able to be a string.
  private mutating func checkMembership(_ lhs: Checked, _ rhs: Checked) {
    switch rhs.type {
    case .any:
      return
    case .array:
      guard case .array = rhs.expr.kind else { return }
      for var element in rhs.elements {
        element.type = Checker.literalType(element.expr)
        checkComparison(
          .equal, lhs, element,
          mode: ComparisonTyping.mode(
            .equal, lhsIsExactInteger: lhs.isExactInteger,
            rhsIsExactInteger: element.isExactInteger),
          operatorRange: element.expr.range, asElement: true)
      }
    case .object:
      if lhs.isExactInteger || (lhs.type.isKnown && lhs.type != .string) {
        error(
          .operandType,
          "`in` over an object looks up a key, which is a string, but `\(text(lhs.expr))` is "
            + (lhs.isExactInteger ? "an exact integer" : lhs.type.article), at: lhs.expr.range)
      }
    default:
      error(
        .operandType,
        "`in` needs an array or an object on its right, but `\(text(rhs.expr))` is "
          + rhs.type.article, at: rhs.expr.range)
    }
  }

  /// The static type of a literal (`any` for anything else), without checking it again.
  static func literalType(_ expr: Expr) -> StaticType {
    switch expr.kind {
    case .number: return .number
    case .string: return .string
    case .bool: return .boolean
    case .null: return .null
    case .array: return .array
    default: return .any
    }
  }

  /// Whether `expr` reads a path (of the snapshot or of a quantifier variable): such a value
  /// may be missing or null, whatever its declared type.
  private func isFieldPath(_ expr: Expr) -> Bool {
    switch expr.kind {
    case .identifier, .member, .index: return true
    default: return false
    }
  }

  private mutating func checkCall(
    _ expr: Expr, _ name: String, nameRange: SourceRange, arguments: [Expr]
  ) -> Checked {
    let range = expr.range
    guard let builtin = registry.lookup(name) else {
      var notes: [DiagnosticNote] = []
      if let suggestion = Checker.closestName(to: name, among: registry.builtins.keys) {
        notes.append(DiagnosticNote("did you mean `\(suggestion)`?"))
      }
      error(.unknownFunction, "unknown function `\(name)`", at: nameRange, notes: notes)
      for argument in arguments { _ = check(argument) }
      return Checked(expr: expr, type: .any, node: nil)
    }
    let signature = builtin.signature
    let count = arguments.count
    let arityHolds = count >= signature.minimumArity && count <= (signature.maximumArity ?? .max)
    if !arityHolds {
      error(
        .argumentCount, "`\(name)` takes \(Checker.arityText(signature)), but \(count) "
          + (count == 1 ? "was" : "were") + " given", at: range,
        notes: [DiagnosticNote("signature: \(Checker.signatureText(signature))")])
    }
    if builtin.operatorForm == .equality, count == 2 {
      let (left, right) = (check(arguments[0]), check(arguments[1]))
      let mode = ComparisonTyping.mode(
        .equal, lhsIsExactInteger: left.isExactInteger, rhsIsExactInteger: right.isExactInteger)
      checkComparison(.equal, left, right, mode: mode, operatorRange: nameRange)
      var node: Node?
      if arityHolds, let first = left.node, let second = right.node {
        let site = Site(range, operands: [arguments[0].range, arguments[1].range], name: name)
        node = .chain(first, [ChainLink(op: .equal, rhs: second, site: site, mode: mode)])
      }
      return Checked(expr: expr, type: .boolean, node: node)
    }
    var nodes: [Node] = []
    /// The snapshot path of each `.path` argument (nil where it is not one).
    var pathArguments: [FieldAccess?] = []
    for (index, argument) in arguments.enumerated() {
      var access: FieldAccess?
      switch signature.parameter(at: index) ?? .value {
      case .value:
        if let node = check(argument).node { nodes.append(node) }
      case .stringLiteral:
        if case .string(let text) = argument.kind {
          nodes.append(.constant(.string(text)))
          break
        }
        error(
          .argumentForm,
          "argument \(index + 1) of `\(name)` must be a string literal (a field name or "
            + "option written in quotes, such as 'amount_micro')", at: argument.range)
      case .regexLiteral:
        if case .string(let text) = argument.kind {
          nodes.append(.constant(.string(text)))
          break
        }
        error(
          .argumentForm,
          "the pattern of `\(name)` must be a string literal: patterns are compiled once, "
            + "with the rule, never built from data", at: argument.range)
      case .path:
        guard let path = PathExpression.of(argument, scope: scope), let fieldPath = path.fieldPath
        else {
          error(
            .argumentForm,
            "the argument of `\(name)` must be a field path of the snapshot, such as "
              + "`budget.spent_micro`", at: argument.range)
          break
        }
        access = field(fieldPath, range: argument.range)
        paths.insert(fieldPath.underPrevious)
        nodes.append(.field(access!))
      }
      pathArguments.append(access)
    }
    var checked = Checked(
      expr: expr, type: Checker.staticType(signature.result), node: nil,
      stringResults: builtin.stringResults)
    let pathArgument = count == 1 ? pathArguments[0] : nil
    checked.isExactInteger = ComparisonTyping.isExactInteger(
      calling: builtin, pathArgumentIsBigint: pathArgument?.type?.isBigint ?? false)
    guard arityHolds, nodes.count == count else { return checked }
    let site = Site(
      range, operands: arguments.map(\.range), name: name, cost: builtin.cost,
      fastForm: builtin.fastForm)
    switch builtin.implementation {
    case .temporal(let temporal):
      guard let pathArgument else { return checked }
      checked.node = .temporal(temporal, pathArgument, site)
    case .regexMatch:
      guard count == 2, case .string(let pattern) = arguments[1].kind,
        let regex = compileRegex(pattern, literal: arguments[1])
      else { return checked }
      checked.node = .matches(nodes[0], regex, site)
    case .function(let function):
      switch nodes.count {
      case 1: checked.node = .call1(function, nodes[0], site)
      case 2: checked.node = .call2(function, nodes[0], nodes[1], site)
      default: checked.node = .call(function, nodes, site)
      }
    }
    return checked
  }

  /// The static type of a builtin's result.
  private static func staticType(_ result: BuiltinResultType) -> StaticType {
    switch result {
    case .boolean: return .boolean
    case .integer, .bigint, .number: return .number
    case .string: return .string
    case .any: return .any
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
      let regex = try CompiledRegex(compiling: pattern, limits: options.regexLimits)
      regexes[pattern] = regex
      regexPool?.add(regex, pattern: pattern, limits: options.regexLimits)
      return regex
    } catch {
      let location = StringLiteralMap.sourceLocation(
        ofDecodedScalar: error.patternScalarOffset, inLiteral: literal.range, source: source)
      let end = StringLiteralMap.advance(
        location, byScalars: 1, in: source, limit: literal.range.end)
      regexDiagnostics.append(
        Diagnostic(
          .invalidRegex, "invalid regular expression: \(error.message)",
          at: SourceRange(start: location, end: end)))
      return nil
    }
  }

  static func arityText(_ signature: BuiltinSignature) -> String {
    let minimum = signature.minimumArity
    func plural(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }
    guard let maximum = signature.maximumArity else { return "at least \(plural(minimum))" }
    if minimum == maximum { return plural(minimum) }
    return "\(minimum) to \(maximum) arguments"
  }

  static func signatureText(_ signature: BuiltinSignature) -> String {
    var parts: [String] = []
    for (index, parameter) in signature.parameters.enumerated() {
      var text: String
      switch parameter {
      case .value: text = "value"
      case .stringLiteral: text = "'field'"
      case .path: text = "path"
      case .regexLiteral: text = "'pattern'"
      }
      if index >= signature.minimumArity { text += "?" }
      parts.append(text)
    }
    if signature.variadic != nil { parts.append("…") }
    return "\(signature.name)(\(parts.joined(separator: ", ")))"
  }

  /// The known name nearest to `name` by edit distance, when it is close enough to be a typo.
  static func closestName<S: Sequence<String>>(to name: String, among names: S) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in names {
      let distance = editDistance(Array(name.utf8), Array(candidate.utf8))
      if distance <= max(2, name.utf8.count / 3), distance < (best?.distance ?? Int.max)
        || (distance == best?.distance && candidate < best!.name)
      {
        best = (candidate, distance)
      }
    }
    return best?.name
  }

  static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}

/// Helpers over source text and ranges.
package enum SourceText {
  /// The text covered by `range` (UTF-8 offsets).
  package static func slice(_ source: String, _ range: SourceRange) -> String {
    let utf8 = source.utf8
    let count = utf8.count
    let start = Swift.min(Swift.max(range.start.offset, 0), count)
    let end = Swift.min(Swift.max(range.end.offset, start), count)
    let startIndex = utf8.index(utf8.startIndex, offsetBy: start)
    let endIndex = utf8.index(startIndex, offsetBy: end - start)
    return String(decoding: utf8[startIndex..<endIndex], as: UTF8.self)
  }
}

extension Expr {
  /// The direct sub-expressions, in source order.
  package var children: [Expr] {
    switch kind {
    case .number, .string, .bool, .null, .identifier: return []
    case .member(let base, _, _), .index(let base, _), .length(let base): return [base]
    case .quantifier(_, let receiver, _, _, let body): return [receiver, body]
    case .call(_, _, let arguments): return arguments
    case .array(let elements): return elements
    case .unary(_, let operand): return [operand]
    case .binary(_, let lhs, let rhs, _): return [lhs, rhs]
    }
  }
}

/// A binary expression seen as its left spine: `((a op1 b) op2 c) op3 d` is `a` followed by
/// the links `op1 b`, `op2 c`, `op3 d`, in evaluation order.
package struct LeftSpine {
  package struct Link {
    /// The binary node this link completes (its left operand is everything before).
    package var node: Expr
    package var op: BinaryOperator
    package var rhs: Expr
    package var operatorRange: SourceRange
  }

  package var first: Expr
  package var links: [Link]
}

extension Expr {
  /// This expression's left spine; a non-binary expression is a spine without links.
  package var leftSpine: LeftSpine {
    var links: [LeftSpine.Link] = []
    var current = self
    while case .binary(let op, let lhs, let rhs, let operatorRange) = current.kind {
      links.append(LeftSpine.Link(node: current, op: op, rhs: rhs, operatorRange: operatorRange))
      current = lhs
    }
    return LeftSpine(first: current, links: links.reversed())
  }
}
