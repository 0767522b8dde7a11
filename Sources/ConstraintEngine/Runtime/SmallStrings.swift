// Swift's inline ("small") string form, which the JSON reader writes directly, object
// storage drops without a runtime call, and the fast path reads digit strings from. On 64-bit
// targets a string of at most 15 UTF-8 bytes lives in its own two words: bytes 0–7 in the first
// (byte 0 lowest on little-endian targets), bytes 8–14 in the low seven bytes of the second,
// whose top byte holds the discriminator (high nibble: `0xE` small ASCII, `0xA` small
// non-ASCII; bit 61 set exactly for the small form) and the byte count (low nibble). This is
// the standard library's ABI; tests check it against strings the library builds
// (`FastPathTests`, `JSONStringTableTests`, `ObjectValueTests`).

/// The inline form described above: ``holds`` checks it once, on strings the standard library
/// builds at run time, before the fast path reads digit strings from it and before the JSON
/// reader writes or copies short strings in it (otherwise both use the library's own calls).
enum SmallStringLayout {
  /// The second word's high nibble for an inline ASCII string.
  static let asciiDiscriminator: UInt64 = 0xE

  /// Whether strings are laid out as described.
  static let holds: Bool = {
    #if _endian(little) && _pointerBitWidth(_64)
      let samples = [
        "", "7", "-12", "12345678", "123456789", "-12345678901234", "abcdefghijklmno", "é",
        "a€", "ab𝄞cd", "abcdefghijklmé",
      ]
      for sample in samples {
        let bytes = Array(sample.utf8)
        var built = String(decoding: bytes, as: UTF8.self)
        let (low, high) = FastPathRead.representation(of: built)
        let isASCII = bytes.allSatisfy { $0 < 0x80 }
        guard high >> 60 == (isASCII ? asciiDiscriminator : 0xA),
          Int(high >> 56 & 0xF) == bytes.count
        else { return false }
        for (position, byte) in bytes.enumerated() {
          let word = position < 8 ? low : high
          if UInt8(truncatingIfNeeded: word >> (8 * UInt64(position % 8))) != byte {
            return false
          }
        }
        // What the reader writes and copies is what the library builds.
        var words = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
        let written = smallString(words.0, words.1, count: bytes.count)
        let copied = withUnsafePointer(to: &built) { copyString($0) }
        guard FastPathRead.representation(of: written) == (low, high),
          FastPathRead.representation(of: copied) == (low, high),
          withUnsafeBytes(of: &built, { isSmallString($0.baseAddress!) })
        else { return false }
      }
      // Longer strings, built or literal, are not small.
      for var long in [String(repeating: "1", count: 16), "a string longer than fifteen bytes"] {
        let (_, high) = FastPathRead.representation(of: long)
        if high >> 60 == asciiDiscriminator || withUnsafeBytes(of: &long, {
          isSmallString($0.baseAddress!)
        }) {
          return false
        }
      }
      return true
    #else
      return false
    #endif
  }()
}

/// Whether the string at `string` is small (inline): its bytes are in the string itself and it
/// holds no storage, so copying it needs no retain and dropping it no release.
@inline(__always)
func isSmallString(_ string: UnsafeRawPointer) -> Bool {
  #if _pointerBitWidth(_64)
    // Bit 61 of the second word marks the small form (its top byte is 0xE0 or 0xA0 + count).
    return string.load(fromByteOffset: 8, as: UInt64.self) & (1 &<< 61) != 0
  #else
    return false
  #endif
}

/// A copy of the string at `string`: a small string is copied as bits, without the
/// `swift_bridgeObjectRetain` call a copy makes (which does nothing for a small string).
@inline(__always)
func copyString(_ string: UnsafePointer<String>) -> String {
  guard isSmallString(UnsafeRawPointer(string)) else { return string.pointee }
  var copy = ""
  withUnsafeMutableBytes(of: &copy) {
    $0.copyMemory(from: UnsafeRawBufferPointer(start: string, count: MemoryLayout<String>.size))
  }
  return copy
}

/// The string of `count` (at most 15) valid UTF-8 bytes held in `w0` and `w1` as little-endian
/// chunks, zero past the end: Swift's inline small-string form written directly (the bytes,
/// then the count and an ASCII flag in the top byte), with no call, scan or copy loop. The
/// bits are those `String(decoding:as:)` makes for the same bytes, which
/// `JSONStringTableTests` checks for every length, ASCII or not.
@inline(__always)
func smallString(_ w0: UInt64, _ w1: UInt64, count: Int) -> String {
  #if _endian(little) && _pointerBitWidth(_64)
    // 0xE0: small, immortal and ASCII; 0xA0: small and immortal.
    let flags: UInt64 = (w0 | w1) & 0x8080_8080_8080_8080 == 0 ? 0xE0 : 0xA0
    let top = (flags | UInt64(truncatingIfNeeded: count)) &<< 56
    // Written over an empty string rather than bit-cast: a cast's result is retained.
    var string = ""
    withUnsafeMutableBytes(of: &string) {
      $0.storeBytes(of: (w0, w1 | top), as: (UInt64, UInt64).self)
    }
    return string
  #else
    var words = (w0.littleEndian, w1.littleEndian)
    return withUnsafeBytes(of: &words) { raw in
      makeString(
        UnsafeBufferPointer(
          start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
    }
  #endif
}
