/// How the rules of a check are decided from where their fields lie in a line, without
/// building a value (``SlotReader``): for rule sets whose every active rule's fast path is a
/// list of leaf tests that each compare two fields of the snapshot, or a field and an integer
/// constant, as bigints, or a field with a string constant by `==` or `!=`, each field read by
/// keys alone (the usual `bigint_gte(limit, spent) && …` over a flat snapshot,
/// `bigint_gte(budget.limit_micro, budget.spent_micro)` over a nested one,
/// `bigint_gte(cost_micro, 0)`, `entitlement.state == 'ACTIVE' || …`). Such a leaf is decided
/// from plain digit strings of 1 to 15 bytes, or from a plain string's bytes, exactly as
/// ``FastEvaluator`` decides it from the same strings held in a value (by their digit fields,
/// ``FastEvaluator/digitField(_:)``, or by length and bytes); anything else leaves the line to
/// the value.
package final class SlotPlan: @unchecked Sendable {
  /// One leaf: `relation` between the fields in slots `first` and `second` (a constant's
  /// slot for `bigint_gte(cost, 0)`); or, when `text` is set, whether the field in slot
  /// `first` is the string whose UTF-8 bytes are `text` (`!=` when `negated`).
  struct Leaf {
    var relation: FastRelation
    var first: Int
    var second: Int
    /// The constant's bytes, in memory the plan owns (set by the plan from `textIndex`, the
    /// constant's position among the texts it is given; -1 for a bigint leaf).
    var text: UnsafeBufferPointer<UInt8>? = nil
    var textIndex = -1
    var negated = false
  }

  /// One rule, by its position among the checked rules: its leaves joined by `&&`
  /// (`decisive` false) or `||` (true); no leaves for a rule whose outcome does not depend on
  /// the snapshot (skipped, broken).
  struct Rule {
    var leaves: UnsafeMutablePointer<Leaf>?
    var count: Int
    var decisive: Bool
  }

  /// The paths whose values are recorded (slot `i` for path `i`), laid out for the read.
  package let keys: SlotKeys
  /// The paths whose values are recorded, by slot: each a key of the snapshot, then keys of
  /// the objects below it.
  package let paths: [[String]]
  /// The outcomes of the checked rules when every rule with leaves holds (the others'
  /// outcomes are fixed).
  package let passingOutcomes: [RuleOutcome]
  private let rules: UnsafeMutableBufferPointer<Rule>

  /// The constants the leaves compare fields with, in the slots after the paths' (slot
  /// `paths.count + i` for constant `i`), as a field holding a digit string would be recorded;
  /// and their bits, set in every read.
  package let constants: [ValueSlot]
  private let constantBits: UInt64

  init(
    paths: [[String]], constants: [Int], texts: [[UInt8]],
    rules: [(leaves: [Leaf], decisive: Bool)?], passingOutcomes: [RuleOutcome]
  ) {
    self.paths = paths
    self.keys = SlotKeys(paths: paths)
    self.constants = constants.map(Self.constantSlot)
    constantBits = constants.indices.reduce(0) { $0 | 1 &<< UInt64(paths.count + $1) }
    self.passingOutcomes = passingOutcomes
    ruleCount = passingOutcomes.count
    var skipped = 0
    var othersSkipped = true
    for outcome in passingOutcomes {
      switch outcome {
      case .evaluated(.pass): continue
      case .skipped: skipped += 1
      case .evaluated: othersSkipped = false
      }
    }
    self.othersSkipped = othersSkipped
    skippedCount = skipped
    self.rules = .allocate(capacity: max(1, rules.count))
    for (position, rule) in rules.enumerated() {
      guard let rule else {
        (self.rules.baseAddress! + position).initialize(
          to: Rule(leaves: nil, count: 0, decisive: false))
        continue
      }
      let leaves = UnsafeMutablePointer<Leaf>.allocate(capacity: max(1, rule.leaves.count))
      leaves.initialize(from: rule.leaves, count: rule.leaves.count)
      for index in rule.leaves.indices where rule.leaves[index].textIndex >= 0 {
        let bytes = texts[rule.leaves[index].textIndex]
        let text = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = text.initialize(from: bytes)
        leaves[index].text = UnsafeBufferPointer(rebasing: text[..<bytes.count])
      }
      (self.rules.baseAddress! + position).initialize(
        to: Rule(leaves: leaves, count: rule.leaves.count, decisive: rule.decisive))
    }
  }

  deinit {
    for position in passingOutcomes.indices {
      guard let leaves = rules[position].leaves else { continue }
      for index in 0..<rules[position].count {
        leaves[index].text.map { UnsafeMutableRawPointer(mutating: $0.baseAddress!).deallocate() }
      }
      leaves.deallocate()
    }
    rules.deallocate()
  }

  /// The rules decided (at most 64).
  package let ruleCount: Int
  /// Whether every rule that is not decided here is skipped (so that a line where every
  /// decided rule holds is a passing line), and how many are.
  package let othersSkipped: Bool
  package let skippedCount: Int

  /// Which rules fail (bit `i` for the rule at position `i`) given `slots` of the line
  /// `document`, of which those whose bit is set in `recorded` hold this line's values (the
  /// others: absent); nil when a leaf the rules reach is not two plain ASCII strings of 1 to 15
  /// digits, or a plain string for a string comparison (the fast path over the value then
  /// decides, or the general path).
  package func failures(
    _ slots: UnsafePointer<ValueSlot>, recorded: UInt64, document: UnsafeRawPointer
  ) -> UInt64? {
    let recorded = recorded | constantBits
    var failing: UInt64 = 0
    let rules = rules.baseAddress!
    for position in 0..<ruleCount {
      let rule = rules[position]
      guard let leaves = rule.leaves else { continue }
      var holds = !rule.decisive
      for index in 0..<rule.count {
        let leaf = leaves + index
        if let text = leaf.pointee.text {
          // As ``FastEvaluator`` compares a string held in a value with a constant: by length,
          // then by bytes (plain strings in a line are their values' bytes).
          let x = slots + leaf.pointee.first
          let bit: UInt64 = 1 &<< UInt64(truncatingIfNeeded: leaf.pointee.first)
          guard recorded & bit != 0, x.pointee.kind == .plainString else { return nil }
          let equal =
            x.pointee.count == text.count
            && (text.isEmpty
              || memcmpBytes(
                (document + x.pointee.start).assumingMemoryBound(to: UInt8.self),
                text.baseAddress!, text.count) == 0)
          if (equal != leaf.pointee.negated) == rule.decisive {
            holds = rule.decisive
            break
          }
          continue
        }
        let x = slots + leaf.pointee.first
        let y = slots + leaf.pointee.second
        let both: UInt64 =
          1 &<< UInt64(truncatingIfNeeded: leaf.pointee.first)
          | 1 &<< UInt64(truncatingIfNeeded: leaf.pointee.second)
        guard recorded & both == both, x.pointee.digits, y.pointee.digits else { return nil }
        // The order of the two digit fields, as ``FastEvaluator/digitStringOrder(_:_:)``
        // finds it for the same strings held in a value.
        let order: Int
        if x.pointee.leading != y.pointee.leading {
          order = x.pointee.leading < y.pointee.leading ? -1 : 1
        } else {
          order =
            x.pointee.trailing < y.pointee.trailing
            ? -1 : (x.pointee.trailing == y.pointee.trailing ? 0 : 1)
        }
        if leaf.pointee.relation.holds(order) == rule.decisive {
          holds = rule.decisive
          break
        }
      }
      if !holds { failing |= 1 &<< UInt64(position) }
    }
    return failing
  }
}

extension SlotPlan {
  /// A constant's slot: a digit field ordered against the fields of digit strings as the
  /// constant is against the numbers they spell. Its sixteen digits when it has at most
  /// sixteen; below every field when negative, above every field when larger (a recorded
  /// digit string has at most fifteen digits).
  static func constantSlot(_ constant: Int) -> ValueSlot {
    var slot = ValueSlot(kind: .plainString, start: 0, count: 0)
    slot.digits = true
    if constant < 0 {
      (slot.leading, slot.trailing) = (0, 0)
    } else if constant > 9_999_999_999_999_999 {
      (slot.leading, slot.trailing) = (.max, .max)
    } else {
      // The digits as they would be read (the first in the lowest byte), byte-swapped.
      let digits = Array(String(constant).utf8)
      let field = [UInt8](repeating: UInt8(ascii: "0"), count: 16 - digits.count) + digits
      func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
      }
      slot.leading = word(field[0..<8]).byteSwapped
      slot.trailing = word(field[8..<16]).byteSwapped
    }
    return slot
  }
}

/// Why ``SlotReader`` left a line to the value path.
package enum SlotFallback: Sendable, Equatable {
  /// The line is not an object read without error and without escaped root keys (the value
  /// path refuses it with its diagnostic, or reads it).
  case unread
  /// A leaf's fields are not two plain digit strings of 1 to 15 bytes.
  case undecided
  /// A rule fails and failures are explained (the explanation needs the value).
  case explanation
}

/// Decides lines by a ``SlotPlan`` with one thread's ``JSONDocumentReader``: where a line's
/// fields lie is read without building a value, and the rules decided from the line's bytes;
/// a line it cannot decide is left to the caller, who reads it into a value as before
/// (``failures(_:)`` nil, ``lastFallback`` says why). Not thread-safe.
package final class SlotReader {
  package let plan: SlotPlan
  /// The plan's ``SlotPlan/ruleCount`` and ``SlotPlan/skippedCount``, and whether a line
  /// where every decided rule holds is a passing line (``SlotPlan/othersSkipped``): read
  /// per line without reaching the plan.
  package let ruleCount: Int
  package let skippedCount: Int
  package let passesCount: Bool
  private let reader: JSONDocumentReader
  /// `reader`, `plan` and its keys, reached per line without reference counting (the reader
  /// holds them).
  private let unmanagedReader: Unmanaged<JSONDocumentReader>
  private let unmanagedPlan: Unmanaged<SlotPlan>
  private let unmanagedKeys: Unmanaged<SlotKeys>
  private let explain: Bool
  private let slots: UnsafeMutablePointer<ValueSlot>
  // Unchecked exclusivity: the reader is not thread-safe and nothing reenters it, so the
  // dynamic check on each access (runtime calls per line) finds nothing.
  /// Lines decided from their slots, and left to the value path.
  @exclusivity(unchecked) package private(set) var decidedLines = 0
  @exclusivity(unchecked) package private(set) var fallbackLines = 0
  /// Why the last line left to the value path was.
  @exclusivity(unchecked) package private(set) var lastFallback: SlotFallback?
  /// Which slots the last read wrote (bit `i` for slot `i`).
  @exclusivity(unchecked) private var recorded: UInt64 = 0

  /// Reads lines by `plan` with `reader`; with `explain`, lines where a rule fails are left
  /// to the value path (which explains the failure).
  package init(plan: SlotPlan, reader: JSONDocumentReader, explain: Bool) {
    self.plan = plan
    ruleCount = plan.ruleCount
    skippedCount = plan.skippedCount
    passesCount = plan.othersSkipped
    self.reader = reader
    unmanagedReader = .passUnretained(reader)
    unmanagedPlan = .passUnretained(plan)
    unmanagedKeys = .passUnretained(plan.keys)
    self.explain = explain
    let count = plan.keys.slotCount + plan.constants.count
    slots = .allocate(capacity: max(1, count))
    slots.initialize(repeating: .absent, count: max(1, count))
    (slots + plan.keys.slotCount).update(from: plan.constants, count: plan.constants.count)
  }

  deinit {
    slots.deallocate()
  }

  /// The rules that fail for the document `bytes` (bit `i`: the rule at position `i`), or nil
  /// when the line must be read into a value and checked as before.
  package func failures(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
    let read = unmanagedKeys._withUnsafeGuaranteedRef { keys in
      unmanagedReader._withUnsafeGuaranteedRef { $0.readSlots(bytes, keys, into: slots) }
    }
    guard let read else {
      recorded = 0
      return fallBack(.unread)
    }
    recorded = read
    // A document that was read has at least one byte.
    let decided = unmanagedPlan._withUnsafeGuaranteedRef {
      $0.failures(slots, recorded: read, document: bytes.baseAddress!)
    }
    guard let failing = decided else { return fallBack(.undecided) }
    if failing != 0, explain { return fallBack(.explanation) }
    decidedLines &+= 1
    return failing
  }

  /// The slots the last read recorded, by path (for tests).
  package var recordedSlots: [ValueSlot] {
    (0..<plan.keys.slotCount).map { recorded & (1 &<< UInt64($0)) != 0 ? slots[$0] : .absent }
  }

  private func fallBack(_ reason: SlotFallback) -> UInt64? {
    fallbackLines &+= 1
    lastFallback = reason
    return nil
  }
}

extension RuleSet {
  /// The slot plan deciding the rules at `indexes` (in that order) from where their fields lie
  /// in a line, or nil when they do not all qualify: every rule is skipped, broken, or active
  /// with a fast path made only of bigint comparisons of two fields of the snapshot or of a
  /// field and a constant (no declared type or `bigint`), and `==`/`!=` of a field with a
  /// string constant (no declared type or `string`; the steps it may charge within the rule's
  /// limit), each field read by keys alone (`limit`, `budget.limit_micro`),
  /// no field read whole being an object another is read from; at most 64 rules, and 64
  /// fields and constants, at least one active.
  package func slotPlan(ruleIndexes indexes: [Int]) -> SlotPlan? {
    guard !indexes.isEmpty, indexes.count <= 64 else {
      return nil
    }
    var paths: [[String]] = []
    var slotByPath: [[[UInt8]]: Int] = [:]
    func slot(_ read: FastPathRead, admitting declared: FastPathRead.Admits = .bigint) -> Int? {
      guard read.root == .snapshot, !read.steps.isEmpty,
        read.steps.allSatisfy({ $0.index < 0 }),
        read.admits == .anything || read.admits == declared
      else { return nil }
      let path = read.steps.indices.map { read.keys[$0].text }
      let bytes = path.map { Array($0.utf8) }
      if let slot = slotByPath[bytes] { return slot }
      slotByPath[bytes] = paths.count
      paths.append(path)
      return paths.count - 1
    }
    // Constants' slots follow the paths': numbered -1, -2, … until the paths are known.
    var constants: [Int] = []
    func slot(constant: Int) -> Int {
      if let position = constants.firstIndex(of: constant) { return -1 - position }
      constants.append(constant)
      return -constants.count
    }
    var texts: [[UInt8]] = []
    var planned: [(leaves: [SlotPlan.Leaf], decisive: Bool)?] = []
    var passing: [RuleOutcome] = []
    for index in indexes {
      let rule = rules[index]
      guard let program = rule.program else {
        switch rule.state {
        case .skipped(let reason): passing.append(.skipped(reason))
        case .broken(let diagnostic): passing.append(.evaluated(.error(diagnostic)))
        case .active: return nil
        }
        planned.append(nil)
        continue
      }
      guard let root = program.fastRoot, let leaves = root.leaves, !leaves.isEmpty else {
        return nil
      }
      var list: [SlotPlan.Leaf] = []
      // The steps string comparisons may charge (``Metering/bytes(_:)`` of the constant's
      // length, charged when the lengths are equal): within the rule's limit, so that the fast
      // path never gives up for want of steps where the slots decide.
      var steps = 0
      for leaf in leaves {
        if leaf.kind == .compare {
          guard let comparison = leaf.comparison,
            case .equal(.text(let constant), let negated) = comparison.pointee,
            let x = slot(leaf.read, admitting: .string)
          else { return nil }
          steps += Metering.bytes(constant.count)
          guard steps <= program.options.evaluationLimits.maximumSteps else { return nil }
          list.append(
            SlotPlan.Leaf(
              relation: .equal, first: x, second: x, textIndex: texts.count, negated: negated))
          texts.append(Array(constant))
          continue
        }
        guard leaf.kind == .bigint, let x = slot(leaf.read) else { return nil }
        let y: Int
        if let second = leaf.secondRead {
          guard let read = slot(second) else { return nil }
          y = read
        } else {
          y = slot(constant: leaf.constant)
        }
        list.append(SlotPlan.Leaf(relation: leaf.relation, first: x, second: y))
      }
      planned.append((list, root.decisive))
      passing.append(.evaluated(.pass))
    }
    // A read tells its fields apart by one bit per slot; a field recorded whole is not also
    // an object read further (`a` and `a.b`).
    guard !paths.isEmpty, paths.count + constants.count <= 64 else { return nil }
    for rule in planned.indices {
      guard let leaves = planned[rule]?.leaves else { continue }
      for leaf in leaves.indices where leaves[leaf].second < 0 {
        planned[rule]!.leaves[leaf].second = paths.count - 1 - leaves[leaf].second
      }
    }
    let keyed = Set(slotByPath.keys)
    for bytes in slotByPath.keys where bytes.count > 1 {
      for length in 1..<bytes.count where keyed.contains(Array(bytes.prefix(length))) {
        return nil
      }
    }
    return SlotPlan(
      paths: paths, constants: constants, texts: texts, rules: planned, passingOutcomes: passing)
  }
}
