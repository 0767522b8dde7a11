import ConservationGuard
import Foundation
import NIOCore
import Testing

@testable import GuardServer

@Suite("constraint-server: the admin endpoint (DLQ count)")
struct ServerAdminTests {
  static let token = "admin-token-for-tests-0123456789"

  static func put(_ count: String, authorization: String? = nil) -> HTTPTestRequest {
    var request = HTTPTestRequest(
      method: "PUT", path: "/v1/reconciliations/pending",
      headers: [("Content-Type", "application/json")],
      body: Array("{\"pending_reconciliations\": \(count)}".utf8))
    if let authorization { request.headers.append(("Authorization", authorization)) }
    return request
  }

  @Test func theTokenIsEnforced() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.admin = .token(Self.token)
    }
    let refused: [String?] = [
      nil, "Bearer", "Bearer ", "Bearer wrong-token-0123456789abcdef",
      "Bearer \(Self.token)x", "Bearer \(Self.token.dropLast())", "Basic \(Self.token)",
      Self.token,
    ]
    for authorization in refused {
      let response = try await server.send(Self.put("11", authorization: authorization))
      #expect(response.status == 401, "\(authorization ?? "no header")")
      #expect(response.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
      #expect(try response.json()["error"] as? String == "unauthorized")
    }
    // Nothing was reported: the guard is still ready.
    #expect(server.server.guardian.health().pendingReconciliations == 0)
    let accepted = try await server.send(Self.put("2", authorization: "bearer \(Self.token)"))
    #expect(accepted.status == 200)
    #expect(try accepted.json()["pending_reconciliations"] as? Int == 2)
    try await server.stop()
  }

  /// The runbook's DLQ step over HTTP: above the threshold every check is 503
  /// (`dlq_overflow`) and ready is 503; back at the threshold, ready again.
  @Test func dlqAboveTheThresholdDegradesTheGuard() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.admin = .token(Self.token)
      $0.dlqThreshold = 10
    }
    let authorization = "Bearer \(Self.token)"
    let overflow = try await server.send(Self.put("11", authorization: authorization))
    #expect(overflow.status == 200)
    let health = try overflow.json()
    #expect(health["state"] as? String == "degraded")
    #expect(health["reason"] as? String == "dlq_overflow")
    #expect(health["pending_reconciliations"] as? Int == 11)

    let check = try await server.check(Fixtures.passing)
    #expect(check.status == 503)
    #expect(check.headers["retry-after"] == "3")
    #expect(try check.json()["reason"] as? String == "dlq_overflow")
    #expect(try await server.send(.get("/health/ready")).status == 503)
    #expect(server.log.contains("circuit=open"))

    let recovered = try await server.send(Self.put("10", authorization: authorization))
    #expect(try recovered.json()["state"] as? String == "ready")
    #expect(try await server.check(Fixtures.passing).status == 200)
    #expect(try await server.send(.get("/health/ready")).status == 200)
    #expect(server.log.contains("circuit=closed"))
    #expect(server.log.contains("pending_reconciliations_reported"))
    try await server.stop()
  }

  @Test func badCountsAre400AndChangeNothing() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.admin = .token(Self.token)
    }
    let authorization = "Bearer \(Self.token)"
    for count in ["-1", "1.5", "\"11\"", "null", "true", "99999999999999999999999"] {
      let response = try await server.send(Self.put(count, authorization: authorization))
      #expect(response.status == 400, "\(count): \(response.text)")
    }
    var extraKey = Self.put("3", authorization: authorization)
    extraKey.body = Array("{\"pending_reconciliations\": 3, \"bypass\": true}".utf8)
    #expect(try await server.send(extraKey).status == 400)
    var garbage = Self.put("3", authorization: authorization)
    garbage.body = Array("{\"pending_reconciliations\": ".utf8)
    let invalid = try await server.send(garbage)
    #expect(invalid.status == 400)
    #expect(try invalid.json()["error"] as? String == "invalid_json")
    #expect(server.server.guardian.health().pendingReconciliations == 0)
    try await server.stop()
  }

  /// The admin body is read under its own 4 KiB limit, announced or not: past it, 413 and
  /// nothing reported.
  @Test func anOversizedBodyIs413AndChangesNothing() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.admin = .token(Self.token)
    }
    var oversized = Self.put("11", authorization: "Bearer \(Self.token)")
    oversized.body = Array(
      "{\"pending_reconciliations\": 11, \"pad\": \"\(String(repeating: "x", count: 4096))\"}"
        .utf8)
    let response = try await server.send(oversized)
    #expect(response.status == 413, "\(response.text)")
    #expect(try response.json()["error"] as? String == "body_too_large")
    #expect(server.server.guardian.health().pendingReconciliations == 0)
    try await server.stop()
  }

  @Test func disabledWithoutATokenOrLoopbackOnly() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path)
    let response = try await server.send(Self.put("11"))
    #expect(response.status == 403)
    #expect((try response.json()["message"] as? String)?.contains("disabled") == true)
    #expect(server.server.guardian.currentState == .ready)
    try await server.stop()
  }

  @Test func loopbackOnlyAcceptsLoopbackPeers() async throws {
    let rules = try RuleDirectory()
    let server = try await InProcessServer.start(rules: rules.path) {
      $0.admin = .loopbackOnly
    }
    let response = try await server.send(Self.put("11"))
    #expect(response.status == 200)
    #expect(try response.json()["reason"] as? String == "dlq_overflow")
    try await server.stop()
  }

  /// The peer test behind `--admin-loopback-only` (a non-loopback peer cannot be made here
  /// without leaving the loopback network, so the decision is tested on addresses).
  @Test(arguments: [
    ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("::ffff:127.0.0.1", true),
    ("10.0.0.1", false), ("192.168.1.20", false), ("0.0.0.0", false), ("::", false),
    ("::ffff:10.0.0.1", false), ("2001:db8::1", false), ("::2", false),
  ])
  func loopbackAddresses(address: String, loopback: Bool) throws {
    let socketAddress = try SocketAddress(ipAddress: address, port: 1234)
    #expect(GuardResponder.isLoopback(socketAddress) == loopback)
  }

  @Test func tokenComparison() {
    #expect(GuardResponder.tokensMatch(Self.token, Self.token))
    #expect(!GuardResponder.tokensMatch(Self.token + "x", Self.token))
    #expect(!GuardResponder.tokensMatch("", Self.token))
    #expect(!GuardResponder.tokensMatch(String(Self.token.reversed()), Self.token))
  }
}
