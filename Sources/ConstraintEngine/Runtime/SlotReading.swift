/// How the rules of a check are decided from where their fields lie in a line, without
/// building a value (``SlotReader``): for rule sets whose every active rule's fast path is a
/// list of leaf tests that each compare two fields of the snapshot, or a field and an integer
/// constant, as bigints, or a field with a string constant by `==` or `!=`, each field read by
/// keys alone (the usual `bigint_gte(limit, spent) && …` over a flat snapshot,
/// `bigint_gte(budget.limit_micro, budget.spent_micro)` over a nested one,
/// `bigint_gte(cost_micro, 0)`, `entitlement.state == 'ACTIVE' || …`), also under `&&`, `||`,
/// `=>` and `!` with `== null` tests (`payment != null => …`); `matches(field, pattern)` for
/// a pattern the regex automaton matches; `previous(field) == 'text'`; `.every`, `.some` and
/// `.none` over an array of objects whose members the body reads (one key deep), and
/// `bigint_sum(array, 'key')` compared with a constant (`ledger_postings_balanced`). Such a
/// leaf is decided from plain digit strings of 1 to 15 bytes, or from a plain string's bytes,
/// exactly as ``FastEvaluator`` decides it from the same strings held in a value (by their
/// digit fields, ``FastEvaluator/digitField(_:)``; by length and bytes; by the regex
/// automaton, whose answer the fast path gives too); arrays are walked in the line's bytes,
/// which the read has validated (``ValidatedJSONScanner``), charging the steps the fast path
/// charges.
/// Anything else leaves the line to the value.
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

  /// A key read from each element of an array (`p.amount_micro` in `… .every(p => …)`, the
  /// key of `bigint_sum(postings, 'amount_micro')`): its UTF-8 bytes, in memory the plan
  /// owns, and the slot its value is recorded in for the element at hand.
  struct ElementKey {
    var bytes: UnsafeMutablePointer<UInt8>
    var count: Int
    var slot: Int
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
      /// `matches(field, pattern)`: the field in `slot` (a plain string) by `automaton`.
      case matches
      /// `quantifier` over the array in `slot`: `children[first]` decided for each element,
      /// an object whose `elementKeys` are recorded in their slots (`elementBits`; with the
      /// digit fields of plain strings when `flag`: the body compares them as bigints).
      case quantifier
      /// `relation` between `bigint_sum` of the array in `slot` (of each element's
      /// `elementKeys[0]`) and `constant` (`flag`: the constant comes first).
      case sum
      /// `previous(path) == text` (`flag`: `!=`): `slot` holds `_previous`, `otherSlot` the
      /// path under it.
      case previousEquals
    }

    var kind: Kind
    var flag = false
    var slot = 0
    var first = 0
    var count = 0
    var leaves: UnsafeMutablePointer<Leaf>? = nil
    var otherSlot = 0
    var text: UnsafeBufferPointer<UInt8>? = nil
    var automaton: RegexAutomaton? = nil
    var quantifier = Quantifier.every
    var relation = FastRelation.equal
    var constant = 0
    var elementKeys: UnsafeMutablePointer<ElementKey>? = nil
    var elementKeyCount = 0
    var elementBits: UInt64 = 0
  }

  /// A planned node: a ``Node`` with its leaves, its children's node positions, its string
  /// constant and its element keys.
  struct PlannedNode {
    var kind: Node.Kind
    var flag = false
    var slot = 0
    var children: [Int] = []
    var leaves: [Leaf] = []
    var otherSlot = 0
    var text: [UInt8]? = nil
    var automaton: RegexAutomaton? = nil
    var quantifier = Quantifier.every
    var relation = FastRelation.equal
    var constant = 0
    var elementKeys: [(bytes: [UInt8], slot: Int)] = []
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
  /// For each checked rule, the steps its nodes may charge as they go (matches, elements,
  /// sums): its step limit less what its string comparisons may charge (``Metering``), so
  /// that the slots give up wherever ``FastEvaluator`` runs out of steps, or sooner.
  private let stepBudgets: UnsafeMutableBufferPointer<Int>
  /// The compiled regexes whose automata the nodes use, kept alive with the plan.
  private let regexes: [CompiledRegex]
  private let nodes: UnsafeMutableBufferPointer<Node>
  private let children: UnsafeMutableBufferPointer<Int>

  /// The constants the leaves compare fields with, in the slots after the paths' (slot
  /// `paths.count + i` for constant `i`), as a field holding a digit string would be recorded;
  /// and their bits, set in every read.
  package let constants: [ValueSlot]
  private let constantBits: UInt64
  /// The slots after the constants', written per element of an array a node walks.
  package let elementSlots: Int
  /// Whether a rule walks an array (a quantifier or a sum).
  package var readsArrays: Bool { elementSlots > 0 }

  init(
    paths: [[String]], constants: [Int], elementSlots: Int, texts: [[UInt8]], roots: [Int?],
    stepBudgets: [Int], nodes: [PlannedNode], regexes: [CompiledRegex],
    passingOutcomes: [RuleOutcome]
  ) {
    self.elementSlots = elementSlots
    self.paths = paths
    self.regexes = regexes
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
    func keep(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
      let kept = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
      _ = kept.initialize(from: bytes)
      return UnsafeBufferPointer(rebasing: kept[..<bytes.count])
    }
    func allocate(_ list: [Leaf]) -> UnsafeMutablePointer<Leaf> {
      let leaves = UnsafeMutablePointer<Leaf>.allocate(capacity: max(1, list.count))
      leaves.initialize(from: list, count: list.count)
      for index in list.indices where list[index].textIndex >= 0 {
        leaves[index].text = keep(texts[list[index].textIndex])
      }
      return leaves
    }
    self.roots = .allocate(capacity: max(1, roots.count))
    _ = self.roots.initialize(from: roots.map { $0 ?? -1 })
    self.stepBudgets = .allocate(capacity: max(1, stepBudgets.count))
    _ = self.stepBudgets.initialize(from: stepBudgets)
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
      node.otherSlot = planned.otherSlot
      node.text = planned.text.map(keep)
      node.automaton = planned.automaton
      node.quantifier = planned.quantifier
      node.relation = planned.relation
      node.constant = planned.constant
      if !planned.elementKeys.isEmpty {
        let keys = UnsafeMutablePointer<ElementKey>.allocate(capacity: planned.elementKeys.count)
        for (index, key) in planned.elementKeys.enumerated() {
          let bytes = UnsafeMutableRawPointer(mutating: keep(key.bytes).baseAddress!)
            .assumingMemoryBound(to: UInt8.self)
          (keys + index).initialize(
            to: ElementKey(bytes: bytes, count: key.bytes.count, slot: key.slot))
          if key.slot >= 0 { node.elementBits |= 1 &<< UInt64(key.slot) }
        }
        node.elementKeys = keys
        node.elementKeyCount = planned.elementKeys.count
      }
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
    for position in 0..<nodeCount {
      let node = nodes[position]
      if node.kind == .leaves { deallocate(node.leaves, count: node.count) }
      node.text.map { UnsafeMutableRawPointer(mutating: $0.baseAddress!).deallocate() }
      if let keys = node.elementKeys {
        for index in 0..<node.elementKeyCount { keys[index].bytes.deallocate() }
        keys.deallocate()
      }
    }
    roots.deallocate()
    stepBudgets.deallocate()
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
  /// others: absent; the element slots after the constants' are written as arrays are
  /// walked); nil when a leaf the rules reach is not what the slots decide (two plain ASCII
  /// strings of 1 to 15 digits, a plain string for a string comparison or a pattern, an array
  /// of objects without escaped keys…: the fast path over the value then decides, or the
  /// general path).
  package func failures(
    _ slots: UnsafeMutablePointer<ValueSlot>, recorded: UInt64, document: UnsafeRawPointer
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
        : decide(node: root, slots, recorded, document, budget: stepBudgets[position])
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
        guard Self.isRecorded(leaf.pointee.first, recorded), x.pointee.kind == .plainString
        else { return nil }
        let equal = Value.utf8Equal(Self.bytes(of: x, document), text)
        if (equal != leaf.pointee.negated) == decisive { return decisive }
        continue
      }
      let x = slots + leaf.pointee.first
      let y = slots + leaf.pointee.second
      guard Self.isRecorded(leaf.pointee.first, recorded),
        Self.isRecorded(leaf.pointee.second, recorded), x.pointee.digits, y.pointee.digits
      else { return nil }
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

  /// The rule whose condition is at `node`, with `budget` steps for what its nodes charge.
  @inline(never)
  private func decide(
    node position: Int, _ slots: UnsafeMutablePointer<ValueSlot>, _ recorded: UInt64,
    _ document: UnsafeRawPointer, budget: Int
  ) -> Bool? {
    var steps = budget
    return decide(node: position, slots, recorded, document, &steps)
  }

  /// The condition at `node`, decided as ``FastEvaluator/decide(_:)`` decides the fast path's
  /// condition of the same form (in the same order, giving up at the same places or sooner),
  /// drawing on `steps` where it charges them.
  private func decide(
    node position: Int, _ slots: UnsafeMutablePointer<ValueSlot>, _ recorded: UInt64,
    _ document: UnsafeRawPointer, _ steps: inout Int
  ) -> Bool? {
    let node = nodes.baseAddress! + position
    switch node.pointee.kind {
    case .constant:
      return node.pointee.flag
    case .all, .any:
      let decisive = node.pointee.kind == .any
      let first = node.pointee.first
      for index in first..<(first + node.pointee.count) {
        guard let flag = decide(node: children[index], slots, recorded, document, &steps) else {
          return nil
        }
        if flag == decisive { return decisive }
      }
      return !decisive
    case .implies:
      let first = node.pointee.first
      guard let premise = decide(node: children[first], slots, recorded, document, &steps)
      else { return nil }
      return premise
        ? decide(node: children[first + 1], slots, recorded, document, &steps) : true
    case .not:
      return decide(node: children[node.pointee.first], slots, recorded, document, &steps)
        .map { !$0 }
    case .isNull:
      // Absent (the path does not resolve) or `null`: null; any other value: not null.
      let negated = node.pointee.flag
      return Self.isNull(node.pointee.slot, slots, recorded, document) ? !negated : negated
    case .leaves:
      return decide(
        node.pointee.leaves!, count: node.pointee.count, decisive: node.pointee.flag, slots,
        recorded, document)
    case .matches:
      // As ``FastEvaluator`` matches a string in place: the subject's bytes charged
      // (``Metering/match(subjectBytes:)``), then the automaton's answer; anything but a
      // plain string, or a subject the automaton leaves to PCRE2, gives up.
      let slot = slots + node.pointee.slot
      guard Self.isRecorded(node.pointee.slot, recorded), slot.pointee.kind == .plainString
      else { return nil }
      steps &-= Metering.match(subjectBytes: slot.pointee.count)
      guard steps >= 0 else { return nil }
      return node.pointee.automaton!.matches(Self.bytes(of: slot, document))
    case .quantifier:
      return quantify(node, slots, recorded, document, &steps)
    case .sum:
      guard let total = sum(node, slots, recorded, document, &steps) else { return nil }
      return node.pointee.flag
        ? node.pointee.relation.holds(node.pointee.constant, total)
        : node.pointee.relation.holds(total, node.pointee.constant)
    case .previousEquals:
      // `previous(path)` is absent when `_previous` is (``FastEvaluator``'s `.previous`),
      // else the value at `_previous.path`; absent is unequal to a string.
      let negated = node.pointee.flag
      if Self.isNull(node.pointee.slot, slots, recorded, document) { return negated }
      let earlier = node.pointee.otherSlot
      if Self.isNull(earlier, slots, recorded, document) { return negated }
      let slot = slots + earlier
      guard slot.pointee.kind == .plainString else { return nil }
      let text = node.pointee.text!
      guard slot.pointee.count == text.count else { return negated }
      // ``Metering/stringEquality(_:_:)``: the bytes, when the lengths are equal.
      steps &-= Metering.bytes(text.count)
      guard steps >= 0 else { return nil }
      return Value.utf8Equal(Self.bytes(of: slot, document), text) != negated
    }
  }

  /// Whether this line's read wrote `slot` (its bit is set in `recorded`).
  @inline(__always)
  private static func isRecorded(_ slot: Int, _ recorded: UInt64) -> Bool {
    recorded & (1 &<< UInt64(truncatingIfNeeded: slot)) != 0
  }

  /// The bytes of the plain string in `slot` (its content, where it lies in `document`).
  @inline(__always)
  private static func bytes(of slot: UnsafePointer<ValueSlot>, _ document: UnsafeRawPointer)
    -> UnsafeBufferPointer<UInt8>
  {
    UnsafeBufferPointer(
      start: (document + slot.pointee.start).assumingMemoryBound(to: UInt8.self),
      count: slot.pointee.count)
  }

  /// Whether the field in `slot` is absent or `null`.
  @inline(__always)
  private static func isNull(
    _ slot: Int, _ slots: UnsafeMutablePointer<ValueSlot>, _ recorded: UInt64,
    _ document: UnsafeRawPointer
  ) -> Bool {
    guard isRecorded(slot, recorded) else { return true }
    return slots[slot].kind == .literal
      && document.load(fromByteOffset: slots[slot].start, as: UInt8.self) == UInt8(ascii: "n")
  }

  /// A scanner at the first element of the array in `node`'s slot; nil when that field is
  /// absent or not an array.
  @inline(__always)
  private static func elements(
    of node: UnsafeMutablePointer<Node>, _ slots: UnsafeMutablePointer<ValueSlot>,
    _ recorded: UInt64, _ document: UnsafeRawPointer
  ) -> ValidatedJSONScanner? {
    let arraySlot = node.pointee.slot
    guard isRecorded(arraySlot, recorded), slots[arraySlot].kind == .array
    else { return nil }
    var scanner = ValidatedJSONScanner(document: document, array: slots[arraySlot])
    scanner.skipWhitespace()
    return scanner
  }

  /// The quantifier at `node`, as ``FastEvaluator`` quantifies over an array: a step per
  /// element visited, then its body, until an element decides; nil for anything but an array
  /// of objects without escaped keys.
  private func quantify(
    _ node: UnsafeMutablePointer<Node>, _ slots: UnsafeMutablePointer<ValueSlot>,
    _ recorded: UInt64, _ document: UnsafeRawPointer, _ steps: inout Int
  ) -> Bool? {
    guard var scanner = Self.elements(of: node, slots, recorded, document) else { return nil }
    let quantifier = node.pointee.quantifier
    let body = children[node.pointee.first]
    let others = recorded & ~node.pointee.elementBits
    while !scanner.atEnd {
      steps &-= 1
      guard steps >= 0,
        let element = scanner.readElement(
          node.pointee.elementKeys!, count: node.pointee.elementKeyCount, into: slots,
          digits: node.pointee.flag)
      else { return nil }
      guard let flag = decide(node: body, slots, others | element.recorded, document, &steps)
      else { return nil }
      if let result = quantifier.decision(onElementWhoseBodyIs: flag) { return result }
    }
    return quantifier.resultWhenUndecided
  }

  /// `bigint_sum` of the array at `node`'s slot, of each element's key, as ``FastEvaluator``
  /// sums it: a step per element and per member of each element, an absent or `null` item
  /// adding nothing, the others strings of at most 18 digits; nil for anything else (an
  /// element that is not an object, a number, an escaped string), or on overflow.
  private func sum(
    _ node: UnsafeMutablePointer<Node>, _ slots: UnsafeMutablePointer<ValueSlot>,
    _ recorded: UInt64, _ document: UnsafeRawPointer, _ steps: inout Int
  ) -> Int? {
    guard var scanner = Self.elements(of: node, slots, recorded, document) else { return nil }
    let key = node.pointee.elementKeys!
    let itemSlot = key.pointee.slot
    var total = 0
    while !scanner.atEnd {
      guard let element = scanner.readElement(key, count: 1, into: slots, digits: false) else {
        return nil
      }
      steps &-= 1 &+ element.members
      guard steps >= 0 else { return nil }
      guard element.recorded != 0, !Self.isNull(itemSlot, slots, element.recorded, document)
      else { continue }
      let item = slots + itemSlot
      guard item.pointee.kind == .plainString,
        let addend = FastEvaluator.smallInteger(utf8: Self.bytes(of: item, document))
      else { return nil }
      let (next, overflow) = total.addingReportingOverflow(addend)
      if overflow { return nil }
      total = next
    }
    return total
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
    let count = plan.keys.slotCount + plan.constants.count + plan.elementSlots
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
    guard let read = read(bytes) else {
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

  /// Reads the document `bytes` for the plan's slots (every byte validated as the full reader
  /// validates it, the fields located, nothing built): the bits of the slots written, or nil
  /// where the line must be read into a value.
  @inline(__always)
  package func read(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
    unmanagedKeys._withUnsafeGuaranteedRef { keys in
      unmanagedReader._withUnsafeGuaranteedRef { $0.readSlots(bytes, keys, into: slots) }
    }
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
  /// `== null`/`!= null` of an undeclared field, `matches` of a field (no declared type or
  /// `string`) with a pattern the regex automaton takes, `previous(field)` (undeclared) `==` or
  /// `!=` a string constant, `bigint_sum(array, 'key')` compared with an integer constant, a
  /// quantifier (not `.count`, not nested) over an array whose body reads its element's keys
  /// (one step, no string comparison), and `&&`, `||`, `=>`, `!` and constants over these;
  /// each field read by keys alone (`limit`, `budget.limit_micro`); at most 64 rules, and 64
  /// fields, constants and element keys, at least one field.
  package func slotPlan(ruleIndexes indexes: [Int]) -> SlotPlan? {
    guard !indexes.isEmpty, indexes.count <= 64 else {
      return nil
    }
    var paths: [[String]] = []
    var slotByPath: [[[UInt8]]: Int] = [:]
    // Slots of the keys read from a quantifier's elements follow the constants': numbered
    // `elementBase + i` until then. `body` is the quantifier being planned, if any: only its
    // own variable (level 0, no quantifier around it) is read, one key deep.
    let elementBase = 1 << 20
    var elementSlots = 0
    var body: [(bytes: [UInt8], slot: Int)]?
    var bodyComparesBigints = false
    func newElementSlot() -> Int {
      elementSlots += 1
      return elementBase + elementSlots - 1
    }
    func elementSlot(_ key: [UInt8]) -> Int {
      if let known = body!.first(where: { $0.bytes == key }) { return known.slot }
      body!.append((key, newElementSlot()))
      return body!.last!.slot
    }
    func slot(_ read: FastPathRead, admitting declared: FastPathRead.Admits = .bigint) -> Int? {
      guard !read.steps.isEmpty, read.steps.allSatisfy({ $0.index < 0 }),
        read.admits == .anything || read.admits == declared
      else { return nil }
      if read.root != .snapshot {
        guard read.root == .variable(level: 0), body != nil, read.steps.count == 1 else {
          return nil
        }
        return elementSlot(Array(read.keys[0].text.utf8))
      }
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
        // Charged once per rule above: not in a quantifier's body, charged per element.
        guard body == nil, let comparison = leaf.comparison,
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
      if body != nil { bodyComparesBigints = true }
      guard let second = leaf.secondRead else {
        return SlotPlan.Leaf(
          relation: leaf.relation, first: x, second: slot(constant: leaf.constant))
      }
      guard let y = slot(second) else { return nil }
      return SlotPlan.Leaf(relation: leaf.relation, first: x, second: y)
    }
    var nodes: [SlotPlan.PlannedNode] = []
    var regexes: [CompiledRegex] = []
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
      case .bigint(let relation, let operands):
        if let sum = sumNode(relation, operands.pointee) { return sum }
        guard let fast = FastLeaf(condition), let planned = leaf(fast) else { return nil }
        return add(SlotPlan.PlannedNode(kind: .leaves, leaves: [planned]))
      case .compare:
        guard let fast = FastLeaf(condition), let planned = leaf(fast) else { return nil }
        return add(SlotPlan.PlannedNode(kind: .leaves, leaves: [planned]))
      case .matches(let subject, let regex):
        // Only a pattern the automaton matches, as the fast path's match gives the
        // automaton's answer on ASCII subjects.
        let compiled = regex.takeUnretainedValue()
        guard case .path(let read) = subject.pointee, let automaton = compiled.slotAutomaton,
          let slot = slot(read, admitting: .string)
        else { return nil }
        regexes.append(compiled)
        return add(SlotPlan.PlannedNode(kind: .matches, slot: slot, automaton: automaton))
      case .quantifier(let quantifier, let receiver, let condition):
        guard body == nil, quantifier != .count, let array = slot(receiver, admitting: .array)
        else { return nil }
        body = []
        bodyComparesBigints = false
        defer { body = nil }
        guard let child = node(condition.pointee) else { return nil }
        return add(
          SlotPlan.PlannedNode(
            kind: .quantifier, flag: bodyComparesBigints, slot: array, children: [child],
            quantifier: quantifier, elementKeys: body!))
      case .equal(let operands, let negated):
        // `previous(path) == 'text'` (or `!=`), either way round.
        var pair = (operands.pointee.first, operands.pointee.second)
        if case .constant = pair.0 { pair = (pair.1, pair.0) }
        guard case .previous(let previousRoot, let current, let earlier) = pair.0,
          case .constant(.string(_, let text)) = pair.1, current.admits == .anything,
          let previous = slot(previousRoot, admitting: .anything),
          let field = slot(earlier, admitting: .string)
        else { return nil }
        return add(
          SlotPlan.PlannedNode(
            kind: .previousEquals, flag: negated, slot: previous, otherSlot: field,
            text: Array(text)))
      default:
        return nil
      }
    }
    // `bigint_sum(array, 'key')` compared with an integer constant, either way round.
    func sumNode(_ relation: FastRelation, _ operands: FastOperandPair) -> Int? {
      var (sum, other, constantFirst) = (operands.first, operands.second, false)
      if case .constant = sum { (sum, other, constantFirst) = (other, sum, true) }
      guard case .bigintSum(let read, let key?) = sum, case .constant(.int(let constant)) = other,
        key.steps.count == 1, key.steps[0].index < 0,
        let array = slot(read, admitting: .array)
      else { return nil }
      let item = newElementSlot()
      return add(
        SlotPlan.PlannedNode(
          kind: .sum, flag: constantFirst, slot: array, relation: relation, constant: constant,
          elementKeys: [(Array(key.keys[0].text.utf8), item)]))
    }
    var roots: [Int?] = []
    var budgets: [Int] = []
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
        budgets.append(0)
        continue
      }
      guard let root = program.fastRoot else { return nil }
      steps = 0
      stepLimit = program.options.evaluationLimits.maximumSteps
      guard let top = node(root.condition.pointee) else { return nil }
      roots.append(top)
      budgets.append(stepLimit - steps)
      passing.append(.evaluated(.pass))
    }
    // A read tells its fields apart by one bit per slot: paths', constants', then elements'.
    let slotCount = paths.count + constants.count + elementSlots
    guard !paths.isEmpty, slotCount <= 64 else { return nil }
    func resolved(_ slot: Int) -> Int {
      if slot >= elementBase { return paths.count + constants.count + slot - elementBase }
      return slot < 0 ? paths.count - 1 - slot : slot
    }
    for position in nodes.indices {
      nodes[position].slot = resolved(nodes[position].slot)
      nodes[position].otherSlot = resolved(nodes[position].otherSlot)
      for key in nodes[position].elementKeys.indices {
        nodes[position].elementKeys[key].slot = resolved(nodes[position].elementKeys[key].slot)
      }
      for leaf in nodes[position].leaves.indices {
        nodes[position].leaves[leaf].first = resolved(nodes[position].leaves[leaf].first)
        nodes[position].leaves[leaf].second = resolved(nodes[position].leaves[leaf].second)
      }
    }
    return SlotPlan(
      paths: paths, constants: constants, elementSlots: elementSlots, texts: texts, roots: roots,
      stepBudgets: budgets, nodes: nodes, regexes: regexes, passingOutcomes: passing)
  }
}
