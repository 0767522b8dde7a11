/// The UTF-8 bytes of a string as little-endian 8-byte chunks (the last one zero-padded), the
/// form both the string table and duplicate-key detection hash and compare.
struct JSONStringBytes {
  /// The first four chunks (zero past the end): all of a string of at most 32 bytes.
  var w0: UInt64 = 0
  var w1: UInt64 = 0
  var w2: UInt64 = 0
  var w3: UInt64 = 0
  var count: Int
  /// The hash of all the bytes (of every chunk, not only the four kept).
  var hash: UInt64

  /// Mixes one chunk into a running hash.
  @inline(__always)
  static func mix(_ hash: UInt64, _ chunk: UInt64) -> UInt64 {
    var h = (hash ^ chunk) &* 0xBF58_476D_1CE4_E5B9
    h ^= h &>> 31
    return h
  }

  @inline(__always)
  static func seed(count: Int) -> UInt64 {
    UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
  }

  /// Chunk `index` of `bytes[start..<start + count]`, assembled byte by byte (always in bounds).
  @inline(__always)
  static func chunk(_ bytes: UnsafePointer<UInt8>, count: Int, index: Int) -> UInt64 {
    let first = index &* 8
    let end = min(first &+ 8, count)
    var chunk: UInt64 = 0
    var position = end
    while position > first {
      position &-= 1
      chunk = chunk &<< 8 | UInt64(bytes[position])
    }
    return chunk
  }

  /// The chunks and hash of `count` bytes at `bytes`, read only within `[bytes, bytes + count)`.
  init(bytes: UnsafePointer<UInt8>, count: Int) {
    self.count = count
    var hash = Self.seed(count: count)
    // An empty string still mixes one (zero) chunk, as the in-place reading does.
    let chunks = max(1, (count &+ 7) / 8)
    for index in 0..<chunks {
      let chunk = Self.chunk(bytes, count: count, index: index)
      switch index {
      case 0: w0 = chunk
      case 1: w1 = chunk
      case 2: w2 = chunk
      case 3: w3 = chunk
      default: break
      }
      hash = Self.mix(hash, chunk)
    }
    self.hash = hash
  }

  /// The content at `start..<start + count` of `buffer`: read as whole words in place when it
  /// lies 8 bytes or more into the buffer (``init(words:start:count:)``), byte by byte
  /// otherwise.
  @inline(__always)
  init(in buffer: UnsafePointer<UInt8>, start: Int, count: Int) {
    self =
      start &+ count >= 8
      ? JSONStringBytes(words: UnsafeRawPointer(buffer), start: start, count: count)
      : JSONStringBytes(bytes: buffer + start, count: count)
  }

  /// The chunks and hash of `buffer[start..<start + count]`, loading whole words: a word that
  /// would pass the end is loaded ending at the end instead and shifted, which reads up to
  /// seven bytes before `start`, so `start + count >= 8` is required (the caller falls back to
  /// ``init(bytes:count:)`` otherwise).
  @inline(__always)
  init(words buffer: UnsafeRawPointer, start: Int, count: Int) {
    self.count = count
    var hash = Self.seed(count: count)
    let end = start &+ count
    let fullChunks = count &>> 3
    let tailBytes = count & 7
    @inline(__always)
    func word(at offset: Int) -> UInt64 {
      UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    if count <= 32 {
      (w0, w1, w2, w3) = Self.shortChunks(buffer, start: start, count: count)
      hash = Self.mix(hash, w0)
      if count > 8 { hash = Self.mix(hash, w1) }
      if count > 16 { hash = Self.mix(hash, w2) }
      if count > 24 { hash = Self.mix(hash, w3) }
    } else {
      let tail = tailBytes == 0 ? 0 : word(at: end &- 8) &>> UInt64(64 &- 8 &* tailBytes)
      for index in 0..<fullChunks {
        let chunk = word(at: start &+ index &* 8)
        switch index {
        case 0: w0 = chunk
        case 1: w1 = chunk
        case 2: w2 = chunk
        case 3: w3 = chunk
        default: break
        }
        hash = Self.mix(hash, chunk)
      }
      if tailBytes != 0 { hash = Self.mix(hash, tail) }
    }
    self.hash = hash
  }

  /// The four chunks of `buffer[start..<start + count]`, `count <= 32`, loaded as
  /// ``init(words:start:count:)`` does (so `start + count >= 8` is required).
  @inline(__always)
  static func shortChunks(_ buffer: UnsafeRawPointer, start: Int, count: Int)
    -> (UInt64, UInt64, UInt64, UInt64)
  {
    @inline(__always)
    func word(at offset: Int) -> UInt64 {
      UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    let fullChunks = count &>> 3
    let tailBytes = count & 7
    var tail: UInt64 = 0
    if tailBytes != 0 { tail = word(at: start &+ count &- 8) &>> UInt64(64 &- 8 &* tailBytes) }
    // Fixed chunk slots, so that the common short string is a few straight-line loads.
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0
    if fullChunks > 0 { w0 = word(at: start) }
    if fullChunks > 1 { w1 = word(at: start &+ 8) }
    if fullChunks > 2 { w2 = word(at: start &+ 16) }
    if fullChunks > 3 { w3 = word(at: start &+ 24) }
    switch fullChunks {
    case 0: w0 = tail
    case 1: w1 = tail
    case 2: w2 = tail
    case 3: w3 = tail
    default: break
    }
    return (w0, w1, w2, w3)
  }

  /// The chunks and hash of a string of `count` (at most 15) bytes already held as its first
  /// two chunks, `w0` and `w1` (zero past the end): what the other initializers make of the
  /// same bytes.
  @inline(__always)
  init(short w0: UInt64, _ w1: UInt64, count: Int) {
    self.count = count
    self.w0 = w0
    self.w1 = w1
    var hash = Self.mix(Self.seed(count: count), w0)
    if count > 8 { hash = Self.mix(hash, w1) }
    self.hash = hash
  }

  /// The hash of a string's UTF-8 bytes (the same as for the bytes read in place).
  static func hash(of string: String) -> UInt64 {
    var string = string
    return string.withUTF8 { utf8 in
      guard let base = utf8.baseAddress else { return JSONStringBytes.emptyHash }
      return JSONStringBytes(bytes: base, count: utf8.count).hash
    }
  }

  static let emptyHash = mix(seed(count: 0), 0)
}

/// Strings already built, found again by their UTF-8 bytes: text that recurs across the
/// documents of one reader — object keys above all, and values such as states and plans — is
/// decoded and allocated once and then shared, instead of being built anew for every
/// occurrence. A fixed-size cache indexed by hash (a new string replaces whatever held its
/// slot), so memory stays bounded whatever the input; only strings of at most
/// ``maximumLength`` bytes are kept. The parser works through a ``JSONStringCache`` view,
/// which costs no reference counting per lookup; the table must outlive it.
final class JSONStringTable {
  /// The longest string kept, in UTF-8 bytes.
  static let maximumLength = 32

  let cache: JSONStringCache

  /// A table of `2^bits` string slots and `2^predictionBits` key predictions. With
  /// `inlineStrings` false, short strings are built and copied by the standard library only
  /// (tests compare both ways).
  init(
    bits: Int = 10, predictionBits: Int = 12,
    inlineStrings: Bool = StandardLibraryLayout.holds
  ) {
    let count = 1 << bits
    // Each slot on a cache line of its own.
    let slots = UnsafeMutableRawPointer.allocate(
      byteCount: count * MemoryLayout<JSONStringCache.Slot>.stride, alignment: 64
    ).bindMemory(to: JSONStringCache.Slot.self, capacity: count)
    slots.initialize(
      repeating: JSONStringCache.Slot(
        w0: 0, w1: 0, w2: 0, w3: 0, count: -1, credit: 0, hash: 0, string: ""),
      count: count)
    let predictions = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << predictionBits)
    predictions.initialize(repeating: 0, count: 1 << predictionBits)
    let valueMisses = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << predictionBits)
    valueMisses.initialize(repeating: 0, count: 1 << predictionBits)
    cache = JSONStringCache(
      slots: slots, shift: UInt64(64 - bits), predictions: predictions,
      predictionShift: UInt64(64 - predictionBits), valueMisses: valueMisses,
      inlineStrings: inlineStrings && StandardLibraryLayout.holds)
  }

  deinit {
    cache.slots.deinitialize(count: 1 << (64 - Int(cache.shift)))
    UnsafeMutableRawPointer(cache.slots).deallocate()
    cache.predictions.deallocate()
    cache.valueMisses.deallocate()
  }
}

/// The slots of a ``JSONStringTable``, used without owning them.
///
/// Object keys are also predicted. Each key has a *context*: a hash of the path of keys that
/// leads to it (its object's own context, and the keys before it in its object; every element
/// of an array shares one context). Documents of one kind put the same key in the same
/// context, so the table remembers which slot the key of each context had last time, and the
/// parser compares the next key's bytes against that prediction in place — checking that the
/// closing quote is where expected — without scanning, hashing or a lookup.
struct JSONStringCache {
  /// A kept string: 64 bytes, one cache line.
  struct Slot {
    var w0: UInt64
    var w1: UInt64
    var w2: UInt64
    var w3: UInt64
    /// The length in bytes; -1 for an empty slot.
    var count: Int32
    /// How many more misses the slot's string survives: earned by hits (and by being a key),
    /// spent by other strings that hash to the slot, so that a string read once — an id, an
    /// amount — does not push out one that keeps recurring.
    var credit: Int32
    /// ``JSONStringBytes/hash`` of the bytes.
    var hash: UInt64
    var string: String
  }

  let slots: UnsafeMutablePointer<Slot>
  let shift: UInt64
  /// The slot of the key last read in each context (indexed by context hash).
  let predictions: UnsafeMutablePointer<Int32>
  let predictionShift: UInt64
  /// For each value context (indexed as `predictions`), how many string values read there in
  /// a row missed the table. From ``valueMissLimit`` on, values there are built without a
  /// lookup (an id or an amount is new every time: looking it up costs a hash, a likely cache
  /// miss and a slot it would evict); each such value still counts, so that after 256 values
  /// the count wraps around and the context is tried again.
  let valueMisses: UnsafeMutablePointer<UInt8>
  /// Whether strings of up to 15 bytes are written and copied in the inline form directly
  /// (``StandardLibraryLayout/holds``); otherwise through the standard library.
  let inlineStrings: Bool

  /// Misses in a row after which a value context's strings are no longer looked up.
  static var valueMissLimit: UInt8 { 4 }

  /// The credit of a string just hit or a key just read.
  static var fullCredit: Int32 { 2 }

  /// The context of the first key of an object whose own context is `context`.
  @inline(__always)
  static func firstKeyContext(_ context: UInt64) -> UInt64 {
    JSONStringBytes.mix(context, 0x7B)
  }

  /// The context of the value of a key whose bytes hash to `keyHash` read in `context`, which
  /// is also the context of the key after it in the same object.
  @inline(__always)
  static func valueContext(_ context: UInt64, keyHash: UInt64) -> UInt64 {
    JSONStringBytes.mix(context, keyHash)
  }

  /// Whether a string value read in `context` is worth looking up: false (counting one more
  /// value) while the context's values keep missing, see `valueMisses`.
  @inline(__always)
  func looksUpValue(in context: UInt64) -> Bool {
    let misses = valueMisses + Int(truncatingIfNeeded: context &>> predictionShift)
    if misses.pointee < JSONStringCache.valueMissLimit { return true }
    misses.pointee &+= 1
    return false
  }

  /// The string of `bytes` (valid UTF-8, at most ``JSONStringTable/maximumLength`` bytes,
  /// described by `key`): the one kept when the same bytes were seen before, else built (and
  /// kept, unless the slot's string still has credit). For a key, `context` is where it was
  /// read; for a value, `valueContext` is (and `context` is nil).
  @inline(__always)
  func string(
    _ bytes: UnsafeBufferPointer<UInt8>, key: JSONStringBytes, context: UInt64?,
    valueContext: UInt64 = 0
  ) -> String {
    let index = Int(truncatingIfNeeded: key.hash &>> shift)
    let slot = slots + index
    if let context {
      predictions[Int(truncatingIfNeeded: context &>> predictionShift)] = Int32(
        truncatingIfNeeded: index)
    }
    let misses = valueMisses + Int(truncatingIfNeeded: valueContext &>> predictionShift)
    if Int(truncatingIfNeeded: slot.pointee.count) == key.count, slot.pointee.w0 == key.w0,
      slot.pointee.w1 == key.w1, slot.pointee.w2 == key.w2, slot.pointee.w3 == key.w3
    {
      slot.pointee.credit = JSONStringCache.fullCredit
      if context == nil { misses.pointee = 0 }
      return StandardLibraryLayout.copy(&slot.pointee.string, inline: inlineStrings)
    }
    let string =
      key.count <= 15 && inlineStrings
      ? StandardLibraryLayout.smallString(key.w0, key.w1, count: key.count, inline: true)
      : makeString(bytes)
    if context == nil { misses.pointee &+= 1 }
    if slot.pointee.credit > 0 && context == nil {
      slot.pointee.credit &-= 1
      return string
    }
    slot.pointee = Slot(
      w0: key.w0, w1: key.w1, w2: key.w2, w3: key.w3,
      count: Int32(truncatingIfNeeded: key.count),
      credit: context == nil ? 0 : JSONStringCache.fullCredit, hash: key.hash, string: string)
    return string
  }

  /// The slot of the key predicted in `context`, when `buffer[start...]` holds exactly its
  /// bytes followed by a closing quote. `buffer` has `end` bytes. The key is read as whole
  /// words: ending at its end (``JSONStringBytes/shortChunks(_:start:count:)``) when it ends
  /// 8 bytes or more into the buffer, else as the word at `start`, masked (the first key of a
  /// line); nil when neither word lies in the buffer.
  @inline(__always)
  func predictedKey(_ buffer: UnsafeRawPointer, start: Int, end: Int, context: UInt64)
    -> UnsafeMutablePointer<Slot>?
  {
    let predicted = predictions[Int(truncatingIfNeeded: context &>> predictionShift)]
    let slot = slots + Int(truncatingIfNeeded: predicted)
    let count = Int(truncatingIfNeeded: slot.pointee.count)
    guard count >= 0, start &+ count < end,
      buffer.load(fromByteOffset: start &+ count, as: UInt8.self) == UInt8(ascii: "\"")
    else { return nil }
    let w0: UInt64
    let w1: UInt64
    let w2: UInt64
    let w3: UInt64
    if start &+ count >= 8 {
      (w0, w1, w2, w3) = JSONStringBytes.shortChunks(buffer, start: start, count: count)
    } else {
      // Fewer than 8 bytes, in the buffer's first 8: the word at `start`, when it fits.
      guard start &+ 8 <= end else { return nil }
      let word = UInt64(
        littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt64.self))
      w0 = count == 0 ? 0 : word & (UInt64.max &>> UInt64(truncatingIfNeeded: 64 &- 8 &* count))
      (w1, w2, w3) = (0, 0, 0)
    }
    // The slot's chunks past its count are zero, as are the chunks read past `count`: only
    // the chunks that hold bytes are compared.
    guard w0 == slot.pointee.w0 else { return nil }
    if count > 8 {
      guard w1 == slot.pointee.w1 else { return nil }
      if count > 16 {
        guard w2 == slot.pointee.w2, w3 == slot.pointee.w3 else { return nil }
      }
    }
    return slot
  }
}

/// A string of valid UTF-8 `bytes`. Up to 15 bytes (a string stored inline) it is copied into
/// place, which for ASCII skips the scan `String(decoding:)` makes before building.
@inline(__always)
func makeString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
  guard bytes.count <= 15, let base = bytes.baseAddress else {
    return String(decoding: bytes, as: UTF8.self)
  }
  return String(unsafeUninitializedCapacity: bytes.count) { buffer in
    buffer.baseAddress!.update(from: base, count: bytes.count)
    return bytes.count
  }
}

/// The string of the valid UTF-8 bytes `buffer[start..<start + count]`, for a caller that
/// has checked ``StandardLibraryLayout/holds``. Up to 15 bytes, when they can be read as words
/// in place (`start + count >= 8`, as for ``JSONStringBytes/init(words:start:count:)``), it is
/// written in the inline form (``StandardLibraryLayout/smallString(_:_:count:inline:)``).
@inline(__always)
func makeInlineString(in buffer: UnsafePointer<UInt8>, start: Int, count: Int) -> String {
  if count <= 15, start &+ count >= 8 {
    let (w0, w1, _, _) = JSONStringBytes.shortChunks(
      UnsafeRawPointer(buffer), start: start, count: count)
    return StandardLibraryLayout.smallString(w0, w1, count: count, inline: true)
  }
  return makeString(UnsafeBufferPointer(start: buffer + start, count: count))
}
