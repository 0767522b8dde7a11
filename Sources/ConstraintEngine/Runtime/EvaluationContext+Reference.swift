/// The TypeScript reference evaluator's context format, read into this engine's context so
/// that a user's existing context files work unchanged.
///
/// ```json
/// { "evaluation_timestamp": "2026-01-01T00:00:00Z",
///   "feature_flags": {"strict_release": true, "beta": false},
///   "nonce_window": {"window_seconds": 300, "per_signer": {"<signer>": ["<nonce>", …]}},
///   "sequence_state": {"cluster_id": "<cluster>", "highest_key_version": "3",
///                      "last_sequence": {"[\"<signer>\",\"<key_version>\"]": "<sequence>"}},
///   "chain_ledger": {"genesis_hash": "<sentinel>", "expected_prior_hash": {"0": "<hash>"}},
///   "plan_signoff_ledger": {"ts_snapshot": "…", "signoffs": [{"signoff_id": "…",
///     "plan_content_hash": "sha256:…", "ttl_seconds_at_emit": "3600", "ts_emit": "…"}]} }
/// ```
///
/// The reference holds `per_signer`, `last_sequence` and `expected_prior_hash` in JavaScript
/// `Map`s; in JSON each may be an object or an array of `[key, value]` entries (what
/// `Object.fromEntries(map)` and `[...map]` give). `last_sequence` keys are
/// `JSON.stringify([signer, key_version])`, as the reference composes them. Every part is
/// checked when the context is loaded: a malformed part is an error, never ignored.
extension EvaluationContext {
  /// The keys of this engine's own format.
  static let nativeKeys: Set<String> = ["now", "flags", "state"]
  /// The keys of the reference's format.
  static let referenceKeys: Set<String> = [
    "evaluation_timestamp", "feature_flags", "nonce_window", "sequence_state", "chain_ledger",
    "plan_signoff_ledger",
  ]

  /// Reads the reference format (see the type's documentation); null means absent.
  init(referenceJSON object: ObjectValue) throws(EvaluationContextError) {
    var now: String?
    var flags = Set<String>()
    var state: [(key: String, value: Value)] = []
    for (key, field) in object {
      if case .null = field { continue }
      do throws(EvaluationContextError) {
        try Self.readReferencePart(key, field, now: &now, flags: &flags, state: &state)
      } catch {
        // A part's error is at the part, or deeper when the part says where.
        var located = error
        located.path.insert(.key(key), at: 0)
        throw located
      }
    }
    self.init(
      now: now, flags: flags, state: state.isEmpty ? .missing : .object(ObjectValue(state)))
  }

  /// Reads the part `key` of a reference-format context into what the context is made of;
  /// an error's path is inside the part (empty: the part's value, or its key when the key is
  /// unknown).
  private static func readReferencePart(
    _ key: String, _ field: Value, now: inout String?, flags: inout Set<String>,
    state: inout [(key: String, value: Value)]
  ) throws(EvaluationContextError) {
    switch key {
    case "evaluation_timestamp":
      guard case .string(let text) = field else {
        throw EvaluationContextError(
          "context `evaluation_timestamp` must be a timestamp string, got \(describe(field))")
      }
      if case .failure(let error) = Timestamp.parse(text) {
        throw EvaluationContextError(
          "context `evaluation_timestamp` \(truncated(Value.quoted(text))) is not an ISO 8601 "
            + "timestamp: it \(error.reason)")
      }
      now = text
    case "feature_flags":
      guard case .object(let entries) = field else {
        throw EvaluationContextError(
          "context `feature_flags` must be an object of booleans, got \(describe(field))")
      }
      for (flag, setting) in entries {
        guard case .bool(let on) = setting else {
          throw EvaluationContextError(
            "context feature_flags[\(truncated(Value.quoted(flag)))] must be a boolean, got "
              + describe(setting), at: [.key(flag)])
        }
        if on { flags.insert(flag) }
      }
    case "nonce_window":
      state += try Self.nonceWindow(field)
    case "sequence_state":
      state += try Self.sequenceState(field)
    case "chain_ledger":
      state += try Self.chainLedger(field)
    case "plan_signoff_ledger":
      state += try Self.signoffLedger(field)
    default:
      throw EvaluationContextError(
        "unknown key \(truncated(Value.quoted(key))) in a reference-format evaluation "
          + "context; expected evaluation_timestamp, feature_flags, nonce_window, "
          + "sequence_state, chain_ledger or plan_signoff_ledger", isKey: true)
    }
  }

  /// `{"window_seconds": N, "per_signer": Map<signer, Set<nonce>>}` → `nonce_windows`.
  private static func nonceWindow(_ field: Value) throws(EvaluationContextError)
    -> [(key: String, value: Value)]
  {
    let part = "nonce_window"
    let members = try members(field, part, required: ["window_seconds", "per_signer"])
    guard case .number(let seconds) = members["window_seconds"]!, seconds.signum >= 0 else {
      throw EvaluationContextError(
        "context nonce_window.window_seconds must be a non-negative number, got "
          + describe(members["window_seconds"]!))
    }
    var windows: [(key: String, value: Value)] = []
    for (signer, nonces) in try mapEntries(members["per_signer"]!, "\(part).per_signer") {
      let place = "\(part).per_signer[\(truncated(Value.quoted(signer)))]"
      guard case .array(let elements) = nonces else {
        throw EvaluationContextError(
          "context \(place) must be an array of nonce strings, got \(describe(nonces))")
      }
      for element in elements {
        guard case .string = element else {
          throw EvaluationContextError(
            "context \(place) must hold strings, got \(describe(element))")
        }
      }
      windows.append((signer, nonces))
    }
    return [("nonce_windows", .object(ObjectValue(windows)))]
  }

  /// `{"cluster_id", "highest_key_version", "last_sequence": Map<[signer, kv], seq>}` →
  /// `cluster_id`, `highest_key_version`, `sequences` (`"<signer>|<kv>"` keys).
  private static func sequenceState(_ field: Value) throws(EvaluationContextError)
    -> [(key: String, value: Value)]
  {
    let part = "sequence_state"
    let members = try members(
      field, part, required: ["cluster_id", "highest_key_version", "last_sequence"])
    guard case .string = members["cluster_id"]! else {
      throw EvaluationContextError(
        "context \(part).cluster_id must be a string, got \(describe(members["cluster_id"]!))")
    }
    let highest = members["highest_key_version"]!
    guard case .string = highest, StateBuiltins.canonicalCounter(highest) != nil else {
      throw EvaluationContextError(
        "context \(part).highest_key_version must be a string of decimal digits without a "
          + "leading zero, got \(describe(highest))")
    }
    var sequences: [(key: String, value: Value)] = []
    var seen = Set<String>()
    for (composite, last) in try mapEntries(members["last_sequence"]!, "\(part).last_sequence") {
      let place = "\(part).last_sequence[\(truncated(Value.quoted(composite)))]"
      guard case .array(let parts)? = try? JSONReader.read(composite), parts.count == 2,
        case .string(let signer) = parts[0], case .string = parts[1],
        let version = StateBuiltins.canonicalCounter(parts[1])
      else {
        throw EvaluationContextError(
          "context \(place): a key must be JSON.stringify([signer, key_version]) with a "
            + "string signer and a canonical decimal key version, such as [\"agent-a\",\"1\"]")
      }
      guard case .string = last, StateBuiltins.canonicalCounter(last) != nil else {
        throw EvaluationContextError(
          "context \(place) must be a string of decimal digits without a leading zero, got "
            + describe(last))
      }
      let key = signer + "|" + version.description
      guard seen.insert(key).inserted else {
        throw EvaluationContextError("context \(place) repeats a (signer, key_version) pair")
      }
      sequences.append((key, last))
    }
    return [
      ("cluster_id", members["cluster_id"]!), ("highest_key_version", highest),
      ("sequences", .object(ObjectValue(sequences))),
    ]
  }

  /// `{"genesis_hash"?, "expected_prior_hash": Map<index, hash>}` → `genesis_hash`,
  /// `expected_prior_hashes`.
  private static func chainLedger(_ field: Value) throws(EvaluationContextError)
    -> [(key: String, value: Value)]
  {
    let part = "chain_ledger"
    let members = try members(
      field, part, required: ["expected_prior_hash"], optional: ["genesis_hash"])
    var result: [(key: String, value: Value)] = []
    if let genesis = members["genesis_hash"], !genesis.isAbsent {
      guard case .string = genesis else {
        throw EvaluationContextError(
          "context \(part).genesis_hash must be a string, got \(describe(genesis))",
          at: [.key("genesis_hash")])
      }
      result.append(("genesis_hash", genesis))
    }
    var expected: [(key: String, value: Value)] = []
    var seen = Set<String>()
    let map = "\(part).expected_prior_hash"
    for (index, hash) in try mapEntries(members["expected_prior_hash"]!, map, numericKeys: true) {
      let place = "\(map)[\(truncated(index))]"
      guard let position = StateBuiltins.canonicalCounter(.string(index)) else {
        throw EvaluationContextError(
          "context \(place): a key must be a chain index (a non-negative integer)")
      }
      guard case .string = hash else {
        throw EvaluationContextError("context \(place) must be a string, got \(describe(hash))")
      }
      guard seen.insert(position.description).inserted else {
        throw EvaluationContextError("context \(place) repeats a chain index")
      }
      expected.append((position.description, hash))
    }
    result.append(("expected_prior_hashes", .object(ObjectValue(expected))))
    return result
  }

  /// `{"ts_snapshot", "signoffs": [{signoff_id, plan_content_hash, ttl_seconds_at_emit,
  /// ts_emit}]}` → `signoffs` (the hashes).
  private static func signoffLedger(_ field: Value) throws(EvaluationContextError)
    -> [(key: String, value: Value)]
  {
    let part = "plan_signoff_ledger"
    let members = try members(field, part, required: ["ts_snapshot", "signoffs"])
    guard case .string = members["ts_snapshot"]! else {
      throw EvaluationContextError(
        "context \(part).ts_snapshot must be a string, got \(describe(members["ts_snapshot"]!))")
    }
    guard case .array(let entries) = members["signoffs"]! else {
      throw EvaluationContextError(
        "context \(part).signoffs must be an array, got \(describe(members["signoffs"]!))")
    }
    var hashes: [Value] = []
    for (index, entry) in entries.enumerated() {
      let place = "\(part).signoffs[\(index)]"
      let fields = try Self.members(
        entry, place,
        required: [
          "signoff_id", "plan_content_hash", "ttl_seconds_at_emit",
          "ts_emit",
        ], at: [.key("signoffs"), .index(index)])
      for name in ["signoff_id", "plan_content_hash", "ts_emit"] {
        guard case .string = fields[name]! else {
          throw EvaluationContextError(
            "context \(place).\(name) must be a string, got \(describe(fields[name]!))")
        }
      }
      let ttl = fields["ttl_seconds_at_emit"]!
      guard let seconds = StateBuiltins.canonicalCounter(ttl), seconds.signum > 0 else {
        throw EvaluationContextError(
          "context \(place).ttl_seconds_at_emit must be a positive integer (a number or a "
            + "string of digits), got \(describe(ttl))")
      }
      hashes.append(fields["plan_content_hash"]!)
    }
    return [("signoffs", .array(hashes))]
  }

  /// The members of an object part, checking that the required keys are present and no
  /// other key appears; `path` leads from the part to `field` (empty: the part itself).
  private static func members(
    _ field: Value, _ part: String, required: [String], optional: [String] = [],
    at path: [EvaluationContextError.Step] = []
  ) throws(EvaluationContextError) -> [String: Value] {
    guard case .object(let object) = field else {
      throw EvaluationContextError(
        "context \(part) must be an object, got \(describe(field))", at: path)
    }
    var result: [String: Value] = [:]
    for (key, value) in object {
      guard required.contains(key) || optional.contains(key) else {
        throw EvaluationContextError(
          "unknown key \(truncated(Value.quoted(key))) in context \(part); expected "
            + (required + optional).joined(separator: ", "), at: path + [.key(key)],
          isKey: true)
      }
      result[key] = value
    }
    for key in required where result[key] == nil {
      throw EvaluationContextError("context \(part) has no `\(key)`", at: path)
    }
    return result
  }

  /// The entries of a serialised JavaScript `Map`: an object, or an array of `[key, value]`
  /// pairs whose keys are strings (or, with `numericKeys`, non-negative integers).
  private static func mapEntries(
    _ field: Value, _ part: String, numericKeys: Bool = false
  ) throws(EvaluationContextError) -> [(key: String, value: Value)] {
    switch field {
    case .object(let object):
      return object.map { ($0.key, $0.value) }
    case .array(let pairs):
      var entries: [(key: String, value: Value)] = []
      var seen = Set<String>()
      for (index, pair) in pairs.enumerated() {
        guard case .array(let items) = pair, items.count == 2 else {
          throw EvaluationContextError(
            "context \(part)[\(index)] must be a [key, value] pair, got \(describe(pair))")
        }
        let key: String
        switch items[0] {
        case .string(let text): key = text
        case .number(let number) where numericKeys && number.isInteger && number.signum >= 0:
          key = number.description
        default:
          throw EvaluationContextError(
            "context \(part)[\(index)]: the key must be a string, got \(describe(items[0]))")
        }
        guard seen.insert(key).inserted else {
          throw EvaluationContextError(
            "context \(part)[\(index)] repeats the key \(truncated(Value.quoted(key)))")
        }
        entries.append((key, items[1]))
      }
      return entries
    default:
      throw EvaluationContextError(
        "context \(part) must be an object or an array of [key, value] pairs, got "
          + describe(field))
    }
  }
}
