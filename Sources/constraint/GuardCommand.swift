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
      EVALUATOR_BYPASS=true in the environment bypasses the guard, loudly. The invariants are \
      the rules of one schema (--schema, BillingSnapshot by default): a rule of another schema \
      never stands in for one.

      Exit status: 0 when every decision was pass or bypassed, 1 when any was a violation or \
      unavailable, 2 when a snapshot could not be read, the input held no snapshot (without \
      --allow-empty), on a usage error or a failed write.

      Examples:
        constraint guard --rules Rules --data Examples/snapshots/stream.jsonl
        tail -f snapshots.jsonl | constraint guard --rules Rules --data -
      """
  )

  @Option(help: "A directory of *.constraints.json rule files (or one rule file).")
  var rules: String

  @Option(help: "A .json file, a .jsonl file, or - for standard input.")
  var data: String

  @Option(
    help: ArgumentHelp(
      "Seconds between compile retries while degraded and reload checks while ready "
        + "(0.1 to 3600)."))
  var retryInterval: Double = 3

  @Option(help: "A pending-reconciliation count above this degrades the guard.")
  var dlqThreshold: Int = 10

  @Option(help: "The schema_id whose rules are the invariants.")
  var schema: String = GuardConfiguration.billingSchema

  @Flag(help: "Accept input without any snapshot (exit 0); by default it is an error (2).")
  var allowEmpty = false

  func validate() throws {
    let floor = Double(GuardConfiguration.minimumRetryInterval.components.attoseconds) / 1e18
    guard retryInterval >= floor, retryInterval <= 3600 else {
      throw ValidationError(
        "--retry-interval must be between \(floor) and 3600 seconds (every retry re-reads and "
          + "recompiles the rules; a shorter interval would only spin)")
    }
    guard dlqThreshold >= 0 else { throw ValidationError("--dlq-threshold must be >= 0") }
  }

  func run() throws {
    let terminal = Terminal()
    let decisions = terminal.verbatim
    if let problem = SnapshotInput.unusable(data) {
      terminal.error("error: \(problem)")
      throw ExitCode(2)
    }
    var configuration = GuardConfiguration()
    configuration.retryInterval = .milliseconds(Int(retryInterval * 1000))
    configuration.dlqThreshold = dlqThreshold
    configuration.schema = schema
    let logger = Logger(label: "conservation-guard") { _ in StandardErrorLogHandler() }
    let guardian = ConservationGuard(
      source: DirectoryRuleSource(path: rules), configuration: configuration, logger: logger)
    let polling = guardian.startWithBackgroundPolling()
    defer { polling.cancel() }

    var status: Int32 = 0
    var snapshots = 0
    SnapshotInput(path: data).forEach { snapshot in
      let line = snapshot.line ?? 1
      switch snapshot.value {
      case .failure(let error):
        snapshots += 1
        decisions.output(
          "{\"line\":\(line),\"decision\":\"error\",\"error\":\(Value.quoted(error.message))}")
        status = 2
      case .success(let value):
        if let count = Self.pendingReconciliations(in: value) {
          guardian.reportPendingReconciliations(count)
          decisions.output(
            "{\"line\":\(line),\"pending_reconciliations\":\(count),"
              + "\"state\":\"\(guardian.currentState.rawValue)\"}")
        } else {
          snapshots += 1
          let decision = guardian.check(value)
          decisions.output(Self.json(decision, line: line))
          switch decision {
          case .pass, .bypassed: break
          case .violation, .unavailable: status = max(status, 1)
          }
        }
      }
      terminal.flush()
    }
    terminal.flush()
    if snapshots == 0,
      let empty = CommandSupport.emptyInput(
        data == "-" ? "<stdin>" : data, allowed: allowEmpty, terminal: terminal)
    {
      status = empty
    }
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

/// Writes each log line to standard error as `level message key=value …`, keys sorted, keys and
/// values with spaces, quotes, `=` or control characters JSON-quoted (so no key or value can end
/// the line or fake another field); one `write` per line so lines never interleave.
struct StandardErrorLogHandler: LogHandler {
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .info

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var line = "guard: \(event.level) \(HumanText.value(event.message.description))"
    let merged = metadata.merging(event.metadata ?? [:]) { $1 }
    for key in merged.keys.sorted() {
      line += " \(Self.field(key, isKey: true))=\(Self.field(merged[key]!.description))"
    }
    Terminal.writeAll(Array((HumanText.safe(line) + "\n").utf8), to: STDERR_FILENO)
  }

  /// A key or value as written: as it is when plain, JSON-quoted otherwise.
  static func field(_ text: String, isKey: Bool = false) -> String {
    let plain =
      !text.isEmpty
      && text.unicodeScalars.allSatisfy { scalar in
        scalar.value > 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value)
          && scalar != "\"" && scalar != "\\" && !(isKey && scalar == "=")
      }
    return plain ? text : Value.quoted(text)
  }
}
