import Foundation
import Testing

@testable import ConstraintEngine

/// Every public reader outside the expression pipeline — JSON documents and lines, evaluation
/// contexts and `--now`, regular expressions — throws a ``Diagnostic`` with its code and the
/// exact range of the fault in the text it was given.
@Suite("Diagnostics at the public readers")
struct PublicDiagnosticsTests {
  /// A context document with the offending value (or key) marked `⟦…⟧`, and a part of the
  /// message: the diagnostic is CE4002 at exactly the marked range.
  @Test(
    "a context that is not one is CE4002 at the offending value or key",
    arguments: [
      (#"⟦[1]⟧"#, "must be a JSON object"),
      (#"{"now": ⟦"2026-02-30"⟧}"#, "not an ISO 8601 timestamp"),
      (#"{"now": ⟦5⟧}"#, "timestamp string"),
      (#"{"flags": ⟦"a"⟧}"#, "array of strings"),
      ("{\"flags\": [\"a\",\n  ⟦{\"b\": 1}⟧]}", "flags[1]"),
      (#"{"state": ⟦[1]⟧}"#, "`state` must be an object"),
      (#"{"now": null, ⟦"clock"⟧: "x"}"#, "unknown evaluation context key"),
      (#"{⟦"flags"⟧: [], "feature_flags": {}}"#, "mixes this engine's format"),
      (#"{"evaluation_timestamp": ⟦5⟧}"#, "timestamp string"),
      (#"{"feature_flags": {"a": true, "é": ⟦"yes"⟧}}"#, "must be a boolean"),
      (#"{"feature_flags": {}, ⟦"flagz"⟧: 1}"#, "unknown key \"flagz\""),
      (#"{"chain_ledger": ⟦{"genesis_hash": "g"}⟧}"#, "has no `expected_prior_hash`"),
      (
        #"{"chain_ledger": {"expected_prior_hash": {}, "genesis_hash": ⟦1⟧}}"#,
        "genesis_hash must be a string"
      ),
      (#"{"chain_ledger": {"expected_prior_hash": {}, ⟦"x"⟧: 1}}"#, "unknown key \"x\""),
      (
        #"{"plan_signoff_ledger": {"ts_snapshot": "t", "signoffs": [{⟦"signoffs"⟧: 1}]}}"#,
        "unknown key \"signoffs\" in context plan_signoff_ledger.signoffs[0]"
      ),
    ] as [(String, String)])
  func contextDiagnostics(_ marked: String, _ messagePart: String) throws {
    let source = MarkedSource(marked)
    let error = try #require(throws: Diagnostic.self) {
      try EvaluationContext(document: source.source)
    }
    #expect(error.code == .invalidContext)
    #expect(error.message.contains(messagePart), "\(error.message)")
    #expect(error.range.start.offset..<error.range.end.offset == source.range, "\(error)")
    let start = lineAndColumn(of: source.range.lowerBound, in: source.source)
    #expect(error.range.start.line == start.line && error.range.start.column == start.column)
  }

  /// A context read from a value has no text: the same problem, at the start.
  @Test func contextFromAValueIsAtTheStart() throws {
    let value = try JSONReader.read(#"{"flags": [1]}"#)
    let error = try #require(throws: Diagnostic.self) { try EvaluationContext(json: value) }
    #expect(error.code == .invalidContext)
    #expect(error.message.contains("flags[0]"))
    #expect(error.range == SourceRange(at: .start))
  }

  /// A context document that is not JSON is CE4001 where the JSON breaks; a context file
  /// reads as its text does, and a missing one is CE4001 at its start.
  @Test func contextDocumentsThatAreNotJSON() throws {
    let broken = try #require(throws: Diagnostic.self) {
      try EvaluationContext(document: "{\"now\": nul}")
    }
    #expect(broken.code == .invalidJSON)
    #expect(broken.range.start == SourceLocation(offset: 8, line: 1, column: 9))

    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("public-diagnostics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("context.json").path
    try Data("{\"flags\": [\"a\", 2]}".utf8).write(to: URL(fileURLWithPath: file))
    let fromFile = try #require(throws: Diagnostic.self) {
      try EvaluationContext(contentsOfFile: file)
    }
    #expect(fromFile.code == .invalidContext)
    #expect(fromFile.range.start.offset == 16 && fromFile.range.end.offset == 17)
    let missing = try #require(throws: Diagnostic.self) {
      try EvaluationContext(contentsOfFile: directory.appendingPathComponent("none.json").path)
    }
    #expect(missing.code == .invalidJSON && missing.range == SourceRange(at: .start))
    #expect(missing.message.contains("cannot open"))
  }

  /// `--now` and a context's `now` are checked alike; the diagnostic covers the text.
  @Test func nowThatIsNotATimestamp() throws {
    let text = "2026-13-01é"
    let error = try #require(throws: Diagnostic.self) {
      try EvaluationContext.validateNow(text)
    }
    #expect(error.code == .invalidContext)
    #expect(error.message.contains("has month 13"))
    #expect(error.range.start == .start)
    #expect(error.range.end == SourceLocation(offset: 12, line: 1, column: 12))
    try EvaluationContext.validateNow("2026-01-01T00:00:00Z")
  }

  /// Every public JSON entry point throws CE4001 at the offending byte.
  @Test func everyJSONReaderThrowsADiagnostic() throws {
    let text = "{\"a\": [1,\n 2,]}"
    let expected = SourceLocation(offset: 13, line: 2, column: 4)
    var readings: [Result<Value, Diagnostic>] = [
      Result { () throws(Diagnostic) -> Value in try JSONReader.read(text) },
      Result { () throws(Diagnostic) -> Value in try JSONReader.read(Array(text.utf8)) },
    ]
    let reader = JSONDocumentReader()
    readings.append(
      Array(text.utf8).withUnsafeBytes { raw in
        Result { () throws(Diagnostic) -> Value in try reader.read(raw) }
      })
    for reading in readings {
      guard case .failure(let error) = reading else {
        Issue.record("accepted \(text)")
        continue
      }
      #expect(error.code == .invalidJSON)
      #expect(error.range == SourceRange(at: expected), "\(error)")
    }
    let located = try #require(throws: Diagnostic.self) { try JSONReader.readLocated(text) }
    #expect(located.code == .invalidJSON && located.range == SourceRange(at: expected))
    let missing = try #require(throws: Diagnostic.self) {
      try JSONReader.readFile(atPath: "/nonexistent/\(UUID().uuidString).json")
    }
    #expect(missing.code == .invalidJSON && missing.range == SourceRange(at: .start))
  }

  /// A JSON line's diagnostic is in the line's text; the line's number is the `Line`'s.
  @Test func jsonLinesDiagnosticsAreInTheirLine() {
    let limits = JSONLimits(maximumDocumentBytes: 16)
    let text = "{\"a\": 1}\n[1, x]\n" + String(repeating: " ", count: 20) + "1\n"
    let lines = Array(JSONLinesReader(bytes: Array(text.utf8), limits: limits))
    #expect(lines.map(\.number) == [1, 2, 3])
    guard lines.count == 3, case .failure(let bad) = lines[1].result,
      case .failure(let long) = lines[2].result
    else {
      Issue.record("lines 2 and 3 are not failures")
      return
    }
    #expect(bad.code == .invalidJSON)
    #expect(bad.range == SourceRange(at: SourceLocation(offset: 4, line: 1, column: 5)))
    #expect(long == JSONLinesReader.lineTooLong(limits: limits))
    #expect(long.code == .invalidJSON && long.range == SourceRange(at: .start))
  }
}
