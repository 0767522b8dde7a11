/// Where the next token starts: the one place both parses (full and projecting) find the
/// structure of a document.
///
/// The grammar functions never skip whitespace themselves: before reading a value, a key, a
/// `:`, a `,` or a closing bracket they ask ``JSONParser/nextToken()`` where the next token
/// starts and what its first byte is, and consume it by moving `index` past it. Inside a
/// token (a string, number or literal) they read bytes directly; where compact JSON puts two
/// tokens side by side, the object loop tests both at once (``JSONParser/nextBytesAre(_:_:)``,
/// with ``JSONParser/nextToken()`` when they are not). Today the next token is
/// found by skipping whitespace from `index`, byte by byte (eight spaces at a time in
/// indentation); a structural index built over the whole buffer beforehand (the offsets of
/// every token start, as simdjson's first stage finds them) could replace the body of
/// ``JSONParser/nextToken()`` without changing any grammar function, their errors or their
/// positions. (It would also have to give the line starts that ``skipWhitespaceRun()``
/// counts for builders that track locations.)
extension JSONParser {
  /// Moves `index` past any whitespace to the next token and returns its first byte; nil at
  /// the end of input. Most calls find no whitespace (compact JSON): one comparison decides,
  /// and a run of whitespace is skipped out of line.
  @inline(__always)
  mutating func nextToken() -> UInt8? {
    guard index < bytes.count else { return nil }
    let byte = bytes[index]
    if byte > 0x20 { return byte }
    skipWhitespaceRun()
    return index < bytes.count ? bytes[index] : nil
  }

  /// Whether the bytes at `index` are `first` then `second`, with no whitespace before or
  /// between them: two tokens found with one two-byte test (`:"` after a key, `,"` after a
  /// member, in compact JSON). `index` does not move; false when fewer than two bytes are left.
  /// (Mutating though it changes nothing: a borrowing call in the object loop costs it reloads
  /// of the parser's fields.)
  @inline(__always)
  mutating func nextBytesAre(_ first: UInt8, _ second: UInt8) -> Bool {
    index &+ 2 <= bytes.count
      && UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: index, as: UInt16.self)
        == UInt16(littleEndian: UInt16(first) | UInt16(second) &<< 8)
  }

  /// Moves past the whitespace at `index`, eight spaces at a time where indentation has them.
  @inline(never)
  mutating func skipWhitespaceRun() {
    let spaces: UInt64 = 0x2020_2020_2020_2020
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    while index < bytes.count {
      if index &+ 8 <= bytes.count,
        raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) == spaces
      {
        index &+= 8
        continue
      }
      switch bytes[index] {
      case 0x20, 0x09, 0x0D: index += 1
      case 0x0A:
        index += 1
        if Builder.tracksLocations {
          line += 1
          lineStart = index
        }
      default: return
      }
    }
  }
}
