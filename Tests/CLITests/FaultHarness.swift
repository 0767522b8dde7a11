import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs `constraint` under the faults `CLI.run` cannot set up: standard streams closed or
/// redirected by a shell (`<&-`, `>/dev/full`, `< directory`), a socket that is reset as
/// standard input, another user than the one running the tests.
enum Fault {
  /// The shell every faulty run goes through.
  static let shell = "/bin/sh"

  /// Runs `sh -c "exec constraint ARGUMENTS REDIRECTIONS"`: `redirections` is shell syntax
  /// applied to the CLI's own streams (`<&-`, `>/dev/full`, `2>&1 >&-`…). Standard output and
  /// standard error not redirected there are captured. `stdin` (when given) is written to a
  /// pipe on standard input, which is closed afterwards.
  static func run(
    _ arguments: [String], redirections: String = "", stdin: String? = nil,
    environment: [String: String] = [:], asNobody: Bool = false
  ) throws -> CLI.Result {
    try script(
      "exec \"$0\" \"$@\" \(redirections)", arguments, stdin: stdin,
      environment: environment, asNobody: asNobody)
  }

  /// Runs `sh -c SCRIPT constraint ARGUMENTS…`: in `script`, `"$0"` is the CLI and `"$@"` the
  /// arguments.
  static func script(
    _ script: String, _ arguments: [String] = [], stdin: String? = nil,
    environment: [String: String] = [:], asNobody: Bool = false
  ) throws -> CLI.Result {
    var command: [String]
    if asNobody {
      command = nobodyPrefix + [shell, "-c", script, try executableForNobody()] + arguments
    } else {
      command = [shell, "-c", script, CLI.executableURL.path] + arguments
    }
    return try spawn(command, stdin: stdin.map { Data($0.utf8) }, environment: environment)
  }

  /// Runs the CLI with a Unix socket as standard input: `lines` arrive, then the peer resets
  /// the connection (it closes with unread data in its own queue, so the CLI's next read fails
  /// with `ECONNRESET` instead of seeing the end of input).
  static func runWithResetStandardInput(_ arguments: [String], lines: String) throws -> CLI.Result {
    var pair: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
      throw FaultError("socketpair failed: errno \(errno)")
    }
    let (ours, theirs) = (pair[0], pair[1])
    let bytes = Array(lines.utf8)
    let written = bytes.withUnsafeBytes { write(ours, $0.baseAddress, $0.count) }
    // Unread data in our own queue makes our close a reset for the reader.
    let poison: [UInt8] = [0x21]
    let poisoned = poison.withUnsafeBytes { write(theirs, $0.baseAddress, 1) }
    guard written == bytes.count, poisoned == 1 else {
      throw FaultError("could not fill the socket")
    }
    close(ours)
    defer { close(theirs) }
    return try spawn(
      [CLI.executableURL.path] + arguments,
      stdin: nil, stdinHandle: FileHandle(fileDescriptor: theirs, closeOnDealloc: false),
      environment: [:])
  }

  /// Whether tests can run the CLI as `nobody` (root with `setpriv`): only then can a
  /// directory be unreadable to the CLI while the tests can still create and remove it.
  static var canRunAsNobody: Bool {
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
  }

  /// Why an unreadable-entry test cannot run here.
  static let cannotRunAsNobody =
    "needs root and /usr/bin/setpriv to run the CLI as nobody (as a non-root user the test "
    + "could not make a directory unreadable to the CLI only)"

  /// `binary` (by default the CLI under test) where `nobody` can run it. A build directory
  /// is often out of `nobody`'s reach (a clone in a `mktemp -d` folder is under a 0700
  /// directory), so the binary is copied once into a folder of its own that every user can
  /// search; the copies are removed when the test process exits.
  static func executableForNobody(_ binary: String = CLI.executableURL.path) throws -> String {
    try NobodyExecutables.shared.copy(of: binary)
  }

  private static let nobodyPrefix = [
    "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
  ]

  private static func spawn(
    _ command: [String], stdin: Data?, stdinHandle: FileHandle? = nil,
    environment: [String: String]
  ) throws -> CLI.Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    process.currentDirectoryURL = CLI.repositoryRoot
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    if let stdinHandle {
      process.standardInput = stdinHandle
    } else {
      process.standardInput = input
    }
    try process.run()
    let feed = stdinHandle == nil ? ChildInput.Feed(stdin, into: input) : nil
    // Both pipes are drained at once so a full one never blocks the other.
    let errorText = PipeDrain(err)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try feed?.finish()
    return CLI.Result(
      status: process.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errorText.finish(), as: UTF8.self))
  }
}

/// The copies `Fault.executableForNobody` made, one per binary, removed at exit.
private final class NobodyExecutables: @unchecked Sendable {
  static let shared: NobodyExecutables = {
    atexit { NobodyExecutables.shared.removeAll() }
    return NobodyExecutables()
  }()

  private let lock = NSLock()
  private var copies: [String: String] = [:]
  private var folders: [URL] = []

  func copy(of binary: String) throws -> String {
    lock.lock()
    defer { lock.unlock() }
    if let copy = copies[binary] { return copy }
    let files = FileManager.default
    let folder = URL(fileURLWithPath: "/tmp")
      .appendingPathComponent("constraint-as-nobody-\(UUID().uuidString)")
    try files.createDirectory(
      at: folder, withIntermediateDirectories: false,
      attributes: [.posixPermissions: 0o755])
    folders.append(folder)
    let copy = folder.appendingPathComponent("constraint")
    try files.copyItem(at: URL(fileURLWithPath: binary), to: copy)
    try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
    // Every folder above the copy must be searchable by others, or nobody still cannot run it.
    var ancestor = folder
    while ancestor.path != "/" {
      let mode = try files.attributesOfItem(atPath: ancestor.path)[.posixPermissions] as? Int
      guard let mode, mode & 0o001 != 0 else {
        throw FaultError("\(ancestor.path) is not searchable by other users: nobody cannot run "
          + "the copy of the CLI in \(folder.path)")
      }
      ancestor.deleteLastPathComponent()
    }
    copies[binary] = copy.path
    return copy.path
  }

  func removeAll() {
    lock.lock()
    defer { lock.unlock() }
    for folder in folders { try? FileManager.default.removeItem(at: folder) }
    folders = []
    copies = [:]
  }
}

struct FaultError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

extension CLI.Result {
  /// Standard output and standard error, for failure messages.
  var transcript: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }

  /// The lines of standard output and standard error.
  var allLines: [Substring] {
    (stdout + "\n" + stderr).split(separator: "\n", omittingEmptySubsequences: false)
  }
}
