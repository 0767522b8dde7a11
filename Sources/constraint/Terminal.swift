import ConstraintEngine
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Where the CLI writes: standard output for results (buffered, flushed before anything goes to
/// standard error and at exit), standard error for diagnostics, with colour only when standard
/// error is a terminal and `NO_COLOR` is unset.
///
/// Every byte the CLI writes goes through ``StandardStreams``, the one place where a failed
/// write (a full disk, a closed or broken stream) ends the process with a message and exit
/// status 2, whatever the command and format.
///
/// Human text (the default) is made safe for a terminal and a CI log on its way out: control
/// characters are rendered visibly (`\u{1b}`, `\r`) and no line may start a GitHub Actions
/// workflow command (`::…`). Machine formats (JSON, JUnit XML, workflow commands) escape their
/// own data and use a ``verbatim`` terminal.
final class Terminal {
  /// How the text written through a terminal is treated.
  enum Kind {
    /// Made safe: control characters visible, no line starting with `::`.
    case human
    /// Written as it is: the format escapes its data itself.
    case verbatim
  }

  let renderer: DiagnosticRenderer
  let kind: Kind

  init(_ kind: Kind = .human) {
    self.kind = kind
    renderer = DiagnosticRenderer(
      useColor: DiagnosticRenderer.shouldUseColor(forStandardErrorOrOutput: STDERR_FILENO))
  }

  /// The same streams, for a machine format.
  var verbatim: Terminal { Terminal(.verbatim) }

  /// Writes a line (or several) to standard output.
  func output(_ line: String) {
    StandardStreams.shared.output(kind == .human ? HumanText.safe(line) : line)
  }

  /// Writes a line to standard error, after flushing standard output so the two interleave in
  /// order. Diagnostics are human text.
  func error(_ line: String) {
    StandardStreams.shared.error(HumanText.safe(line))
  }

  /// Writes buffered output.
  func flush() {
    StandardStreams.shared.flush()
  }

  /// Writes every byte to `descriptor`, retrying after interruptions; a failure ends the
  /// process (see ``StandardStreams``).
  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    StandardStreams.shared.write(bytes, to: descriptor)
  }
}

/// `print` inside the CLI writes through ``StandardStreams``, so no output can bypass the
/// write-error check. It writes its text exactly: `parse` and `fmt` print expressions, whose
/// bytes must not change (a string literal may hold any character). Messages that carry data
/// from files go through ``Terminal/output(_:)`` or render their values with
/// ``HumanText/value(_:)``.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  var text = items.map { "\($0)" }.joined(separator: separator) + terminator
  if text.hasSuffix("\n") { text.removeLast() }
  StandardStreams.shared.output(text)
}

/// The process's standard output and standard error.
///
/// - Standard output is buffered (64 KiB) and flushed before standard error is written and at
///   exit; standard error is written at once, one `write` per message.
/// - A write that fails ends the process: a message on standard error (when that still works)
///   and exit status 2. So does a write to a stream that was closed when the process started.
/// - ``prepare()`` (at the very start) fills standard streams that were closed with
///   `/dev/null` opened the wrong way round, so that no file the CLI opens later takes their
///   numbers (a rule file read back as standard input, say), reads of a closed standard input
///   fail, and writes to a closed standard output fail; and it ignores `SIGPIPE`, so that a
///   broken pipe is a failed write like any other.
final class StandardStreams: Sendable {
  static let shared = StandardStreams()

  private struct State {
    var buffer: [UInt8] = []
    var closedAtStart: Set<Int32> = []
  }

  private let state = Mutex(State())

  /// Standard streams closed before the process started (0, 1, 2).
  var closedAtStart: Set<Int32> { state.withLock { $0.closedAtStart } }

  /// Whether standard input was closed when the process started.
  var standardInputWasClosed: Bool { closedAtStart.contains(STDIN_FILENO) }

  func prepare() {
    signal(SIGPIPE, SIG_IGN)
    var closed: Set<Int32> = []
    for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO]
    where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
      closed.insert(descriptor)
      let placeholder = open("/dev/null", descriptor == STDIN_FILENO ? O_WRONLY : O_RDONLY)
      if placeholder >= 0 && placeholder != descriptor {
        dup2(placeholder, descriptor)
        close(placeholder)
      }
    }
    state.withLock { $0.closedAtStart = closed }
  }

  func output(_ line: String) {
    let full = state.withLock { state -> [UInt8]? in
      state.buffer.append(contentsOf: line.utf8)
      state.buffer.append(0x0A)
      guard state.buffer.count >= 1 << 16 else { return nil }
      defer { state.buffer.removeAll(keepingCapacity: true) }
      return state.buffer
    }
    if let full { write(full, to: STDOUT_FILENO) }
  }

  func error(_ line: String) {
    flush()
    write(Array((line + "\n").utf8), to: STDERR_FILENO)
  }

  func flush() {
    let pending = state.withLock { state -> [UInt8] in
      defer { state.buffer.removeAll(keepingCapacity: true) }
      return state.buffer
    }
    if !pending.isEmpty { write(pending, to: STDOUT_FILENO) }
  }

  /// Flushes standard output and exits with `status` (2 instead when a write fails).
  func exit(_ status: Int32) -> Never {
    flush()
    Glibc.exit(status)
  }

  /// Writes every byte, retrying after interruptions and short writes; ends the process with
  /// status 2 when a write fails.
  func write(_ bytes: [UInt8], to descriptor: Int32) {
    var failure: Int32?
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += written
      }
    }
    if let failure { failed(descriptor, failure) }
  }

  /// Says which write failed (on standard error, when that is not the stream that failed) and
  /// exits with status 2.
  private func failed(_ descriptor: Int32, _ error: Int32) -> Never {
    let stream = descriptor == STDOUT_FILENO ? "standard output" : "standard error"
    let reason =
      closedAtStart.contains(descriptor)
      ? "it was closed when constraint started" : String(cString: strerror(error))
    if descriptor != STDERR_FILENO {
      let message = Array("error: cannot write to \(stream): \(reason)\n".utf8)
      message.withUnsafeBytes { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
    // Nothing buffered may be written after a failure: leave at once.
    _exit(2)
  }
}

/// Text made safe for a terminal and a CI log.
enum HumanText {
  /// `text` with each control character (other than the line breaks that separate its lines,
  /// and tabs) rendered visibly, and `::` at the start of a line (after blanks) escaped, so no
  /// data can move the cursor, rewrite a line, or start a GitHub Actions workflow command.
  static func safe(_ text: String) -> String {
    guard needsWork(text) else { return text }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      var result = visible(line, keepingLineBreaks: true)
      if let start = result.firstIndex(where: { $0 != " " && $0 != "\t" }),
        result[start...].hasPrefix("::")
      {
        result.replaceSubrange(start...start, with: "\\u{3a}")
      }
      return result
    }.joined(separator: "\n")
  }

  /// A value (a rule id, a message, a file name) on one line: every control character,
  /// line breaks included, rendered visibly (`\n`, `\r`, `\t`, `\u{1b}`).
  static func value<S: StringProtocol>(_ text: S) -> String {
    // Most values (rule ids, file names) have nothing to render: no control byte and no lead
    // byte of a C1 control or of U+2028…U+2069, so they are returned as they are.
    var string = String(text)
    let plain = string.withUTF8 { bytes in
      !bytes.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }
    }
    return plain ? string : visible(string, keepingLineBreaks: false)
  }

  /// Cheap and conservative: true whenever ``safe(_:)`` might change something (one pass over
  /// the bytes; the lead bytes of C1 controls and of U+2028…U+2069 send it to the slow path).
  private static func needsWork(_ text: String) -> Bool {
    var text = text
    // Over the contiguous bytes: iterating `utf8` costs several times more per byte.
    return text.withUTF8 { bytes in
      var previousColon = false
      for byte in bytes {
        switch byte {
        case 0x09, 0x0A: previousColon = false
        case 0x00..<0x20, 0x7F, 0xC2, 0xE2: return true
        case 0x3A:
          if previousColon { return true }
          previousColon = true
        default: previousColon = false
        }
      }
      return false
    }
  }

  private static func visible<S: StringProtocol>(_ text: S, keepingLineBreaks: Bool) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n" where keepingLineBreaks, "\t" where keepingLineBreaks:
        result.unicodeScalars.append(scalar)
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default:
        if isInvisible(scalar) {
          result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result
  }

  /// C0 and C1 controls and DEL (tab and line feed aside, which ``safe(_:)`` keeps), line and
  /// paragraph separators, and the bidirectional overrides and isolates that reorder what a
  /// terminal shows.
  private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09, 0x0A: return false
    case 0x00..<0x20, 0x7F...0x9F: return true
    case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
    default: return false
    }
  }
}
