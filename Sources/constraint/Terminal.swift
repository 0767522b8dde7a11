import ConstraintEngine
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where the CLI writes: standard output for results (buffered, flushed before anything goes to
/// standard error and at exit), standard error for diagnostics, with colour only when standard
/// error is a terminal and `NO_COLOR` is unset.
final class Terminal {
  let renderer: DiagnosticRenderer
  private var buffer: [UInt8] = []

  init() {
    renderer = DiagnosticRenderer(
      useColor: DiagnosticRenderer.shouldUseColor(forStandardErrorOrOutput: STDERR_FILENO))
    buffer.reserveCapacity(1 << 16)
  }

  deinit { flush() }

  /// Writes a line to standard output.
  func output(_ line: String) {
    buffer.append(contentsOf: line.utf8)
    buffer.append(0x0A)
    if buffer.count >= 1 << 16 { flush() }
  }

  /// Writes a line to standard error, after flushing standard output so the two interleave
  /// in order.
  func error(_ line: String) {
    flush()
    Terminal.writeAll(Array((line + "\n").utf8), to: STDERR_FILENO)
  }

  /// Writes buffered output.
  func flush() {
    guard !buffer.isEmpty else { return }
    Terminal.writeAll(buffer, to: STDOUT_FILENO)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes every byte to `descriptor`, retrying after interruptions.
  static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return
        }
        offset += written
      }
    }
  }
}
