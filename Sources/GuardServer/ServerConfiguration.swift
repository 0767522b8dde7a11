import ConservationGuard
import ConstraintBatch
import Foundation

/// How `constraint-server` runs: every flag, each also settable by an environment variable
/// (`--retry-interval` ↔ `CONSTRAINT_SERVER_RETRY_INTERVAL`; a flag wins over the variable).
/// `EVALUATOR_BYPASS` is read by the guard itself, once, at start. The admin token is never a
/// flag (a command line is visible to every user of the machine): it comes from
/// `CONSTRAINT_SERVER_ADMIN_TOKEN` or a file named by `--admin-token-file`.
public struct ServerConfiguration: Sendable {
  /// How log lines are written on standard error.
  public enum LogFormat: String, Sendable, CaseIterable {
    /// `TIMESTAMP LEVEL MESSAGE key=value …`, values quoted when not plain.
    case text
    /// One JSON object per line.
    case json
  }

  /// Who may call the admin endpoint (`PUT /v1/reconciliations/pending`).
  public enum AdminAccess: Sendable, Equatable {
    /// Requests must carry `Authorization: Bearer TOKEN`.
    case token(String)
    /// Requests must come from a loopback address (127.0.0.0/8, ::1).
    case loopbackOnly
    /// Every admin request is refused (403).
    case disabled

    /// `token`, `loopback-only` or `disabled`: never the token itself.
    public var summary: String {
      switch self {
      case .token: return "token"
      case .loopbackOnly: return "loopback-only"
      case .disabled: return "disabled"
      }
    }
  }

  /// The rule directory (or one rule file) the guard compiles and watches.
  public var rules: String
  public var host = "127.0.0.1"
  /// 0 picks a free port (the `listening` log line names it).
  public var port = 8321
  public var retryInterval: Duration = .seconds(3)
  public var dlqThreshold = 10
  public var schema: String? = GuardConfiguration.billingSchema
  public var logFormat = LogFormat.text
  public var logLevel = "info"
  public var admin = AdminAccess.disabled
  /// The largest body of `POST /v1/check` with one snapshot, and of one NDJSON line.
  public var maximumBodyBytes = 1 << 20
  /// The largest NDJSON request body.
  public var maximumStreamBytes = 64 << 20
  /// How long a request body (of one snapshot, or one NDJSON line) may take to arrive.
  public var bodyTimeout: Duration = .seconds(10)
  /// A connection with nothing to read for this long is closed.
  public var idleTimeout: Duration = .seconds(30)
  /// How long a graceful shutdown waits for in-flight requests before cancelling them.
  public var shutdownTimeout: Duration = .seconds(25)
  /// Whether snapshots (of one check and of each NDJSON line) are read projected: only what
  /// the rule set deciding them reads is built, the rest validated without being built (the
  /// same decisions and the same errors either way). The default is `constraint check`'s
  /// (``BatchOptions/projectsReads``).
  public var projectsReads = BatchOptions().projectsReads

  public init(rules: String) {
    self.rules = rules
  }

  /// The guard's configuration for these settings.
  public var guardConfiguration: GuardConfiguration {
    var configuration = GuardConfiguration()
    configuration.retryInterval = retryInterval
    configuration.dlqThreshold = dlqThreshold
    configuration.schema = schema
    return configuration
  }

  /// The settings as `key=value` pairs, in a fixed order, for the `server_config` log line
  /// printed at start (the admin token is shown only as `token`).
  public var summary: [(String, String)] {
    [
      ("rules", rules), ("host", host), ("port", "\(port)"),
      ("retry_interval_seconds", Self.seconds(retryInterval)),
      ("dlq_threshold", "\(dlqThreshold)"), ("schema", schema ?? "<the one defining them>"),
      ("log_format", logFormat.rawValue), ("log_level", logLevel), ("admin", admin.summary),
      ("max_body_bytes", "\(maximumBodyBytes)"), ("max_stream_bytes", "\(maximumStreamBytes)"),
      ("body_timeout_seconds", Self.seconds(bodyTimeout)),
      ("idle_timeout_seconds", Self.seconds(idleTimeout)),
      ("shutdown_timeout_seconds", Self.seconds(shutdownTimeout)),
      ("projection", projectsReads ? "on" : "off"),
    ]
  }

  static func seconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = attoseconds / 1_000_000_000_000_000
    if milliseconds == 0 { return "\(seconds)" }
    var fraction = String(milliseconds)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(seconds).\(fraction)"
  }
}

/// A command line or environment that cannot be used: exit status 2 with the message.
public struct UsageError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// What the command line asks for.
public enum ServerCommand: Sendable {
  case run(ServerConfiguration)
  case help
  case version
}

extension ServerConfiguration {
  /// The environment variable that holds the admin token.
  public static let adminTokenVariable = "CONSTRAINT_SERVER_ADMIN_TOKEN"
  /// The prefix of the variables that stand in for flags.
  public static let environmentPrefix = "CONSTRAINT_SERVER_"
  /// The shortest admin token accepted, in bytes.
  public static let minimumTokenBytes = 16

  private enum Option: String, CaseIterable {
    case rules, host, port
    case retryInterval = "retry-interval"
    case dlqThreshold = "dlq-threshold"
    case schema
    case logFormat = "log-format"
    case logLevel = "log-level"
    case adminTokenFile = "admin-token-file"
    case adminLoopbackOnly = "admin-loopback-only"
    case maxBodyBytes = "max-body-bytes"
    case maxStreamBytes = "max-stream-bytes"
    case bodyTimeout = "body-timeout"
    case idleTimeout = "idle-timeout"
    case shutdownTimeout = "shutdown-timeout"
    case projection
    case noProjection = "no-projection"

    var isFlag: Bool { self == .adminLoopbackOnly || self == .projection || self == .noProjection }

    /// `--no-projection` has no variable of its own: CONSTRAINT_SERVER_PROJECTION=false.
    var hasEnvironmentVariable: Bool { self != .noProjection }

    var environmentName: String {
      ServerConfiguration.environmentPrefix
        + rawValue.uppercased().replacingOccurrences(of: "-", with: "_")
    }
  }

  /// Parses the arguments (without the program name) and the environment.
  public static func parse(
    arguments: [String], environment: [String: String]
  ) throws(UsageError) -> ServerCommand {
    var given: [Option: String] = [:]
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--help" || argument == "-h" { return .help }
      if argument == "--version" { return .version }
      guard argument.hasPrefix("--") else {
        throw UsageError("unexpected argument `\(argument)` (every setting is a --flag)")
      }
      var name = String(argument.dropFirst(2))
      var value: String?
      if let equals = name.firstIndex(of: "=") {
        value = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      guard let option = Option(rawValue: name) else {
        throw UsageError("unknown option `--\(name)`")
      }
      if option.isFlag {
        guard value == nil else { throw UsageError("--\(name) takes no value") }
        value = "true"
      } else if value == nil {
        guard index < arguments.count else { throw UsageError("--\(name) needs a value") }
        value = arguments[index]
        index += 1
      }
      guard given[option] == nil else { throw UsageError("--\(name) is given twice") }
      if option == .projection || option == .noProjection,
        given[.projection] != nil || given[.noProjection] != nil
      {
        throw UsageError("--projection and --no-projection contradict each other")
      }
      given[option] = value
    }
    for option in Option.allCases where given[option] == nil && option.hasEnvironmentVariable {
      if let value = environment[option.environmentName] { given[option] = value }
    }
    return .run(try configuration(from: given, environment: environment))
  }

  private static func configuration(
    from given: [Option: String], environment: [String: String]
  ) throws(UsageError) -> ServerConfiguration {
    guard let rules = given[.rules], !rules.isEmpty else {
      throw UsageError(
        "--rules DIR is required (a directory of *.constraints.json files, or one file)")
    }
    var configuration = ServerConfiguration(rules: rules)
    if let host = given[.host] {
      guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
        throw UsageError("--host must be an address or a host name")
      }
      configuration.host = host
    }
    if let port = given[.port] {
      configuration.port = try integer(port, option: "--port", in: 0...65535)
    }
    if let interval = given[.retryInterval] {
      configuration.retryInterval = try duration(
        interval, option: "--retry-interval", in: 0.1...3600)
    }
    if let threshold = given[.dlqThreshold] {
      configuration.dlqThreshold = try integer(
        threshold, option: "--dlq-threshold", in: 0...Int(Int32.max))
    }
    if let schema = given[.schema] {
      guard !schema.isEmpty else { throw UsageError("--schema must not be empty") }
      configuration.schema = schema
    }
    if let format = given[.logFormat] {
      guard let parsed = LogFormat(rawValue: format) else {
        throw UsageError("--log-format must be `text` or `json`, not `\(format)`")
      }
      configuration.logFormat = parsed
    }
    if let level = given[.logLevel] {
      let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
      guard levels.contains(level) else {
        throw UsageError("--log-level must be one of \(levels.joined(separator: ", "))")
      }
      configuration.logLevel = level
    }
    if let bytes = given[.maxBodyBytes] {
      configuration.maximumBodyBytes = try integer(
        bytes, option: "--max-body-bytes", in: 64...(64 << 20))
    }
    if let bytes = given[.maxStreamBytes] {
      configuration.maximumStreamBytes = try integer(
        bytes, option: "--max-stream-bytes", in: 64...(1 << 34))
    }
    if let timeout = given[.bodyTimeout] {
      configuration.bodyTimeout = try duration(timeout, option: "--body-timeout", in: 0.1...3600)
    }
    if let timeout = given[.idleTimeout] {
      configuration.idleTimeout = try duration(timeout, option: "--idle-timeout", in: 0.1...3600)
    }
    if let timeout = given[.shutdownTimeout] {
      configuration.shutdownTimeout = try duration(
        timeout, option: "--shutdown-timeout", in: 0.1...3600)
    }
    if given[.noProjection] != nil {
      // Over CONSTRAINT_SERVER_PROJECTION, as every flag wins over its variable.
      configuration.projectsReads = false
    } else if let projection = given[.projection] {
      configuration.projectsReads = try boolean(projection, option: "--projection")
    }
    let loopbackOnly = try boolean(given[.adminLoopbackOnly], option: "--admin-loopback-only")
    var token: String?
    if let file = given[.adminTokenFile] {
      token = try readToken(file: file)
    } else if let value = environment[adminTokenVariable] {
      token = value
    }
    if let token {
      guard token.utf8.count >= minimumTokenBytes else {
        throw UsageError("the admin token must be at least \(minimumTokenBytes) bytes long")
      }
      guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
        throw UsageError("the admin token must be printable ASCII without spaces")
      }
      configuration.admin = .token(token)
    } else if loopbackOnly {
      configuration.admin = .loopbackOnly
    }
    return configuration
  }

  private static func integer(
    _ text: String, option: String, in range: ClosedRange<Int>
  ) throws(UsageError) -> Int {
    guard let value = Int(text), range.contains(value) else {
      throw UsageError(
        "\(option) must be a whole number from \(range.lowerBound) to \(range.upperBound), "
          + "not `\(text)`")
    }
    return value
  }

  private static func duration(
    _ text: String, option: String, in range: ClosedRange<Double>
  ) throws(UsageError) -> Duration {
    let plain = !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
    guard plain, let seconds = Double(text), range.contains(seconds) else {
      throw UsageError(
        "\(option) must be a number of seconds from \(range.lowerBound) to "
          + "\(range.upperBound), not `\(text)`")
    }
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }

  private static func boolean(_ text: String?, option: String) throws(UsageError) -> Bool {
    switch text {
    case nil, "false": return false
    case "true": return true
    case let other?:
      throw UsageError("\(option) is `true` or `false`, not `\(other)`")
    }
  }

  private static func readToken(file: String) throws(UsageError) -> String {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw UsageError("cannot read the admin token file \(file)")
    }
    guard var text = String(data: data, encoding: .utf8) else {
      throw UsageError("the admin token file \(file) is not UTF-8")
    }
    while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
    return text
  }

  /// The usage text `--help` prints.
  public static let usage = """
    constraint-server: the conservation guard as an HTTP service (a policy sidecar)

    USAGE: constraint-server --rules DIR [options]

    Checks billing snapshots against the guard's invariants over HTTP:
      POST /v1/check                   one snapshot (application/json) -> 200 pass, 422 \
    violation, 503 unavailable (Retry-After)
      POST /v1/check                   many (application/x-ndjson) -> one decision line each
      GET  /health/live                200 while the process runs
      GET  /health/ready               200 only when the guard is ready
      GET  /metrics                    Prometheus text format
      PUT  /v1/reconciliations/pending the DLQ count (admin: token or loopback)
    A timeout, a refused connection or any 5xx means: do not move the money.

    OPTIONS (each also as CONSTRAINT_SERVER_<NAME>, e.g. CONSTRAINT_SERVER_PORT; flags win):
      --rules DIR               rule directory (or file), watched every retry interval
      --host ADDRESS            address to listen on (default 127.0.0.1)
      --port N                  port (default 8321; 0 picks a free one)
      --retry-interval SECONDS  compile retry / reload check interval (0.1 to 3600, default 3)
      --dlq-threshold N         pending reconciliations above N degrade the guard (default 10)
      --schema ID               the schema_id whose rules are the invariants \
    (default BillingSnapshot)
      --log-format text|json    log lines on standard error (default text)
      --log-level LEVEL         trace, debug, info, notice, warning, error, critical \
    (default info)
      --admin-token-file PATH   admin requests need `Authorization: Bearer <token>` \
    (or set CONSTRAINT_SERVER_ADMIN_TOKEN)
      --admin-loopback-only     without a token: admin requests only from loopback addresses
      --max-body-bytes N        largest single-snapshot body and NDJSON line (default 1048576)
      --max-stream-bytes N      largest NDJSON body (default 67108864)
      --body-timeout SECONDS    time for a body (or one NDJSON line) to arrive (default 10)
      --idle-timeout SECONDS    idle connections are closed after this (default 30)
      --shutdown-timeout SECONDS  graceful shutdown waits this long for in-flight requests \
    (default 25)
      --projection, --no-projection  build only the snapshot values the rules read, validating \
    the rest (same decisions and errors; default \(BatchOptions().projectsReads ? "on" : "off"), \
    as constraint check)
      --help, --version

    EVALUATOR_BYPASS=true disables invariant checking (break-glass; loud in logs, health, \
    headers and metrics). No endpoint can enable it.

    Exit status: 0 after a graceful shutdown (SIGTERM, SIGINT); 2 on a usage error or when \
    the server cannot start or fails.
    """
}
