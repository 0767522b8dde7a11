/// A position in a source text: a UTF-8 byte offset plus the 1-based line and column.
///
/// Columns count Unicode scalars from the start of the line, so a caret drawn under a column
/// lines up in a terminal for the usual (non-wide) characters.
///
/// Stored in 32 bits each (values beyond ±2³¹ are clamped; no accepted source comes near), so
/// that the trees that carry a location on every node — expressions, compiled nodes, rule
/// files' located JSON — take half the memory.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  private var storedOffset: Int32
  private var storedLine: Int32
  private var storedColumn: Int32

  /// Byte offset into the UTF-8 encoding of the source.
  public var offset: Int {
    get { Int(storedOffset) }
    set { storedOffset = Int32(clamping: newValue) }
  }
  /// 1-based line number.
  public var line: Int {
    get { Int(storedLine) }
    set { storedLine = Int32(clamping: newValue) }
  }
  /// 1-based column, in Unicode scalars.
  public var column: Int {
    get { Int(storedColumn) }
    set { storedColumn = Int32(clamping: newValue) }
  }

  /// Always inlined: the JSON parser makes one per value for builders that drop it, and only
  /// an inlined initializer is removed with the unused value.
  @inline(__always)
  public init(offset: Int, line: Int, column: Int) {
    storedOffset = Int32(clamping: offset)
    storedLine = Int32(clamping: line)
    storedColumn = Int32(clamping: column)
  }

  /// The first position of any source.
  public static let start = SourceLocation(offset: 0, line: 1, column: 1)

  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
    lhs.offset < rhs.offset
  }

  public var description: String { "\(line):\(column)" }
}

/// A half-open range `[start, end)` of a source text. An empty range marks a point (for
/// example "end of input").
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
  public var start: SourceLocation
  public var end: SourceLocation

  public init(start: SourceLocation, end: SourceLocation) {
    self.start = start
    self.end = end
  }

  /// An empty range at `location`.
  @inline(__always)
  public init(at location: SourceLocation) {
    self.start = location
    self.end = location
  }

  /// The smallest range covering both `self` and `other`.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(start: min(start, other.start), end: max(end, other.end))
  }

  /// The number of UTF-8 bytes covered.
  public var length: Int { end.offset - start.offset }

  public var description: String { "\(start)-\(end)" }
}

extension SourceLocation {
  /// The location of byte `offset` (clamped to the text) of `text`: its line, and its column
  /// in Unicode scalars.
  package init(offset: Int, in text: String) {
    var text = text
    self = text.withUTF8 { bytes in
      JSONParser<ValueBuilder>.location(of: max(0, min(offset, bytes.count)), in: bytes)
    }
  }
}

extension SourceRange {
  /// The range of the whole of `text`.
  package init(covering text: String) {
    self.init(start: .start, end: SourceLocation(offset: text.utf8.count, in: text))
  }
}
