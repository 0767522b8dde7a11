import ConstraintEngine

extension FuzzChecks {
  // MARK: projection

  /// Splits input at the first `\n` into projected paths (comma-separated, `a.b`, `a[0].b`)
  /// and a JSON document (the whole input, with no paths, when there is no `\n` or the first
  /// line holds no valid path). See ``projectionDifference(_:projection:)``.
  public static func projection(_ data: [UInt8]) -> String? {
    var paths: [FieldPath] = []
    var document = data[...]
    if let newline = data.firstIndex(of: UInt8(ascii: "\n")) {
      let header = String(decoding: data[..<newline], as: UTF8.self)
      paths = header.split(separator: ",").compactMap { FieldPath(parsing: String($0)) }
      if !paths.isEmpty { document = data[(newline + 1)...] }
    }
    let projection = ReadProjection(paths: paths)
    if let difference = projectionDifference(Array(document), projection: projection) {
      return difference
    }
    return slotDifference(Array(document))
  }

  // MARK: slot reading

  /// `slots`'s decision for `document`, read from memory of exactly its size (so that a read
  /// past its end is one past the allocation, which the address sanitizer reports).
  package static func decide(_ document: [UInt8], with slots: SlotReader) -> UInt64? {
    let exact = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(1, document.count), alignment: 1)
    defer { exact.deallocate() }
    exact.copyBytes(from: document)
    return slots.failures(UnsafeRawBufferPointer(rebasing: exact[..<document.count]))
  }

  /// Rule sets whose lines a ``SlotReader`` decides without building values (their keys short
  /// and long, so that fuzzed documents reach both ways a key is read; their fields at the
  /// root and in objects below it). Compiled at each call:
  /// rule sets kept for the process's life are reported as leaks by the leak sanitizer (it
  /// does not see every reference compiled programs hold).
  public static func slotRuleSets() -> [RuleSet] {
    let sets = [
      [
        "bigint_gte(limit, spent) && bigint_gte(allocation, reserve) && bigint_gte(payment, cost)"
          + " && bigint_gte(cost, floor)"
      ],
      ["bigint_lt(a, b) || bigint_eq(b, c)", "bigint_gt(a, c)"],
      ["bigint_lte(a_key_longer_than_sixteen, b) && bigint_eq(b, a)"],
      // Nested fields: objects read for slots, two levels deep, beside root fields.
      [
        "bigint_gte(budget.limit, budget.spent)",
        "bigint_lte(budget.spent, prev.budget.spent) || bigint_eq(a.b, limit)",
        "bigint_lt(a.c.d, a_key_longer_than_sixteen.x)",
        // Constants: inside the fields' range, below it and above it.
        "bigint_lte(a.b, 5000) || bigint_lt(budget.spent, -1)",
        "bigint_gt(limit, 10) && bigint_lt(limit, 10000000000000000)",
        // Strings compared with constants.
        "a.s == 'ACTIVE' || a.s == 'caf\u{E9}' || a.s != ''",
        "prev.s != 'x' && bigint_gte(a.b, 2)",
        // Null checks, implications, negations and nested conditions.
        "prev != null => bigint_gte(budget.spent, prev.budget.spent)",
        "!(a.c == null) && (a.s == 'x' || bigint_lt(a.c.d, 5)) || budget == null",
      ],
      // Arrays of objects (quantifiers over their members, sums), patterns, previous values.
      [
        "items.every(i => matches(i.amount, '^(0|-?[1-9][0-9]*)$'))",
        "bigint_eq(bigint_sum(items, 'amount'), 0) || bigint_gt(bigint_sum(items, 'amount'), 99)",
        "bigint_lte(-5, bigint_sum(items, 'amount'))",
        "items.some(i => bigint_gte(i.amount, limit) && i.kind == null)",
        "items.none(i => i.kind != null && !matches(i.kind, '^[a-z]+$'))",
        "previous(state) == 'final' => state == 'final'",
        "previous(state) != 'x' && matches(state, '^[a-z]*$') && matches(limit, '^[0-9]+$')",
      ],
    ]
    return sets.map { expressions in
      let rules = expressions.enumerated().map { index, expression in
        "{\"id\": \"r\(index)\", \"expression\": \(Value.quoted(expression))}"
      }
      let text =
        "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": ["
        + rules.joined(separator: ",") + "]}"
      guard let file = try? RuleFileLoader.parse(text, path: "slots.constraints.json"),
        case .success(let ruleSet) = RuleSet.compile([file])
      else { preconditionFailure("the slot rule sets compile") }
      return ruleSet
    }
  }

  /// Lines decided from their slots against the same lines read into values: for each rule set
  /// of ``slotRuleSets`` (with and without explanations), wherever a ``SlotReader`` decides a
  /// document, the full reader accepts it and each rule's outcome (without explanations) is
  /// the failure or pass the slots gave; the reader decides the document the same way read
  /// twice (its string table then predicts the keys). Nil when they agree.
  public static func slotDifference(_ document: [UInt8]) -> String? {
    let full = Result { () throws(Diagnostic) -> Value in
      try JSONReader.read(document, limits: jsonLimits)
    }
    for (number, ruleSet) in slotRuleSets().enumerated() {
      let indexes = Array(ruleSet.rules.indices)
      guard let plan = ruleSet.slotPlan(ruleIndexes: indexes) else {
        return "rule set \(number) does not qualify for slot reading"
      }
      for explain in [false, true] {
        let reader = JSONDocumentReader(
          limits: jsonLimits, projection: ruleSet.readProjection(ruleIndexes: indexes))
        let slots = SlotReader(plan: plan, reader: reader, explain: explain)
        for reading in ["first reading", "second reading"] {
          let failing = decide(document, with: slots)
          guard let failing else { continue }
          guard case .success(let value) = full else {
            return "rule set \(number), \(reading): slots decide a document the full reader refuses"
          }
          let outcomes = ruleSet.check(value, ruleIndexes: indexes)
          for (position, outcome) in outcomes.enumerated() {
            let fails = failing & (1 << UInt64(position)) != 0
            switch outcome {
            case .evaluated(.pass) where !fails, .evaluated(.fail) where fails:
              if fails, explain {
                return "rule set \(number), \(reading): slots decide a failure while explaining"
              }
            default:
              return "rule set \(number), \(reading), rule \(position): slots say "
                + (fails ? "fail" : "pass") + ", the value path \(outcome.word)"
            }
          }
        }
      }
    }
    return nil
  }

  /// The projecting reader against the full reader on one document: both accept it or both
  /// refuse it with the same error (message, offset, line and column); when accepted, the
  /// projected value is the full value cut down to `projection` (``projected(_:to:)``), and
  /// every path read whole resolves to the same value in both. Checked with
  /// ``JSONReader/read(_:limits:projection:)``, with a ``JSONDocumentReader`` reading the
  /// document twice (its string table then predicts the keys of the second reading), and with
  /// a reader that documents holding nothing to skip have switched to full reads (its value
  /// may then be the whole document: only the verdict and the projected paths must agree).
  public static func projectionDifference(_ document: [UInt8], projection: ReadProjection)
    -> String?
  {
    let full = Result { () throws(Diagnostic) -> Value in
      try JSONReader.read(document, limits: jsonLimits)
    }
    let reader = JSONDocumentReader(limits: jsonLimits, projection: projection)
    // A reading built in the object storage of an earlier one given back.
    let recycler = JSONDocumentReader(limits: jsonLimits, projection: projection)
    if case .success(let earlier) = read(document, with: recycler) { recycler.recycle(earlier) }
    let readings: [(String, Result<Value, Diagnostic>)] = [
      (
        "JSONReader.read",
        Result { () throws(Diagnostic) -> Value in
          try JSONReader.read(document, limits: jsonLimits, projection: projection)
        }
      ),
      ("first reading", read(document, with: reader)),
      ("second reading", read(document, with: reader)),
      ("reading after recycling", read(document, with: recycler)),
    ]
    for (name, reading) in readings {
      if let difference = difference(full: full, projected: reading, projection: projection) {
        return "projected to \(projection), \(name): \(difference)"
      }
    }
    let adaptive = JSONDocumentReader(limits: jsonLimits, projection: projection)
    let empty: [UInt8] = Array("{}".utf8)
    for _ in 0..<JSONDocumentReader.fullReadAfter { _ = read(empty, with: adaptive) }
    for name in ["switched to full reads", "switched, second reading"] {
      let reading = read(document, with: adaptive)
      if case .success(let whole) = full, case .success(let value) = reading,
        value.structurallyEquals(whole)
      {
        continue
      }
      if let difference = difference(full: full, projected: reading, projection: projection) {
        return "projected to \(projection), \(name): \(difference)"
      }
    }
    return nil
  }

  private static func read(_ document: [UInt8], with reader: JSONDocumentReader)
    -> Result<Value, Diagnostic>
  {
    document.withUnsafeBytes { bytes in
      Result { () throws(Diagnostic) -> Value in try reader.read(bytes) }
    }
  }

  private static func difference(
    full: Result<Value, Diagnostic>, projected: Result<Value, Diagnostic>,
    projection: ReadProjection
  ) -> String? {
    switch (full, projected) {
    case (.failure(let a), .failure(let b)):
      if a == b { return nil }
      return "full reader refuses with `\(a)` (offset \(a.range.start.offset)), projecting reader "
        + "with `\(b)` (offset \(b.range.start.offset))"
    case (.failure(let error), .success(let value)):
      return "full reader refuses with `\(error)`, projecting reader accepts "
        + JSONWriter.canonical(value)
    case (.success, .failure(let error)):
      return "full reader accepts, projecting reader refuses with `\(error)`"
    case (.success(let whole), .success(let value)):
      let expected = Self.projected(whole, to: projection.root)
      if !value.structurallyEquals(expected) {
        return "projected value \(JSONWriter.canonical(value)), expected "
          + JSONWriter.canonical(expected)
      }
      for path in projection.wholePaths
      where !path.resolve(in: value).structurallyEquals(path.resolve(in: whole)) {
        return "path \(path) resolves differently"
      }
      return nil
    }
  }

  /// `value` cut down to `shape`: an object narrowed to members keeps only those of them
  /// that it has (each cut down in turn); anything else is kept whole.
  public static func projected(_ value: Value, to shape: ReadProjection.Shape) -> Value {
    guard case .members(let members) = shape, case .object(let object) = value else {
      return value
    }
    var kept: [(String, Value)] = []
    for (key, member) in object {
      guard let projected = members.first(where: { Value.scalarsEqual($0.key, key) }) else {
        continue
      }
      kept.append((key, Self.projected(member, to: projected.shape)))
    }
    return .object(ObjectValue(kept))
  }
}
