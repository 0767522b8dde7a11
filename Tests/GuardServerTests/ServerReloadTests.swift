import Foundation
import GuardServer
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The rule file rewritten under load: every decision comes from one whole rule set, and
/// says which.
@Suite("constraint-server: reloads under load")
struct ServerReloadTests {
  /// Rules B reverse `budget_conservation`, so the passing snapshot fails it under B: a pass
  /// must carry A's version, a violation B's, and nothing else may appear.
  static var reversedRules: String {
    Fixtures.billingRules.replacingOccurrences(
      of: "bigint_gte(budget.limit_micro, budget.spent_micro)",
      with: "bigint_gte(budget.spent_micro, budget.limit_micro)")
  }

  @Test func everyDecisionComesFromOneWholeRuleSet() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.retryInterval = .milliseconds(100)
    }
    let first = try await server.check(Fixtures.passing)
    let versionA = try #require(first.headers["x-guard-rule-set-version"])
    let stop = StopFlag()
    let writer = Thread {
      var flip = false
      while !stop.isSet {
        flip.toggle()
        try? rules.write(flip ? Self.reversedRules : Fixtures.billingRules)
        usleep(150_000)
      }
    }
    writer.start()
    defer { stop.set() }

    let port = server.port
    let results = try await withThrowingTaskGroup(of: [(Int, String, String)].self) { group in
      for _ in 0..<4 {
        group.addTask {
          try await HTTPTestClient.onThread {
            let connection = try TestConnection(port: port)
            var seen: [(Int, String, String)] = []
            let deadline = Date().addingTimeInterval(20)
            var versions = Set<String>()
            while Date() < deadline && (versions.count < 2 || seen.count < 300) {
              try connection.send(HTTPTestRequest.post("/v1/check", json: Fixtures.passing).bytes)
              let response = try connection.readResponse()
              let version = response.headers["x-guard-rule-set-version"] ?? "none"
              versions.insert(version)
              seen.append((response.status, version, response.text))
            }
            return seen
          }
        }
      }
      var all: [(Int, String, String)] = []
      for try await part in group { all += part }
      return all
    }
    stop.set()
    let versions = Set(results.map(\.1))
    #expect(versions.count == 2, "versions seen: \(versions)")
    #expect(versions.contains(versionA))
    for (status, version, body) in results {
      if version == versionA {
        #expect(status == 200, "\(body)")
      } else {
        #expect(status == 422, "\(body)")
        #expect(body.contains("\"invariant\":\"budget_conservation\""))
        #expect(!body.contains("cost_non_negative"))
      }
    }
    #expect(server.log.contains("rules_reloaded"))
    try await server.stop()
  }
}
