import Synchronization

/// A compiled rule: immutable and `Sendable`, compiled once and evaluated any number of times,
/// from any number of threads at once.
public final class Program: Sendable {
  /// The rule's source text (diagnostic ranges refer to it).
  public let source: String
  /// The parsed expression. Not kept from compilation: evaluating and explaining use the
  /// compiled nodes only (tools and the reference interpreter read the tree), and one tree per
  /// program was a third of a large rule set's memory. It is parsed again at the first use and
  /// kept from then on (the source parsed when the program was compiled, under the same
  /// limits, so it gives the same tree).
  public var expression: Expr {
    if let parsed = parsedExpression.withLock({ $0 }) { return parsed }
    let parsed: Expr
    do {
      parsed = try Parser.parse(source, limits: options.parseLimits)
    } catch {
      preconditionFailure("a compiled program's source no longer parses: \(error)")
    }
    parsedExpression.withLock { $0 = parsed }
    return parsed
  }
  private let parsedExpression = Mutex<Expr?>(nil)
  /// The whole expression's range.
  let expressionRange: SourceRange
  /// Every snapshot field path the rule reads, sorted.
  public let fieldPaths: [FieldPath]
  /// The options the rule was compiled with (declared types, limits, builtins).
  public let options: CompileOptions
  let root: Node
  /// The common case, decided without diagnostics (nil: the rule always takes the general
  /// path), kept in ``fastPathStorage`` so that reaching it touches no reference count.
  let fastRoot: FastPathRoot?
  /// The memory the fast path's reads point into.
  let fastPathStorage: FastPathStorage
  package let regexes: RegexCache
  let variableLevels: Int

  init(
    source: String, expression: Expr, root: Node, fastPath: FastCondition?,
    fastPathStorage: FastPathStorage,
    fieldPaths: [FieldPath], options: CompileOptions, regexes: RegexCache, variableLevels: Int
  ) {
    self.source = source
    expressionRange = expression.range
    self.root = root
    self.fastRoot = fastPath.map { FastPathRoot($0, storage: fastPathStorage) }
    self.fastPathStorage = fastPathStorage
    self.fieldPaths = fieldPaths
    self.options = options
    self.regexes = regexes
    self.variableLevels = variableLevels
  }

  /// Evaluates the rule against `snapshot`. With `explain`, a failing outcome carries the
  /// values that decided it (``explainedFailure(_:context:)``).
  public func evaluate(
    _ snapshot: Value, context: EvaluationContext = .empty, explain: Bool = false
  ) -> Outcome {
    switch fastDecision(snapshot) {
    case true?: return .pass
    case false?:
      return explain ? explainedFailure(snapshot, context: context) : .fail(Explanation())
    case nil: return evaluateOnGeneralPath(snapshot, context: context, explain: explain)
    }
  }

  /// The fast path's decision, or nil when it leaves the rule to the general path (or the
  /// rule has no fast path).
  package func fastDecision(_ snapshot: Value) -> Bool? {
    guard let fastRoot else { return nil }
    return FastEvaluator.decide(
      fastRoot, snapshot: snapshot, levels: variableLevels,
      maximumSteps: options.evaluationLimits.maximumSteps)
  }

  /// The fast path's condition (nil: none).
  var fastPath: FastCondition? { fastRoot?.condition.pointee }

  /// Evaluates with the compiled nodes only, without the fast path; with `explain`, a failure
  /// is explained (``explainedFailure(_:context:)``).
  package func evaluateOnGeneralPath(
    _ snapshot: Value, context: EvaluationContext = .empty, explain: Bool = false
  ) -> Outcome {
    var executor = Executor(
      source: source, snapshot: snapshot, context: context, limits: options.evaluationLimits,
      levels: variableLevels)
    let result = executor.evaluate(root)
    if explain, case .value(.bool(false)) = result {
      return explainedFailure(snapshot, context: context)
    }
    return outcome(result, explanation: nil)
  }

  /// A failing rule decided, and explained, by the general evaluator with an
  /// ``EvaluationRecord`` attached: it records the value of every sub-expression it evaluates,
  /// and ``Explainer`` follows the logic that decided over those values. Only failures are
  /// observed: a failure found unobserved (by the fast path or the general path) is evaluated
  /// again, observed (evaluation is deterministic and has no side effects), so passing
  /// snapshots never pay for recording. The outcome returned is the observed evaluation's.
  private func explainedFailure(_ snapshot: Value, context: EvaluationContext) -> Outcome {
    var executor = Executor(
      source: source, snapshot: snapshot, context: context, limits: options.evaluationLimits,
      levels: variableLevels, observer: EvaluationRecord())
    let result = executor.evaluate(root)
    var explainer = Explainer(
      source: source, context: context, limits: options.evaluationLimits,
      record: executor.observer)
    return outcome(result, explanation: { explainer.explainFailure(of: self.root) })
  }

  /// The outcome of the root's evaluation: a fail carries `explanation` (empty when nil).
  @inline(__always)
  private func outcome(
    _ result: Evaluated, explanation: (() -> Explanation)?
  ) -> Outcome {
    switch result {
    case .value(.bool(true)): return .pass
    case .value(.bool(false)): return .fail(explanation?() ?? Explanation())
    case .value(let other):
      return .error(
        Diagnostic(
          .resultNotBoolean,
          "a rule must evaluate to a boolean, but this is \(article(other.typeName))",
          at: expressionRange))
    case .failure(let failure):
      return failure.outcome
    }
  }

  /// Whether the rule holds, without building explanations or diagnostics' notes: the
  /// cheapest check (errors and deferrals count as not holding).
  public func holds(_ snapshot: Value, context: EvaluationContext = .empty) -> Bool {
    if let decision = fastDecision(snapshot) { return decision }
    var executor = Executor(
      source: source, snapshot: snapshot, context: context, limits: options.evaluationLimits,
      levels: variableLevels)
    if case .value(.bool(true)) = executor.evaluate(root) { return true }
    return false
  }
}

/// Evaluates compiled nodes against one snapshot: the general evaluator. `Observer` sees the
/// value of every sub-expression it evaluates; with ``Unobserved`` (the default) every report
/// is compiled away, so evaluation without an observer costs nothing extra.
struct Executor<Observer: EvaluationObserver> {
  let source: String
  let snapshot: Value
  let context: EvaluationContext
  let limits: EvaluationLimits
  private(set) var observer: Observer
  private var variables: [Value]
  private var steps = 0

  init(
    source: String, snapshot: Value, context: EvaluationContext, limits: EvaluationLimits,
    levels: Int, observer: Observer
  ) {
    self.source = source
    self.snapshot = snapshot
    self.context = context
    self.limits = limits
    self.observer = observer
    self.variables = []
    if levels > 0 { variables.reserveCapacity(levels) }
  }

  /// The steps left before the limit.
  private var remainingSteps: Int { limits.maximumSteps &- steps }

  /// Charges `cost` steps (``Metering``): the step-limit failure at `range` once past the
  /// limit, nil otherwise.
  @inline(__always)
  private mutating func charge(_ cost: Int, at range: SourceRange) -> Evaluated? {
    steps &+= cost
    guard steps > limits.maximumSteps else { return nil }
    return .failure(EvaluationFailure(.stepLimit, limits.stepLimitMessage, at: range))
  }

  private func failure(
    _ result: OperationFailure, _ site: Site
  ) -> Evaluated {
    let operands = site.operands.map { SourceText.slice(source, $0) }
    let range = result.operandIndex.map { site.operands[$0] } ?? site.range
    return .failure(EvaluationFailure(result.code, result.message(operands: operands), at: range))
  }

  /// Evaluates `node`, reporting its value to the observer.
  @inline(__always)
  mutating func evaluate(_ node: Node) -> Evaluated {
    let result = evaluateUnobserved(node)
    if Observer.isObserving, let range = node.observedRange {
      observer.evaluated(range, result)
    }
    return result
  }

  private mutating func evaluateUnobserved(_ node: Node) -> Evaluated {
    switch node {
    case .constant(let value), .folded(let value, _):
      return .value(value)
    case .field(let access):
      return read(access)
    case .variable(let level, let steps, _):
      return .value(PathStep.resolve(steps, in: variables[level]))
    case .access(let base, let step, _):
      let evaluated = evaluate(base)
      guard case .value(let value) = evaluated else { return evaluated }
      switch step {
      case .key(let key): return .value(value[key])
      case .index(let index): return .value(value[index])
      }
    case .length(let base, let site):
      let evaluated = evaluate(base)
      guard case .value(let value) = evaluated else { return evaluated }
      switch Operations.length(value) {
      case .success(let length): return .value(length)
      case .failure(let error): return failure(error, site)
      }
    case .not(let operand, let site):
      switch Logic.operand(evaluate(operand), role: "the operand of `!`", range: site.operands[0])
      {
      case .boolean(let flag): return .value(.bool(!flag))
      case .failure(let failure): return .failure(failure)
      }
    case .negate(let operand, let site):
      let evaluated = evaluate(operand)
      guard case .value(let value) = evaluated else { return evaluated }
      switch Operations.negate(value) {
      case .success(let negated): return .value(negated)
      case .failure(let error): return failure(error, site)
      }
    case .chain(let first, let links):
      var result = evaluate(first)
      for link in links {
        result = apply(link, to: result)
        // The chain so far is a sub-expression (`a && b` of `a && b || c`).
        if Observer.isObserving { observer.evaluated(link.site.range, result) }
      }
      return result
    case .quantifier(let quantifier, let receiver, let body, let site):
      return evaluateQuantifier(quantifier, receiver, body, site)
    case .array(let elements, _):
      switch Evaluated.values(of: elements, { evaluate($0) }) {
      case .success(let values): return .value(.array(values))
      case .failure(let failure): return .failure(failure)
      }
    case .call1(let function, let argument, let site):
      let evaluated = evaluate(argument)
      guard case .value(let a) = evaluated else { return evaluated }
      return call(function, BuiltinArguments(a), site)
    case .call2(let function, let first, let second, let site):
      let left = evaluate(first)
      guard case .value(let a) = left else { return left }
      let right = evaluate(second)
      guard case .value(let b) = right else { return right }
      return call(function, BuiltinArguments(a, b), site)
    case .call(let function, let arguments, let site):
      switch Evaluated.values(of: arguments, { evaluate($0) }) {
      case .success(let values): return call(function, BuiltinArguments(values), site)
      case .failure(let failure): return .failure(failure)
      }
    case .temporal(let temporal, let access, let site):
      if Observer.isObserving {
        // The argument's value, as reading it would give (not charged: observing must not
        // change the outcome).
        observer.evaluated(
          access.range,
          DeclaredType.admit(
            access.type, access.resolve(in: snapshot), path: access.path, range: access.range))
      }
      var cost = 0
      let result = Temporal.evaluate(
        temporal, path: access.path, type: access.type, snapshot: snapshot,
        argumentRange: access.range, argumentText: SourceText.slice(source, access.range),
        cost: &cost, budget: remainingSteps)
      return charge(cost, at: site.range) ?? result
    case .matches(let subject, let regex, let site):
      let evaluated = evaluate(subject)
      guard case .value(let value) = evaluated else { return evaluated }
      var cost = 0
      let result = RegexCache.match(
        regex, subject: value, subjectText: SourceText.slice(source, site.operands[0]),
        subjectRange: site.operands[0], callRange: site.range, cost: &cost)
      return charge(cost, at: site.range) ?? result
    }
  }

  /// Applies one binary operator to the chain's value so far (`left`) and its right operand,
  /// with short-circuit and error absorption for the logical operators. `left` is taken owned:
  /// the chain hands over its value, so the operand is moved out of it, not copied (borrowed,
  /// each comparison copied and destroyed both operands around the shared BinaryRule).
  mutating func apply(_ link: ChainLink, to left: __owned Evaluated) -> Evaluated {
    let site = link.site
    switch link.op {
    case .and, .or, .implies:
      if let decided = Logic.shortCircuit(link.op, left) { return decided }
      return Logic.connect(
        link.op, left, evaluate(link.rhs), leftRange: site.operands[0],
        rightRange: site.operands[1])
    default:
      guard case .value(let a) = left else { return left }
      let right = evaluate(link.rhs)
      guard case .value(let b) = right else { return right }
      switch BinaryRule.apply(
        link.op, a, b, integers: link.mode == .integers, limits: limits, steps: &steps)
      {
      case .success(let value): return .value(value)
      case .failure(.stepLimit):
        return .failure(EvaluationFailure(.stepLimit, limits.stepLimitMessage, at: site.range))
      case .failure(.operation(let error)): return failure(error, site)
      }
    }
  }

  private mutating func read(_ access: FieldAccess) -> Evaluated {
    let value = access.resolve(in: snapshot)
    guard let type = access.type else { return .value(value) }
    if let limit = charge(Metering.coercion(value, to: type), at: access.range) { return limit }
    return DeclaredType.admit(type, value, path: access.path, range: access.range)
  }

  @inline(__always)
  private mutating func call(
    _ function: BuiltinFunction, _ arguments: BuiltinArguments, _ site: Site
  ) -> Evaluated {
    let cost = Metering.call(site.cost, arguments, within: remainingSteps)
    if let limit = charge(cost, at: site.range) { return limit }
    do {
      return .value(try function(arguments, context))
    } catch let failure {
      return .failure(
        BuiltinCall.failure(
          failure, name: site.name, argumentRanges: site.operands, source: source,
          range: site.range))
    }
  }

  private mutating func evaluateQuantifier(
    _ quantifier: Quantifier, _ receiver: Node, _ body: Node, _ site: Site
  ) -> Evaluated {
    let evaluated = evaluate(receiver)
    guard case .value(let collection) = evaluated else { return evaluated }
    let receiverRange = site.operands[0]
    guard case .array(let elements) = collection else {
      return .failure(
        quantifier.receiverFailure(
          collection, receiverText: SourceText.slice(source, receiverRange), at: receiverRange))
    }
    var loop = QuantifierLoop(quantifier)
    var index = 0
    let level = variables.count
    variables.append(.missing)
    defer { variables.removeLast() }
    for element in elements {
      if Observer.isObserving {
        observer.iterating(site.range, index: index)
        index += 1
      }
      steps += 1
      if steps > limits.maximumSteps {
        return .failure(EvaluationFailure(.stepLimit, limits.stepLimitMessage, at: site.range))
      }
      variables[level] = element
      let operand = Logic.operand(
        evaluate(body), role: "the body of `.\(quantifier.rawValue)`", range: site.operands[1])
      if let decided = loop.take(operand) { return decided }
    }
    return loop.result
  }
}

extension Executor where Observer == Unobserved {
  init(
    source: String, snapshot: Value, context: EvaluationContext, limits: EvaluationLimits,
    levels: Int
  ) {
    self.init(
      source: source, snapshot: snapshot, context: context, limits: limits, levels: levels,
      observer: Unobserved())
  }
}
