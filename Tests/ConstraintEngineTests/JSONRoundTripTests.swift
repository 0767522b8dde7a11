import ConstraintEngine
import Foundation
import Testing

@Suite("JSON writer round trip and differential test against JSONSerialization")
struct JSONRoundTripTests {
  static let seeds: [UInt64] = Array(1...40)

  @Test("read(write(v)) is structurally equal to v", arguments: seeds)
  func roundTrip(_ seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed)
    for _ in 0..<25 {
      let value = generator.value()
      let text = JSONWriter.canonical(value)
      let back = try JSONReader.read(text)
      #expect(back.structurallyEquals(value), "\(text)")
      // Canonical text is a fixed point.
      #expect(JSONWriter.canonical(back) == text)
    }
  }

  @Test("the generator covers what the round trip must show")
  func generatorCoverage() {
    var generator = JSONValueGenerator(seed: 7)
    var text = ""
    for _ in 0..<400 { text += JSONWriter.canonical(generator.value()) }
    #expect(text.unicodeScalars.contains { $0.value >= 0x10000 }, "astral characters")
    #expect(text.contains("\\u00"), "escaped control characters")
    #expect(text.contains("{") && text.contains("["), "containers")
    #expect(text.contains(where: { $0 == "." }), "decimals")
    #expect(text.contains(/[0-9]{20}/), "big integers")
  }

  @Test("canonical writer: sorted keys, no whitespace, exact numbers, minimal escapes")
  func canonicalForm() throws {
    let value = try JSONReader.read(
      "{ \"b\" : 1e2, \"a\" : [ 1.50, \"\\u0001\\n\\/é𝄞\", -0.0, null, true ], \"\": {} }")
    #expect(JSONWriter.canonical(value) == #"{"":{},"a":[1.5,"\u0001\n/é𝄞",0,null,true],"b":100}"#)
    #expect(JSONWriter.canonical(.missing) == "null")
  }

  @Test("the writer handles deep nesting without recursion")
  func deepWrite() {
    var value = Value.array([])
    for _ in 0..<100_000 { value = .array([value]) }
    let text = JSONWriter.canonical(value)
    #expect(text.utf8.count == 200_002)
    #expect(text.hasPrefix("[[[") && text.hasSuffix("]]]"))
    // Take the value apart level by level: releasing it whole would recurse 100,000 deep.
    while case .array(let elements) = value, let inner = elements.first { value = inner }
  }

  // MARK: Differential test against Foundation

  /// Whether `ours` and Foundation's `theirs` have the same structure; numbers compared
  /// exactly when Foundation holds an integer, as `Double`s otherwise.
  static func sameStructure(_ ours: Value, _ theirs: Any) -> Bool {
    switch ours {
    case .missing: return false
    case .null: return theirs is NSNull
    case .bool(let flag):
      guard let number = theirs as? NSNumber else { return false }
      return number.boolValue == flag
    case .number(let number):
      guard let other = theirs as? NSNumber else { return false }
      return sameNumber(number, other)
    case .string(let string):
      guard let other = theirs as? String else { return false }
      return Value.scalarsEqual(string, other)
    case .array(let elements):
      guard let others = theirs as? [Any], others.count == elements.count else { return false }
      return zip(elements, others).allSatisfy { sameStructure($0, $1) }
    case .object(let object):
      guard let others = theirs as? [String: Any], others.count == object.count else {
        return false
      }
      return object.allSatisfy { member in
        others[member.key].map { sameStructure(member.value, $0) } ?? false
      }
    }
  }

  static func sameNumber(_ ours: Number, _ theirs: NSNumber) -> Bool {
    let type = String(cString: theirs.objCType)
    let foundationHoldsInteger = !["d", "f"].contains(type)
    if foundationHoldsInteger, ours.isInteger, let exact = Int64(ours.description) {
      return theirs.int64Value == exact  // exact comparison
    }
    // Foundation holds a Double: compare with what the exact value rounds to.
    guard let ourDouble = Double(ours.description) else { return false }
    let theirDouble = theirs.doubleValue
    if ourDouble == theirDouble { return true }
    return abs(ourDouble - theirDouble) <= abs(ourDouble) * 1e-15
  }

  static func foundationRead(_ bytes: [UInt8]) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
  }

  @Test("y_ corpus: same structure as JSONSerialization where both accept")
  func differentialCorpus() throws {
    var disagreements: [String] = []
    for name in JSONTestSupport.corpusFiles("y_") {
      let bytes = try JSONTestSupport.corpusBytes(name)
      let ours = try? JSONTestSupport.read(bytes).get()
      let theirs = Self.foundationRead(bytes)
      switch (ours, theirs) {
      case (let ours?, let theirs?):
        #expect(Self.sameStructure(ours, theirs), "\(name): \(ours) vs \(theirs)")
      case (nil, nil): break
      default: disagreements.append(name)
      }
    }
    // Every file where exactly one side accepts is explained in docs/JSON.md.
    let doc = try String(
      contentsOf: JSONTestSupport.repositoryRoot.appendingPathComponent("docs/JSON.md"),
      encoding: .utf8)
    let section = doc.components(separatedBy: "## Differences from JSONSerialization").last ?? ""
    for name in disagreements {
      #expect(section.contains("`\(name)`"), "\(name): undocumented difference")
    }
  }

  @Test("generated documents: same structure as JSONSerialization", arguments: seeds)
  func differentialGenerated(_ seed: UInt64) throws {
    var generator = JSONValueGenerator(seed: seed &+ 1000, foundationSafe: true)
    for _ in 0..<25 {
      let value = generator.value()
      let text = JSONWriter.canonical(value)
      let ours = try JSONReader.read(text)
      let theirs = try #require(Self.foundationRead(Array(text.utf8)), "\(text)")
      #expect(Self.sameStructure(ours, theirs), "\(text)")
    }
  }

  @Test(
    "differences from JSONSerialization are the documented ones",
    arguments: [
      (#"{"a":1,"a":2}"#, false, true),  // duplicate keys: Foundation keeps one
      ("\u{FEFF}{}", false, true),  // BOM: Foundation skips it
      (#"["\uD800"]"#, false, nil),  // lone surrogate escape: implementation-specific
      ("123456789012345678901234567890", true, nil),  // big integer: Foundation rounds
    ] as [(String, Bool, Bool?)])
  func documentedDifferences(_ text: String, weAccept: Bool, foundationAccepts: Bool?) {
    let ours = JSONTestSupport.read(text)
    #expect(((try? ours.get()) != nil) == weAccept)
    let theirs = Self.foundationRead(Array(text.utf8))
    if let foundationAccepts { #expect((theirs != nil) == foundationAccepts) }
    if weAccept, let value = try? ours.get(), case .number(let number) = value {
      #expect(number.description == text)  // exact, where Foundation rounds or refuses
    }
  }
}
