import BigInt

/// What the parser builds values with: plain ``Value``s for snapshots, ``LocatedJSON`` for rule
/// files. Generic so the snapshot path pays nothing for locations.
protocol JSONBuilder {
  associatedtype Output
  /// Whether the parser must track line starts to give each value a ``SourceRange``.
  static var tracksLocations: Bool { get }
  /// The memory one value may take while a document is built (``JSONMemoryEstimate``).
  static var bytesPerValue: Int { get }
  func scalar(_ value: Value, range: SourceRange) -> Output
  /// An array of `elements`, which the builder must move out (they are left uninitialized).
  /// Builders create the arrays themselves, in non-generic code, so that the array's type
  /// metadata is looked up once, not per container.
  func array(moving elements: UnsafeMutableBufferPointer<Output>, range: SourceRange) -> Output
  /// An object of `members` (unique keys), which the builder must move out, with `keyRanges`
  /// when locations are tracked (empty otherwise).
  func object(
    moving members: UnsafeMutableBufferPointer<(key: String, value: Output)>,
    keyRanges: consuming [SourceRange], range: SourceRange
  ) -> Output
}

struct ValueBuilder: JSONBuilder {
  static var tracksLocations: Bool { false }
  static var bytesPerValue: Int { JSONMemoryEstimate.bytesPerValue }
  /// Where objects' storage is taken from when it keeps some (a ``JSONDocumentReader``'s,
  /// which outlives its parser and this builder).
  unowned(unsafe) let pool: ObjectStoragePool?

  init(pool: ObjectStoragePool? = nil) {
    self.pool = pool
  }

  @inline(__always)
  func scalar(_ value: Value, range: SourceRange) -> Value { value }

  func array(moving elements: UnsafeMutableBufferPointer<Value>, range: SourceRange) -> Value {
    .array(movingIntoArray(elements))
  }

  func object(
    moving members: UnsafeMutableBufferPointer<(key: String, value: Value)>,
    keyRanges: consuming [SourceRange], range: SourceRange
  ) -> Value {
    .object(ObjectValue(moving: members, pool: pool))
  }
}

/// An array holding the elements moved out of `source` (left uninitialized).
///
/// Built with array literals (up to four elements) or `reserveCapacity` and `append`, which
/// specialise for `Element`, rather than `Array(unsafeUninitializedCapacity:)`, whose
/// allocation is unspecialised library code that looks the array storage's type metadata up
/// in the runtime's cache for every array. (A literal allocates its exact storage directly.)
@inline(__always)
func movingIntoArray<Element>(_ source: UnsafeMutableBufferPointer<Element>) -> [Element] {
  guard let base = source.baseAddress, source.count > 0 else { return [] }
  switch source.count {
  case 1: return [base.move()]
  case 2: return [base.move(), (base + 1).move()]
  case 3: return [base.move(), (base + 1).move(), (base + 2).move()]
  case 4: return [base.move(), (base + 1).move(), (base + 2).move(), (base + 3).move()]
  default: break
  }
  var result: [Element] = []
  result.reserveCapacity(source.count)
  for offset in 0..<source.count { result.append((base + offset).move()) }
  return result
}

/// A strict RFC 8259 parser over UTF-8 bytes.
struct JSONParser<Builder: JSONBuilder>: ~Copyable {
  private(set) var bytes: UnsafeBufferPointer<UInt8>
  let limits: JSONLimits
  let builder: Builder
  /// Where plain strings of at most ``JSONStringTable/maximumLength`` bytes are looked up and
  /// kept (nil: every string is built).
  let strings: JSONStringCache?
  /// Whether short strings are written in the inline form directly
  /// (``StandardLibraryLayout/holds``).
  let inlineStrings: Bool
  /// Documents of at most this many bytes cannot fail ``checkValueMemory()`` under `limits`
  /// (``unscannedDocumentBytes(limits:)``, which a reader of many documents works out once):
  /// it is skipped for them. -1 (the default): it is made for every document.
  let unscannedDocumentBytes: Int
  var index = 0
  var depth = 0
  var valueCount = 0
  /// Digits that positive exponents added to the document's numbers (`1e4000` is 4 bytes of
  /// text but a 4,001-digit integer in memory), bounded by the document-size limit so a
  /// document cannot expand into far more memory than its own size.
  var exponentExpansion = 0
  /// The context (``JSONStringCache``) of the value being parsed: where its keys are read.
  var keyContext = JSONParser.rootContext
  static var rootContext: UInt64 { 0x6A09_E667_F3BC_C908 }
  /// Scratch stacks shared by all containers being parsed: a container's elements (members)
  /// are pushed above those of its enclosing containers and popped when it closes, so
  /// building a container costs one exactly sized allocation, not repeated array growth.
  var elementStack = ScratchStack<Builder.Output>()
  var memberStack = ScratchStack<(key: String, value: Builder.Output)>()
  /// The hash of each key in `memberStack` (``JSONStringBytes/hash``), at the same position.
  var keyHashStack = ScratchStack<UInt64>()
  var keyRangeStack: [SourceRange] = []
  /// The exact keys of each object being parsed that has more than 16 members (innermost
  /// last), for ``isNewKey(_:hash:base:largeKeys:)``.
  var largeObjectKeys: [Set<ExactKey>] = []
  /// Where the members a projecting parse builds lie in `memberStack`, for each object being
  /// read (``JSONParser/parseProjectedDocument(_:)``): its skipped members are dropped when it
  /// closes.
  var keptStack = ScratchStack<Int>(capacity: 16)
  /// The keys of the objects a projecting parse skips, where they lie in `bytes`
  /// (``JSONParser/skipObject(_:)``).
  var rawKeyStack = ScratchStack<RawKey>(capacity: 16)
  /// Bytes of member values a projecting parse of the current document skipped (validated,
  /// not built).
  var skippedBytes = 0
  /// Line tracking, only maintained when the builder wants locations.
  var line = 1
  var lineStart = 0
  /// The last location computed on the current line, to count columns on from.
  var lastLocatedOffset = -1
  var lastLocatedColumn = 1

  init(
    bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits, builder: Builder,
    strings: JSONStringCache? = nil, unscannedDocumentBytes: Int = -1
  ) {
    self.bytes = bytes
    self.limits = limits
    self.builder = builder
    self.strings = strings
    inlineStrings = strings?.inlineStrings ?? StandardLibraryLayout.holds
    self.unscannedDocumentBytes = unscannedDocumentBytes
  }

  /// Makes the parser ready for another document, keeping its scratch stacks' memory (and
  /// emptying them: a failed document may have left elements behind).
  mutating func reset(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    index = 0
    depth = 0
    valueCount = 0
    exponentExpansion = 0
    keyContext = JSONParser.rootContext
    elementStack.truncate(to: 0)
    memberStack.truncate(to: 0)
    keyHashStack.truncate(to: 0)
    keptStack.truncate(to: 0)
    rawKeyStack.truncate(to: 0)
    skippedBytes = 0
    // Only filled when locations are tracked (emptying an empty array still calls the runtime).
    if Builder.tracksLocations { keyRangeStack.removeAll(keepingCapacity: true) }
    // Left behind only by a document that failed inside a wide object.
    if !largeObjectKeys.isEmpty { largeObjectKeys.removeAll() }
    line = 1
    lineStart = 0
    lastLocatedOffset = -1
    lastLocatedColumn = 1
  }

  /// Empties the scratch stacks and gives back the memory a large document made them grow
  /// to: a reader lives as long as its thread, and keeps at most 16,384 elements' worth.
  mutating func releaseLargeScratch() {
    elementStack.truncate(to: 0)
    memberStack.truncate(to: 0)
    keyHashStack.truncate(to: 0)
    elementStack.shrink(above: 1 << 14)
    memberStack.shrink(above: 1 << 14)
    keyHashStack.shrink(above: 1 << 14)
    keptStack.truncate(to: 0)
    keptStack.shrink(above: 1 << 14)
    rawKeyStack.truncate(to: 0)
    rawKeyStack.shrink(above: 1 << 14)
  }

  /// Parses exactly one document (surrounded by optional whitespace).
  mutating func parseDocument() throws(JSONError) -> Builder.Output {
    try beginDocument()
    let value = try parseValue()
    try endDocument()
    return value
  }

  /// Checks what is checked before a document's value (size, byte order mark, value memory,
  /// emptiness) and moves to its first byte.
  mutating func beginDocument() throws(JSONError) {
    if bytes.count > limits.maximumDocumentBytes {
      throw error(
        "document of \(bytes.count) bytes exceeds the \(limits.maximumDocumentBytes)-byte limit",
        at: 0)
    }
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
      throw error("a UTF-8 byte order mark is not allowed before JSON text", at: 0)
    }
    if bytes.count > unscannedDocumentBytes { try checkValueMemory() }
    if nextToken() == nil {
      throw error("empty document: expected a JSON value", at: index)
    }
  }

  /// Checks that only whitespace follows the document's value.
  mutating func endDocument() throws(JSONError) {
    if nextToken() != nil {
      throw error("unexpected \(describeByte(at: index)) after the JSON value", at: index)
    }
  }

  /// Refuses, before anything is built, a document with more than `maximumValues` values (the
  /// error the parser would give, at the same place) or whose values would need more memory
  /// than ``JSONLimits/valueMemoryAllowed(forDocumentOf:)``. A document too short to reach
  /// either (at most one value per two bytes) is not scanned.
  mutating func checkValueMemory() throws(JSONError) {
    guard JSONParser.mayExceedValueLimits(documentOf: bytes.count, limits: limits) else {
      return
    }
    let perValue = Builder.bytesPerValue
    let allowed = limits.valueMemoryAllowed(forDocumentOf: bytes.count)
    let estimate = JSONMemoryEstimate.scan(
      UnsafeRawBufferPointer(bytes), valueLimit: limits.maximumValues)
    if let offset = estimate.offsetBeyondValueLimit {
      throw error("document holds more than \(limits.maximumValues) values", at: offset)
    }
    let needed = estimate.bytes(perValue: perValue)
    guard needed > allowed else { return }
    throw error(
      "document of \(bytes.count) bytes would need about \((needed + (1 << 20) - 1) >> 20) MiB "
        + "for its \(estimate.values) values, more than the value memory limit allows "
        + "(\(allowed >> 20) MiB: \(limits.maximumValueMemoryRatio) bytes per byte of text, at "
        + "least \(limits.minimumValueMemory >> 20) MiB, at most "
        + "\(limits.maximumValueMemory >> 20) MiB)", at: 0)
  }

  /// Whether a document of `byteCount` bytes could hold more values than `limits` allow, or
  /// values needing more memory than they allow, at one value per two bytes: when not,
  /// ``checkValueMemory()`` does not scan it.
  static func mayExceedValueLimits(documentOf byteCount: Int, limits: JSONLimits) -> Bool {
    let allowed = limits.valueMemoryAllowed(forDocumentOf: byteCount)
    let mostValues = byteCount / 2 + 1
    return mostValues > limits.maximumValues
      || mostValues.multipliedReportingOverflow(by: Builder.bytesPerValue).partialValue
        + byteCount > allowed
  }

  /// The largest document size, up to `limits.maximumDocumentBytes`, such that no document
  /// of that size or less ``mayExceedValueLimits(documentOf:limits:)`` (-1 when even an empty
  /// one may). Found once per reader of many documents, so that documents up to it (every
  /// usual line) skip the test. Up to a size whose values fit the value limit and the memory
  /// allowed for an empty document, with no overflow, every smaller size fits too: the values
  /// and the memory they need grow with the size, and the memory allowed does not shrink.
  static func unscannedDocumentBytes(limits: JSONLimits) -> Int {
    let perValue = Builder.bytesPerValue
    let ratio = limits.maximumValueMemoryRatio
    guard perValue >= 0, ratio >= 0 else { return -1 }
    let leastAllowed = limits.valueMemoryAllowed(forDocumentOf: 0)
    func fits(_ size: Int) -> Bool {
      let mostValues = size / 2 + 1
      guard mostValues <= limits.maximumValues,
        !size.multipliedReportingOverflow(by: ratio).overflow
      else { return false }
      let (values, overflow) = mostValues.multipliedReportingOverflow(by: perValue)
      guard !overflow else { return false }
      let (needed, sumOverflow) = values.addingReportingOverflow(size)
      return !sumOverflow && needed <= leastAllowed
    }
    guard fits(0) else { return -1 }
    // Binary search for the largest size that fits (fitting is monotone in the size).
    var low = 0
    var high = max(0, limits.maximumDocumentBytes)
    while low < high {
      let middle = low + (high - low + 1) / 2
      if fits(middle) { low = middle } else { high = middle - 1 }
    }
    return low
  }

  // MARK: Errors and positions

  /// An error at byte `offset`, with line and column computed from the bytes.
  func error(_ message: String, at offset: Int) -> JSONError {
    let location = JSONParser.location(of: min(offset, bytes.count), in: bytes)
    return JSONError(message: message, offset: offset, line: location.line, column: location.column)
  }

  static func location(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceLocation {
    var line = 1
    var column = 1
    var position = 0
    while position < offset {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
      position += 1
    }
    return SourceLocation(offset: offset, line: line, column: column)
  }

  /// The location of `offset` on the current line. Offsets are asked for in increasing order,
  /// so the column is counted on from the last one asked for: linear on long lines.
  @inline(__always)
  mutating func location(_ offset: Int) -> SourceLocation {
    guard Builder.tracksLocations else { return SourceLocation(offset: offset, line: 0, column: 0) }
    var column = 1
    var position = lineStart
    if lastLocatedOffset >= lineStart, lastLocatedOffset <= offset {
      column = lastLocatedColumn
      position = lastLocatedOffset
    }
    while position < offset {
      if bytes[position] & 0xC0 != 0x80 { column += 1 }
      position += 1
    }
    lastLocatedOffset = offset
    lastLocatedColumn = column
    return SourceLocation(offset: offset, line: line, column: column)
  }

  func describeByte(at offset: Int) -> String {
    guard offset < bytes.count else { return "end of input" }
    let byte = bytes[offset]
    if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  // MARK: Grammar

  @inline(__always)
  mutating func countValue(at start: Int) throws(JSONError) {
    valueCount += 1
    if valueCount > limits.maximumValues {
      throw error("document holds more than \(limits.maximumValues) values", at: start)
    }
  }

  /// Parses the value at the next token.
  mutating func parseValue() throws(JSONError) -> Builder.Output {
    let token = nextToken()
    let start = index
    try countValue(at: start)
    guard let token else { throw missingValue() }
    switch token {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""):
      let string: String
      if let short = shortPlainValue() { string = short } else { string = try parseString() }
      return builder.scalar(.string(string), range: range(from: start))
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return builder.scalar(.bool(true), range: range(from: start))
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return builder.scalar(.bool(false), range: range(from: start))
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return builder.scalar(.null, range: range(from: start))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let number = try parseNumber()
      return builder.scalar(.number(number), range: range(from: start))
    default:
      throw missingValue()
    }
  }

  /// The error for a value expected at `index`.
  func missingValue() -> JSONError {
    guard index < bytes.count else {
      return error("expected a JSON value, found end of input", at: index)
    }
    return error("expected a JSON value, found \(describeByte(at: index))", at: index)
  }

  /// The range of a scalar or key from `start` (on the current line) to the current index.
  @inline(__always)
  mutating func range(from start: Int) -> SourceRange {
    guard Builder.tracksLocations else {
      return SourceRange(at: SourceLocation(offset: start, line: 0, column: 0))
    }
    return SourceRange(start: location(start), end: location(index))
  }

  /// The range of a container from its start location (taken when it opened, since it may
  /// lie on an earlier line) to the current index.
  @inline(__always)
  mutating func range(from start: SourceLocation) -> SourceRange {
    guard Builder.tracksLocations else { return SourceRange(at: start) }
    return SourceRange(start: start, end: location(index))
  }

  mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
    let count = literal.utf8CodeUnitCount
    let start = literal.utf8Start
    for offset in 0..<count {
      guard index + offset < bytes.count, bytes[index + offset] == start[offset] else {
        throw error("invalid literal: expected `\(literal)`", at: index)
      }
    }
    index += count
  }

  @inline(__always)
  mutating func enter(at start: Int) throws(JSONError) {
    depth += 1
    if depth > limits.maximumDepth { throw tooDeep(at: start) }
  }

  @inline(never)
  func tooDeep(at start: Int) -> JSONError {
    error("nesting deeper than \(limits.maximumDepth) levels", at: start)
  }

  mutating func parseArray() throws(JSONError) -> Builder.Output {
    let start = index
    try enter(at: start)
    let startLocation = location(start)
    index += 1
    let base = elementStack.count
    let elementContext = keyContext
    if nextToken() == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return builder.array(
        moving: UnsafeMutableBufferPointer(start: nil, count: 0), range: range(from: startLocation))
    }
    while true {
      keyContext = elementContext
      let element = try parseValue()
      elementStack.push(consume element)
      if try arrayEnds() { break }
    }
    depth -= 1
    let range = range(from: startLocation)
    let builder = builder
    return elementStack.popMoving(from: base) { builder.array(moving: $0, range: range) }
  }

  /// Reads the `,` (false) or `]` (true) after an array element.
  @inline(__always)
  mutating func arrayEnds() throws(JSONError) -> Bool {
    try containerEnds(closing: UInt8(ascii: "]"), container: "array")
  }

  /// Reads the `,` (false) or `}` (true) after an object member.
  @inline(__always)
  mutating func objectEnds() throws(JSONError) -> Bool {
    try containerEnds(closing: UInt8(ascii: "}"), container: "object")
  }

  /// Reads the `,` (false) or `closing` (true) after a member of a `container`.
  @inline(__always)
  private mutating func containerEnds(closing: UInt8, container: StaticString)
    throws(JSONError) -> Bool
  {
    guard let byte = nextToken() else {
      throw error(
        "unterminated \(container): expected `,` or `\(Character(Unicode.Scalar(closing)))`, "
          + "found end of input", at: index)
    }
    index += 1
    if byte == UInt8(ascii: ",") { return false }
    if byte == closing { return true }
    throw error(
      "expected `,` or `\(Character(Unicode.Scalar(closing)))` in \(container), found "
        + describeByte(at: index - 1), at: index - 1)
  }

  /// Moves to the next token, which must be the opening quote of an object key.
  @inline(__always)
  mutating func expectKey() throws(JSONError) {
    guard nextToken() == UInt8(ascii: "\"") else {
      throw error("expected a string key in object, found \(describeByte(at: index))", at: index)
    }
  }

  /// Reads the `:` after an object key.
  @inline(__always)
  mutating func expectColon() throws(JSONError) {
    guard nextToken() == UInt8(ascii: ":") else {
      throw error("expected `:` after object key, found \(describeByte(at: index))", at: index)
    }
    index += 1
  }

  func duplicateKey(_ key: String, at offset: Int) -> JSONError {
    error("duplicate key \(Value.quoted(key)) in object", at: offset)
  }

  mutating func parseObject() throws(JSONError) -> Builder.Output {
    try parseObject(projecting: nil)
  }

  /// Parses the object at `index`. With `projecting` nil every member is built (the full
  /// parse); otherwise only the members its node reads are built, the other values validated
  /// by ``skipValue(_:)``.
  /// Either way every key is read, predicted and checked against the others in the same way,
  /// so both parses refuse a document at the same byte with the same error. Inlined into its
  /// two callers, so that the full parse carries no projection code.
  @inline(__always)
  mutating func parseObject(projecting: ObjectProjection?) throws(JSONError) -> Builder.Output {
    let start = index
    try enter(at: start)
    let startLocation = location(start)
    index += 1
    let base = memberStack.count
    let keptBase = keptStack.count
    // Where this object's key set lies in `largeObjectKeys` once it has one (-1 until then):
    // a position, not a local set, so that a small object destroys nothing when it closes.
    var largeKeys = -1
    var keyBits: UInt64 = 0
    var context = JSONStringCache.firstKeyContext(keyContext)
    if nextToken() == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return builder.object(
        moving: UnsafeMutableBufferPointer(start: nil, count: 0), keyRanges: [],
        range: range(from: startLocation))
    }
    try expectKey()
    while true {
      let keyStart = index
      var keyHash: UInt64 = 0
      let key = try parseKey(hash: &keyHash, context: context)
      context = JSONStringCache.valueContext(context, keyHash: keyHash)
      let keyRange = range(from: keyStart)
      // One bit per key hash (its top six bits): a key whose bit is new is a new key, so a
      // small object compares hashes only for the few keys that share a bit.
      let keyBit: UInt64 = 1 &<< (keyHash &>> 58)
      if keyBits & keyBit != 0 || largeKeys >= 0 || memberStack.count &- base >= 16,
        !isNewKey(key, hash: keyHash, base: base, largeKeys: &largeKeys)
      {
        throw duplicateKey(key, at: keyStart)
      }
      keyBits |= keyBit
      // A colon right after the key and a string value's quote right after it (compact
      // JSON), both tokens found with one two-byte test; anything else read as before.
      let colonQuote = nextBytesAre(UInt8(ascii: ":"), UInt8(ascii: "\""))
      if colonQuote { index &+= 1 } else { try expectColon() }
      keyContext = context
      if let projecting {
        let value = try parseProjectedMember(key: key, hash: keyHash, projecting)
        memberStack.push((consume key, consume value))
      } else if colonQuote || nextToken() == UInt8(ascii: "\"") {
        // A string value (the usual member value), read here as ``parseValue()`` reads it,
        // with its checks in the same order, spared the call.
        let start = index
        try countValue(at: start)
        let string: String
        if let short = shortPlainValue() { string = short } else { string = try parseString() }
        memberStack.push((consume key, builder.scalar(.string(string), range: range(from: start))))
      } else {
        let value = try parseValue()
        memberStack.push((consume key, consume value))
      }
      keyHashStack.push(keyHash)
      if Builder.tracksLocations { keyRangeStack.append(keyRange) }
      // A comma and the next key's quote right after it (compact JSON), both tokens found
      // with one two-byte test; anything else read by objectEnds() and expectKey().
      if nextBytesAre(UInt8(ascii: ","), UInt8(ascii: "\"")) {
        index &+= 1
      } else {
        if try objectEnds() { break }
        try expectKey()
      }
    }
    depth -= 1
    // Objects close in the reverse order of their sets' creation: this one's is the last.
    if largeKeys >= 0 { largeObjectKeys.removeLast() }
    var keyRanges: [SourceRange] = []
    if Builder.tracksLocations {
      keyRanges = Array(keyRangeStack[base...])
      keyRangeStack.removeSubrange(base...)
    }
    let range = range(from: startLocation)
    let builder = builder
    keyHashStack.truncate(to: base)
    if projecting != nil {
      memberStack.keep(from: base, positions: keptStack, from: keptBase)
      keptStack.truncate(to: keptBase)
    }
    return memberStack.popMoving(from: base) {
      builder.object(moving: $0, keyRanges: keyRanges, range: range)
    }
  }

  /// Whether `key` (whose bytes hash to `hash`) differs from the keys of the object whose
  /// members start at `base` in the member stack. Small objects compare key hashes, and the
  /// keys themselves only when the hashes are equal; past 16 members a hash set of exact keys
  /// takes over, so wide objects stay linear: kept in `largeObjectKeys` at `largeKeys` (set
  /// when the set is made). Out of line (and mutating, see ``expectKey()``): called only when
  /// a key's hash bit is already taken, it kept the object loop too large for the optimizer
  /// to inline the key reading into it.
  @inline(never)
  mutating func isNewKey(
    _ key: String, hash: UInt64, base: Int, largeKeys: inout Int
  ) -> Bool {
    if largeKeys >= 0 { return largeObjectKeys[largeKeys].insert(ExactKey(key)).inserted }
    let isNew = keyHashStack.withElements(from: base) { hashes in
      guard hashes.count < 16 else { return nil as Bool? }
      for position in hashes.indices where hashes[position] == hash {
        let existing = memberStack.withElements(from: base + position) { $0[0].key }
        if Value.scalarsEqual(existing, key) { return false }
      }
      return true
    }
    if let isNew { return isNew }
    return memberStack.withElements(from: base) { members in
      var keys = Set<ExactKey>(minimumCapacity: members.count * 2)
      for position in members.indices { keys.insert(ExactKey(members[position].key)) }
      let inserted = keys.insert(ExactKey(key)).inserted
      largeKeys = largeObjectKeys.count
      largeObjectKeys.append(keys)
      return inserted
    }
  }

  // MARK: Strings

  /// Parses a string starting at the opening quote.
  @inline(__always)
  mutating func parseString() throws(JSONError) -> String {
    var hash: UInt64 = 0
    return try parseString(hash: &hash, keyContext: nil)
  }

  /// The string value whose opening quote is at `index`, when it is at most 15 bytes of plain
  /// ASCII (no `\\`, control or non-ASCII byte): read as one or two words
  /// (``shortPlainWords()``), and written in the inline form from them or looked up in the
  /// string table as ``parseString()`` would, with `index` moved past its closing quote. Nil
  /// (nothing read, nothing changed) otherwise, for ``parseString()`` to read it and report
  /// what it reports (only the string-length limit can refuse such a string).
  ///
  /// `@inline(always)`: with `@inline(__always)` the optimizer kept it out of line (the object
  /// loop is large), paying a call and the word constants per value.
  @inline(always)
  mutating func shortPlainValue() -> String? {
    guard inlineStrings else { return nil }
    let start = index &+ 1
    guard let (low, high, count) = shortPlainWords() else { return nil }
    // Looked up or not as ``parseString(hash:keyContext:)`` decides (the test counts a value
    // it turns away), with the same chunks and hash.
    if let table = strings, table.looksUpValue(in: keyContext) {
      return table.string(
        UnsafeBufferPointer(start: bytes.baseAddress! + start, count: count),
        key: JSONStringBytes(short: low, high, count: count), context: nil,
        valueContext: keyContext)
    }
    return StandardLibraryLayout.smallString(low, high, count: count, inline: true)
  }

  /// The string whose opening quote is at `index` when its closing quote is among its next
  /// sixteen bytes with only plain ASCII before it (no escape, control or non-ASCII byte), and
  /// its length is within the limit: its bytes (zeros past its end; bytes 0–7 in `low`, the
  /// first lowest, the rest in `high`) and length, `index` moved past it. Such a string is one
  /// ``scanPlainString(quote:)`` reads without error to the same place; nil for any other,
  /// `index` unmoved. The words are the bytes from the content's start, those at or past the
  /// buffer's end taken as zeros (``paddedWord(at:)``): a zero is a control byte, so a string
  /// is taken only when its closing quote comes first, within the buffer.
  ///
  /// `@inline(always)`: it is the inner loop of ``shortPlainValue()`` and of slot reading.
  @inline(always)
  mutating func shortPlainWords() -> (low: UInt64, high: UInt64, count: Int)? {
    let start = index &+ 1
    let first = paddedWord(at: start)
    let firstSpecial = JSONParser.specialStringBytes(first)
    var low = first
    var high: UInt64 = 0
    let count: Int
    if firstSpecial != 0 {
      // The lowest flagged byte is a special one (only flags above it may be spurious).
      let shift = UInt64(truncatingIfNeeded: firstSpecial.trailingZeroBitCount &- 7)
      guard (first &>> shift) & 0xFF == UInt64(UInt8(ascii: "\"")) else { return nil }
      count = Int(truncatingIfNeeded: shift &>> 3)
      low = first & ((1 &<< shift) &- 1)
    } else {
      let second = paddedWord(at: start &+ 8)
      let secondSpecial = JSONParser.specialStringBytes(second)
      guard secondSpecial != 0 else { return nil }
      let shift = UInt64(truncatingIfNeeded: secondSpecial.trailingZeroBitCount &- 7)
      guard (second &>> shift) & 0xFF == UInt64(UInt8(ascii: "\"")) else { return nil }
      count = 8 &+ Int(truncatingIfNeeded: shift &>> 3)
      high = second & ((1 &<< shift) &- 1)
    }
    guard count <= limits.maximumStringBytes else { return nil }
    index = start &+ count &+ 1
    return (low, high, count)
  }

  /// The eight bytes of the buffer from `offset` (at least 0), the first in the lowest byte,
  /// with zeros for those at or past the buffer's end: read as one word when all eight lie in
  /// the buffer, else as its last word shifted down (0 when the buffer is shorter than a word
  /// or `offset` is past it). Nothing outside the buffer is read.
  @inline(__always)
  func paddedWord(at offset: Int) -> UInt64 {
    let end = bytes.count
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    if offset &+ 8 <= end {
      return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    guard end >= 8, offset < end else { return 0 }
    let last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: end &- 8, as: UInt64.self))
    return last &>> UInt64(truncatingIfNeeded: 8 &* (offset &+ 8 &- end))
  }

  /// Parses an object key read in `context` starting at its opening quote, setting `hash` to
  /// the hash of its bytes: the key the string table predicts for the context when the bytes
  /// are exactly it, else as a string.
  @inline(__always)
  mutating func parseKey(hash: inout UInt64, context: UInt64) throws(JSONError) -> String {
    let start = index &+ 1
    if let table = strings,
      let slot = table.predictedKey(
        UnsafeRawPointer(bytes.baseAddress!), start: start, end: bytes.count, context: context),
      Int(truncatingIfNeeded: slot.pointee.count) <= limits.maximumStringBytes
    {
      index = start &+ Int(truncatingIfNeeded: slot.pointee.count) &+ 1
      hash = slot.pointee.hash
      return StandardLibraryLayout.copy(&slot.pointee.string, inline: table.inlineStrings)
    }
    return try parseUnpredictedKey(hash: &hash, context: context)
  }

  /// A key that was not predicted, parsed as a string (out of line, so that the predicted
  /// path stays small).
  @inline(never)
  mutating func parseUnpredictedKey(hash: inout UInt64, context: UInt64) throws(JSONError)
    -> String
  {
    try parseString(hash: &hash, keyContext: context)
  }

  /// Parses a string starting at the opening quote. For a key (read in `keyContext`), sets
  /// `hash` to the hash of its (unescaped) UTF-8 bytes, ``JSONStringBytes/hash``; a value
  /// (`keyContext` nil) is read in the parser's current context, `self.keyContext`.
  @inline(__always)
  mutating func parseString(hash: inout UInt64, keyContext: UInt64?) throws(JSONError)
    -> String
  {
    let wantsHash = keyContext != nil
    let quote = index
    guard try scanPlainString(quote: quote) else {
      let string = try parseEscapedString(quote: quote)
      if wantsHash { hash = JSONStringBytes.hash(of: string) }
      return string
    }
    // Not empty: it holds at least the two quotes.
    let base = bytes.baseAddress!
    let start = quote &+ 1
    let count = index &- 1 &- start
    let content = UnsafeBufferPointer(start: base + start, count: count)
    let table = strings
    if !wantsHash {
      // A value, read in the parser's current context.
      guard let table, count <= JSONStringTable.maximumLength,
        table.looksUpValue(in: self.keyContext)
      else {
        return inlineStrings
          ? makeInlineString(in: base, start: start, count: count) : makeString(content)
      }
      return table.string(
        content, key: JSONStringBytes(in: base, start: start, count: count), context: nil,
        valueContext: self.keyContext)
    }
    let key = JSONStringBytes(in: base, start: start, count: count)
    hash = key.hash
    if let table, count <= JSONStringTable.maximumLength {
      return table.string(content, key: key, context: keyContext)
    }
    return makeString(content)
  }

  /// Scans a string from its opening quote at `quote`. Without escapes it returns true with
  /// `index` after the closing quote and the content checked (control characters, length,
  /// UTF-8); at the first backslash it returns false with `index` there.
  @inline(__always)
  mutating func scanPlainString(quote: Int) throws(JSONError) -> Bool {
    index = quote &+ 1
    let contentStart = index
    let count = bytes.count
    // The first byte that starts no valid UTF-8 sequence, reported once the string has ended
    // (control characters, a missing closing quote and the length limit are reported first).
    var firstInvalid = -1
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    while true {
      // Eight bytes at a time while none is special (`"`, `\`, a control character or
      // non-ASCII), then straight to the first special one.
      if index &+ 8 <= count {
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let special = JSONParser.specialStringBytes(word)
        if special == 0 {
          index &+= 8
          continue
        }
        index &+= special.trailingZeroBitCount &>> 3
      } else if index >= count {
        throw error("unterminated string", at: quote)
      }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        if index &- contentStart > limits.maximumStringBytes { throw stringTooLong(at: quote) }
        index &+= 1
        if firstInvalid >= 0 { throw error("invalid UTF-8 in string", at: firstInvalid) }
        return true
      }
      if byte == UInt8(ascii: "\\") { return false }
      if byte < 0x20 { throw controlCharacter(at: index) }
      if byte < 0x80 {
        index &+= 1
        continue
      }
      let length = JSONParser.validSequenceLength(bytes, at: index)
      if length == 0 {
        if firstInvalid < 0 { firstInvalid = index }
        index &+= 1
      } else {
        index &+= length
      }
    }
  }

  /// Parses the rest of a string whose content starts after `quote`, with `index` at its first
  /// backslash: unescapes into a buffer.
  mutating func parseEscapedString(quote: Int) throws(JSONError) -> String {
    var buffer: [UInt8] = Array(bytes[(quote + 1)..<index])
    try readEscapedContent(quote: quote, into: &buffer, building: true)
    if buffer.withUnsafeBufferPointer({ JSONParser.firstInvalidUTF8(in: $0) }) != nil {
      throw error("invalid UTF-8 in string", at: firstInvalidByte(from: quote + 1))
    }
    return String(decoding: buffer, as: UTF8.self)
  }

  /// Validates the rest of a string as ``parseEscapedString(quote:)`` reads it, with the same
  /// errors, building nothing (a skipped value). Its UTF-8 is checked in place: escapes
  /// decode to whole sequences that start with no continuation byte, so the unescaped bytes
  /// are valid exactly when the bytes between the escapes are.
  mutating func skipEscapedString(quote: Int) throws(JSONError) {
    var unused: [UInt8] = []
    try readEscapedContent(quote: quote, into: &unused, building: false)
    let invalid = firstInvalidByte(from: quote + 1)
    if invalid < index - 1 { throw error("invalid UTF-8 in string", at: invalid) }
  }

  /// Reads a string's content from its first backslash at `index` to past its closing quote:
  /// control characters, escapes and the length limit (of the unescaped bytes) are checked,
  /// and with `building` the unescaped bytes after those before `index` are appended to
  /// `buffer`.
  @inline(__always)
  private mutating func readEscapedContent(
    quote: Int, into buffer: inout [UInt8], building: Bool
  ) throws(JSONError) {
    var length = index - (quote + 1)
    while true {
      guard index < bytes.count else { throw error("unterminated string", at: quote) }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        index += 1
        break
      }
      if byte < 0x20 { throw controlCharacter(at: index) }
      if byte != UInt8(ascii: "\\") {
        if building { buffer.append(byte) }
        length += 1
        index += 1
      } else {
        let scalar = try parseEscape()
        if building { appendUTF8(scalar, to: &buffer) }
        length += JSONParser.utf8Length(of: scalar)
      }
      if length > limits.maximumStringBytes { throw stringTooLong(at: quote) }
    }
  }

  /// The number of UTF-8 bytes of a scalar.
  static func utf8Length(of scalar: UInt32) -> Int {
    scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
  }

  /// The offset of the first invalid UTF-8 byte in the string content starting at `offset`,
  /// skipping escapes (which always decode to valid UTF-8), so that the error points into the
  /// source rather than into the unescaped buffer.
  func firstInvalidByte(from offset: Int) -> Int {
    var position = offset
    while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
      if bytes[position] == UInt8(ascii: "\\") {
        position += bytes[position + 1] == UInt8(ascii: "u") ? 6 : 2
        continue
      }
      let length = JSONParser.validSequenceLength(bytes, at: position)
      if length == 0 { return position }
      position += length
    }
    return position
  }

  /// A mask with the high bit of each byte of `word` that is `"`, `\\`, below 0x20 or at least
  /// 0x80 set (SWAR: a zero byte of `word ^ pattern` marks a match). Bits above the lowest
  /// may be spurious (borrows), so only the lowest set bit locates a special byte.
  @inline(__always)
  static func specialStringBytes(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let quote = word ^ (ones &* 0x22)
    let backslash = word ^ (ones &* 0x5C)
    let hasQuote = (quote &- ones) & ~quote & highs
    let hasBackslash = (backslash &- ones) & ~backslash & highs
    let hasControl = (word &- ones &* 0x20) & ~word & highs
    return hasQuote | hasBackslash | hasControl | (word & highs)
  }

  func stringTooLong(at quote: Int) -> JSONError {
    error("string longer than the \(limits.maximumStringBytes)-byte limit", at: quote)
  }

  func controlCharacter(at offset: Int) -> JSONError {
    error(
      "unescaped control character (byte 0x\(String(bytes[offset], radix: 16, uppercase: true))) "
        + "in string", at: offset)
  }

  /// The position of the first byte of `slice` that does not start a valid UTF-8 sequence,
  /// nil when it is all valid. (Checked here because `String(validating:)` is unspecialised
  /// generic code, costly per string; `String(decoding:)` of valid UTF-8 then never repairs.)
  static func firstInvalidUTF8(in slice: UnsafeBufferPointer<UInt8>) -> Int? {
    var position = 0
    while position < slice.count {
      if slice[position] < 0x80 {
        position += 1
        continue
      }
      let length = validSequenceLength(slice, at: position)
      if length == 0 { return position }
      position += length
    }
    return nil
  }

  /// The length of the valid UTF-8 sequence at `position`, 0 when invalid.
  static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Int {
    let lead = bytes[position]
    let length: Int
    let minimum: UInt32
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF:
      length = 2
      minimum = 0x80
    case 0xE0...0xEF:
      length = 3
      minimum = 0x800
    case 0xF0...0xF4:
      length = 4
      minimum = 0x10000
    default: return 0
    }
    guard position + length <= bytes.count else { return 0 }
    var scalar = UInt32(lead) & (0xFF >> (length + 1))
    for offset in 1..<length {
      let byte = bytes[position + offset]
      guard byte & 0xC0 == 0x80 else { return 0 }
      scalar = scalar << 6 | UInt32(byte & 0x3F)
    }
    if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
    return length
  }

  /// Reads the escape at `index` (a backslash), returning the scalar it stands for.
  mutating func parseEscape() throws(JSONError) -> UInt32 {
    let start = index
    index += 1
    guard index < bytes.count else { throw error("unterminated escape in string", at: start) }
    let byte = bytes[index]
    index += 1
    switch byte {
    case UInt8(ascii: "\""): return 0x22
    case UInt8(ascii: "\\"): return 0x5C
    case UInt8(ascii: "/"): return 0x2F
    case UInt8(ascii: "b"): return 0x08
    case UInt8(ascii: "f"): return 0x0C
    case UInt8(ascii: "n"): return 0x0A
    case UInt8(ascii: "r"): return 0x0D
    case UInt8(ascii: "t"): return 0x09
    case UInt8(ascii: "u"):
      var scalar = try parseHex4(escapeStart: start)
      if (0xD800...0xDBFF).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u")
        else {
          throw error("lone high surrogate \\u\(hex(scalar)) without its low surrogate", at: start)
        }
        let lowStart = index
        index += 2
        let low = try parseHex4(escapeStart: lowStart)
        guard (0xDC00...0xDFFF).contains(low) else {
          throw error(
            "high surrogate \\u\(hex(scalar)) followed by \\u\(hex(low)), not a low surrogate",
            at: start)
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw error("lone low surrogate \\u\(hex(scalar))", at: start)
      }
      return scalar
    default:
      throw error("invalid escape `\\\(Character(Unicode.Scalar(byte)))` in string", at: start)
    }
  }

  func hex(_ value: UInt32) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - text.count)) + text
  }

  mutating func parseHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
    guard index + 4 <= bytes.count else {
      throw error("incomplete \\u escape: expected 4 hexadecimal digits", at: escapeStart)
    }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default:
        throw error("invalid \\u escape: expected 4 hexadecimal digits", at: escapeStart)
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }

  func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      buffer.append(UInt8(scalar))
    case 0x80..<0x800:
      buffer.append(UInt8(0xC0 | scalar >> 6))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      buffer.append(UInt8(0xE0 | scalar >> 12))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    default:
      buffer.append(UInt8(0xF0 | scalar >> 18))
      buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      buffer.append(UInt8(0x80 | scalar & 0x3F))
    }
  }

  // MARK: Numbers

  /// Where the parts of a number scanned by ``scanNumber()`` lie.
  struct NumberSpan {
    var negative: Bool
    var integerStart: Int
    var integerEnd: Int
    var fractionStart: Int
    var fractionEnd: Int
    var exponent: Int
    var digitCount: Int
  }

  @inline(__always)
  mutating func parseNumber() throws(JSONError) -> Number {
    buildNumber(try scanNumber())
  }

  /// Checks a number's grammar and limits from `index`, moving past it.
  @inline(__always)
  mutating func scanNumber() throws(JSONError) -> NumberSpan {
    let start = index
    var negative = false
    if bytes[index] == UInt8(ascii: "-") {
      negative = true
      index += 1
    }
    guard index < bytes.count, isDigit(bytes[index]) else {
      throw error("invalid number: expected a digit after `-`", at: start)
    }
    let integerStart = index
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
      if index < bytes.count, isDigit(bytes[index]) {
        throw error("invalid number: leading zeros are not allowed", at: start)
      }
    } else {
      skipDigits()
    }
    let integerEnd = index
    var fractionStart = index
    var fractionEnd = index
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      fractionStart = index
      skipDigits()
      fractionEnd = index
      guard fractionEnd > fractionStart else {
        throw error("invalid number: expected a digit after the decimal point", at: start)
      }
    }
    var exponent = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      var exponentNegative = false
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
      {
        exponentNegative = bytes[index] == UInt8(ascii: "-")
        index += 1
      }
      let exponentStart = index
      while index < bytes.count, isDigit(bytes[index]) {
        exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0"))
        if exponent > limits.maximumExponent {
          throw error(
            "number exponent exceeds the limit of \(limits.maximumExponent)", at: start)
        }
        index += 1
      }
      guard index > exponentStart else {
        throw error("invalid number: expected a digit in the exponent", at: start)
      }
      if exponentNegative { exponent = -exponent }
    }
    // Digits of the number written out in full (as the canonical writer does), so a document's
    // canonical form is always within the limits it was read under.
    let digitCount = (integerEnd - integerStart) + (fractionEnd - fractionStart) + abs(exponent)
    if digitCount > limits.maximumNumberDigits {
      throw error(
        "number with \(digitCount) digits exceeds the \(limits.maximumNumberDigits)-digit limit",
        at: start)
    }
    if exponent > 0 {
      exponentExpansion += exponent
      if exponentExpansion > limits.maximumDocumentBytes {
        throw error(
          "numbers with positive exponents expand to more than "
            + "\(limits.maximumDocumentBytes) digits, the document-size limit", at: start)
      }
    }
    return NumberSpan(
      negative: negative, integerStart: integerStart, integerEnd: integerEnd,
      fractionStart: fractionStart, fractionEnd: fractionEnd, exponent: exponent,
      digitCount: digitCount)
  }

  /// The number a scanned span holds.
  @inline(__always)
  func buildNumber(_ span: NumberSpan) -> Number {
    let negative = span.negative
    let integerStart = span.integerStart
    let integerEnd = span.integerEnd
    let fractionStart = span.fractionStart
    let fractionEnd = span.fractionEnd
    let exponent = span.exponent
    let digitCount = span.digitCount
    // Fast path: a plain integer of at most 18 digits.
    if fractionEnd == fractionStart, exponent == 0, integerEnd - integerStart <= 18 {
      let value = appendingDigits(0, from: integerStart, to: integerEnd)
      return .small(negative ? -value : value)
    }
    var scale = (fractionEnd - fractionStart) - exponent
    if digitCount <= 18 {
      var value = appendingDigits(0, from: integerStart, to: integerEnd)
      value = appendingDigits(value, from: fractionStart, to: fractionEnd)
      while scale > 0, value != 0, value % 10 == 0 {
        value /= 10
        scale -= 1
      }
      if value == 0 { return .small(0) }
      if scale == 0 { return .small(negative ? -value : value) }
      if scale > 0 {
        // Already normalised: no trailing zeros, positive scale.
        return .decimal(DecimalBox(significand: BigInt(negative ? -value : value), scale: scale))
      }
      if scale >= -18, let scaled = Self.scaled(value, by: -scale) {
        return .small(negative ? -scaled : scaled)
      }
      return Number(significand: BigInt(negative ? -value : value), scale: scale)
    }
    var digits: [UInt8] = []
    digits.reserveCapacity(digitCount)
    digits.append(contentsOf: bytes[integerStart..<integerEnd])
    digits.append(contentsOf: bytes[fractionStart..<fractionEnd])
    // Trailing zeros after the decimal point only change the scale: dropping them here
    // spares the big-number normalisation one division each (4,095 for `1.000…0`).
    while scale > 0, digits.count > 1, digits[digits.count - 1] == UInt8(ascii: "0") {
      digits.removeLast()
      scale -= 1
    }
    return Number.fromDigits(digits, negative: negative, scale: scale)
  }

  @inline(__always)
  func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

  /// Moves past the ASCII digits at `index`: eight at a time while eight are digits
  /// (``FastEvaluator/isEightDigits(_:)``), then one at a time.
  @inline(__always)
  mutating func skipDigits() {
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    while index &+ 8 <= bytes.count,
      FastEvaluator.isEightDigits(
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
    {
      index &+= 8
    }
    while index < bytes.count, isDigit(bytes[index]) { index += 1 }
  }

  /// `value` followed by the digits (already checked) at `start..<end`, as an integer that
  /// does not overflow (at most 18 digits in all): eight at a time
  /// (``FastEvaluator/eightDigits(word:)``), then one at a time.
  @inline(__always)
  func appendingDigits(_ value: Int, from start: Int, to end: Int) -> Int {
    var value = value
    var position = start
    let raw = UnsafeRawPointer(bytes.baseAddress!)
    while end &- position >= 8,
      let eight = FastEvaluator.eightDigits(
        word: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
    {
      value = value &* 100_000_000 &+ eight
      position &+= 8
    }
    while position < end {
      value = value &* 10 &+ Int(bytes[position] &- UInt8(ascii: "0"))
      position &+= 1
    }
    return value
  }

  /// `value × 10^exponent` when it fits in an `Int`.
  static func scaled(_ value: Int, by exponent: Int) -> Int? {
    var result = value
    for _ in 0..<exponent {
      let (product, overflow) = result.multipliedReportingOverflow(by: 10)
      if overflow { return nil }
      result = product
    }
    return result
  }
}

/// An object key compared and hashed by its exact Unicode scalars (Swift's `String` equality
/// and hashing apply canonical equivalence, which would merge distinct keys).
struct ExactKey: Hashable {
  let text: String
  init(_ text: String) { self.text = text }
  static func == (a: ExactKey, b: ExactKey) -> Bool { Value.scalarsEqual(a.text, b.text) }
  func hash(into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }
}

/// A growable stack in manually managed memory, for the parser's scratch stacks: a closed
/// container's elements are moved (not copied) into their array, with no per-element
/// reference counting and no generic destroy.
struct ScratchStack<Element>: ~Copyable {
  private(set) var storage: UnsafeMutablePointer<Element>
  private var capacity: Int
  private(set) var count = 0

  init(capacity: Int = 64) {
    storage = .allocate(capacity: capacity)
    self.capacity = capacity
  }

  deinit {
    storage.deinitialize(count: count)
    storage.deallocate()
  }

  @inline(__always)
  mutating func push(_ element: consuming Element) {
    if count == capacity { grow() }
    (storage + count).initialize(to: element)
    // Below the capacity, so it cannot overflow.
    count &+= 1
  }

  /// Drops the elements from `start` to the top.
  @inline(__always)
  mutating func truncate(to start: Int) {
    // Checked first: deinitializing no elements still calls the runtime's array destroy.
    if count > start { (storage + start).deinitialize(count: count - start) }
    count = start
  }

  /// Destroys `count` elements from `first` one by one, each by its type's own destroy code:
  /// `deinitialize(count:)` of more than one element calls the runtime's generic array
  /// destroy, which looks each element's fields up in its type metadata (~150 instructions
  /// for a member whose key and value hold nothing to release).
  @inline(__always)
  private static func destroy(_ first: UnsafeMutablePointer<Element>, count: Int) {
    for offset in 0..<count { _ = (first + offset).move() }
  }

  /// Keeps, of the elements from `start` to the top, those at the positions `kept` holds
  /// from `keptStart` on (in increasing order), moved down to `start` in their order; the
  /// others are destroyed.
  mutating func keep(
    from start: Int, positions kept: borrowing ScratchStack<Int>, from keptStart: Int
  ) {
    guard kept.count &- keptStart != count &- start else { return }
    var write = start
    var position = start
    for next in keptStart..<kept.count {
      let target = kept.storage[next]
      if target > position { Self.destroy(storage + position, count: target &- position) }
      if write != target { (storage + write).moveInitialize(from: storage + target, count: 1) }
      write &+= 1
      position = target &+ 1
    }
    if count > position { Self.destroy(storage + position, count: count &- position) }
    count = write
  }

  /// Gives back the storage of an empty stack whose capacity grew above `limit` elements.
  mutating func shrink(above limit: Int) {
    guard count == 0, capacity > limit else { return }
    storage.deallocate()
    capacity = 64
    storage = .allocate(capacity: capacity)
  }

  private mutating func grow() {
    let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
    grown.moveInitialize(from: storage, count: count)
    storage.deallocate()
    storage = grown
    capacity *= 2
  }

  /// Calls `body` with the elements from `start` to the top, in place.
  @inline(__always)
  func withElements<Result>(
    from start: Int, _ body: (UnsafeBufferPointer<Element>) -> Result
  ) -> Result {
    body(UnsafeBufferPointer(start: storage + start, count: count - start))
  }

  /// Pops the elements from `start` to the top, handing them to `body`, which must move
  /// them all out.
  @inline(__always)
  mutating func popMoving<Result>(
    from start: Int, _ body: (UnsafeMutableBufferPointer<Element>) -> Result
  ) -> Result {
    let moved = UnsafeMutableBufferPointer(start: storage + start, count: count - start)
    count = start
    return body(moved)
  }
}
