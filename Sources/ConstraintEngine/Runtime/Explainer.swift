/// What the general evaluator (``Executor``) reports while it evaluates, when attached.
protocol EvaluationObserver {
  /// Whether the evaluator reports at all. False (``Unobserved``) lets the specialised
  /// evaluator drop every report at compile time.
  static var isObserving: Bool { get }
  /// The sub-expression at `range` evaluated to `result`.
  mutating func evaluated(_ range: SourceRange, _ result: Evaluated)
  /// The quantifier at `range` is about to evaluate its body for element `index`.
  mutating func iterating(_ range: SourceRange, index: Int)
}

/// No observer: evaluation reports nothing and pays nothing for it.
struct Unobserved: EvaluationObserver {
  static var isObserving: Bool { false }
  @inline(__always) func evaluated(_ range: SourceRange, _ result: Evaluated) {}
  @inline(__always) func iterating(_ range: SourceRange, index: Int) {}
}

/// The values one evaluation computed, by sub-expression (its source range, which identifies
/// it: ``Node``), in the spirit of cel-go's evaluation state. Each sub-expression keeps the
/// value it had last, and each quantifier the element it evaluated last: evaluation stops at
/// the element that decides a quantifier (the first false one of a failing `.every`, the first
/// true one of `.some` and `.none`), so the values kept under a decided quantifier are those of
/// its deciding element. Memory is bounded by the rule's size, not by the data's.
struct EvaluationRecord: EvaluationObserver {
  private struct Key: Hashable {
    var start: Int
    var end: Int
    init(_ range: SourceRange) {
      start = range.start.offset
      end = range.end.offset
    }
  }

  static var isObserving: Bool { true }
  private var values: [Key: Evaluated] = [:]
  private var iterations: [Key: Int] = [:]

  mutating func evaluated(_ range: SourceRange, _ result: Evaluated) {
    values[Key(range)] = result
  }

  mutating func iterating(_ range: SourceRange, index: Int) {
    iterations[Key(range)] = index
  }

  /// The last value of the sub-expression at `range` (nil: never evaluated).
  func value(at range: SourceRange) -> Evaluated? { values[Key(range)] }

  /// The element the quantifier at `range` evaluated last (nil: none).
  func lastIteration(at range: SourceRange) -> Int? { iterations[Key(range)] }
}

/// Explains why a rule evaluated to false from what its evaluation recorded: follows the
/// logic that decided the result and reports the values of the comparisons and calls at its
/// leaves, under their source ranges. It evaluates nothing of the snapshot again; only a
/// folded constant it must look into (`(1 + 1) > 3` compiled to `false`) is evaluated from its
/// literals.
struct Explainer {
  let source: String
  let context: EvaluationContext
  let limits: EvaluationLimits
  private var record: EvaluationRecord
  private var items = ExplanationItems()

  init(
    source: String, context: EvaluationContext, limits: EvaluationLimits,
    record: EvaluationRecord
  ) {
    self.source = source
    self.context = context
    self.limits = limits
    self.record = record
  }

  /// The explanation of a rule (`root`) that evaluated to false: its first
  /// ``Explanation/maximumItems`` distinct deciding values, and the count of the others.
  mutating func explainFailure(of root: Node) -> Explanation {
    explain(root, expected: false, context: nil)
    return Explanation(items: items.kept, omittedItems: items.omitted)
  }

  /// A sub-expression: a node, or the first links of a chain with its first operand (`a && b`
  /// of `a && b || c`), a slice of the chain rather than a copy.
  private enum Part {
    case node(Node)
    case chain(Node, ArraySlice<ChainLink>)
  }

  /// Records why `node` evaluated to `expected`.
  private mutating func explain(_ node: Node, expected: Bool, context: String?) {
    switch node {
    case .chain(let first, let links):
      explainChain(first, links[...], expected: expected, context: context)
    case .not(let operand, _):
      explain(operand, expected: !expected, context: context)
    case .quantifier(let quantifier, let receiver, let body, let site):
      explainQuantifier(quantifier, receiver, body, site, expected: expected, context: context)
    case .call1(_, let argument, let site):
      report([(.node(argument), site.operands[0])], context)
    case .call2(_, let first, let second, let site):
      report([(.node(first), site.operands[0]), (.node(second), site.operands[1])], context)
    case .call(_, let arguments, let site):
      report(zip(arguments, site.operands).map { (.node($0), $1) }, context)
    case .temporal(_, let access, _):
      report([(.node(.field(access)), access.range)], context)
    case .matches(let subject, _, let site):
      // The pattern is a string literal: nothing to report.
      report([(.node(subject), site.operands[0])], context)
    case .field, .variable, .access, .length, .negate:
      if let range = node.observedRange { report([(.node(node), range)], context) }
    case .folded(_, let original):
      // Decided by a constant computed when compiling: evaluate its literals, observed.
      var executor = Executor(
        source: source, snapshot: .missing, context: self.context, limits: limits, levels: 0,
        observer: record)
      _ = executor.evaluate(original)
      record = executor.observer
      explain(original, expected: expected, context: context)
    case .constant, .array:
      break
    }
  }

  private mutating func explain(_ part: Part, expected: Bool, context: String?) {
    switch part {
    case .node(let node): explain(node, expected: expected, context: context)
    case .chain(let first, let links):
      explainChain(first, links, expected: expected, context: context)
    }
  }

  /// Records why the chain `first links` evaluated to `expected`.
  private mutating func explainChain(
    _ first: Node, _ links: ArraySlice<ChainLink>, expected: Bool, context: String?
  ) {
    guard let last = links.last else {
      return explain(first, expected: expected, context: context)
    }
    let lhs = Part.chain(first, links.dropLast())
    switch last.op {
    case .and, .or:
      // `&&` false and `||` true are decided by their first deciding operand; the other
      // cases by every operand. A flat run of one operator is taken as one list (no recursion
      // along it).
      var start = links.endIndex
      while start > links.startIndex, links[start - 1].op == last.op { start -= 1 }
      let operands =
        [Part.chain(first, links[..<start])] + links[start...].map { Part.node($0.rhs) }
      if expected != (last.op == .and) {
        let deciding = operands.first { isTrue($0) == expected } ?? operands[operands.count - 1]
        explain(deciding, expected: expected, context: context)
      } else {
        for operand in operands { explain(operand, expected: expected, context: context) }
      }
    case .implies:
      if !expected {
        explain(lhs, expected: true, context: context)
        explain(last.rhs, expected: false, context: context)
      } else if isTrue(lhs) == false {
        explain(lhs, expected: false, context: context)
      } else {
        explain(last.rhs, expected: true, context: context)
      }
    default:
      report([(lhs, last.site.operands[0]), (.node(last.rhs), last.site.operands[1])], context)
    }
  }

  private mutating func explainQuantifier(
    _ quantifier: Quantifier, _ receiver: Node, _ body: Node, _ site: Site,
    expected: Bool, context: String?
  ) {
    let receiverRange = site.operands[0]
    guard case .value(.array(let elements))? = value(of: .node(receiver)) else {
      report([(.node(receiver), receiverRange)], context)
      return
    }
    // The element whose body result decided the quantifier: the first false one for a
    // failing `every`, the first true one for a passing `some` or a failing `none`.
    let wanted = quantifier.decidingBodyResult(forResult: expected)
    guard let wanted else {
      report([(.node(receiver), receiverRange)], context)
      return
    }
    // Evaluation stopped at the deciding element, so it is the last one evaluated.
    guard let index = record.lastIteration(at: site.range), index < elements.count,
      isTrue(.node(body)) == wanted
    else { return }
    let label = "element \(index) of `\(SourceText.slice(source, receiverRange))`"
    let nested = context.map { "\(label), in \($0)" } ?? label
    items.add(range: receiverRange, context: nested) { elements[index].shortDescription }
    explain(body, expected: wanted, context: nested)
  }

  /// Adds the value of each operand that is not a literal, under its range.
  private mutating func report(_ operands: [(part: Part, range: SourceRange)], _ context: String?)
  {
    for (part, range) in operands {
      if case .node(.constant) = part { continue }
      if case .chain(.constant, let links) = part, links.isEmpty { continue }
      let evaluated = value(of: part)
      items.add(range: range, context: context) {
        switch evaluated {
        case .value(let value)?: return value.shortDescription
        case .failure(let failure)?: return "error: \(failure.diagnostic.message)"
        case nil:
          // Every operand on the deciding path was evaluated; never reached.
          assertionFailure("an explained operand was not evaluated")
          return "not evaluated"
        }
      }
    }
  }

  /// The value `part` had when the rule was decided.
  private func value(of part: Part) -> Evaluated? {
    let node: Node
    switch part {
    case .node(let whole): node = whole
    case .chain(let first, let links):
      guard let last = links.last else { return value(of: .node(first)) }
      return record.value(at: last.site.range)
    }
    if let constant = node.constantValue { return .value(constant) }
    return node.observedRange.flatMap(record.value(at:))
  }

  private func isTrue(_ part: Part) -> Bool? {
    if case .value(.bool(let flag))? = value(of: part) { return flag }
    return nil
  }
}

/// The values an explanation records, each sub-expression once per context: the first
/// ``Explanation/maximumItems`` are kept, the others only counted (so a failing
/// `a || b || …` of 10,000 terms describes 100 values for its explanation, not all).
package struct ExplanationItems {
  private struct Key: Hashable {
    var start: Int
    var end: Int
    var context: String?
  }

  package private(set) var kept: [Explanation.Item] = []
  package private(set) var omitted = 0
  private var seen: Set<Key> = []

  package init() {}

  /// Records the value of the sub-expression at `range` (in `context`), computing it with
  /// `value` only if it is kept.
  package mutating func add(range: SourceRange, context: String?, value: () -> String) {
    guard seen.insert(Key(start: range.start.offset, end: range.end.offset, context: context))
      .inserted
    else { return }
    if kept.count < Explanation.maximumItems {
      kept.append(Explanation.Item(range: range, value: value(), context: context))
    } else {
      omitted += 1
    }
  }
}
