import ConservationGuard
import Foundation
import GuardServer
import Testing

/// Every status the API documents, from a real server on a loopback port.
@Suite("constraint-server: every status over HTTP")
struct ServerStatusTests {
  @Test func passIs200WithTheRuleSetVersion() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let response = try await server.check(Fixtures.passing)
    #expect(response.status == 200)
    let body = try response.json()
    #expect(body["decision"] as? String == "pass")
    let version = try #require(body["rule_set_version"] as? String)
    #expect(version.count == 16)
    #expect(response.headers["x-guard-decision"] == "pass")
    #expect(response.headers["x-guard-rule-set-version"] == version)
    #expect(response.headers["content-type"] == "application/json")
    #expect(response.headers["x-guard-bypass"] == nil)
    let decoded = try JSONDecoder().decode(GuardDecision.self, from: Data(response.body))
    #expect(decoded == .pass(ruleSetVersion: version))
    try await server.stop()
  }

  @Test func violationIs422WithEveryFailingInvariantExplained() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let response = try await server.check(Fixtures.violating)
    #expect(response.status == 422)
    #expect(response.headers["x-guard-decision"] == "violation")
    let decision = try JSONDecoder().decode(GuardDecision.self, from: Data(response.body))
    guard case .violation(let violation) = decision else {
      Issue.record("not a violation: \(response.text)")
      return
    }
    #expect(violation.invariantIDs == ["budget_conservation", "cost_non_negative"])
    #expect(violation.failures[0].explanation.contains("1000000001"))
    #expect(violation.failures[1].explanation.contains("cost_micro = -1"))
    #expect(server.log.contains("HARD_FAIL"))
    try await server.stop()
  }

  @Test func degradedIs503WithRetryAfterAndLivenessStays200() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let server = try await InProcessServer.start(rules: rules.path)
    let check = try await server.check(Fixtures.passing)
    #expect(check.status == 503)
    #expect(check.headers["retry-after"] == "3")
    let body = try check.json()
    #expect(body["decision"] as? String == "unavailable")
    #expect(body["reason"] as? String == "compile_failed")
    #expect(body["retry_after_seconds"] as? Int == 3)

    let ready = try await server.send(.get("/health/ready"))
    #expect(ready.status == 503)
    #expect(ready.headers["retry-after"] == "3")
    let health = try ready.json()
    #expect(health["ready"] as? Bool == false)
    #expect(health["state"] as? String == "degraded")
    #expect(health["reason"] as? String == "compile_failed")
    #expect(health["rule_set_version"] is NSNull)
    #expect((health["last_compile_error"] as? String)?.contains("billing.constraints.json") == true)

    let live = try await server.send(.get("/health/live"))
    #expect(live.status == 200)
    #expect(try live.json()["status"] as? String == "live")
    try await server.stop()
  }

  /// A cold start on broken rules stays degraded and retries the compile every retry
  /// interval, as the metrics and the log show.
  @Test func aColdStartOnBrokenRulesRetriesOnItsCadence() async throws {
    let rules = try RuleDirectory(Fixtures.brokenRules)
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.retryInterval = .milliseconds(200)
    }
    var failures = 0
    let deadline = Date().addingTimeInterval(30)
    while failures < 4 && Date() < deadline {
      let text = try await server.send(.get("/metrics")).text
      let line = text.split(separator: "\n").first {
        $0.hasPrefix("conservation_guard_compile_attempts_total{result=\"failure\"}")
      }
      failures = line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
      if failures < 4 { try await Task.sleep(for: .milliseconds(100)) }
    }
    #expect(failures >= 4, "compile attempts: \(failures)")
    #expect(server.log.all.filter { $0.contains("compile_error") }.count >= 4)
    #expect(try await server.check(Fixtures.passing).status == 503)
    #expect(try await server.send(.get("/health/ready")).status == 503)
    try await server.stop()
  }

  @Test func bypassIs200LoudAndNeverReady() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(
      rules: rules.path, environment: ["EVALUATOR_BYPASS": "true"])
    // A violating snapshot: nothing is checked.
    let check = try await server.check(Fixtures.violating)
    #expect(check.status == 200)
    #expect(check.headers["x-guard-decision"] == "bypassed")
    #expect(check.headers["x-guard-bypass"] == "active")
    let body = try check.json()
    #expect(body["decision"] as? String == "bypassed")
    #expect((body["warning"] as? String)?.contains("DISABLED") == true)

    let ready = try await server.send(.get("/health/ready"))
    #expect(ready.status == 503)
    #expect(ready.headers["x-guard-bypass"] == "active")
    let health = try ready.json()
    #expect(health["state"] as? String == "bypassed")
    #expect(health["bypass_active"] as? Bool == true)
    #expect(health["ready"] as? Bool == false)

    let live = try await server.send(.get("/health/live"))
    #expect(live.status == 200)
    #expect(live.headers["x-guard-bypass"] == "active")

    let metrics = try await server.send(.get("/metrics"))
    #expect(metrics.text.contains("conservation_guard_bypass_active 1"))
    #expect(metrics.text.contains("conservation_guard_state 0"))
    #expect(server.log.contains("EVALUATOR_BYPASS active"))
    #expect(server.log.contains("bypass_active"))
    try await server.stop()
  }

  /// `EVALUATOR_BYPASS` other than exactly `true` changes nothing, and no request can turn
  /// the bypass on: not a header, not a query, not a body.
  @Test func nothingFromTheNetworkEnablesBypass() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(
      rules: rules.path, environment: ["EVALUATOR_BYPASS": "TRUE"])
    let attempts: [HTTPTestRequest] = [
      .post("/v1/check", json: Fixtures.violating, headers: [("EVALUATOR_BYPASS", "true")]),
      .post("/v1/check", json: Fixtures.violating, headers: [("X-Guard-Bypass", "active")]),
      .post("/v1/check?bypass=true&EVALUATOR_BYPASS=true", json: Fixtures.violating),
      .post(
        "/v1/check",
        json: Fixtures.violating.replacingOccurrences(
          of: "\"account_id\"", with: "\"EVALUATOR_BYPASS\": \"true\", \"account_id\"")),
    ]
    for request in attempts {
      let response = try await server.send(request)
      #expect(response.status == 422, "\(request.path): \(response.text)")
      #expect(response.headers["x-guard-bypass"] == nil)
    }
    for path in ["/v1/bypass", "/v1/admin/bypass", "/admin/bypass"] {
      let response = try await server.send(
        HTTPTestRequest(method: "PUT", path: path, body: Array("true".utf8)))
      #expect(response.status == 404)
    }
    #expect(server.log.contains("bypass_ignored"))
    #expect(server.server.guardian.currentState == .ready)
    try await server.stop()
  }

  @Test func malformedBodyIs400WithTheReadersDiagnosticNeverAPass() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let cases: [(String, String)] = [
      ("{\"budget\": ", "end of input"),
      ("{\"a\": 1, \"a\": 2}", "duplicate"),
      ("{\"a\": 01}", ""),
      ("{\"a\": 1} trailing", ""),
      ("", ""),
      ("\u{FEFF}{}", ""),
      ("{\"a\": \"\u{1}\"}", ""),
      (
        "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
        "nesting deeper"
      ),
    ]
    for (body, diagnostic) in cases {
      let response = try await server.check(body)
      #expect(response.status == 400, "\(body.prefix(40)): \(response.text)")
      let json = try response.json()
      #expect(json["error"] as? String == "invalid_json")
      let message = try #require(json["message"] as? String)
      if !diagnostic.isEmpty {
        #expect(message.localizedCaseInsensitiveContains(diagnostic), "\(message)")
      }
      #expect(json["line"] is Int && json["column"] is Int)
      #expect(response.headers["x-guard-decision"] == nil)
    }
    for notAnObject in ["[]", "42", "\"snapshot\"", "null", "true"] {
      let response = try await server.check(notAnObject)
      #expect(response.status == 400)
      #expect(try response.json()["error"] as? String == "not_a_snapshot")
    }
    try await server.stop()
  }

  @Test func oversizedBodyIs413WhetherAnnouncedOrChunked() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.maximumBodyBytes = 4096
    }
    let padding = String(repeating: "x", count: 5000)
    let big = Fixtures.passing.replacingOccurrences(
      of: "\"account_id\"", with: "\"padding\": \"\(padding)\", \"account_id\"")
    let announced = try await server.check(big)
    #expect(announced.status == 413)
    #expect(try announced.json()["error"] as? String == "body_too_large")

    // Chunked: no Content-Length, the limit is found while reading.
    let chunked = try await HTTPTestClient.onThread { [port = server.port] in
      let connection = try TestConnection(port: port)
      try connection.send(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n")
      for piece in stride(from: 0, to: big.utf8.count, by: 1000) {
        let bytes = Array(big.utf8)[piece..<min(piece + 1000, big.utf8.count)]
        try connection.send(String(bytes.count, radix: 16) + "\r\n")
        try connection.send(Array(bytes))
        try connection.send("\r\n")
      }
      try connection.send("0\r\n\r\n")
      return try connection.readResponse()
    }
    #expect(chunked.status == 413)
    // Just under the limit is read and decided.
    let small = try await server.check(Fixtures.passing)
    #expect(small.status == 200)
    try await server.stop()
  }

  @Test func routingStatuses() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let unknown = try await server.send(.get("/v2/check"))
    #expect(unknown.status == 404)
    #expect(try unknown.json()["error"] as? String == "not_found")
    let wrongMethod = try await server.send(.get("/v1/check"))
    #expect(wrongMethod.status == 405)
    #expect(wrongMethod.headers["allow"] == "POST")
    let deleteReady = try await server.send(
      HTTPTestRequest(method: "DELETE", path: "/health/ready"))
    #expect(deleteReady.status == 405)
    #expect(deleteReady.headers["allow"] == "GET")
    let getPending = try await server.send(.get("/v1/reconciliations/pending"))
    #expect(getPending.status == 405)
    #expect(getPending.headers["allow"] == "PUT")
    let form = try await server.send(
      .post("/v1/check", json: "a=1", contentType: "application/x-www-form-urlencoded"))
    #expect(form.status == 415)
    // No Content-Type at all is read as JSON.
    let bare = try await server.send(
      HTTPTestRequest(method: "POST", path: "/v1/check", body: Array(Fixtures.passing.utf8)))
    #expect(bare.status == 200)
    // Parameters of the media type are fine.
    let charset = try await server.send(
      .post("/v1/check", json: Fixtures.passing, contentType: "application/json; charset=utf-8"))
    #expect(charset.status == 200)
    try await server.stop()
  }

  @Test func keepAliveConnectionsServeManyChecks() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let statuses = try await HTTPTestClient.onThread { [port = server.port] in
      let connection = try TestConnection(port: port)
      var statuses: [Int] = []
      for index in 0..<20 {
        let body = index % 2 == 0 ? Fixtures.passing : Fixtures.violating
        try connection.send(HTTPTestRequest.post("/v1/check", json: body).bytes)
        statuses.append(try connection.readResponse().status)
      }
      return statuses
    }
    #expect(statuses == (0..<20).map { $0 % 2 == 0 ? 200 : 422 })
    try await server.stop()
  }

  @Test func metricsExposeStateLatencyAndTheRuleSetVersion() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let pass = try await server.check(Fixtures.passing)
    _ = try await server.check(Fixtures.violating)
    let version = try #require(pass.headers["x-guard-rule-set-version"])
    let metrics = try await server.send(.get("/metrics"))
    #expect(metrics.status == 200)
    #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
    let text = metrics.text
    #expect(text.contains("conservation_guard_state 1"))
    #expect(text.contains("conservation_guard_rule_set_info{version=\"\(version)\"} 1"))
    #expect(text.contains("# TYPE conservation_guard_check_duration_seconds histogram"))
    #expect(text.contains("conservation_guard_check_duration_seconds_count 2"))
    #expect(text.contains("# TYPE conservation_guard_http_request_duration_seconds histogram"))
    #expect(text.contains("conservation_guard_decisions_total{decision=\"pass\"} 1"))
    #expect(text.contains("conservation_guard_decisions_total{decision=\"violation\"} 1"))
    #expect(
      text.contains("conservation_guard_violations_total{invariant=\"budget_conservation\"} 1"))
    #expect(
      text.contains("conservation_guard_http_requests_total{route=\"check\",status=\"422\"} 1"))
    #expect(text.contains("conservation_guard_compile_attempts_total{result=\"success\"} 1"))
    // Units in the names: seconds for durations, _total for counters, _info for the version.
    for line in text.split(separator: "\n") where line.hasPrefix("# TYPE") {
      let parts = line.split(separator: " ")
      if parts[3] == "counter" { #expect(parts[2].hasSuffix("_total"), "\(line)") }
      if parts[3] == "histogram" { #expect(parts[2].hasSuffix("_seconds"), "\(line)") }
    }
    try await server.stop()
  }
}
