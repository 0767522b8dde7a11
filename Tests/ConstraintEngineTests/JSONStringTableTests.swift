import Testing

@testable import ConstraintEngine

/// The string table the reader shares across JSONL lines, the byte chunks and hashes it and
/// duplicate-key detection use, and the string scanning that feeds them.
@Suite("JSON string table")
struct JSONStringTableTests {
  /// Deterministic bytes (printable ASCII and some UTF-8 lead/continuation bytes).
  static func bytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
  }

  /// Whether two values are equal with keys in the same order, compared by exact bytes.
  static func identical(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return Array(x.utf8) == Array(y.utf8)
    case (.array(let x), .array(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
    case (.object(let x), .object(let y)):
      return x.count == y.count
        && zip(x, y).allSatisfy {
          Array($0.key.utf8) == Array($1.key.utf8) && identical($0.value, $1.value)
        }
    default: return a.structurallyEquals(b)
    }
  }

  /// Each line read with the shared table, checked against the line read on its own.
  static func checkLines(
    _ lines: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let text = lines.joined(separator: "\n")
    let read = Array(JSONLinesReader(bytes: Array(text.utf8)))
    #expect(read.count == lines.count, sourceLocation: sourceLocation)
    for (line, expected) in zip(read, lines) {
      let reference = JSONTestSupport.read(expected)
      switch (line.result, reference) {
      case (.success(let value), .success(let referenceValue)):
        #expect(
          identical(value, referenceValue), "line \(line.number): \(value)",
          sourceLocation: sourceLocation)
      case (.failure(let error), .failure(let referenceError)):
        #expect(error.message == referenceError.message, sourceLocation: sourceLocation)
        #expect(error.offset == referenceError.offset, sourceLocation: sourceLocation)
      default:
        Issue.record(
          "line \(line.number): \(line.result) vs \(reference)",
          sourceLocation: sourceLocation)
      }
    }
  }

  @Test("reading chunks in place gives the chunks and hash of reading byte by byte")
  func inPlaceChunks() {
    for count in 0...80 {
      for start in 0..<12 where start + count >= 8 {
        let bytes = Self.bytes(count: start + count + 3, seed: UInt64(count * 31 + start))
        bytes.withUnsafeBufferPointer { buffer in
          let base = buffer.baseAddress!
          let inPlace = JSONStringBytes(words: UnsafeRawPointer(base), start: start, count: count)
          let byBytes = JSONStringBytes(bytes: base + start, count: count)
          #expect(inPlace.count == count)
          #expect(inPlace.hash == byBytes.hash, "count \(count), start \(start)")
          #expect(
            [inPlace.w0, inPlace.w1, inPlace.w2, inPlace.w3]
              == [byBytes.w0, byBytes.w1, byBytes.w2, byBytes.w3], "count \(count), start \(start)")
        }
      }
    }
  }

  @Test("the hash of a string is the hash of its bytes; different bytes, different chunks")
  func stringHash() {
    let texts = [
      "", "a", "é", "e\u{301}", "abcdefgh", "abcdefghi", String(repeating: "x", count: 40),
    ]
    for text in texts {
      let bytes = Array(text.utf8)
      let expected = bytes.withUnsafeBufferPointer {
        JSONStringBytes(bytes: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count)
      }
      #expect(JSONStringBytes.hash(of: text) == expected.hash, "\(text)")
    }
    // Precomposed and decomposed é are different bytes, so different chunks (and in practice
    // different hashes; equal hashes would only cost a byte comparison).
    let precomposed = Array("é".utf8)
    let decomposed = Array("e\u{301}".utf8)
    let a = precomposed.withUnsafeBufferPointer {
      JSONStringBytes(bytes: $0.baseAddress!, count: 2)
    }
    let b = decomposed.withUnsafeBufferPointer { JSONStringBytes(bytes: $0.baseAddress!, count: 3) }
    #expect(a.w0 != b.w0 || a.count != b.count)
  }

  @Test("a tiny table hands back the string of exactly the bytes asked for, however they collide")
  func tinyTable() {
    // Two slots: almost every lookup evicts or collides.
    let table = JSONStringTable(bits: 1)
    var texts: [String] = []
    let base = "abcdefghijklmnopqrstuvwxyz012345"  // 32 bytes
    for length in [0, 1, 7, 8, 9, 15, 16, 17, 24, 25, 31, 32] {
      let prefix = String(base.prefix(length))
      texts.append(prefix)
      if length > 0 {
        // Differing only in the last byte, and only in the first.
        texts.append(String(prefix.dropLast()) + "!")
        texts.append("!" + String(prefix.dropFirst()))
      }
    }
    texts += ["é", "e\u{301}", "café", "cafe\u{301}", "Ω", "\u{2126}", "𝄞"]
    for round in 0..<3 {
      for text in texts + texts.reversed() {
        let bytes = Array(text.utf8)
        let string = bytes.withUnsafeBufferPointer { buffer in
          let key = JSONStringBytes(
            bytes: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: buffer.count)
          return table.cache.string(buffer, key: key, context: round == 1 ? UInt64(round) : nil)
        }
        #expect(Array(string.utf8) == bytes, "round \(round): \(text)")
      }
    }
  }

  @Test("keys that differ only late, by one byte or by length, stay distinct across lines")
  func lateDifferences() {
    var lines: [String] = []
    for length in [7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 64] {
      let stem = String(repeating: "k", count: length - 1)
      lines.append("{\"\(stem)a\":1,\"\(stem)b\":2,\"\(stem)\":3,\"\(stem)aa\":4}")
      lines.append("{\"\(stem)b\":\"\(stem)a\",\"\(stem)a\":\"\(stem)b\"}")
      lines.append("[\"\(stem)a\",\"\(stem)b\",{\"\(stem)a\":{\"\(stem)b\":null}}]")
    }
    Self.checkLines(lines + lines)
  }

  @Test("precomposed and decomposed keys are different keys, in one object and across lines")
  func normalisationForms() throws {
    let lines = [
      "{\"é\":1,\"e\u{301}\":2}",
      "{\"e\u{301}\":\"é\",\"é\":\"e\u{301}\"}",
      "{\"café_key_longer_than_thirty_two_bytes\":1,"
        + "\"cafe\u{301}_key_longer_than_thirty_two_bytes\":2}",
      "{\"é\":[\"é\",\"e\u{301}\"]}",
      "{\"e\u{301}\":[\"e\u{301}\",\"é\"]}",
    ]
    Self.checkLines(lines + lines.reversed())
    let read = Array(JSONLinesReader(bytes: Array(lines.joined(separator: "\n").utf8)))
    guard case .success(let first) = read[0].result, case .object(let object) = first else {
      Issue.record("line 1 not an object")
      return
    }
    #expect(object.keys.map { Array($0.utf8) } == [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
    guard case .success(let second) = read[1].result, case .object(let swapped) = second else {
      Issue.record("line 2 not an object")
      return
    }
    #expect(swapped.keys.map { Array($0.utf8) } == [[0x65, 0xCC, 0x81], [0xC3, 0xA9]])
  }

  @Test(
    "duplicate keys are found by exact bytes after unescaping, short and long, in lines",
    arguments: [
      ("{\"ab\":1,\"a\\u0062\":2}", 8),
      ("{\"a\\u0062\":1,\"ab\":2}", 13),
      ("{\"é\":1,\"\\u00e9\":2}", 8),
      ("{\"x\":0,\"é\":1,\"y\":2,\"é\":3}", 20),
      ("{\"\":1,\"\":2}", 6),
      (
        "{\"a_key_that_is_longer_than_32_bytes!\":1,\"a_key_that_is_longer_than_32_bytes!\":2}",
        41
      ),
      (
        "{\"a_key_that_is_longer_than_32_bytes!\":1,"
          + "\"a_key_that_is_longer_than_32_bytes\\u0021\":2}",
        41
      ),
    ])
  func duplicates(_ text: String, offset: Int) {
    // Twice, so that the second time the keys come from the table.
    let read = Array(JSONLinesReader(bytes: Array((text + "\n" + text).utf8)))
    #expect(read.count == 2)
    for line in read {
      guard case .failure(let error) = line.result else {
        Issue.record("accepted: \(text)")
        continue
      }
      #expect(error.message.hasPrefix("duplicate key "), "\(error)")
      #expect(error.offset == offset, "\(text)")
    }
  }

  @Test("objects with more than 16 keys still find a duplicate and keep distinct keys")
  func wideObjects() {
    let keys = (0..<40).map { "key_\($0)_" + String(repeating: "z", count: $0) }
    let members = keys.enumerated().map { "\"\($1)\":\($0)" }
    let good = "{" + members.joined(separator: ",") + "}"
    let bad =
      "{"
      + (members + ["\"key_30_\(String(repeating: "z", count: 30))\":0"])
      .joined(separator: ",") + "}"
    Self.checkLines([good, bad, good])
    let read = Array(JSONLinesReader(bytes: Array([good, bad].joined(separator: "\n").utf8)))
    guard case .failure(let error) = read[1].result else {
      Issue.record("duplicate accepted")
      return
    }
    #expect(error.message.hasPrefix("duplicate key \"key_30_"))
  }

  @Test("wide objects inside wide objects keep their own key sets, also after a failed line")
  func nestedWideObjects() {
    func object(_ prefix: String, count: Int, inner: String? = nil, at position: Int = -1,
      duplicate: Int? = nil) -> String
    {
      var members = (0..<count).map { "\"\(prefix)\($0)\":\($0)" }
      if let inner { members.insert("\"\(prefix)inner\":\(inner)", at: position) }
      if let duplicate { members.append("\"\(prefix)\(duplicate)\":0") }
      return "{" + members.joined(separator: ",") + "}"
    }
    // The inner object's keys are the outer's too: they clash only within one object.
    let inner = object("k", count: 20)
    let lines = [
      object("k", count: 20, inner: inner, at: 18),
      object("k", count: 20, inner: inner, at: 3),
      object("k", count: 20, inner: object("k", count: 18, duplicate: 17), at: 18),
      object("k", count: 20, inner: inner, at: 18, duplicate: 19),
      object("k", count: 20, inner: inner, at: 18, duplicate: 2),
      "[" + [inner, object("k", count: 30, duplicate: 25), inner].joined(separator: ",") + "]",
      object("k", count: 20, inner: "[" + inner + "," + inner + "]", at: 19),
      object("k", count: 20, inner: inner, at: 18),
    ]
    Self.checkLines(lines + lines.reversed())
    let read = Array(JSONLinesReader(bytes: Array(lines.joined(separator: "\n").utf8)))
    #expect(read.map { if case .success = $0.result { true } else { false } }
      == [true, true, false, false, false, false, true, true])
  }

  @Test("a predicted key is taken only when the bytes are exactly it, followed by its quote")
  func predictedKeys() {
    // Each line first teaches the chain "alpha" -> "beta" -> "gamma", then differs from it.
    let teach = "{\"padding\":0,\"alpha\":1,\"beta\":2,\"gamma\":3}"
    let variants = [
      "{\"padding\":0,\"alpha\":1,\"betas\":2,\"gamma\":3}",  // longer than predicted
      "{\"padding\":0,\"alpha\":1,\"bet\":2,\"gamma\":3}",  // shorter
      "{\"padding\":0,\"alpha\":1,\"b\\u0065ta\":2,\"gamma\":3}",  // escaped, same key
      "{\"padding\":0,\"alpha\":1,\"beta\\\"\":2,\"gamma\":3}",  // escaped quote after
      "{\"padding\":0,\"alpha\":1,\"gamma\":3,\"beta\":2}",  // reordered
      "{\"padding\":0,\"alpha\":1,\"beta\":2,\"beta\":3}",  // duplicate of a prediction
      "{\"padding\":0,\"alpha\":1,\"be\u{301}ta\":2,\"gamma\":3}",  // non-ASCII
      "{\"padding\":0,\"alpha\":1,\"beta",  // cut off inside the predicted key
      "{\"padding\":0,\"alpha\":1,\"beta\"",  // cut off after it
    ]
    Self.checkLines(variants.flatMap { [teach, teach, $0] })
    // The string limit still applies to a predicted key, even one learned under other limits.
    let table = JSONStringTable()
    let text = Array("{\"key\":1,\"abcdef\":2}".utf8)
    func read(_ limits: JSONLimits) -> Result<Value, JSONError> {
      text.withUnsafeBytes { raw in
        Result { () throws(JSONError) -> Value in
          try JSONReader.read(raw, limits: limits, strings: table.cache)
        }
      }
    }
    #expect((try? read(.default).get()) != nil)
    #expect((try? read(.default).get()) != nil)
    guard case .failure(let error) = read(JSONLimits(maximumStringBytes: 5)) else {
      Issue.record("over-long key accepted")
      return
    }
    #expect(error.message.hasPrefix("string longer than"))
    #expect(error.offset == 9)
  }

  @Test("a key that matches the prediction but for one byte, in any word, is not taken for it")
  func predictionsDifferingInOneByte() {
    var lines: [String] = []
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    for length in 1...33 {
      let key = Array(alphabet[0..<length])
      let taught = "{\"padding\":0,\"\(String(key))\":1,\"next\":2}"
      for position in 0..<length {
        var other = key
        other[position] = "Z"
        // The changed key, then the taught key with the changed one after it as a duplicate.
        lines += [
          taught, taught, "{\"padding\":0,\"\(String(other))\":1,\"next\":2}",
          taught, "{\"padding\":0,\"\(String(key))\":1,\"\(String(other))\":2}",
        ]
      }
    }
    Self.checkLines(lines)
  }

  @Test("a key within a line's first eight bytes is predicted and read exactly")
  func predictedKeysAtLineStart() {
    // The first key of a line lies before byte 8, so it is read as the word at its start:
    // each variant follows lines that taught "a" (or the empty key) as the first key.
    let teach = ["{\"a\":1,\"b\":2,\"c\":3}", "{\"\":1,\"b\":2,\"c\":3}", "{\"abcde\":1,\"b\":2}"]
    let variants = [
      "{\"ab\":1,\"b\":2}", "{\"\":1}", "{\"a\":1}", "{\"a\"", "{\"a", "{\"a\":1,\"a\":2}",
      "{\"\\u0061\":1,\"b\":2}", "{\"\u{E9}\":1,\"b\":2}", "{\"abcd\":1,\"b\":2}",
      "{\"abcdef\":1,\"b\":2}", " {\"a\":1,\"b\":2}", "{ \"a\" :1,\"b\":2}",
      "{\"a\u{1}\":1,\"b\":2}", "[{\"a\":1,\"b\":2}]", "{\"b\":2,\"a\":1}",
    ]
    Self.checkLines(teach.flatMap { taught in variants.flatMap { [taught, taught, $0] } })
  }

  @Test("keys in the same place of differently shaped lines are predicted and read exactly")
  func shapes() {
    // The same keys under different parents and in different orders, objects in arrays, and
    // lines whose shapes alternate, so that predictions keep being right and wrong.
    let a =
      "{\"id\":\"x_1\",\"budget\":{\"limit\":1,\"spent\":2},\"state\":\"open\","
      + "\"items\":[{\"sku\":\"a\",\"state\":\"new\"},{\"sku\":\"b\"}],"
      + "\"previous\":{\"budget\":{\"limit\":1,\"spent\":2},\"state\":\"closed\"}}"
    let b =
      "{\"id\":\"x_2\",\"payment\":{\"state\":\"paid\",\"limit\":3},"
      + "\"budget\":{\"spent\":2,\"limit\":1},\"state\":\"open\","
      + "\"items\":[{\"state\":\"new\",\"sku\":\"a\"},{\"skus\":\"b\"},{\"sk\":1}],"
      + "\"previous\":{\"state\":\"closed\",\"budget\":{\"limit\":1,\"spent\":2}}}"
    let c = "[{\"budget\":{\"limit\":1,\"limit\":2}},{\"state\":{\"state\":{\"state\":0}}}]"
    Self.checkLines([a, a, b, a, b, b, c, a, c, b, a])
  }

  @Test("a document reader reads correctly after documents that failed half-way")
  func documentReaderReuse() {
    let reader = JSONDocumentReader(limits: JSONLimits(maximumDocumentBytes: 64, maximumValues: 8))
    let documents = [
      "{\"a\":[1,{\"b\":2}],\"c\":", "[[1,2],[3", "{\"a\":[1,{\"b\":2}],\"c\":3}",
      "{\"x\":1,\"x\":2}", "[{\"a\":1},{\"a\":1}]", "\"plain\"", "[1,2,3,4,5,6,7]",
      "[1e40,1e20]", "[1e40]", "[1e40]", "[[[[{\"deep\":[1,2,3,4,5,6,7,8]}]]]]",
    ]
    for text in documents + documents.reversed() + documents {
      let bytes = Array(text.utf8)
      let result = bytes.withUnsafeBytes { raw in
        Result { () throws(Diagnostic) -> Value in try reader.read(raw) }
      }
      switch (result, JSONTestSupport.read(bytes, limits: reader.limits)) {
      case (.success(let value), .success(let expected)):
        #expect(Self.identical(value, expected), "\(text)")
      case (.failure(let error), .failure(let expected)):
        #expect(error == expected, "\(text)")
      case (let got, let expected):
        Issue.record("\(text): \(got) vs \(expected)")
      }
    }
  }

  @Test("random lines over a small vocabulary read the same with the shared table as alone")
  func randomVocabulary() {
    var generator = JSONValueGenerator(seed: 42)
    // Random Unicode strings (control characters and quotes, so escapes, included) and
    // near-misses: one byte apart, around the 32-byte limit, the two forms of é.
    let vocabulary =
      (0..<12).map { _ in generator.string() }
      + [
        "allocation_micro", "allocation_micra", "allocation_micr", "é", "e\u{301}",
        String(repeating: "k", count: 31), String(repeating: "k", count: 32),
        String(repeating: "k", count: 33), "",
      ]
    var random = SeededGenerator(seed: 9)
    func value(depth: Int) -> Value {
      switch Int.random(in: 0..<(depth >= 4 ? 3 : 6), using: &random) {
      case 0: return .number(Number(Int.random(in: -5...5, using: &random)))
      case 1, 2: return .string(vocabulary.randomElement(using: &random)!)
      case 3:
        return .array(
          (0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth: depth + 1) })
      default:
        var members: [(key: String, value: Value)] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) {
          let key = vocabulary.randomElement(using: &random)!
          if members.contains(where: { Value.scalarsEqual($0.key, key) }) { continue }
          members.append((key, value(depth: depth + 1)))
        }
        return .object(ObjectValue(members))
      }
    }
    // A few shapes repeated (as snapshots are), then fresh ones.
    let shapes = (0..<6).map { _ in JSONWriter.canonical(value(depth: 0)) }
    var lines: [String] = []
    for index in 0..<600 {
      lines.append(
        index % 3 == 0
          ? JSONWriter.canonical(value(depth: 0)) : shapes.randomElement(using: &random)!)
    }
    Self.checkLines(lines)
  }

  @Test("with two slots and two predictions, which nested keys overwrite, keys still read exactly")
  func collidingPredictions() throws {
    // Every context shares one of two prediction entries and nested objects keep overwriting
    // them and the slots, so predictions are often stale and must only be taken on exact bytes.
    let keys = ["a", "b", "ab", "ba", "allocation_micro", "allocation_micra", "é", "e\u{301}"]
    var random = SeededGenerator(seed: 17)
    func object(depth: Int) -> String {
      var used: [String] = []
      var members: [String] = []
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        let key = keys.randomElement(using: &random)!
        if used.contains(where: { Array($0.utf8) == Array(key.utf8) }) { continue }
        used.append(key)
        let value =
          depth < 3 && Bool.random(using: &random)
          ? object(depth: depth + 1) : "\"" + keys.randomElement(using: &random)! + "\""
        members.append("\"\(key)\":\(value)")
      }
      return "{" + members.joined(separator: ",") + "}"
    }
    let documents = (0..<300).map { _ in Array(object(depth: 0).utf8) }
    for (bits, predictionBits) in [(1, 1), (2, 1), (1, 2)] {
      let table = JSONStringTable(bits: bits, predictionBits: predictionBits)
      for _ in 0..<2 {
        for document in documents {
          let shared = try document.withUnsafeBytes { raw throws(JSONError) in
            try JSONReader.read(raw, limits: .default, strings: table.cache)
          }
          let alone = try document.withUnsafeBytes { raw throws(JSONError) in
            try JSONReader.read(raw, limits: .default, strings: nil)
          }
          #expect(
            Self.identical(shared, alone), "\(String(decoding: document, as: UTF8.self))")
        }
      }
    }
  }

  @Test("a special byte at each position of an eight-byte word is found exactly")
  func specialBytePositions() {
    for prefix in 0..<20 {
      let filler = String(repeating: "a", count: prefix)
      // Control character: an error at that byte.
      let control = JSONTestSupport.error(reading: "[\"\(filler)\u{01}bcdefghijk\"]")
      #expect(control?.offset == 2 + prefix)
      #expect(control?.message.contains("control character") == true)
      // Invalid UTF-8: an error at that byte.
      var bytes = Array("[\"\(filler)".utf8) + [0xFF] + Array("bcdefghijk\"]".utf8)
      guard case .failure(let invalid) = JSONTestSupport.read(bytes) else {
        Issue.record("invalid UTF-8 accepted at \(prefix)")
        continue
      }
      #expect(invalid.offset == 2 + prefix)
      #expect(invalid.message == "invalid UTF-8 in string")
      // Valid non-ASCII, an escape and the closing quote at that position read back exactly.
      for tail in ["é and more text", "𝄞", "\\n after", ""] {
        let text = "[\"\(filler)\(tail)\"]"
        guard case .success(.array(let elements)) = JSONTestSupport.read(text),
          case .string(let string) = elements.first
        else {
          Issue.record("not read: \(text)")
          continue
        }
        #expect(string == filler + tail.replacingOccurrences(of: "\\n", with: "\n"))
      }
      // A control character after an invalid byte is reported first, as is a missing quote.
      bytes = Array("[\"\(filler)".utf8) + [0xC3, 0x28, 0x09] + Array("\"]".utf8)
      guard case .failure(let first) = JSONTestSupport.read(bytes) else {
        Issue.record("accepted")
        continue
      }
      #expect(first.message.contains("control character"))
      #expect(first.offset == 4 + prefix)
      bytes = Array("[\"\(filler)".utf8) + [0xFF] + Array("abcdefghijklmnop".utf8)
      guard case .failure(let unterminated) = JSONTestSupport.read(bytes) else {
        Issue.record("accepted")
        continue
      }
      #expect(unterminated.message == "unterminated string")
    }
  }

  @Test("a document of 64 KiB or more shares one table and reads as without it")
  func largeDocument() throws {
    let element =
      "{\"account_id\":\"acct_1\",\"allocation_micro\":\"12\",\"state\":\"ACTIVE\","
      + "\"é\":\"e\u{301}\",\"e\u{301}\":\"é\"}"
    let text = "[" + Array(repeating: element, count: 2_000).joined(separator: ",") + "]"
    #expect(text.utf8.count >= 1 << 16)
    let bytes = Array(text.utf8)
    let shared = try JSONReader.read(bytes)
    let separate = try bytes.withUnsafeBytes { raw throws(JSONError) in
      try JSONReader.read(raw, limits: .default, strings: nil)
    }
    #expect(Self.identical(shared, separate))
  }

  /// The address of a string's UTF-8 storage (strings of more than 15 bytes are stored out of
  /// line, so two strings with the same address share their storage).
  static func storageAddress(_ value: Value) -> UnsafeRawPointer? {
    guard case .string(var string) = value else { return nil }
    return string.withUTF8 { UnsafeRawPointer($0.baseAddress) }
  }

  @Test("a table slot fills exactly one 64-byte cache line")
  func slotLayout() {
    #expect(MemoryLayout<JSONStringCache.Slot>.stride == 64)
    let table = JSONStringTable()
    #expect(Int(bitPattern: table.cache.slots) % 64 == 0)
  }

  @Test("values that keep missing are built without lookups, and are looked up again later")
  func valueMisses() {
    // In context `v`: 40 values read once, then one recurring value; in context `w`, values
    // that alternate between recurring and new. (Every value is longer than 15 bytes.)
    let recurring = "recurring-value-0000001"
    var lines: [String] = []
    for index in 0..<40 {
      lines.append("{\"v\":\"unique-value-\(100_000 + index)\",\"w\":\"\(recurring)\"}")
    }
    for index in 0..<600 {
      let w = index % 2 == 0 ? recurring : "alternating-\(100_000 + index)"
      lines.append("{\"v\":\"\(recurring)\",\"w\":\"\(w)\"}")
    }
    Self.checkLines(lines)
    let read = JSONLinesReader(bytes: Array(lines.joined(separator: "\n").utf8)).map {
      (try? $0.result.get()) ?? .null
    }
    let v = read.map { Self.storageAddress($0["v"]) }
    // `v` missed long enough to be skipped, so the recurring value is at first built anew
    // for each line; the count wraps around within 256 values and sharing resumes.
    #expect(v[41] != v[42])
    #expect(v[40 + 300] != nil && v[40 + 300] == v[40 + 301])
    #expect(v[read.count - 2] == v[read.count - 1])
    // `w` hits every other value, so its recurring value stays shared throughout.
    let w = read.map { Self.storageAddress($0["w"]) }
    #expect(w[0] != nil && w[1] == w[0])
    #expect(w[40] == w[0] && w[read.count - 2] == w[0])
  }

  /// Contents of every small-string length (0 to 15 bytes), ASCII and not, and some of 16 bytes
  /// or more, which are not small.
  static let smallStringContents: [String] =
    (0...15).map { String(repeating: "a", count: $0) } + [
      "é", "a€", "𝄞", "ab𝄞cd", "ééééééé", "abcdefghijklmé", "€€€€€",
      "abcdefghijklmnop", "ééééééééé", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ]

  @Test(
    "strings built from bytes in place are exactly the strings String(decoding:) makes",
    arguments: smallStringContents)
  func stringsBuiltInPlace(text: String) {
    let utf8 = Array(text.utf8)
    let expected = String(decoding: utf8, as: UTF8.self)
    // Offsets below and above the 8 bytes before the end that reading words in place needs.
    for offset in [0, 1, 5, 8, 13] {
      let buffer = [UInt8](repeating: UInt8(ascii: "x"), count: offset) + utf8 + [0x22]
      buffer.withUnsafeBufferPointer { bytes in
        let built = makeInlineString(in: bytes.baseAddress!, start: offset, count: utf8.count)
        #expect(Array(built.utf8) == utf8, "offset \(offset)")
        // A longer string has storage of its own: its count and flags must still be the same.
        let (builtBits, expectedBits) = (
          StandardLibraryLayout.bits(of: built), StandardLibraryLayout.bits(of: expected)
        )
        #expect(
          utf8.count <= 15 ? builtBits == expectedBits : builtBits.0 == expectedBits.0,
          "offset \(offset)")
        #expect(built.isContiguousUTF8 && built.unicodeScalars.count == text.unicodeScalars.count)
        guard utf8.count <= 15 else { return }
        let chunks = JSONStringBytes(bytes: bytes.baseAddress! + offset, count: utf8.count)
        let small = StandardLibraryLayout.smallString(
          chunks.w0, chunks.w1, count: utf8.count, inline: StandardLibraryLayout.holds)
        #expect(StandardLibraryLayout.bits(of: small) == expectedBits, "offset \(offset)")
        #expect(small == text && Value.scalarsEqual(small, text))
      }
    }
  }

  @Test("short strings written in the inline form read as the standard library builds them")
  func inlineAndLibraryStringsAgree() {
    #expect(StandardLibraryLayout.holds == StandardLibraryLayout.isCompiledIn)
    var lines: [String] = []
    for (index, text) in Self.smallStringContents.enumerated() {
      for round in 0..<6 {
        let padding = String(repeating: "x", count: round)
        lines.append(
          "{\"s\":\"\(text)\",\"u\":\"\(text)\(index * 8 + round)\",\"\(padding)\(text)\":"
            + "[\"\(padding)\(text)\"]}")
      }
    }
    let inline = JSONStringTable()
    let library = JSONStringTable(inlineStrings: false)
    #expect(
      inline.cache.inlineStrings == StandardLibraryLayout.holds && !library.cache.inlineStrings)
    for line in lines {
      let bytes = Array(line.utf8)
      let values = [inline, library].map { table in
        bytes.withUnsafeBytes { raw in
          try? JSONReader.read(raw, limits: .default, strings: table.cache)
        }
      }
      guard let first = values[0], let second = values[1] else {
        Issue.record("not read: \(line)")
        continue
      }
      #expect(Self.identical(first, second), "\(line)")
      guard case .object(let object) = first, case .string(let text)? = object["s"] else {
        Issue.record("unexpected shape: \(line)")
        continue
      }
      // A short string has exactly the library's bits (a long one points to its own storage).
      let built = String(decoding: Array(text.utf8), as: UTF8.self)
      #expect(
        text.utf8.count > 15
          || StandardLibraryLayout.bits(of: text) == StandardLibraryLayout.bits(of: built))
    }
  }

  @Test("short strings read the same from the table, from a skipping context and alone")
  func shortStringValues() {
    var lines: [String] = []
    for (index, text) in Self.smallStringContents.enumerated() {
      // `s` recurs (table hits), `u` is new each line (its context stops looking up), `k`
      // makes a key of it; a leading `x` shifts the bytes against word boundaries.
      for round in 0..<8 {
        let padding = String(repeating: "x", count: round)
        let unique = "\(text)\(index * 8 + round)"
        lines.append("{\"s\":\"\(text)\",\"u\":\"\(unique)\",\"\(padding)\(text)\":1}")
      }
      lines.append("\"\(text)\"")
    }
    Self.checkLines(lines)
  }

  @Test(
    "a string is small exactly when it has at most 15 bytes; a copy of it is the same string",
    arguments: smallStringContents)
  func smallStringCopies(text: String) {
    let utf8 = Array(text.utf8)
    let built = String(decoding: utf8, as: UTF8.self)
    // A literal is an immortal (not small) string when long, a concatenation a native one.
    for string in [built, text, text + "", String(text.unicodeScalars)] {
      var string = string
      let small = withUnsafeBytes(of: &string) {
        StandardLibraryLayout.isSmall($0.baseAddress!)
      }
      #expect(small == (utf8.count <= 15) || !StandardLibraryLayout.holds)
      let copy = withUnsafePointer(to: &string) {
        StandardLibraryLayout.copy($0, inline: StandardLibraryLayout.holds)
      }
      #expect(
        StandardLibraryLayout.bits(of: copy) == StandardLibraryLayout.bits(of: string)
          && copy == text)
    }
  }

  /// `text` read from `bytes` without a table, with a table that writes inline strings (both
  /// take short plain values as words) and with one that leaves strings to the standard
  /// library (which reads every string byte by byte): the three results, which must agree.
  static func readThreeWays(_ bytes: [UInt8], limits: JSONLimits = .default)
    -> [Result<Value, JSONError>]
  {
    let tables = [JSONStringTable(), JSONStringTable(inlineStrings: false)]
    return [nil, tables[0].cache, tables[1].cache].map { strings in
      bytes.withUnsafeBytes { raw in
        Result { () throws(JSONError) -> Value in
          try JSONReader.read(raw, limits: limits, strings: strings)
        }
      }
    }
  }

  @Test("short string values read as words: every special byte at every position, at the end")
  func shortValuesAsWords() {
    var checked = 0
    for count in 0...18 {
      for position in 0...count {
        // The special byte (or none) at `position` of a `count`-byte plain content.
        for special in [nil, [0x5C, 0x6E], [0x01], [0x1F], [0x7F], [0xC3, 0xA9], [0xFF]]
          as [[UInt8]?]
        {
          var content = [UInt8](repeating: UInt8(ascii: "7"), count: count)
          if let special { content.replaceSubrange(position..<position, with: special) }
          let expected: Value?
          switch special {
          case nil, [0x7F]?: expected = .string(String(decoding: content, as: UTF8.self))
          case [0x5C, 0x6E]?:
            var unescaped = content
            unescaped.replaceSubrange(position..<position + 2, with: [0x0A])
            expected = .string(String(decoding: unescaped, as: UTF8.self))
          case [0xC3, 0xA9]?: expected = .string(String(decoding: content, as: UTF8.self))
          default: expected = nil
          }
          let string = [0x22] + content + [0x22]
          // Alone (ending at the buffer's end), last in an object, and followed by more.
          let documents: [[UInt8]] = [
            string, Array("{\"k\":".utf8) + string + [0x7D],
            Array("[1,".utf8) + string + Array(",\"abcdefghijklmnopq\"]".utf8),
            string + [0x20],
          ]
          for document in documents {
            let results = Self.readThreeWays(document)
            for result in results {
              switch (result, expected) {
              case (.success(let value), let expected?):
                let found: Value?
                switch value {
                case .object(let object): found = object["k"]
                case .array(let elements): found = elements[1]
                default: found = value
                }
                #expect(
                  found.map { Self.identical($0, expected) } == true,
                  "\(document): \(value)")
              case (.failure(let error), nil):
                // The special byte's own offset in the document (after the opening quote).
                let quote =
                  document.first == UInt8(ascii: "[") ? 3 : document.first == 0x7B ? 5 : 0
                #expect(error.offset == quote + 1 + position, "\(document): \(error)")
              default:
                let wanted = expected.map { "\($0)" } ?? "an error"
                Issue.record("\(document): \(result), expected \(wanted)")
              }
            }
            checked += 1
          }
        }
      }
    }
    #expect(checked > 1_000)
  }

  @Test("short string values over the string limit are refused as before, at their quote")
  func shortValuesOverTheLimit() {
    var limits = JSONLimits.default
    limits.maximumStringBytes = 5
    for count in 0...17 {
      let content = String(repeating: "x", count: count)
      for text in ["\"\(content)\"", "{\"a\":\"\(content)\"}", "[\"\(content)\",1]"] {
        let offset = text.hasPrefix("{") ? 5 : text.hasPrefix("[") ? 1 : 0
        for result in Self.readThreeWays(Array(text.utf8), limits: limits) {
          switch result {
          case .success(let value):
            #expect(count <= 5, "\(text) accepted: \(value)")
          case .failure(let error):
            #expect(count > 5, "\(text): \(error)")
            #expect(error.message == "string longer than the 5-byte limit")
            #expect(error.offset == offset)
          }
        }
      }
    }
  }

  @Test("a colon or a comma and the quote after it found together read as when apart")
  func colonThenQuote() {
    let lines = [
      #"{"limit":"560269953287","spent":"472524027064","k":{"a":"b","c":[1,"x"]},"z":""}"#,
      #"{"a":"\u0041","b":"é","c":"x\"y","d":"\u0001","e":1,"f":"ab\ncd"}"#,
      #"[{"a":"b"},{"a":"b","a":"c"}]"#,
    ]
    var documents: [[UInt8]] = []
    for line in lines {
      let bytes = Array(line.utf8)
      for cut in 1...bytes.count { documents.append(Array(bytes[..<cut])) }
      // A control byte, a quote, a colon, a comma or a brace put in each place.
      for position in bytes.indices {
        for byte in [0x01, 0x22, 0x3A, 0x2C, 0x7D] as [UInt8] {
          var mutated = bytes
          mutated[position] = byte
          documents.append(mutated)
        }
      }
    }
    var decided = 0
    for document in documents {
      // The same document with a space after every `:` and `,` outside strings that a `"`
      // follows: read apart.
      var spaced: [UInt8] = []
      var shifts: [Int] = []
      var inString = false
      var escaped = false
      for (position, byte) in document.enumerated() {
        spaced.append(byte)
        shifts.append(spaced.count - 1 - position)
        if inString {
          if escaped {
            escaped = false
          } else if byte == 0x5C {
            escaped = true
          } else if byte == 0x22 {
            inString = false
          }
        } else if byte == 0x22 {
          inString = true
        } else if byte == 0x3A || byte == 0x2C, position + 1 < document.count,
          document[position + 1] == 0x22
        {
          spaced.append(0x20)
        }
      }
      let results = [document, spaced].map { Self.readThreeWays($0) }
      for (compact, apart) in zip(results[0], results[1]) {
        switch (compact, apart) {
        case (.success(let x), .success(let y)):
          #expect(Self.identical(x, y), "\(document)")
          decided += 1
        case (.failure(let x), .failure(let y)):
          #expect(x.message == y.message, "\(document)")
          let shift = x.offset < shifts.count ? shifts[x.offset] : spaced.count - document.count
          #expect(x.offset + shift == y.offset, "\(document): \(x) vs \(y)")
          decided += 1
        default:
          Issue.record("\(document): \(compact) vs \(apart)")
        }
      }
    }
    #expect(decided == documents.count * 3)
  }
}
