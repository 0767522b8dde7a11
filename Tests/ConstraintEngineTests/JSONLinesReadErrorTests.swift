import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A socket whose peer sent `text` and then reset the connection: reading it gives `text`,
/// then `ECONNRESET`. The caller closes the returned descriptor. (Also used by the chunked
/// reading tests.)
func resetSocket(after text: String) -> Int32 {
  var pair: [Int32] = [0, 0]
  precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
  let bytes = Array(text.utf8)
  _ = bytes.withUnsafeBytes { write(pair[0], $0.baseAddress, $0.count) }
  // Unread data in the peer's own queue turns its close into a reset.
  let poison: [UInt8] = [0x21]
  _ = poison.withUnsafeBytes { write(pair[1], $0.baseAddress, 1) }
  close(pair[0])
  return pair[1]
}

/// Each line as `ok N` or `error N: message`.
private func summary(_ reader: JSONLinesReader) -> [String] {
  reader.map { line in
    switch line.result {
    case .success: return "ok \(line.number)"
    case .failure(let error): return "error \(line.number): \(error.message)"
    }
  }
}

@Suite("JSONL read errors are reported, never taken for the end of input")
struct JSONLinesReadErrorTests {
  @Test func aDirectoryIsAReadErrorNotAnEmptyInput() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("jsonl-dir-\(UUID().uuidString).jsonl")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let lines = summary(JSONLinesReader(path: directory.path))
    #expect(lines.count == 1)
    #expect(lines.first?.contains("Is a directory") == true, "\(lines)")
  }

  @Test func aResetAtALineBoundaryEndsWithAnError() {
    let descriptor = resetSocket(after: "{\"a\": 1}\n{\"a\": 2}\n")
    defer { close(descriptor) }
    let lines = summary(JSONLinesReader(fileDescriptor: descriptor))
    #expect(lines.count == 3, "\(lines)")
    #expect(Array(lines.prefix(2)) == ["ok 1", "ok 2"])
    #expect(lines.last?.hasPrefix("error 3: ") == true, "\(lines)")
    #expect(lines.last?.contains("Connection reset by peer") == true, "\(lines)")
  }

  @Test func aLineCutByAResetIsNotReadAsASnapshot() {
    // `123` alone is valid JSON: the cut line must be the read error, not a snapshot.
    let descriptor = resetSocket(after: "{\"a\": 1}\n123")
    defer { close(descriptor) }
    let lines = summary(JSONLinesReader(fileDescriptor: descriptor))
    #expect(lines.count == 2, "\(lines)")
    #expect(lines.first == "ok 1")
    #expect(lines.last?.contains("Connection reset by peer") == true, "\(lines)")
  }

  @Test func rawLinesReportTheReadErrorToo() {
    let descriptor = resetSocket(after: "{\"a\": 1}\n")
    defer { close(descriptor) }
    var seen: [String] = []
    JSONLinesReader(fileDescriptor: descriptor).forEachRawLine { number, line in
      switch line {
      case .success: seen.append("ok \(number)")
      case .failure(let error): seen.append("error \(number): \(error.message)")
      }
    }
    #expect(seen.count == 2, "\(seen)")
    #expect(seen.last?.contains("Connection reset by peer") == true, "\(seen)")
  }
}
