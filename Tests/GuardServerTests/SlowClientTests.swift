import Foundation
import GuardServer
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// One slow client must not block the others, and holds its own connection only until the
/// body timeout.
@Suite("constraint-server: slow clients")
struct SlowClientTests {
  /// A client sends its headers and part of its body, then stops; meanwhile 50 checks on
  /// other connections are all answered, and the stalled connection is closed by the body
  /// timeout without ever being answered with a decision.
  @Test func aStalledBodyBlocksNoOneAndIsClosed() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.bodyTimeout = .seconds(2)
    }
    let port = server.port
    let stalled = try TestConnection(port: port, timeout: 30)
    let body = Array(Fixtures.passing.utf8)
    try stalled.send(
      "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(body.count)\r\n\r\n")
    try stalled.send(Array(body[0..<10]))

    let started = Date()
    let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
      for index in 0..<50 {
        group.addTask {
          try await HTTPTestClient.send(
            .post("/v1/check", json: index % 2 == 0 ? Fixtures.passing : Fixtures.violating),
            port: port
          ).status
        }
      }
      var statuses: [Int] = []
      for try await status in group { statuses.append(status) }
      return statuses
    }
    #expect(statuses.filter { $0 == 200 }.count == 25)
    #expect(statuses.filter { $0 == 422 }.count == 25)
    // Answered while the slow client was still holding its connection open.
    #expect(Date().timeIntervalSince(started) < 30)

    let closed = try await HTTPTestClient.onThread { try stalled.readsEndOfStream() }
    #expect(closed, "the stalled connection was not closed")
    try await server.stop()
  }

  /// A body trickled a byte at a time never finishes before the body timeout: the idle
  /// timeout alone would not catch it, the body deadline does.
  @Test func aTrickledBodyIsCutOffByTheBodyTimeout() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.bodyTimeout = .seconds(1)
      $0.idleTimeout = .seconds(30)
    }
    let port = server.port
    let outcome = try await HTTPTestClient.onThread { () -> (Bool, Double) in
      let connection = try TestConnection(port: port, timeout: 20)
      let body = Array(Fixtures.passing.utf8)
      try connection.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: \(body.count)\r\n\r\n")
      let started = Date()
      for byte in body {
        do {
          try connection.send([byte])
        } catch {
          return (true, Date().timeIntervalSince(started))
        }
        usleep(100_000)
        if Date().timeIntervalSince(started) > 10 { break }
      }
      return (try connection.readsEndOfStream(), Date().timeIntervalSince(started))
    }
    #expect(outcome.0, "the trickling connection was not closed")
    #expect(outcome.1 < 10)
    // Everyone else is served as usual.
    #expect(try await server.check(Fixtures.passing).status == 200)
    try await server.stop()
  }

  /// An NDJSON stream that stops sending lines (but never ends) is closed by the watchdog;
  /// the lines it did send were decided.
  @Test func aStalledStreamIsClosedAfterItsLinesWereDecided() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.bodyTimeout = .seconds(1)
    }
    let port = server.port
    let result = try await HTTPTestClient.onThread { () -> (String, Bool) in
      let connection = try TestConnection(port: port, timeout: 20)
      try connection.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n")
      let line = Fixtures.passing + "\n"
      try connection.send(String(line.utf8.count, radix: 16) + "\r\n" + line + "\r\n")
      _ = try connection.readHead()
      let first = String(decoding: try connection.readChunk() ?? [], as: UTF8.self)
      // Now nothing more: the watchdog closes the connection.
      var closed = false
      do {
        while try connection.readChunk() != nil {}
      } catch {
        closed = true
      }
      return (first, closed)
    }
    #expect(result.0.contains("\"decision\":\"pass\""))
    #expect(result.1, "the stalled stream was not closed")
    #expect(try await server.check(Fixtures.passing).status == 200)
    try await server.stop()
  }
}
