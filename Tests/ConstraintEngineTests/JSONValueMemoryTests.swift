import Foundation
import Testing

@testable import ConstraintEngine

/// Issue 17, "memory amplification": a document whose values would take too much memory is
/// refused from an estimate of its text, before any value is built.
@Suite("JSON value memory limit")
struct JSONValueMemoryTests {
  static func estimate(_ text: String) -> JSONMemoryEstimate {
    Array(text.utf8).withUnsafeBytes { JSONMemoryEstimate.scan($0) }
  }

  @Test func theEstimateCountsValuesKeysAndLongStrings() {
    let text = #"{"a": [1, -2.5e3, true, null], "bb" : "0123456789abcdef", "c": {"d": "x"}}"#
    let estimate = Self.estimate(text)
    // The object, the array and its four scalars, the long string, the inner object, "x".
    #expect(estimate.values == 9)
    #expect(estimate.keys == 4)
    #expect(estimate.longStrings == 1 && estimate.longStringBytes == 16)
    #expect(estimate.exponentDigits == 3)
    #expect(estimate.bytes(perValue: 10) == 13 * 10 + 16 + 32 + 3 / 2)
  }

  @Test func positiveExponentsCountTheDigitsTheyAdd() {
    // 1e4000 is 6 bytes of text and a 4,001-digit integer (1.7 KB) once read.
    let numbers = Array(repeating: "1e4000", count: 100).joined(separator: ",")
    let estimate = Self.estimate("[" + numbers + ", 2E-4000, 3e+10]")
    #expect(estimate.values == 103)
    #expect(estimate.exponentDigits == 100 * 4_000 + 10)
  }

  @Test func escapedQuotesDoNotEndAString() {
    let estimate = Self.estimate(#"["a\"b", "\\", "c"]"#)
    #expect(estimate.values == 4)
    #expect(estimate.keys == 0)
  }

  @Test func aDenseDocumentIsRefusedBeforeItIsBuilt() throws {
    // 1,000,000 zeros: 2 MB of text, ~72 MiB of values, above the 64 MiB floor and far above
    // 6 bytes per byte of text.
    let text = "[" + String(repeating: "0,", count: 999_999) + "0]"
    let result = Result { () throws(Diagnostic) -> Value in try JSONReader.read(text) }
    guard case .failure(let error) = result else {
      Issue.record("a dense document was accepted")
      return
    }
    #expect(error.offset == 0)
    #expect(error.message.contains("more than the value memory limit allows"))
    #expect(error.message.contains("1000001 values"))
  }

  @Test func aDocumentUnderTheFloorIsReadWhateverItsDensity() throws {
    let text = "[" + String(repeating: "0,", count: 99_999) + "0]"
    guard case .array(let elements) = try JSONReader.read(text) else {
      Issue.record("expected an array")
      return
    }
    #expect(elements.count == 100_000)
  }

  @Test func theRatioAndTheFloorAreConfigurable() {
    let limits = JSONLimits(maximumValueMemoryRatio: 100, minimumValueMemory: 1 << 20)
    #expect(limits.valueMemoryAllowed(forDocumentOf: 1_000) == 1 << 20)
    #expect(limits.valueMemoryAllowed(forDocumentOf: 1 << 20) == 100 << 20)
    #expect(limits.valueMemoryAllowed(forDocumentOf: 100 << 20) == 256 << 20)
    let text = "[" + String(repeating: "0,", count: 999_999) + "0]"
    let result = Result { () throws(Diagnostic) -> Value in
      try JSONReader.read(text, limits: limits)
    }
    if case .failure(let error) = result { Issue.record("refused: \(error)") }
  }

  @Test func aFileOverTheSizeLimitIsRefusedByItsSize() throws {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("constraint-size-\(UUID().uuidString).json")
    try Data(repeating: UInt8(ascii: " "), count: 4_096).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = Result { () throws(Diagnostic) -> Value in
      try JSONReader.readFile(atPath: url.path, limits: JSONLimits(maximumDocumentBytes: 1_000))
    }
    guard case .failure(let error) = result else {
      Issue.record("an oversized file was read")
      return
    }
    #expect(error.message.contains("exceeds the 1000-byte document limit (4096 bytes)"))
  }

  @Test func ruleFilesAllowTheirLocatedTreesMore() {
    #expect(RuleFileLoader.jsonLimits.maximumValueMemory == 512 << 20)
    #expect(RuleFileLoader.jsonLimits.maximumValueMemoryRatio == 12)
  }

  /// A reader of many documents skips the value-memory test for documents up to a size
  /// worked out once from its limits: no document of that size or less could fail it.
  @Test(arguments: [
    JSONLimits.default,
    JSONLimits(maximumValues: 1_000),
    JSONLimits(maximumValueMemory: 1 << 20, minimumValueMemory: 1 << 16),
    JSONLimits(maximumDocumentBytes: 100),
    JSONLimits(maximumValueMemoryRatio: 0, minimumValueMemory: 0),
    JSONLimits(maximumValueMemory: 0),
  ])
  func documentsUpToTheUnscannedSizeCannotExceedTheLimits(limits: JSONLimits) {
    typealias Parser = JSONParser<ValueBuilder>
    let bound = Parser.unscannedDocumentBytes(limits: limits)
    #expect(bound >= -1 && bound <= limits.maximumDocumentBytes)
    guard bound >= 0 else {
      #expect(Parser.mayExceedValueLimits(documentOf: 0, limits: limits))
      return
    }
    var sizes = Array(0...min(bound, 500)) + Array(max(0, bound - 500)...bound)
    sizes += (0..<500).map { _ in Int.random(in: 0...bound) }
    #expect(!sizes.contains { Parser.mayExceedValueLimits(documentOf: $0, limits: limits) })
  }

  /// With the default limits the size is the largest: one byte more may exceed them.
  @Test func theUnscannedSizeIsTightUnderTheDefaults() {
    typealias Parser = JSONParser<ValueBuilder>
    let bound = Parser.unscannedDocumentBytes(limits: .default)
    #expect(bound > 1 << 20)
    #expect(Parser.mayExceedValueLimits(documentOf: bound + 1, limits: .default))
  }

  /// Documents read one after another refuse and accept as a single read does, on either
  /// side of the unscanned size.
  @Test func aReaderOfManyDocumentsRefusesAsASingleReadDoes() throws {
    let limits = JSONLimits(maximumValues: 1_000)
    let reader = JSONDocumentReader(limits: limits)
    for zeros in [998, 999, 1_000, 1_001, 1_500] {
      let text = "[" + Array(repeating: "0", count: zeros).joined(separator: ",") + "]"
      let single = Result { () throws(Diagnostic) -> Value in
        try JSONReader.read(text, limits: limits)
      }
      let many = Array(text.utf8).withUnsafeBytes { bytes in
        Result { () throws(Diagnostic) -> Value in try reader.read(bytes) }
      }
      switch (single, many) {
      case (.success(let a), .success(let b)): #expect(a.structurallyEquals(b) && zeros < 1_000)
      case (.failure(let a), .failure(let b)):
        #expect(a.message == b.message && a.offset == b.offset && zeros >= 1_000)
      default: Issue.record("\(zeros) zeros: \(single) but \(many)")
      }
    }
  }
}
