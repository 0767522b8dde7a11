import Testing

@testable import ConstraintEngine

@Suite("Builtins: DAG")
struct BuiltinGraphTests {
  static func items(_ pairs: [(String, [String])]) -> J {
    .array(pairs.map { pair in
      .object([("id", .string(pair.0)), ("next", .array(pair.1.map { .string($0) }))])
    })
  }

  /// A chain of `count` items, each pointing at the next.
  static func line(_ count: Int) -> J {
    .array((0..<count).map { index in
      .object([("id", .string("n\(index)")),
        ("next", index + 1 < count ? .string("n\(index + 1)") : .null)])
    })
  }

  static let cases: [BuiltinCase] = [
    BuiltinCase("is_valid_dag", [[], "id"], .pass),
    BuiltinCase("is_valid_dag", [[
      ["id": "A", "l": "B", "r": "C"], ["id": "B", "l": "D"], ["id": "C", "l": "D"], ["id": "D"],
    ], "id", "l", "r"], .pass),
    BuiltinCase("is_valid_dag", [[["id": "A", "n": "B"], ["id": "B", "n": "A"]], "id", "n"],
      .fail),
    BuiltinCase("is_valid_dag", [[["id": "A", "n": "A"]], "id", "n"], .fail),
    BuiltinCase("is_valid_dag", [[["id": "A", "n": "Z"]], "id", "n"], .fail),
    BuiltinCase("is_valid_dag", [[["id": "A"], ["id": "A"]], "id"], .fail),
    BuiltinCase("is_valid_dag", [[["id": "A"], ["name": "B"]], "id"], .failed,
      message: "item 1 field `id` must be a string id, got a missing value"),
    BuiltinCase("is_valid_dag", [[["id": "A"], ["id": 2]], "id"], .failed,
      message: "the number 2"),
    BuiltinCase("is_valid_dag", [items([("A", ["B", "C"]), ("B", ["C"]), ("C", [])]), "id",
      "next"], .pass),
    BuiltinCase("is_valid_dag", [items([("A", ["B"]), ("B", ["C"]), ("C", ["A"])]), "id",
      "next"], .fail),
    BuiltinCase("is_valid_dag", [[["meta": ["id": "A"], "p": ["q": "B"]], ["meta": ["id": "B"]]],
      "meta.id", "p.q"], .pass),
    BuiltinCase("is_valid_dag", [.missing, "id"], .invalidArgument(0)),
    BuiltinCase("is_valid_dag", [["A"], "id"], .failed, message: "item 0 must be an object"),
    BuiltinCase("is_valid_dag", [[["id": "A", "n": 5]], "id", "n"], .failed,
      message: "string or an array of strings"),
    BuiltinCase("is_valid_dag", [[["id": "A", "n": [5]]], "id", "n"], .failed,
      message: "not an id string"),
    BuiltinCase("is_valid_dag", [line(10_000), "id", "next"], .pass),
    BuiltinCase("is_valid_dag", [line(10_001), "id", "next"], .invalidArgument(0),
      message: "cap of 10000"),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }

  @Test func operationCapIsAnError() {
    // 1,000 items each referencing 120 others: 120,000 edges exceed the 100,000 cap.
    let count = 1_000
    let graph: J = .array((0..<count).map { index in
      .object([("id", .string("n\(index)")),
        ("refs", .array((1...120).map { .string("n\((index + $0) % count)") }))])
    })
    let (outcome, message) = callBuiltin("is_valid_dag", [graph, "id", "refs"])
    #expect(outcome == .failed)
    #expect(message?.contains("100000 operations") == true)
  }
}

@Suite("Builtins: state")
struct BuiltinStateTests {
  static let state = EvaluationContext(state: ([
    "nonce_windows": ["agent-a": ["n1", "n2"], "agent-b": []],
    "sequences": ["s1|0": "41", "s1|1": 3],
    "key_versions": ["s1": "0", "s2": "5"],
    "cluster_id": "c1",
    "signoffs": ["sha256:ABCDEF", "sha256:123"],
  ] as J).value)
  static let genesisOverride = EvaluationContext(state: (["genesis_hash": "g0"] as J).value)
  static let badState = EvaluationContext(state: ([
    "nonce_windows": ["agent-a": "n1"], "sequences": [], "signoffs": "x",
  ] as J).value)

  static func sequenceRecord(_ cluster: J, _ signer: J, _ sequence: J, _ version: J) -> J {
    ["cluster_id": cluster, "signer_id": signer, "sequence": sequence, "key_version": version]
  }

  static func sequence(
    _ record: J, _ context: EvaluationContext, _ expected: BuiltinResult, message: String? = nil
  ) -> BuiltinCase {
    BuiltinCase("sequence_monotonic_per_cluster",
      [record, "cluster_id", "signer_id", "sequence", "key_version"], expected, message: message,
      context: context)
  }

  static let cases: [BuiltinCase] = [
    // nonce_unique_per_signer_window
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-a", "nonce": "n3"], "signer_id", "nonce"], .pass, context: state),
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-a", "nonce": "n2"], "signer_id", "nonce"], .fail, context: state),
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-z", "nonce": "n1"], "signer_id", "nonce"], .pass, context: state),
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-a", "nonce": "n1"], "signer_id", "nonce"], .deferred),
    BuiltinCase("nonce_unique_per_signer_window", [.null, "signer_id", "nonce"],
      .invalidArgument(0)),
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-a"], "signer_id", "nonce"], .invalidArgument(0), message: "nonce"),
    BuiltinCase("nonce_unique_per_signer_window",
      [["signer_id": "agent-a", "nonce": "n1"], "signer_id", "nonce"], .failed,
      context: badState),
    // sequence_monotonic_per_cluster
    sequence(sequenceRecord("c1", "s1", "42", "0"), state, .pass),
    sequence(sequenceRecord("c1", "s1", "41", "0"), state, .fail),
    sequence(sequenceRecord("c1", "s1", "1", "0"), state, .fail),
    sequence(sequenceRecord("c1", "s1", "4", "1"), state, .pass),
    sequence(sequenceRecord("c1", "s1", "1", "2"), state, .pass),
    sequence(sequenceRecord("c2", "s1", "99", "1"), state, .fail),
    sequence(sequenceRecord("c1", "s9", "0", "0"), state, .pass),
    sequence(sequenceRecord("c1", "s2", "100", "4"), state, .fail),
    sequence(sequenceRecord("c1", "s2", "1", "5"), state, .pass),
    sequence(sequenceRecord("c1", "s1", "42", "0"), .empty, .deferred),
    sequence(sequenceRecord("c1", "s1", "007", "1"), .empty, .invalidArgument(0),
      message: "leading zeros"),
    sequence(sequenceRecord("c1", "s1", "-1", "1"), state, .invalidArgument(0)),
    sequence(sequenceRecord("c1", .null, "1", "1"), state, .invalidArgument(0),
      message: "signer_id"),
    sequence(sequenceRecord("c1", "s1", 50, 1), state, .pass),
    sequence(sequenceRecord("c1", "s1", "5", "1"), badState, .failed, message: "sequences"),
    // chain_validator_prev_hash
    BuiltinCase("chain_validator_prev_hash", [[], "entry_hash", "previous_hash"], .pass),
    BuiltinCase("chain_validator_prev_hash", [[
      ["entry_hash": "h1", "previous_hash": "genesis:cluster-ledger"],
      ["entry_hash": "h2", "previous_hash": "h1"],
    ], "entry_hash", "previous_hash"], .pass),
    BuiltinCase("chain_validator_prev_hash", [[
      ["entry_hash": "h1", "previous_hash": "genesis:other"],
    ], "entry_hash", "previous_hash"], .fail),
    BuiltinCase("chain_validator_prev_hash", [[
      ["entry_hash": "h1", "previous_hash": "genesis:cluster-ledger"],
      ["entry_hash": "h2", "previous_hash": "h0"],
    ], "entry_hash", "previous_hash"], .fail),
    BuiltinCase("chain_validator_prev_hash", [[["entry_hash": "h1", "previous_hash": "g0"]],
      "entry_hash", "previous_hash"], .pass, context: genesisOverride),
    BuiltinCase("chain_validator_prev_hash", ["h1", "entry_hash", "previous_hash"],
      .invalidArgument(0)),
    BuiltinCase("chain_validator_prev_hash", [[["entry_hash": "h1"]], "entry_hash",
      "previous_hash"], .failed, message: "chain[0].previous_hash"),
    // plan_content_hash_unchanged_since_signoff
    BuiltinCase("plan_content_hash_unchanged_since_signoff", ["sha256:abcdef"], .pass,
      context: state),
    BuiltinCase("plan_content_hash_unchanged_since_signoff", ["sha256:abcdee"], .fail,
      context: state),
    BuiltinCase("plan_content_hash_unchanged_since_signoff", ["sha256:abcdef"], .deferred),
    BuiltinCase("plan_content_hash_unchanged_since_signoff", [42], .invalidArgument(0),
      context: state),
    BuiltinCase("plan_content_hash_unchanged_since_signoff", ["sha256:abcdef"], .failed,
      message: "signoffs", context: badState),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}

@Suite("Builtins: encoding")
struct BuiltinEncodingTests {
  static let keyC1V1 = "10ddafe9d244afb4247309479b5719ed5149e05875954896ee58c2539ebe1bb5"

  @Test func sha256KnownVectors() {
    // FIPS 180-2 vectors.
    #expect(
      EncodingBuiltins.sha256Hex(Array("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      EncodingBuiltins.sha256Hex([])
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    // The reference's example: sha256("c1:1").
    #expect(EncodingBuiltins.keyIDDerivation(cluster: "c1", keyVersion: "1") == Self.keyC1V1)
    // NFC: a decomposed é hashes as the composed one: sha256("cé:2").
    #expect(
      EncodingBuiltins.keyIDDerivation(cluster: "ce\u{301}", keyVersion: "2")
        == "fb9e79553331ccef98f21940c11644489830f4335d199b6a64539e023516e328")
  }

  static func canonical(_ value: J, normalize: Bool = true) throws -> String {
    String(decoding: try CanonicalJSON.encode(value.value, normalizeStrings: normalize),
      as: UTF8.self)
  }

  @Test func canonicalJSONSortsKeysByUTF16() throws {
    let value: J = [
      "\u{20ac}": "Euro", "\r": "CR", "\u{fb33}": "Hebrew", "1": "One", "\u{1F600}": "Smiley",
      "\u{80}": "Control", "\u{f6}": "Umlaut",
    ]
    // RFC 8785 §3.2.3's example: U+1F600 (surrogates D83D DE00) sorts before U+FB33.
    let expected =
      "{\"\\r\":\"CR\",\"1\":\"One\",\"\u{80}\":\"Control\","
      + "\"\u{f6}\":\"Umlaut\",\"\u{20ac}\":\"Euro\",\"\u{1F600}\":\"Smiley\","
      + "\"\u{fb33}\":\"Hebrew\"}"
    #expect(try Self.canonical(value, normalize: false) == expected)
  }

  @Test func canonicalJSONEscapesAndNormalizes() throws {
    #expect(try Self.canonical(["b": [true, .null, "q\"\\\u{8}\u{c}\n\r\t\u{1}\u{7f}/"], "a": 1])
      == "{\"a\":1,\"b\":[true,null,\"q\\\"\\\\\\b\\f\\n\\r\\t\\u0001\u{7f}/\"]}")
    #expect(try Self.canonical("e\u{301}") == "\"\u{e9}\"")
    #expect(try Self.canonical("e\u{301}", normalize: false) == "\"e\u{301}\"")
    #expect(throws: CanonicalJSONError.keyCollision("\u{e9}")) {
      try Self.canonical(["\u{e9}": 1, "e\u{301}": 2])
    }
    #expect(throws: CanonicalJSONError.missingValue) { try Self.canonical([.missing]) }
    var deep: J = 1
    for _ in 0..<600 { deep = [deep] }
    #expect(throws: CanonicalJSONError.tooDeep(limit: 512)) { try Self.canonical(deep) }
  }

  @Test(arguments: [
    ("0", "0"), ("-0", "0"), ("1", "1"), ("-1.5", "-1.5"), ("100", "100"),
    ("123456789012345680000", "123456789012345680000"), ("1e21", "1e+21"),
    ("1.5e22", "1.5e+22"), ("0.000001", "0.000001"), ("0.0000001", "1e-7"),
    ("-0.00000123", "-0.00000123"), ("1.23e-7", "1.23e-7"), ("0.1", "0.1"),
    ("333333333.33333329", "333333333.33333329"), ("1e-27", "1e-27"),
  ])
  func canonicalNumbersFollowECMAScript(text: String, expected: String) {
    #expect(CanonicalJSON.ecmaScriptText(Number(parsing: text)!) == expected)
  }

  static let cases: [BuiltinCase] = [
    // canonical_size_cap: {"kind":"small"} is 16 bytes
    BuiltinCase("canonical_size_cap", [[:], 4096], .pass),
    BuiltinCase("canonical_size_cap", [["kind": "small"], 16], .pass),
    BuiltinCase("canonical_size_cap", [["kind": "small"], 15], .fail),
    // NFC makes e + U+0301 the two-byte é: {"k":"é"} is 10 bytes, not 11.
    BuiltinCase("canonical_size_cap", [["k": "e\u{301}"], 10], .pass),
    BuiltinCase("canonical_size_cap", [["k": "e\u{301}"], 9], .fail),
    BuiltinCase("canonical_size_cap", [["kind": "small"], -1], .invalidArgument(1)),
    BuiltinCase("canonical_size_cap", [["kind": "small"], .decimal("1.5")],
      .invalidArgument(1)),
    BuiltinCase("canonical_size_cap", [.missing, 10], .invalidArgument(0), message: "missing"),
    BuiltinCase("canonical_size_cap", [["\u{e9}": 1, "e\u{301}": 2], 100], .invalidArgument(0),
      message: "NFC"),
    // signer_key_id_matches_derivation
    BuiltinCase("signer_key_id_matches_derivation",
      [["cid": "c1", "kv": "1", "kid": .string(keyC1V1)], "cid", "kv", "kid"], .pass),
    BuiltinCase("signer_key_id_matches_derivation",
      [["cid": "c1", "kv": "1", "kid": .string(keyC1V1.uppercased())], "cid", "kv", "kid"],
      .pass),
    BuiltinCase("signer_key_id_matches_derivation",
      [["cid": "c1", "kv": "1", "kid": .string(String(repeating: "0", count: 64))], "cid", "kv",
        "kid"], .fail),
    BuiltinCase("signer_key_id_matches_derivation",
      [["cid": "c1", "kv": 1, "kid": .string(keyC1V1)], "cid", "kv", "kid"],
      .invalidArgument(0), message: "`kv`"),
    BuiltinCase("signer_key_id_matches_derivation", [.null, "cid", "kv", "kid"],
      .invalidArgument(0)),
    // percentiles_monotonic_nondecreasing
    BuiltinCase("percentiles_monotonic_nondecreasing",
      [["p50_ms": 10, "p95_ms": 50, "p99_ms": 100, "max_ms": 200]], .pass),
    BuiltinCase("percentiles_monotonic_nondecreasing",
      [["p50_ms": 5, "p95_ms": 5, "p99_ms": 5, "max_ms": 5]], .pass),
    BuiltinCase("percentiles_monotonic_nondecreasing",
      [["p50_ms": 10, "p95_ms": 50, "p99_ms": .decimal("49.9"), "max_ms": 200]], .fail),
    BuiltinCase("percentiles_monotonic_nondecreasing",
      [["p50_ms": -1, "p95_ms": 50, "p99_ms": 60, "max_ms": 200]], .failed,
      message: "negative"),
    BuiltinCase("percentiles_monotonic_nondecreasing",
      [["p50_ms": 1, "p95_ms": 50, "max_ms": 200]], .failed, message: "p99_ms"),
    BuiltinCase("percentiles_monotonic_nondecreasing", [[1, 2, 3, 4]], .invalidArgument(0)),
    // utf8_byte_length_max
    BuiltinCase("utf8_byte_length_max", ["hello world", 4096], .pass),
    BuiltinCase("utf8_byte_length_max", [.string(String(repeating: "\u{1F4A9}", count: 10)), 16],
      .fail),
    BuiltinCase("utf8_byte_length_max", [.string(String(repeating: "\u{1F4A9}", count: 4)), 16],
      .pass),
    BuiltinCase("utf8_byte_length_max", ["", 0], .pass),
    BuiltinCase("utf8_byte_length_max", ["日本", 5], .fail),
    BuiltinCase("utf8_byte_length_max", [42, 10], .invalidArgument(0)),
    BuiltinCase("utf8_byte_length_max", ["x", .decimal("2.5")], .invalidArgument(1)),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}
