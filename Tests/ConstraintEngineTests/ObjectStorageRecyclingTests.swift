import Testing

@testable import ConstraintEngine

/// ``JSONDocumentReader/recycle(_:)``: a reader builds the next documents' objects in the
/// storage of values given back, and never in storage anything else still holds.
@Suite("Object storage taken back by a reader")
struct ObjectStorageRecyclingTests {
  static func read(_ reader: JSONDocumentReader, _ text: String) throws -> Value {
    try Array(text.utf8).withUnsafeBytes { try reader.read($0) }
  }

  /// Objects of every kept size and beyond it, empty ones, objects in arrays, long and short
  /// keys and values, and a document that is not an object.
  static let documents: [String] = {
    let wide = (0..<20).map { #""key_\#($0)": \#($0)"# }.joined(separator: ", ")
    return [
      #"{"a": 1, "b": {"c": "x", "d": {"e": null}}, "f": [{"g": 1}, {"h": 2, "i": 3}]}"#,
      #"{"budget": {"limit_micro": "100", "spent_micro": "7"}, "cost_micro": "3"}"#,
      "{\(wide), \"nested\": {\(wide)}}",
      #"{"empty": {}, "also": [{}], "s": "a string long enough to be allocated apart"}"#,
      #"[{"a": 1}, {"b": {"c": 2}}]"#,
      #""just a string""#,
      #"{"a_key_longer_than_fifteen_bytes": {"another_long_key_name": true}}"#,
      #"{"b": {"d": {"e": 1}, "c": "y"}, "a": 2}"#,
    ]
  }()

  @Test func valuesBuiltInRecycledStorageAreTheDocuments() throws {
    let reader = JSONDocumentReader()
    for _ in 0..<3 {
      for text in Self.documents {
        let value = try Self.read(reader, text)
        let fresh = try JSONReader.read(text)
        #expect(value.structurallyEquals(fresh), "\(text)")
        // Members in document order too.
        #expect(value.description == fresh.description)
        reader.recycle(value)
      }
    }
    #expect(reader.objectStorageReuses > 0)
  }

  /// Parts of a value kept after it is given back (as an explanation or a report keeps
  /// them), and values given back twice, keep their members while later documents are read.
  @Test func storageHeldElsewhereIsLeftAlone() throws {
    let reader = JSONDocumentReader()
    var kept: [(part: Value, expected: String)] = []
    var whole: [(value: Value, expected: String)] = []
    for number in 0..<200 {
      let text =
        #"{"a": {"b": \#(number), "c": {"d": "x\#(number)"}}, "e": [{"f": \#(number)}]}"#
      let value = try Self.read(reader, text)
      kept.append((value["a"], try JSONReader.read(text)["a"].description))
      if number % 7 == 0 {
        // The whole document is still held: nothing of it is taken back.
        whole.append((value, try JSONReader.read(text).description))
        reader.recycle(value)
      }
      reader.recycle(value)
    }
    for (part, expected) in kept { #expect(part.description == expected) }
    for (value, expected) in whole { #expect(value.description == expected) }
    #expect(reader.objectStorageReuses > 0)
  }

  /// Documents nested to the depth limit are given back and read again without recursing
  /// past ``ObjectStoragePool/deepestLevel``; the pool stays bounded.
  @Test func deepAndWideDocumentsStayBounded() throws {
    let reader = JSONDocumentReader()
    let depth = JSONLimits().maximumDepth
    let deep =
      String(repeating: #"{"k":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    let many = "[" + (0..<5_000).map { #"{"i": \#($0)}"# }.joined(separator: ",") + "]"
    let records = "{" + (0..<2_000).map { #""r\#($0)": {"i": \#($0)}"# }.joined(separator: ",")
      + "}"
    for _ in 0..<3 {
      for text in [deep, many, records] {
        let value = try Self.read(reader, text)
        #expect(value.structurallyEquals(try JSONReader.read(text)))
        reader.recycle(value)
      }
    }
    let pool = ObjectStoragePool()
    pool.recycle(try JSONReader.read(records))
    #expect(pool.keptCount == ObjectStoragePool.keptPerCount)
    pool.recycle(try JSONReader.read(deep))
    #expect(pool.keptCount <= ObjectStoragePool.largestCount * ObjectStoragePool.keptPerCount)
  }
}
