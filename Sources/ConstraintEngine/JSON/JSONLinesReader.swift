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

  /// The document a line (without its `\n`) holds under `limits`: nil for a blank line, the
  /// ``lineTooLong(limits:)`` error for a line longer than the document limit without its
  /// final `\r` — blank or not, so that whether a reader's buffer held the line whole never
  /// decides — and the line without its `\r` otherwise. Every reader of JSON lines decides
  /// with this.
  public static func document(
    ofLine line: UnsafeRawBufferPointer, limits: JSONLimits
  ) -> Result<UnsafeRawBufferPointer, Diagnostic>? {
    let length = line.last == 0x0D ? line.count - 1 : line.count
    if length > limits.maximumDocumentBytes { return .failure(lineTooLong(limits: limits)) }
    return document(ofLine: line).map { .success($0) }
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
        if let capacity = JSONLinesReader.grownCapacity(buffer.count, limits: limits) {
          let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
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
    switch JSONLinesReader.document(ofLine: raw, limits: limits) {
    case nil: return nil
    case .failure(let error): return failed(number: lineNumber, error, byteCount: raw.count)
    case .success(let bytes):
      return RawLine(number: lineNumber, bytes: bytes, byteCount: bytes.count)
    }
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
    guard end < buffer.count else { return }
    switch JSONLinesReader.read(
      descriptor, into: buffer.baseAddress! + end, count: buffer.count - end)
    {
    case .failure(let error):
      readError = error
      endOfInput = true
    case .success(0):
      endOfInput = true
    case .success(let count):
      end += count
    }
  }

  /// Discards input up to and including the next newline.
  private func skipRestOfLine() {
    let skipped = JSONLinesReader.discardRestOfLine(descriptor, using: buffer)
    start = skipped.start
    end = skipped.end
    if let error = skipped.readError { readError = error }
    endOfInput = skipped.endOfInput
  }
}

/// Whole JSON lines read by ``JSONLinesReader/forEachChunk(chunkSize:maximumLines:makeChunk:_:)``
/// straight into their memory, to be split into lines on another thread with
/// ``JSONLinesReader/forEachLine(of:limits:_:)``, by the rules every reader of JSON lines
/// applies. Line numbers within a chunk start at 1 (0 for an input that could not be opened):
/// the caller adds the lines of the chunks before it. Its memory is reused from chunk to chunk.
public final class JSONLinesChunk: @unchecked Sendable {
  /// The memory the lines are read into; the chunk's bytes are `memory[start..<end]`.
  fileprivate(set) var memory: UnsafeMutableRawBufferPointer
  fileprivate var start = 0
  fileprivate var end = 0
  /// Whether the bytes end the input (their last line may then have no newline).
  fileprivate var endsInput = false
  /// An over-long line skipped before the bytes, reported as the chunk's first line.
  fileprivate var leadingFailure: Diagnostic?
  /// A read error after the bytes (reported as the next line), or an open error (line 0).
  fileprivate var trailingFailure: Diagnostic?
  fileprivate var failedToOpen = false

  /// An empty chunk of `capacity` bytes.
  public init(capacity: Int) {
    memory = .allocate(byteCount: max(capacity, 1), alignment: 1)
  }

  deinit { memory.deallocate() }

  /// glibc's `memrchr` (not in the Glibc module's headers), when the C library has it.
  private static let memrchr:
    (@convention(c) (UnsafeRawPointer, Int32, Int) -> UnsafeMutableRawPointer?)? = {
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memrchr") else {
        return nil
      }
      return unsafeBitCast(
        symbol, to: (@convention(c) (UnsafeRawPointer, Int32, Int) -> UnsafeMutableRawPointer?)
          .self)
    }()

  /// Bytes of memory the chunk holds.
  public var capacity: Int { memory.count }

  /// Empties the chunk, keeping its memory.
  public func removeAll() {
    start = 0
    end = 0
    endsInput = false
    leadingFailure = nil
    trailingFailure = nil
    failedToOpen = false
  }

  fileprivate func grow(to capacity: Int) {
    let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
    grown.baseAddress!.copyMemory(from: memory.baseAddress! + start, byteCount: end - start)
    memory.deallocate()
    memory = grown
    end -= start
    start = 0
  }

  /// The position after the `count`th newline of the bytes (the last one when there are
  /// fewer, or when `count` is `Int.max`), or nil when there is none.
  fileprivate func cut(afterLines count: Int) -> Int? {
    let base = memory.baseAddress!
    guard count < Int.max else {
      guard end > start else { return nil }
      if let memrchr = Self.memrchr {
        guard let found = memrchr(base + start, 0x0A, end - start) else { return nil }
        return base.distance(to: found) + 1
      }
      var position = end
      while position > start {
        position -= 1
        if base.load(fromByteOffset: position, as: UInt8.self) == 0x0A { return position + 1 }
      }
      return nil
    }
    var position = start
    var last: Int?
    for _ in 0..<count {
      guard position < end, let found = memchr(base + position, 0x0A, end - position) else {
        break
      }
      position = base.distance(to: UnsafeMutableRawPointer(found)) + 1
      last = position
    }
    return last
  }
}

extension JSONLinesReader {
  /// The size a reading buffer of `capacity` bytes holding one unfinished line grows to, or
  /// nil when that line is longer than the document limit and is to be skipped. Deciding that
  /// a line fits takes its bytes, a `\r` and the `\n` in the buffer.
  static func grownCapacity(_ capacity: Int, limits: JSONLimits) -> Int? {
    let needed = limits.maximumDocumentBytes.addingReportingOverflow(2)
    let limit = needed.overflow ? Int.max : needed.partialValue
    guard capacity < limit else { return nil }
    return Swift.min(capacity.multipliedReportingOverflow(by: 2).partialValue, limit)
  }

  /// Reads and discards `descriptor`'s input up to and including the next newline (the rest
  /// of a line too long to hold), reading into `buffer`: the bytes read after that newline are
  /// left at `buffer[start..<end]`. At the end of input or a read error (`readError`) before a
  /// newline, nothing is left and `endOfInput` is true.
  static func discardRestOfLine(_ descriptor: Int32, using buffer: UnsafeMutableRawBufferPointer)
    -> (start: Int, end: Int, readError: Diagnostic?, endOfInput: Bool)
  {
    let base = buffer.baseAddress!
    while true {
      switch read(descriptor, into: base, count: buffer.count) {
      case .failure(let error):
        return (0, 0, error, true)
      case .success(0):
        return (0, 0, nil, true)
      case .success(let count):
        guard let found = memchr(base, 0x0A, count) else { continue }
        return (base.distance(to: UnsafeMutableRawPointer(found)) + 1, count, nil, false)
      }
    }
  }

  /// Reads up to `count` bytes at `address` from `descriptor`: the bytes read (0 at the end
  /// of input), or the read error.
  static func read(_ descriptor: Int32, into address: UnsafeMutableRawPointer, count: Int)
    -> Result<Int, Diagnostic>
  {
    while true {
      let read = Glibc.read(descriptor, address, count)
      if read >= 0 { return .success(read) }
      if errno == EINTR { continue }
      return .failure(ioError("read error: \(String(cString: strerror(errno)))"))
    }
  }

  /// Reads the input in chunks of whole lines, each read straight into the memory of the
  /// chunk passed to `body` (which then owns it); the unfinished line after a chunk's last
  /// newline is the only byte copied, to the start of the next chunk. A chunk is passed as
  /// soon as a read brings a newline (a slow producer's lines are not held back), with at
  /// most `maximumLines` lines (`Int.max`: no limit). A line longer than the chunk grows it,
  /// up to the document limit as ``forEachRawLine(_:)`` does; a longer one is skipped
  /// without being held and reported as a failed line. `makeChunk` gives an empty chunk of at
  /// least the capacity asked (memory handed back by earlier chunks, or new).
  public func forEachChunk(
    chunkSize: Int = 1 << 20, maximumLines: Int = .max,
    makeChunk: (_ capacity: Int) -> JSONLinesChunk, _ body: (JSONLinesChunk) throws -> Void
  ) rethrows {
    let maximumLines = Swift.max(1, maximumLines)
    // Every chunk asked for holds at least `chunkSize` bytes, so that any can be reused.
    let chunkSize = Swift.max(1, chunkSize)
    func newChunk(_ capacity: Int) -> JSONLinesChunk { makeChunk(Swift.max(chunkSize, capacity)) }
    var descriptor: Int32 = -1
    var ownsDescriptor = false
    defer { if ownsDescriptor { close(descriptor) } }
    var chunk: JSONLinesChunk
    var endOfInput = false
    var readError: Diagnostic?
    switch source {
    case .path(let path):
      descriptor = open(path, O_RDONLY)
      guard descriptor >= 0 else {
        let failed = newChunk(0)
        failed.trailingFailure = Self.ioError(
          "cannot open \(path): \(String(cString: strerror(errno)))")
        failed.failedToOpen = true
        try body(failed)
        return
      }
      ownsDescriptor = true
      chunk = newChunk(chunkSize)
    case .descriptor(let fd):
      descriptor = fd
      chunk = newChunk(chunkSize)
    case .bytes(let bytes):
      // In-memory input is copied once and read as a final chunk.
      chunk = newChunk(bytes.count)
      bytes.withUnsafeBytes { chunk.memory.copyMemory(from: $0) }
      chunk.end = bytes.count
      endOfInput = true
    }
    while true {
      // Hand out the whole lines held.
      while true {
        // At the end of input, the last chunk takes what is left (below).
        var cut: Int?
        if maximumLines == .max {
          cut = endOfInput ? nil : chunk.cut(afterLines: .max)
        } else if chunk.leadingFailure != nil, maximumLines == 1 {
          cut = chunk.start
        } else {
          cut = chunk.cut(afterLines: maximumLines - (chunk.leadingFailure == nil ? 0 : 1))
        }
        if endOfInput, cut == chunk.end { cut = nil }
        guard let cut else { break }
        let rest = chunk.end - cut
        let handed: JSONLinesChunk
        if rest <= cut - chunk.start {
          handed = chunk
          chunk = newChunk(rest)
          chunk.memory.baseAddress!.copyMemory(
            from: handed.memory.baseAddress! + cut, byteCount: rest)
          chunk.end = rest
          handed.end = cut
        } else {
          handed = newChunk(cut - chunk.start)
          handed.memory.baseAddress!.copyMemory(
            from: chunk.memory.baseAddress! + chunk.start, byteCount: cut - chunk.start)
          handed.end = cut - chunk.start
          handed.leadingFailure = chunk.leadingFailure
          chunk.leadingFailure = nil
          chunk.start = cut
        }
        try body(handed)
      }
      if endOfInput {
        if chunk.end > chunk.start || chunk.leadingFailure != nil || readError != nil {
          chunk.endsInput = true
          chunk.trailingFailure = readError
          try body(chunk)
        }
        return
      }
      // Make room: compact, grow for a long line, or skip a line longer than the limit.
      if chunk.end == chunk.capacity {
        if chunk.start > 0 {
          chunk.grow(to: chunk.capacity)
        } else if let capacity = Self.grownCapacity(chunk.capacity, limits: limits) {
          chunk.grow(to: capacity)
        } else {
          if chunk.leadingFailure != nil {
            let failed = newChunk(0)
            failed.leadingFailure = chunk.leadingFailure
            try body(failed)
          }
          chunk.leadingFailure = Self.lineTooLong(limits: limits)
          let skipped = Self.discardRestOfLine(descriptor, using: chunk.memory)
          chunk.start = skipped.start
          chunk.end = skipped.end
          readError = skipped.readError
          endOfInput = skipped.endOfInput
          continue
        }
      }
      switch Self.read(
        descriptor, into: chunk.memory.baseAddress! + chunk.end, count: chunk.capacity - chunk.end)
      {
      case .failure(let error):
        readError = error
        endOfInput = true
        // A line the error cut short is not read as a document.
        chunk.end = chunk.cut(afterLines: .max) ?? chunk.start
      case .success(0):
        endOfInput = true
      case .success(let count):
        chunk.end += count
      }
    }
  }

  /// Calls `body` with each non-blank line of `chunk` in order, numbered from 1 within the
  /// chunk, exactly as ``forEachRawLine(_:)`` would pass it; returns the lines the chunk
  /// counts (blank ones included), which the next chunk's numbers follow.
  @discardableResult
  public static func forEachLine(
    of chunk: JSONLinesChunk, limits: JSONLimits,
    _ body: (_ number: Int, _ line: Result<UnsafeRawBufferPointer, Diagnostic>) throws -> Void
  ) rethrows -> Int {
    if chunk.failedToOpen, let failure = chunk.trailingFailure {
      try body(0, .failure(failure))
      return 0
    }
    var number = 0
    if let failure = chunk.leadingFailure {
      number += 1
      try body(number, .failure(failure))
    }
    let base = UnsafeRawPointer(chunk.memory.baseAddress!)
    var position = chunk.start
    let end = chunk.end
    while position < end {
      let lineEnd: Int
      if let found = memchr(base + position, 0x0A, end - position) {
        lineEnd = base.distance(to: UnsafeRawPointer(found))
      } else {
        lineEnd = end
      }
      number += 1
      let raw = UnsafeRawBufferPointer(start: base + position, count: lineEnd - position)
      position = lineEnd + 1
      guard let line = document(ofLine: raw, limits: limits) else { continue }
      try body(number, line)
    }
    if let failure = chunk.trailingFailure {
      number += 1
      try body(number, .failure(failure))
    }
    return number
  }
}
