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

/// The rules mounted as a Kubernetes ConfigMap volume: the files are links into `..data`,
/// itself a link to a timestamped directory, and an update swaps `..data` atomically.
@Suite("constraint-server: a ConfigMap volume")
struct ConfigMapVolumeTests {
  final class ConfigMapVolume: @unchecked Sendable {
    let url: URL
    private var generation = 0

    init(_ contents: String) throws {
      url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "configmap-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      try publish(contents)
      try FileManager.default.createSymbolicLink(
        atPath: url.appendingPathComponent("billing.constraints.json").path,
        withDestinationPath: "..data/billing.constraints.json")
    }

    /// Writes a new timestamped directory and points `..data` at it with one rename, as the
    /// kubelet does.
    func publish(_ contents: String) throws {
      generation += 1
      let directory = "..2026_01_0\(generation)_00_00_00.\(generation)"
      let target = url.appendingPathComponent(directory)
      try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
      try Data(contents.utf8).write(to: target.appendingPathComponent("billing.constraints.json"))
      let temporary = url.appendingPathComponent("..data_tmp")
      try? FileManager.default.removeItem(at: temporary)
      try FileManager.default.createSymbolicLink(
        atPath: temporary.path, withDestinationPath: directory)
      guard rename(temporary.path, url.appendingPathComponent("..data").path) == 0 else {
        throw HTTPTestError("rename ..data: \(errno)")
      }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
  }

  @Test func updatesAreSwappedInAndABrokenUpdateKeepsTheLastGoodRules() async throws {
    let volume = try ConfigMapVolume(Fixtures.billingRules)
    let server = try await InProcessServer.start(rules: volume.url.path) {
      $0.retryInterval = .milliseconds(200)
    }
    let first = try await server.check(Fixtures.passing)
    #expect(first.status == 200)
    let versionA = try #require(first.headers["x-guard-rule-set-version"])

    // An update: the reversed budget rule fails the same snapshot.
    try volume.publish(ServerReloadTests.reversedRules)
    var updated: HTTPTestResponse?
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      let response = try await server.check(Fixtures.passing)
      if response.headers["x-guard-rule-set-version"] != versionA {
        updated = response
        break
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    let response = try #require(updated, "the ConfigMap update was not picked up")
    #expect(response.status == 422)
    let versionB = try #require(response.headers["x-guard-rule-set-version"])

    // A broken update: the last good rules (B) stay in force.
    try volume.publish(Fixtures.brokenRules)
    let brokenDeadline = Date().addingTimeInterval(30)
    while Date() < brokenDeadline && !server.log.contains("reload_failed") {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(server.log.contains("reload_failed"))
    let kept = try await server.check(Fixtures.passing)
    #expect(kept.status == 422)
    #expect(kept.headers["x-guard-rule-set-version"] == versionB)
    let ready = try await server.send(.get("/health/ready"))
    #expect(ready.status == 200)
    #expect(try ready.json()["rule_set_version"] as? String == versionB)
    try await server.stop()
  }
}
