import ConstraintEngine

/// Encodes `Encodable` values as compact JSON with object keys in the order the value encodes
/// them (or sorted by their UTF-8 bytes), `nil` written as `null` wherever it is encoded, and
/// strings escaped as ``JSONWriter`` escapes them — so a report model decides its own stable
/// output, byte for byte, on every platform (Foundation's `JSONEncoder` orders keys by hash on
/// Linux).
///
/// Integers and booleans are written as JSON numbers and literals; floating-point numbers as
/// their shortest decimal form, a non-finite one being an error.
public struct OrderedJSONEncoder: Sendable {
  /// Whether object keys are sorted by their UTF-8 bytes instead of kept in encoding order.
  public var sortsKeys: Bool

  /// An encoder keeping keys in encoding order unless `sortsKeys`.
  public init(sortsKeys: Bool = false) {
    self.sortsKeys = sortsKeys
  }

  /// The JSON text of `value`, on one line.
  public func encode<T: Encodable>(_ value: T) throws(EncodingError) -> String {
    let slot = JSONSlot()
    do {
      try value.encode(to: TreeEncoder(slot: slot, codingPath: []))
    } catch let error as EncodingError {
      throw error
    } catch {
      throw EncodingError.invalidValue(
        value,
        EncodingError.Context(codingPath: [], debugDescription: "\(error)", underlyingError: error))
    }
    var output = ""
    slot.write(to: &output, sortsKeys: sortsKeys)
    return output
  }
}

/// Where one encoded value goes; filled by the encoder or a container.
private final class JSONSlot {
  enum Content {
    case literal(String)
    case array(ArrayStorage)
    case object(ObjectStorage)
  }

  var content: Content?

  func write(to output: inout String, sortsKeys: Bool) {
    switch content {
    // A value that encoded nothing is an empty object, as Foundation writes it.
    case nil: output += "{}"
    case .literal(let text): output += text
    case .array(let storage):
      output += "["
      for (index, slot) in storage.slots.enumerated() {
        if index > 0 { output += "," }
        slot.write(to: &output, sortsKeys: sortsKeys)
      }
      output += "]"
    case .object(let storage):
      output += "{"
      let entries =
        sortsKeys
        ? storage.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        : storage.entries
      for (index, entry) in entries.enumerated() {
        if index > 0 { output += "," }
        output += JSONWriter.canonical(.string(entry.key))
        output += ":"
        entry.slot.write(to: &output, sortsKeys: sortsKeys)
      }
      output += "}"
    }
  }

  /// The object storage of this slot, made one when it holds nothing else yet.
  var object: ObjectStorage {
    if case .object(let storage) = content { return storage }
    let storage = ObjectStorage()
    content = .object(storage)
    return storage
  }

  /// The array storage of this slot, made one when it holds nothing else yet.
  var array: ArrayStorage {
    if case .array(let storage) = content { return storage }
    let storage = ArrayStorage()
    content = .array(storage)
    return storage
  }
}

private final class ArrayStorage {
  var slots: [JSONSlot] = []

  func append() -> JSONSlot {
    let slot = JSONSlot()
    slots.append(slot)
    return slot
  }
}

private final class ObjectStorage {
  var entries: [(key: String, slot: JSONSlot)] = []

  /// The slot of `key`: a key encoded twice keeps its first place and its last value.
  func slot(_ key: String) -> JSONSlot {
    if let existing = entries.first(where: { $0.key == key }) {
      existing.slot.content = nil
      return existing.slot
    }
    let slot = JSONSlot()
    entries.append((key, slot))
    return slot
  }
}

/// Literal JSON text of the scalars.
private enum JSONLiteral {
  static func string(_ value: String) -> String { JSONWriter.canonical(.string(value)) }

  static func floating<F: BinaryFloatingPoint & LosslessStringConvertible>(
    _ value: F, codingPath: [any CodingKey]
  ) throws -> String {
    guard value.isFinite else {
      throw EncodingError.invalidValue(
        value,
        EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) is not JSON"))
    }
    var text = value.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }
}

private struct TreeEncoder: Encoder {
  let slot: JSONSlot
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    KeyedEncodingContainer(KeyedContainer<Key>(storage: slot.object, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    UnkeyedContainer(storage: slot.array, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleValueContainer(slot: slot, codingPath: codingPath)
  }
}

/// Encodes `value` into `slot`: scalars directly, anything else through its own `encode(to:)`.
private func encodeValue<T: Encodable>(
  _ value: T, into slot: JSONSlot, codingPath: [any CodingKey]
) throws {
  try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath))
}

private struct IndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "Index \(intValue ?? 0)" }
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

private struct SuperKey: CodingKey {
  var stringValue: String { "super" }
  var intValue: Int? { nil }
  init() {}
  init?(stringValue: String) { nil }
  init?(intValue: Int) { nil }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let storage: ObjectStorage
  let codingPath: [any CodingKey]

  private func set(_ literal: String, _ key: Key) {
    storage.slot(key.stringValue).content = .literal(literal)
  }

  mutating func encodeNil(forKey key: Key) throws { set("null", key) }
  mutating func encode(_ value: Bool, forKey key: Key) throws { set(value ? "true" : "false", key) }
  mutating func encode(_ value: String, forKey key: Key) throws {
    set(JSONLiteral.string(value), key)
  }
  mutating func encode(_ value: Double, forKey key: Key) throws {
    set(try JSONLiteral.floating(value, codingPath: codingPath + [key]), key)
  }
  mutating func encode(_ value: Float, forKey key: Key) throws {
    set(try JSONLiteral.floating(value, codingPath: codingPath + [key]), key)
  }
  mutating func encode(_ value: Int, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { set(String(value), key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { set(String(value), key) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try encodeValue(value, into: storage.slot(key.stringValue), codingPath: codingPath + [key])
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    KeyedEncodingContainer(
      KeyedContainer<NestedKey>(
        storage: storage.slot(key.stringValue).object, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    UnkeyedContainer(storage: storage.slot(key.stringValue).array, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    TreeEncoder(slot: storage.slot("super"), codingPath: codingPath + [SuperKey()])
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    TreeEncoder(slot: storage.slot(key.stringValue), codingPath: codingPath + [key])
  }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
  let storage: ArrayStorage
  let codingPath: [any CodingKey]
  var count: Int { storage.slots.count }

  private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }

  private func append(_ literal: String) { storage.append().content = .literal(literal) }

  mutating func encodeNil() throws { append("null") }
  mutating func encode(_ value: Bool) throws { append(value ? "true" : "false") }
  mutating func encode(_ value: String) throws { append(JSONLiteral.string(value)) }
  mutating func encode(_ value: Double) throws {
    append(try JSONLiteral.floating(value, codingPath: nextPath))
  }
  mutating func encode(_ value: Float) throws {
    append(try JSONLiteral.floating(value, codingPath: nextPath))
  }
  mutating func encode(_ value: Int) throws { append(String(value)) }
  mutating func encode(_ value: Int8) throws { append(String(value)) }
  mutating func encode(_ value: Int16) throws { append(String(value)) }
  mutating func encode(_ value: Int32) throws { append(String(value)) }
  mutating func encode(_ value: Int64) throws { append(String(value)) }
  mutating func encode(_ value: UInt) throws { append(String(value)) }
  mutating func encode(_ value: UInt8) throws { append(String(value)) }
  mutating func encode(_ value: UInt16) throws { append(String(value)) }
  mutating func encode(_ value: UInt32) throws { append(String(value)) }
  mutating func encode(_ value: UInt64) throws { append(String(value)) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    let path = nextPath
    try encodeValue(value, into: storage.append(), codingPath: path)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    let path = nextPath
    return KeyedEncodingContainer(
      KeyedContainer<NestedKey>(storage: storage.append().object, codingPath: path))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let path = nextPath
    return UnkeyedContainer(storage: storage.append().array, codingPath: path)
  }

  mutating func superEncoder() -> any Encoder {
    let path = nextPath
    return TreeEncoder(slot: storage.append(), codingPath: path)
  }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
  let slot: JSONSlot
  let codingPath: [any CodingKey]

  private func set(_ literal: String) { slot.content = .literal(literal) }

  mutating func encodeNil() throws { set("null") }
  mutating func encode(_ value: Bool) throws { set(value ? "true" : "false") }
  mutating func encode(_ value: String) throws { set(JSONLiteral.string(value)) }
  mutating func encode(_ value: Double) throws {
    set(try JSONLiteral.floating(value, codingPath: codingPath))
  }
  mutating func encode(_ value: Float) throws {
    set(try JSONLiteral.floating(value, codingPath: codingPath))
  }
  mutating func encode(_ value: Int) throws { set(String(value)) }
  mutating func encode(_ value: Int8) throws { set(String(value)) }
  mutating func encode(_ value: Int16) throws { set(String(value)) }
  mutating func encode(_ value: Int32) throws { set(String(value)) }
  mutating func encode(_ value: Int64) throws { set(String(value)) }
  mutating func encode(_ value: UInt) throws { set(String(value)) }
  mutating func encode(_ value: UInt8) throws { set(String(value)) }
  mutating func encode(_ value: UInt16) throws { set(String(value)) }
  mutating func encode(_ value: UInt32) throws { set(String(value)) }
  mutating func encode(_ value: UInt64) throws { set(String(value)) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    try encodeValue(value, into: slot, codingPath: codingPath)
  }
}
