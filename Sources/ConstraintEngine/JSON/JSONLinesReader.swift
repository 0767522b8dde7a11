#if canImport(Glibc)
  import Glibc
#endif

/// Reads JSONL — one JSON document per line — from a file, a file descriptor (standard input)
/// or memory, with constant memory: input is read in chunks and each line is parsed where it
/// lies. Blank lines are skipped; a bad line is reported with its line number and reading goes
/// on with the next line; a line longer than the document limit is skipped without being
/// buffered whole. A read error (a directory, a closed descriptor, a reset connection) is never
/// taken for the end of input: it is reported as a failed line, after the whole lines read
/// before it, and ends the input; a line it cut short is not read as a document.
public struct JSONLinesReader: Sequence {
  /// One line's document, or why it could not be read.
  public struct Line: Sendable {
    /// 1-based line number in the input (0 for an input that could not be opened).
    public var number: Int
    /// The document, or a diagnostic (``DiagnosticCode/invalidJSON``) whose range is in the
    /// line's text; a line too long or an I/O failure is one at the line's start.
    public var result: Result<Value, Diagnostic>
    /// The line's length in bytes (without the newline).
    public var byteCount: Int
  }

  fileprivate enum Source {
    case path(String)
    case descriptor(Int32)
    case bytes([UInt8])
  }

  private let source: Source
  public let limits: JSONLimits
  /// What is built of each line's document (``JSONDocumentReader/projection``).
  public var projection: ReadProjection = .wholeDocument
  /// Bytes read from the input at a time.
  public let chunkSize: Int

  /// Lines of the file at `path` (opened when iteration starts).
  public init(path: String, limits: JSONLimits = .default, chunkSize: Int = 1 << 20) {
    source = .path(path)
    self.limits = limits
    self.chunkSize = chunkSize
  }

  /// Lines read from an open file descriptor (0 for standard input), which is not closed.
  public init(fileDescriptor: Int32, limits: JSONLimits = .default, chunkSize: Int = 1 << 20) {
    source = .descriptor(fileDescriptor)
    self.limits = limits
    self.chunkSize = chunkSize
  }

  /// Lines of in-memory bytes.
  public init(bytes: [UInt8], limits: JSONLimits = .default, chunkSize: Int = 1 << 20) {
    source = .bytes(bytes)
    self.limits = limits
    self.chunkSize = chunkSize
  }

  public func makeIterator() -> Iterator {
    Iterator(
      lines: RawLines(source: source, limits: limits, chunkSize: chunkSize),
      reader: JSONDocumentReader(limits: limits, projection: projection))
  }

  /// Calls `body` with each non-blank line's bytes (valid only during the call), in order,
  /// without parsing them — for callers that parse on other threads. An I/O error or an
  /// over-long line is passed as a failure for that line.
  public func forEachRawLine(
    _ body: (_ number: Int, _ line: Result<UnsafeRawBufferPointer, Diagnostic>) throws -> Void
  ) rethrows {
    let lines = RawLines(source: source, limits: limits, chunkSize: chunkSize)
    while let next = lines.next() {
      if let bytes = next.bytes {
        try body(next.number, .success(bytes))
      } else {
        try body(next.number, .failure(lines.takeFailure()))
      }
    }
  }

  /// Iterates the parsed lines.
  public struct Iterator: IteratorProtocol {
    fileprivate let lines: RawLines
    /// Shared by all the lines: its scratch memory, and the keys they repeat.
    fileprivate let reader: JSONDocumentReader

    public mutating func next() -> Line? {
      guard let raw = lines.next() else { return nil }
      guard let bytes = raw.bytes else {
        return Line(
          number: raw.number, result: .failure(lines.takeFailure()), byteCount: raw.byteCount)
      }
      do throws(JSONError) {
        let value = try reader.readTyped(bytes)
        return Line(number: raw.number, result: .success(value), byteCount: bytes.count)
      } catch {
        return Line(
          number: raw.number, result: .failure(error.diagnostic), byteCount: bytes.count)
      }
    }
  }
}

extension JSONLinesReader {
  /// The document a line (without its `\n`) holds: the line without a final `\r`, or nil for
  /// a blank line (spaces, tabs and `\r` only), which is not a document. Every reader of JSON
  /// lines decides with this which lines are documents.
  public static func document(ofLine line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
    var bytes = line
    if let last = bytes.last, last == 0x0D {
      bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast())
    }
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
    return bytes
  }

  /// The error of a line longer than `limits.maximumDocumentBytes`: such a line is skipped,
  /// not read, and reported with this error by every reader of JSON lines.
  public static func lineTooLong(limits: JSONLimits) -> Diagnostic {
    ioError("line longer than the \(limits.maximumDocumentBytes)-byte document limit")
  }

  /// A problem with a line as a whole (too long, unreadable): a diagnostic at its start.
  static func ioError(_ message: String) -> Diagnostic {
    Diagnostic(.invalidJSON, message, at: SourceRange(at: .start))
  }
}

/// Splits an input into lines over a reusable chunk buffer.
private final class RawLines {
  /// A line's bytes, or (`bytes` nil) a line that could not be read, whose diagnostic
  /// ``takeFailure()`` gives. Plain data, so that handing a line out copies no diagnostic
  /// (a `Result` here was copied and destroyed through value witnesses for every line).
  struct RawLine {
    var number: Int
    var bytes: UnsafeRawBufferPointer?
    var byteCount: Int
  }

  /// Why the line ``next()`` returned last without bytes could not be read.
  private var failure: Diagnostic?

  let limits: JSONLimits
  private var descriptor: Int32 = -1
  private var ownsDescriptor = false
  private var openError: Diagnostic?
  /// A failed `read`: reported in place of the line it interrupted, then the input ends.
  private var readError: Diagnostic?
  private var buffer: UnsafeMutableRawBufferPointer
  /// Valid bytes are `buffer[start..<end]`.
  private var start = 0
  private var end = 0
  private var endOfInput = false
  private var lineNumber = 0

  init(source: JSONLinesReader.Source, limits: JSONLimits, chunkSize: Int) {
    self.limits = limits
    buffer = .allocate(byteCount: max(chunkSize, 1), alignment: 1)
    switch source {
    case .path(let path):
      descriptor = open(path, O_RDONLY)
      if descriptor < 0 {
        openError = JSONLinesReader.ioError(
          "cannot open \(path): \(String(cString: strerror(errno)))")
      } else {
        ownsDescriptor = true
      }
    case .descriptor(let fd):
      descriptor = fd
    case .bytes(let bytes):
      // In-memory input is copied once into the buffer and read as a final chunk.
      buffer.deallocate()
      buffer = .allocate(byteCount: max(bytes.count, 1), alignment: 1)
      bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
      end = bytes.count
      endOfInput = true
    }
  }

  deinit {
    if ownsDescriptor { close(descriptor) }
    buffer.deallocate()
  }

  /// The diagnostic of the line ``next()`` returned last without bytes.
  func takeFailure() -> Diagnostic {
    guard let failure else { preconditionFailure("no line failed") }
    self.failure = nil
    return failure
  }

  /// A line that could not be read, for `error` (kept for ``takeFailure()``).
  private func failed(number: Int, _ error: Diagnostic, byteCount: Int) -> RawLine {
    failure = error
    return RawLine(number: number, bytes: nil, byteCount: byteCount)
  }

  /// The next non-blank line, or nil at the end of input.
  func next() -> RawLine? {
    if let error = openError {
      openError = nil
      endOfInput = true
      return failed(number: 0, error, byteCount: 0)
    }
    while true {
      // Look for a newline in the buffered bytes.
      if let newline = findNewline(from: start) {
        let lineStart = start
        start = newline + 1
        lineNumber += 1
        if let line = line(from: lineStart, to: newline) { return line }
        continue
      }
      if endOfInput {
        if let error = readError {
          readError = nil
          start = end
          lineNumber += 1
          return failed(number: lineNumber, error, byteCount: 0)
        }
        guard start < end else { return nil }
        let lineStart = start
        start = end
        lineNumber += 1
        if let line = line(from: lineStart, to: end) { return line }
        return nil
      }
      // Compact and refill; a line that fills the whole buffer is too long.
      if start > 0 {
        if end > start {
          buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
        }
        end -= start
        start = 0
      }
      if end == buffer.count {
        // Deciding that a line fits takes its bytes, a `\r` and the `\n` in the buffer.
        let capacity = limits.maximumDocumentBytes.addingReportingOverflow(2)
        let needed = capacity.overflow ? Int.max : capacity.partialValue
        if buffer.count < needed {
          let grown = UnsafeMutableRawBufferPointer.allocate(
            byteCount: min(buffer.count.multipliedReportingOverflow(by: 2).partialValue, needed),
            alignment: 1)
          grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
          buffer.deallocate()
          buffer = grown
        } else {
          lineNumber += 1
          let number = lineNumber
          skipRestOfLine()
          return failed(number: number, lineTooLong(), byteCount: limits.maximumDocumentBytes)
        }
      }
      fill()
    }
  }

  private func line(from lineStart: Int, to lineEnd: Int) -> RawLine? {
    classify(UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd]))
  }

  /// A line without its `\r`, or nil when blank.
  private func classify(_ raw: UnsafeRawBufferPointer) -> RawLine? {
    guard let bytes = JSONLinesReader.document(ofLine: raw) else { return nil }
    if bytes.count > limits.maximumDocumentBytes {
      return failed(number: lineNumber, lineTooLong(), byteCount: bytes.count)
    }
    return RawLine(number: lineNumber, bytes: bytes, byteCount: bytes.count)
  }

  private func lineTooLong() -> Diagnostic {
    JSONLinesReader.lineTooLong(limits: limits)
  }

  private func findNewline(from offset: Int) -> Int? {
    guard offset < end else { return nil }
    guard let found = memchr(buffer.baseAddress! + offset, 0x0A, end - offset) else { return nil }
    return buffer.baseAddress!.distance(to: UnsafeMutableRawPointer(found))
  }

  /// Reads more input after `end`.
  private func fill() {
    while end < buffer.count {
      let count = Glibc.read(descriptor, buffer.baseAddress! + end, buffer.count - end)
      if count < 0 {
        if errno == EINTR { continue }
        readError = JSONLinesReader.ioError("read error: \(String(cString: strerror(errno)))")
        endOfInput = true
        return
      }
      if count == 0 {
        endOfInput = true
        return
      }
      end += count
      return
    }
  }

  /// Discards input up to and including the next newline.
  private func skipRestOfLine() {
    start = 0
    end = 0
    while !endOfInput {
      fill()
      if let newline = findNewline(from: 0) {
        start = newline + 1
        return
      }
      start = 0
      end = 0
    }
  }
}
