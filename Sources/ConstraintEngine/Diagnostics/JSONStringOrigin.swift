/// Where the text of a JSON string value sits in its file: the opening quote, and every escape
/// (`\"`, `\\`, `\n`, `\u00e9`, a surrogate pair) whose spelling in the file is longer than the
/// text it stands for. Maps a position in the decoded text, such as the range of a diagnostic
/// about a rule's expression, to the exact line, column and offset in the file.
///
/// The one mapping from expression positions into rule files, used by the loader, `check`,
/// `lint` and the guard.
public struct JSONStringOrigin: Sendable, Hashable {
  /// One escape sequence of the string.
  public struct Escape: Sendable, Hashable {
    /// The UTF-8 offset in the decoded text where the escaped character starts.
    public var textOffset: Int32
    /// The UTF-8 bytes of the decoded character (1 to 4).
    public var textBytes: Int32
    /// The bytes of the escape in the file (2 for `\n`, 6 for `\u00e9`, 12 for a pair).
    public var fileBytes: Int32

    public init(textOffset: Int, textBytes: Int, fileBytes: Int) {
      self.textOffset = Int32(clamping: textOffset)
      self.textBytes = Int32(clamping: textBytes)
      self.fileBytes = Int32(clamping: fileBytes)
    }
  }

  /// The location of the string's opening quote in the file.
  public var quote: SourceLocation
  /// The escapes, in order; empty for the usual string without one.
  public var escapes: [Escape]

  public init(quote: SourceLocation, escapes: [Escape] = []) {
    self.quote = quote
    self.escapes = escapes
  }

  /// The origin of the JSON string whose opening quote is at `quote` in `file` (the file's
  /// UTF-8 bytes), its escapes read from the file. The string must be well-formed JSON, as the
  /// JSON reader has already checked; reading stops at the closing quote or the end.
  public init(quote: SourceLocation, in file: [UInt8]) {
    self.quote = quote
    self.escapes = []
    var index = quote.offset + 1
    var textOffset = 0
    func hex(at position: Int) -> UInt32? {
      guard position + 4 <= file.count else { return nil }
      var value: UInt32 = 0
      for byte in file[position..<position + 4] {
        guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
        value = value << 4 | UInt32(digit)
      }
      return value
    }
    while index < file.count, file[index] != UInt8(ascii: "\"") {
      guard file[index] == UInt8(ascii: "\\"), index + 1 < file.count else {
        index += 1
        textOffset += 1
        continue
      }
      var fileBytes = 2
      var textBytes = 1
      if file[index + 1] == UInt8(ascii: "u"), let unit = hex(at: index + 2) {
        fileBytes = 6
        if (0xD800..<0xDC00).contains(unit), index + 11 < file.count,
          file[index + 6] == UInt8(ascii: "\\"), file[index + 7] == UInt8(ascii: "u"),
          let low = hex(at: index + 8), (0xDC00..<0xE000).contains(low)
        {
          fileBytes = 12
          textBytes = 4
        } else if let scalar = Unicode.Scalar(unit) {
          textBytes = UTF8.width(scalar)
        } else {
          textBytes = 3  // a lone surrogate reads as U+FFFD
        }
      }
      escapes.append(Escape(textOffset: textOffset, textBytes: textBytes, fileBytes: fileBytes))
      index += fileBytes
      textOffset += textBytes
    }
  }

  /// The location in the file of `location`, a position in `text` (the decoded string). A
  /// position inside an escaped character maps to the start of its escape.
  public func fileLocation(of location: SourceLocation, in text: String) -> SourceLocation {
    let utf8 = text.utf8
    var textOffset = min(max(0, location.offset), utf8.count)
    var extraBytes = 0
    for escape in escapes {
      let start = Int(escape.textOffset)
      if start >= textOffset { break }
      if textOffset < start + Int(escape.textBytes) {
        textOffset = start
        break
      }
      extraBytes += Int(escape.fileBytes - escape.textBytes)
    }
    var scalars = 0
    for byte in utf8.prefix(textOffset) where byte & 0xC0 != 0x80 { scalars += 1 }
    // Every escape decodes to one scalar; its file spelling is ASCII, a column per byte.
    let escapeColumns = escapes.prefix { Int($0.textOffset) < textOffset }
      .reduce(0) { $0 + Int($1.fileBytes) - 1 }
    // JSON strings hold no raw line break: the whole string is on the quote's line.
    return SourceLocation(
      offset: quote.offset + 1 + textOffset + extraBytes, line: quote.line,
      column: quote.column + 1 + scalars + escapeColumns)
  }

  /// The range in the file of `range`, a range in `text` (the decoded string).
  public func fileRange(of range: SourceRange, in text: String) -> SourceRange {
    SourceRange(
      start: fileLocation(of: range.start, in: text), end: fileLocation(of: range.end, in: text))
  }
}
