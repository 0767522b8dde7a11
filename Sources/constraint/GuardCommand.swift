import ArgumentParser
import ConservationGuard
import ConstraintEngine
import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

struct GuardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "guard",
    abstract: "Run the conservation guard over a stream of snapshots (a runbook rehearsal).",
    discussion: """
      Starts a ConservationGuard on the rule files under --rules and checks each snapshot of \
      --data, printing one JSON decision per snapshot on standard output: pass, violation (with \
      the failing invariants), unavailable (fail closed, with the reason and retry-after) or \
      bypassed. The guard's log (state transitions: circuit=open, circuit=closed, HARD_FAIL, \
      compile errors) goes to standard error as `level message key=value` lines.

      While it waits for input the guard keeps polling on its cadence, so with standard input \
      (`-`) an operator can start it on a broken rule file (degraded: decisions are \
      `unavailable`) and fix the file (within the retry interval: `circuit=closed`); breaking a \
      file while ready keeps the last good rules in force (`reload_failed`). A line \
      {"pending_reconciliations": N} reports a DLQ count instead of being checked. \
      EVALUATOR_BYPASS=true in the environment bypasses the guard, loudly.

      Exit status: 0 when every decision was pass or bypassed, 1 when any was a violation or \
      unavailable, 2 when a snapshot could not be read.

      Examples:
        constraint guard --rules Rules --data Examples/snapshots/stream.jsonl
        tail -f snapshots.jsonl | constraint guard --rules Rules --data -
      """
  )

  @Option(help: "A directory of *.constraints.json rule files (or one rule file).")
  var rules: String

  @Option(help: "A .json file, a .jsonl file, or - for standard input.")
  var data: String

  @Option(help: "Seconds between compile retries while degraded and reload checks while ready.")
  var retryInterval: Double = 3

  @Option(help: "A pending-reconciliation count above this degrades the guard.")
  var dlqThreshold: Int = 10

  func validate() throws {
    guard retryInterval > 0, retryInterval <= 3600 else {
      throw ValidationError("--retry-interval must be between 0 and 3600 seconds")
    }
    guard dlqThreshold >= 0 else { throw ValidationError("--dlq-threshold must be >= 0") }
  }

  func run() throws {
    let terminal = Terminal()
    var configuration = GuardConfiguration()
    configuration.retryInterval = .milliseconds(Int(retryInterval * 1000))
    configuration.dlqThreshold = dlqThreshold
    let logger = Logger(label: "conservation-guard") { _ in StandardErrorLogHandler() }
    let guardian = ConservationGuard(
      source: DirectoryRuleSource(path: rules), configuration: configuration, logger: logger)
    let polling = guardian.startWithBackgroundPolling()
    defer { polling.cancel() }

    var status: Int32 = 0
    SnapshotInput(path: data).forEach { snapshot in
      let line = snapshot.line ?? 1
      switch snapshot.value {
      case .failure(let error):
        terminal.output(
          "{\"line\":\(line),\"decision\":\"error\",\"error\":\(Value.quoted(error.message))}")
        status = 2
      case .success(let value):
        if let count = Self.pendingReconciliations(in: value) {
          guardian.reportPendingReconciliations(count)
          terminal.output(
            "{\"line\":\(line),\"pending_reconciliations\":\(count),"
              + "\"state\":\"\(guardian.currentState.rawValue)\"}")
        } else {
          let decision = guardian.check(value)
          terminal.output(Self.json(decision, line: line))
          switch decision {
          case .pass, .bypassed: break
          case .violation, .unavailable: status = max(status, 1)
          }
        }
      }
      terminal.flush()
    }
    terminal.flush()
    if status != 0 { throw ExitCode(status) }
  }

  /// The count of a `{"pending_reconciliations": N}` control line; nil for a snapshot.
  static func pendingReconciliations(in value: Value) -> Int? {
    guard case .object(let object) = value, object.count == 1,
      case .number(let number)? = object["pending_reconciliations"],
      let count = Int(number.description), count >= 0
    else { return nil }
    return count
  }

  /// One decision as a JSON object on one line.
  static func json(_ decision: GuardDecision, line: Int) -> String {
    var fields = ["\"line\":\(line)", "\"decision\":\"\(decision.word)\""]
    switch decision {
    case .pass(let version):
      fields.append("\"rule_set_version\":\"\(version)\"")
    case .violation(let violation):
      fields.append("\"rule_set_version\":\"\(violation.ruleSetVersion)\"")
      let failures = violation.failures.map { failure in
        "{\"invariant\":\(Value.quoted(failure.invariantID)),"
          + "\"outcome\":\"\(failure.outcome.rawValue)\","
          + "\"message\":\(Value.quoted(failure.message)),"
          + "\"explanation\":\(Value.quoted(failure.explanation))}"
      }
      fields.append("\"violations\":[" + failures.joined(separator: ",") + "]")
    case .unavailable(let reason, let retryAfter):
      fields.append("\"reason\":\"\(reason.rawValue)\"")
      fields.append("\"retry_after_seconds\":\(retryAfter.components.seconds)")
    case .bypassed:
      break
    }
    return "{" + fields.joined(separator: ",") + "}"
  }
}

/// Writes each log line to standard error as `level message key=value …`, keys sorted, values
/// with spaces or quotes JSON-quoted; one `write` per line so lines never interleave.
struct StandardErrorLogHandler: LogHandler {
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .info

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var line = "guard: \(event.level) \(event.message)"
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    for key in merged.keys.sorted() {
      let value = merged[key]!.description
      let plain =
        !value.isEmpty
        && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "\\" }
      line += " \(key)=" + (plain ? value : Value.quoted(value))
    }
    line += "\n"
    Terminal.writeAll(Array(line.utf8), to: STDERR_FILENO)
  }
}
