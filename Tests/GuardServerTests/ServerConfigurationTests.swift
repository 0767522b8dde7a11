import Foundation
import GuardServer
import Testing

@Suite("constraint-server configuration: flags and environment")
struct ServerConfigurationTests {
  static func configuration(
    _ arguments: [String], environment: [String: String] = [:]
  ) throws -> ServerConfiguration {
    guard
      case .run(let configuration) = try ServerConfiguration.parse(
        arguments: arguments, environment: environment)
    else { throw HTTPTestError("not a run command") }
    return configuration
  }

  @Test func defaults() throws {
    let configuration = try Self.configuration(["--rules", "Rules"])
    #expect(configuration.rules == "Rules")
    #expect(configuration.host == "127.0.0.1")
    #expect(configuration.port == 8321)
    #expect(configuration.retryInterval == .seconds(3))
    #expect(configuration.dlqThreshold == 10)
    #expect(configuration.schema == "BillingSnapshot")
    #expect(configuration.logFormat == .text)
    #expect(configuration.admin == .disabled)
    #expect(configuration.guardConfiguration.retryInterval == .seconds(3))
  }

  @Test func flagsInBothSpellings() throws {
    let configuration = try Self.configuration([
      "--rules=/etc/rules", "--host", "0.0.0.0", "--port=9000", "--retry-interval", "0.5",
      "--dlq-threshold", "3", "--log-format", "json", "--admin-loopback-only",
      "--max-body-bytes", "4096", "--body-timeout", "2.5",
    ])
    #expect(configuration.rules == "/etc/rules")
    #expect(configuration.host == "0.0.0.0")
    #expect(configuration.port == 9000)
    #expect(configuration.retryInterval == .milliseconds(500))
    #expect(configuration.guardConfiguration.dlqThreshold == 3)
    #expect(configuration.logFormat == .json)
    #expect(configuration.admin == .loopbackOnly)
    #expect(configuration.maximumBodyBytes == 4096)
    #expect(configuration.bodyTimeout == .milliseconds(2500))
  }

  @Test func environmentStandsInForFlagsAndFlagsWin() throws {
    let environment = [
      "CONSTRAINT_SERVER_RULES": "/env/rules", "CONSTRAINT_SERVER_PORT": "7000",
      "CONSTRAINT_SERVER_LOG_FORMAT": "json",
      "CONSTRAINT_SERVER_ADMIN_TOKEN": "0123456789abcdef-token",
    ]
    let fromEnvironment = try Self.configuration([], environment: environment)
    #expect(fromEnvironment.rules == "/env/rules")
    #expect(fromEnvironment.port == 7000)
    #expect(fromEnvironment.logFormat == .json)
    #expect(fromEnvironment.admin == .token("0123456789abcdef-token"))
    let flagged = try Self.configuration(["--port", "7001"], environment: environment)
    #expect(flagged.port == 7001)
  }

  @Test func adminTokenFromAFileNeverShownInTheSummary() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "token-\(UUID().uuidString)")
    try Data("s3cret-admin-token-value\n".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let configuration = try Self.configuration([
      "--rules", "Rules", "--admin-token-file", file.path,
    ])
    #expect(configuration.admin == .token("s3cret-admin-token-value"))
    let summary = configuration.summary.map { "\($0)=\($1)" }.joined(separator: " ")
    #expect(summary.contains("admin=token"))
    #expect(!summary.contains("s3cret"))
  }

  @Test func helpAndVersion() throws {
    guard case .help = try ServerConfiguration.parse(arguments: ["--help"], environment: [:])
    else {
      Issue.record("--help")
      return
    }
    guard case .version = try ServerConfiguration.parse(arguments: ["--version"], environment: [:])
    else {
      Issue.record("--version")
      return
    }
  }

  /// Every bad command line is a usage error naming the problem (the executable exits 2).
  @Test(
    arguments: [
      ([], "--rules DIR is required"),
      (["--rules", "R", "--bogus"], "unknown option `--bogus`"),
      (["--rules", "R", "extra"], "unexpected argument `extra`"),
      (["--rules", "R", "--port"], "--port needs a value"),
      (["--rules", "R", "--port", "70000"], "--port must be a whole number"),
      (["--rules", "R", "--port", "80x"], "--port must be a whole number"),
      (["--rules", "R", "--retry-interval", "0"], "--retry-interval must be a number of seconds"),
      (["--rules", "R", "--retry-interval", "0.05"], "--retry-interval must be"),
      (["--rules", "R", "--retry-interval", "1e3"], "--retry-interval must be"),
      (["--rules", "R", "--retry-interval", "-1"], "--retry-interval must be"),
      (["--rules", "R", "--retry-interval", "nan"], "--retry-interval must be"),
      (["--rules", "R", "--dlq-threshold", "-1"], "--dlq-threshold must be"),
      (["--rules", "R", "--log-format", "xml"], "--log-format must be `text` or `json`"),
      (["--rules", "R", "--log-level", "loud"], "--log-level must be one of"),
      (["--rules", "R", "--admin-loopback-only=yes"], "--admin-loopback-only takes no value"),
      (["--rules", "R", "--port", "1", "--port", "2"], "--port is given twice"),
      (["--rules", "R", "--host", ""], "--host must be"),
      (["--rules", "R", "--max-body-bytes", "1"], "--max-body-bytes must be"),
      (
        ["--rules", "R", "--admin-token-file", "/nonexistent/token"], "cannot read the admin token"
      ),
    ] as [([String], String)])
  func usageErrors(arguments: [String], message: String) {
    do {
      _ = try ServerConfiguration.parse(arguments: arguments, environment: [:])
      Issue.record("accepted \(arguments)")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }

  @Test func shortOrBlankAdminTokensAreRefused() {
    for token in ["short", "has a space in the token", ""] {
      #expect(throws: UsageError.self) {
        try ServerConfiguration.parse(
          arguments: ["--rules", "R"], environment: ["CONSTRAINT_SERVER_ADMIN_TOKEN": token])
      }
    }
  }

  @Test func badEnvironmentValuesAreUsageErrorsToo() {
    #expect(throws: UsageError.self) {
      try ServerConfiguration.parse(
        arguments: ["--rules", "R"], environment: ["CONSTRAINT_SERVER_PORT": "eighty"])
    }
    #expect(throws: UsageError.self) {
      try ServerConfiguration.parse(
        arguments: ["--rules", "R"],
        environment: ["CONSTRAINT_SERVER_ADMIN_LOOPBACK_ONLY": "yes"])
    }
  }
}
