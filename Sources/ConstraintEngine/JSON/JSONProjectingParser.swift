/// An object key read by a projecting parse: where its content lies in the document (after the
/// opening quote) and the hash of its unescaped bytes.
struct RawKey {
  var hash: UInt64
  var start: Int
  var count: Int
  /// Whether the key holds escapes (its content is then not its bytes in the document).
  var escaped: Bool
}

/// Projecting parse: values are built only where a ``ProjectionTable`` reads, everything else
/// is validated without being built. Every check of the full parse is made, in the same order
/// and with the same errors (the same functions make them), so a document is refused exactly
/// when ``parseDocument()`` refuses it, with the same error, and a value built here is the
/// value the full parse builds at the same place.
extension JSONParser where Builder == ValueBuilder {
  /// Parses exactly one document, building only what `projection` reads.
  mutating func parseProjectedDocument(_ projection: ProjectionTable) throws(JSONError) -> Value {
    try beginDocument()
    let value = try parseProjectedValue(node: 0, projection)
    try endDocument()
    return value
  }

  /// The value at `index`, built as `node` of `projection` reads it.
  mutating func parseProjectedValue(node: Int, _ projection: ProjectionTable) throws(JSONError)
    -> Value
  {
    guard !projection.nodes[node].whole, index < bytes.count,
      bytes[index] == UInt8(ascii: "{")
    else { return try parseValue() }
    try countValue(at: index)
    return try readObject(node: node, projection)!
  }

  /// Validates the value at `index` and moves past it, building nothing.
  mutating func skipValue(_ projection: ProjectionTable) throws(JSONError) {
    try countValue(at: index)
    guard index < bytes.count else { throw missingValue() }
    switch bytes[index] {
    case UInt8(ascii: "{"): _ = try readObject(node: nil, projection)
    case UInt8(ascii: "["): try skipArray(projection)
    case UInt8(ascii: "\""):
      let quote = index
      if try !scanPlainString(quote: quote) { _ = try parseEscapedString(quote: quote) }
    case UInt8(ascii: "t"): try expectLiteral("true")
    case UInt8(ascii: "f"): try expectLiteral("false")
    case UInt8(ascii: "n"): try expectLiteral("null")
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
    default: throw missingValue()
    }
  }

  /// Validates the array at `index` and moves past it.
  mutating func skipArray(_ projection: ProjectionTable) throws(JSONError) {
    try enter(at: index)
    index += 1
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return
    }
    while true {
      skipWhitespace()
      try skipValue(projection)
      skipWhitespace()
      if try arrayEnds() { break }
    }
    depth -= 1
  }

  /// Reads the object at `index`: its members that `node` projects are built into the object
  /// returned; with `node` nil nothing is built (and nil returned). Every key is checked
  /// against the others, as the full parse does.
  mutating func readObject(node: Int?, _ projection: ProjectionTable) throws(JSONError)
    -> Value?
  {
    try enter(at: index)
    index += 1
    let memberBase = memberStack.count
    let keyBase = rawKeyStack.count
    var largeObjectKeys: Set<ExactKey>?
    var keyBits: UInt64 = 0
    var context = JSONStringCache.firstKeyContext(keyContext)
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return node == nil ? nil : .object(ObjectValue(moving: .init(start: nil, count: 0)))
    }
    while true {
      skipWhitespace()
      let keyStart = index
      try expectKey()
      var escapedText: String?
      let key: RawKey
      if try scanPlainString(quote: keyStart) {
        let start = keyStart &+ 1
        let count = index &- 1 &- start
        let hash = JSONStringBytes(in: bytes.baseAddress!, start: start, count: count).hash
        key = RawKey(hash: hash, start: start, count: count, escaped: false)
      } else {
        let text = try parseEscapedString(quote: keyStart)
        escapedText = text
        key = RawKey(
          hash: JSONStringBytes.hash(of: text), start: keyStart &+ 1, count: 0, escaped: true)
      }
      let keyContextOfKey = context
      context = JSONStringCache.valueContext(context, keyHash: key.hash)
      let keyBit: UInt64 = 1 &<< (key.hash &>> 58)
      if keyBits & keyBit != 0 || largeObjectKeys != nil || rawKeyStack.count &- keyBase >= 16,
        !isNewRawKey(key, base: keyBase, largeObjectKeys: &largeObjectKeys)
      {
        throw duplicateKey(text(of: key), at: keyStart)
      }
      keyBits |= keyBit
      rawKeyStack.push(key)
      try expectColon()
      if let node, let member = projectedMember(key, escapedText, of: node, projection) {
        let name = escapedText ?? keyString(key, context: keyContextOfKey)
        keyContext = context
        let value = try parseProjectedValue(node: projection.members[member].child, projection)
        memberStack.push((name, value))
        // The full parse's objects expect a key hash beside each member.
        keyHashStack.push(key.hash)
      } else {
        try skipValue(projection)
      }
      skipWhitespace()
      if try objectEnds() { break }
    }
    depth -= 1
    rawKeyStack.truncate(to: keyBase)
    guard node != nil else { return nil }
    keyHashStack.truncate(to: memberBase)
    return memberStack.popMoving(from: memberBase) { .object(ObjectValue(moving: $0)) }
  }

  /// The member of `node` that `key` names, if any.
  @inline(__always)
  func projectedMember(
    _ key: RawKey, _ escapedText: String?, of node: Int, _ projection: ProjectionTable
  ) -> Int? {
    if var escapedText {
      return escapedText.withUTF8 { projection.member(of: node, hash: key.hash, utf8: $0) }
    }
    return projection.member(
      of: node, hash: key.hash,
      utf8: UnsafeBufferPointer(start: bytes.baseAddress! + key.start, count: key.count))
  }

  /// The string of a key without escapes, through the string table as the full parse makes
  /// keys (a key's table entry predicts the next document's key in the same place).
  @inline(__always)
  func keyString(_ key: RawKey, context: UInt64) -> String {
    let content = UnsafeBufferPointer(start: bytes.baseAddress! + key.start, count: key.count)
    guard let table = strings, key.count <= JSONStringTable.maximumLength else {
      return makeString(content)
    }
    let described = JSONStringBytes(in: bytes.baseAddress!, start: key.start, count: key.count)
    return table.string(content, key: described, context: context)
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
  /// exact keys takes over, so wide objects stay linear whatever their keys hash to.
  mutating func isNewRawKey(
    _ key: RawKey, base: Int, largeObjectKeys: inout Set<ExactKey>?
  ) -> Bool {
    if largeObjectKeys == nil, rawKeyStack.count &- base >= 16 {
      var keys = Set<ExactKey>(minimumCapacity: (rawKeyStack.count &- base) * 2)
      let count = rawKeyStack.count
      for position in base..<count {
        let earlier = rawKeyStack.withElements(from: position) { $0[0] }
        keys.insert(ExactKey(text(of: earlier)))
      }
      largeObjectKeys = keys
    }
    if largeObjectKeys != nil { return largeObjectKeys!.insert(ExactKey(text(of: key))).inserted }
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
