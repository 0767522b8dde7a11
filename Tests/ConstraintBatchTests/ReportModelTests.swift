import ConstraintBatch
import ConstraintEngine
import Foundation
import Testing

@Suite("Report models")
struct ReportModelTests {
  /// The `check --format json` golden file, read back through the models and written again
  /// the way the CLI writes it (the document's frame, one model per line): the same bytes. So
  /// the models carry every field, in the CLI's order, with its escapes.
  @Test func theGoldenJSONReportRoundTripsThroughTheModels() throws {
    let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../CLITests/Golden/check-json.json")
    let text = try String(contentsOf: golden, encoding: .utf8)
    let document = try JSONDecoder().decode(CheckReportDocument.self, from: Data(text.utf8))
    #expect(!document.rules.isEmpty)
    #expect(document.results.contains { $0.outcome == "fail" && !$0.explanation.isEmpty })
    #expect(document.summary.exitStatus != nil)
    let encoder = OrderedJSONEncoder()
    var lines = [
      "{\"schema_version\":\(document.schemaVersion),",
      "\"tool\":\(try encoder.encode(document.tool)),", "\"rules\":[",
    ]
    for (index, rule) in document.rules.enumerated() {
      lines.append(try encoder.encode(rule) + (index == document.rules.count - 1 ? "" : ","))
    }
    lines += ["],", "\"results\":["]
    for (index, result) in document.results.enumerated() {
      lines.append((index == 0 ? "" : ",") + (try encoder.encode(result)))
    }
    lines += ["],", "\"summary\":\(try encoder.encode(document.summary))", "}"]
    #expect(lines.joined(separator: "\n") + "\n" == text)
  }

  /// A result made from an engine outcome: the fields the JSON format documents.
  @Test func resultsAreMadeFromOutcomes() throws {
    let file = try RuleFileLoader.parse(BatchFixture.rules, path: "numbers.constraints.json")
    let ruleSet = try RuleSet.compile([file]).get()
    let checker = BatchChecker(ruleSet: ruleSet, options: BatchOptions(jobs: 1))
    var results: [ResultReport] = []
    checker.check(.jsonLines(Array("{\"n\":1001}\n{\"n\":\n{\"n\":\"x\"}\n".utf8), name: "s")) {
      event in
      guard case .snapshot(let snapshot) = event else { return true }
      switch snapshot.outcomes {
      case .success(let outcomes):
        for (index, outcome) in zip(snapshot.ruleIndexes, outcomes) {
          results.append(
            ResultReport(rule: ruleSet.rules[index], snapshot: snapshot, outcome: outcome))
        }
      case .failure(let diagnostic):
        results.append(ResultReport(unreadable: snapshot, diagnostic))
      }
      return true
    }
    #expect(results.map(\.outcome) == ["fail", "fail", "unreadable", "error", "error"])
    #expect(results[0].message == "n is odd")
    #expect(results[0].explanation.map(\.value) == ["1"])  // n % 2
    #expect(results[1].message == "rule small does not hold")
    #expect(results[2].rule == nil && results[2].diagnostic?.code == "CE4001")
    #expect(results[2].snapshot == SnapshotReference(file: "s", line: 2))
    #expect(results[3].diagnostic?.code?.hasPrefix("CE3") == true)
    let encoded = try OrderedJSONEncoder().encode(results[2])
    #expect(encoded.hasPrefix(#"{"rule":null,"schema_id":null,"severity":"error","#))
    #expect(encoded.contains(#""snapshot":{"file":"s","line":2},"outcome":"unreadable""#))
  }

  @Test func summariesCountOutcomesAndRuns() throws {
    var summary = CheckSummary(rules: 2)
    summary.add(PassingRun(snapshots: 3, passed: 5, skipped: 1))
    summary.add(.evaluated(.fail(Explanation())))
    summary.add(.skipped("deferred"))
    #expect(summary.snapshots == 3 && summary.passed == 5 && summary.failed == 1)
    #expect(summary.skipped == 2 && summary.rules == 2)
    #expect(
      try OrderedJSONEncoder().encode(summary)
        == #"{"snapshots":3,"rules":2,"passed":5,"failed":1,"errors":0,"skipped":2,"#
        + #""deferred":0,"unreadable":0,"stopped_after":null}"#)
  }
}

@Suite("Ordered JSON encoder")
struct OrderedJSONEncoderTests {
  struct Sample: Encodable {
    var zeta = "a/b\u{1B}\u{7F}\u{2028}é\"\\\n\t\u{08}\u{0C}"
    var alpha: String? = nil
    var numbers: [Int] = [1, -2]
    var flag = true
    var nested = ["k": 1.5]
  }

  @Test func keysKeepTheirOrderAndNullsAreWritten() throws {
    let encoded = try OrderedJSONEncoder().encode(Sample())
    #expect(
      encoded
        == #"{"zeta":"a/b\u001b"# + "\u{7F}\u{2028}é" + #"\"\\\n\t\b\f","numbers":[1,-2],"#
        + #""flag":true,"nested":{"k":1.5}}"#)
  }

  /// Synthesized conformances leave nil optionals out; explicit `encode` writes `null`.
  @Test func explicitNullsAndSortedKeys() throws {
    struct Keys: Encodable {
      var b: Int? = nil
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(b, forKey: Key("b"))
        try container.encode(2, forKey: Key("B"))
        try container.encode(3, forKey: Key("é"))
        try container.encode(4, forKey: Key("_"))
        try container.encode(5, forKey: Key("b"))
      }
    }
    #expect(try OrderedJSONEncoder().encode(Keys()) == #"{"b":5,"B":2,"é":3,"_":4}"#)
    #expect(
      try OrderedJSONEncoder(sortsKeys: true).encode(Keys()) == #"{"B":2,"_":4,"b":5,"é":3}"#)
  }

  @Test func nonFiniteNumbersAreRefused() {
    #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode([Double.nan]) }
    #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode(Double.infinity) }
  }

  @Test func nestedContainersAndEmptyValues() throws {
    struct Nested: Encodable {
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        var list = container.nestedUnkeyedContainer(forKey: Key("list"))
        try list.encodeNil()
        var inner = list.nestedContainer(keyedBy: Key.self)
        try inner.encode("v", forKey: Key("k"))
        _ = container.nestedContainer(keyedBy: Key.self, forKey: Key("empty"))
      }
    }
    struct Nothing: Encodable {
      func encode(to encoder: any Encoder) throws {}
    }
    #expect(try OrderedJSONEncoder().encode(Nested()) == #"{"list":[null,{"k":"v"}],"empty":{}}"#)
    #expect(try OrderedJSONEncoder().encode(Nothing()) == "{}")
  }
}

/// A coding key from a string.
struct Key: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
