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
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
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
