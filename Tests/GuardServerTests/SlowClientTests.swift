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
  /// other connections are all answered, and the stalled client still holds its connection
  /// (the body timeout is long here; closing it is the next test's subject).
  @Test func aStalledBodyBlocksNoOne() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.bodyTimeout = .seconds(300)
    }
    let port = server.port
    let stalled = try TestConnection(port: port, timeout: 30)
    let body = Array(Fixtures.passing.utf8)
    try stalled.send(
      "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(body.count)\r\n\r\n")
    try stalled.send(Array(body[0..<10]))

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
    // The slow client was still there all along: its connection open, nothing answered.
    var poller = pollfd(fd: stalled.descriptor, events: Int16(POLLIN), revents: 0)
    #expect(poll(&poller, 1, 0) == 0, "the stalled connection was answered or closed")
    // It finishes its body late, and is answered like anyone else.
    try stalled.send(Array(body[10...]))
    let late = try await HTTPTestClient.onThread { try stalled.readResponse() }
    #expect(late.status == 200)
    try await server.stop()
  }

  /// A client that sends its headers and part of the body, then nothing: closed after the
  /// body timeout, never answered with a decision.
  @Test func aStalledBodyIsClosedAfterTheBodyTimeout() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.bodyTimeout = .seconds(1)
    }
    let port = server.port
    let closed = try await HTTPTestClient.onThread { () -> Bool in
      let stalled = try TestConnection(port: port, timeout: 60)
      let body = Array(Fixtures.passing.utf8)
      try stalled.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: \(body.count)\r\n\r\n")
      try stalled.send(Array(body[0..<10]))
      return try stalled.readsEndOfStream()
    }
    #expect(closed, "the stalled connection was not closed")
    #expect(try await server.check(Fixtures.passing).status == 200)
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
