import ConstraintEngine
import Foundation
import Testing

extension JSONResourceTests {
  /// Hostile documents: each ends, within a generous but real time bound, in a clear error or a
  /// success within the limits. Serialized so memory-heavy cases do not overlap.
  @Suite("JSON reader: hostile input")
  struct JSONHostileInputTests {
    /// Reads `bytes`, checking it takes less than `bound`. The bounds catch super-linear work
    /// (minutes on these sizes), not slowness: CI shares 2 cores, so they are generous.
    static func readBounded(
      _ bytes: [UInt8], limits: JSONLimits = .default, bound: Duration = .seconds(10),
      sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) -> Result<Value, Diagnostic> {
      let (result, elapsed) = JSONTestSupport.timed { JSONTestSupport.read(bytes, limits: limits) }
      #expect(elapsed < bound, "took \(elapsed)", sourceLocation: sourceLocation)
      return result
    }

    static func expectError(
      _ result: Result<Value, Diagnostic>, containing part: String,
      sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
      switch result {
      case .success: Issue.record("accepted", sourceLocation: sourceLocation)
      case .failure(let error):
        #expect(error.message.contains(part), "\(error.message)", sourceLocation: sourceLocation)
      }
    }

    @Test("100,000 nested `[` stop at the depth limit")
    func deepArrays() {
      let open = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
      let result = Self.readBounded(open)
      Self.expectError(result, containing: "deeper than 512")
      if case .failure(let error) = result { #expect(error.offset == 512) }
      let balanced = open + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
      Self.expectError(Self.readBounded(balanced), containing: "deeper than 512")
      let objects = [UInt8](String(repeating: "{\"a\":", count: 100_000).utf8)
      Self.expectError(Self.readBounded(objects), containing: "deeper than 512")
    }

    @Test("a 10 MB string is accepted by default and rejected under a lower string limit")
    func hugeString() {
      let content = [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
      let document = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
      switch Self.readBounded(document, bound: .seconds(20)) {
      case .success(.string(let string)): #expect(string.utf8.count == 10 << 20)
      case let other: Issue.record("unexpected \(other)")
      }
      let limited = JSONLimits(maximumStringBytes: 1 << 20)
      let result = Self.readBounded(document, limits: limited)
      Self.expectError(result, containing: "\(1 << 20)-byte limit")
      // With escapes (slow path) the limit stops reading early too.
      let escaped = [UInt8](("[\"" + String(repeating: "\\n", count: 5 << 20) + "\"]").utf8)
      Self.expectError(Self.readBounded(escaped, limits: limited), containing: "byte limit")
    }

    @Test("a 5,000-digit number is rejected, naming the digit limit")
    func longNumber() {
      let digits = [UInt8](repeating: UInt8(ascii: "9"), count: 5_000)
      Self.expectError(Self.readBounded(digits), containing: "4096-digit limit")
      let fraction = [UInt8]("0.".utf8) + digits
      Self.expectError(Self.readBounded(fraction), containing: "4096-digit limit")
    }

    @Test(
      "huge exponents are rejected quickly",
      arguments: [
        "1e999999999", "[1E-999999999]", "-0.5e+99999999999999999999999999999999999999", "1e4097",
      ])
    func hugeExponent(_ text: String) {
      Self.expectError(Self.readBounded(Array(text.utf8)), containing: "exponent")
    }

    @Test("numbers at the limits are still cheap")
    func numbersAtLimits() {
      // Exactly 4,096 digits with trailing fraction zeros, and the largest exponents.
      let number = "1." + String(repeating: "0", count: 4_095)
      let document =
        "[" + Array(repeating: number, count: 200).joined(separator: ",") + ","
        + Array(repeating: "-1e-4095", count: 200).joined(separator: ",") + ","
        + Array(repeating: "1e4095", count: 50).joined(separator: ",") + "]"
      switch Self.readBounded(Array(document.utf8), bound: .seconds(20)) {
      case .success(.array(let elements)):
        #expect(elements.count == 450)
        #expect(elements[0].structurallyEquals(.number(Number(1))))
      case let other: Issue.record("unexpected \(other)")
      }
    }

    static func wideObject(keys: Int, duplicateAt: Int? = nil) -> [UInt8] {
      var text = "{"
      text.reserveCapacity(keys * 16)
      for index in 0..<keys {
        if index > 0 { text += "," }
        let name = index == duplicateAt ? "key\(keys / 3)" : "key\(index)"
        text += "\"\(name)\":\(index)"
      }
      text += "}"
      return Array(text.utf8)
    }

    @Test("100,000 distinct keys read fast; a duplicate among them is rejected")
    func manyKeys() {
      switch Self.readBounded(Self.wideObject(keys: 100_000)) {
      case .success(.object(let object)):
        #expect(object.count == 100_000)
        #expect(object.keys.last == "key99999")
      case let other: Issue.record("unexpected \(other)")
      }
      let duplicate = Self.readBounded(Self.wideObject(keys: 100_000, duplicateAt: 90_000))
      Self.expectError(duplicate, containing: "duplicate key \"key33333\"")
    }

    @Test("the value-count limit stops a document of many small values")
    func valueCount() {
      let document = [UInt8](("[" + String(repeating: "0,", count: 1_000_000) + "0]").utf8)
      let limits = JSONLimits(maximumValues: 100_000)
      let result = Self.readBounded(document, limits: limits)
      Self.expectError(result, containing: "more than 100000 values")
      if case .failure(let error) = result { #expect(error.offset == 1 + 2 * 99_999) }
    }

    @Test("the document-size limit is checked before parsing")
    func documentSize() {
      let document = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20) + [UInt8(ascii: "1")]
      let limits = JSONLimits(maximumDocumentBytes: 1 << 20)
      Self.expectError(Self.readBounded(document, limits: limits), containing: "-byte limit")
    }
  }
}
