import ConservationGuard
import ConstraintBatch
import ConstraintEngine
import Foundation
import GuardServer
import Testing

@Suite("constraint-server: NDJSON checks, streamed")
struct ServerStreamTests {
  static func ndjson(_ body: String) -> HTTPTestRequest {
    .post("/v1/check", json: body, contentType: "application/x-ndjson")
  }

  @Test func oneDecisionPerLineThenASummary() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let body = [
      Fixtures.passing,  // 1
      Fixtures.violating,  // 2
      "",  // 3: blank, skipped
      "{\"broken\": ",  // 4
      "[1, 2]",  // 5
      Fixtures.passing + "\r",  // 6: CRLF
      "{\"pending_reconciliations\": 11}",  // 7: a snapshot like any other, never a control
      Fixtures.passing,  // 8: no final newline
    ].joined(separator: "\n")
    let response = try await server.send(Self.ndjson(body))
    #expect(response.status == 200)
    #expect(response.headers["content-type"] == "application/x-ndjson")
    let lines = try response.jsonLines()
    try #require(lines.count == 8)
    #expect(lines.map { $0["line"] as? Int } == [1, 2, 4, 5, 6, 7, 8, nil])
    #expect(lines[0]["decision"] as? String == "pass")
    #expect(lines[0]["status"] as? Int == 200)
    #expect(lines[1]["decision"] as? String == "violation")
    #expect(lines[1]["status"] as? Int == 422)
    #expect((lines[1]["violations"] as? [[String: Any]])?.count == 2)
    #expect(lines[2]["decision"] as? String == "error")
    #expect(lines[2]["status"] as? Int == 400)
    #expect(lines[2]["error"] as? String == "invalid_json")
    #expect((lines[2]["message"] as? String)?.hasPrefix("1:") == true)
    // The diagnostic `constraint check --format jsonl` gives the same line (code and message).
    #expect(lines[2]["code"] as? String == "CE4001")
    var decoder = SnapshotLineDecoder(limits: .default)
    var expected: Diagnostic?
    Array("{\"broken\": ".utf8).withUnsafeBytes { bytes in
      decoder.feed(bytes) { _ in }
    }
    decoder.finish { line in
      if case .unreadable(_, let diagnostic, _) = line { expected = diagnostic }
    }
    let diagnostic = try #require(expected)
    #expect(lines[2]["message"] as? String == "\(diagnostic.range.start): \(diagnostic.message)")
    #expect(lines[3]["error"] as? String == "not_a_snapshot")
    #expect(lines[4]["decision"] as? String == "pass")
    #expect(lines[5]["decision"] as? String == "violation")
    #expect(lines[6]["decision"] as? String == "pass")
    let summary = lines[7]
    #expect(summary["end"] as? Bool == true)
    #expect(summary["complete"] as? Bool == true)
    #expect(summary["snapshots"] as? Int == 5)
    #expect(summary["pass"] as? Int == 3)
    #expect(summary["violation"] as? Int == 2)
    #expect(summary["error"] as? Int == 2)
    // The control-shaped line did not touch the DLQ count.
    #expect(server.server.guardian.health().pendingReconciliations == 0)
    // Every decision line decodes as the guard's Codable decision.
    for line in [lines[0], lines[1], lines[4]] {
      let data = try JSONSerialization.data(withJSONObject: line)
      _ = try JSONDecoder().decode(GuardDecision.self, from: data)
    }
    try await server.stop()
  }

  /// Decisions come back while the request is still being sent.
  @Test func decisionsAreStreamedAsLinesArrive() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let decisions = try await HTTPTestClient.onThread { [port = server.port] in
      let connection = try TestConnection(port: port)
      try connection.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n")
      func sendChunk(_ text: String) throws {
        try connection.send(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n")
      }
      try sendChunk(Fixtures.passing + "\n")
      let (status, _) = try connection.readHead()
      var seen: [String] = []
      // The first decision arrives before the second line is sent.
      seen.append(String(decoding: try connection.readChunk() ?? [], as: UTF8.self))
      try sendChunk(Fixtures.violating + "\n")
      seen.append(String(decoding: try connection.readChunk() ?? [], as: UTF8.self))
      try connection.send("0\r\n\r\n")
      while let chunk = try connection.readChunk() {
        seen.append(String(decoding: chunk, as: UTF8.self))
      }
      return (status, seen)
    }
    #expect(decisions.0 == 200)
    #expect(decisions.1[0].contains("\"line\":1,\"decision\":\"pass\""))
    #expect(decisions.1[1].contains("\"line\":2,\"decision\":\"violation\""))
    #expect(decisions.1.last?.contains("\"end\":true") == true)
    try await server.stop()
  }

  @Test func overlongLinesAndTheStreamLimit() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.maximumBodyBytes = 2048
      $0.maximumStreamBytes = 64 * 1024
    }
    let long = "{\"x\": \"" + String(repeating: "y", count: 3000) + "\"}"
    let response = try await server.send(
      Self.ndjson([Fixtures.passing, long, Fixtures.passing].joined(separator: "\n") + "\n"))
    let lines = try response.jsonLines()
    #expect(lines.count == 4)
    #expect(lines[1]["status"] as? Int == 413)
    #expect(lines[1]["error"] as? String == "line_too_large")
    #expect(lines[1]["code"] as? String == "CE4001")
    #expect(
      lines[1]["message"] as? String == "1:1: line longer than the 2048-byte document limit")
    #expect(lines[2]["decision"] as? String == "pass")
    #expect(lines[3]["complete"] as? Bool == true)

    // Past the stream limit: the lines so far are decided, then an error and complete=false.
    let many = Array(repeating: Fixtures.passing, count: 200).joined(separator: "\n")
    let cut = try await HTTPTestClient.onThread { [port = server.port] in
      let connection = try TestConnection(port: port)
      try connection.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n")
      let bytes = Array(many.utf8)
      for start in stride(from: 0, to: bytes.count, by: 4096) {
        let piece = Array(bytes[start..<min(start + 4096, bytes.count)])
        try connection.send(String(piece.count, radix: 16) + "\r\n")
        try connection.send(piece)
        try connection.send("\r\n")
      }
      try connection.send("0\r\n\r\n")
      return try connection.readResponse()
    }
    let cutLines = try cut.jsonLines()
    let summary = try #require(cutLines.last)
    #expect(summary["complete"] as? Bool == false)
    #expect(cutLines.contains { $0["error"] as? String == "body_too_large" })
    #expect((summary["pass"] as? Int ?? 0) > 0)
    #expect((summary["pass"] as? Int ?? 0) < 200)
    // An announced body over the limit is refused before it is read.
    let announced = try await server.send(Self.ndjson(many))
    #expect(announced.status == 413)
    try await server.stop()
  }

  @Test func anEmptyStreamIsNotAPass() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    for body in ["", "\n\n  \n"] {
      let response = try await server.send(Self.ndjson(body))
      let lines = try response.jsonLines()
      #expect(lines.count == 2)
      #expect(lines[0]["error"] as? String == "no_snapshots")
      #expect(lines[1]["snapshots"] as? Int == 0)
      #expect(lines[1]["pass"] as? Int == 0)
    }
    try await server.stop()
  }

  @Test func aDegradedGuardRefusesTheStreamWith503() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let server = try await InProcessServer.start(rules: rules.path)
    let response = try await server.send(Self.ndjson(Fixtures.passing + "\n"))
    #expect(response.status == 503)
    #expect(response.headers["retry-after"] == "3")
    #expect(try response.json()["reason"] as? String == "compile_failed")
    try await server.stop()
  }
}
