import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// Splits an NDJSON request body, chunk by chunk as it arrives, into lines with constant
/// memory: a line inside one chunk is handed over where it lies; only a line split across
/// chunks is copied, and never past the line limit (a longer line is skipped to its end and
/// reported). Lines are numbered from 1, blank lines counted and skipped; a final line
/// without a newline is a line. A `\r` before the newline is dropped.
struct LineSplitter {
  enum Event {
    /// A non-blank line's bytes, valid only during the callback.
    case line(number: Int, bytes: UnsafeRawBufferPointer)
    /// A line longer than the limit (its content was not kept).
    case overlong(number: Int)
  }

  let maximumLineBytes: Int
  private var pending: [UInt8] = []
  private var skipping = false
  private(set) var lineNumber = 0

  init(maximumLineBytes: Int) {
    self.maximumLineBytes = maximumLineBytes
  }

  /// Feeds one chunk; calls `handle` for every line it completes.
  mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) -> Void) {
    chunk.withUnsafeReadableBytes { raw in
      guard let base = raw.baseAddress else { return }
      var start = 0
      while start < raw.count {
        guard let found = memchr(base + start, 0x0A, raw.count - start) else {
          keepTail(UnsafeRawBufferPointer(rebasing: raw[start...]))
          return
        }
        let end = base.distance(to: UnsafeRawPointer(found))
        lineNumber += 1
        let piece = UnsafeRawBufferPointer(rebasing: raw[start..<end])
        if skipping {
          skipping = false
          handle(.overlong(number: lineNumber))
        } else if pending.isEmpty {
          emit(piece, handle)
        } else if pending.count + piece.count > maximumLineBytes + 1 {
          pending.removeAll(keepingCapacity: true)
          handle(.overlong(number: lineNumber))
        } else {
          pending.append(contentsOf: piece)
          pending.withUnsafeBytes { emit($0, handle) }
          pending.removeAll(keepingCapacity: true)
        }
        start = end + 1
      }
    }
  }

  /// The end of the body: the last line, when it has no newline.
  mutating func finish(_ handle: (Event) -> Void) {
    if skipping {
      skipping = false
      lineNumber += 1
      handle(.overlong(number: lineNumber))
    } else if !pending.isEmpty {
      lineNumber += 1
      pending.withUnsafeBytes { emit($0, handle) }
      pending.removeAll()
    }
  }

  private mutating func keepTail(_ tail: UnsafeRawBufferPointer) {
    guard !skipping else { return }
    // One byte of slack for a `\r` that the newline will follow.
    if pending.count + tail.count > maximumLineBytes + 1 {
      pending.removeAll()
      skipping = true
    } else {
      pending.append(contentsOf: tail)
    }
  }

  private func emit(_ line: UnsafeRawBufferPointer, _ handle: (Event) -> Void) {
    var count = line.count
    if count > 0, line[count - 1] == 0x0D { count -= 1 }
    guard count <= maximumLineBytes else {
      handle(.overlong(number: lineNumber))
      return
    }
    let trimmed = UnsafeRawBufferPointer(rebasing: line[0..<count])
    if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
    handle(.line(number: lineNumber, bytes: trimmed))
  }
}
