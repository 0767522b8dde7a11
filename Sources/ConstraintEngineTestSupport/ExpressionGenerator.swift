import BigInt
import ConstraintEngine

/// A seeded generator of random *valid* expressions with matching snapshots, so property tests
/// and the eval fuzz target reach deep semantics (arithmetic, quantifiers, builtins, missing and
/// null values, type mismatches) rather than stopping at parse errors.
///
/// The same seed always gives the same sequence of cases.
public struct ExpressionGenerator {
  /// One generated case: an expression and a JSON snapshot (canonical text) to evaluate it on.
  public struct Case: Sendable, Hashable {
    public var expression: String
    public var snapshot: String
  }

  private var state: UInt64
  private var variables: [String] = []

  /// A generator whose cases are determined by `seed`.
  public init(seed: UInt64) {
    state = seed
  }

  /// The next case.
  public mutating func next() -> Case {
    variables = []
    let snapshot = JSONWriter.canonical(makeSnapshot())
    return Case(expression: boolean(depth: 4), snapshot: snapshot)
  }

  // MARK: random numbers (SplitMix64)

  private mutating func random() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  private mutating func below(_ bound: Int) -> Int { Int(random() % UInt64(bound)) }

  private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

  private mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

  // MARK: snapshots

  private static let words = ["", "a", "ab", "abc", "A", "b", "é", "x y", "10", "-3", "ACTIVE"]

  private mutating func scalar() -> Value {
    switch below(10) {
    case 0: return .null
    case 1: return .bool(chance(50))
    case 2: return .string(pick(Self.words))
    case 3: return .string(String(below(2_000_001) - 1_000_000))
    case 4: return .number(Number(significand: BigInt(below(20_001) - 10_000), scale: below(4)))
    case 5: return .number(Number(BigInt(1) << (60 + below(10)) - BigInt(below(3))))
    default: return .number(Number(below(41) - 20))
    }
  }

  private mutating func item() -> Value {
    var members: [(String, Value)] = [("v", .number(Number(below(21) - 10)))]
    if chance(80) { members.append(("s", .string(pick(Self.words)))) }
    if chance(70) { members.append(("id", .string("n\(below(5))"))) }
    if chance(20) { members.append(("v", scalar())) }
    return Self.object(uniqueMembers(members))
  }

  private static func object(_ members: [(String, Value)]) -> Value {
    .object(ObjectValue(members.map { (key: $0.0, value: $0.1) }))
  }

  private func uniqueMembers(_ members: [(String, Value)]) -> [(String, Value)] {
    var seen = Set<String>()
    var result: [(String, Value)] = []
    for (key, value) in members.reversed() where seen.insert(key).inserted {
      result.append((key, value))
    }
    return result.reversed()
  }

  private mutating func makeSnapshot() -> Value {
    var members: [(String, Value)] = []
    let fields: [(String, Value)] = [
      ("n", chance(85) ? .number(Number(below(201) - 100)) : scalar()),
      ("d", chance(85) ? .number(Number(significand: BigInt(below(2001) - 1000), scale: 2))
        : scalar()),
      ("m", chance(85) ? .string(String(below(1_000_001))) : scalar()),
      ("s", chance(85) ? .string(pick(Self.words)) : scalar()),
      ("b", chance(85) ? .bool(chance(50)) : scalar()),
      ("z", .null),
      ("nums", .array((0..<below(5)).map { _ in
        chance(90) ? .number(Number(below(11))) : scalar()
      })),
      ("items", .array((0..<below(4)).map { _ in item() })),
      ("o", Self.object([("x", scalar()), ("y", .number(Number(below(5))))])),
    ]
    for field in fields where chance(92) { members.append(field) }
    if chance(30) {
      members.append(("_previous", Self.object([("n", scalar()), ("s", scalar())])))
    }
    return Self.object(members)
  }

  // MARK: expressions

  private mutating func boolean(depth: Int) -> String {
    let leaf = depth <= 0
    switch below(leaf ? 6 : 17) {
    case 0: return pick(["true", "false", "b", "!b", "z == null", "o.x == null"])
    case 1: return "\(number(depth: depth - 1)) \(pick(["<", "<=", ">", ">=", "==", "!="])) "
      + number(depth: depth - 1)
    case 2: return "\(text(depth: depth - 1)) \(pick(["<", "==", "!=", ">="])) "
      + text(depth: depth - 1)
    // A path on one side: values of any two types meet at run time, never as a comparison
    // the checker can see is constant (which it rejects).
    case 3: return "\(any(depth: depth - 1)) \(pick(["==", "!="])) \(anyPath())"
    case 4: return "\(pick(["bigint_gte", "bigint_gt", "bigint_lte", "bigint_lt", "bigint_eq"]))("
      + "\(integerish()), \(integerish()))"
    case 5: return "is_bigint_coercible(\(any(depth: 0)))"
    case 6: return "!(\(boolean(depth: depth - 1)))"
    case 7, 8: return "(\(boolean(depth: depth - 1)) \(pick(["&&", "||", "=>"])) "
      + "\(boolean(depth: depth - 1)))"
    case 9, 10:
      let (collection, variable, body) = quantified(depth: depth)
      return "\(collection).\(pick(["every", "some", "none"]))(\(variable) => \(body))"
    case 11: return "\(number(depth: depth - 1)) in [\(number(depth: 0)), \(number(depth: 0)), 1]"
    case 12: return "matches(\(text(depth: 0)), "
      + "'\(pick(["^a", "b$", "[0-9]+", "(a|b)*c", "é", "^$"]))')"
    case 13: return "eq(\(anyPath()), \(any(depth: depth - 1)))"
    case 14: return pick(["unique_values(items, 'id')", "changed(n)", "changed(s)",
                          "is_valid_dag(items, 'id', 'v')"])
    case 15: return "type_of(\(any(depth: depth - 1))) == "
      + pick(["'number'", "'string'", "'null'", "'array'", "'undefined'", "s"])
    default: return "len(\(any(depth: depth - 1))) == \(pick(["0", "3", "n", "s"]))"
    }
  }

  /// A collection, a fresh variable and a boolean body that may use it.
  private mutating func quantified(depth: Int) -> (String, String, String) {
    let variable = "x\(variables.count)"
    let collection: String
    if let outer = variables.last, chance(20) {
      collection = "[\(outer).v, 1, 2]"
    } else {
      collection = pick(["items", "nums", "[1, 2, 3]", "[]", "o.x", "s"])
    }
    variables.append(variable)
    defer { variables.removeLast() }
    return (collection, variable, boolean(depth: depth - 2))
  }

  private mutating func number(depth: Int) -> String {
    if depth <= 0 || chance(30) { return numberLeaf() }
    switch below(7) {
    case 0, 1, 2: return "(\(number(depth: depth - 1)) \(pick(["+", "-", "*", "/", "%"])) "
      + "\(number(depth: depth - 1)))"
    case 3: return "-\(numberLeaf())"
    case 4:
      let (collection, variable, body) = quantified(depth: depth)
      return "\(collection).count(\(variable) => \(body))"
    case 5: return pick(["delta(n)", "len(s)", "len(items)", "bigint_sum(nums)",
                         "bigint_sum(items, 'v')"])
    default: return "\(pick(["nums", "items", "s", "o.x"])).length"
    }
  }

  private mutating func numberLeaf() -> String {
    if let variable = variables.last, chance(40) {
      return pick(["\(variable).v", variable, "\(variable).s.length"])
    }
    return pick(["n", "d", "m", "nums[0]", "nums[3]", "items[0].v", "o.y", "o.x", "0", "1",
                 "2.5", "-7", "0.1", "100000000000000000000", "3"])
  }

  private mutating func integerish() -> String {
    pick(["n", "m", "0", "'123'", "-5", "o.y", "nums[1]", "items[0].v", "s", "bigint_add(m, n)",
          "bigint_sum(nums)", "99999999999999999999"])
  }

  private mutating func text(depth: Int) -> String {
    if let variable = variables.last, chance(30) { return "\(variable).s" }
    return pick(["s", "'a'", "'b'", "''", "m", "items[0].s", "type_of(n)", "previous(s)",
                 "'\\'q\\''", "'é'"])
  }

  private mutating func anyPath() -> String {
    pick(["n", "s", "b", "o.x", "previous(n)", "z", "missing_field", "nums", "items", "o", "m"])
  }

  private mutating func any(depth: Int) -> String {
    switch below(5) {
    case 0: return number(depth: depth)
    case 1: return text(depth: depth)
    case 2: return pick(["[1, 2]", "nums", "items", "o", "null", "z", "missing_field", "[]"])
    case 3: return boolean(depth: min(depth, 1))
    default: return pick(["n", "s", "b", "o.x", "previous(n)"])
    }
  }
}
