import ConservationGuard
import ConstraintBatch
import ConstraintEngine
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The request context: Hummingbird's core storage plus the connection, for the loopback
/// check of the admin endpoint and the body deadlines.
public struct GuardRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  /// The client's connection.
  public let channel: any Channel

  public init(source: ApplicationRequestContextSource) {
    coreContext = CoreRequestContextStorage(source: source)
    channel = source.channel
  }
}

/// Header names the server sets.
enum GuardHeader {
  static let decision = HTTPField.Name("X-Guard-Decision")!
  static let ruleSetVersion = HTTPField.Name("X-Guard-Rule-Set-Version")!
  static let bypass = HTTPField.Name("X-Guard-Bypass")!
  static let state = HTTPField.Name("X-Guard-State")!
}

/// Answers every request: routing by path and method (404 for an unknown path, 405 with
/// `Allow` for a known path and another method), then the endpoint. It never throws, so no
/// request ends in Hummingbird's 500: the only 5xx the server sends is the documented 503.
struct GuardResponder: HTTPResponder {
  typealias Context = GuardRequestContext

  let guardian: ConservationGuard
  let configuration: ServerConfiguration
  let metrics: ServerMetrics
  let logger: Logger
  /// Bypass is decided once, at start (`EVALUATOR_BYPASS`), and never changes.
  let bypassActive: Bool
  /// Limits for a request's snapshot: the reader's defaults, the document capped at the body
  /// limit.
  let limits: JSONLimits
  /// Closes connections whose body does not arrive within the body timeout.
  let reaper: BodyReaper
  /// The `pass` response of the rule set in force, built once per version.
  let passResponses = PassResponseCache()

  init(
    guardian: ConservationGuard, configuration: ServerConfiguration, metrics: ServerMetrics,
    logger: Logger, reaper: BodyReaper
  ) {
    self.reaper = reaper
    self.guardian = guardian
    self.configuration = configuration
    self.metrics = metrics
    self.logger = logger
    bypassActive = guardian.currentState == .bypassed
    var limits = JSONLimits.default
    limits.maximumDocumentBytes = configuration.maximumBodyBytes
    limits.maximumStringBytes = min(limits.maximumStringBytes, configuration.maximumBodyBytes)
    self.limits = limits
  }

  func respond(to request: Request, context: Context) async throws -> Response {
    let (route, response) = await route(request, context: context)
    metrics.count(route: route, status: Int(response.status.code))
    guard bypassActive else { return response }
    var loud = response
    loud.headers[GuardHeader.bypass] = "active"
    return loud
  }

  private func route(
    _ request: Request, context: Context
  ) async -> (ServerMetrics.Route, Response) {
    switch request.uri.path {
    case "/v1/check":
      guard request.method == .post else { return (.check, Self.methodNotAllowed("POST")) }
      return await check(request, context: context)
    case "/health/live":
      guard request.method == .get else { return (.healthLive, Self.methodNotAllowed("GET")) }
      return (.healthLive, Self.json(.ok, "{\"status\":\"live\"}"))
    case "/health/ready":
      guard request.method == .get else { return (.healthReady, Self.methodNotAllowed("GET")) }
      return (.healthReady, ready())
    case "/metrics":
      guard request.method == .get else { return (.metrics, Self.methodNotAllowed("GET")) }
      return (.metrics, metricsExposition())
    case "/v1/reconciliations/pending":
      guard request.method == .put else {
        return (.reconciliations, Self.methodNotAllowed("PUT"))
      }
      return (.reconciliations, await reportPending(request, context: context))
    default:
      return (
        .other,
        Self.json(
          .notFound, DecisionJSON.error("not_found", "no such endpoint (see docs/openapi.yaml)"))
      )
    }
  }

  // MARK: - Checks

  private enum BodyKind { case snapshot, stream }

  private func check(
    _ request: Request, context: Context
  ) async -> (ServerMetrics.Route, Response) {
    let started = ContinuousClock.now
    let kind: BodyKind
    let body = Self.bodyHeaders(request)
    switch body.mediaType {
    case nil, "application/json": kind = .snapshot
    case "application/x-ndjson": kind = .stream
    case let other?:
      return (
        .check,
        Self.json(
          .unsupportedMediaType,
          DecisionJSON.error(
            "unsupported_media_type",
            "Content-Type `\(other)`: send application/json (one snapshot) or "
              + "application/x-ndjson (one snapshot per line)"))
      )
    }
    if kind == .stream {
      return (.checkStream, stream(request, length: body.length, context: context))
    }
    metrics.checksInFlight.increment()
    let response = await checkOne(request, length: body.length, context: context)
    metrics.checksInFlight.decrement()
    metrics.recordDuration(route: .check, ContinuousClock.now - started)
    return (.check, response)
  }

  /// A response that refuses a request (its body too large or cut short).
  private struct Refusal: Error {
    let response: Response
  }

  /// The request's whole body, at most `limit` bytes, read under the slow-client deadline;
  /// or the response refusing it (413 too large, 400 cut short).
  private func collectBody(
    _ request: Request, limit: Int, length: Int?, context: Context
  ) async -> Result<ByteBuffer, Refusal> {
    let deadline = reaper.arm(context.channel)
    defer { deadline.disarm() }
    do {
      return .success(
        try await BodyReader.collect(
          request.body, limit: limit, expectedLength: length, deadline: deadline))
    } catch {
      switch error {
      case .tooLarge(let limit): return .failure(Refusal(response: Self.tooLarge(limit)))
      case .incomplete:
        return .failure(
          Refusal(
            response: Self.json(
              .badRequest,
              DecisionJSON.error("incomplete_body", "the request body was cut short"))))
      }
    }
  }

  private func checkOne(_ request: Request, length: Int?, context: Context) async -> Response {
    let limit = configuration.maximumBodyBytes
    if let length, length > limit { return Self.tooLarge(limit) }
    let body: ByteBuffer
    switch await collectBody(request, limit: limit, length: length, context: context) {
    case .success(let collected): body = collected
    case .failure(let refusal): return refusal.response
    }
    // Read through the projection of the rule set that decides it, when projecting.
    let answer = body.withUnsafeReadableBytes { raw in
      guardian.check(json: raw, limits: limits, projectsReads: configuration.projectsReads)
    }
    switch answer {
    case .decided(let decision): return decisionResponse(decision)
    case .unreadable(let error):
      return Self.json(
        .badRequest,
        DecisionJSON.error(
          "invalid_json", error.message, line: error.range.start.line,
          column: error.range.start.column))
    case .notAnObject(let typeName):
      return Self.json(
        .badRequest,
        DecisionJSON.error(
          "not_a_snapshot", "the body must be one JSON object (a snapshot), not \(typeName)"))
    }
  }

  private func read(_ body: ByteBuffer) -> Result<Value, Diagnostic> {
    body.withUnsafeReadableBytes { raw in
      Result { () throws(Diagnostic) -> Value in try JSONReader.read(raw, limits: limits) }
    }
  }

  private func decisionResponse(_ decision: GuardDecision) -> Response {
    if case .pass(let version) = decision, let cached = passResponses.response(for: version) {
      return cached
    }
    var fields = [
      HTTPField(name: .contentType, value: "application/json"),
      HTTPField(name: .cacheControl, value: "no-store"),
      HTTPField(name: GuardHeader.decision, value: decision.word),
    ]
    if let version = decision.ruleSetVersion {
      fields.append(HTTPField(name: GuardHeader.ruleSetVersion, value: version))
    }
    if case .unavailable(_, let retryAfter) = decision {
      fields.append(
        HTTPField(name: .retryAfter, value: "\(GuardDecision.retryAfterSeconds(retryAfter))"))
    }
    let response = Response(
      status: HTTPResponse.Status(code: decision.httpStatus), headers: HTTPFields(fields),
      body: ResponseBody(byteBuffer: ByteBuffer(string: DecisionJSON.decision(decision))))
    if case .pass(let version) = decision { passResponses.store(response, for: version) }
    return response
  }

  /// `POST /v1/check` with `application/x-ndjson`: one decision line per snapshot line,
  /// written as the lines arrive, then a summary line. Refused at once (503) when the guard
  /// cannot decide when the request arrives; a line decided later while the guard is not
  /// ready says `unavailable` itself. Counted in flight while its lines are read and decided.
  private func stream(_ request: Request, length: Int?, context: Context) -> Response {
    let started = ContinuousClock.now
    let health = guardian.health()
    if health.state == .uninitialized || health.state == .degraded {
      return decisionResponse(
        .unavailable(
          reason: health.reason ?? .compileFailed,
          retryAfter: guardian.configuration.retryAfter))
    }
    if let length, length > configuration.maximumStreamBytes {
      return Self.tooLarge(configuration.maximumStreamBytes)
    }
    var headers = HTTPFields()
    headers[.contentType] = "application/x-ndjson"
    headers[.cacheControl] = "no-store"
    let guardian = self.guardian
    // Each line is read as `constraint check` reads a JSON line, under the limits of a single
    // check's body.
    let lineLimits = self.limits
    let projectsReads = configuration.projectsReads
    let metrics = self.metrics
    let maximumStream = configuration.maximumStreamBytes
    let timeout = configuration.bodyTimeout
    let channel = context.channel
    let body = request.body
    return Response(
      status: .ok, headers: headers,
      body: ResponseBody { writer in
        metrics.checksInFlight.increment()
        let watchdog = StreamWatchdog(channel: channel, timeout: timeout)
        defer {
          watchdog.stop()
          metrics.checksInFlight.decrement()
          metrics.recordDuration(route: .checkStream, ContinuousClock.now - started)
        }
        var checker = StreamChecker(
          guardian: guardian, decoder: SnapshotLineDecoder(limits: lineLimits),
          reader: GuardSnapshotReader(limits: lineLimits, projectsReads: projectsReads))
        var received = 0
        var complete = true
        do {
          for try await chunk in body {
            received += chunk.readableBytes
            if received > maximumStream {
              complete = false
              checker.output += DecisionJSON.lineError(
                line: checker.decoder.lineNumber + 1, status: 413, error: "body_too_large",
                message: "the request body exceeds \(maximumStream) bytes; the rest was not read")
              checker.output += "\n"
              checker.counts.error += 1
              break
            }
            let before = checker.decoder.lineNumber
            checker.feed(chunk)
            if checker.decoder.lineNumber != before { watchdog.advance() }
            if !checker.output.isEmpty {
              try await writer.write(ByteBuffer(string: checker.output))
              checker.output.removeAll(keepingCapacity: true)
            }
          }
        } catch {
          // The connection failed or the watchdog closed it: nothing more can be written.
          return
        }
        if complete { checker.finish() }
        if watchdog.hasFired { return }
        if checker.counts.snapshots == 0 && checker.counts.error == 0 {
          checker.output += DecisionJSON.lineError(
            line: 0, status: 400, error: "no_snapshots",
            message: "the body holds no snapshot: checking nothing is not a pass")
          checker.output += "\n"
          checker.counts.error += 1
        }
        checker.output += DecisionJSON.streamSummary(checker.counts, complete: complete) + "\n"
        try await writer.write(ByteBuffer(string: checker.output))
        try await writer.finish(nil)
      })
  }

  // MARK: - Health and metrics

  private func ready() -> Response {
    let health = guardian.health()
    var response = Self.json(
      health.state == .ready ? .ok : .serviceUnavailable, DecisionJSON.health(health))
    response.headers[GuardHeader.state] = health.state.rawValue
    if health.state != .ready {
      response.headers[.retryAfter] =
        "\(GuardDecision.retryAfterSeconds(guardian.configuration.retryAfter))"
    }
    return response
  }

  private func metricsExposition() -> Response {
    metrics.updateRuleSetInfo(version: guardian.health().ruleSetVersion)
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
    headers[.cacheControl] = "no-store"
    return Response(
      status: .ok, headers: headers,
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
  }

  // MARK: - Admin

  private func reportPending(_ request: Request, context: Context) async -> Response {
    switch configuration.admin {
    case .token(let token):
      guard let presented = Self.bearerToken(request), Self.tokensMatch(presented, token) else {
        var response = Self.json(
          .unauthorized,
          DecisionJSON.error(
            "unauthorized", "this endpoint needs `Authorization: Bearer <admin token>`"))
        response.headers[.wwwAuthenticate] = "Bearer realm=\"constraint-server admin\""
        return response
      }
    case .loopbackOnly:
      guard Self.isLoopback(context.channel.remoteAddress) else {
        return Self.json(
          .forbidden,
          DecisionJSON.error(
            "forbidden", "admin requests are accepted from loopback addresses only"))
      }
    case .disabled:
      return Self.json(
        .forbidden,
        DecisionJSON.error(
          "forbidden",
          "admin endpoints are disabled: start the server with an admin token "
            + "(CONSTRAINT_SERVER_ADMIN_TOKEN or --admin-token-file) or --admin-loopback-only"))
    }
    let headers = Self.bodyHeaders(request)
    switch headers.mediaType {
    case nil, "application/json": break
    case let other?:
      return Self.json(
        .unsupportedMediaType,
        DecisionJSON.error(
          "unsupported_media_type", "Content-Type `\(other)`: send application/json"))
    }
    let limit = 4096
    let length = headers.length
    if let length, length > limit { return Self.tooLarge(limit) }
    let body: ByteBuffer
    switch await collectBody(request, limit: limit, length: length, context: context) {
    case .success(let collected): body = collected
    case .failure(let refusal): return refusal.response
    }
    let value: Value
    switch read(body) {
    case .success(let read): value = read
    case .failure(let error):
      return Self.json(
        .badRequest,
        DecisionJSON.error(
          "invalid_json", error.message, line: error.range.start.line,
          column: error.range.start.column))
    }
    guard case .object(let object) = value, object.count == 1,
      case .number(let number)? = object["pending_reconciliations"],
      let count = Int(number.description), (0...Int(Int32.max)).contains(count)
    else {
      return Self.json(
        .badRequest,
        DecisionJSON.error(
          "invalid_count",
          "the body must be {\"pending_reconciliations\": N}, N a whole number from 0 to "
            + "2147483647"))
    }
    guardian.reportPendingReconciliations(count)
    let health = guardian.health()
    logger.notice(
      "pending_reconciliations_reported",
      metadata: [
        "pending_reconciliations": "\(count)", "state": "\(health.state.rawValue)",
        "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")",
      ])
    return Self.json(.ok, DecisionJSON.health(health))
  }

  /// The token of an `Authorization: Bearer TOKEN` header.
  static func bearerToken(_ request: Request) -> String? {
    guard let value = request.headers[.authorization] else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return String(parts[1])
  }

  /// Compares the SHA-256 digests of the two tokens in constant time (the time does not
  /// depend on where they differ, nor on the presented token's length).
  static func tokensMatch(_ presented: String, _ expected: String) -> Bool {
    let left = SHA256.hash(data: Array(presented.utf8))
    let right = SHA256.hash(data: Array(expected.utf8))
    var difference: UInt8 = 0
    for (a, b) in zip(left, right) { difference |= a ^ b }
    return difference == 0
  }

  /// 127.0.0.0/8, ::1 and IPv4-mapped 127.x.
  static func isLoopback(_ address: SocketAddress?) -> Bool {
    guard let address else { return false }
    switch address {
    case .v4(let v4):
      return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
    case .v6(let v6):
      let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
      if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
      let mapped = bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF
      return mapped && bytes[12] == 127
    case .unixDomainSocket:
      return false
    }
  }

  // MARK: - Helpers

  /// The media type of `Content-Type` (lower case, parameters and blanks dropped; nil
  /// without the header) and `Content-Length`, in one pass over the headers.
  static func bodyHeaders(_ request: Request) -> (mediaType: String?, length: Int?) {
    var mediaType: String?
    var length: Int?
    for field in request.headers {
      if field.name == .contentType {
        mediaType = Self.mediaType(field.value)
      } else if field.name == .contentLength {
        length = Int(field.value)
      }
    }
    return (mediaType, length)
  }

  static func mediaType(_ value: String) -> String {
    if value == "application/json" { return value }
    var type = ""
    for scalar in value.unicodeScalars {
      if scalar == ";" { break }
      if scalar == " " || scalar == "\t" { continue }
      type.unicodeScalars.append(
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
    }
    return type
  }

  static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    headers[.cacheControl] = "no-store"
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
  }

  static func tooLarge(_ limit: Int) -> Response {
    json(
      .contentTooLarge,
      DecisionJSON.error("body_too_large", "the request body exceeds \(limit) bytes"))
  }

  static func methodNotAllowed(_ allowed: String) -> Response {
    var response = json(
      .methodNotAllowed,
      DecisionJSON.error("method_not_allowed", "this endpoint answers \(allowed) only"))
    response.headers[.allow] = allowed
    return response
  }
}

/// The per-stream state of an NDJSON check: the batch library's line decoder (the lines, their
/// limits and the diagnostics of unreadable ones exactly as `constraint check` has them), the
/// guard's reader of the lines' snapshots (each through the projection of the rule set that
/// decides it, when projecting), the decisions written so far and their counts.
struct StreamChecker {
  let guardian: ConservationGuard
  var decoder: SnapshotLineDecoder
  let reader: GuardSnapshotReader
  var output = ""
  var counts = StreamCounts()

  init(guardian: ConservationGuard, decoder: SnapshotLineDecoder, reader: GuardSnapshotReader) {
    self.guardian = guardian
    self.decoder = decoder
    self.reader = reader
  }

  mutating func feed(_ chunk: ByteBuffer) {
    var events: [String] = []
    var counts = self.counts
    let guardian = self.guardian
    let reader = self.reader
    chunk.withUnsafeReadableBytes { bytes in
      decoder.feedDocuments(bytes) { line in
        events.append(Self.decide(line, guardian: guardian, reader: reader, counts: &counts))
      }
    }
    self.counts = counts
    for line in events { output += line + "\n" }
  }

  mutating func finish() {
    var events: [String] = []
    var counts = self.counts
    let guardian = self.guardian
    let reader = self.reader
    decoder.finishDocuments { line in
      events.append(Self.decide(line, guardian: guardian, reader: reader, counts: &counts))
    }
    self.counts = counts
    for line in events { output += line + "\n" }
  }

  private static func decide(
    _ line: SnapshotLineDecoder.Document, guardian: ConservationGuard,
    reader: GuardSnapshotReader, counts: inout StreamCounts
  ) -> String {
    switch line {
    case .tooLong(let number, let diagnostic):
      counts.error += 1
      return DecisionJSON.lineError(
        line: number, status: 413, error: "line_too_large", diagnostic: diagnostic)
    case .text(let number, let document):
      switch guardian.check(json: document, reader: reader) {
      case .unreadable(let error):
        counts.error += 1
        return DecisionJSON.lineError(
          line: number, status: 400, error: "invalid_json", diagnostic: error)
      case .notAnObject(let typeName):
        counts.error += 1
        return DecisionJSON.lineError(
          line: number, status: 400, error: "not_a_snapshot",
          message: "a line must be one JSON object (a snapshot), not \(typeName)")
      case .decided(let decision):
        counts.add(decision)
        return DecisionJSON.decision(decision, line: number)
      }
    }
  }
}

/// The `200 pass` response for the last rule-set version that passed a snapshot: every pass
/// of one version answers the same bytes, so they are built once (a new version replaces
/// them).
final class PassResponseCache: Sendable {
  private let cached = Mutex<(version: String, response: Response)?>(nil)

  func response(for version: String) -> Response? {
    cached.withLock { entry in entry?.version == version ? entry?.response : nil }
  }

  func store(_ response: Response, for version: String) {
    cached.withLock { $0 = (version, response) }
  }
}
