import Testing

@testable import ConstraintEngine

/// `ObjectValue`'s own storage (``ObjectEntries``): members kept in document order, found by
/// key, iterated, copied and moved in, and released with the object.
@Suite("Object values")
struct ObjectValueTests {
  /// `count` members with short (inline) and long (allocated) keys and values of every kind.
  static func members(count: Int) -> [ObjectValue.Element] {
    (0..<count).map { index in
      let key = index % 2 == 0 ? "k\(index)" : "a-key-long-enough-to-be-allocated-\(index)"
      let value: Value
      switch index % 5 {
      case 0: value = .number(.small(index))
      case 1: value = .string("a string value long enough to be allocated \(index)")
      case 2: value = .object(ObjectValue([("inner", .string("v\(index)"))]))
      case 3: value = .array([.bool(true), .null])
      default: value = .string("s\(index)")
      }
      return (key: key, value: value)
    }
  }

  static func same(_ object: ObjectValue, _ members: [ObjectValue.Element]) -> Bool {
    object.count == members.count && object.isEmpty == members.isEmpty
      && object.keys == members.map(\.key)
      && zip(object, members).allSatisfy {
        $0.key == $1.key && $0.value.structurallyEquals($1.value)
      }
  }

  @Test(
    "an object built from an array keeps its members in order", arguments: [0, 1, 2, 5, 17, 100])
  func copied(count: Int) {
    let members = Self.members(count: count)
    let object = ObjectValue(members)
    #expect(Self.same(object, members))
    #expect(object.underestimatedCount == count)
    #expect(Array(object).count == count)
    #expect(object.withContiguousStorageIfAvailable { $0.count } == count)
    for member in members {
      #expect(object[member.key]?.structurallyEquals(member.value) == true)
      #expect(object.value(forKey: ObjectKey(member.key))?.structurallyEquals(member.value) == true)
    }
    #expect(object["absent"] == nil && object.value(forKey: ObjectKey("absent")) == nil)
  }

  @Test(
    "an object built by moving members holds them, and they outlive the source",
    arguments: [0, 1, 3, 40])
  func moved(count: Int) {
    let members = Self.members(count: count)
    let source = UnsafeMutableBufferPointer<ObjectValue.Element>.allocate(capacity: count)
    _ = source.initialize(from: members)
    let object = ObjectValue(moving: source)
    source.deallocate()
    #expect(Self.same(object, members))
    // Copies share the storage; each still reads the members after the others are gone.
    var copies = [Value.object(object)]
    for _ in 0..<3 { copies.append(copies[copies.count - 1]) }
    copies.removeFirst(2)
    for copy in copies {
      guard case .object(let held) = copy else { Issue.record("not an object"); continue }
      #expect(Self.same(held, members))
    }
  }

  @Test("objects read from JSON are the objects built from their members")
  func readFromJSON() throws {
    let text = #"{"b":1,"a":{"x":[1,{"y":"a long string value, allocated"}],"z":{}},"c":"s"}"#
    guard case .object(let object) = try JSONReader.read(text) else {
      Issue.record("not an object")
      return
    }
    #expect(object.keys == ["b", "a", "c"])
    let y = object["a"]?["x"][1]["y"]
    #expect(y?.structurallyEquals(.string("a long string value, allocated")) == true)
    #expect(object["a"]?["z"].structurallyEquals(.object(ObjectValue([]))) == true)
    let rebuilt = ObjectValue(Array(object))
    #expect(Value.object(rebuilt).structurallyEquals(.object(object)))
    #expect(JSONWriter.canonical(.object(rebuilt)) == JSONWriter.canonical(.object(object)))
  }

  @Test(
    "dropping an object releases what its members hold, whatever their keys and strings",
    arguments: [
      "k", "a-key-long-enough-to-be-allocated", "",
      "\(String(repeating: "é", count: 7))", "\(String(repeating: "é", count: 8))",
    ])
  func releases(key: String) {
    weak var inner: ObjectStorage?
    do {
      let innerObject = ObjectValue([("x", .string("a value long enough to be allocated, too"))])
      inner = innerObject.entries.storage
      let outer = ObjectValue([
        (key: key, value: .object(innerObject)), (key: key + "-string", value: .string(key)),
        (key: key + "-long", value: .string(key + " made long enough to be allocated")),
      ])
      #expect(inner != nil)
      #expect(outer[key]?["x"].structurallyEquals(innerObject["x"]!) == true)
      #expect(outer[key + "-string"]?.structurallyEquals(.string(key)) == true)
    }
    #expect(inner == nil)
  }
}

/// String equality and order as the language defines them (UTF-8 bytes, no normalisation),
/// which key lookups and `==` on strings use: ``memcmpBytes(_:_:_:)`` compares eight bytes at
/// a time, so every length from 0 to 40 and a difference at every position are checked
/// against a byte-by-byte reading, with allocated and inline strings alike.
@Suite("String equality and order")
struct StringEqualityTests {
  @Test("every length and every differing position", arguments: 0...40)
  func everyPosition(length: Int) {
    let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    let text = String(decoding: base, as: UTF8.self)
    #expect(Value.scalarsEqual(text, String(decoding: base, as: UTF8.self)))
    #expect(Value.compareScalars(text, String(decoding: base, as: UTF8.self)) == 0)
    for position in 0..<length {
      for delta in [-1, 1] {
        var other = base
        other[position] = UInt8(Int(other[position]) + delta)
        let changed = String(decoding: other, as: UTF8.self)
        #expect(!Value.scalarsEqual(text, changed))
        #expect(!Value.scalarsEqual(changed, text))
        #expect(Value.compareScalars(text, changed) == -delta)
        #expect(Value.compareScalars(changed, text) == delta)
        // The first difference decides, whatever follows it.
        var later = other
        if position + 1 < length { later[position + 1] = UInt8(ascii: "~") }
        #expect(
          Value.compareScalars(text, String(decoding: later, as: UTF8.self)) == -delta)
        let raw = base.withUnsafeBufferPointer { a in
          other.withUnsafeBufferPointer { b in
            memcmpBytes(a.baseAddress!, b.baseAddress!, length)
          }
        }
        #expect(raw == Int32(-delta))
      }
    }
    // A prefix orders first; equal lengths are needed for equality.
    if length > 0 {
      let prefix = String(decoding: base.dropLast(), as: UTF8.self)
      #expect(Value.compareScalars(prefix, text) == -1)
      #expect(!Value.scalarsEqual(prefix, text))
    }
  }

  /// Bytes above 0x7F order above ASCII ones (unsigned bytes), also inside a word.
  @Test func nonASCIIBytesOrderAboveASCII() {
    let ascii = "abcdefghijklmnopq"
    let accented = "abcdefghijklmnopé"
    #expect(Value.compareScalars(ascii, accented) == -1)
    #expect(Value.compareScalars("abcdéfghijklmnop", "abcdzfghijklmnop") == 1)
    #expect(!Value.scalarsEqual("café-au-lait-long", "cafe\u{301}-au-lait-long"))
  }
}
