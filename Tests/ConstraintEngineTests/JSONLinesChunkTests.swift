import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 21: lines read in chunks on one thread and split on another
/// (``JSONLinesReader/forEachChunk(chunkSize:maximumLines:makeChunk:_:)`` then
/// ``JSONLinesReader/forEachLine(of:limits:_:)``) are exactly the lines
/// ``JSONLinesReader/forEachRawLine(_:)`` gives: same numbers, bytes and failures.
@Suite("JSONL chunks split like raw lines")
struct JSONLinesChunkTests {
  /// Each line as `N ok <bytes>` or `N error <message>`.
  static func rawLines(_ reader: JSONLinesReader) -> [String] {
    var seen: [String] = []
    reader.forEachRawLine { number, line in seen.append(Self.describe(number, line)) }
    return seen
  }

  static func describe(_ number: Int, _ line: Result<UnsafeRawBufferPointer, Diagnostic>)
    -> String
  {
    switch line {
    case .success(let bytes): return "\(number) ok \(String(decoding: bytes, as: UTF8.self))"
    case .failure(let error): return "\(number) error \(error.message)"
    }
  }

  /// The lines of `reader` read in chunks of `chunkSize` bytes (at most `maximumLines`
  /// lines each), numbered as a parallel run numbers them: each chunk after the lines of
  /// the chunks before it. Also checks every chunk's line count against `maximumLines`.
  static func chunkedLines(
    _ reader: JSONLinesReader, chunkSize: Int, maximumLines: Int = .max,
    chunks: inout Int
  ) -> [String] {
    var seen: [String] = []
    var before = 0
    reader.forEachChunk(
      chunkSize: chunkSize, maximumLines: maximumLines,
      makeChunk: { JSONLinesChunk(capacity: $0) }
    ) { chunk in
      chunks += 1
      var reported = 0
      let lines = JSONLinesReader.forEachLine(of: chunk, limits: reader.limits) { number, line in
        reported += 1
        seen.append(Self.describe(number == 0 ? 0 : number + before, line))
      }
      #expect(lines <= maximumLines, "a chunk of \(lines) lines, at most \(maximumLines) asked")
      #expect(reported <= max(lines, 1))
      before += lines
    }
    return seen
  }

  static func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("chunks-\(UUID().uuidString).jsonl").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
  }

  /// Blank lines, `\r\n`, whitespace-only lines, a final `\r`, malformed lines, lines over a
  /// 12-byte document limit (blank or not), multi-byte UTF-8, no final newline.
  static let hostile: [String] = [
    "{\"a\":1}\n\n  \n{\"b\":2}\r\n\t\r\n[1,2]\nnot json\n\"é€𝄞\"\n"
      + "{\"long\":\"0123456789\"}\n"
      + "                        \n\r\r\n3\r",
    "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15",
    "\n\n\n\n",
    "",
    "\r",
    "{\"s\":\"ü\"}\r\n{\"s\":\"ü\"}\r\n{\"t\":\"0123456789ab\"}\n\n7",
  ]

  @Test(
    "every chunk size and line cap splits a file like raw lines",
    arguments: hostile.indices)
  func everyChunkBoundary(_ index: Int) throws {
    let bytes = Array(Self.hostile[index].utf8)
    let limits = JSONLimits(maximumDocumentBytes: 12)
    try Self.withFile(bytes) { path in
      for chunkSize in 1...(bytes.count + 2) {
        let expected = Self.rawLines(
          JSONLinesReader(path: path, limits: limits, chunkSize: chunkSize))
        for maximumLines in [1, 2, 3, 7, Int.max] {
          var chunks = 0
          let file = Self.chunkedLines(
            JSONLinesReader(path: path, limits: limits), chunkSize: chunkSize,
            maximumLines: maximumLines, chunks: &chunks)
          #expect(file == expected, "chunk \(chunkSize), lines \(maximumLines)")
          let memory = Self.chunkedLines(
            JSONLinesReader(bytes: bytes, limits: limits), chunkSize: chunkSize,
            maximumLines: maximumLines, chunks: &chunks)
          #expect(memory == Self.rawLines(JSONLinesReader(bytes: bytes, limits: limits)))
        }
      }
    }
  }

  @Test("the line cap holds: one line per chunk gives a chunk per line")
  func oneLinePerChunk() throws {
    let bytes = Array("1\n\n2\n3\n".utf8)
    try Self.withFile(bytes) { path in
      var chunks = 0
      let lines = Self.chunkedLines(
        JSONLinesReader(path: path), chunkSize: 64, maximumLines: 1, chunks: &chunks)
      #expect(lines == ["1 ok 1", "3 ok 2", "4 ok 3"])
      #expect(chunks == 4)
    }
  }

  @Test("a line longer than the chunk grows it; one over the limit is reported and skipped")
  func longLines() throws {
    let limits = JSONLimits(maximumDocumentBytes: 40)
    let long = "[" + String(repeating: "1,", count: 15) + "1]"  // 33 bytes: grows a chunk of 4
    let tooLong = "[" + String(repeating: "1,", count: 40) + "1]"
    let blankTooLong = String(repeating: " ", count: 100)
    let text = [long, tooLong, "2", tooLong, tooLong, blankTooLong, long].joined(separator: "\n")
    let bytes = Array(text.utf8)
    try Self.withFile(bytes) { path in
      let expected = Self.rawLines(JSONLinesReader(path: path, limits: limits, chunkSize: 4))
      #expect(expected.count == 7, "\(expected)")
      #expect(expected.filter { $0.contains("error") }.count == 4, "\(expected)")
      for maximumLines in [1, 2, Int.max] {
        var chunks = 0
        let lines = Self.chunkedLines(
          JSONLinesReader(path: path, limits: limits), chunkSize: 4, maximumLines: maximumLines,
          chunks: &chunks)
        #expect(lines == expected, "lines \(maximumLines)")
      }
    }
  }

  /// A blank line longer than the document limit is too long whether or not a reader's buffer
  /// held it whole (it used to be skipped as blank when it fit in the buffer); one at the limit
  /// before its `\r` is blank.
  @Test("a blank line over the limit is too long whatever the buffer and chunk sizes")
  func blankLineOverTheLimit() throws {
    let limits = JSONLimits(maximumDocumentBytes: 40)
    let text = "1\n" + String(repeating: " ", count: 41) + "\n"
      + String(repeating: "\t", count: 40) + "\r\n2\n"
    let expected = [
      "1 ok 1", "2 error line longer than the 40-byte document limit", "4 ok 2",
    ]
    let bytes = Array(text.utf8)
    try Self.withFile(bytes) { path in
      for size in [4, 41, 64, 1 << 16] {
        #expect(
          Self.rawLines(JSONLinesReader(path: path, limits: limits, chunkSize: size)) == expected,
          "buffer \(size)")
        var chunks = 0
        let chunked = Self.chunkedLines(
          JSONLinesReader(path: path, limits: limits), chunkSize: size, chunks: &chunks)
        #expect(chunked == expected, "chunks of \(size)")
      }
    }
  }

  @Test("an input that cannot be opened is line 0, as in raw lines")
  func openError() {
    let reader = JSONLinesReader(path: "/nonexistent/chunks.jsonl")
    var chunks = 0
    let lines = Self.chunkedLines(reader, chunkSize: 16, chunks: &chunks)
    #expect(lines == Self.rawLines(JSONLinesReader(path: "/nonexistent/chunks.jsonl")))
    #expect(lines.count == 1 && lines[0].hasPrefix("0 error cannot open"), "\(lines)")
  }

  @Test("a read error after whole lines, or cutting one, ends the chunks as raw lines end")
  func readErrors() {
    for text in ["{\"a\": 1}\n{\"a\": 2}\n", "{\"a\": 1}\n123", "", "x\n\n"] {
      let first = resetSocket(after: text)
      defer { close(first) }
      let raw = Self.rawLines(JSONLinesReader(fileDescriptor: first))
      let socket = resetSocket(after: text)
      defer { close(socket) }
      var chunks = 0
      let lines = Self.chunkedLines(
        JSONLinesReader(fileDescriptor: socket), chunkSize: 4, chunks: &chunks)
      #expect(lines == raw, "\(text.debugDescription)")
      #expect(lines.last?.contains("Connection reset by peer") == true, "\(lines)")
    }
  }

  @Test("from a pipe, a chunk is handed out as soon as a read brings whole lines")
  func slowProducer() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    defer { close(ends[0]) }
    func send(_ text: String) {
      _ = Array(text.utf8).withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
    }
    // The next line is only written once the chunk of the one before arrived: a reader
    // waiting for a full chunk would wait for ever (the suite's time limit fails it).
    send("1\n")
    var received: [String] = []
    JSONLinesReader(fileDescriptor: ends[0]).forEachChunk(
      chunkSize: 1 << 20, makeChunk: { JSONLinesChunk(capacity: $0) }
    ) { chunk in
      JSONLinesReader.forEachLine(of: chunk, limits: .default) { number, line in
        received.append(Self.describe(number, line))
      }
      if received.count < 3 { send("\(received.count + 1)\n") } else { close(ends[1]) }
    }
    #expect(received == ["1 ok 1", "1 ok 2", "1 ok 3"])
  }
}
