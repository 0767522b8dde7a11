import ConstraintBatch
import ConstraintEngine
import Testing

@Suite("SnapshotLineDecoder: JSON lines pushed in chunks, read as a JSON-lines check reads them")
struct SnapshotLineDecoderTests {
  /// Blank lines (spaces, tabs, `\r` only), CRLF, a malformed line, an over-long line (the
  /// limit below is 40 bytes), one exactly at the limit, a line split by `\r`, a blank line
  /// over the limit (too long, as any line: whether a buffer held it never decides) and one at
  /// it before its `\r` (blank), and a last line without a newline.
  static let input =
    "{\"n\":2}\n\n  \t\n\r\r\n{\"n\":3}\r\n{\"n\": \n{\"n\":\"" + String(repeating: "x", count: 60)
    + "\"}\n{\"n\":\"" + String(repeating: "y", count: 31) + "\"}\n[1,\r2]\n"
    + String(repeating: " ", count: 50) + "\n" + String(repeating: " ", count: 40) + "\r\n"
    + "{\"n\":1001}"

  static var limits: JSONLimits {
    var limits = JSONLimits.default
    limits.maximumDocumentBytes = 40
    return limits
  }

  /// `number: value` or `number: CODE line:column message (too long)` for each line.
  static func describe(_ line: SnapshotLineDecoder.Line) -> String {
    switch line {
    case .snapshot(let number, let value): return "\(number): \(JSONWriter.canonical(value))"
    case .unreadable(let number, let diagnostic, let tooLong):
      return "\(number): \(diagnostic.code) \(diagnostic.range.start) \(diagnostic.message)"
        + (tooLong ? " (too long)" : "")
    }
  }

  /// The decoder's lines for `input` fed in chunks of `size` bytes.
  static func decoded(chunkSize size: Int) -> [String] {
    let bytes = Array(input.utf8)
    var decoder = SnapshotLineDecoder(limits: limits)
    var lines: [String] = []
    for start in stride(from: 0, to: bytes.count, by: size) {
      bytes[start..<min(start + size, bytes.count)].withUnsafeBytes { chunk in
        decoder.feed(chunk) { lines.append(describe($0)) }
      }
    }
    decoder.finish { lines.append(describe($0)) }
    return lines
  }

  @Test func linesAreTheJSONLinesReadersWhateverTheChunks() {
    // What the reader of `check`'s JSON-lines files gives for the same bytes.
    let expected = JSONLinesReader(bytes: Array(Self.input.utf8), limits: Self.limits).map {
      line -> String in
      switch line.result {
      case .success(let value): return "\(line.number): \(JSONWriter.canonical(value))"
      case .failure(let error):
        let diagnostic = error
        let tooLong = error.message.hasPrefix("line longer than")
        return "\(line.number): \(diagnostic.code) \(diagnostic.range.start) "
          + diagnostic.message + (tooLong ? " (too long)" : "")
      }
    }
    #expect(expected.count == 8)
    #expect(expected.contains { $0.hasPrefix("7: CE4001 1:1 line longer than the 40-byte") })
    #expect(expected.contains { $0.hasPrefix("10: CE4001 1:1 line longer than the 40-byte") })
    for size in [1, 2, 3, 7, 16, 41, 42, 1 << 16] {
      #expect(Self.decoded(chunkSize: size) == expected, "chunks of \(size) bytes")
    }
  }

  @Test func unreadableLinesHaveTheDiagnosticsOfABatchCheck() throws {
    var options = BatchOptions(jobs: 1)
    options.limits = Self.limits
    let events = try BatchFixture.events(
      .jsonLines(Array(Self.input.utf8), name: "stream"), options: options)
    let fromCheck = BatchFixture.snapshots(events).compactMap { snapshot -> String? in
      guard case .failure(let diagnostic) = snapshot.outcomes else { return nil }
      return "\(snapshot.line ?? 0): \(diagnostic)"
    }
    var decoder = SnapshotLineDecoder(limits: Self.limits)
    var fromDecoder: [String] = []
    Array(Self.input.utf8).withUnsafeBytes { bytes in
      decoder.feed(bytes) { line in
        if case .unreadable(let number, let diagnostic, _) = line {
          fromDecoder.append("\(number): \(diagnostic)")
        }
      }
    }
    decoder.finish { _ in }
    #expect(fromCheck.count == 3)
    #expect(fromDecoder == fromCheck)
  }

  @Test func aVeryLongLineIsSkippedToItsEnd() {
    var decoder = SnapshotLineDecoder(limits: Self.limits)
    var lines: [String] = []
    let chunk = Array(repeating: UInt8(ascii: "x"), count: 1 << 20)
    for _ in 0..<8 {
      chunk.withUnsafeBytes { decoder.feed($0) { lines.append(Self.describe($0)) } }
    }
    Array("\n{\"n\":4}".utf8).withUnsafeBytes {
      decoder.feed($0) { lines.append(Self.describe($0)) }
    }
    decoder.finish { lines.append(Self.describe($0)) }
    #expect(
      lines == [
        "1: CE4001 1:1 line longer than the 40-byte document limit (too long)", "2: {\"n\":4}",
      ])
    #expect(decoder.lineNumber == 2)
  }
}
