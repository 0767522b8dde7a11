/// Declared field types, keyed by path.
public typealias FieldTypes = [FieldPath: FieldType]

/// A parsed expression that passed the checker: names resolved, builtins known, arities and
/// literal kinds right, literal types consistent.
struct CheckedExpression: Sendable {
  let expression: Expr
  /// Every snapshot field path the expression reads, sorted by text.
  let fieldPaths: [FieldPath]
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

/// Resolves names and builtins and rejects expressions that can never evaluate.
struct Checker {
  let registry: BuiltinRegistry
  let types: FieldTypes
  let source: String
  private(set) var diagnostics: [Diagnostic] = []
  private var scope: [String] = []
  private var paths: Set<FieldPath> = []
  private var typing: ComparisonTyping { ComparisonTyping(types: types, registry: registry) }

  init(registry: BuiltinRegistry, types: FieldTypes, source: String) {
    self.registry = registry
    self.types = types
    self.source = source
  }

  /// Checks a rule: the whole expression must be able to produce a boolean.
  static func check(
    _ expr: Expr, source: String, registry: BuiltinRegistry, types: FieldTypes
  ) -> Result<CheckedExpression, CompileFailure> {
    if let tooDeep = Checker.firstNodeBeyondHeight(expr, limit: maximumTreeHeight) {
      let message =
        "expression too large: it nests more than \(maximumTreeHeight) levels deep or chains "
        + "more than \(maximumChainLength) operators; split it into several rules"
      return .failure(
        CompileFailure(diagnostics: [Diagnostic(.expressionTooLarge, message, at: tooDeep)]))
    }
    var checker = Checker(registry: registry, types: types, source: source)
    let type = checker.check(expr)
    if type.isKnown && type != .boolean {
      checker.error(
        .notBoolean,
        "a rule must evaluate to a boolean, but this is \(type.article)", at: expr.range)
    }
    if !checker.diagnostics.isEmpty {
      return .failure(CompileFailure(diagnostics: checker.diagnostics))
    }
    let sorted = checker.paths.sorted { $0.description < $1.description }
    return .success(CheckedExpression(expression: expr, fieldPaths: sorted))
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

  mutating func check(_ expr: Expr) -> StaticType {
    switch expr.kind {
    case .number: return .number
    case .string: return .string
    case .bool: return .boolean
    case .null: return .null
    case .identifier, .member, .index:
      if let path = PathExpression.of(expr, scope: scope) {
        guard let fieldPath = path.fieldPath else { return .any }
        paths.insert(fieldPath)
        return types.declaredType(of: fieldPath)?.staticType ?? .any
      }
      switch expr.kind {
      case .member(let base, _, _): _ = check(base)
      case .index(let base, _): _ = check(base)
      default: break
      }
      return .any
    case .length(let base):
      let type = check(base)
      if type.isKnown && type != .array && type != .string {
        error(
          .operandType,
          "`.length` needs an array or a string, but `\(text(base))` is \(type.article)",
          at: base.range)
      }
      return .number
    case .quantifier(let quantifier, let receiver, let variable, _, let body):
      let receiverType = check(receiver)
      if receiverType.isKnown && receiverType != .array {
        error(
          .operandType, "`.\(quantifier.rawValue)` needs an array, but `\(text(receiver))` is "
            + receiverType.article, at: receiver.range)
      }
      scope.append(variable)
      let bodyType = check(body)
      scope.removeLast()
      requireBoolean(bodyType, body, role: "the body of `.\(quantifier.rawValue)`")
      return quantifier == .count ? .number : .boolean
    case .call(let name, let nameRange, let arguments):
      return checkCall(name, nameRange: nameRange, arguments: arguments, range: expr.range)
    case .array(let elements):
      for element in elements { _ = check(element) }
      return .array
    case .unary(let op, let operand):
      let type = check(operand)
      switch op {
      case .not:
        requireBoolean(type, operand, role: "the operand of `!`")
        return .boolean
      case .negate:
        if type.isKnown && type != .number {
          error(.operandType, "unary `-` needs a number, but `\(text(operand))` is \(type.article)",
            at: operand.range)
        }
        return .number
      }
    case .binary:
      // Walk the left spine iteratively: flat chains (`a && b && …`) are as tall as they
      // are long.
      let spine = expr.leftSpine
      var leftExpr = spine.first
      var left = check(spine.first)
      for link in spine.links {
        let right = check(link.rhs)
        left = checkBinary(
          link.op, leftExpr, left, link.rhs, right, operatorRange: link.operatorRange)
        leftExpr = link.node
      }
      return left
    }
  }

  private mutating func requireBoolean(_ type: StaticType, _ expr: Expr, role: String) {
    if type.isKnown && type != .boolean {
      error(
        .notBoolean, "\(role) must be a boolean, but `\(text(expr))` is \(type.article)",
        at: expr.range)
    }
  }

  private mutating func checkBinary(
    _ op: BinaryOperator, _ lhs: Expr, _ left: StaticType, _ rhs: Expr, _ right: StaticType,
    operatorRange: SourceRange
  ) -> StaticType {
    switch op {
    case .and, .or, .implies:
      requireBoolean(left, lhs, role: "each operand of `\(op.rawValue)`")
      requireBoolean(right, rhs, role: "each operand of `\(op.rawValue)`")
      return .boolean
    case .equal, .notEqual:
      checkComparison(op, lhs, left, rhs, right, operatorRange: operatorRange)
      return .boolean
    case .less, .lessEqual, .greater, .greaterEqual:
      for (type, operand) in [(left, lhs), (right, rhs)]
      where type.isKnown && type != .number && type != .string {
        error(
          .operandType,
          "`\(op.rawValue)` orders numbers or strings, but `\(text(operand))` is \(type.article)",
          at: operand.range)
      }
      if typing.mode(op, lhs, rhs, scope: scope) == .integers {
        checkComparison(op, lhs, left, rhs, right, operatorRange: operatorRange)
      } else if (left == .number && right == .string) || (left == .string && right == .number) {
        error(
          .constantComparison,
          "cannot order \(left.article) and \(right.article): `\(text(lhs))` and "
            + "`\(text(rhs))` never compare", at: operatorRange,
          notes: [DiagnosticNote("values of different types are never ordered")])
      }
      return .boolean
    case .in:
      checkMembership(lhs, left, rhs, right)
      return .boolean
    case .add, .subtract, .multiply, .divide, .remainder:
      for (type, operand) in [(left, lhs), (right, rhs)] where type.isKnown && type != .number {
        error(
          .operandType, "`\(op.rawValue)` needs numbers, but `\(text(operand))` is \(type.article)",
          at: operand.range)
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
    _ op: BinaryOperator, _ lhs: Expr, _ left: StaticType, _ rhs: Expr, _ right: StaticType,
    operatorRange: SourceRange, asElement: Bool = false
  ) {
    let operators =
      asElement ? "`in`" : op == .equal || op == .notEqual ? "`==` and `!=`" : "`\(op.rawValue)`"
    if typing.mode(op, lhs, rhs, scope: scope) == .integers {
      let lhsIsInteger = typing.isExactInteger(lhs, scope: scope)
      let (integer, other, otherType) = lhsIsInteger ? (lhs, rhs, right) : (rhs, lhs, left)
      if case .string(let literal) = other.kind {
        if ComparisonTyping.canonicalInteger(literal) == nil {
          error(
            .constantComparison,
            "`\(text(other))` is compared with the exact integer `\(text(integer))`, but it is "
              + "not an integer written canonically, so \(operators) could never hold as meant",
            at: other.range,
            notes: [
              DiagnosticNote(
                "a string literal compared with an exact integer must be `0` or digits without "
                  + "a leading zero, optionally after `-` (such as '0' or '1000000')")
            ])
        }
        return
      }
      if op == .equal || op == .notEqual,
        otherType == .boolean || otherType == .array || otherType == .object
      {
        error(
          .constantComparison,
          "`\(text(integer))` is an exact integer and `\(text(other))` is \(otherType.article): "
            + "they are never equal", at: operatorRange,
          notes: [DiagnosticNote("values of different types are never equal")])
      }
      return
    }
    if op == .equal || op == .notEqual {
      for (call, other) in [(lhs, rhs), (rhs, lhs)] {
        guard case .call(let name, _, _) = call.kind, case .string(let literal) = other.kind,
          let results = registry.lookup(name)?.stringResults,
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
          "`\(text(call))` is never `\(text(other))`, so \(consequence)", at: other.range,
          notes: notes)
        return
      }
    }
    guard op == .equal || op == .notEqual, left.isKnown, right.isKnown, left != .null,
      right != .null, left != right,
      !isFieldPath(lhs) || !isFieldPath(rhs)
    else { return }
    let constant = op == .equal ? "never true" : "always true"
    let verdict =
      asElement
      ? "the element can never be the one found" : "`\(op.rawValue)` between them is \(constant)"
    error(
      .constantComparison,
      "`\(text(lhs))` is \(left.article) and `\(text(rhs))` is \(right.article): \(verdict)",
      at: operatorRange,
      notes: [
        DiagnosticNote(
          "values of different types are never equal (there is no conversion); compare with "
            + "a literal of the same type")
      ])
  }

  /// `a in b`: the right side must be able to be an array or an object; over an array literal
  /// each element is compared as by `==` (a literal that can never equal the left side is an
  /// error); over an object the left side is a key, so it must be able to be a string.
  private mutating func checkMembership(
    _ lhs: Expr, _ left: StaticType, _ rhs: Expr, _ right: StaticType
  ) {
    switch right {
    case .any:
      return
    case .array:
      guard case .array(let elements) = rhs.kind else { return }
      for element in elements {
        checkComparison(
          .equal, lhs, left, element, Checker.literalType(element), operatorRange: element.range,
          asElement: true)
      }
    case .object:
      let isInteger = typing.isExactInteger(lhs, scope: scope)
      if isInteger || (left.isKnown && left != .string) {
        error(
          .operandType,
          "`in` over an object looks up a key, which is a string, but `\(text(lhs))` is "
            + (isInteger ? "an exact integer" : left.article), at: lhs.range)
      }
    default:
      error(
        .operandType,
        "`in` needs an array or an object on its right, but `\(text(rhs))` is \(right.article)",
        at: rhs.range)
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
    _ name: String, nameRange: SourceRange, arguments: [Expr], range: SourceRange
  ) -> StaticType {
    guard let builtin = registry.lookup(name) else {
      var notes: [DiagnosticNote] = []
      if let suggestion = Checker.closestName(to: name, among: registry.builtins.keys) {
        notes.append(DiagnosticNote("did you mean `\(suggestion)`?"))
      }
      error(.unknownFunction, "unknown function `\(name)`", at: nameRange, notes: notes)
      for argument in arguments { _ = check(argument) }
      return .any
    }
    let signature = builtin.signature
    let count = arguments.count
    if count < signature.minimumArity || count > (signature.maximumArity ?? Int.max) {
      error(
        .argumentCount, "`\(name)` takes \(Checker.arityText(signature)), but \(count) "
          + (count == 1 ? "was" : "were") + " given", at: range,
        notes: [DiagnosticNote("signature: \(Checker.signatureText(signature))")])
    }
    if builtin.operatorForm == .equality, count == 2 {
      let left = check(arguments[0])
      let right = check(arguments[1])
      checkComparison(.equal, arguments[0], left, arguments[1], right, operatorRange: nameRange)
      return .boolean
    }
    for (index, argument) in arguments.enumerated() {
      switch signature.parameter(at: index) ?? .value {
      case .value:
        _ = check(argument)
      case .stringLiteral:
        if case .string = argument.kind { break }
        error(
          .argumentForm,
          "argument \(index + 1) of `\(name)` must be a string literal (a field name or "
            + "option written in quotes, such as 'amount_micro')", at: argument.range)
      case .regexLiteral:
        if case .string = argument.kind { break }
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
          continue
        }
        paths.insert(fieldPath)
        paths.insert(fieldPath.underPrevious)
      }
    }
    switch signature.result {
    case .boolean: return .boolean
    case .integer, .bigint, .number: return .number
    case .string: return .string
    case .any: return .any
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

/// Compilation failed: one or more diagnostics (parse errors give exactly one).
public struct CompileFailure: Error, Sendable, Hashable {
  public var diagnostics: [Diagnostic]

  public init(diagnostics: [Diagnostic]) {
    self.diagnostics = diagnostics
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
