import ConservationGuard
import ConstraintEngine
import Foundation

/// The response bodies, written by hand on the check path (no `JSONEncoder` per request) in
/// exactly the shapes of the guard's `Codable` conformances (GuardCodable.swift); the tests
/// decode every one of them with `JSONDecoder` into the decision they came from.
enum DecisionJSON {
  /// The warning every bypassed decision and health body carries.
  static let bypassWarning =
    "EVALUATOR_BYPASS active: invariant checking is DISABLED, nothing was checked"

  /// One decision; with `line` and `status` for an NDJSON line.
  static func decision(_ decision: GuardDecision, line: Int? = nil) -> String {
    var text = "{"
    if let line { text += "\"line\":\(line)," }
    text += "\"decision\":\"\(decision.word)\""
    switch decision {
    case .pass(let version):
      text += ",\"rule_set_version\":\(Value.quoted(version))"
    case .violation(let violation):
      text += ",\"rule_set_version\":\(Value.quoted(violation.ruleSetVersion)),\"violations\":["
      for (index, failure) in violation.failures.enumerated() {
        if index > 0 { text += "," }
        text += "{\"invariant\":\(Value.quoted(failure.invariantID))"
        text += ",\"outcome\":\"\(failure.outcome.rawValue)\""
        text += ",\"message\":\(Value.quoted(failure.message))"
        text += ",\"explanation\":\(Value.quoted(failure.explanation))}"
      }
      text += "]"
    case .unavailable(let reason, let retryAfter):
      text += ",\"reason\":\"\(reason.rawValue)\""
      text += ",\"retry_after_seconds\":\(GuardDecision.retryAfterSeconds(retryAfter))"
    case .bypassed:
      text += ",\"warning\":\(Value.quoted(bypassWarning))"
    }
    if line != nil { text += ",\"status\":\(decision.httpStatus)" }
    return text + "}"
  }

  /// An NDJSON line that could not be checked (unreadable, not an object, too long).
  static func lineError(line: Int, status: Int, error: String, message: String) -> String {
    "{\"line\":\(line),\"decision\":\"error\",\"status\":\(status)"
      + ",\"error\":\(Value.quoted(error)),\"message\":\(Value.quoted(message))}"
  }

  /// An NDJSON line that could not be read: its reader's diagnostic as `code` and
  /// `line:column: message` (the position inside the line), with `error` and `status`.
  static func lineError(line: Int, status: Int, error: String, diagnostic: Diagnostic)
    -> String
  {
    "{\"line\":\(line),\"decision\":\"error\",\"status\":\(status)"
      + ",\"error\":\(Value.quoted(error)),\"code\":\"\(diagnostic.code.rawValue)\""
      + ",\"message\":\(Value.quoted("\(diagnostic.range.start): \(diagnostic.message)"))}"
  }

  /// The last line of an NDJSON response: how many lines got which decision, and whether the
  /// whole body was read (`complete: false` when it was cut short by a limit).
  static func streamSummary(_ counts: StreamCounts, complete: Bool) -> String {
    "{\"end\":true,\"complete\":\(complete),\"snapshots\":\(counts.snapshots)"
      + ",\"pass\":\(counts.pass),\"violation\":\(counts.violation)"
      + ",\"unavailable\":\(counts.unavailable),\"bypassed\":\(counts.bypassed)"
      + ",\"error\":\(counts.error)}"
  }

  /// `{"error": CODE, "message": TEXT}`, with the position for a JSON reader error.
  static func error(_ code: String, _ message: String, line: Int? = nil, column: Int? = nil)
    -> String
  {
    var text = "{\"error\":\(Value.quoted(code)),\"message\":\(Value.quoted(message))"
    if let line, let column { text += ",\"line\":\(line),\"column\":\(column)" }
    return text + "}"
  }

  /// The readiness and admin body: the guard's health plus `ready`, `bypass_active` and,
  /// under bypass, the warning.
  static func health(_ health: GuardHealth) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = HealthBody(health: health)
    guard let data = try? encoder.encode(body) else {
      // Encoding these plain fields cannot fail; if it ever did, say not ready.
      return "{\"ready\":false,\"state\":\"degraded\"}"
    }
    return String(decoding: data, as: UTF8.self)
  }

  private struct HealthBody: Encodable {
    let health: GuardHealth

    private enum ExtraKeys: String, CodingKey {
      case ready, bypassActive = "bypass_active", warning
    }

    func encode(to encoder: any Encoder) throws {
      try health.encode(to: encoder)
      var extra = encoder.container(keyedBy: ExtraKeys.self)
      try extra.encode(health.state == .ready, forKey: .ready)
      try extra.encode(health.state == .bypassed, forKey: .bypassActive)
      if health.state == .bypassed { try extra.encode(bypassWarning, forKey: .warning) }
    }
  }
}

/// What an NDJSON stream decided, line by line.
struct StreamCounts {
  var snapshots = 0
  var pass = 0
  var violation = 0
  var unavailable = 0
  var bypassed = 0
  var error = 0

  mutating func add(_ decision: GuardDecision) {
    snapshots += 1
    switch decision {
    case .pass: pass += 1
    case .violation: violation += 1
    case .unavailable: unavailable += 1
    case .bypassed: bypassed += 1
    }
  }
}
