import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// Issue 17, "work proportional to the data inside a quantifier": comparisons, membership,
/// regex matches, declared-type reads and builtins over large data are charged to the step
/// limit (``Metering``) on every evaluation path, so a repeated expensive operation ends with
/// the step-limit error; the same rule over small data is unaffected.
@Suite("data work is metered")
struct DataMeteringTests {
  /// A rule, hostile data, and the same rule's small, ordinary data.
  struct Case: CustomStringConvertible, Sendable {
    var rule: String
    var hostile: String
    var ordinary: String
    var types: [String: FieldType] = [:]
    /// Whether the fast path decides the ordinary data (it must give up on the hostile).
    var fastPathDecides = true

    var description: String { rule }
  }

  static let limit = 2_000
  /// 640 bytes: 10 steps per comparison.
  static let long = String(repeating: "a", count: 640)
  static let elements200 = "[" + Array(repeating: "0", count: 200).joined(separator: ",") + "]"

  static func strings(_ text: String, count: Int) -> String {
    "[" + Array(repeating: "\"\(text)\"", count: count).joined(separator: ",") + "]"
  }

  /// 639 bytes and a different last one: as long as ``long``, not equal to it.
  static let longOther = String(repeating: "a", count: 639) + "b"

  static let cases: [Case] = [
    // 200 elements × (1 + 10) steps > 2,000; with short strings, 200 steps.
    Case(
      rule: "items.every(x => s == t)",
      hostile: #"{"items": \#(elements200), "s": "\#(long)", "t": "\#(long)"}"#,
      ordinary: #"{"items": \#(elements200), "s": "a", "t": "a"}"#),
    Case(
      rule: "items.every(x => s != t)",
      hostile: #"{"items": \#(elements200), "s": "\#(long)", "t": "\#(longOther)"}"#,
      ordinary: #"{"items": \#(elements200), "s": "a", "t": "b"}"#),
    Case(
      rule: "items.every(x => x != '\(longOther)')",
      hostile: #"{"items": \#(strings(long, count: 200))}"#,
      ordinary: #"{"items": \#(strings("a", count: 200))}"#),
    Case(
      rule: "items.every(x => s <= t)",
      hostile: #"{"items": \#(elements200), "s": "\#(long)", "t": "\#(long)"}"#,
      ordinary: #"{"items": \#(elements200), "s": "a", "t": "b"}"#),
    Case(
      rule: "items.every(x => x >= '\(long)')",
      hostile: #"{"items": \#(strings(long, count: 200))}"#,
      ordinary: #"{"items": \#(strings("b", count: 200))}"#),
    // 50 elements visited per `in`.
    Case(
      rule: "items.every(x => !(s in big))",
      hostile: #"{"items": \#(elements200), "s": "z", "big": \#(strings("a", count: 50))}"#,
      ordinary: #"{"items": \#(elements200), "s": "z", "big": ["a"]}"#,
      fastPathDecides: false),
    Case(
      rule: "items.every(x => bigint_sum(values) >= 0)",
      hostile: #"{"items": \#(elements200), "values": \#(elements200)}"#,
      ordinary: #"{"items": \#(elements200), "values": [1, 2]}"#),
    // The key is looked up among 21 members per call.
    Case(
      rule: "items.every(x => bigint_sum(rows, 'v') >= 0)",
      hostile: #"{"items": \#(elements200), "rows": [\#(wide)]}"#,
      ordinary: #"{"items": \#(elements200), "rows": [{"v": 1}]}"#),
    Case(
      rule: "items.every(x => unique(values))",
      hostile: #"{"items": \#(elements200), "values": ["b", "\#(long)"]}"#,
      ordinary: #"{"items": \#(elements200), "values": ["a", "b"]}"#,
      fastPathDecides: false),
    // An unanchored search over 2,001 bytes.
    Case(
      rule: "items.every(x => matches(s, 'b'))",
      hostile: #"{"items": \#(elements200), "s": "\#(String(repeating: "a", count: 2_000))b"}"#,
      ordinary: #"{"items": \#(elements200), "s": "ab"}"#),
    // An anchored match that backtracks thousands of times before it matches.
    Case(
      rule: "items.every(x => matches(s, '^(?:(a+)+x|a+$)'))",
      hostile: #"{"items": \#(elements200), "s": "aaaaaaaaaaaaaa"}"#,
      ordinary: #"{"items": \#(elements200), "s": "a"}"#),
    // A declared `string[]` is checked element by element at each read.
    Case(
      rule: "items.every(x => tags.length >= 0)",
      hostile: #"{"items": \#(elements200), "tags": \#(strings("t", count: 20))}"#,
      ordinary: #"{"items": \#(elements200), "tags": ["t"]}"#,
      types: ["tags": .stringArray], fastPathDecides: false),
    // A declared `bigint` digit string is parsed at each read.
    Case(
      rule: "items.every(x => bigint_gte(n, 0))",
      hostile: #"{"items": \#(elements200), "n": "\#(String(repeating: "9", count: 1_000))"}"#,
      ordinary: #"{"items": \#(elements200), "n": "9"}"#,
      types: ["n": .bigint]),
    Case(
      rule: "items.every(x => !changed(s))",
      hostile: #"{"items": \#(elements200), "s": "\#(long)", "_previous": {"s": "\#(long)"}}"#,
      ordinary: #"{"items": \#(elements200), "s": "a", "_previous": {"s": "a"}}"#,
      fastPathDecides: false),
  ]

  /// An object of 20 members: looking a key up in it costs 20 steps.
  static let wide =
    "{" + (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + ", \"v\": 1}"

  static func program(_ testCase: Case, maximumSteps: Int) throws -> Program {
    try Compiler.compile(
      testCase.rule,
      options: CompileOptions(
        types: FieldTypes(
          uniqueKeysWithValues: testCase.types.map { (FieldPath(parsing: $0.key)!, $0.value) }),
        evaluationLimits: EvaluationLimits(maximumSteps: maximumSteps)))
  }

  @Test(arguments: cases)
  func hostileDataEndsAtTheStepLimitOnEveryPath(_ testCase: Case) throws {
    let program = try Self.program(testCase, maximumSteps: Self.limit)
    let snapshot = try JSONReader.read(testCase.hostile)
    #expect(program.fastDecision(snapshot) == nil, "the fast path must give up")
    let outcomes = [
      ("evaluate", program.evaluate(snapshot)),
      ("general", program.evaluateOnGeneralPath(snapshot)),
      ("reference", program.evaluateWithReferenceInterpreter(snapshot)),
    ]
    for (path, outcome) in outcomes {
      guard case .error(let diagnostic) = outcome else {
        Issue.record("\(path): expected the step limit, got \(outcome)")
        continue
      }
      #expect(
        diagnostic.message.contains("evaluation step limit exceeded (2000 steps"),
        "\(path): \(diagnostic.message)")
    }
  }

  @Test(arguments: cases)
  func ordinaryDataIsUnaffected(_ testCase: Case) throws {
    let program = try Self.program(testCase, maximumSteps: Self.limit)
    let snapshot = try JSONReader.read(testCase.ordinary)
    #expect(program.evaluate(snapshot).kind == .pass)
    #expect(program.evaluateOnGeneralPath(snapshot).kind == .pass)
    #expect(program.evaluateWithReferenceInterpreter(snapshot).kind == .pass)
    if testCase.fastPathDecides {
      #expect(program.fastDecision(snapshot) == true)
    }
  }

  /// The charges themselves: the documented rates.
  @Test func theRates() throws {
    let long = Value.string(String(repeating: "x", count: 6_400))
    #expect(Metering.equality(long, long, within: .max) == 100)
    #expect(Metering.equality(long, .string("x"), within: .max) == 0)
    #expect(Metering.order(long, .string("y")) == 0)
    #expect(Metering.order(long, long) == 100)
    let array = Value.array(Array(repeating: .number(.small(1)), count: 1_000))
    #expect(Metering.size(of: array, within: .max) == 1_000)
    #expect(Metering.membership(.number(.small(2)), array, integers: false, within: .max) == 1_000)
    let nested = Value.array([array, long])
    #expect(Metering.size(of: nested, within: .max) == 2 + 1_000 + 100)
    // Counting stops soon after the budget is passed.
    #expect(Metering.size(of: .array([array, array, array]), within: 10) < 1_100)
    #expect(Metering.call(.constant, BuiltinArguments(array), within: .max) == 0)
    #expect(Metering.call(.argumentData, BuiltinArguments(array), within: .max) == 1_000)
  }
}
