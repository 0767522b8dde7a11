import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The runbook drilled over HTTP against the real `constraint-server` process, with the
/// default 3 s retry interval (docs/GUARD.md, "Runbook").
@Suite("constraint-server: the runbook drill over HTTP")
struct RunbookDrillTests {
  static let token = "drill-admin-token-0123456789abcdef"

  @Test func brokenRulesFixedDlqOverflowAndBack() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let tokenFile = rules.url.appendingPathComponent(".admin-token")
    try Data((Self.token + "\n").utf8).write(to: tokenFile)
    let server = try ServerProcess(arguments: [
      "--rules", rules.path, "--port", "0", "--admin-token-file", tokenFile.path,
    ])
    let port = try server.waitForPort()
    func send(_ request: HTTPTestRequest) async throws -> HTTPTestResponse {
      try await HTTPTestClient.send(request, port: port)
    }

    // 1. Cold start on broken rules: degraded, ready 503, checks 503 with Retry-After.
    let ready = try await send(.get("/health/ready"))
    #expect(ready.status == 503)
    #expect(try ready.json()["reason"] as? String == "compile_failed")
    let refused = try await send(.post("/v1/check", json: Fixtures.passing))
    #expect(refused.status == 503)
    #expect(refused.headers["retry-after"] == "3")
    #expect(try await send(.get("/health/live")).status == 200)
    _ = try server.waitForLine { $0.contains("compile_error") && $0.contains("line=") }
    _ = try server.waitForLine { $0.contains("circuit=open") && $0.contains("compile_failed") }

    // 2. Fix the file: within 4 s circuit=closed, ready 200, checks decided again.
    try rules.write(Fixtures.billingRules)
    let fixedAt = Date()
    let becameReady = try await HTTPTestClient.onThread { () -> Double? in
      while Date().timeIntervalSince(fixedAt) < 10 {
        let connection = try TestConnection(port: port)
        try connection.send(HTTPTestRequest.get("/health/ready").bytes)
        if try connection.readResponse().status == 200 {
          return Date().timeIntervalSince(fixedAt)
        }
        usleep(50_000)
      }
      return nil
    }
    let seconds = try #require(becameReady, "not ready 10 s after the fix")
    #expect(seconds <= 4, "ready \(seconds) s after the fix")
    _ = try server.waitForLine(timeout: 5) { $0.contains("circuit=closed") }
    let pass = try await send(.post("/v1/check", json: Fixtures.passing))
    #expect(pass.status == 200)
    let version = try #require(pass.headers["x-guard-rule-set-version"])
    #expect(try await send(.post("/v1/check", json: Fixtures.violating)).status == 422)

    // 3. Break the file while ready: the last good rules stay in force (same version).
    try rules.write(Fixtures.brokenRules)
    _ = try server.waitForLine(timeout: 10) { $0.contains("reload_failed") }
    let kept = try await send(.post("/v1/check", json: Fixtures.passing))
    #expect(kept.status == 200)
    #expect(kept.headers["x-guard-rule-set-version"] == version)
    let keptHealth = try await send(.get("/health/ready"))
    #expect(keptHealth.status == 200)
    #expect(try keptHealth.json()["rule_set_version"] as? String == version)
    #expect(try keptHealth.json()["last_compile_error"] is String)
    try rules.write(Fixtures.billingRules)

    // 4. DLQ above the threshold: 503 until it falls back; the admin token is enforced.
    func pending(_ count: Int, token: String?) -> HTTPTestRequest {
      var request = HTTPTestRequest(
        method: "PUT", path: "/v1/reconciliations/pending",
        headers: [("Content-Type", "application/json")],
        body: Array("{\"pending_reconciliations\": \(count)}".utf8))
      if let token { request.headers.append(("Authorization", "Bearer \(token)")) }
      return request
    }
    #expect(try await send(pending(11, token: nil)).status == 401)
    #expect(try await send(pending(11, token: "not-the-token-0123456789")).status == 401)
    #expect(try await send(.post("/v1/check", json: Fixtures.passing)).status == 200)
    #expect(try await send(pending(11, token: Self.token)).status == 200)
    let overflow = try await send(.post("/v1/check", json: Fixtures.passing))
    #expect(overflow.status == 503)
    #expect(try overflow.json()["reason"] as? String == "dlq_overflow")
    #expect(try await send(.get("/health/ready")).status == 503)
    #expect(try await send(pending(3, token: Self.token)).status == 200)
    #expect(try await send(.post("/v1/check", json: Fixtures.passing)).status == 200)
    #expect(try await send(.get("/health/ready")).status == 200)

    server.signal(SIGTERM)
    #expect(server.waitForExit() == 0)
    let log = server.stderrLines.joined(separator: "\n")
    #expect(!log.contains(Self.token), "the admin token reached the log")
  }
}
