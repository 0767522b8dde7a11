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
  ) throws(Diagnostics) -> Program {
    try compile(source, options: options, regexPool: nil)
  }

  /// ``compile(_:options:)``, taking regexes already compiled for other programs from `pool`
  /// (a compiled regex is immutable and may be shared) and adding new ones to it.
  static func compile(
    _ source: String, options: CompileOptions, regexPool: RegexPool?
  ) throws(Diagnostics) -> Program {
    let expr: Expr
    do {
      expr = try Parser.parse(source, limits: options.parseLimits)
    } catch {
      throw Diagnostics([error])
    }
    let checked: CheckedExpression
    switch Checker.check(expr, source: source, options: options, regexPool: regexPool) {
    case .success(let result): checked = result
    case .failure(let failure): throw failure
    }
    var fastBuilder = FastPathBuilder()
    return Program(
      source: source, expression: expr, root: checked.root,
      fastPath: options.usesFastPath && StandardLibraryLayout.permitsFastPath
        ? fastBuilder.condition(checked.root) : nil,
      fastPathStorage: fastBuilder.storage,
      fieldPaths: checked.fieldPaths, options: options, regexes: RegexCache(checked.regexes),
      variableLevels: checked.variableLevels)
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

/// Folds the constant parts of the nodes the checker builds.
struct ConstantFolder {
  let source: String
  let limits: EvaluationLimits

  /// Evaluates nodes whose inputs are all constants, when that cannot fail. A folded node
  /// keeps the node it replaced (``Node/folded(_:original:)``) for explanations.
  func fold(_ node: Node) -> Node {
    switch node {
    case .constant, .folded, .field, .variable, .quantifier, .call, .call1, .call2, .temporal,
      .matches:
      return node
    case .chain(let firstNode, let allLinks):
      // Fold the constant prefix of the chain: `1 + 2 * 3 == 7 && a` becomes `true && a`.
      var executor = Executor(
        source: source, snapshot: .missing, context: .empty, limits: limits, levels: 0)
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
      source: source, snapshot: .missing, context: .empty, limits: limits, levels: 0)
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
