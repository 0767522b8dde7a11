/// A runtime value: what a JSON snapshot holds, plus *missing* for a path that does not exist.
///
/// Containers are reference-counted (Swift arrays, ``ObjectValue``'s storage), so the enum stays
/// small and copying a value never copies a document.
public enum Value: Sendable, CustomStringConvertible {
  /// A path that does not resolve (distinct from JSON `null`).
  case missing
  case null
  case bool(Bool)
  case number(Number)
  case string(String)
  case array([Value])
  case object(ObjectValue)

  /// The name of the value's type as used in messages and by `type_of`.
  public var typeName: String {
    switch self {
    case .missing: return "missing"
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return "number"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// `self[key]` for an object, `.missing` for anything else or an absent key.
  public subscript(key: String) -> Value {
    if case .object(let object) = self { return object[key] ?? .missing }
    return .missing
  }

  /// The element at `index` of an array, `.missing` when out of range or not an array.
  public subscript(index: Int) -> Value {
    if case .array(let elements) = self, index >= 0, index < elements.count {
      return elements[index]
    }
    return .missing
  }

  /// Structural equality: numbers by exact value, strings by Unicode scalars (no
  /// normalisation), arrays element-wise, objects by key set and values regardless of key order.
  /// Values of different types are never equal; `missing` equals only `missing`.
  public func structurallyEquals(_ other: Value) -> Bool {
    switch (self, other) {
    case (.missing, .missing), (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.string(let a), .string(let b)): return Value.scalarsEqual(a, b)
    case (.array(let a), .array(let b)):
      guard a.count == b.count else { return false }
      for index in a.indices where !a[index].structurallyEquals(b[index]) { return false }
      return true
    case (.object(let a), .object(let b)):
      guard a.count == b.count else { return false }
      for (key, value) in a {
        guard let otherValue = b[key], value.structurallyEquals(otherValue) else { return false }
      }
      return true
    default: return false
    }
  }

  /// Exact Unicode scalar equality (Swift's `==` on `String` applies canonical equivalence,
  /// which the language must not).
  @inlinable
  public static func scalarsEqual(_ a: String, _ b: String) -> Bool {
    // UTF-8 length is O(1) for native strings: most unequal keys differ in length.
    guard a.utf8.count == b.utf8.count else { return false }
    // Identical representations (the same storage, or the same inline small-string bytes)
    // hold the same scalars: the common hit of a key lookup, decided without touching bytes.
    if StandardLibraryLayout.identicalBits(a, b) { return true }
    // Native strings (what the reader and the compiler build) lend their bytes in place.
    if let equal = a.utf8.withContiguousStorageIfAvailable({ aBytes in
      b.utf8.withContiguousStorageIfAvailable { bBytes in
        aBytes.count == 0
          || memcmpBytes(aBytes.baseAddress!, bBytes.baseAddress!, aBytes.count) == 0
      }
    }), let equal {
      return equal
    }
    var a = a
    var b = b
    return a.withUTF8 { aBytes in
      b.withUTF8 { bBytes in
        aBytes.count == bBytes.count
          && (aBytes.count == 0
            || memcmpBytes(aBytes.baseAddress!, bBytes.baseAddress!, aBytes.count) == 0)
      }
    }
  }

  /// Whether `text` has exactly the scalars whose UTF-8 encoding is `utf8`.
  @inline(__always)
  static func scalarsEqual(_ text: String, utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard text.utf8.count == utf8.count else { return false }
    guard utf8.count > 0 else { return true }
    if let equal = text.utf8.withContiguousStorageIfAvailable({ bytes in
      memcmpBytes(bytes.baseAddress!, utf8.baseAddress!, utf8.count) == 0
    }) {
      return equal
    }
    var text = text
    return text.withUTF8 { memcmpBytes($0.baseAddress!, utf8.baseAddress!, utf8.count) == 0 }
  }

  /// The code point order (equivalently UTF-8 byte order) of `text` and the scalars whose
  /// UTF-8 encoding is `utf8`: -1, 0 or 1, as ``compareScalars(_:_:)``.
  static func compareScalars(_ text: String, utf8: UnsafeBufferPointer<UInt8>) -> Int {
    var text = text
    return text.withUTF8 { utf8Order($0, utf8) }
  }

  /// Code point order (equivalently UTF-8 byte order): -1, 0 or 1.
  public static func compareScalars(_ a: String, _ b: String) -> Int {
    var a = a
    var b = b
    return a.withUTF8 { aBytes in b.withUTF8 { utf8Order(aBytes, $0) } }
  }

  /// Whether two UTF-8 byte sequences are the same bytes.
  @inline(__always)
  static func utf8Equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    a.count == b.count && (a.isEmpty || memcmpBytes(a.baseAddress!, b.baseAddress!, a.count) == 0)
  }

  /// The byte order of two UTF-8 byte sequences (their code point order): -1, 0 or 1.
  static func utf8Order(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
      let result = memcmpBytes(a.baseAddress!, b.baseAddress!, common)
      if result != 0 { return result < 0 ? -1 : 1 }
    }
    return a.count < b.count ? -1 : (a.count == b.count ? 0 : 1)
  }

  /// A short, JSON-like rendering for explanations and messages.
  public var description: String {
    switch self {
    case .missing: return "missing"
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .number(let number): return number.description
    case .string(let string): return Value.quoted(string)
    case .array(let elements):
      return "[" + elements.map(\.description).joined(separator: ", ") + "]"
    case .object(let object):
      return "{"
        + object.map { Value.quoted($0.key) + ": " + $0.value.description }
        .joined(separator: ", ") + "}"
    }
  }

  /// A string in double quotes with JSON escapes (the canonical writer's string form).
  public static func quoted(_ string: String) -> String {
    var result = ""
    JSONWriter.writeString(string, to: &result)
    return result
  }
}

/// The order of `count` bytes at `a` and at `b` (-1, 0 or 1), as `memcmp` gives it: compared
/// eight bytes at a time, the last eight of a run of eight or more loaded ending at its end
/// (bytes already found equal are compared again, which changes nothing), so a key or value
/// of 16 to 24 bytes takes two or three word tests instead of a test per byte.
@usableFromInline
func memcmpBytes(
  _ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int
) -> Int32 {
  guard count >= 8 else {
    for index in 0..<count where a[index] != b[index] {
      return a[index] < b[index] ? -1 : 1
    }
    return 0
  }
  let rawA = UnsafeRawPointer(a)
  let rawB = UnsafeRawPointer(b)
  var offset = 0
  while true {
    let x = UInt64(littleEndian: rawA.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    let y = UInt64(littleEndian: rawB.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    if x != y {
      // The first byte in memory order is the lowest of a little-endian word.
      let first = offset &+ (x ^ y).trailingZeroBitCount &>> 3
      return a[first] < b[first] ? -1 : 1
    }
    if offset &+ 8 == count { return 0 }
    offset = min(offset &+ 8, count &- 8)
  }
}

/// A JSON object: keys in document order, unique (the reader rejects duplicates).
public struct ObjectValue: Sendable, Sequence {
  public typealias Element = (key: String, value: Value)

  @usableFromInline
  let entries: ObjectEntries

  /// Creates an object. Keys must be unique.
  public init(_ entries: [Element]) {
    self.entries = entries.withUnsafeBufferPointer { ObjectEntries.make(copying: $0) }
  }

  /// An object of `members`, which are moved out (left uninitialized), in storage from
  /// `pool` when it keeps some of that size. Keys must be unique.
  init(moving members: UnsafeMutableBufferPointer<Element>, pool: ObjectStoragePool? = nil) {
    entries = ObjectEntries.make(moving: members, pool: pool)
  }

  public var count: Int { entries.count }
  public var isEmpty: Bool { entries.count == 0 }
  public var keys: [String] { entries.withUnsafeBufferPointer { $0.map(\.key) } }

  /// The value for `key` (exact scalar comparison), or nil.
  public subscript(key: String) -> Value? {
    entries.withUnsafeBufferPointer { buffer in
      for index in buffer.indices where Value.scalarsEqual(buffer[index].key, key) {
        return buffer[index].value
      }
      return nil
    }
  }

  /// The value for a precomputed key: compares UTF-8 lengths before bytes and walks the
  /// entries without copying them.
  @inlinable
  public func value(forKey key: ObjectKey) -> Value? {
    entries.withUnsafeBufferPointer { buffer in
      for index in buffer.indices
      where buffer[index].key.utf8.count == key.utf8Count
        && Value.scalarsEqual(buffer[index].key, key.text)
      {
        return buffer[index].value
      }
      return nil
    }
  }

  public func makeIterator() -> Iterator {
    Iterator(entries: entries)
  }

  public var underestimatedCount: Int { entries.count }

  public func withContiguousStorageIfAvailable<Result>(
    _ body: (UnsafeBufferPointer<Element>) throws -> Result
  ) rethrows -> Result? {
    try entries.withUnsafeBufferPointer(body)
  }

  /// The members in document order.
  public struct Iterator: IteratorProtocol {
    let entries: ObjectEntries
    var index = 0

    public mutating func next() -> Element? {
      guard index < entries.count else { return nil }
      defer { index += 1 }
      return entries.withUnsafeBufferPointer { $0[index] }
    }
  }
}

/// The members of an ``ObjectValue``, counted in the header of an ``ObjectStorage`` and stored
/// after it, in one allocation. Not an array of `(key:value:)` tuples because an array's
/// storage is destroyed by generic runtime code (each tuple through the runtime's tuple
/// witness, then its key's and value's witnesses), which cost decoding and dropping a JSONL
/// line about a tenth of its time; ``ObjectStorage``'s deinit is compiled for the members.
@usableFromInline
struct ObjectEntries: @unchecked Sendable {
  // @unchecked: the storage is never mutated while shared (only ``ObjectStoragePool`` changes
  // it, once no one else holds it), so sharing it across threads is safe.
  @usableFromInline
  let storage: ObjectStorage

  /// Entries holding `members`, moved out (left uninitialized), in storage from `pool` when
  /// it keeps some of that size.
  static func make(
    moving members: UnsafeMutableBufferPointer<ObjectValue.Element>, pool: ObjectStoragePool?
  ) -> ObjectEntries {
    guard let base = members.baseAddress, members.count > 0 else { return emptyObjectEntries }
    let storage = pool?.take(count: members.count) ?? ObjectStorage.make(count: members.count)
    storage.withUnsafeMutablePointerToElements {
      $0.moveInitialize(from: base, count: members.count)
    }
    return ObjectEntries(storage: storage)
  }

  /// Entries holding copies of `members`.
  static func make(copying members: UnsafeBufferPointer<ObjectValue.Element>) -> ObjectEntries {
    guard let base = members.baseAddress, members.count > 0 else { return emptyObjectEntries }
    let storage = ObjectStorage.make(count: members.count)
    storage.withUnsafeMutablePointerToElements { $0.initialize(from: base, count: members.count) }
    return ObjectEntries(storage: storage)
  }

  @inlinable
  var count: Int { storage.header }

  /// Calls `body` with the members, in place (valid as long as the storage lives).
  @inlinable
  func withUnsafeBufferPointer<Result>(
    _ body: (UnsafeBufferPointer<ObjectValue.Element>) throws -> Result
  ) rethrows -> Result {
    try storage.withUnsafeMutablePointers { count, elements in
      try body(UnsafeBufferPointer(start: elements, count: count.pointee))
    }
  }
}

/// The entries every empty object shares.
let emptyObjectEntries = ObjectEntries(storage: ObjectStorage.make(count: 0))

/// An object's member count (the header) and its members (the elements).
@usableFromInline
final class ObjectStorage: ManagedBuffer<Int, ObjectValue.Element> {
  /// Storage for `count` members, which the caller initializes.
  static func make(count: Int) -> ObjectStorage {
    unsafeDowncast(
      ObjectStorage.create(minimumCapacity: count) { _ in count }, to: ObjectStorage.self)
  }

  deinit {
    // One member at a time (see ``StandardLibraryLayout/destroy(_:count:)``).
    withUnsafeMutablePointers { count, members in
      StandardLibraryLayout.destroy(members, count: count.pointee)
    }
  }
}

/// An object key prepared for repeated lookups (its UTF-8 length computed once).
public struct ObjectKey: Sendable, Hashable {
  public let text: String
  public let utf8Count: Int

  public init(_ text: String) {
    self.text = text
    utf8Count = text.utf8.count
  }
}
