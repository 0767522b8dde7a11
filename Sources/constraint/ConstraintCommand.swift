import ArgumentParser
import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

@main
struct ConstraintCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "constraint",
    abstract: "Parse, check and evaluate constraint expressions against JSON snapshots.",
    discussion: """
      Examples:
        constraint parse "a.every(x => x > 0)"     print the canonical form of an expression
        constraint fmt --check Rules/              verify rule files are canonically formatted
        constraint check Rules/ --data Examples/snapshots/   check snapshots against rule files
        constraint lint --portable Rules/          report rule problems and non-portable syntax
        constraint test Rules/                     run the rules' test cases (*.tests.jsonl)

      Exit status (every command): 0 success, 1 a rule does not hold (or, for fmt --check, an \
      expression is not canonical; for guard, a decision was not pass), 2 anything that kept \
      the command from doing its whole job: a usage error, unreadable or empty input, a rule \
      file that does not load, a failed write. See docs/CLI.md.
      """,
    version: """
      constraint \(EngineVersion.version) (grammar \(EngineVersion.grammar))
      PCRE2 \(RegexEngine.pcre2Version), \(
        RegexEngine.isJITAvailable
          ? "JIT available: patterns are JIT-compiled"
          : "JIT unavailable: patterns run in the interpreter")
      """,
    subcommands: [
      ParseCommand.self, FmtCommand.self, EvalCommand.self, CheckCommand.self, LintCommand.self,
      TestCommand.self, GuardCommand.self,
    ]
  )

  /// `constraint` alone is a usage error: a CI step whose command went missing must not pass.
  func run() throws {
    throw ValidationError("no command given (parse, fmt, eval, check, lint, test or guard)")
  }

  /// The one way in and out of every command: standard streams prepared, arguments checked,
  /// the command run, and its outcome mapped onto the exit-status contract — 0 and 1 as the
  /// command says, 2 for everything that kept it from running (usage errors included, which
  /// the argument parser would exit with 64), help and version 0. Output is flushed last, so a
  /// failed write turns any status into 2.
  static func main() {
    StandardStreams.shared.prepare()
    let terminal = Terminal()
    // On Linux the Swift runtime reads the arguments from /proc/self/cmdline. Without /proc (a
    // bare chroot) it sees none, not even the program's name, and running as if no command had
    // been given would be a lie about what was asked.
    if CommandLine.argc == 0 {
      terminal.error(
        "error: cannot read the command line: /proc/self/cmdline cannot be read "
          + "(is /proc mounted?)")
      StandardStreams.shared.exit(2)
    }
    if let problem = invalidArgument() {
      terminal.error("error: \(problem)")
      StandardStreams.shared.exit(2)
    }
    let status: Int32
    do {
      var command = try parseAsRoot()
      try command.run()
      status = 0
    } catch let exit as ExitCode {
      status = exit.rawValue
    } catch {
      status = report(error, terminal: terminal)
    }
    StandardStreams.shared.exit(status)
  }

  /// Prints help or version text (status 0) or a usage or unexpected error (status 2).
  private static func report(_ error: Error, terminal: Terminal) -> Int32 {
    let text = fullMessage(for: error)
    if exitCode(for: error) == .success {
      if !text.isEmpty { terminal.verbatim.output(text) }
      return 0
    }
    var message = text.isEmpty ? "error: \(error)" : text
    if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
    if !message.hasPrefix("error: ") { message = "error: " + message }
    terminal.error(message)
    return 2
  }

  /// The first argument that is not valid UTF-8, described; nil when all are. (Decoded as
  /// Swift strings, such bytes would silently become U+FFFD.)
  private static func invalidArgument() -> String? {
    for index in 1..<max(1, Int(CommandLine.argc)) {
      guard let pointer = CommandLine.unsafeArgv[index] else { continue }
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
        count: strlen(pointer))
      var parser = Unicode.UTF8.ForwardParser()
      var iterator = bytes.makeIterator()
      var offset = 0
      decoding: while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .emptyInput: break decoding
        case .error:
          let shown = HumanText.value(String(decoding: bytes, as: UTF8.self))
          return "argument \(index) is not valid UTF-8 (byte 0x"
            + String(bytes[offset], radix: 16, uppercase: true)
            + " at offset \(offset)): \(shown); arguments are read as UTF-8 text"
        }
      }
    }
    return nil
  }
}
