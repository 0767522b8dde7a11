/// How the rules of a check are decided from where their fields lie in a line, without
/// building a value (``SlotReader``): for rule sets whose every active rule's fast path is a
/// list of leaf tests that each compare two fields of the snapshot, or a field and an integer
/// constant, as bigints, or a field with a string constant by `==` or `!=`, each field read by
/// keys alone (the usual `bigint_gte(limit, spent) && …` over a flat snapshot,
/// `bigint_gte(budget.limit_micro, budget.spent_micro)` over a nested one,
/// `bigint_gte(cost_micro, 0)`, `entitlement.state == 'ACTIVE' || …`), also under `&&`, `||`,
/// `=>` and `!` with `== null` tests (`payment != null => …`). Such a leaf is decided
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

  /// A rule's condition, or a part of it, as ``FastEvaluator`` decides the fast path's
  /// condition of the same form.
  struct Node {
    enum Kind {
      /// `flag`.
      case constant
      /// `&&` or `||` of the nodes `children[first..<first + count]`.
      case all, any
      /// `children[first] => children[first + 1]`.
      case implies
      /// `!children[first]`.
      case not
      /// The field in `slot` is absent or null (`flag`: `!= null`).
      case isNull
      /// `leaves` joined by `&&` (`flag` false) or `||` (true).
      case leaves
    }

    var kind: Kind
    var flag = false
    var slot = 0
    var first = 0
    var count = 0
    var leaves: UnsafeMutablePointer<Leaf>? = nil
  }

  /// A planned node: a ``Node`` with its leaves and its children's node positions.
  struct PlannedNode {
    var kind: Node.Kind
    var flag = false
    var slot = 0
    var children: [Int] = []
    var leaves: [Leaf] = []
  }

  /// The paths whose values are recorded (slot `i` for path `i`), laid out for the read.
  package let keys: SlotKeys
  /// The paths whose values are recorded, by slot: each a key of the snapshot, then keys of
  /// the objects below it.
  package let paths: [[String]]
  /// The outcomes of the checked rules when every rule with leaves holds (the others'
  /// outcomes are fixed).
  package let passingOutcomes: [RuleOutcome]
  /// Each checked rule's condition, by its node; -1 for a rule whose outcome does not depend
  /// on the snapshot (skipped, broken).
  private let roots: UnsafeMutableBufferPointer<Int>
  private let nodes: UnsafeMutableBufferPointer<Node>
  private let children: UnsafeMutableBufferPointer<Int>

  /// The constants the leaves compare fields with, in the slots after the paths' (slot
  /// `paths.count + i` for constant `i`), as a field holding a digit string would be recorded;
  /// and their bits, set in every read.
  package let constants: [ValueSlot]
  private let constantBits: UInt64

  init(
    paths: [[String]], constants: [Int], texts: [[UInt8]], roots: [Int?],
    nodes: [PlannedNode], passingOutcomes: [RuleOutcome]
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
    // Leaves in memory of their own, with their string constants.
    func allocate(_ list: [Leaf]) -> UnsafeMutablePointer<Leaf> {
      let leaves = UnsafeMutablePointer<Leaf>.allocate(capacity: max(1, list.count))
      leaves.initialize(from: list, count: list.count)
      for index in list.indices where list[index].textIndex >= 0 {
        let bytes = texts[list[index].textIndex]
        let text = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = text.initialize(from: bytes)
        leaves[index].text = UnsafeBufferPointer(rebasing: text[..<bytes.count])
      }
      return leaves
    }
    self.roots = .allocate(capacity: max(1, roots.count))
    _ = self.roots.initialize(from: roots.map { $0 ?? -1 })
    self.nodes = .allocate(capacity: max(1, nodes.count))
    self.children = .allocate(capacity: max(1, nodes.reduce(0) { $0 + $1.children.count }))
    var childCount = 0
    for (position, planned) in nodes.enumerated() {
      var node = Node(kind: planned.kind, flag: planned.flag, slot: planned.slot)
      node.first = childCount
      node.count = planned.kind == .leaves ? planned.leaves.count : planned.children.count
      for child in planned.children {
        (children.baseAddress! + childCount).initialize(to: child)
        childCount += 1
      }
      if planned.kind == .leaves { node.leaves = allocate(planned.leaves) }
      (self.nodes.baseAddress! + position).initialize(to: node)
    }
    nodeCount = nodes.count
  }

  private let nodeCount: Int

  deinit {
    func deallocate(_ leaves: UnsafeMutablePointer<Leaf>?, count: Int) {
      guard let leaves else { return }
      for index in 0..<count {
        leaves[index].text.map { UnsafeMutableRawPointer(mutating: $0.baseAddress!).deallocate() }
      }
      leaves.deallocate()
    }
    for position in 0..<nodeCount where nodes[position].kind == .leaves {
      deallocate(nodes[position].leaves, count: nodes[position].count)
    }
    roots.deallocate()
    nodes.deallocate()
    children.deallocate()
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
    let roots = roots.baseAddress!
    for position in 0..<ruleCount {
      let root = roots[position]
      guard root >= 0 else { continue }
      // A list of leaves (the common rule) decided here, without the call for a node.
      let node = nodes.baseAddress! + root
      let decided =
        node.pointee.kind == .leaves
        ? decide(
          node.pointee.leaves!, count: node.pointee.count, decisive: node.pointee.flag, slots,
          recorded, document)
        : decide(node: root, slots, recorded, document)
      guard let holds = decided else { return nil }
      if !holds { failing |= 1 &<< UInt64(position) }
    }
    return failing
  }

  /// The leaves at `leaves` joined by `&&` (`decisive` false) or `||` (true), decided in order
  /// as ``FastEvaluator`` decides them; nil at the first one the slots cannot decide.
  @inline(__always)
  private func decide(
    _ leaves: UnsafeMutablePointer<Leaf>, count: Int, decisive: Bool,
    _ slots: UnsafePointer<ValueSlot>, _ recorded: UInt64, _ document: UnsafeRawPointer
  ) -> Bool? {
    for index in 0..<count {
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
        if (equal != leaf.pointee.negated) == decisive { return decisive }
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
      if leaf.pointee.relation.holds(order) == decisive { return decisive }
    }
    return !decisive
  }

  /// The condition at `node`, decided as ``FastEvaluator/decide(_:)`` decides the fast path's
  /// condition of the same form (in the same order, giving up at the same places or sooner).
  private func decide(
    node position: Int, _ slots: UnsafePointer<ValueSlot>, _ recorded: UInt64,
    _ document: UnsafeRawPointer
  ) -> Bool? {
    let node = nodes[position]
    switch node.kind {
    case .constant:
      return node.flag
    case .all, .any:
      let decisive = node.kind == .any
      for index in node.first..<(node.first + node.count) {
        guard let flag = decide(node: children[index], slots, recorded, document) else {
          return nil
        }
        if flag == decisive { return decisive }
      }
      return !decisive
    case .implies:
      guard let premise = decide(node: children[node.first], slots, recorded, document) else {
        return nil
      }
      return premise ? decide(node: children[node.first + 1], slots, recorded, document) : true
    case .not:
      return decide(node: children[node.first], slots, recorded, document).map { !$0 }
    case .isNull:
      // Absent (the path does not resolve) or `null`: null; any other value: not null.
      let negated = node.flag
      guard recorded & (1 &<< UInt64(truncatingIfNeeded: node.slot)) != 0 else {
        return !negated
      }
      let slot = slots[node.slot]
      if slot.kind == .literal, document.load(fromByteOffset: slot.start, as: UInt8.self)
        == UInt8(ascii: "n")
      {
        return !negated
      }
      return negated
    case .leaves:
      return decide(node.leaves!, count: node.count, decisive: node.flag, slots, recorded, document)
    }
  }
}

extension SlotPlan {
  /// A constant's slot: a digit field ordered against the fields of digit strings as the
  /// constant is against the numbers they spell. Its digits' field when it has at most
  /// fifteen; below every field when negative, above every field when larger (a recorded
  /// digit string has at most fifteen digits).
  static func constantSlot(_ constant: Int) -> ValueSlot {
    var slot = ValueSlot(kind: .plainString, start: 0, count: 0)
    slot.digits = true
    if constant < 0 {
      (slot.leading, slot.trailing) = (0, 0)
    } else if constant > 999_999_999_999_999 {
      (slot.leading, slot.trailing) = (.max, .max)
    } else {
      // Its digits' field, made as a recorded digit string's is
      // (``ValueSlot/init(start:count:low:high:)``).
      let digits = Array(String(constant).utf8)
      let words = SlotKeys.words(digits)
      (slot.leading, slot.trailing) = FastEvaluator.digitField((words.0, words.1, digits.count))!
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
  /// field and a constant (no declared type or `bigint`), `==`/`!=` of a field with a string
  /// constant (no declared type or `string`; the steps it may charge within the rule's limit),
  /// `== null`/`!= null` of an undeclared field, and `&&`, `||`, `=>`, `!` and constants over
  /// these; each field read by keys alone (`limit`, `budget.limit_micro`); at most 64 rules,
  /// and 64 fields and constants, at least one field.
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
    // The steps string comparisons may charge (``Metering/bytes(_:)`` of the constant's length,
    // charged when the lengths are equal), per rule: within the rule's limit, so that the fast
    // path never gives up for want of steps where the slots decide.
    var steps = 0
    var stepLimit = 0
    func leaf(_ leaf: FastLeaf) -> SlotPlan.Leaf? {
      if leaf.kind == .compare {
        guard let comparison = leaf.comparison,
          case .equal(.text(let constant), let negated) = comparison.pointee,
          let x = slot(leaf.read, admitting: .string)
        else { return nil }
        steps += Metering.bytes(constant.count)
        guard steps <= stepLimit else { return nil }
        texts.append(Array(constant))
        return SlotPlan.Leaf(
          relation: .equal, first: x, second: x, textIndex: texts.count - 1, negated: negated)
      }
      guard leaf.kind == .bigint, let x = slot(leaf.read) else { return nil }
      guard let second = leaf.secondRead else {
        return SlotPlan.Leaf(
          relation: leaf.relation, first: x, second: slot(constant: leaf.constant))
      }
      guard let y = slot(second) else { return nil }
      return SlotPlan.Leaf(relation: leaf.relation, first: x, second: y)
    }
    var nodes: [SlotPlan.PlannedNode] = []
    func add(_ node: SlotPlan.PlannedNode) -> Int {
      nodes.append(node)
      return nodes.count - 1
    }
    // The node of a fast-path condition, nil for a form the slots do not decide.
    func node(_ condition: FastCondition) -> Int? {
      switch condition {
      case .constant(let flag):
        return add(SlotPlan.PlannedNode(kind: .constant, flag: flag))
      case .all(let terms), .any(let terms):
        var children: [Int] = []
        for term in terms {
          guard let child = node(term) else { return nil }
          children.append(child)
        }
        let kind: SlotPlan.Node.Kind
        if case .all = condition { kind = .all } else { kind = .any }
        return add(SlotPlan.PlannedNode(kind: kind, children: children))
      case .implies(let premise, let conclusion):
        guard let first = node(premise.pointee), let second = node(conclusion.pointee) else {
          return nil
        }
        return add(SlotPlan.PlannedNode(kind: .implies, children: [first, second]))
      case .not(let operand):
        guard let child = node(operand.pointee) else { return nil }
        return add(SlotPlan.PlannedNode(kind: .not, children: [child]))
      case .isNull(let read, let negated):
        // Only undeclared fields: a declared type is checked first on the general path.
        guard read.admits == .anything, let slot = slot(read, admitting: .anything) else {
          return nil
        }
        return add(SlotPlan.PlannedNode(kind: .isNull, flag: negated, slot: slot))
      case .leaves(let list, let decisive):
        var leaves: [SlotPlan.Leaf] = []
        for fast in list {
          guard let planned = leaf(fast) else { return nil }
          leaves.append(planned)
        }
        return add(SlotPlan.PlannedNode(kind: .leaves, flag: decisive, leaves: leaves))
      case .compare, .bigint:
        guard let fast = FastLeaf(condition), let planned = leaf(fast) else { return nil }
        return add(SlotPlan.PlannedNode(kind: .leaves, leaves: [planned]))
      default:
        return nil
      }
    }
    var roots: [Int?] = []
    var passing: [RuleOutcome] = []
    for index in indexes {
      let rule = rules[index]
      guard let program = rule.program else {
        switch rule.state {
        case .skipped(let reason): passing.append(.skipped(reason))
        case .broken(let diagnostic): passing.append(.evaluated(.error(diagnostic)))
        case .active: return nil
        }
        roots.append(nil)
        continue
      }
      guard let root = program.fastRoot else { return nil }
      steps = 0
      stepLimit = program.options.evaluationLimits.maximumSteps
      guard let top = node(root.condition.pointee) else { return nil }
      roots.append(top)
      passing.append(.evaluated(.pass))
    }
    // A read tells its fields apart by one bit per slot.
    guard !paths.isEmpty, paths.count + constants.count <= 64 else { return nil }
    for position in nodes.indices {
      for leaf in nodes[position].leaves.indices where nodes[position].leaves[leaf].second < 0 {
        nodes[position].leaves[leaf].second = paths.count - 1 - nodes[position].leaves[leaf].second
      }
    }
    return SlotPlan(
      paths: paths, constants: constants, texts: texts, roots: roots, nodes: nodes,
      passingOutcomes: passing)
  }
}
