import Foundation
import Testing

/// Runs the built `constraint` executable and captures its output.
enum CLI {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The `constraint` binary under test: `CONSTRAINT_CLI` when set (`make test-release` sets
  /// it to the release build), else the one next to the test bundle in the build products
  /// directory (the debug build `swift test` just built).
  static var executableURL: URL {
    if let path = ProcessInfo.processInfo.environment["CONSTRAINT_CLI"], !path.isEmpty {
      return URL(fileURLWithPath: path, relativeTo: repositoryRoot).absoluteURL
    }
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    let candidates = [
      directory.appendingPathComponent("constraint"),
      directory.deletingLastPathComponent().appendingPathComponent("constraint"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? candidates[0]
  }

  /// The repository root (for `Rules/`, `Examples/`).
  static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  static func run(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]
  ) throws -> Result {
    let process = Process()
    process.executableURL = executableURL
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    // Input is written and standard error read on threads of their own, so that no pipe
    // fills while the test waits on another.
    let feed = ChildInput.Feed(stdin.map { Data($0.utf8) }, into: input)
    let errors = PipeDrain(err)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.finish()
    process.waitUntilExit()
    try feed.finish()
    return Result(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

@Suite("constraint CLI basics")
struct CLIBasicsTests {
  @Test func versionNamesTheGrammar() throws {
    let result = try CLI.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("grammar 2.0"))
  }
}

@Suite("constraint --version")
struct VersionTests {
  @Test func versionReportsPCRE2AndWhetherPatternsAreJITCompiled() throws {
    let result = try CLI.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("PCRE2 10."))
    #expect(result.stdout.contains("JIT available") || result.stdout.contains("JIT unavailable"))
  }
}

@Suite("the CLI harness")
struct CLIHarnessTests {
  /// A child that exits without reading its input (`--version` reads none) makes the write of
  /// that input fail with `EPIPE`. One megabyte is past any pipe buffer, so the write fails on
  /// every machine; before `ChildInput`, the `SIGPIPE` ended the whole test process.
  @Test func inputAChildNeverReadsIsNotAnError() throws {
    let unread = String(repeating: "{}\n", count: 350_000)
    let plain = try CLI.run(["--version"], stdin: unread)
    #expect(plain.status == 0)
    #expect(plain.stdout.contains("grammar 2.0"))
    let faulty = try Fault.run(["--version"], stdin: unread)
    #expect(faulty.status == 0)
    #expect(faulty.stdout.contains("grammar 2.0"))
  }
}
