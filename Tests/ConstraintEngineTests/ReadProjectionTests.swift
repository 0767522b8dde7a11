import ConstraintEngineTestSupport
import Foundation
import Testing

@testable import ConstraintEngine

/// Issue 21: the paths a rule set reads, and the projecting reader that builds only them.
@Suite("Read projection")
struct ReadProjectionTests {
  static func ruleSet(_ expressions: [String]) throws -> RuleSet {
    let rules = expressions.enumerated().map { index, expression in
      "{\"id\": \"r\(index)\", \"expression\": \(Value.quoted(expression))}"
    }
    let text = "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": ["
      + rules.joined(separator: ",") + "]}"
    return try RuleSet.compile([try RuleFileLoader.parse(text, path: "p.constraints.json")]).get()
  }

  static func paths(_ projection: ReadProjection) -> [String] {
    projection.wholePaths.map(\.description)
  }

  // MARK: Paths read

  @Test func theBillingRulesReadTheirFieldsAndPreviousWhole() throws {
    let file = try RuleFileLoader.load(
      file: JSONTestSupport.repositoryRoot.appendingPathComponent(
        "Rules/billing.constraints.json"
      ).path)
    let ruleSet = try RuleSet.compile([file]).get()
    // `_previous != null` reads `_previous` whole, which covers `_previous.budget.spent_micro`
    // and the `_previous.entry.state` that `previous(entry.state)` reads.
    #expect(
      Self.paths(ruleSet.readProjection()) == [
        "_previous", "budget.limit_micro", "budget.spent_micro", "cost_micro", "entitlement.state",
        "entry.state", "ledger.postings", "payment", "rate.commit_rate_micro",
        "rate.reserve_rate_micro", "reservation.allocation_micro", "reservation.reserve_micro",
      ])
    // Only the rules asked for.
    #expect(Self.paths(ruleSet.readProjection(ruleIndexes: [0])) == [
      "budget.limit_micro", "budget.spent_micro",
    ])
    #expect(
      Self.paths(ruleSet.readProjection(ruleIndexes: [9])) == [
        "_previous.entry.state", "entry.state",
      ])
  }

  @Test func quantifiersIndexesAndBuiltinsReadWholeValues() throws {
    let ruleSet = try Self.ruleSet([
      "items.every(i => i.amount > 0)",
      "a.b[2].c == 1",
      "len(tags) > 0 && type_of(meta) == 'object'",
      "x.y.z == 1 && x.y == null",
      "changed(state.phase)",
    ])
    #expect(
      Self.paths(ruleSet.readProjection()) == [
        "_previous.state.phase", "a.b", "items", "meta", "state.phase", "tags", "x.y",
      ])
  }

  @Test func extraPathsAndSkippedRules() throws {
    let ruleSet = try Self.ruleSet(["n > 1"])
    let projection = ruleSet.readProjection(
      extraPaths: [FieldPath(parsing: "account.id")!, FieldPath(parsing: "n.m")!])
    #expect(Self.paths(projection) == ["account.id", "n"])
    #expect(ruleSet.readProjection(ruleIndexes: []).description == "nothing")
    #expect(ReadProjection.wholeDocument.readsWholeDocument)
    #expect(!projection.readsWholeDocument)
  }

  @Test func keysAreExactScalarsNotCanonicalEquivalents() {
    // "é" precomposed and decomposed are distinct keys, as the reader and `Value` treat them.
    let projection = ReadProjection(paths: [
      FieldPath([.key("caf\u{E9}")]), FieldPath([.key("cafe\u{301}"), .key("x")]),
    ])
    #expect(projection.wholePaths.count == 2)
    let document = #"{"caf\u00e9": 1, "cafe\u0301": {"x": 2, "y": 3}, "other": [1]}"#
    let value = try? JSONReader.read(document, projection: projection)
    // (The canonical form sorts keys by their bytes: the decomposed form first.)
    #expect(value.map(JSONWriter.canonical) == "{\"cafe\u{301}\":{\"x\":2},\"caf\u{E9}\":1}")
  }

  // MARK: Projecting reader

  @Test func buildsOnlyWhatIsReadAndNonObjectsWhole() throws {
    let projection = ReadProjection(paths: [
      FieldPath(parsing: "a.b")!, FieldPath(parsing: "c")!, FieldPath(parsing: "d.e")!,
    ])
    let document = #"{"a": {"b": [1, {"q": 2}], "z": "no"}, "c": {"k": 1}, "d": [1, 2], "f": 9}"#
    let value = try JSONReader.read(document, projection: projection)
    #expect(JSONWriter.canonical(value) == #"{"a":{"b":[1,{"q":2}]},"c":{"k":1},"d":[1,2]}"#)
    // A document that is not an object is read whole.
    #expect(try JSONReader.read("[1, 2]", projection: projection).structurallyEquals(
      .array([.number(.small(1)), .number(.small(2))])))
  }

  /// Hostile and malformed documents whose problem lies in a part that is not built: the
  /// projecting reader refuses each one with the full reader's error.
  static let refusedInSkippedParts: [String] = [
    #"{"skip": {"k": 1, "k": 2}, "a": 1}"#,
    #"{"skip": {"k": 1, "\u006b": 2}, "a": 1}"#,
    #"{"skip": {"\u006b": 1, "k": 2}, "a": 1}"#,
    #"{"a": 1, "a": 2}"#,
    #"{"skip": 1, "a": 2, "skip": 3}"#,
    #"{"skip": [1, 2,]}"#,
    #"{"skip": [1 2]}"#,
    #"{"skip": "\ud800"}"#,
    #"{"skip": "\x"}"#,
    "{\"skip\": \"\u{01}\"}",
    #"{"skip": 01}"#,
    #"{"skip": 1e99999}"#,
    #"{"skip": -}"#,
    #"{"skip": tru}"#,
    #"{"skip": {"a" 1}}"#,
    #"{"skip": {1: 1}}"#,
    #"{"skip": {"a": 1"#,
    "{\"skip\": " + String(repeating: "[", count: 70) + "1" + String(repeating: "]", count: 70)
      + "}",
    #"{"skip": "abc"#,
    // Escaped strings are validated without being built: each error as the full reader's.
    #"{"skip": "\ud83d\u0041", "a": 1}"#,
    #"{"skip": "x\udc00", "a": 1}"#,
    #"{"skip": "\u12", "a": 1}"#,
    #"{"skip": "ab\"#,
    #"{"skip": "\t"#,
    "{\"skip\": \"\\n\u{01}\", \"a\": 1}",
    #"{"a": 1} x"#,
    "",
    "\u{FEFF}{}",
  ]

  @Test(arguments: refusedInSkippedParts)
  func refusesWhatTheFullReaderRefusesWithItsError(_ document: String) {
    let projection = ReadProjection(paths: [FieldPath(parsing: "a")!])
    #expect(FuzzChecks.projectionDifference(Array(document.utf8), projection: projection) == nil)
    if case .success = JSONTestSupport.read(document, limits: FuzzChecks.jsonLimits) {
      Issue.record("the full reader accepts \(document)")
    }
  }

  @Test func invalidUTF8AndLimitsInSkippedParts() {
    let projection = ReadProjection(paths: [FieldPath(parsing: "a")!])
    let documents: [[UInt8]] = [
      Array(#"{"skip": ""#.utf8) + [0xC3, 0x28] + Array(#"", "a": 1}"#.utf8),
      Array(#"{"sk"#.utf8) + [0xFF] + Array(#"ip": 1, "a": 1}"#.utf8),
      Array(("{\"skip\": \"" + String(repeating: "x", count: 70_000) + "\", \"a\": 1}").utf8),
      Array(("{\"skip\": [" + Array(repeating: "0", count: 120_000).joined(separator: ",")
        + "], \"a\": 1}").utf8),
      Array(("{\"skip\": 1" + String(repeating: "0", count: 300) + "}").utf8),
      Array(#"{"skip": "\n"#.utf8) + [0xC3, 0x28] + Array(#"", "a": 1}"#.utf8),
      Array(#"{"skip": ""#.utf8) + [0xE2, 0x82] + Array(#"\n", "a": 1}"#.utf8),
      Array(#"{"skip": "\u00e9"#.utf8) + [0xED, 0xA0, 0x80] + Array(#"", "a": 1}"#.utf8),
      Array(("{\"skip\": \"\\n" + String(repeating: "x", count: 70_000) + "\", \"a\": 1}").utf8),
      Array(#"{"skip": "é\u00e9\ud83d\ude00\"\\", "a": 1}"#.utf8),
    ]
    for document in documents {
      #expect(FuzzChecks.projectionDifference(document, projection: projection) == nil)
    }
  }

  @Test func wideObjectsFindDuplicatesPastSixteenKeys() {
    let keys = (0..<40).map { "\"k\($0)\": \($0)" }
    for duplicate in ["\"k3\": 0", "\"\\u006b7\": 0", "\"k39\": 0"] {
      let document = "{\"skip\": {" + (keys + [duplicate]).joined(separator: ", ") + "}}"
      #expect(
        FuzzChecks.projectionDifference(
          Array(document.utf8), projection: ReadProjection(paths: [FieldPath(parsing: "a")!]))
          == nil)
      if case .success = JSONTestSupport.read(document) { Issue.record("accepted \(document)") }
    }
  }

  /// A reader whose projected reads skip little (under a quarter of the document) reads in
  /// full after `fullReadAfter` of them, and goes back to projected reads at the first probe
  /// that skips more.
  @Test func readsInFullWhileDocumentsHoldLittleElse() throws {
    let reader = JSONDocumentReader(projection: ReadProjection(paths: [FieldPath(parsing: "a")!]))
    func read(_ text: String) throws -> Value {
      try Array(text.utf8).withUnsafeBytes { bytes in try reader.read(bytes) }
    }
    let little = #"{"a": "123456789", "b": 2}"#
    let much = #"{"a": 1, "b": "skipped: far more than a quarter of the document"}"#
    for _ in 0..<JSONDocumentReader.fullReadAfter {
      #expect(JSONWriter.canonical(try read(little)) == #"{"a":"123456789"}"#)
    }
    // Read in full now, whatever the document holds, until the next probe.
    #expect(JSONWriter.canonical(try read(little)) == #"{"a":"123456789","b":2}"#)
    for _ in 2..<JSONDocumentReader.probeInterval {
      #expect(JSONWriter.canonical(try read(much)).contains(#""b":"#))
    }
    // The probe is read projected, skips most of its document and switches back.
    #expect(JSONWriter.canonical(try read(much)) == #"{"a":1}"#)
    #expect(JSONWriter.canonical(try read(much)) == #"{"a":1}"#)
    // Refused documents are refused alike in either mode, with the same error.
    #expect(throws: Diagnostic.self) { try read(#"{"a": 1, "b": [1,]}"#) }
  }

  // MARK: Equivalence

  /// Projections to try on a document: nothing, and paths taken from its own keys.
  static func projections(of value: Value, random: inout SeededGenerator) -> [ReadProjection] {
    var paths: [FieldPath] = []
    func collect(_ value: Value, _ prefix: [FieldPath.Component]) {
      guard prefix.count < 4 else { return }
      switch value {
      case .object(let object):
        for (key, member) in object {
          let path = prefix + [.key(key)]
          paths.append(FieldPath(path))
          collect(member, path)
        }
      case .array(let elements):
        if !prefix.isEmpty, let first = elements.first { collect(first, prefix + [.index(0)]) }
      default: break
      }
    }
    collect(value, [])
    var result = [ReadProjection(paths: [FieldPath]())]
    for _ in 0..<3 where !paths.isEmpty {
      let chosen = paths.filter { _ in Bool.random(using: &random) }
      result.append(ReadProjection(paths: chosen + [FieldPath(parsing: "absent.x")!]))
    }
    return result
  }

  /// Changes a few bytes of `bytes`: flips, insertions of JSON's structural bytes, deletions,
  /// a cut, a duplicated stretch.
  static func mutated(_ bytes: [UInt8], random: inout SeededGenerator) -> [UInt8] {
    var bytes = bytes
    let structural = Array(#"{}[],:"\0123456789-+.eEtrufalsn "#.utf8) + [0x80, 0xFF, 0x0A]
    for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
      let at = Int.random(in: 0..<bytes.count, using: &random)
      switch Int.random(in: 0..<5, using: &random) {
      case 0: bytes[at] = structural.randomElement(using: &random)!
      case 1: bytes.insert(structural.randomElement(using: &random)!, at: at)
      case 2: bytes.remove(at: at)
      case 3: bytes.removeSubrange(at...)
      default:
        let end = min(bytes.count, at + Int.random(in: 1...12, using: &random))
        bytes.insert(contentsOf: bytes[at..<end], at: end)
      }
    }
    return bytes
  }

  @Test(arguments: 0..<8)
  func projectingReaderEqualsFullReaderOnGeneratedAndMutatedDocuments(_ batch: Int) {
    var random = SeededGenerator(seed: 0x21_0000 + UInt64(batch))
    var generator = JSONValueGenerator(seed: 0x5EED_0000 + UInt64(batch))
    var refused = 0
    var checked = 0
    for _ in 0..<250 {
      var members: [(key: String, value: Value)] = []
      for index in 0..<Int.random(in: 0...6, using: &random) {
        members.append(("k\(index % 4)" + (index >= 4 ? "\(index)" : ""), generator.value()))
      }
      let value = Value.object(ObjectValue(members))
      let document = Array(JSONWriter.canonical(value).utf8)
      let projections = Self.projections(of: value, random: &random)
      for projection in projections {
        for candidate in [document, Self.mutated(document, random: &random)] {
          checked += 1
          if case .failure = JSONTestSupport.read(candidate, limits: FuzzChecks.jsonLimits) {
            refused += 1
          }
          if let difference = FuzzChecks.projectionDifference(candidate, projection: projection) {
            Issue.record("\(difference)\n\(String(decoding: candidate, as: UTF8.self))")
            return
          }
        }
      }
    }
    // Both kinds of document were exercised.
    #expect(refused > checked / 10)
    #expect(refused < checked * 3 / 4)
  }

  @Test("JSONTestSuite verdicts and errors are the same projected")
  func jsonTestSuiteProjected() throws {
    let files = JSONTestSupport.corpusFiles("y_") + JSONTestSupport.corpusFiles("n_")
      + JSONTestSupport.corpusFiles("i_")
    #expect(files.count > 300)
    let projections = [
      ReadProjection(paths: [FieldPath]()), ReadProjection(paths: [FieldPath(parsing: "a")!]),
      ReadProjection(paths: [FieldPath(parsing: "a.b")!, FieldPath(parsing: "asd")!]),
    ]
    for file in files {
      let bytes = try JSONTestSupport.corpusBytes(file)
      for projection in projections {
        if let difference = FuzzChecks.projectionDifference(bytes, projection: projection) {
          Issue.record("\(file): \(difference)")
        }
      }
    }
  }
}
