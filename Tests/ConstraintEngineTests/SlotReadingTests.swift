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
      ("bigint_gte(limit, 5)", false),
      ("bigint_gte(a.b, c)", false),
      ("limit >= spent", false),
      ("bigint_gte(limit, spent) && (bigint_gte(a, b) || bigint_gte(b, c))", false),
      ("items.every(i => bigint_gte(i.a, i.b))", false),
    ])
  func ruleSetsQualifyOnlyWithBigintComparisonsOfRootFields(_ expression: String, _ qualifies: Bool)
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

  @Test(arguments: 0..<8)
  func slotVerdictsEqualValueVerdictsOnGeneratedLines(_ batch: Int) {
    var random = SeededGenerator(seed: 0x21F_0000 + UInt64(batch))
    let slots = Self.reader(Self.lean)
    var failing = 0
    for _ in 0..<400 {
      let line = Self.line(&random)
      if let difference = FuzzChecks.slotDifference(line) {
        Issue.record("\(difference)\n\(String(decoding: line, as: UTF8.self))")
        return
      }
      if let failures = FuzzChecks.decide(line, with: slots), failures != 0 { failing += 1 }
    }
    // Most lines are decided from their slots, some fail, and many are left to the values.
    #expect(slots.decidedLines > 40)
    #expect(failing > 10)
    #expect(slots.fallbackLines > 50)
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
