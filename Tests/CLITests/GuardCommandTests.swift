import Foundation
import Synchronization
import Testing

/// Collects what a pipe delivers, as it arrives.
final class PipeCollector: Sendable {
  private let data = Mutex(Data())

  init(_ pipe: Pipe) {
    pipe.fileHandleForReading.readabilityHandler = { [self] handle in
      let chunk = handle.availableData
      if !chunk.isEmpty { data.withLock { $0.append(chunk) } }
    }
  }

  var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }

  /// Waits (real time, in short steps) until the text contains `needle`; true when it did
  /// before `timeout`.
  func wait(for needle: String, timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
      if text.contains(needle) { return true }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return text.contains(needle)
  }
}

@Suite("constraint guard")
struct GuardCommandTests {
  static var billingRules: String {
    (try? String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent("Rules/billing.constraints.json"),
      encoding: .utf8)) ?? ""
  }

  static let passingSnapshot = """
    {"budget": {"limit_micro": "1000", "spent_micro": "10"}, \
    "reservation": {"reserve_micro": "5", "allocation_micro": "10"}, "cost_micro": "4", \
    "payment": null, "entitlement": {"state": "ACTIVE"}, \
    "rate": {"reserve_rate_micro": "15", "commit_rate_micro": "15"}, \
    "ledger": {"postings": [{"account": "customer", "amount_micro": "-4"}, \
    {"account": "revenue", "amount_micro": "4"}]}}
    """

  @Test func aStreamGetsOneDecisionPerSnapshot() throws {
    let result = try CLI.run([
      "guard", "--rules", "Rules", "--data", "Examples/snapshots/stream.jsonl",
    ])
    #expect(result.status == 1)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 10)
    #expect(lines.filter { $0.contains("\"decision\":\"pass\"") }.count == 8)
    let violations = lines.filter { $0.contains("\"decision\":\"violation\"") }
    #expect(violations.count == 2)
    #expect(violations.contains { $0.contains("\"invariant\":\"cost_non_negative\"") })
    #expect(result.stderr.contains("state=ready"))
    #expect(result.stderr.contains("HARD_FAIL"))
    #expect(result.stderr.contains("invariant=cost_non_negative"))
  }

  @Test func passingSnapshotsExitZero() throws {
    let result = try CLI.run(
      ["guard", "--rules", "Rules", "--data", "-"],
      stdin: Self.passingSnapshot + "\n" + Self.passingSnapshot + "\n")
    #expect(result.status == 0)
    #expect(result.stdout.split(separator: "\n").count == 2)
    #expect(!result.stdout.contains("violation"))
  }

  @Test func bypassIsLoudAndChecksNothing() throws {
    let result = try CLI.run(
      ["guard", "--rules", "Rules", "--data", "Examples/snapshots/negative-cost.json"],
      environment: ["EVALUATOR_BYPASS": "true"])
    #expect(result.status == 0)
    #expect(result.stdout == "{\"line\":1,\"decision\":\"bypassed\"}\n")
    #expect(result.stderr.contains("critical EVALUATOR_BYPASS active"))
  }

  @Test func aDLQControlLineTripsTheGuard() throws {
    let result = try CLI.run(
      ["guard", "--rules", "Rules", "--data", "-"],
      stdin: "{\"pending_reconciliations\": 11}\n\(Self.passingSnapshot)\n"
        + "{\"pending_reconciliations\": 2}\n\(Self.passingSnapshot)\n")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 4)
    #expect(lines.first?.contains("\"state\":\"degraded\"") == true)
    #expect(lines.dropFirst().first?.contains("\"reason\":\"dlq_overflow\"") == true)
    #expect(lines.last?.contains("\"decision\":\"pass\"") == true)
    #expect(result.stderr.contains("circuit=open"))
    #expect(result.stderr.contains("circuit=closed"))
    #expect(result.status == 1)
  }

  /// The runbook rehearsal: a broken rule file degrades the guard; fixing it on disk closes the
  /// circuit within the 3 s retry interval, while the guard waits on an open standard input.
  @Test func fixingABrokenRuleFileClosesTheCircuitWithinFourSeconds() throws {
    let directory = NSTemporaryDirectory() + "guard-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let ruleFile = directory + "/billing.constraints.json"
    let broken = Self.billingRules.replacingOccurrences(
      of: "bigint_gte(cost_micro, 0)", with: "bigint_gte(cost_micro, 0")
    #expect(broken != Self.billingRules)
    try broken.write(toFile: ruleFile, atomically: true, encoding: .utf8)

    let process = Process()
    process.executableURL = CLI.executableURL
    process.arguments = ["guard", "--rules", directory, "--data", "-"]
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment.removeValue(forKey: "EVALUATOR_BYPASS")
    process.environment = environment
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    let stdout = PipeCollector(output)
    let stderr = PipeCollector(errors)
    try process.run()
    defer { if process.isRunning { process.terminate() } }

    #expect(stderr.wait(for: "circuit=open", timeout: .seconds(10)))
    #expect(stderr.text.contains("rule=cost_non_negative"))
    try ChildInput.write(Data((Self.passingSnapshot + "\n").utf8), to: input.fileHandleForWriting)
    #expect(stdout.wait(for: "\"decision\":\"unavailable\"", timeout: .seconds(10)))
    #expect(stdout.text.contains("\"reason\":\"compile_failed\",\"retry_after_seconds\":3"))

    try Self.billingRules.write(toFile: ruleFile, atomically: true, encoding: .utf8)
    let fixed = ContinuousClock.now
    let closed = stderr.wait(for: "circuit=closed", timeout: .seconds(4))
    let elapsed = ContinuousClock.now - fixed
    #expect(closed, "no circuit=closed within 4 s; stderr:\n\(stderr.text)")
    #expect(elapsed < .seconds(4))

    try ChildInput.write(Data((Self.passingSnapshot + "\n").utf8), to: input.fileHandleForWriting)
    #expect(stdout.wait(for: "\"decision\":\"pass\"", timeout: .seconds(10)))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    // One unavailable decision: the run exits 1.
    #expect(process.terminationStatus == 1)
    let lines = stdout.text.split(separator: "\n")
    #expect(lines.count == 2)
  }
}
