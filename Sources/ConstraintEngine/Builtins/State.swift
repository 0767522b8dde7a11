/// Builtins over the evaluation context's `state` (nonce windows, sequences, sign-offs) and
/// `chain_validator_prev_hash`, which checks the chain it is given.
///
/// Context state shape (each part optional; a builtin whose part is absent is *deferred*):
/// ```
/// { "nonce_windows":         { "<signer>": ["<nonce>", …] },
///   "sequences":             { "<signer>|<key_version>": "<last sequence>" },
///   "key_versions":          { "<signer>": "<latest key version>" },
///   "highest_key_version":   "<latest key version of the cluster>",
///   "cluster_id":            "<cluster>",
///   "signoffs":              ["<plan content hash>", …],
///   "genesis_hash":          "<chain genesis sentinel>",
///   "expected_prior_hashes": { "<chain index>": "<previous hash recorded for it>" } }
/// ```
/// The reference's context format is read into this shape (`EvaluationContext+Reference`).
enum StateBuiltins {
  static let family = "state"
  static let defaultGenesis = "genesis:cluster-ledger"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "nonce_unique_per_signer_window", [.value, .stringLiteral, .stringLiteral],
        result: .boolean, family: family),
      .function(nonceUnique)),
    Builtin(
      BuiltinSignature(
        "sequence_monotonic_per_cluster",
        [.value, .stringLiteral, .stringLiteral, .stringLiteral, .stringLiteral],
        result: .boolean, family: family),
      .function(sequenceMonotonic)),
    Builtin(
      BuiltinSignature(
        "chain_validator_prev_hash", [.value, .stringLiteral, .stringLiteral],
        result: .boolean, family: family),
      .function(chainPreviousHash)),
    Builtin(
      BuiltinSignature(
        "plan_content_hash_unchanged_since_signoff", [.value], result: .boolean,
        family: family),
      .function(planHashSignedOff)),
  ]

  /// A string field of the record in argument 0, named by string-literal argument `index`.
  static func recordString(
    _ arguments: BuiltinArguments, _ index: Int
  ) throws(BuiltinFailure) -> String {
    let field = arguments.literal(index)
    let fieldValue = value(arguments[0], atField: field)
    guard case .string(let text) = fieldValue else {
      throw .invalidArgument(
        index: 0, message: "record field \(code(field)) must be a string, got "
          + describe(fieldValue))
    }
    return text
  }

  static func nonceUnique(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    _ = try arguments.object(0, "the record")
    let signer = try recordString(arguments, 1)
    let nonce = try recordString(arguments, 2)
    let windows = context.state["nonce_windows"]
    switch windows {
    case .missing, .null:
      throw .deferred("no `nonce_windows` in the evaluation context state")
    case .object: break
    default:
      throw .failed("context state `nonce_windows` must be an object, got \(describe(windows))")
    }
    let seen = windows[signer]
    switch seen {
    case .missing, .null: return .bool(true)
    case .array(let nonces):
      for case .string(let used) in nonces where Value.scalarsEqual(used, nonce) {
        return .bool(false)
      }
      return .bool(true)
    default:
      throw .failed("context state nonce window for \(truncated(Value.quoted(signer))) "
        + "must be an array, got \(describe(seen))")
    }
  }

  /// A non-negative integer written canonically: a JSON integer ≥ 0 or a string `0` or
  /// `[1-9][0-9]*` (no sign, no leading zero).
  static func canonicalCounter(_ value: Value) -> Number? {
    switch value {
    case .number(let number): return number.isInteger && number.signum >= 0 ? number : nil
    case .string(let text):
      guard let first = text.utf8.first, first != UInt8(ascii: "-"),
        first != UInt8(ascii: "0") || text.utf8.count == 1
      else { return nil }
      return parseBigintString(text)
    default: return nil
    }
  }

  static func recordCounter(
    _ arguments: BuiltinArguments, _ index: Int
  ) throws(BuiltinFailure) -> Number {
    let field = arguments.literal(index)
    let fieldValue = value(arguments[0], atField: field)
    guard let number = canonicalCounter(fieldValue) else {
      throw .invalidArgument(
        index: 0,
        message: "record field \(code(field)) must be a non-negative integer without sign or "
          + "leading zeros, got \(describe(fieldValue))")
    }
    return number
  }

  static func stateCounter(_ value: Value, _ place: String) throws(BuiltinFailure) -> Number {
    guard let number = canonicalCounter(value) else {
      throw .failed("context state \(place) must be a non-negative integer, got "
        + describe(value))
    }
    return number
  }

  static func sequenceMonotonic(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    _ = try arguments.object(0, "the record")
    let cluster = try recordString(arguments, 1)
    let signer = try recordString(arguments, 2)
    let sequence = try recordCounter(arguments, 3)
    let keyVersion = try recordCounter(arguments, 4)
    let state = context.state
    let sequences = state["sequences"]
    switch sequences {
    case .missing, .null: throw .deferred("no `sequences` in the evaluation context state")
    case .object: break
    default:
      throw .failed("context state `sequences` must be an object, got \(describe(sequences))")
    }
    switch state["cluster_id"] {
    case .missing, .null: break
    case .string(let expected):
      if !Value.scalarsEqual(expected, cluster) { return .bool(false) }
    case let other:
      throw .failed("context state `cluster_id` must be a string, got \(describe(other))")
    }
    switch state["highest_key_version"] {
    case .missing, .null: break
    case let highest:
      let highestVersion = try stateCounter(highest, "`highest_key_version`")
      if Number.compare(keyVersion, highestVersion) < 0 { return .bool(false) }
    }
    let latest = state["key_versions"][signer]
    switch latest {
    case .missing, .null: break
    default:
      let latestVersion = try stateCounter(latest, "key_versions[\(truncated(signer))]")
      if Number.compare(keyVersion, latestVersion) < 0 { return .bool(false) }
    }
    let last = sequences[signer + "|" + keyVersion.description]
    switch last {
    case .missing, .null: return .bool(true)
    default:
      let lastSequence = try stateCounter(
        last, "sequences[\(truncated(signer))|\(keyVersion)]")
      return .bool(Number.compare(sequence, lastSequence) > 0)
    }
  }

  static func chainPreviousHash(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let chain = try arguments.array(0, "the chain")
    let entryField = fieldPathComponents(arguments.literal(1))
    let previousField = fieldPathComponents(arguments.literal(2))
    var expected = defaultGenesis
    switch context.state["genesis_hash"] {
    case .missing, .null: break
    case .string(let genesis): expected = genesis
    case let other:
      throw .failed("context state `genesis_hash` must be a string, got \(describe(other))")
    }
    let ledger = try recordedPriorHashes(context.state["expected_prior_hashes"])
    for (index, entry) in chain.enumerated() {
      let place = "chain[\(index)]"
      _ = try Field.object(entry, place)
      let previous = try Field.string(
        value(entry, atField: previousField), "\(place).\(arguments.literal(2))")
      if !Value.scalarsEqual(previous, expected) { return .bool(false) }
      // The audit ledger's record for this index, when it has one, must agree too.
      if let recorded = ledger[index], !Value.scalarsEqual(previous, recorded) {
        return .bool(false)
      }
      expected = try Field.string(
        value(entry, atField: entryField), "\(place).\(arguments.literal(1))")
    }
    return .bool(true)
  }

  /// The context state's `expected_prior_hashes` (chain index → previous hash), empty when
  /// absent; a key that is not an index or a value that is not a string is an error.
  static func recordedPriorHashes(_ state: Value) throws(BuiltinFailure) -> [Int: String] {
    switch state {
    case .missing, .null: return [:]
    case .object(let entries):
      var ledger: [Int: String] = [:]
      for (key, recorded) in entries {
        let place = "context state expected_prior_hashes[\(truncated(Value.quoted(key)))]"
        guard case .small(let index)? = canonicalCounter(.string(key)) else {
          throw .failed("\(place): the key must be a chain index (a non-negative integer)")
        }
        guard case .string(let hash) = recorded else {
          throw .failed("\(place) must be a string, got \(describe(recorded))")
        }
        ledger[index] = hash
      }
      return ledger
    default:
      throw .failed(
        "context state `expected_prior_hashes` must be an object, got \(describe(state))")
    }
  }

  static func planHashSignedOff(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let hash = try arguments.string(0, "the plan content hash")
    let signoffs = context.state["signoffs"]
    switch signoffs {
    case .missing, .null: throw .deferred("no `signoffs` in the evaluation context state")
    case .array(let hashes):
      let wanted = asciiLowercased(hash)
      for (index, signed) in hashes.enumerated() {
        guard case .string(let text) = signed else {
          throw .failed("context state signoffs[\(index)] must be a string, got "
            + describe(signed))
        }
        if Value.scalarsEqual(asciiLowercased(text), wanted) { return .bool(true) }
      }
      return .bool(false)
    default:
      throw .failed("context state `signoffs` must be an array, got \(describe(signoffs))")
    }
  }

  /// ASCII letters lowercased, everything else unchanged (hex digests compare
  /// case-insensitively).
  static func asciiLowercased(_ text: String) -> String {
    String(
      decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
  }
}
