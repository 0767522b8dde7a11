/// Finds where things lie in JSON text that a slot read (``JSONParser/readSlots(_:into:)``)
/// has already validated: the grammar, UTF-8, duplicate keys and every limit were checked, so
/// this only follows the structure, byte by byte, within `end`. Used to walk the elements of
/// an array a ``SlotPlan`` reads (``SlotPlan`` quantifiers and sums).
struct ValidatedJSONScanner {
  let bytes: UnsafePointer<UInt8>
  var index: Int
  /// One past the last byte of the value walked.
  let end: Int

  /// The scanner over the elements of the array slot `array` of `document`: from the byte
  /// after its `[`, up to its `]`.
  init(document: UnsafeRawPointer, array: ValueSlot) {
    bytes = document.assumingMemoryBound(to: UInt8.self)
    index = array.start &+ 1
    end = array.start &+ array.count &- 1
  }

  @inline(__always)
  var byte: UInt8 { bytes[index] }

  @inline(__always)
  var atEnd: Bool { index >= end }

  @inline(__always)
  mutating func skipWhitespace() {
    while index < end {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index &+= 1
      default: return
      }
    }
  }

  /// Past the string whose opening quote is at `index`: whether it holds no escape. Eight
  /// bytes at a time up to the first quote or backslash.
  @inline(__always)
  mutating func skipString() -> Bool {
    index &+= 1
    var plain = true
    while true {
      while index &+ 8 <= end {
        let word = UInt64(
          littleEndian: UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self))
        let quotes = word ^ 0x2222_2222_2222_2222
        let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
        // A zero byte in either marks a quote or a backslash; the lowest is exact.
        let found =
          ((quotes &- 0x0101_0101_0101_0101) & ~quotes
            | (backslashes &- 0x0101_0101_0101_0101) & ~backslashes)
          & 0x8080_8080_8080_8080
        if found != 0 {
          index &+= found.trailingZeroBitCount &>> 3
          break
        }
        index &+= 8
      }
      guard index < end else { return plain }
      switch bytes[index] {
      case UInt8(ascii: "\""):
        index &+= 1
        return plain
      case UInt8(ascii: "\\"):
        plain = false
        index &+= 2
      default:
        index &+= 1
      }
    }
  }

  /// Past the value at `index`.
  mutating func skipValue() {
    switch bytes[index] {
    case UInt8(ascii: "\""):
      _ = skipString()
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      var depth = 0
      while index < end {
        switch bytes[index] {
        case UInt8(ascii: "\""):
          _ = skipString()
          continue
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          depth &+= 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          depth &-= 1
          if depth == 0 {
            index &+= 1
            return
          }
        default:
          break
        }
        index &+= 1
      }
    default:
      // A number or a literal: up to the byte that ends it.
      while index < end {
        switch bytes[index] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
          return
        default:
          index &+= 1
        }
      }
    }
  }

  /// Where the value at `index` lies, as ``JSONParser/recordValue(_:)`` records it, a plain
  /// string of at most 15 bytes with its digit field when `digits`; past it.
  mutating func recordValue(digits: Bool) -> ValueSlot {
    let start = index
    switch bytes[index] {
    case UInt8(ascii: "\""):
      guard skipString() else {
        return ValueSlot(kind: .escapedString, start: start, count: index &- start)
      }
      let count = index &- start &- 2
      guard digits, count <= 15 else {
        return ValueSlot(kind: .plainString, start: start &+ 1, count: count)
      }
      // The bytes as two words, zeros past the end (``JSONParser/shortPlainWords()``).
      var low: UInt64 = 0
      var high: UInt64 = 0
      for offset in 0..<count {
        let value = UInt64(bytes[start &+ 1 &+ offset])
        if offset < 8 {
          low |= value &<< UInt64(truncatingIfNeeded: 8 &* offset)
        } else {
          high |= value &<< UInt64(truncatingIfNeeded: 8 &* (offset &- 8))
        }
      }
      return ValueSlot(start: start &+ 1, count: count, low: low, high: high)
    case UInt8(ascii: "{"):
      skipValue()
      return ValueSlot(kind: .object, start: start, count: index &- start)
    case UInt8(ascii: "["):
      skipValue()
      return ValueSlot(kind: .array, start: start, count: index &- start)
    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
      skipValue()
      return ValueSlot(kind: .literal, start: start, count: index &- start)
    default:
      skipValue()
      return ValueSlot(kind: .number, start: start, count: index &- start)
    }
  }

  /// Reads the object element at `index` (past it, and past the `,` after it): records the
  /// values of the members whose keys `keys` names (`count` of them) in their slots, and
  /// returns how many members it has and the bits of the slots written (plain strings with
  /// their digit fields when `digits`, for bigint comparisons). Nil when the element
  /// is not an object or a key holds an escape (the slots cannot tell such keys apart).
  mutating func readElement(
    _ keys: UnsafePointer<SlotPlan.ElementKey>, count: Int,
    into slots: UnsafeMutablePointer<ValueSlot>, digits: Bool
  ) -> (members: Int, recorded: UInt64)? {
    guard byte == UInt8(ascii: "{") else { return nil }
    index &+= 1
    skipWhitespace()
    var members = 0
    var recorded: UInt64 = 0
    if byte == UInt8(ascii: "}") {
      index &+= 1
    } else {
      while true {
        let keyStart = index &+ 1
        guard skipString() else { return nil }
        let keyCount = index &- keyStart &- 1
        members &+= 1
        skipWhitespace()
        index &+= 1  // the colon
        skipWhitespace()
        var found = -1
        for position in 0..<count
        where keys[position].count == keyCount
          && memcmpBytes(keys[position].bytes, bytes + keyStart, keyCount) == 0
        {
          found = position
          break
        }
        if found >= 0 {
          let slot = keys[found].slot
          slots[slot] = recordValue(digits: digits)
          recorded |= 1 &<< UInt64(truncatingIfNeeded: slot)
        } else {
          skipValue()
        }
        skipWhitespace()
        if byte == UInt8(ascii: "}") {
          index &+= 1
          break
        }
        index &+= 1  // the comma
        skipWhitespace()
      }
    }
    skipWhitespace()
    if !atEnd { index &+= 1 }  // the comma before the next element
    skipWhitespace()
    return (members, recorded)
  }
}
