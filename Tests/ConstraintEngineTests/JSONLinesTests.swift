import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("JSONL streaming")
struct JSONLinesTests {
  /// A line's number and, on success, canonical text, or on failure the error's JSONL line.
  struct Outcome: Equatable, CustomStringConvertible {
    var number: Int
    var canonical: String?
    var errorLine: Int?
    var description: String { "\(number): \(canonical ?? "error at line \(errorLine ?? -1)")" }
  }

  static func outcomes<S: Sequence>(_ lines: S) -> [Outcome]
  where S.Element == JSONLinesReader.Line {
    lines.map { line in
      switch line.result {
      case .success(let value):
        return Outcome(number: line.number, canonical: JSONWriter.canonical(value), errorLine: nil)
      case .failure(let error):
        return Outcome(number: line.number, canonical: nil, errorLine: error.code == .invalidJSON ? line.number : nil)
      }
    }
  }

  /// The reference: split on `\n`, drop one trailing `\r`, skip blank lines, read each.
  static func reference(_ text: String, limits: JSONLimits = .default) -> [Outcome] {
    var result: [Outcome] = []
    let lines = Array(text.utf8).split(
      separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    for (index, slice) in lines.enumerated() {
      var bytes = Array(slice)
      if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
      if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
      switch JSONTestSupport.read(bytes, limits: limits) {
      case .success(let value):
        result.append(Outcome(number: index + 1, canonical: JSONWriter.canonical(value)))
      case .failure:
        result.append(Outcome(number: index + 1, canonical: nil, errorLine: index + 1))
      }
    }
    return result
  }

  static func withTemporaryFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
    let directory = try JSONTestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("input.jsonl").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return try body(path)
  }

  @Test("a bad line reports its number and the following lines still arrive")
  func badLineInTheMiddle() {
    let text = "{\"a\":1}\n{\"a\":2,}\n[3]\n\"four\"\n"
    let lines = Array(JSONLinesReader(bytes: Array(text.utf8)))
    #expect(lines.map(\.number) == [1, 2, 3, 4])
    guard lines.count == 4, case .failure(let error) = lines[1].result else {
      Issue.record("line 2 not a failure")
      return
    }
    #expect(lines[1].number == 2)
    #expect(error.code == .invalidJSON)
    #expect(error.line == 1)
    #expect(error.column == 8)
    #expect(error.description.hasPrefix("1:8: error[CE4001]: "))
    #expect(Self.outcomes(lines) == Self.reference(text))
  }

  @Test(
    "blank and whitespace-only lines are skipped, numbering counts them",
    arguments: [
      "\n  \n1\n\t\r\n2", "1\r\n2\r\n", "1\n2", "\r\n\r\n1\r\n \t \n2\n\n\n", "1\n\n\n2   ",
    ])
  func blankLines(_ text: String) {
    let outcomes = Self.outcomes(JSONLinesReader(bytes: Array(text.utf8)))
    #expect(outcomes.map(\.canonical) == ["1", "2"])
    #expect(outcomes == Self.reference(text))
  }

  @Test("an empty input and an all-blank input give no lines", arguments: ["", "\n", " \r\n\t\n"])
  func emptyInput(_ text: String) throws {
    #expect(Array(JSONLinesReader(bytes: Array(text.utf8))).isEmpty)
    try Self.withTemporaryFile(text) { path in
      #expect(Array(JSONLinesReader(path: path, chunkSize: 7)).isEmpty)
    }
  }

  /// A generated multi-line input: varied lengths, blank lines, `\r\n`, bad lines, Unicode.
  static func generatedInput(seed: UInt64, lines: Int) -> String {
    var generator = JSONValueGenerator(seed: seed)
    var text = ""
    for index in 0..<lines {
      switch index % 9 {
      case 3: text += "   \n"
      case 5: text += "{\"broken\": [1, 2}\n"
      case 7: text += JSONWriter.canonical(generator.value()) + "\r\n"
      default: text += JSONWriter.canonical(generator.value()) + "\n"
      }
    }
    return text + "{\"last\": \"no newline é\"}"
  }

  @Test("lines spanning chunk boundaries read as line by line", arguments: [1, 7, 64, 4096])
  func chunkBoundaries(_ chunkSize: Int) throws {
    let text = Self.generatedInput(seed: 99, lines: 300)
    let expected = Self.reference(text)
    #expect(expected.count > 250)
    try Self.withTemporaryFile(text) { path in
      let streamed = Self.outcomes(JSONLinesReader(path: path, chunkSize: chunkSize))
      #expect(streamed == expected)
    }
    #expect(
      Self.outcomes(JSONLinesReader(bytes: Array(text.utf8), chunkSize: chunkSize)) == expected)
  }

  @Test(
    "a line longer than the document limit fails alone; the next line is read",
    arguments: [7, 16, 64, 65, 66, 1 << 20])
  func overlongLine(_ chunkSize: Int) throws {
    let long = "[" + String(repeating: "1,", count: 200) + "1]"
    // Exactly at the 64-byte limit, with `\r\n`: accepted.
    let fits = "[" + String(repeating: "2,", count: 30) + "22]"
    let text = fits + "\r\n" + long + "\n{\"b\":2}\n" + long + "\n\n[3]\n" + long
    let limits = JSONLimits(maximumDocumentBytes: 64)
    let expected = [
      Outcome(number: 1, canonical: fits), Outcome(number: 2, canonical: nil, errorLine: 2),
      Outcome(number: 3, canonical: "{\"b\":2}"), Outcome(number: 4, canonical: nil, errorLine: 4),
      Outcome(number: 6, canonical: "[3]"), Outcome(number: 7, canonical: nil, errorLine: 7),
    ]
    try Self.withTemporaryFile(text) { path in
      #expect(fits.utf8.count == 64)
      let lines = Array(JSONLinesReader(path: path, limits: limits, chunkSize: chunkSize))
      #expect(Self.outcomes(lines) == expected)
      for line in lines {
        if case .failure(let error) = line.result {
          #expect(error.message.contains("64-byte"), "\(error.message)")
        }
      }
    }
    let fromBytes = JSONLinesReader(bytes: Array(text.utf8), limits: limits, chunkSize: chunkSize)
    #expect(Self.outcomes(fromBytes) == expected)
  }

  @Test("reading from a pipe file descriptor")
  func pipeDescriptor() throws {
    let text = Self.generatedInput(seed: 5, lines: 3_000)
    let expected = Self.reference(text)
    var descriptors: [Int32] = [0, 0]
    #expect(pipe(&descriptors) == 0)
    let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
    defer { close(readEnd) }
    // The input is larger than a pipe's buffer, so a writer thread feeds it while we read.
    let bytes = Array(text.utf8)
    let writer = Thread {
      bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
          let written = write(writeEnd, raw.baseAddress! + offset, raw.count - offset)
          if written <= 0 { break }
          offset += written
        }
      }
      close(writeEnd)
    }
    writer.start()
    let streamed = Self.outcomes(JSONLinesReader(fileDescriptor: readEnd, chunkSize: 1000))
    #expect(bytes.count > 1 << 16)
    #expect(streamed == expected)
  }

  @Test("a missing file gives an error and no lines")
  func missingFile() {
    let lines = Array(JSONLinesReader(path: "/nonexistent/dir/input.jsonl"))
    #expect(lines.count == 1)
    guard case .failure(let error)? = lines.first?.result else {
      Issue.record("no error")
      return
    }
    #expect(error.message.contains("cannot open /nonexistent/dir/input.jsonl"))
  }

  @Test("forEachRawLine passes each non-blank line's bytes with its number", arguments: [7, 4096])
  func rawLines(_ chunkSize: Int) throws {
    let text = "a\n\n  \nbc\r\n" + String(repeating: "x", count: 100) + "\nd"
    let limits = JSONLimits(maximumDocumentBytes: 50)
    func collect(_ reader: JSONLinesReader) -> (seen: [String], failures: [Int]) {
      var seen: [String] = []
      var failures: [Int] = []
      reader.forEachRawLine { number, line in
        switch line {
        case .success(let bytes): seen.append("\(number):" + String(decoding: bytes, as: UTF8.self))
        case .failure(let error):
          failures.append(number)
          #expect(error.code == .invalidJSON && error.range == SourceRange(at: .start))
        }
      }
      return (seen, failures)
    }
    let fromBytes = collect(JSONLinesReader(bytes: Array(text.utf8), limits: limits))
    #expect(fromBytes.seen == ["1:a", "4:bc", "6:d"])
    #expect(fromBytes.failures == [5])
    try Self.withTemporaryFile(text) { path in
      let fromFile = collect(JSONLinesReader(path: path, limits: limits, chunkSize: chunkSize))
      #expect(fromFile.seen == ["1:a", "4:bc", "6:d"])
      #expect(fromFile.failures == [5])
    }
  }
}

extension JSONResourceTests {
  /// Streams a large generated JSONL file and checks memory stays flat. Serialized and kept
  /// apart so that other tests' allocations do not count against it.
  @Suite("JSONL streaming memory")
  struct JSONLinesMemoryTests {
    /// Target size of the generated file.
    static let fileBytes = 200 << 20

    @Test("streaming ~200 MB of JSONL grows peak RSS by less than 64 MiB")
    func constantMemory() throws {
      let directory = try JSONTestSupport.temporaryDirectory()
      defer { try? FileManager.default.removeItem(at: directory) }
      let path = directory.appendingPathComponent("big.jsonl").path
      #expect(FileManager.default.createFile(atPath: path, contents: nil))
      let handle = try #require(FileHandle(forWritingAtPath: path))
      var written = 0
      var lineCount = 0
      var batch = ""
      while written < Self.fileBytes {
        batch.removeAll(keepingCapacity: true)
        for _ in 0..<2_000 {
          lineCount += 1
          batch +=
            #"{"account_id":"acct_\#(lineCount)","budget":{"limit_micro":"1000000000","#
            + #""spent_micro":"\#(lineCount * 37 % 1_000_000_007)"},"cost":\#(lineCount % 997).25,"#
            + #""tags":["a","b","é"],"ledger":{"postings":[{"#
            + #""account":"customer:acct_\#(lineCount)","#
            + #""amount_micro":"-\#(lineCount % 5000)"},{"account":"revenue","amount_micro":"#
            + #""\#(lineCount % 5000)"}]},"note":null,"ok":true}"# + "\n"
        }
        let data = Data(batch.utf8)
        handle.write(data)
        written += data.count
      }
      try handle.close()

      // Without resetting the peak, earlier tests' peaks would hide this one's.
      try #require(ProcessMemory.resetPeak(), "cannot reset VmHWM through /proc/self/clear_refs")
      let before = try #require(ProcessMemory.resident)
      var count = 0
      var failures = 0
      for line in JSONLinesReader(path: path) {
        count += 1
        if case .failure = line.result { failures += 1 }
      }
      let peak = try #require(ProcessMemory.peakResident)
      #expect(count == lineCount)
      #expect(failures == 0)
      #expect(peak - before < 64 << 20, "peak grew by \(peak - before) bytes")
    }
  }
}
