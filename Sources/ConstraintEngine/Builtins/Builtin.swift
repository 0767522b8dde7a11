/// What a builtin's argument must be, checked at compile time by the checker.
public enum BuiltinParameter: Sendable, Hashable {
  /// Any expression; its value is passed at run time.
  case value
  /// A string literal (field names such as `'amount_micro'`, enum names). The checker rejects
  /// anything else, so the builtin can rely on receiving a string.
  case stringLiteral
  /// A bare field path (`a.b.c`), as the temporal builtins take.
  case path
  /// A string literal holding a PCRE2 pattern, compiled when the program is compiled.
  case regexLiteral
}

/// The static result type a builtin declares, used by the checker to type expressions
/// (for example `'a' < len(x)` is a compile error).
public enum BuiltinResultType: Sendable, Hashable {
  case boolean
  case integer
  /// An exact integer in the bigint sense (`bigint_sum`, `bigint_add`, `bigint_sub`): compared
  /// with a string of decimal digits, it compares the integers (DESIGN, decision 5).
  case bigint
  case number
  case string
  /// Any value (`previous(p)`): checked at run time.
  case any
}

/// The declared shape of a builtin: its name, parameters and result type.
public struct BuiltinSignature: Sendable {
  public let name: String
  /// Parameters, in order. The last `optionalCount` may be omitted.
  public let parameters: [BuiltinParameter]
  public let optionalCount: Int
  /// When set, any number of further arguments of this kind may follow the parameters.
  public let variadic: BuiltinParameter?
  public let result: BuiltinResultType
  /// Whether the builtin belongs to the 52 of grammar v2.0 (`lint --portable` flags the rest).
  public let isPortable: Bool
  /// The family file it lives in (`bigint`, `temporal`, `collections`, …), for documentation.
  public let family: String

  public init(
    _ name: String,
    _ parameters: [BuiltinParameter],
    optional optionalCount: Int = 0,
    variadic: BuiltinParameter? = nil,
    result: BuiltinResultType,
    portable: Bool = true,
    family: String
  ) {
    self.name = name
    self.parameters = parameters
    self.optionalCount = optionalCount
    self.variadic = variadic
    self.result = result
    self.isPortable = portable
    self.family = family
  }

  /// The smallest number of arguments a call may pass.
  public var minimumArity: Int { parameters.count - optionalCount }
  /// The largest number of arguments a call may pass, nil when variadic.
  public var maximumArity: Int? { variadic == nil ? parameters.count : nil }

  /// The parameter kind for argument `index`, or nil past the end.
  public func parameter(at index: Int) -> BuiltinParameter? {
    if index < parameters.count { return parameters[index] }
    return variadic
  }
}

/// Why a builtin call did not produce a value.
public enum BuiltinFailure: Error, Sendable, Hashable {
  /// Argument `index` is unusable (wrong type, malformed, missing); the evaluator reports the
  /// message under that argument's source range.
  case invalidArgument(index: Int, message: String)
  /// The call as a whole failed (a cap exceeded, an inconsistent structure); reported under
  /// the call's range.
  case failed(String)
  /// The builtin needs evaluation-context state that was not provided: the outcome is
  /// *deferred*, never a silent pass.
  case deferred(String)

  /// The diagnostic code the evaluators report the failure under.
  public var code: DiagnosticCode {
    switch self {
    case .invalidArgument: return .builtinArgument
    case .failed: return .builtinFailed
    case .deferred: return .deferred
    }
  }
}

/// Up to four arguments stored inline, more in an array, so calls of scalar builtins do not
/// allocate.
public struct BuiltinArguments: Sendable {
  public let count: Int
  @usableFromInline let first: Value
  @usableFromInline let second: Value
  @usableFromInline let third: Value
  @usableFromInline let fourth: Value
  @usableFromInline let rest: [Value]

  public init(_ values: [Value]) {
    count = values.count
    first = values.count > 0 ? values[0] : .missing
    second = values.count > 1 ? values[1] : .missing
    third = values.count > 2 ? values[2] : .missing
    fourth = values.count > 3 ? values[3] : .missing
    rest = values.count > 4 ? Array(values[4...]) : []
  }

  public init(_ a: Value) {
    count = 1
    first = a
    second = .missing
    third = .missing
    fourth = .missing
    rest = []
  }

  public init(_ a: Value, _ b: Value) {
    count = 2
    first = a
    second = b
    third = .missing
    fourth = .missing
    rest = []
  }

  public init(_ a: Value, _ b: Value, _ c: Value) {
    count = 3
    first = a
    second = b
    third = c
    fourth = .missing
    rest = []
  }

  /// Argument `index`; `.missing` past `count` (an omitted optional argument).
  @inlinable
  public subscript(index: Int) -> Value {
    switch index {
    case 0: return count > 0 ? first : .missing
    case 1: return count > 1 ? second : .missing
    case 2: return count > 2 ? third : .missing
    case 3: return count > 3 ? fourth : .missing
    default: return index < count ? rest[index - 4] : .missing
    }
  }
}

/// A builtin's behaviour.
public enum BuiltinImplementation: Sendable {
  /// A function of the argument values and the evaluation context.
  case function(
    @Sendable (BuiltinArguments, EvaluationContext) throws(BuiltinFailure) -> Value)
  /// `changed`, `previous`, `delta`: compiled specially, they read a path in the snapshot and
  /// in its `_previous`.
  case temporal(TemporalBuiltin)
  /// `matches`: the pattern is compiled with the program.
  case regexMatch
}

/// The temporal builtins, evaluated by the compiler over `p` and `_previous.p`.
public enum TemporalBuiltin: String, Sendable, Hashable {
  case changed
  case previous
  case delta
}

/// A standard builtin that is a language operator by another name.
package enum OperatorForm: Sendable, Hashable {
  /// `eq(a, b)` is `a == b`, including its comparison mode (an exact integer against a digit
  /// string) and the checker's constant-comparison errors.
  case equality
}

/// A builtin: its signature (for the checker) and its implementation (for the evaluator).
public struct Builtin: Sendable {
  public let signature: BuiltinSignature
  public let implementation: BuiltinImplementation
  /// Set on the standard builtins the compiled program's fast path evaluates itself.
  let fastForm: FastBuiltin?
  /// Set on the standard builtins that are one of the language's operators under another
  /// name: every evaluation path compiles them as that operator.
  package let operatorForm: OperatorForm?
  /// For a standard builtin returning one of a few fixed strings (`type_of`): those strings.
  /// Comparing its result with any other string literal is a compile error.
  let stringResults: [String]?
  /// How a call is charged to the step limit (``Metering/call(_:_:within:)``).
  package let cost: BuiltinCost

  public init(_ signature: BuiltinSignature, _ implementation: BuiltinImplementation) {
    self.init(signature, implementation, fastForm: nil)
  }

  init(
    _ signature: BuiltinSignature, _ implementation: BuiltinImplementation,
    fastForm: FastBuiltin? = nil, operatorForm: OperatorForm? = nil,
    stringResults: [String]? = nil, cost: BuiltinCost = .argumentData
  ) {
    self.signature = signature
    self.implementation = implementation
    self.fastForm = fastForm
    self.operatorForm = operatorForm
    self.stringResults = stringResults
    self.cost = cost
  }

  public var name: String { signature.name }
}
