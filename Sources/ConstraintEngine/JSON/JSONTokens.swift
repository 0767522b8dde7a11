/// Where the next token starts: the one place both parses (full and projecting) find the
/// structure of a document.
///
/// The grammar functions never skip whitespace themselves: before reading a value, a key, a
/// `:`, a `,` or a closing bracket they ask ``JSONParser/nextToken()`` where the next token
/// starts and what its first byte is, and consume it by moving `index` past it. Inside a
/// token (a string, number or literal) they read bytes directly. Today the next token is
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
