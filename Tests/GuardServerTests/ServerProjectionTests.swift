import ConstraintBatch
import Foundation
import GuardServer
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `--projection`: snapshots read through the projection of the rule set that decides them,
/// with the answers (decisions and refusals) of a full read.
@Suite("constraint-server: projected reading")
struct ServerProjectionTests {
  static func configuration(
    _ arguments: [String], environment: [String: String] = [:]
  ) throws -> ServerConfiguration {
    try ServerConfigurationTests.configuration(
      ["--rules", "Rules"] + arguments, environment: environment)
  }

  @Test func theOptionFollowsTheBatchDefaultAndTheFlagsWin() throws {
    #expect(try Self.configuration([]).projectsReads == BatchOptions().projectsReads)
    #expect(try Self.configuration(["--projection"]).projectsReads)
    #expect(try !Self.configuration(["--no-projection"]).projectsReads)
    let on = ["CONSTRAINT_SERVER_PROJECTION": "true"]
    #expect(try Self.configuration([], environment: on).projectsReads)
    #expect(try !Self.configuration(["--no-projection"], environment: on).projectsReads)
    let off = ["CONSTRAINT_SERVER_PROJECTION": "false"]
    #expect(try !Self.configuration([], environment: off).projectsReads)
    #expect(try Self.configuration(["--projection"], environment: off).projectsReads)
    #expect(
      try Self.configuration(["--projection"]).summary.contains { $0 == ("projection", "on") })
    for arguments in [["--projection", "--no-projection"], ["--no-projection", "--projection"]] {
      #expect(throws: UsageError.self) { try Self.configuration(arguments) }
    }
    #expect(throws: UsageError.self) { try Self.configuration(["--projection=true"]) }
    #expect(throws: UsageError.self) {
      try Self.configuration([], environment: ["CONSTRAINT_SERVER_PROJECTION": "yes"])
    }
    #expect(ServerConfiguration.usage.contains("--projection, --no-projection"))
  }

  /// Bodies whose answers must not depend on projection: decisions, and documents broken only
  /// where the billing rules' projection skips (`extra`), including caps and duplicates.
  static var bodies: [String] {
    let passing = Fixtures.passing
    func withExtra(_ fragment: String) -> String {
      "{\"extra\": " + fragment + ", " + passing.dropFirst()
    }
    return [
      passing, Fixtures.violating, Fixtures.oneLine(Fixtures.snapshot("unbalanced-ledger")),
      Fixtures.oneLine(Fixtures.snapshot("spent-decreased")),
      withExtra("{\"a\": [1, {\"b\": null}], \"c\": \"\\u00e9\"}"),
      withExtra("[1, 2,]"), withExtra("{\"k\": 1, \"\\u006b\": 2}"), withExtra("\"\\ud800\""),
      withExtra("01"), withExtra("\"a\u{1}b\""),
      withExtra(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)),
      passing.replacingOccurrences(of: "\"operation\": \"commit\"", with: "\"operation\": tru"),
      passing + " {}", "[" + passing + "]", "{\"extra\": 1, \"extra\": 2}",
    ]
  }

  /// Each body as one check and as NDJSON lines: the same status and bytes with and without
  /// projection.
  @Test func answersAreTheSameProjectedAndInFull() async throws {
    let rules = try RuleDirectory()
    let projected = try await InProcessServer.start(rules: rules.path) { $0.projectsReads = true }
    let full = try await InProcessServer.start(rules: rules.path) { $0.projectsReads = false }
    var refused = 0
    for body in Self.bodies {
      let answer = try await projected.check(body)
      let expected = try await full.check(body)
      #expect(answer.status == expected.status, "\(body)")
      #expect(answer.text == expected.text, "\(body)")
      if expected.status == 400 { refused += 1 }
    }
    #expect(refused >= 9)
    let stream = HTTPTestRequest.post(
      "/v1/check", json: Self.bodies.joined(separator: "\n"), contentType: "application/x-ndjson")
    let answer = try await projected.send(stream)
    let expected = try await full.send(stream)
    #expect(answer.status == 200)
    #expect(answer.text == expected.text)
    #expect(try expected.jsonLines().count == Self.bodies.count + 1)
    try await projected.stop()
    try await full.stop()
  }

  /// Rules B also read `operation` (every snapshot has it, so both A and B pass them): were
  /// a snapshot read through A's projection and decided by B, `operation` would be missing
  /// and the check a violation. The rule file flips between A and B while single checks and
  /// NDJSON streams run: every decision is a pass.
  @Test func reloadsWhileCheckingNeverMixProjections() async throws {
    let readsMore = Fixtures.billingRules.replacingOccurrences(
      of: "bigint_gte(budget.limit_micro, budget.spent_micro)",
      with: "bigint_gte(budget.limit_micro, budget.spent_micro) && operation != null")
    #expect(readsMore != Fixtures.billingRules)
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.retryInterval = .milliseconds(100)
      $0.projectsReads = true
    }
    let stop = StopFlag()
    let writer = Thread {
      var flip = false
      while !stop.isSet {
        flip.toggle()
        try? rules.write(flip ? readsMore : Fixtures.billingRules)
        usleep(120_000)
      }
    }
    writer.start()
    defer { stop.set() }
    let port = server.port
    let lines = Array(repeating: Fixtures.passing, count: 200).joined(separator: "\n")
    let results = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
      for task in 0..<3 {
        group.addTask {
          try await HTTPTestClient.onThread {
            let connection = try TestConnection(port: port)
            var seen: [(Int, String)] = []
            let deadline = Date().addingTimeInterval(6)
            while Date() < deadline {
              let request =
                task == 0
                ? HTTPTestRequest.post("/v1/check", json: Fixtures.passing)
                : HTTPTestRequest.post(
                  "/v1/check", json: lines, contentType: "application/x-ndjson")
              try connection.send(request.bytes)
              let response = try connection.readResponse()
              seen.append((response.status, response.text))
            }
            return seen
          }
        }
      }
      var all: [(Int, String)] = []
      for try await part in group { all += part }
      return all
    }
    stop.set()
    var versions = Set<String>()
    var decisions = 0
    for (status, text) in results {
      #expect(status == 200, "\(text)")
      for line in text.split(separator: "\n") where line.contains("\"decision\"") {
        decisions += 1
        #expect(line.contains("\"decision\":\"pass\""), "\(line)")
        if let range = line.range(of: "\"rule_set_version\":\"") {
          versions.insert(String(line[range.upperBound...].prefix(16)))
        }
      }
    }
    #expect(decisions > 200)
    #expect(versions.count == 2, "versions seen: \(versions)")
    #expect(server.log.contains("rules_reloaded"))
    try await server.stop()
  }
}
