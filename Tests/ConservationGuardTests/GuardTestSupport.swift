import ConservationGuard
import ConstraintEngine
import Foundation
import Logging
import MetricsTestKit
import Synchronization
import Testing

/// One captured log line.
struct LogRecord: Sendable {
  var level: Logger.Level
  var message: String
  var metadata: [String: String]
}

/// Where a ``CapturingLogHandler`` stores what it saw.
final class LogStore: Sendable {
  private let records = Mutex<[LogRecord]>([])

  var all: [LogRecord] { records.withLock { $0 } }

  func append(_ record: LogRecord) { records.withLock { $0.append(record) } }

  func messages() -> [String] { all.map(\.message) }

  func records(_ message: String) -> [LogRecord] { all.filter { $0.message == message } }

  func count(_ message: String) -> Int { records(message).count }
}

/// A log handler that records every line.
struct CapturingLogHandler: LogHandler {
  let store: LogStore
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var flat: [String: String] = [:]
    for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
      flat[key] = value.description
    }
    store.append(LogRecord(level: event.level, message: event.message.description, metadata: flat))
  }
}

/// A guard wired to a manual clock, a capturing logger and its own `TestMetrics`.
struct GuardHarness: Sendable {
  let guardian: ConservationGuard
  let clock: ManualGuardClock
  let logs: LogStore
  let metrics: TestMetrics

  init(
    source: any RuleSource, configuration: GuardConfiguration = GuardConfiguration(),
    environment: [String: String] = [:]
  ) {
    let clock = ManualGuardClock()
    let logs = LogStore()
    let metrics = TestMetrics()
    self.clock = clock
    self.logs = logs
    self.metrics = metrics
    guardian = ConservationGuard(
      source: source, configuration: configuration, environment: environment, clock: clock,
      logger: Logger(label: "test.guard") { _ in CapturingLogHandler(store: logs) },
      metrics: metrics)
  }

  /// Advances the clock and polls.
  func advance(seconds: Double) {
    clock.advance(by: .milliseconds(Int(seconds * 1000)))
    guardian.poll()
  }

  func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
    metrics.counterTotal(label: label, dimensions: dimensions)
  }

  func gauge(_ label: String) -> Double? {
    (try? metrics.expectGauge(label))?.lastValue
  }

  func compileAttempts(_ result: String) -> Int64 {
    counter("conservation_guard_compile_attempts_total", [("result", result)])
  }
}

enum Fixtures {
  static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  /// The shipped billing rule file's text.
  static let billingRules: String = {
    let url = repositoryRoot.appendingPathComponent("Rules/billing.constraints.json")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }()

  static let rulePath = "billing.constraints.json"

  static func source(_ text: String = billingRules) -> InMemoryRuleSource {
    InMemoryRuleSource(files: [file(text)])
  }

  static func file(_ text: String) -> RuleSourceFile {
    RuleSourceFile(path: rulePath, bytes: Array(text.utf8))
  }

  /// The billing rules with one expression replaced.
  static func rules(replacing old: String, with new: String) -> String {
    precondition(billingRules.contains(old), "fixture text not found: \(old)")
    return billingRules.replacingOccurrences(of: old, with: new)
  }

  /// The billing rules without the rule `id` (its whole object).
  static func rules(removing id: String) -> String {
    guard let value = try? JSONReader.read(billingRules), case .object(let top) = value,
      case .array(let rules)? = top["constraints"]
    else { return billingRules }
    let kept = rules.filter { $0["id"].description != Value.quoted(id) }
    precondition(kept.count == rules.count - 1)
    var text = billingRules
    // Re-serialise only the constraints array: the file stays well-formed JSON.
    let start = text.range(of: "\"constraints\": [")!
    text = String(text[..<start.upperBound])
    text += kept.map(\.description).joined(separator: ",\n") + "]}"
    return text
  }

  /// A passing commit snapshot; each argument is a JSON fragment that replaces one field.
  static func snapshot(
    limit: String = "\"1000000000\"", spent: String = "\"250004200\"",
    reserve: String = "\"5000\"", allocation: String = "\"10000\"", cost: String = "\"4200\"",
    payment: String = "null", state: String = "\"ACTIVE\"",
    reserveRate: String = "\"15\"", commitRate: String = "\"15\"",
    postings: String = """
      [{"account": "customer:acct_0001", "amount_micro": "-4200"},
       {"account": "revenue:usage", "amount_micro": "4200"}]
      """,
    previous: String? = nil
  ) -> Value {
    let text = """
      {"account_id": "acct_0001", "operation": "commit",
       "budget": {"limit_micro": \(limit), "spent_micro": \(spent)},
       "reservation": {"reservation_id": "rsv_0001", "reserve_micro": \(reserve),
                       "allocation_micro": \(allocation)},
       "cost_micro": \(cost), "payment": \(payment),
       "entitlement": {"state": \(state), "plan": "pro"},
       "rate": {"reserve_rate_micro": \(reserveRate), "commit_rate_micro": \(commitRate)},
       "ledger": {"postings": \(postings)},
       "entry": {"entry_id": "le_0001", "state": "finalized"}
       \(previous.map { ", \"_previous\": \($0)" } ?? "")}
      """
    do {
      return try JSONReader.read(text)
    } catch {
      Issue.record("fixture snapshot is not JSON: \(error)")
      return .null
    }
  }

  /// A JSON string fragment.
  static func s(_ text: String) -> String { Value.quoted(text) }
}
