import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the built `constraint` under a shell with resource limits (`ulimit`) and a deadline,
/// for the tests of issue 17: a regression must fail the test, never hang the suite or take
/// the machine's memory.
enum BoundedCLI {
  struct Result {
    /// The exit status, or 128 + the signal for a process killed by a signal.
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether the deadline passed and the process was killed.
    var timedOut: Bool
    /// Whether the process ended on a signal (a crash, or the kill at the deadline).
    var signalled: Bool

    /// A short description for test failures.
    var summary: String {
      "status \(status)\(timedOut ? " (timed out)" : "")\(signalled ? " (signal)" : ""); "
        + "stderr: \(stderr.prefix(600))"
    }
  }

  /// Runs `script` with `/bin/sh -c`; `$CONSTRAINT` is the binary (`CONSTRAINT_TEST_BINARY`
  /// when set). Standard input is
  /// `stdinPath` (or an empty pipe), output goes to files so that nothing blocks on a full
  /// pipe. The process is killed at `timeout`.
  static func run(
    _ script: String, stdinPath: String? = nil, timeout: Duration = .seconds(60),
    environment: [String: String] = [:]
  ) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("constraint-bounded-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("stdout")
    let errURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
      try? out.close()
      try? err.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = CLI.repositoryRoot
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    // CONSTRAINT_TEST_BINARY runs these tests against another build (a release binary, or
    // the code before a fix).
    env["CONSTRAINT"] = env["CONSTRAINT_TEST_BINARY"] ?? CLI.executableURL.path
    // No backtrace printing on a crash: it takes seconds and says nothing the status does not.
    env["SWIFT_BACKTRACE"] = "enable=no"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = out
    process.standardError = err
    if let stdinPath {
      process.standardInput = FileHandle(forReadingAtPath: stdinPath)
    } else {
      process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    }
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    let seconds = Double(timeout.components.seconds)
      + Double(timeout.components.attoseconds) / 1e18
    var timedOut = false
    if done.wait(timeout: .now() + seconds) == .timedOut {
      timedOut = true
      kill(process.processIdentifier, SIGKILL)
      done.wait()
    }
    let signalled = process.terminationReason == .uncaughtSignal
    let status = signalled ? 128 + process.terminationStatus : process.terminationStatus
    return Result(
      status: status,
      stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
      stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self),
      timedOut: timedOut, signalled: signalled)
  }

  /// A fresh temporary directory for a test's files, removed by `remove()`.
  struct Scratch {
    let url: URL

    init() throws {
      url = FileManager.default.temporaryDirectory
        .appendingPathComponent("constraint-bounded-data-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
      let file = url.appendingPathComponent(name)
      try Data(text.utf8).write(to: file)
      return file.path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
  }

  /// A rule file with one rule per expression (ids `r0`, `r1`, …).
  static func ruleFile(_ expressions: [String], types: [String: String] = [:]) -> String {
    let typeText = types.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
    let rules = expressions.enumerated().map { index, expression in
      "{\"id\": \"r\(index)\", \"expression\": \"\(expression)\", "
        + "\"type_signature\": {\(typeText)}}"
    }
    return "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": [\n"
      + rules.joined(separator: ",\n") + "\n]}\n"
  }
}
