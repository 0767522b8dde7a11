/// Delegation chains: `all_links_subset_authority`, `delegation_budget_conserved`,
/// `links_temporally_ordered`, `links_form_chain`. Each takes an array of link objects;
/// fewer than two links is vacuously true.
enum DelegationBuiltins {
  static let family = "delegation"

  static let all: [Builtin] = [
    chainBuiltin("all_links_subset_authority") { previous, link, place throws(BuiltinFailure) in
      let parent = try scopeSet(
        previous.link["authority_scope"], "\(previous.place) authority_scope")
      let child = try scopeSet(link["authority_scope"], "\(place) authority_scope")
      return child.isSubset(of: parent)
    },
    chainBuiltin("delegation_budget_conserved") { previous, link, place throws(BuiltinFailure) in
      let parentValue = previous.link["budget_allocated_micro"]
      let childValue = link["budget_allocated_micro"]
      if case .null = parentValue { return true }
      if case .null = childValue { return true }
      let parent = try Field.bigint(parentValue, "\(previous.place) budget_allocated_micro")
      let child = try Field.bigint(childValue, "\(place) budget_allocated_micro")
      return Number.compare(child, parent) <= 0
    },
    chainBuiltin("links_temporally_ordered") { previous, link, place throws(BuiltinFailure) in
      let earlier = try instant(previous.link["timestamp"], "\(previous.place) timestamp")
      let later = try instant(link["timestamp"], "\(place) timestamp")
      return earlier <= later
    },
    chainBuiltin("links_form_chain") { previous, link, place throws(BuiltinFailure) in
      let delegatee = try Field.string(previous.link["delegatee"], "\(previous.place) delegatee")
      let delegator = try Field.string(link["delegator"], "\(place) delegator")
      return Value.scalarsEqual(delegatee, delegator)
    },
  ]

  typealias PairCheck = @Sendable (
    _ previous: (link: Value, place: String), _ link: Value, _ place: String
  ) throws(BuiltinFailure) -> Bool

  /// A builtin over adjacent pairs of links: false as soon as a pair fails `check`.
  static func chainBuiltin(_ name: String, _ check: @escaping PairCheck) -> Builtin {
    Builtin(
      BuiltinSignature(name, [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let links = try arguments.array(0, "the delegation links")
        if links.count < 2 { return .bool(true) }
        var previous = (link: try link(links[0], 0), place: "link 0")
        for index in 1..<links.count {
          let current = try link(links[index], index)
          let place = "link \(index)"
          if try !check(previous, current, place) { return .bool(false) }
          previous = (current, place)
        }
        return .bool(true)
      })
  }

  static func link(_ value: Value, _ index: Int) throws(BuiltinFailure) -> Value {
    try Field.object(value, "link \(index)")
  }

  /// An array of strings as an exact set.
  static func scopeSet(_ value: Value, _ place: String) throws(BuiltinFailure) -> Set<ExactString> {
    var scopes = Set<ExactString>()
    for element in try Field.array(value, place) {
      scopes.insert(ExactString(try Field.string(element, "an element of \(place)")))
    }
    return scopes
  }

  static func instant(_ value: Value, _ place: String) throws(BuiltinFailure) -> Timestamp {
    let text = try Field.string(value, place)
    switch Timestamp.parse(text) {
    case .success(let instant): return instant
    case .failure(let error):
      throw .failed("\(place) \(truncated(Value.quoted(text))) is not an ISO 8601 timestamp: it "
        + error.reason)
    }
  }
}

/// `no_emergent_in_individual(emergent, individual)`,
/// `all_emergent_have_evidence(emergent, evidence)`.
enum EnsembleBuiltins {
  static let family = "ensembles"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "no_emergent_in_individual", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let emergent = try capabilities(arguments)
        guard case .object(let individual) = arguments[1] else {
          throw .invalidArgument(
            index: 1,
            message: "the individual capabilities must be an object, got "
              + describe(arguments[1]))
        }
        var held = Set<ExactString>()
        for (_, list) in individual {
          guard case .array(let elements) = list else { continue }
          for case .string(let capability) in elements { held.insert(ExactString(capability)) }
        }
        return .bool(held.isDisjoint(with: emergent))
      }),
    Builtin(
      BuiltinSignature(
        "all_emergent_have_evidence", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let emergent = try capabilities(arguments)
        let evidence = try arguments.array(1, "the evidence")
        var evidenced = Set<ExactString>()
        for (index, item) in evidence.enumerated() {
          let capability = try Field.object(item, "evidence item \(index)")["capability"]
          if case .string(let name) = capability { evidenced.insert(ExactString(name)) }
        }
        return .bool(emergent.isSubset(of: evidenced))
      }),
  ]

  /// Argument 0: an array of capability names.
  static func capabilities(
    _ arguments: BuiltinArguments
  ) throws(BuiltinFailure) -> Set<ExactString> {
    var names = Set<ExactString>()
    for (index, element) in try arguments.array(0, "the emergent capabilities").enumerated() {
      guard case .string(let name) = element else {
        throw .invalidArgument(
          index: 0,
          message: "emergent capability \(index) must be a string, got \(describe(element))")
      }
      names.insert(ExactString(name))
    }
    return names
  }
}
