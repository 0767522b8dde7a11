/// A ``ProjectionTable``'s nodes and members, read without reference counting while the table
/// lives.
struct ProjectionView {
  let nodes: UnsafePointer<ProjectionTable.Node>
  let members: UnsafePointer<ProjectionTable.Member>
}

/// How a projecting parse reads one object it builds: with the members `node` reads.
struct ObjectProjection {
  let view: ProjectionView
  let node: Int

  /// The node reading the member whose key is `key` (its UTF-8 bytes hashing to `hash`, see
  /// ``JSONStringBytes/hash``); nil when the member is not read.
  @inline(__always)
  func child(forKey key: String, hash: UInt64) -> Int? {
    let entry = view.nodes[node]
    guard entry.keyBits & (1 &<< (hash &>> 58)) != 0 else { return nil }
    var index = entry.firstMember
    let end = index &+ entry.memberCount
    while index < end {
      let member = view.members + index
      if member.pointee.hash == hash, Value.scalarsEqual(member.pointee.key, key) {
        return member.pointee.child
      }
      index &+= 1
    }
    return nil
  }
}

/// Projecting parse: values are built only where a ``ProjectionTable`` reads, everything else
/// is validated without being built. Objects it builds are read by the full parse's own
/// object loop (``JSONParser/parseObject(projecting:)``); objects it skips by
/// ``JSONParser/skipObject(_:)``, which reads keys where they lie. Keys are predicted through
/// the string table either way, and every check of the full parse is made, in the same order and with the same errors
/// (the same functions make them), so a document is refused exactly when
/// ``parseDocument()`` refuses it, with the same error, and a value built here is the value
/// the full parse builds at the same place.
extension JSONParser where Builder == ValueBuilder {
  /// Parses exactly one document, building only what `projection` reads (the view of a
  /// ``ProjectionTable`` the caller keeps alive).
  mutating func parseProjectedDocument(_ projection: ProjectionView) throws(JSONError) -> Value {
    try beginDocument()
    let value = try parseProjectedValue(node: 0, projection)
    try endDocument()
    return value
  }
}

extension JSONParser {
  /// The value of the member named `key` (its bytes hashing to `hash`) of an object read as
  /// `projecting` says: built when read, else validated and replaced by a placeholder (the
  /// object loop drops it when the object closes).
  @inline(__always)
  mutating func parseProjectedMember(key: String, hash: UInt64, _ projecting: ObjectProjection)
    throws(JSONError) -> Builder.Output
  {
    if let child = projecting.child(forKey: key, hash: hash) {
      keptStack.push(memberStack.count)
      return try parseProjectedValue(node: child, projecting.view)
    }
    _ = nextToken()
    let valueStart = index
    try skipValue(projecting.view)
    skippedBytes &+= index &- valueStart
    return builder.scalar(
      .null, range: SourceRange(at: SourceLocation(offset: valueStart, line: 0, column: 0)))
  }

  /// The value at `index`, built as `node` of the projection reads it.
  @inline(__always)
  mutating func parseProjectedValue(node: Int, _ view: ProjectionView) throws(JSONError)
    -> Builder.Output
  {
    guard !view.nodes[node].whole, nextToken() == UInt8(ascii: "{")
    else { return try parseValue() }
    try countValue(at: index)
    return try parseProjectedObject(ObjectProjection(view: view, node: node))
  }

  /// The object at `index` as `projecting` reads it (out of line: the object loop is inlined
  /// here once for all projected and skipped objects).
  @inline(never)
  mutating func parseProjectedObject(_ projecting: ObjectProjection) throws(JSONError)
    -> Builder.Output
  {
    try parseObject(projecting: projecting)
  }

  /// Validates the value at the next token and moves past it, building nothing.
  mutating func skipValue(_ view: ProjectionView) throws(JSONError) {
    let token = nextToken()
    try countValue(at: index)
    guard let token else { throw missingValue() }
    switch token {
    case UInt8(ascii: "{"): try skipObject(view)
    case UInt8(ascii: "["): try skipArray(view)
    case UInt8(ascii: "\""):
      let quote = index
      if try !scanPlainString(quote: quote) { try skipEscapedString(quote: quote) }
    case UInt8(ascii: "t"): try expectLiteral("true")
    case UInt8(ascii: "f"): try expectLiteral("false")
    case UInt8(ascii: "n"): try expectLiteral("null")
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
    default: throw missingValue()
    }
  }

  /// Validates the array at `index` and moves past it. Its elements are read in the context
  /// the full parse reads them in, so that keys inside are predicted alike.
  mutating func skipArray(_ view: ProjectionView) throws(JSONError) {
    try enter(at: index)
    index += 1
    let elementContext = keyContext
    if nextToken() == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return
    }
    while true {
      keyContext = elementContext
      try skipValue(view)
      if try arrayEnds() { break }
    }
    depth -= 1
  }
}

/// An object key read by ``JSONParser/skipObject(_:)``: where its content lies in the document
/// (after the opening quote) and the hash of its unescaped bytes.
struct RawKey {
  var hash: UInt64
  var start: Int
  var count: Int
  /// Whether the key holds escapes (its content is then not its bytes in the document).
  var escaped: Bool
}

extension JSONParser {
  /// Validates the object at `index` and moves past it, building nothing: keys are read where
  /// they lie (predicted through the string table as the full parse predicts them) and
  /// checked against each other as the full parse checks them, values skipped.
  mutating func skipObject(_ view: ProjectionView) throws(JSONError) {
    try enter(at: index)
    index += 1
    let keyBase = rawKeyStack.count
    // Where this object's key set lies in `largeObjectKeys` once it has one (-1 until then),
    // as in ``parseObject(projecting:)``: a small object destroys nothing when it closes.
    var largeKeys = -1
    var keyBits: UInt64 = 0
    var context = JSONStringCache.firstKeyContext(keyContext)
    if nextToken() == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return
    }
    while true {
      try expectKey()
      let keyStart = index
      let key = try readRawKey(context: context)
      context = JSONStringCache.valueContext(context, keyHash: key.hash)
      try noteRawKey(
        key, at: keyStart, base: keyBase, keyBits: &keyBits, largeKeys: &largeKeys)
      try expectColon()
      keyContext = context
      try skipValue(view)
      if try objectEnds() { break }
    }
    depth -= 1
    rawKeyStack.truncate(to: keyBase)
    if largeKeys >= 0 { dropLargeObjectKeys() }
  }

  /// Removes the key set of the wide object that closes (the last made), out of line: the
  /// loops of the objects that rarely have one stay small.
  @inline(never)
  mutating func dropLargeObjectKeys() {
    largeObjectKeys.removeLast()
  }

  /// Reads the key whose opening quote is at `index`, in `context`, building nothing: the
  /// key the string table predicts there when the bytes are exactly it (as ``parseKey``),
  /// else scanned and hashed (and entered in the table, so that it is predicted next time).
  @inline(__always)
  mutating func readRawKey(context: UInt64) throws(JSONError) -> RawKey {
    let start = index &+ 1
    let base = bytes.baseAddress!
    if let table = strings,
      let slot = table.predictedKey(
        UnsafeRawPointer(base), start: start, end: bytes.count, context: context),
      Int(truncatingIfNeeded: slot.pointee.count) <= limits.maximumStringBytes
    {
      let count = Int(truncatingIfNeeded: slot.pointee.count)
      index = start &+ count &+ 1
      return RawKey(hash: slot.pointee.hash, start: start, count: count, escaped: false)
    }
    let quote = index
    guard try scanPlainString(quote: quote) else {
      let text = try parseEscapedString(quote: quote)
      return RawKey(hash: JSONStringBytes.hash(of: text), start: start, count: 0, escaped: true)
    }
    let count = index &- 1 &- start
    let described = JSONStringBytes(in: base, start: start, count: count)
    if let table = strings, count <= JSONStringTable.maximumLength {
      _ = table.string(
        UnsafeBufferPointer(start: base + start, count: count), key: described, context: context)
    }
    return RawKey(hash: described.hash, start: start, count: count, escaped: false)
  }

  /// Checks `key` (read at `start`) against the keys of the object whose keys start at `base`
  /// in the raw key stack (throwing the full parse's error for a duplicate), and pushes it
  /// there: a key whose hash bit is new in `keyBits` is new among up to 16 keys, past which
  /// ``isNewRawKey(_:base:largeKeys:)`` decides.
  @inline(__always)
  mutating func noteRawKey(
    _ key: RawKey, at start: Int, base: Int, keyBits: inout UInt64,
    largeKeys: inout Int
  ) throws(JSONError) {
    let keyBit: UInt64 = 1 &<< (key.hash &>> 58)
    if keyBits & keyBit != 0 || largeKeys >= 0 || rawKeyStack.count &- base >= 16,
      !isNewRawKey(key, base: base, largeKeys: &largeKeys)
    {
      throw duplicateKey(text(of: key), at: start)
    }
    keyBits |= keyBit
    rawKeyStack.push(key)
  }

  /// The text of a key read earlier in this document.
  mutating func text(of key: RawKey) -> String {
    guard key.escaped else {
      return makeString(
        UnsafeBufferPointer(start: bytes.baseAddress! + key.start, count: key.count))
    }
    // Read again: it was read without error before, so it reads the same way now.
    let resume = index
    defer { index = resume }
    let quote = key.start &- 1
    guard (try? scanPlainString(quote: quote)) == false,
      let text = try? parseEscapedString(quote: quote)
    else { return "" }
    return text
  }

  /// Whether `key` differs from the keys of the object whose keys start at `base` in the raw
  /// key stack: by hash, and by content when the hashes are equal; past 16 keys a hash set of
  /// exact keys takes over, so wide objects stay linear whatever their keys hash to (kept in
  /// `largeObjectKeys` at `largeKeys`, set when the set is made; the object's reader removes
  /// it when the object closes).
  mutating func isNewRawKey(
    _ key: RawKey, base: Int, largeKeys: inout Int
  ) -> Bool {
    if largeKeys < 0, rawKeyStack.count &- base >= 16 {
      var keys = Set<ExactKey>(minimumCapacity: (rawKeyStack.count &- base) * 2)
      let count = rawKeyStack.count
      for position in base..<count {
        let earlier = rawKeyStack.withElements(from: position) { $0[0] }
        keys.insert(ExactKey(text(of: earlier)))
      }
      largeKeys = largeObjectKeys.count
      largeObjectKeys.append(keys)
    }
    if largeKeys >= 0 {
      let text = text(of: key)
      return largeObjectKeys[largeKeys].insert(ExactKey(text)).inserted
    }
    let count = rawKeyStack.count
    for position in base..<count {
      let earlier = rawKeyStack.withElements(from: position) { $0[0] }
      guard earlier.hash == key.hash else { continue }
      if !earlier.escaped, !key.escaped {
        if earlier.count == key.count,
          memcmpBytes(bytes.baseAddress! + earlier.start, bytes.baseAddress! + key.start, key.count)
            == 0
        {
          return false
        }
        continue
      }
      if Value.scalarsEqual(text(of: earlier), text(of: key)) { return false }
    }
    return true
  }
}
