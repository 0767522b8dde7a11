/// The result of evaluating a rule against one snapshot.
public enum Outcome: Sendable, CustomStringConvertible {
  /// The rule holds.
  case pass
  /// The rule does not hold; the explanation lists the values that decided it (empty when
  /// evaluation was asked not to explain).
  case fail(Explanation)
  /// The rule could not be evaluated: the diagnostic points at the sub-expression and says why.
  case error(Diagnostic)
  /// A state-bearing builtin needed evaluation-context state that was not provided.
  case deferred(Diagnostic)

  /// The outcome's kind as a word: `pass`, `fail`, `error`, `deferred`.
  public var kind: OutcomeKind {
    switch self {
    case .pass: return .pass
    case .fail: return .fail
    case .error: return .error
    case .deferred: return .deferred
    }
  }

  public var description: String {
    switch self {
    case .pass: return "pass"
    case .fail: return "fail"
    case .error(let diagnostic): return "error: \(diagnostic.message)"
    case .deferred(let diagnostic): return "deferred: \(diagnostic.message)"
    }
  }
}

/// The four kinds of ``Outcome``.
public enum OutcomeKind: String, Sendable, Hashable, Codable, CaseIterable {
  case pass
  case fail
  case error
  case deferred
}

/// Why a rule failed: the sub-expressions that decided the result, each with its source range
/// and the value it had.
public struct Explanation: Sendable, Hashable {
  /// One deciding sub-expression.
  public struct Item: Sendable, Hashable {
    /// Where the sub-expression is in the rule's source.
    public var range: SourceRange
    /// The sub-expression's value, rendered (`1000000`, `"ACTIVE"`, `missing`).
    public var value: String
    /// Context, e.g. `element 3 of items`.
    public var context: String?

    public init(range: SourceRange, value: String, context: String? = nil) {
      self.range = range
      self.value = value
      self.context = context
    }
  }

  /// The deciding values, in the order the evaluation met them: at most ``maximumItems``.
  public var items: [Item]
  /// How many more deciding values there were beyond ``maximumItems`` (not kept).
  public var omittedItems: Int

  /// The most values one explanation keeps: a failing `a || b || …` of thousands of terms is
  /// decided by every term, and printing them all would drown the report.
  public static let maximumItems = 100

  public init(items: [Item] = [], omittedItems: Int = 0) {
    self.items = items
    self.omittedItems = omittedItems
  }

  public var isEmpty: Bool { items.isEmpty }
}
