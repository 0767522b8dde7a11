import ConservationGuard
import Foundation
import GuardServer
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The repository root (for `Rules/`, `Examples/`).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// The shipped rule file, and example snapshots.
enum Fixtures {
  static var billingRules: String {
    (try? String(
      contentsOf: repositoryRoot.appendingPathComponent("Rules/billing.constraints.json"),
      encoding: .utf8)) ?? ""
  }

  static func snapshot(_ name: String) -> String {
    (try? String(
      contentsOf: repositoryRoot.appendingPathComponent("Examples/snapshots/\(name).json"),
      encoding: .utf8)) ?? ""
  }

  /// `ok-commit.json` on one line.
  static var passing: String { oneLine(snapshot("ok-commit")) }
  /// Overspent and negative cost at once: two failing invariants.
  static var violating: String {
    passing.replacingOccurrences(
      of: "\"spent_micro\": \"250004200\"", with: "\"spent_micro\": \"1000000001\""
    )
    .replacingOccurrences(of: "\"cost_micro\": \"4200\"", with: "\"cost_micro\": \"-1\"")
  }

  static func oneLine(_ json: String) -> String {
    json.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(
      separator: " ")
  }

  /// The billing rules with a syntax error (a `)` removed from the first rule).
  static var brokenRules: String {
    billingRules.replacingOccurrences(
      of: "bigint_gte(budget.limit_micro, budget.spent_micro)",
      with: "bigint_gte(budget.limit_micro, budget.spent_micro")
  }
}

/// A temporary rule directory holding the shipped billing rules; removed on deinit.
final class RuleDirectory: @unchecked Sendable {
  let url: URL
  var path: String { url.path }
  var file: URL { url.appendingPathComponent("billing.constraints.json") }

  init(_ contents: String = Fixtures.billingRules) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "guard-server-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try write(contents)
  }

  /// Replaces the rule file atomically (as an editor or a ConfigMap update does).
  func write(_ contents: String) throws {
    try Data(contents.utf8).write(to: file, options: .atomic)
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

/// Log lines collected in memory.
final class CollectedLog: LogSink, @unchecked Sendable {
  private let lines = Mutex<[String]>([])

  func write(line: String) { lines.withLock { $0.append(line) } }

  var all: [String] { lines.withLock { $0 } }

  func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// Runs tasks on threads of its own, not on the cooperative pool: an in-process server (its
/// connection tasks inherit the preference) keeps answering while synchronous tests elsewhere
/// in the suite occupy the pool's threads.
final class DedicatedTaskExecutor: TaskExecutor, @unchecked Sendable {
  static let shared = DedicatedTaskExecutor(threads: 2)

  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []

  init(threads: Int) {
    for index in 0..<threads {
      let thread = Thread { [self] in work() }
      thread.name = "test-server-executor-\(index)"
      thread.start()
    }
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// A `GuardServer` started in this process on a free loopback port.
final class InProcessServer: Sendable {
  let server: GuardServer
  let port: Int
  let log: CollectedLog
  private let task: Task<Void, any Error>

  private init(server: GuardServer, port: Int, log: CollectedLog, task: Task<Void, any Error>) {
    self.server = server
    self.port = port
    self.log = log
    self.task = task
  }

  static func start(
    rules: String, environment: [String: String] = [:],
    configure: (inout ServerConfiguration) -> Void = { _ in }
  ) async throws -> InProcessServer {
    var configuration = ServerConfiguration(rules: rules)
    configuration.port = 0
    configure(&configuration)
    let log = CollectedLog()
    let server = GuardServer(configuration: configuration, environment: environment, sink: log)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let task = Task(executorPreference: DedicatedTaskExecutor.shared) {
      defer { continuation.finish() }
      try await server.run(handleSignals: false) { _, port in continuation.yield(port) }
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else {
      _ = try await task.value
      throw HTTPTestError("the server stopped before listening: \(log.all)")
    }
    return InProcessServer(server: server, port: port, log: log, task: task)
  }

  func send(_ request: HTTPTestRequest) async throws -> HTTPTestResponse {
    try await HTTPTestClient.send(request, port: port)
  }

  func check(_ json: String) async throws -> HTTPTestResponse {
    try await send(.post("/v1/check", json: json))
  }

  /// Shuts the server down gracefully and waits for it.
  func stop() async throws {
    await server.shutDownGracefully()
    try await task.value
  }
}

/// The built `constraint-server`: `CONSTRAINT_SERVER` when set (the release build in `make
/// test-release`), else the one next to the test bundle.
enum ServerBinary {
  static var path: String {
    if let path = ProcessInfo.processInfo.environment["CONSTRAINT_SERVER"], !path.isEmpty {
      return URL(fileURLWithPath: path, relativeTo: repositoryRoot).path
    }
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    let candidates = [
      directory.appendingPathComponent("constraint-server"),
      directory.deletingLastPathComponent().appendingPathComponent("constraint-server"),
    ]
    return
      (candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? candidates[0]).path
  }
}

/// `constraint-server` running as a child process, its standard error read line by line on a
/// thread of its own.
final class ServerProcess: @unchecked Sendable {
  private final class Output: Sendable {
    let lines = Mutex<[String]>([])
    let finished = Mutex(false)
  }

  let process = Process()
  private let output = Output()
  private let reader: Thread

  init(arguments: [String], environment: [String: String] = [:]) throws {
    process.executableURL = URL(fileURLWithPath: ServerBinary.path)
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    var env = ProcessInfo.processInfo.environment
    env["EVALUATOR_BYPASS"] = nil
    for key in env.keys where key.hasPrefix("CONSTRAINT_SERVER_") { env[key] = nil }
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let errorPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let handle = errorPipe.fileHandleForReading
    let output = self.output
    reader = Thread {
      var pending = Data()
      while true {
        let data = handle.availableData
        if data.isEmpty { break }
        pending.append(data)
        while let newline = pending.firstIndex(of: 0x0A) {
          let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
          pending.removeSubrange(pending.startIndex...newline)
          output.lines.withLock { $0.append(line) }
        }
      }
      if !pending.isEmpty {
        let rest = String(decoding: pending, as: UTF8.self)
        output.lines.withLock { $0.append(rest) }
      }
      output.finished.withLock { $0 = true }
    }
    try process.run()
    reader.start()
  }

  var stderrLines: [String] { output.lines.withLock { $0 } }

  /// Waits (polling) until a standard-error line satisfies `predicate`; returns it.
  func waitForLine(
    timeout: Double = 30, _ predicate: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let line = stderrLines.first(where: predicate) { return line }
      if !process.isRunning && output.finished.withLock({ $0 }) { break }
      usleep(20_000)
    }
    if let line = stderrLines.first(where: predicate) { return line }
    throw HTTPTestError("no such line within \(timeout) s; stderr: \(stderrLines)")
  }

  /// The port of the `listening` line.
  func waitForPort() throws -> Int {
    let line = try waitForLine { $0.contains("listening") }
    guard let range = line.range(of: "port="),
      let port = Int(line[range.upperBound...].prefix { $0.isNumber })
    else {
      // JSON format
      if let data = line.data(using: .utf8),
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let text = object["port"] as? String, let port = Int(text)
      {
        return port
      }
      throw HTTPTestError("no port in \(line)")
    }
    return port
  }

  func signal(_ number: Int32) { kill(process.processIdentifier, number) }

  /// Waits for the process to exit (at most `timeout` seconds, then kills it) and returns its
  /// status.
  func waitForExit(timeout: Double = 60) -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return -1
    }
    process.waitUntilExit()
    // Let the reader see the end of standard error.
    let until = Date().addingTimeInterval(5)
    while !output.finished.withLock({ $0 }) && Date() < until { usleep(10_000) }
    return process.terminationStatus
  }

  deinit {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }
}

/// A flag one thread sets and others read.
final class StopFlag: Sendable {
  private let value = Atomic<Bool>(false)

  func set() { value.store(true, ordering: .sequentiallyConsistent) }

  var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
