/// Governance builtins: outcomes, monetary policy, permission boundaries, proposals, baskets,
/// lifecycles, executions, checkpoints, audit trails and model routing.
enum GovernanceBuiltins {
  static let family = "governance"
  /// Most votes / basket entries a builtin accepts.
  static let voteCap = 100
  /// `|sum − 1| ≤ tolerance` for normalised weights, compared exactly.
  static let weightTolerance = Number(significand: 1, scale: 3)

  static func unary(
    _ name: String, _ body: @escaping @Sendable (Value) throws(BuiltinFailure) -> Bool
  ) -> Builtin {
    Builtin(
      BuiltinSignature(name, [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        guard case .object = arguments[0] else {
          throw .invalidArgument(
            index: 0, message: "\(name) needs an object, got \(describe(arguments[0]))")
        }
        return .bool(try body(arguments[0]))
      })
  }

  static let all: [Builtin] = [
    unary("outcome_consensus_valid", outcomeConsensusValid),
    Builtin(
      BuiltinSignature(
        "monetary_policy_solvent", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let policy = try arguments.object(0, "the monetary policy")
        let ceiling = try Field.bigint(
          policy["conservation_ceiling"], "policy.conservation_ceiling")
        let supply = try bigintOperand(arguments[1], argument: 1)
        return .bool(Number.compare(supply, ceiling) <= 0)
      }),
    unary("permission_boundary_active") { boundary throws(BuiltinFailure) in
      func nonEmptyString(_ value: Value) -> Bool {
        if case .string(let text) = value { return !text.isEmpty }
        return false
      }
      func isObject(_ value: Value) -> Bool {
        if case .object = value { return true }
        return false
      }
      return nonEmptyString(boundary["scope"]) && nonEmptyString(boundary["permitted_if"])
        && isObject(boundary["reporting"]) && isObject(boundary["revocation"])
    },
    unary("proposal_quorum_met") { proposal throws(BuiltinFailure) in
      let voting = try Field.object(proposal["voting"], "proposal.voting")
      let quorum = try Field.number(voting["quorum_required"], "proposal.voting.quorum_required")
      let total = try weightTotal(voting["votes_cast"], "proposal.voting.votes_cast")
      return Number.compare(total.sum, quorum) >= 0
    },
    unary("proposal_weights_normalized") { proposal throws(BuiltinFailure) in
      let voting = try Field.object(proposal["voting"], "proposal.voting")
      let total = try weightTotal(voting["votes_cast"], "proposal.voting.votes_cast")
      return total.count == 0 || isNormalized(total.sum)
    },
    unary("basket_weights_normalized") { composition throws(BuiltinFailure) in
      let total = try weightTotal(composition["entries"], "composition.entries")
      if total.count == 0 {
        throw .failed("composition.entries is empty; a basket needs 1 to 100 entries")
      }
      return isNormalized(total.sum)
    },
    unary("constraint_lifecycle_valid") { event throws(BuiltinFailure) in
      let from = try Field.string(event["from_status"], "event.from_status")
      let to = try Field.string(event["to_status"], "event.to_status")
      let allowed: [String: [String]] = [
        "proposed": ["under_review", "rejected"],
        "under_review": ["enacted", "rejected"],
        "enacted": ["deprecated"],
      ]
      return allowed[exactKey(from)]?.contains(where: { Value.scalarsEqual($0, to) }) ?? false
    },
    unary("proposal_execution_valid") { execution throws(BuiltinFailure) in
      let status = try Field.string(execution["status"], "execution.status")
      let changes = try Field.array(execution["changes_applied"], "execution.changes_applied")
      guard Value.scalarsEqual(status, "completed"), !changes.isEmpty else { return false }
      for (index, change) in changes.enumerated() {
        let place = "execution.changes_applied[\(index)]"
        let result = try Field.string(try Field.object(change, place)["result"], "\(place).result")
        if !Value.scalarsEqual(result, "success") { return false }
      }
      return true
    },
    unary("execution_checkpoint_valid") { checkpoint throws(BuiltinFailure) in
      let health = try Field.string(checkpoint["health_status"], "checkpoint.health_status")
      let decision = try Field.string(
        checkpoint["proceed_decision"], "checkpoint.proceed_decision")
      let allowed: [String: [String]] = [
        "healthy": ["continue"], "degraded": ["continue", "pause"], "failing": ["rollback"],
      ]
      return allowed[exactKey(health)]?.contains(where: { Value.scalarsEqual($0, decision) })
        ?? false
    },
    unary("audit_trail_chain_valid") { trail throws(BuiltinFailure) in
      let entries = try Field.array(trail["entries"], "trail.entries")
      var expected = try Field.string(trail["genesis_hash"], "trail.genesis_hash")
      for (index, entry) in entries.enumerated() {
        let place = "trail.entries[\(index)]"
        _ = try Field.object(entry, place)
        let previous = try Field.string(entry["previous_hash"], "\(place).previous_hash")
        if !Value.scalarsEqual(previous, expected) { return false }
        expected = try Field.string(entry["entry_hash"], "\(place).entry_hash")
      }
      return true
    },
    Builtin(
      BuiltinSignature(
        "model_routing_eligible", [.value, .value, .value, .value], result: .boolean,
        family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let requiredState = try arguments.string(0, "the qualifying state")
        let requiredScore = try arguments.number(1, "the qualifying score")
        let currentState = try arguments.string(2, "the current state")
        let currentScore = try arguments.number(3, "the current score")
        let ranks = ["cold": 0, "warming": 1, "established": 2, "authoritative": 3]
        guard let required = ranks[exactKey(requiredState)],
          let current = ranks[exactKey(currentState)]
        else { return .bool(false) }
        return .bool(current >= required && Number.compare(currentScore, requiredScore) >= 0)
      }),
  ]

  /// A key usable in a `[String: …]` table of ASCII names: strings that are only canonically
  /// equivalent to a name (not scalar-equal) are mapped to a non-matching key.
  static func exactKey(_ text: String) -> String {
    text.unicodeScalars.allSatisfy(\.isASCII) ? text : "\u{0}"
  }

  static func isNormalized(_ sum: Number) -> Bool {
    let difference = sum - Number(1)
    let magnitude = difference.signum < 0 ? -difference : difference
    return Number.compare(magnitude, weightTolerance) <= 0
  }

  /// The sum of the `weight` numbers of an array of at most ``voteCap`` objects.
  static func weightTotal(
    _ value: Value, _ place: String
  ) throws(BuiltinFailure) -> (sum: Number, count: Int) {
    let items = try Field.cappedArray(value, place, cap: voteCap)
    var sum = Number(0)
    for (index, item) in items.enumerated() {
      let itemPlace = "\(place)[\(index)]"
      let weight = try Field.object(item, itemPlace)["weight"]
      sum = sum + (try Field.number(weight, "\(itemPlace).weight"))
    }
    return (sum, items.count)
  }

  static func outcomeConsensusValid(_ outcome: Value) throws(BuiltinFailure) -> Bool {
    let type = try Field.string(outcome["outcome_type"], "outcome.outcome_type")
    let votes = try Field.cappedArray(outcome["votes"], "outcome.votes", cap: voteCap)
    var agrees = 0
    for (index, vote) in votes.enumerated() {
      let place = "outcome.votes[\(index)]"
      let choice = try Field.string(try Field.object(vote, place)["vote"], "\(place).vote")
      if Value.scalarsEqual(choice, "agree") { agrees += 1 }
    }
    let count = votes.count
    if count == 0 { throw .failed("outcome.votes is empty; an outcome needs 1 to 100 votes") }
    switch exactKey(type) {
    case "unanimous":
      return agrees == count
    case "majority", "deadlock":
      let threshold = try Field.number(
        outcome["consensus_threshold"], "outcome.consensus_threshold")
      guard threshold.signum >= 0, Number.compare(threshold, Number(1)) <= 0 else {
        throw .failed("outcome.consensus_threshold must be between 0 and 1, got \(threshold)")
      }
      let required = ceiling(Number(count) * threshold)
      if exactKey(type) == "majority" { return required <= agrees && agrees < count }
      return agrees < required
    case "escalation":
      if case .string(let target) = outcome["escalated_to"] { return !target.isEmpty }
      return false
    default:
      throw .failed(
        "outcome.outcome_type must be unanimous, majority, deadlock or escalation, got "
          + truncated(Value.quoted(type)))
    }
  }

  /// The smallest integer ≥ a number in [0, 100].
  static func ceiling(_ number: Number) -> Int {
    if case .small(let value) = number { return value }
    var result = 0
    while Number.compare(Number(result), number) < 0 { result += 1 }
    return result
  }
}
