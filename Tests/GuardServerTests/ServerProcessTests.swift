import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The `constraint-server` executable as an operator runs it: flags, exit statuses, the
/// configuration and log lines on standard error, signals.
@Suite("constraint-server process")
struct ServerProcessTests {
  /// Runs the binary to completion (for flags that exit at once).
  static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ServerBinary.path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    var environment = ProcessInfo.processInfo.environment
    for key in environment.keys where key.hasPrefix("CONSTRAINT_SERVER_") {
      environment[key] = nil
    }
    process.environment = environment
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: stdout, as: UTF8.self),
      String(decoding: stderr, as: UTF8.self)
    )
  }

  @Test(
    arguments: [
      (["--bogus"], "unknown option `--bogus`"),
      ([], "--rules DIR is required"),
      (["--rules", "Rules", "--port", "-5"], "--port must be"),
      (["--rules", "Rules", "--log-format", "yaml"], "--log-format"),
      (["--rules", "Rules", "--retry-interval", "0.01"], "--retry-interval"),
    ] as [([String], String)])
  func badFlagsExit2WithAMessage(arguments: [String], message: String) throws {
    let result = try Self.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("error: "))
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stderr.contains("--help"))
    #expect(result.stdout.isEmpty)
  }

  @Test func helpAndVersionExit0() throws {
    let help = try Self.run(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("USAGE: constraint-server --rules DIR"))
    #expect(help.stdout.contains("EVALUATOR_BYPASS"))
    let version = try Self.run(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout.hasPrefix("constraint-server "))
  }

  @Test func configurationIsPrintedAtStartAndLogsAreJSONLines() async throws {
    let rules = try RuleDirectory()
    let server = try ServerProcess(arguments: [
      "--rules", rules.path, "--port", "0", "--log-format", "json", "--dlq-threshold", "7",
    ])
    let port = try server.waitForPort()
    #expect(
      try await HTTPTestClient.send(.post("/v1/check", json: Fixtures.violating), port: port).status
        == 422)
    server.signal(SIGTERM)
    #expect(server.waitForExit() == 0)
    let lines = server.stderrLines
    var messages: [String] = []
    for line in lines {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
      #expect(object["timestamp"] is String)
      #expect(object["level"] is String)
      messages.append(object["message"] as? String ?? "")
      if object["message"] as? String == "server_config" {
        #expect(object["rules"] as? String == rules.path)
        #expect(object["dlq_threshold"] as? String == "7")
        #expect(object["host"] as? String == "127.0.0.1")
        #expect(object["retry_interval_seconds"] as? String == "3")
        #expect(object["admin"] as? String == "disabled")
      }
    }
    #expect(messages.first == "server_config")
    for event in ["state=ready", "listening", "HARD_FAIL", "shutdown_started", "shutdown_complete"]
    {
      #expect(messages.contains(event), "no \(event) in \(messages)")
    }
  }

  @Test func aPortInUseExits2() throws {
    let rules = try RuleDirectory()
    let first = try ServerProcess(arguments: ["--rules", rules.path, "--port", "0"])
    let port = try first.waitForPort()
    let second = try ServerProcess(arguments: ["--rules", rules.path, "--port", "\(port)"])
    #expect(second.waitForExit(timeout: 30) == 2)
    #expect(second.stderrLines.contains { $0.contains("server_failed") })
    first.signal(SIGINT)
    #expect(first.waitForExit() == 0)
  }

  /// SIGTERM with checks in flight: new connections are refused, every check already
  /// started is answered, then the process exits 0.
  @Test func gracefulShutdownLosesNoCheckInFlight() async throws {
    let rules = try RuleDirectory()
    // A long shutdown timeout: the drain must end because the checks were answered.
    let server = try ServerProcess(arguments: [
      "--rules", rules.path, "--port", "0", "--shutdown-timeout", "300",
    ])
    let port = try server.waitForPort()
    let count = 20
    // The whole exchange on one thread of its own, so nothing in it waits for the test pool.
    let outcome = try await HTTPTestClient.onThread { () -> (Bool, Bool, [Int]) in
      let connections = try (0..<count).map { _ in try TestConnection(port: port, timeout: 60) }
      let bodies = (0..<count).map { index in
        Array((index % 2 == 0 ? Fixtures.passing : Fixtures.violating).utf8)
      }
      for (connection, body) in zip(connections, bodies) {
        try connection.send(
          "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\n\r\n")
        try connection.send(Array(body[0..<(body.count / 2)]))
      }
      // Wait until the server is answering all of them (heads read, bodies awaited).
      var inFlight = false
      let deadline = Date().addingTimeInterval(60)
      while !inFlight && Date() < deadline {
        let probe = try TestConnection(port: port)
        try probe.send(HTTPTestRequest.get("/metrics").bytes)
        inFlight = try probe.readResponse().text.contains(
          "conservation_guard_http_checks_in_flight \(count).0")
        if !inFlight { usleep(20_000) }
      }
      guard inFlight else { return (false, false, []) }

      server.signal(SIGTERM)
      _ = try server.waitForLine { $0.contains("shutdown_started") }
      // The listener is closed: a new connection is refused.
      var refused = false
      let until = Date().addingTimeInterval(30)
      while !refused && Date() < until {
        do {
          _ = try TestConnection(port: port, timeout: 2)
          usleep(50_000)
        } catch {
          refused = true
        }
      }
      var statuses: [Int] = []
      for (connection, body) in zip(connections, bodies) {
        try connection.send(Array(body[(body.count / 2)...]))
        statuses.append(try connection.readResponse().status)
      }
      return (true, refused, statuses)
    }
    #expect(outcome.0, "the checks never were all in flight")
    #expect(outcome.1, "new connections were still accepted after SIGTERM")
    #expect(outcome.2 == (0..<count).map { $0 % 2 == 0 ? 200 : 422 })
    #expect(server.waitForExit() == 0)
    #expect(server.stderrLines.contains { $0.contains("shutdown_complete") })
  }

  @Test func sigintShutsDownGracefullyToo() throws {
    let rules = try RuleDirectory()
    let server = try ServerProcess(arguments: ["--rules", rules.path, "--port", "0"])
    _ = try server.waitForPort()
    server.signal(SIGINT)
    #expect(server.waitForExit() == 0)
    #expect(server.stderrLines.contains { $0.contains("shutdown_complete") })
  }
}
