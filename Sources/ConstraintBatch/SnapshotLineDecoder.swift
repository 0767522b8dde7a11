import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

/// Reads JSON lines pushed in chunks as they arrive (an HTTP request body, a socket) the way
/// ``BatchChecker`` reads a JSON-lines source: the same blank lines (not snapshots), the same
/// document limits, a line over ``JSONLimits/maximumDocumentBytes`` skipped without being kept
/// whole, and the same ``Diagnostic`` for a line that cannot be read (code `CE4001`, the
/// position inside the line) as `constraint check --format jsonl` reports for it.
///
/// Memory stays constant: a line inside one chunk is read where it lies; only a line split
/// across chunks is copied, and never past the line limit. Lines are numbered from 1, blank
/// lines counted; a final line without a newline is a line.
public struct SnapshotLineDecoder {
  /// One line that is not blank.
  public enum Line {
    /// The line's snapshot (any JSON value: whether it must be an object is the caller's rule).
    case snapshot(number: Int, Value)
    /// The line could not be read; `tooLong` when it is longer than the document limit (its
    /// content was not kept).
    case unreadable(number: Int, Diagnostic, tooLong: Bool)
  }

  /// One line that is not blank, before its document is read (``feedDocuments(_:_:)``).
  public enum Document {
    /// The line's document: its bytes without the line ending, valid only during the call.
    case text(number: Int, UnsafeRawBufferPointer)
    /// The line is longer than the document limit (its content was not kept); the diagnostic
    /// is the one ``Line/unreadable(number:_:tooLong:)`` carries for it.
    case tooLong(number: Int, Diagnostic)
  }

  /// The limits each line is read under.
  public let limits: JSONLimits
  /// The number of the last line completed (blank lines included).
  public private(set) var lineNumber = 0
  /// One reader for every line: its scratch memory, and the keys they repeat. Made by the
  /// first ``feed(_:_:)`` or ``finish(_:)``: a caller that reads the documents its own way
  /// (``feedDocuments(_:_:)``) never needs it.
  private var lineReader: JSONDocumentReader?
  /// The start of a line split across chunks.
  private var pending: [UInt8] = []
  /// Inside a line already known to be too long: its bytes are dropped up to its newline.
  private var skipping = false

  /// A decoder of lines read under `limits`.
  public init(limits: JSONLimits = .default) {
    self.limits = limits
  }

  /// The reader of ``feed(_:_:)`` and ``finish(_:)``'s lines.
  private mutating func reader() -> JSONDocumentReader {
    if let lineReader { return lineReader }
    let made = JSONDocumentReader(limits: limits)
    lineReader = made
    return made
  }

  /// Reads one line's document with `reader`: its value, or the diagnostic a JSON-lines check
  /// reports for it. ``BatchChecker``'s workers read each line with this too.
  static func decode(_ document: UnsafeRawBufferPointer, with reader: JSONDocumentReader)
    -> Result<Value, Diagnostic>
  {
    do throws(Diagnostic) {
      return .success(try reader.read(document))
    } catch {
      return .failure(error)
    }
  }

  /// Feeds the next chunk of input; calls `handle` for every non-blank line it completes.
  public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ handle: (Line) -> Void) {
    let reader = reader()
    feedDocuments(chunk) { handle(Self.line(of: $0, with: reader)) }
  }

  /// The end of the input: the last line, when it has no newline.
  public mutating func finish(_ handle: (Line) -> Void) {
    let reader = reader()
    finishDocuments { handle(Self.line(of: $0, with: reader)) }
  }

  /// The line of `document`, read with `reader`.
  private static func line(of document: Document, with reader: JSONDocumentReader) -> Line {
    switch document {
    case .tooLong(let number, let diagnostic):
      return .unreadable(number: number, diagnostic, tooLong: true)
    case .text(let number, let bytes):
      switch decode(bytes, with: reader) {
      case .success(let value): return .snapshot(number: number, value)
      case .failure(let diagnostic): return .unreadable(number: number, diagnostic, tooLong: false)
      }
    }
  }

  /// Feeds the next chunk of input as ``feed(_:_:)`` does, but hands each non-blank line's
  /// document to `handle` unread (a caller that reads each line its own way, such as through
  /// the projection of the rules that will check it). Such a caller reports a document it
  /// cannot read by the reader's ``Diagnostic``, as ``feed(_:_:)`` does.
  public mutating func feedDocuments(
    _ chunk: UnsafeRawBufferPointer, _ handle: (Document) -> Void
  ) {
    guard let base = chunk.baseAddress else { return }
    var start = 0
    while start < chunk.count {
      guard let found = memchr(base + start, 0x0A, chunk.count - start) else {
        keep(UnsafeRawBufferPointer(rebasing: chunk[start...]))
        return
      }
      let end = base.distance(to: UnsafeRawPointer(found))
      lineNumber += 1
      let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
      if skipping {
        skipping = false
        handle(tooLong())
      } else if pending.isEmpty {
        emit(piece, handle)
      } else if pending.count + piece.count > maximumKept {
        pending.removeAll(keepingCapacity: true)
        handle(tooLong())
      } else {
        pending.append(contentsOf: piece)
        pending.withUnsafeBytes { emit($0, handle) }
        pending.removeAll(keepingCapacity: true)
      }
      start = end + 1
    }
  }

  /// The end of the input as ``finish(_:)``, the last line's document unread.
  public mutating func finishDocuments(_ handle: (Document) -> Void) {
    if skipping {
      skipping = false
      lineNumber += 1
      handle(tooLong())
    } else if !pending.isEmpty {
      lineNumber += 1
      pending.withUnsafeBytes { emit($0, handle) }
      pending.removeAll()
    }
  }

  /// The most bytes of a line worth keeping: the document limit and a `\r` before the
  /// newline.
  private var maximumKept: Int {
    let (sum, overflow) = limits.maximumDocumentBytes.addingReportingOverflow(1)
    return overflow ? Int.max : sum
  }

  private mutating func keep(_ tail: UnsafeRawBufferPointer) {
    guard !skipping else { return }
    if pending.count + tail.count > maximumKept {
      pending.removeAll()
      skipping = true
    } else {
      pending.append(contentsOf: tail)
    }
  }

  private func tooLong() -> Document {
    .tooLong(number: lineNumber, JSONLinesReader.lineTooLong(limits: limits))
  }

  private func emit(_ line: UnsafeRawBufferPointer, _ handle: (Document) -> Void) {
    switch JSONLinesReader.document(ofLine: line, limits: limits) {
    case nil: return
    case .failure(let error): handle(.tooLong(number: lineNumber, error))
    case .success(let document): handle(.text(number: lineNumber, document))
    }
  }
}
