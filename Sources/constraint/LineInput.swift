import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file descriptor (standard input) one line at a time, holding one chunk of input
/// and one line, never more: a line longer than `maximumLineBytes` is an error as soon as
/// its first `maximumLineBytes + 1` bytes are read (the rest is never buffered).
struct LineInput {
  enum Failure: Error {
    /// read(2) failed: a closed descriptor, a directory, an I/O error.
    case unreadable(String)
    /// The line (its 1-based number) is longer than the limit.
    case tooLong(line: Int)
  }

  let descriptor: Int32
  /// The longest line accepted, in bytes, not counting the `\n` and one `\r` before it.
  let maximumLineBytes: Int
  /// Called before each read that may block, so that output written so far can be flushed.
  var beforeReading: () -> Void = {}
  private var chunk = [UInt8](repeating: 0, count: 1 << 16)
  private var start = 0
  private var end = 0
  private var atEnd = false
  /// The number of the line last returned.
  private(set) var lineNumber = 0

  init(descriptor: Int32, maximumLineBytes: Int) {
    self.descriptor = descriptor
    self.maximumLineBytes = maximumLineBytes
  }

  /// The next line without its `\n` and a `\r` before it, nil at the end of the input.
  mutating func next() -> Result<[UInt8]?, Failure> {
    var line: [UInt8] = []
    var started = false
    while true {
      if start == end {
        if atEnd { break }
        beforeReading()
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
          if errno == EINTR { continue }
          return .failure(.unreadable(String(cString: strerror(errno))))
        }
        if count == 0 {
          atEnd = true
          break
        }
        start = 0
        end = count
        continue
      }
      started = true
      let newline = chunk[start..<end].firstIndex(of: UInt8(ascii: "\n"))
      let stop = newline ?? end
      line.append(contentsOf: chunk[start..<stop])
      start = newline.map { $0 + 1 } ?? end
      // One byte over is still a line of the limit when it is the `\r` before the `\n`.
      if line.count > maximumLineBytes + 1
        || (line.count == maximumLineBytes + 1 && line.last != 0x0D)
      {
        return .failure(.tooLong(line: lineNumber + 1))
      }
      if newline != nil { break }
    }
    guard started else { return .success(nil) }
    lineNumber += 1
    if line.last == 0x0D { line.removeLast() }
    return .success(line)
  }
}
