import ConstraintEngineTestSupport
import Foundation
import Testing

@testable import ConstraintEngine

/// Issue 21, seventh round: lines decided from where their fields lie, without building a
/// value (``SlotReader``), exactly as the value path decides them, and left to it otherwise.
@Suite("Slot reading")
struct SlotReadingTests {
  static let lean = FuzzChecks.slotRuleSets()[0]
  static let leanKeys = ["limit", "spent", "allocation", "reserve", "payment", "cost", "floor"]

  static func reader(_ ruleSet: RuleSet, explain: Bool = false) -> SlotReader {
    let indexes = Array(ruleSet.rules.indices)
    return SlotReader(
      plan: ruleSet.slotPlan(ruleIndexes: indexes)!,
      reader: JSONDocumentReader(projection: ruleSet.readProjection(ruleIndexes: indexes)),
      explain: explain)
  }

  static func decide(_ text: String, _ slots: SlotReader) -> UInt64? {
    FuzzChecks.decide(Array(text.utf8), with: slots)
  }

  // MARK: Which rule sets qualify

  @Test(
    arguments: [
      ("bigint_gte(limit, spent)", true),
      ("bigint_lt(a, b) || bigint_eq(b, c) || bigint_gt(c, a)", true),
      ("bigint_gte(limit, spent) && limit > 5", false),
      ("bigint_gte(limit, 5)", true),
      ("bigint_gte(a.b, -5) || bigint_lt(a.c, 9000000000000000000)", true),
      ("bigint_gte(5, limit)", false),
      ("bigint_gte(limit, '007')", false),
      ("state == 'ACTIVE' || state == 'PAST_DUE'", true),
      ("a.state != 'x' && bigint_gte(a.b, 1)", true),
      ("state == 5", false),
      ("state < 'b'", false),
      ("state == null", true),
      ("previous(state) == 'x'", true),
      ("'x' != previous(a.state) || a.state == 'x'", true),
      ("previous(state) == 5", false),
      ("bigint_gte(a.b, c)", true),
      ("bigint_gte(budget.limit_micro, budget.spent_micro)", true),
      ("bigint_gte(a.b.c, d.e) && bigint_lt(a.b.d, a.c)", true),
      ("bigint_gte(a, a.b)", true),
      ("bigint_gte(a.b, a.b.c)", true),
      ("payment != null => bigint_gte(payment.amount, cost)", true),
      ("!(a == null) && !bigint_lt(a.b, 2)", true),
      ("a.b == null || bigint_gte(c, 1)", true),
      ("bigint_gte(limit, spent) && a.every(x => bigint_gte(x, 1))", false),
      ("bigint_gte(limit, spent) && matches(a, '^x$')", true),
      ("matches(a.b, '^(0|-?[1-9][0-9]*)$')", true),
      // Patterns the automaton does not take: PCRE2 decides them on the value path.
      ("matches(a, 'x')", false),
      ("matches(a, '^(a+)+$')", false),
      ("bigint_eq(bigint_sum(items, 'amount'), 0)", true),
      ("bigint_lt(7, bigint_sum(a.items, 'amount'))", true),
      ("bigint_eq(bigint_sum(items), 0)", false),
      ("bigint_eq(bigint_sum(items, 'amount'), limit)", false),
      ("items.some(i => matches(i.kind, '^[a-z]+$') || i.kind == null)", true),
      ("items.every(i => i.b.every(j => bigint_gte(j.c, 1)))", false),
      ("items.every(i => i.kind == 'x')", false),
      ("items.every(i => bigint_gte(i.a.b, 1))", false),
      ("items.count(i => bigint_gte(i.a, 1)) == 1", false),
      ("bigint_gte(a[0], b)", false),
      ("bigint_gte(a.b, previous(a.b))", false),
      ("limit >= spent", false),
      ("bigint_gte(limit, spent) && (bigint_gte(a, b) || bigint_gte(b, c))", true),
      ("items.every(i => bigint_gte(i.a, i.b))", true),
    ])
  func ruleSetsQualifyWithTheFormsSlotsDecide(_ expression: String, _ qualifies: Bool)
    throws
  {
    let ruleSet = try ReadProjectionTests.ruleSet([expression])
    #expect((ruleSet.slotPlan(ruleIndexes: [0]) != nil) == qualifies, "\(expression)")
  }

  @Test func everyRuleMustQualifyAndKeysAreSharedBetweenRules() throws {
    let ruleSet = try ReadProjectionTests.ruleSet([
      "bigint_gte(limit, spent)", "bigint_lt(spent, limit) && bigint_eq(cost, cost)", "x == 1",
    ])
    #expect(ruleSet.slotPlan(ruleIndexes: [0, 1, 2]) == nil)
    let plan = try #require(ruleSet.slotPlan(ruleIndexes: [0, 1]))
    #expect(plan.keys.keys == ["limit", "spent", "cost"])
    #expect(plan.ruleCount == 2)
  }

  // MARK: Slots

  @Test func slotsRecordEachKindWhereItLies() {
    let slots = Self.reader(Self.lean)
    let text =
      #"{"limit":"0012","spent":"\u0031","allocation":12,"reserve":true,"payment":{"a":1},"#
      + #""cost":[1],"other":"9"}"#
    #expect(Self.decide(text, slots) == nil)
    #expect(slots.lastFallback == .undecided)
    let recorded = slots.recordedSlots
    #expect(
      recorded.map(\.kind) == [
        .plainString, .escapedString, .number, .literal, .object, .array, .absent,
      ])
    #expect(recorded[0].digits && recorded[0].count == 4)
    let bytes = Array(text.utf8)
    #expect(Array(bytes[recorded[0].start..<recorded[0].start + 4]) == Array("0012".utf8))
    #expect(bytes[recorded[2].start] == UInt8(ascii: "1") && recorded[2].count == 2)
  }

  @Test(
    arguments: [
      // Escaped values and keys, wrong kinds, long and signed digit strings, absent fields.
      (#"{"limit":"\u0031","spent":"1"}"#, SlotFallback.undecided),
      (#"{"\u006cimit":"1","spent":"1"}"#, .unread),
      (#"{"limit":1,"spent":"1"}"#, .undecided),
      (#"{"limit":"1234567890123456","spent":"1"}"#, .undecided),
      (#"{"limit":"-1","spent":"1"}"#, .undecided),
      (#"{"limit":"","spent":"1"}"#, .undecided),
      (#"{"spent":"1"}"#, .undecided),
      // Not an object, malformed, duplicate keys.
      (#"["limit"]"#, .unread),
      (#"{"limit":"1","spent":"1""#, .unread),
      (#"{"limit":"1","spent":"1","limit":"2"}"#, .unread),
      (#"{"limit":"1","spent":"1"} x"#, .unread),
    ])
  func linesTheSlotsCannotDecideAreLeftToTheValuePath(_ text: String, _ reason: SlotFallback)
    throws
  {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_gte(limit, spent)"])
    let slots = Self.reader(ruleSet)
    #expect(Self.decide(text, slots) == nil, "\(text)")
    #expect(slots.lastFallback == reason, "\(text)")
    #expect(slots.fallbackLines == 1 && slots.decidedLines == 0)
    #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
  }

  @Test func aFailureIsLeftToTheValuePathWhenExplained() throws {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_gte(limit, spent)", "bigint_lt(a, b)"])
    let explaining = Self.reader(ruleSet, explain: true)
    #expect(Self.decide(#"{"limit":"5","spent":"4","a":"1","b":"2"}"#, explaining) == 0)
    #expect(explaining.decidedLines == 1)
    #expect(Self.decide(#"{"limit":"5","spent":"6","a":"1","b":"2"}"#, explaining) == nil)
    #expect(explaining.lastFallback == .explanation)
    let plain = Self.reader(ruleSet)
    #expect(Self.decide(#"{"limit":"5","spent":"6","a":"3","b":"2"}"#, plain) == 0b11)
    #expect(Self.decide(#"{ "limit" : "7" , "spent":"6","a":"1","b":"2" }"#, plain) == 0)
    #expect(plain.decidedLines == 2 && plain.fallbackLines == 0)
  }

  // MARK: Nested fields

  static let nested = FuzzChecks.slotRuleSets()[3]

  @Test func nestedFieldsAreRecordedBelowTheirObjects() throws {
    let plan = try #require(Self.nested.slotPlan(ruleIndexes: [0, 1, 2, 3, 4, 5, 6]))
    #expect(
      plan.paths == [
        ["budget", "limit"], ["budget", "spent"], ["prev", "budget", "spent"], ["a", "b"],
        ["limit"], ["a", "c", "d"], ["a_key_longer_than_sixteen", "x"], ["a", "s"],
        ["prev", "s"],
      ])
    #expect(plan.keys.keys == ["budget", "prev", "a", "limit", "a_key_longer_than_sixteen"])
    #expect(plan.constants.count == 5)
    let slots = Self.reader(Self.nested)
    let text =
      #"{"a":{"c":{"d":"3"},"b":"7","z":[{"b":"1"}]},"budget":{"spent":"5","limit":"09"},"#
      + #""limit":"7","prev":{"budget":{"spent":"6"},"x":1},"#
      + #""a_key_longer_than_sixteen":{ "x" : "2" }}"#
    // `a.c.d` is not below `a_key_longer_than_sixteen.x`; `limit` is not above 10; `a.s` and
    // `prev.s` are absent (the strings' rules are left to the value path).
    #expect(Self.decide(text, slots) == nil)
    let withStrings = text.replacingOccurrences(of: #""b":"7""#, with: #""b":"7","s":"""#)
      .replacingOccurrences(of: #""x":1}"#, with: #""x":1,"s":"y"}"#)
    // `a.s` is empty, `prev.s` is not "x", `budget.spent` is below `prev.budget.spent`.
    #expect(Self.decide(withStrings, slots) == 0b1011_0100)
    let recorded = slots.recordedSlots
    #expect(recorded.prefix(7).allSatisfy { $0.kind == .plainString && $0.digits })
    #expect(recorded[7].kind == .plainString && recorded[7].count == 0)
    let bytes = Array(withStrings.utf8)
    #expect(Array(bytes[recorded[0].start..<recorded[0].start + 2]) == Array("09".utf8))
    #expect(slots.decidedLines == 1)
    #expect(FuzzChecks.slotDifference(Array(withStrings.utf8)) == nil)
  }

  @Test(
    arguments: [
      // An object the paths go through that is absent, not an object, or empty.
      (#"{"limit":"1","spent":"1"}"#, SlotFallback.undecided),
      (#"{"budget":null}"#, .undecided),
      (#"{"budget":"12"}"#, .undecided),
      (#"{"budget":["1","2"]}"#, .undecided),
      (#"{"budget":{}}"#, .undecided),
      (#"{"budget":{"limit":"2"}}"#, .undecided),
      (#"{"budget":{"limit":"2","spent":{"a":"1"}}}"#, .undecided),
      (#"{"budget":{"limit":"2","spent":"1\u0030"}}"#, .undecided),
      // Escaped or repeated keys in an object read for slots; a repeated key elsewhere.
      (#"{"budget":{"\u006cimit":"2","spent":"1"}}"#, .unread),
      (#"{"budget":{"lim\u0069t":"2","spent":"1"}}"#, .unread),
      (#"{"budget":{"limit":"2","spent":"1","limit":"2"}}"#, .unread),
      (#"{"budget":{"limit":"2","spent":"1"},"budget":{"limit":"2","spent":"1"}}"#, .unread),
      (#"{"budget":{"limit":"2","spent":"1","x":1,"x":2}}"#, .unread),
      (#"{"budget":{"limit":"2","spent":"1"},"other":{"x":1,"x":2}}"#, .unread),
      // A repeated key among more than 16 others, in an object read for slots and in one
      // skipped below it.
      ("{\"budget\":{" + Self.wideMembers + "\"k3\":2,\"limit\":\"2\",\"spent\":\"1\"}}", .unread),
      (
        "{\"budget\":{\"limit\":\"2\",\"w\":{" + Self.wideMembers
          + "\"k19\":0},\"spent\":\"1\"}}", .unread
      ),
      // Malformed inside an object read for slots.
      (#"{"budget":{"limit":"2","spent":"1",}}"#, .unread),
      (#"{"budget":{"limit":"2" "spent":"1"}}"#, .unread),
      (#"{"budget":{"limit":"2","spent":"1"}"#, .unread),
      (#"{"budget":{"limit":"2","spent":01}}"#, .unread),
    ])
  func nestedLinesTheSlotsCannotDecideAreLeftToTheValuePath(
    _ text: String, _ reason: SlotFallback
  ) throws {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_gte(budget.limit, budget.spent)"])
    let slots = Self.reader(ruleSet)
    #expect(Self.decide(text, slots) == nil, "\(text)")
    #expect(slots.lastFallback == reason, "\(text)")
    #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
  }

  /// Twenty members `"k0":0,` … `"k19":19,`.
  static let wideMembers = (0..<20).map { "\"k\($0)\":\($0)," }.joined()

  @Test func wideObjectsAboveAndBelowAreReadForSlots() throws {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_gte(budget.limit, budget.spent)"])
    let slots = Self.reader(ruleSet)
    let wide = "{" + Self.wideMembers + "\"last\":{" + Self.wideMembers + "\"z\":0}}"
    for (text, failing) in [
      ("{\"budget\":{" + Self.wideMembers + "\"limit\":\"2\",\"spent\":\"1\"}}", 0),
      ("{\"budget\":{\"limit\":\"2\",\"w\":\(wide),\"spent\":\"3\"}}", 1),
      ("{" + Self.wideMembers + "\"budget\":{\"spent\":\"3\",\"limit\":\"3\"},\"x\":\(wide)}", 0),
    ] as [(String, UInt64)] {
      #expect(Self.decide(text, slots) == failing, "\(text)")
      #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
    }
    #expect(slots.decidedLines == 3)
  }

  @Test func nestedObjectsCountTowardTheDocumentLimits() throws {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_gte(a.b.c, a.b.d)"])
    let indexes = [0]
    let text = #"{"a":{"b":{"c":"2","d":"1"}}}"#
    // Five values: the root, a, b and the two strings; three levels deep.
    for (values, depth, decided) in [(5, 3, true), (4, 3, false), (5, 2, false)] {
      var limits = JSONLimits()
      limits.maximumValues = values
      limits.maximumDepth = depth
      let slots = SlotReader(
        plan: ruleSet.slotPlan(ruleIndexes: indexes)!,
        reader: JSONDocumentReader(
          limits: limits, projection: ruleSet.readProjection(ruleIndexes: indexes)),
        explain: false)
      #expect((Self.decide(text, slots) != nil) == decided, "\(values) values, depth \(depth)")
      let full = Result { () throws(Diagnostic) -> Value in
        try JSONReader.read(Array(text.utf8), limits: limits)
      }
      #expect((try? full.get()) != nil || !decided)
    }
  }

  /// A line over the nested rule set's fields: objects absent, of other kinds, repeated or
  /// reordered, keys escaped, other members, and now and then cut short or spoiled.
  static func nestedLine(_ random: inout SeededGenerator) -> [UInt8] {
    func maybe(_ oneIn: Int) -> Bool { Int.random(in: 0..<oneIn, using: &random) == 0 }
    func object(_ members: [(String, String)]) -> String {
      var members = members.filter { _ in !maybe(20) }
      if maybe(5) { members.shuffle(using: &random) }
      if maybe(25), let first = members.first { members.append(first) }
      if maybe(8) {
        let other = [
          ("note", "\"x\""), ("z", "[{\"b\":\"1\"},{}]"), ("limi", "\"1\""),
          ("\\u0062", "\"2\""), ("sp\\u0065nt", "\"3\""), ("caf\u{E9}", "1"),
        ].randomElement(using: &random)!
        members.insert(other, at: Int.random(in: 0...members.count, using: &random))
      }
      if maybe(30) { return ["null", "\"1\"", "[]", "{}", "7"].randomElement(using: &random)! }
      let separator = [",", ",", ", ", " ,\n"].randomElement(using: &random)!
      return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: separator) + "}"
    }
    func field() -> String {
      guard maybe(2) else { return fieldText(&random) }
      let count = Int.random(in: 1...15, using: &random)
      return "\"" + String((0..<count).map { _ in "0123456789".randomElement(using: &random)! })
        + "\""
    }
    func text() -> String {
      [
        "\"ACTIVE\"", "\"ACTIVE\"", "\"caf\u{E9}\"", "\"cafe\"", "\"\"", "\"x\"", "\"y\"",
        "\"ACTIV\\u0045\"", "\"ACTIVEE\"", "null", "1", "[\"ACTIVE\"]",
      ].randomElement(using: &random)!
    }
    let budget = object([("limit", field()), ("spent", field())])
    let text = object([
      ("budget", budget), ("limit", field()),
      ("prev", object([("budget", object([("spent", field())])), ("x", "1"), ("s", text())])),
      ("a", object([("b", field()), ("c", object([("d", field())])), ("s", text())])),
      ("a_key_longer_than_sixteen", object([("x", field())])),
    ])
    return spoiled(text, &random)
  }

  /// `text`'s bytes, now and then (one line in 40 each) cut short, or with a byte made invalid
  /// UTF-8 or a quote.
  static func spoiled(_ text: String, _ random: inout SeededGenerator) -> [UInt8] {
    var bytes = Array(text.utf8)
    switch Int.random(in: 0..<40, using: &random) {
    case 0: bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...)
    case 1: bytes[Int.random(in: 0..<bytes.count, using: &random)] = 0xFF
    case 2: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8(ascii: "\"")
    default: break
    }
    return bytes
  }

  @Test(arguments: 0..<8)
  func nestedSlotVerdictsEqualValueVerdictsOnGeneratedLines(_ batch: Int) {
    // Some lines are decided from their slots, some of those fail, many are left to the
    // values (nine fields must all be plain strings, seven of them digits).
    Self.expectVerdicts(
      Self.nested, seed: 0x21F_2000 + UInt64(batch), lines: 500, Self.nestedLine,
      decided: 4, failing: 2, fallback: 200)
  }

  // MARK: Arrays, patterns, previous values

  static let arrays = FuzzChecks.slotRuleSets()[4]

  /// A line over the array rule set's fields: `items` of objects whose `amount` and `kind` are
  /// digit strings, other strings, numbers, nulls, escapes or missing; elements of other kinds,
  /// escaped and repeated keys, nested values holding brackets in strings; `_previous` and
  /// `state` in their forms; now and then cut short or spoiled.
  static func arrayLine(_ random: inout SeededGenerator) -> [UInt8] {
    func maybe(_ oneIn: Int) -> Bool { Int.random(in: 0..<oneIn, using: &random) == 0 }
    func pick(_ texts: [String]) -> String { texts.randomElement(using: &random)! }
    func digits() -> String {
      let count = Int.random(in: 1...6, using: &random)
      return (maybe(3) ? "-" : "")
        + String((0..<count).map { _ in "0123456789".randomElement(using: &random)! })
    }
    func amount() -> String {
      guard maybe(3) else { return "\"" + digits() + "\"" }
      return pick([
        "null", "12", "\"1\\u0030\"", "\"999999999999999999\"", "\"1234567890123456789\"",
        "\"0x\"", "\"-0\"", "\"caf\u{E9}\"", "\"\"", "true", "[\"1\"]", "{}",
      ])
    }
    func element() -> String {
      if maybe(25) { return pick(["1", "\"x\"", "null", "[]", "[{\"amount\":\"1\"}]"]) }
      var members = [("account", "\"customer:acct_\\\"1\""), ("amount", amount())]
      if maybe(2) {
        members.append(
          ("kind", pick(["\"abc\"", "\"ABC\"", "null", "\"\"", "1", "\"a\\u0062\""])))
      }
      if maybe(8) { members.append(("nested", #"{"amount":"5","x":[1,{"y":"]}"}],"z":[]}"#)) }
      if maybe(20) { members.append(("am\\u006fount", "\"3\"")) }
      if maybe(30), let first = members.first { members.append(first) }
      members = members.filter { _ in !maybe(12) }
      if maybe(4) { members.shuffle(using: &random) }
      let separator = pick([",", ", ", " ,\n"])
      return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: separator) + "}"
    }
    func state() -> String {
      pick(["\"final\"", "\"final\"", "\"open\"", "\"x\"", "null", "1", "\"fin\\u0061l\"", "\"\""])
    }
    let items =
      maybe(20)
      ? pick(["null", "{}", "\"x\"", "7"])
      : "[ " + (0..<Int.random(in: 0...5, using: &random)).map { _ in element() }
        .joined(separator: pick([",", " , "])) + "]"
    var members = [
      ("items", items), ("limit", "\"" + digits() + "\""), ("state", state()),
      ("_previous", pick(["null", "{\"state\":" + state() + "}", "{}", "7", "[]"])),
    ]
    members = members.filter { _ in !maybe(10) }
    if maybe(4) { members.shuffle(using: &random) }
    let text = "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    return spoiled(text, &random)
  }

  @Test(arguments: 0..<8)
  func arraySlotVerdictsEqualValueVerdictsOnGeneratedLines(_ batch: Int) {
    // Some lines are decided from their slots, some of those fail, many are left to the
    // values (every amount must be a digit string, every element an object).
    Self.expectVerdicts(
      Self.arrays, seed: 0x21F_4000 + UInt64(batch), lines: 500, Self.arrayLine,
      decided: 10, failing: 5, fallback: 100)
  }

  @Test(
    arguments: [
      (#"{"items":[],"limit":"1","state":"a"}"#, 0b0001000),
      // A `some` decided at its first element: the second's negative amount is not compared.
      (#"{"items":[{"amount":"1"},{"amount":"-1","kind":"ab"}],"limit":"0","state":"a"}"#, 0),
      (#"{"items":[{"amount":"50"},{"amount":"50"}],"limit":"9","state":"a"}"#, 0),
      (
        #"{"items":[{"amount":"3"},{"amount":"-10"}],"limit":"1","state":"final","#
          + #""_previous":{"state":"final"}}"#, 0b0000110
      ),
      (
        #"{"items":[{"amount":"01"}],"limit":"1","state":"open","_previous":{"state":"final"}}"#,
        0b0100011
      ),
      (#"{"items":[ { "amount" : "1" , "kind" : "A" } ],"limit":"1","state":"X"}"#, 0b101_1010),
    ] as [(String, UInt64)])
  func arraysPatternsAndPreviousValuesDecideAsTheValuePath(_ text: String, _ failing: UInt64)
    throws
  {
    let decided = Self.decide(text, Self.reader(Self.arrays))
    #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
    #expect(decided == failing, "\(text): \(decided.map { String($0, radix: 2) } ?? "nil")")
  }

  @Test(
    arguments: [
      // Not an array; an element that is not an object; an escaped key in an element; an
      // amount that is a number, escaped, too long, or not ASCII for the pattern.
      #"{"items":{},"limit":"1","state":"a"}"#,
      #"{"items":[{"amount":"1"},7],"limit":"1","state":"a"}"#,
      #"{"items":[{"am\u006fount":"1"}],"limit":"1","state":"a"}"#,
      #"{"items":[{"amount":1}],"limit":"1","state":"a"}"#,
      #"{"items":[{"amount":"1\u0030"}],"limit":"1","state":"a"}"#,
      #"{"items":[{"amount":"1234567890123456789"}],"limit":"1","state":"a"}"#,
      #"{"items":[{"amount":"1","kind":"caf\#u{E9}"}],"limit":"1","state":"a"}"#,
      // Sums past 64 bits.
      "{\"items\":[" + Array(repeating: #"{"amount":"999999999999999999"}"#, count: 10)
        .joined(separator: ",") + #"],"limit":"1","state":"a"}"#,
    ])
  func arraysTheSlotsCannotDecideAreLeftToTheValuePath(_ text: String) throws {
    let slots = Self.reader(Self.arrays)
    #expect(Self.decide(text, slots) == nil, "\(text)")
    #expect(slots.lastFallback == .undecided)
    #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
  }

  /// Steps: a quantifier's element, a sum's elements and members, a pattern's bytes are
  /// charged as the fast path charges them, so the slots decide no line where the step limit
  /// is reached (the value path reports the limit).
  @Test(arguments: [3, 4, 5, 6, 8, 12])
  func elementsAndPatternsDrawOnTheStepLimit(_ elements: Int) throws {
    let rules = [
      "items.every(i => matches(i.amount, '^[0-9]+$'))",
      "bigint_gte(bigint_sum(items, 'amount'), 0)",
    ]
    for expression in rules {
      let text = "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": "
        + "[{\"id\": \"r\", \"expression\": \(Value.quoted(expression))}]}"
      var options = CompileOptions()
      options.evaluationLimits = EvaluationLimits(maximumSteps: 10)
      let ruleSet = try RuleSet.compile(
        [try RuleFileLoader.parse(text, path: "s.constraints.json")], options: options
      ).get()
      let line =
        "{\"items\":[" + Array(repeating: #"{"amount":"5","b":1}"#, count: elements)
        .joined(separator: ",") + "]}"
      let decided = Self.decide(line, Self.reader(ruleSet))
      let outcome = ruleSet.check(try JSONReader.read(Array(line.utf8)), ruleIndexes: [0])[0]
      if let decided {
        #expect(decided == 0 && outcome.word == "pass", "\(expression), \(elements)")
      } else {
        #expect(outcome.word != "pass" || elements * 3 > 10, "\(expression), \(elements)")
      }
      // Within the limit, decided; past it, an error on the value path, never decided.
      let charged = expression.contains("sum") ? elements * 3 : elements
      #expect((decided != nil) == (charged <= 10), "\(expression), \(elements)")
      #expect((outcome.word == "error") == (charged > 10), "\(expression), \(elements)")
    }
  }

  // MARK: Constants

  /// `relation` between `field` and `constant` decided from the slots, and by the value path.
  static func constantVerdicts(_ field: String, _ relation: String, _ constant: String) throws
    -> (slots: UInt64?, values: [RuleOutcome])
  {
    let ruleSet = try ReadProjectionTests.ruleSet(["bigint_\(relation)(a.b, \(constant))"])
    let text = "{\"a\":{\"b\":\"\(field)\"}}"
    let value = try JSONReader.read(Array(text.utf8))
    return (Self.decide(text, Self.reader(ruleSet)), ruleSet.check(value, ruleIndexes: [0]))
  }

  @Test(
    arguments: [
      "0", "1", "9", "10", "99", "100", "4611686018427387904", "999999999999999",
      "1000000000000000", "9999999999999999", "10000000000000000", "-1", "-0",
      "9223372036854775807", "-9223372036854775807",
    ])
  func fieldsCompareWithConstantsAsTheirNumbers(_ constant: String) throws {
    var random = SeededGenerator(seed: 0x21F_3000 &+ UInt64(constant.utf8.count))
    var fields = ["0", "00", "1", "9", "10", "099", "999999999999999", "000000000000001"]
    if let value = Int(constant), !constant.hasPrefix("-"), constant.count <= 15 {
      fields += [constant, "0" + constant, String(value + 1), String(max(0, value - 1))]
    }
    for _ in 0..<20 {
      let count = Int.random(in: 1...15, using: &random)
      fields.append(String((0..<count).map { _ in "0123456789".randomElement(using: &random)! }))
    }
    for field in fields {
      for relation in ["gte", "gt", "lt", "lte", "eq"] {
        let (slots, values) = try Self.constantVerdicts(field, relation, constant)
        let words = values.map(\.word)
        #expect(words == ["pass"] || words == ["fail"])
        // Fields of more than 15 digits are left to the value path.
        let expected: UInt64? = field.count > 15 ? nil : words == ["pass"] ? 0 : 1
        #expect(slots == expected, "\(field) \(relation) \(constant): \(words)")
      }
    }
  }

  // MARK: Strings

  @Test(
    arguments: [
      (#"{"s":"ACTIVE"}"#, UInt64?.some(0)), (#"{"s":"PAST_DUE"}"#, 0), (#"{"s":"ACTIVEX"}"#, 1),
      (#"{"s":"ACTIVF"}"#, 1), (#"{"s":""}"#, 1), (#"{"s":"caf\#u{E9}"}"#, 0),
      (#"{"s":"cafe\#u{301}"}"#, 1), (#"{"s" : "ACTIVE" }"#, 0),
      // Escapes, other kinds and absent fields are left to the value path.
      (#"{"s":"ACTIV\u0045"}"#, nil), (#"{"s":null}"#, nil), (#"{"s":1}"#, nil),
      (#"{"s":["ACTIVE"]}"#, nil), (#"{"t":"ACTIVE"}"#, nil),
    ])
  func stringsCompareWithConstantsByTheirBytes(_ text: String, _ failing: UInt64?) throws {
    let ruleSet = try ReadProjectionTests.ruleSet([
      "s == 'ACTIVE' || s == 'PAST_DUE' || s == 'caf\u{E9}'"
    ])
    #expect(Self.decide(text, Self.reader(ruleSet)) == failing, "\(text)")
    let value = try JSONReader.read(Array(text.utf8))
    let outcome = ruleSet.check(value, ruleIndexes: [0])[0].word
    if let failing { #expect(outcome == (failing == 0 ? "pass" : "fail"), "\(text)") }
    let negated = try ReadProjectionTests.ruleSet(["s != 'ACTIVE' && s != 'caf\u{E9}'"])
    if let failing {
      #expect(Self.decide(text, Self.reader(negated)) == (text.contains("PAST") ? 0 : 1 - failing))
    }
  }

  // MARK: Conditions

  @Test(
    arguments: [
      #"{"payment":null,"cost":"5"}"#, #"{"cost":"5"}"#, #"{"payment":{"amount":"7"},"cost":"5"}"#,
      #"{"payment":{"amount":"4"},"cost":"5"}"#, #"{"payment":{},"cost":"5"}"#,
      #"{"payment":{"amount":null},"cost":"5"}"#, #"{"payment":true,"cost":"5"}"#,
      #"{"payment":false,"cost":"5"}"#, #"{"payment":"","cost":"5"}"#,
      #"{"payment":[],"cost":"5"}"#, #"{"payment":0,"cost":"5"}"#,
      #"{"payment":{"amount":"7","amount":"7"},"cost":"5"}"#,
      #"{"payment" : { "amount" : "9" } , "cost" : "10"}"#,
    ])
  func nullChecksAndImplicationsDecideAsTheValuePath(_ text: String) throws {
    // Each with whether the slots decide every document the full reader accepts here (the
    // first two need `payment.amount` as a digit string when `payment` is not null).
    let expressions = [
      ("payment != null => bigint_gte(payment.amount, cost)", false),
      ("payment == null || bigint_lt(payment.amount, cost)", false),
      ("!(payment.amount == null) && bigint_gte(cost, 1)", true),
      ("payment.amount != null => (payment.amount == '7' || bigint_gt(payment.amount, 8))", true),
    ]
    for (expression, decidesEvery) in expressions {
      let ruleSet = try ReadProjectionTests.ruleSet([expression])
      let decided = Self.decide(text, Self.reader(ruleSet))
      #expect(FuzzChecks.slotDifference(Array(text.utf8)) == nil)
      guard let value = try? JSONReader.read(Array(text.utf8)) else {
        #expect(decided == nil, "\(expression) on \(text)")
        continue
      }
      let word = ruleSet.check(value, ruleIndexes: [0])[0].word
      if let decided {
        #expect(word == (decided == 0 ? "pass" : "fail"), "\(expression) on \(text)")
      } else {
        #expect(!decidesEvery, "\(expression) on \(text): \(word)")
      }
    }
  }

  // MARK: The same verdict as the value path

  /// A value for a field the rules compare: mostly digit strings of every length from 0 to
  /// 40 (leading zeros, signs), and numbers, escapes, other kinds.
  static func fieldText(_ random: inout SeededGenerator) -> String {
    func digits(_ count: Int) -> String {
      String((0..<count).map { _ in "0123456789".randomElement(using: &random)! })
    }
    switch Int.random(in: 0..<20, using: &random) {
    case 0..<9: return "\"" + digits(Int.random(in: 1...15, using: &random)) + "\""
    case 9, 10: return "\"" + digits(Int.random(in: 0...40, using: &random)) + "\""
    case 11: return "\"0" + digits(Int.random(in: 0...16, using: &random)) + "\""
    case 12: return "\"" + ["-", "+", " "].randomElement(using: &random)! + digits(3) + "\""
    case 13: return String(Int.random(in: -1_000...1_000_000, using: &random))
    case 14:
      return ["1.5", "1e3", "true", "null", "[]", "{\"a\":\"1\"}", "-0"].randomElement(
        using: &random)!
    case 15: return "\"\\u003" + digits(1) + digits(Int.random(in: 0...5, using: &random)) + "\""
    case 16: return "\"1\\n\""
    case 17: return "\"\u{0661}\u{0662}\""
    default: return "\"" + digits(Int.random(in: 8...14, using: &random)) + "\""
    }
  }

  /// A line over the lean fields: some absent, some repeated, other members, spacing, and
  /// now and then cut short or spoiled.
  static func line(_ random: inout SeededGenerator) -> [UInt8] {
    var keys = Self.leanKeys.filter { _ in Int.random(in: 0..<25, using: &random) != 0 }
    if Int.random(in: 0..<5, using: &random) == 0 { keys.shuffle(using: &random) }
    if Int.random(in: 0..<30, using: &random) == 0 { keys.append(keys.first ?? "limit") }
    var members = keys.map { "\"\($0)\":" + Self.fieldText(&random) }
    if Int.random(in: 0..<8, using: &random) == 0 {
      let other = [
        #""note":"x""#, #""nested":{"limit":"1","b":[1,{"c":null}]}"#,
        #""a_key_longer_than_sixteen":"12""#, #""caf\#u{E9}":1"#, #""limi":"1""#,
        #""\u0078":2"#, #""limits":"1""#, #""cost ":"2""#, #""spent\"":"3""#,
      ]
      members.insert(
        other.randomElement(using: &random)!, at: Int.random(in: 0...members.count, using: &random))
    }
    let separator = [",", ",", ",", " , ", ",\n"].randomElement(using: &random)!
    var bytes = Array(("{" + members.joined(separator: separator) + "}").utf8)
    switch Int.random(in: 0..<40, using: &random) {
    case 0: bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...)
    case 1: bytes.append(UInt8(ascii: "x"))
    case 2: bytes[Int.random(in: 0..<bytes.count, using: &random)] = 0xFF
    case 3: bytes[Int.random(in: 0..<bytes.count, using: &random)] = 0x01
    case 4: bytes = Array("[".utf8) + bytes + Array("]".utf8)
    default: break
    }
    return bytes
  }

  /// Checks `lines` lines made by `line` from `seed` against the value path
  /// (``FuzzChecks/slotDifference(_:)``), stopping at the first difference, and decides them
  /// with a reader of `ruleSet`, which must decide more than `decided` of them, more than
  /// `failing` of those failing, and leave more than `fallback` to the value path.
  static func expectVerdicts(
    _ ruleSet: RuleSet, seed: UInt64, lines: Int, _ line: (inout SeededGenerator) -> [UInt8],
    decided: Int, failing: Int, fallback: Int
  ) {
    var random = SeededGenerator(seed: seed)
    let slots = reader(ruleSet)
    var failingLines = 0
    for _ in 0..<lines {
      let line = line(&random)
      if let difference = FuzzChecks.slotDifference(line) {
        Issue.record("\(difference)\n\(String(decoding: line, as: UTF8.self))")
        return
      }
      if let failures = FuzzChecks.decide(line, with: slots), failures != 0 { failingLines += 1 }
    }
    #expect(slots.decidedLines > decided)
    #expect(failingLines > failing)
    #expect(slots.fallbackLines > fallback)
  }

  @Test(arguments: 0..<8)
  func slotVerdictsEqualValueVerdictsOnGeneratedLines(_ batch: Int) {
    // Most lines are decided from their slots, some fail, and many are left to the values.
    Self.expectVerdicts(
      Self.lean, seed: 0x21F_0000 + UInt64(batch), lines: 400, Self.line,
      decided: 40, failing: 10, fallback: 50)
  }

  @Test(arguments: 0..<41)
  func digitStringsOfEveryLengthCompareAsTheirNumbers(_ length: Int) throws {
    let ruleSet = try ReadProjectionTests.ruleSet([
      "bigint_gte(limit, spent)", "bigint_lt(limit, spent)", "bigint_eq(limit, spent)",
    ])
    let slots = Self.reader(ruleSet)
    var random = SeededGenerator(seed: 0x21F_1000 + UInt64(length))
    for _ in 0..<40 {
      let digits = (0..<length).map { _ in "0123456789".randomElement(using: &random)! }
      var other = digits
      if !other.isEmpty, Bool.random(using: &random) {
        other[Int.random(in: 0..<other.count, using: &random)] = "0123456789".randomElement(
          using: &random)!
      }
      if Int.random(in: 0..<4, using: &random) == 0 { other.insert("0", at: 0) }
      // The second value ends the document (its closing quote and brace are its last bytes).
      let text = "{\"limit\":\"\(String(digits))\",\"spent\":\"\(String(other))\"}"
      if let difference = FuzzChecks.slotDifference(Array(text.utf8)) {
        Issue.record("\(difference)\n\(text)")
        return
      }
      let decided = Self.decide(text, slots)
      #expect((decided != nil) == ((1...15).contains(length) && other.count <= 15), "\(text)")
    }
  }
}
