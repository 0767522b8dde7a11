/// Where the value of one member that a ``SlotPlan`` reads lies in a document, as
/// ``JSONParser/readSlots(_:into:)`` found it: its kind, and for a string without escapes
/// where its content lies (after the opening quote, before the closing one).
package struct ValueSlot: Sendable, Equatable {
  /// What the value is.
  package enum Kind: UInt8, Sendable {
    /// The document has no such member (or no such object to hold it).
    case absent
    /// A string without escapes: its content is `count` bytes from `start`.
    case plainString
    /// A string with escapes (its content is not its bytes in the document).
    case escapedString
    case number
    /// `true`, `false` or `null`.
    case literal
    case object
    case array
  }

  package var kind: Kind
  /// Whether the value is a plain string of 1 to 15 ASCII digits, held in `leading` and
  /// `trailing` as ``FastEvaluator/digitField(_:)`` gives it (right-aligned in sixteen
  /// digits padded with "0"s, byte-swapped so that the words' order is the numbers').
  package var digits: Bool
  /// For a plain string, the offset of its content's first byte; else the value's first byte.
  package var start: Int
  /// For a plain string, its content's length in bytes; else the value's length.
  package var count: Int
  package var leading: UInt64
  package var trailing: UInt64

  /// No value.
  package static let absent = ValueSlot(kind: .absent, start: 0, count: 0)

  package init(kind: Kind, start: Int, count: Int) {
    self.kind = kind
    digits = false
    self.start = start
    self.count = count
    leading = 0
    trailing = 0
  }

  /// A plain string of `count` (at most 15) ASCII bytes from `start`, held in `low` (bytes
  /// 0–7, the first lowest) and `high` (the rest), zeros past its end.
  @inline(__always)
  init(start: Int, count: Int, low: UInt64, high: UInt64) {
    kind = .plainString
    self.start = start
    self.count = count
    if let field = FastEvaluator.digitField((low, high, count)) {
      digits = true
      (leading, trailing) = field
    } else {
      digits = false
      leading = 0
      trailing = 0
    }
  }
}

/// The keys of one object that a slot read looks for, laid out for
/// ``JSONParser/readSlots(_:into:)``: each key's UTF-8 bytes and hash
/// (``JSONStringBytes/hash``), and what its value is for: a slot to record it in, or the keys
/// of the object it holds (a path read further down). The root object's keys describe the
/// whole read. Kept in memory of its own, immutable once built.
package final class SlotKeys: @unchecked Sendable {
  struct Entry {
    /// The slot the key's value is recorded in, and its bit in a read's result; -1 and 0 for
    /// a key whose value is only read further. Whether its value, when an object, is read
    /// further (``SlotKeys/children``); it is then recorded (in its slot, if any) as an object.
    var slot: Int
    var slotBit: UInt64
    var hasChild: Bool
    var hash: UInt64
    var bytes: UnsafeMutablePointer<UInt8>
    var count: Int
    /// A key of at most 15 ASCII bytes: its length, its bytes (zeros past the end; bytes 0–7
    /// in `low`, the first lowest) and their ``JSONParser/shortKeyHash(_:_:_:)``; `shortCount`
    /// is -1 for any other key.
    var shortCount: Int
    var low: UInt64
    var high: UInt64
    var shortHash: UInt64
    /// A short key's bytes and its closing quote, as the sixteen bytes from the key's first
    /// (`quotedLow`, `quotedHigh`), and the masks of the bytes they hold.
    var quotedLow: UInt64
    var quotedHigh: UInt64
    var quotedLowMask: UInt64
    var quotedHighMask: UInt64
    /// For a key whose value is read further, the keys of that object (its ``Layout``, which
    /// it owns): reached without reference counting.
    var child: UnsafePointer<Layout>?
  }

  /// What a read of one object uses of its keys, as a trivial value: passing it to the read
  /// of an object below retains nothing (a `SlotKeys` per nested object did, twice a read).
  struct Layout {
    let entries: UnsafeMutablePointer<Entry>
    let count: Int
    /// One bit per key hash (its top six bits), to pass over most other keys at once; and per
    /// short key's ``JSONParser/shortKeyHash(_:_:_:)``.
    let keyBits: UInt64
    let shortKeyBits: UInt64
  }

  /// The keys, by entry.
  package let keys: [String]
  /// For each entry whose value is read further, the keys of that object; nil for a key
  /// recorded in a slot.
  let children: [SlotKeys?]
  /// Whether any entry's value is read further.
  let readsObjectsBelow: Bool
  let entries: UnsafeMutableBufferPointer<Entry>
  /// A projection of the keys, whose view the skipping functions take (they read no key of
  /// it: the members of a skipped value are skipped whatever their keys).
  let table: ProjectionTable

  /// The slots of `paths` (each a key of the root object, then keys of the objects below;
  /// distinct, one may begin another), path `i` recorded in slot `i`.
  package convenience init(paths: [[String]]) {
    self.init(paths.enumerated().map { (keys: $0.element[...], slot: $0.offset) })
  }

  /// The keys of one object: the first key of each path, in the order they first come; a
  /// path of one key recorded in its slot, longer ones read further below their first key
  /// (a key may be both: `payment != null` and `payment.amount_micro`).
  private init(_ paths: [(keys: ArraySlice<String>, slot: Int)]) {
    var keys: [String] = []
    var below: [[(keys: ArraySlice<String>, slot: Int)]] = []
    var slots: [Int] = []
    for path in paths {
      let key = path.keys.first!
      var position = keys.firstIndex { Array($0.utf8) == Array(key.utf8) } ?? -1
      if position < 0 {
        position = keys.count
        keys.append(key)
        below.append([])
        slots.append(-1)
      }
      if path.keys.count == 1 {
        slots[position] = path.slot
      } else {
        below[position].append((path.keys.dropFirst(), path.slot))
      }
    }
    children = below.map { $0.isEmpty ? nil : SlotKeys($0) }
    readsObjectsBelow = children.contains { $0 != nil }
    slotCount = paths.count
    self.keys = keys
    entries = .allocate(capacity: max(1, keys.count))
    var bits: UInt64 = 0
    var shortBits: UInt64 = 0
    for (position, key) in keys.enumerated() {
      let utf8 = Array(key.utf8)
      let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, utf8.count))
      bytes.initialize(from: utf8, count: utf8.count)
      let hash = JSONStringBytes.hash(of: key)
      bits |= 1 &<< (hash &>> 58)
      let words = Self.words(utf8)
      // Short: at most 15 bytes, none of them special in a JSON string (a quote, a
      // backslash, a control byte, non-ASCII), as ``JSONParser/shortPlainWords()`` reads.
      let short =
        utf8.count <= 15
        && utf8.allSatisfy {
          $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
        }
      let shortHash = JSONParser<ValueBuilder>.shortKeyHash(words.0, words.1, utf8.count)
      if short { shortBits |= 1 &<< (shortHash &>> 58) }
      var quoted = words
      var masks: (UInt64, UInt64) = (0, 0)
      if short {
        for offset in 0...utf8.count {
          let byte = UInt64(offset < utf8.count ? utf8[offset] : UInt8(ascii: "\""))
          if offset < 8 {
            quoted.0 |= byte &<< UInt64(8 * offset)
            masks.0 |= 0xFF &<< UInt64(8 * offset)
          } else {
            quoted.1 |= byte &<< UInt64(8 * (offset - 8))
            masks.1 |= 0xFF &<< UInt64(8 * (offset - 8))
          }
        }
      }
      (entries.baseAddress! + position).initialize(
        to: Entry(
          slot: slots[position],
          slotBit: slots[position] < 0 ? 0 : 1 &<< UInt64(slots[position]),
          hasChild: !below[position].isEmpty, hash: hash, bytes: bytes, count: utf8.count,
          shortCount: short ? utf8.count : -1, low: words.0, high: words.1,
          shortHash: shortHash, quotedLow: quoted.0, quotedHigh: quoted.1,
          quotedLowMask: masks.0, quotedHighMask: masks.1,
          child: children[position].map { UnsafePointer($0.layout) }))
    }
    count = keys.count
    table = ProjectionTable(ReadProjection(paths: keys.map { FieldPath([.key($0)]) }))
    layout = .allocate(capacity: 1)
    layout.initialize(
      to: Layout(
        entries: entries.baseAddress!, count: keys.count, keyBits: bits,
        shortKeyBits: shortBits))
  }

  /// The first sixteen of `bytes` as two words, bytes 0–7 in the first (the first byte
  /// lowest), zeros past the end: as ``JSONParser/shortPlainWords()`` reads a string.
  static func words(_ bytes: [UInt8]) -> (UInt64, UInt64) {
    var words: (UInt64, UInt64) = (0, 0)
    for (offset, byte) in bytes.prefix(16).enumerated() {
      if offset < 8 {
        words.0 |= UInt64(byte) &<< UInt64(8 * offset)
      } else {
        words.1 |= UInt64(byte) &<< UInt64(8 * (offset - 8))
      }
    }
    return words
  }

  deinit {
    for position in keys.indices { entries[position].bytes.deallocate() }
    layout.deallocate()
    entries.deallocate()
  }

  /// How many keys this object has (entries).
  package let count: Int
  /// The keys as a read uses them (``Layout``), in memory this object owns.
  let layout: UnsafeMutablePointer<Layout>
  /// How many slots a read of the paths below this object fills (for the root: the read).
  package let slotCount: Int
}

extension JSONParser {
  /// The hash of a key of at most 15 bytes, from its bytes as two words (zeros past the end)
  /// and its length: keys read by ``shortPlainWords()`` are told apart by it (their top six
  /// bits for a first test, the whole hash before their bytes).
  @inline(__always)
  static func shortKeyHash(_ low: UInt64, _ high: UInt64, _ count: Int) -> UInt64 {
    (low &+ high &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: count))
      &* 0xBF58_476D_1CE4_E5B9
  }

  /// The position among `entries` (`count` of them) of the short key whose bytes are `low` and
  /// `high` (``shortPlainWords()``), `length` of them hashing to `hash`
  /// (``shortKeyHash(_:_:_:)``), or -1; tried from `first` on as
  /// ``slot(hash:start:length:in:count:from:)`` tries them.
  @inline(__always)
  func shortSlot(
    low: UInt64, high: UInt64, length: Int, hash: UInt64,
    in entries: UnsafeMutablePointer<SlotKeys.Entry>, count: Int, from first: Int
  ) -> Int {
    var slot = first
    for _ in 0..<count {
      if slot == count { slot = 0 }
      let entry = entries + slot
      if entry.pointee.shortHash == hash, entry.pointee.shortCount == length,
        entry.pointee.low == low, entry.pointee.high == high
      {
        return slot
      }
      slot &+= 1
    }
    return -1
  }

  /// The position among `entries` (`count` of them) of the key the parser read unescaped, its
  /// `length` bytes from `start` hashing to `hash`, or -1 when it is none of them. Entries are
  /// tried from `first` on (the slot after the last key found: lines of one shape keep their
  /// keys in one order), and compared by hash, length and bytes (a word or two at a time).
  @inline(__always)
  func slot(
    hash: UInt64, start: Int, length: Int, in entries: UnsafeMutablePointer<SlotKeys.Entry>,
    count: Int, from first: Int
  ) -> Int {
    var slot = first
    for _ in 0..<count {
      if slot == count { slot = 0 }
      let entry = entries + slot
      if entry.pointee.hash == hash, entry.pointee.count == length {
        guard length <= 16 else {
          return memcmpBytes(entry.pointee.bytes, bytes.baseAddress! + start, length) == 0
            ? slot : -1
        }
        let low = paddedWord(at: start)
        let lowMask: UInt64 =
          length >= 8 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: 8 &* length)) &- 1
        guard low & lowMask == entry.pointee.low else { return -1 }
        if length <= 8 { return slot }
        let high = paddedWord(at: start &+ 8)
        let highMask: UInt64 =
          length == 16 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: 8 &* (length &- 8))) &- 1
        return high & highMask == entry.pointee.high ? slot : -1
      }
      slot &+= 1
    }
    return -1
  }
}

/// Whether an object a slot read reads may hold keys read further (objects below it), for
/// ``JSONParser/readSlotObject(_:_:into:shape:)``: a flat read is compiled without them.
protocol SlotObjectShape {
  static var readsObjectsBelow: Bool { get }
}

/// An object whose every looked-for key is recorded in a slot.
enum FlatSlotObject: SlotObjectShape {
  static var readsObjectsBelow: Bool { false }
}

/// An object some of whose looked-for keys hold objects read further.
enum NestedSlotObject: SlotObjectShape {
  static var readsObjectsBelow: Bool { true }
}

extension JSONParser {
  /// Validates one document as ``skipValue(_:)`` validates a value (every check of the full
  /// parse, in the same order, with the same errors), building nothing, and records in `slots`
  /// (``SlotKeys/slotCount`` of them) where the values `keys` names lie: the result has bit
  /// `i` set when slot `i` was written (the document has that member; the other slots hold
  /// nothing of this document). Nil, without reading further, when the document is not an
  /// object, a key of an object read for slots holds escapes or comes twice there (the caller
  /// reads it again in full); an error where the full parse has one (the caller reads it
  /// again for the diagnostic).
  mutating func readSlots(_ keys: SlotKeys, into slots: UnsafeMutablePointer<ValueSlot>)
    throws(JSONError) -> UInt64?
  {
    try beginDocument()
    guard nextToken() == UInt8(ascii: "{") else { return nil }
    // Read as an object of the root's shape: a flat read (the usual one) carries no code
    // for objects below.
    let read =
      keys.readsObjectsBelow
      ? try readSlotObject(
        keys.layout, keys.table.view, into: slots, shape: NestedSlotObject.self)
      : try readSlotObject(
        keys.layout, keys.table.view, into: slots, shape: FlatSlotObject.self)
    guard let recorded = read else { return nil }
    try endDocument()
    return recorded
  }

  /// Validates the object at `index` as ``skipValue(_:)`` validates it (counting it as a
  /// value), recording in `slots` where the values of the members `keys` names lie and reading
  /// the objects below that `keys` reads further in the same way: the bits of the slots
  /// written. Nil, without reading further, where ``readSlots(_:into:)`` returns nil.
  @inline(__always)
  mutating func readSlotObject<Shape: SlotObjectShape>(
    _ keys: UnsafePointer<SlotKeys.Layout>, _ view: ProjectionView,
    into slots: UnsafeMutablePointer<ValueSlot>,
    shape: Shape.Type
  ) throws(JSONError) -> UInt64? {
    let entryCount = keys.pointee.count
    let entries = keys.pointee.entries
    let entryKeyBits = keys.pointee.keyBits
    let shortEntryBits = keys.pointee.shortKeyBits
    try countValue(at: index)
    // The object as ``skipObject(_:)`` reads it, its members' values recorded.
    try enter(at: index)
    index += 1
    let keyBase = rawKeyStack.count
    // Where this object's key set lies in `largeObjectKeys` once it has one (-1 until then).
    var largeKeys = -1
    var keyBits: UInt64 = 0
    var context = JSONStringCache.firstKeyContext(keyContext)
    var nextEntry = 0
    var entriesSeen: UInt64 = 0
    var recorded: UInt64 = 0
    if nextToken() == UInt8(ascii: "}") {
      index += 1
    } else {
      try expectKey()
      while true {
        let keyStart = index
        var entry = -1
        let expected = entries + nextEntry
        if nextEntry < entryCount, expected.pointee.shortCount >= 0,
          expected.pointee.shortCount <= limits.maximumStringBytes,
          paddedWord(at: keyStart &+ 1) & expected.pointee.quotedLowMask
            == expected.pointee.quotedLow,
          expected.pointee.quotedHighMask == 0
            || paddedWord(at: keyStart &+ 9) & expected.pointee.quotedHighMask
              == expected.pointee.quotedHigh
        {
          // The key expected next (lines of one shape keep their keys in one order) is there,
          // followed by its closing quote: its bytes hold no special byte, so this is a plain
          // string that ``shortPlainWords()`` would read to the same place.
          entry = nextEntry
          index = keyStart &+ expected.pointee.shortCount &+ 2
        } else if let short = shortPlainWords() {
          // A key of at most 15 plain ASCII bytes, read by its words: the key expected next
          // is compared first, by words.
          if nextEntry < entryCount, expected.pointee.shortCount == short.count,
            expected.pointee.low == short.low, expected.pointee.high == short.high
          {
            entry = nextEntry
          } else {
            // Hashed by its words: no other key can equal it (an escaped key stops the read;
            // a longer or non-ASCII one differs in its bytes), so the object's keys are told
            // apart as by their text.
            let hash = JSONParser.shortKeyHash(short.low, short.high, short.count)
            if shortEntryBits & (1 &<< (hash &>> 58)) != 0 {
              entry = shortSlot(
                low: short.low, high: short.high, length: short.count, hash: hash, in: entries,
                count: entryCount, from: nextEntry)
            }
            if entry < 0 {
              try noteRawKey(
                RawKey(hash: hash, start: keyStart &+ 1, count: short.count, escaped: false),
                at: keyStart, base: keyBase, keyBits: &keyBits, largeKeys: &largeKeys)
            }
          }
        } else {
          let key = try readRawKey(context: context)
          if key.escaped { return nil }
          context = JSONStringCache.valueContext(context, keyHash: key.hash)
          if entryKeyBits & (1 &<< (key.hash &>> 58)) != 0 {
            entry = self.slot(
              hash: key.hash, start: key.start, length: key.count, in: entries,
              count: entryCount, from: nextEntry)
          }
          if entry < 0 {
            try noteRawKey(
              key, at: keyStart, base: keyBase, keyBits: &keyBits, largeKeys: &largeKeys)
          }
        }
        // Keys equal to a looked-for one are told apart by their entries (a key equal to none
        // of them equals none of them, so the other keys are checked only against each
        // other): by their slots' bits, or for objects read further by their entries'. A
        // second one is a duplicate key: the value path refuses the line.
        var slotBit: UInt64 = 0
        if entry >= 0 {
          slotBit = entries[entry].slotBit
          if !Shape.readsObjectsBelow || slotBit != 0 {
            if recorded & slotBit != 0 { return nil }
            recorded |= slotBit
          } else {
            let seen: UInt64 = 1 &<< UInt64(truncatingIfNeeded: entry)
            if entriesSeen & seen != 0 { return nil }
            entriesSeen |= seen
          }
        }
        // `:"` found with one two-byte test, as the object loop of the full parse does.
        let colonQuote = nextBytesAre(UInt8(ascii: ":"), UInt8(ascii: "\""))
        if colonQuote {
          index &+= 1
        } else {
          try expectColon()
        }
        keyContext = context
        if entry < 0 {
          try skipValue(view)
        } else {
          if Shape.readsObjectsBelow, entries[entry].hasChild, !colonQuote,
            nextToken() == UInt8(ascii: "{")
          {
            // An object read further, and recorded whole when a rule reads it too.
            let start = index
            guard let below = try readNestedSlotObject(entries[entry].child!, view, slots)
            else { return nil }
            recorded |= below
            if slotBit != 0 {
              slots[entries[entry].slot] = ValueSlot(
                kind: .object, start: start, count: index &- start)
            }
          } else if Shape.readsObjectsBelow, slotBit == 0 {
            // Anything but an object holds none of the paths below it.
            try skipValue(view)
          } else {
            let slot = entries[entry].slot
            if colonQuote {
              // A string value right after the colon (compact JSON), read here as
              // ``recordValue(_:)`` reads it, with its checks in the same order.
              let quote = index
              try countValue(at: quote)
              if let short = shortPlainWords() {
                slots[slot] = ValueSlot(
                  start: quote &+ 1, count: short.count, low: short.low, high: short.high)
              } else {
                slots[slot] = try recordString(quote: quote)
              }
            } else {
              slots[slot] = try recordValue(view)
            }
          }
          nextEntry = entry &+ 1
        }
        if nextBytesAre(UInt8(ascii: ","), UInt8(ascii: "\"")) {
          index &+= 1
        } else {
          if try objectEnds() { break }
          try expectKey()
        }
      }
      rawKeyStack.truncate(to: keyBase)
      if largeKeys >= 0 { dropLargeObjectKeys() }
    }
    depth -= 1
    return recorded
  }

  /// ``readSlotObject(_:_:into:shape:)`` for an object below the root, out of line (the
  /// root's is read inline).
  @inline(never)
  mutating func readNestedSlotObject(
    _ keys: UnsafePointer<SlotKeys.Layout>, _ view: ProjectionView,
    _ slots: UnsafeMutablePointer<ValueSlot>
  ) throws(JSONError) -> UInt64? {
    try readSlotObject(keys, view, into: slots, shape: NestedSlotObject.self)
  }

  /// Validates the value at the next token as ``skipValue(_:)`` does (the same checks in the
  /// same order) and returns where it lies.
  @inline(never)
  mutating func recordValue(_ view: ProjectionView) throws(JSONError) -> ValueSlot {
    let token = nextToken()
    let start = index
    guard token == UInt8(ascii: "\"") else {
      try skipValue(view)
      let kind: ValueSlot.Kind
      switch token {
      case UInt8(ascii: "{"): kind = .object
      case UInt8(ascii: "["): kind = .array
      case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): kind = .literal
      default: kind = .number
      }
      return ValueSlot(kind: kind, start: start, count: index &- start)
    }
    try countValue(at: start)
    if let short = shortPlainWords() {
      return ValueSlot(start: start &+ 1, count: short.count, low: short.low, high: short.high)
    }
    return try recordString(quote: start)
  }

  /// The string whose opening quote is at `quote` (counted already), validated as
  /// ``skipValue(_:)`` validates it, and where it lies.
  @inline(never)
  mutating func recordString(quote start: Int) throws(JSONError) -> ValueSlot {
    if try scanPlainString(quote: start) {
      return ValueSlot(kind: .plainString, start: start &+ 1, count: index &- start &- 2)
    }
    try skipEscapedString(quote: start)
    return ValueSlot(kind: .escapedString, start: start, count: index &- start)
  }
}
