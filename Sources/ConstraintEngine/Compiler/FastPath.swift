import Synchronization

/// The fast path of a compiled rule: the common case of evaluation — every operand present,
/// of the expected type, a small integer, a string or a boolean — decided without building
/// values, results or diagnostics.
///
/// The fast path never decides anything the general path would not: as soon as it meets
/// something outside that common case (a missing or null operand where one is needed, a type
/// mismatch, a number past 64 bits, a decimal, a regex limit, the step limit) it gives up, and
/// the program evaluates the rule again on the general path, which produces the exact outcome
/// with its diagnostic. Evaluation has no side effects, so the second evaluation is safe. Tests
/// and the fuzzer check that whenever the fast path decides, it agrees with both evaluators.
///
/// The tree is not reference counted: sub-conditions are pointers into the program's
/// ``FastPathStorage`` and regexes are unowned references to the program's, so the threads
/// that share a program never write to shared reference counts while deciding.
///
/// Every payload is at most two words and a byte: larger ones (operand pairs, leaves, operands)
/// lie in the program's ``FastPathStorage`` and are held by address. The evaluator switches
/// over conditions it reaches by address, and a switch loads the whole enum first: at 65 bytes
/// that was about 60 instructions per condition visited, now a few.
enum FastCondition: @unchecked Sendable {
  case constant(Bool)
  /// `a && b && …`: false as soon as one is false.
  case all(UnsafeBufferPointer<FastCondition>)
  /// `a || b || …`: true as soon as one is true.
  case any(UnsafeBufferPointer<FastCondition>)
  case implies(UnsafePointer<FastCondition>, UnsafePointer<FastCondition>)
  case not(UnsafePointer<FastCondition>)
  /// `==` / `!=` (`negated`).
  case equal(UnsafePointer<FastOperandPair>, negated: Bool)
  /// `path == null` / `path != null` (`negated`): whether the value is missing or null, for a
  /// value of any type (objects and arrays included).
  case isNull(FastPathRead, negated: Bool)
  /// `<`, `<=`, `>`, `>=` on two integers or two strings.
  case order(FastRelation, UnsafePointer<FastOperandPair>)
  /// A path compared with a constant (`x.quantity > 0`, `state == 'ACTIVE'`), decided where
  /// the value lies, without building an operand for it.
  /// (Its leaf form: the read and the comparison, which the program's storage holds.)
  case compare(UnsafePointer<FastLeaf>)
  /// `&&` (`decisive` false) or `||` (true) of leaf tests only: the common shape of a rule,
  /// visited without reference counting.
  case leaves(UnsafeBufferPointer<FastLeaf>, decisive: Bool)
  /// `bigint_gte`, `bigint_gt`, `bigint_lte`, `bigint_lt`, `bigint_eq`.
  case bigint(FastRelation, UnsafePointer<FastOperandPair>)
  /// `.every`, `.some`, `.none` over an array read from a path.
  case quantifier(Quantifier, FastPathRead, UnsafePointer<FastCondition>)
  /// The regex is the program's (``Program/regexes`` keeps it alive).
  case matches(UnsafePointer<FastOperand>, Unmanaged<CompiledRegex>)
  /// A boolean operand used as a condition.
  case truth(UnsafePointer<FastOperand>)
}

/// The two operands of a binary condition, held by the program's ``FastPathStorage``.
struct FastOperandPair: @unchecked Sendable {
  let first: FastOperand
  let second: FastOperand
}

/// A leaf test in a trivial form (visiting it touches no reference count): a path compared
/// with a constant, or a bigint comparison of two reads or of a read and a constant.
struct FastLeaf: @unchecked Sendable {
  enum Kind: Sendable {
    case compare
    case bigint
  }

  let kind: Kind
  let read: FastPathRead
  /// `compare`: the comparison (held by the program's ``FastPathStorage``).
  let comparison: UnsafePointer<FastComparison>?
  /// `bigint`: the relation, and the second operand (a read, or the constant when nil).
  let relation: FastRelation
  let secondRead: FastPathRead?
  let constant: Int
  /// `bigint` of two reads that each take one key from the snapshot itself, with no declared
  /// type or `bigint` (the usual `bigint_gte(limit, spent)` on a flat snapshot): the fast
  /// path reads both from the snapshot's members, found once for all such leaves, and
  /// compares them as digit fields when it can (anything else is decided as for any leaf).
  let readsTwoRootFields: Bool

  /// A path compared with a constant.
  init(_ read: FastPathRead, _ comparison: UnsafePointer<FastComparison>) {
    kind = .compare
    self.read = read
    self.comparison = comparison
    relation = .equal
    secondRead = nil
    constant = 0
    readsTwoRootFields = false
  }

  /// Whether `read` takes one key from the snapshot and reads digit strings as integers.
  private static func readsRootField(_ read: FastPathRead) -> Bool {
    read.root == .snapshot && read.steps.count == 1 && read.steps[0].index < 0
      && (read.admits == .anything || read.admits == .bigint)
  }

  /// The leaf form of `condition`, or nil when it has none.
  init?(_ condition: FastCondition) {
    switch condition {
    case .compare(let leaf):
      self = leaf.pointee
    case .bigint(let relation, let operands):
      guard case .path(let first) = operands.pointee.first else { return nil }
      let second = operands.pointee.second
      self.kind = .bigint
      self.read = first
      self.comparison = nil
      self.relation = relation
      switch second {
      case .path(let read):
        self.secondRead = read
        self.constant = 0
        self.readsTwoRootFields = Self.readsRootField(first) && Self.readsRootField(read)
      case .constant(.int(let value)):
        self.secondRead = nil
        self.constant = value
        self.readsTwoRootFields = false
      default:
        return nil
      }
    default:
      return nil
    }
  }
}

/// The comparison of a path's value with a constant (never null: `== null` is `isNull`).
enum FastComparison: @unchecked Sendable {
  /// `value == constant` (`!=` when `negated`).
  case equal(FastComparand, negated: Bool)
  /// `value <relation> constant`.
  case order(FastRelation, FastComparand)
}

/// The constant of a ``FastComparison``: a string as its UTF-8 bytes, which the program's
/// ``FastPathStorage`` owns, never as a `String`. Every thread checking with the program reads
/// the same constant: copying a string of more than 15 bytes out of it retained its storage,
/// and two threads doing so contended for that reference count's cache line on every test.
/// Trivial, unlike ``FastScalar`` (which also holds strings read from snapshots): switching
/// over a comparison copies nothing (with a `FastScalar` here, each test copied the comparison
/// through an outlined copy that retains).
enum FastComparand: @unchecked Sendable {
  case absent
  case bool(Bool)
  case int(Int)
  case text(UnsafeBufferPointer<UInt8>)
}

/// An ordering relation, also used for the bigint comparisons (`equal` is `bigint_eq`).
enum FastRelation: Sendable {
  case less, lessEqual, greater, greaterEqual, equal

  init?(_ op: BinaryOperator) {
    switch op {
    case .less: self = .less
    case .lessEqual: self = .lessEqual
    case .greater: self = .greater
    case .greaterEqual: self = .greaterEqual
    default: return nil
    }
  }

  /// The same relation with its operands swapped (`a < b` is `b > a`).
  var swapped: FastRelation {
    switch self {
    case .less: return .greater
    case .lessEqual: return .greaterEqual
    case .greater: return .less
    case .greaterEqual: return .lessEqual
    case .equal: return .equal
    }
  }

  /// Whether the relation holds between two integers.
  @inline(__always)
  func holds(_ lhs: Int, _ rhs: Int) -> Bool {
    holds(lhs < rhs ? -1 : (lhs == rhs ? 0 : 1))
  }

  /// Whether the relation holds for `comparison`: -1, 0 or 1 (less, equal, greater).
  @inline(__always)
  func holds(_ comparison: Int) -> Bool {
    switch self {
    case .less: return comparison < 0
    case .lessEqual: return comparison <= 0
    case .greater: return comparison > 0
    case .greaterEqual: return comparison >= 0
    case .equal: return comparison == 0
    }
  }
}

/// A scalar the fast path reads or computes.
enum FastOperand: @unchecked Sendable {
  case constant(FastConstant)
  case path(FastPathRead)
  /// `path.length` (arrays: elements; strings: UTF-16 code units).
  case length(FastPathRead)
  /// `bigint_sum(path)`, or `bigint_sum(path, 'key')` with `key` a one-step read from each
  /// element.
  case bigintSum(FastPathRead, key: FastPathRead?)
  /// `previous(path)`: missing when `_previous` (`previousRoot`) is absent; otherwise the
  /// value at `earlier` (`_previous.path`), after `current` (`path`) passed its declared type.
  case previous(previousRoot: FastPathRead, current: FastPathRead, earlier: FastPathRead)
  /// A condition used as a boolean value (`(a > b) == c`), in the program's storage.
  case condition(UnsafePointer<FastCondition>)
}

/// A constant operand as a fast condition holds it: a trivial value (its string lives in the
/// program's ``FastPathStorage``), so that ``FastOperand`` and ``FastCondition`` are trivial
/// too and visiting a condition copies no reference-counted payload (a `String` in the enum
/// made every copy of a condition a call through its value witness).
enum FastConstant: @unchecked Sendable {
  case absent
  case bool(Bool)
  case int(Int)
  /// A string, and its UTF-8 bytes: what evaluation reads (see ``FastScalar/text(_:)``).
  case string(UnsafePointer<String>, utf8: UnsafeBufferPointer<UInt8>)

  /// The constant as a fast scalar: a string as its bytes, never copied out as a `String`.
  @inline(__always)
  var scalar: FastScalar {
    switch self {
    case .absent: return .absent
    case .bool(let flag): return .bool(flag)
    case .int(let value): return .int(value)
    case .string(_, let utf8): return .text(utf8)
    }
  }

  /// The constant as a comparison's constant: a string as its bytes.
  var comparand: FastComparand {
    switch self {
    case .absent: return .absent
    case .bool(let flag): return .bool(flag)
    case .int(let value): return .int(value)
    case .string(_, let utf8): return .text(utf8)
    }
  }
}

/// A fast-path value: no reference-counted containers, no big or decimal numbers. Missing and
/// null are both `absent` (every operation the fast path performs treats them alike).
enum FastScalar: @unchecked Sendable {
  case absent
  case bool(Bool)
  case int(Int)
  case string(String)
  /// A constant string, as the UTF-8 bytes the program's ``FastPathStorage`` keeps. Every
  /// thread checking with the program reads the same constants: copying one of more than 15
  /// bytes out as a `String` retains its storage, and threads doing so contend for that
  /// reference count's cache line.
  case text(UnsafeBufferPointer<UInt8>)
}

/// A path read by the fast path: from the snapshot or a quantifier variable, with what the
/// declared type allows the value to be. A trivial value (copying it touches no reference
/// count): its steps and keys live in a ``FastPathStorage``, which the program keeps alive.
struct FastPathRead: @unchecked Sendable {
  enum Root: Sendable, Equatable {
    case snapshot
    case variable(level: Int)
  }

  /// What a declared type lets through unchanged (anything else gives up).
  enum Admits: Sendable {
    /// No declared type (or one this engine does not check).
    case anything
    /// `bigint`: integers, and digit strings read as integers.
    case bigint
    case string
    case boolean
    /// `number` or `integer`: the fast path only holds integers.
    case integer
    case array
  }

  /// One step of the path in a trivial form: a key by the raw representation of its text
  /// (identical representations are certainly the same string), or an index.
  struct Step {
    /// The bits of the key's text (``StandardLibraryLayout/Bits``; unused for an index).
    var keyBits: StandardLibraryLayout.Bits
    /// The index, or -1 for a key.
    var index: Int
  }

  /// What a read is, stored once in a ``FastPathStorage``: the read itself is one pointer, so
  /// the fast path's nodes stay small to copy.
  struct Fields {
    var root: Root
    var admits: Admits
    var steps: UnsafeBufferPointer<Step>
    /// The key of each key step, by step position (an empty key for an index step), for the
    /// exact comparison when no entry has the same raw representation.
    var keys: UnsafeBufferPointer<ObjectKey>
    /// The UTF-8 bytes of each key step's key, by step position (empty for an index step), in
    /// memory the storage owns: compared without retaining the key's text, which every thread
    /// checking with the program shares (two threads retaining one string contend for its
    /// reference count's cache line on every lookup).
    var keyUTF8: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>>
    /// For each step, the entry position where its key was last found: a hint checked first
    /// (snapshots of one shape keep their keys in one order). Shared by every thread using
    /// the program, hence atomic; relaxed, since a stale hint is only a slower lookup.
    var hints: UnsafeMutablePointer<Atomic<Int>>
  }

  let fields: UnsafePointer<Fields>

  var root: Root { fields.pointee.root }
  var admits: Admits { fields.pointee.admits }
  var steps: UnsafeBufferPointer<Step> { fields.pointee.steps }
  var keys: UnsafeBufferPointer<ObjectKey> { fields.pointee.keys }
  var keyUTF8: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>> { fields.pointee.keyUTF8 }
  var hints: UnsafeMutablePointer<Atomic<Int>> { fields.pointee.hints }
}

/// A program's fast path, in its ``FastPathStorage``: reaching it touches no reference count.
struct FastPathRoot: @unchecked Sendable {
  /// The condition.
  let condition: UnsafePointer<FastCondition>
  /// The condition's leaf tests when it is made of them only (the common shape of a rule),
  /// joined by `&&` (`decisive` false) or `||` (true): visited without reaching `condition`.
  let leaves: UnsafeBufferPointer<FastLeaf>?
  let decisive: Bool

  init(_ condition: FastCondition, storage: FastPathStorage) {
    self.condition = storage.keep(condition)
    switch condition {
    case .leaves(let list, let decisive):
      leaves = list
      self.decisive = decisive
    default:
      leaves = FastLeaf(condition).map { storage.keep([$0]) }
      decisive = false
    }
  }
}

/// Owns the steps and keys of a fast path's reads, allocated once at compile time and freed
/// with the program.
final class FastPathStorage: @unchecked Sendable {
  // Appended to only by the builder, before the program is shared (unchecked exclusivity:
  // no two accesses can overlap, and each append otherwise paid a dynamic access check).
  @exclusivity(unchecked) private var steps: [UnsafeMutableBufferPointer<FastPathRead.Step>] = []
  @exclusivity(unchecked) private var keys: [UnsafeMutableBufferPointer<ObjectKey>] = []
  @exclusivity(unchecked) private var keyUTF8:
    [UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>] = []
  @exclusivity(unchecked) private var bytes: [UnsafeMutableBufferPointer<UInt8>] = []
  @exclusivity(unchecked) private var fields: [UnsafeMutablePointer<FastPathRead.Fields>] = []
  @exclusivity(unchecked) private var comparisons: [UnsafeMutablePointer<FastComparison>] = []
  @exclusivity(unchecked) private var conditions: [UnsafeMutableBufferPointer<FastCondition>] =
    []
  @exclusivity(unchecked) private var leafLists: [UnsafeMutableBufferPointer<FastLeaf>] = []
  @exclusivity(unchecked) private var strings: [UnsafeMutablePointer<String>] = []

  @exclusivity(unchecked) private var trivialValues: [UnsafeMutableRawPointer] = []

  /// `value` (of a trivial type: nothing to destroy), kept for the program's lifetime at a
  /// stable address.
  func keep<Value>(trivial value: Value) -> UnsafePointer<Value> {
    precondition(_isPOD(Value.self), "only trivial values are kept without being destroyed")
    let pointer = UnsafeMutablePointer<Value>.allocate(capacity: 1)
    pointer.initialize(to: value)
    trivialValues.append(UnsafeMutableRawPointer(pointer))
    return UnsafePointer(pointer)
  }

  /// The UTF-8 bytes of `text`, copied into memory kept for the program's lifetime.
  func keptUTF8(_ text: String) -> UnsafeBufferPointer<UInt8> {
    let utf8 = Array(text.utf8)
    let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, utf8.count))
    _ = storage.initialize(from: utf8)
    bytes.append(storage)
    return UnsafeBufferPointer(start: storage.baseAddress, count: utf8.count)
  }

  /// Two operands, kept for the program's lifetime at a stable address.
  func keep(_ first: FastOperand, _ second: FastOperand) -> UnsafePointer<FastOperandPair> {
    keep(trivial: FastOperandPair(first: first, second: second))
  }

  /// A constant string, kept for the program's lifetime at a stable address.
  func keep(_ string: String) -> UnsafePointer<String> {
    let pointer = UnsafeMutablePointer<String>.allocate(capacity: 1)
    pointer.initialize(to: string)
    strings.append(pointer)
    return UnsafePointer(pointer)
  }

  /// `leaves`, kept for the program's lifetime at a stable address.
  func keep(_ leaves: [FastLeaf]) -> UnsafeBufferPointer<FastLeaf> {
    let buffer = UnsafeMutableBufferPointer<FastLeaf>.allocate(capacity: leaves.count)
    _ = buffer.initialize(from: leaves)
    leafLists.append(buffer)
    return UnsafeBufferPointer(buffer)
  }

  /// `condition`, kept for the program's lifetime at a stable address.
  func keep(_ condition: FastCondition) -> UnsafePointer<FastCondition> {
    let pointer = UnsafeMutablePointer<FastCondition>.allocate(capacity: 1)
    pointer.initialize(to: condition)
    conditions.append(UnsafeMutableBufferPointer(start: pointer, count: 1))
    return UnsafePointer(pointer)
  }

  /// `conditions`, kept for the program's lifetime at a stable address.
  func keep(_ conditions: [FastCondition]) -> UnsafeBufferPointer<FastCondition> {
    let buffer = UnsafeMutableBufferPointer<FastCondition>.allocate(capacity: conditions.count)
    _ = buffer.initialize(from: conditions)
    self.conditions.append(buffer)
    return UnsafeBufferPointer(buffer)
  }

  /// `comparison`, kept for the program's lifetime at a stable address.
  func store(_ comparison: FastComparison) -> UnsafePointer<FastComparison> {
    let pointer = UnsafeMutablePointer<FastComparison>.allocate(capacity: 1)
    pointer.initialize(to: comparison)
    comparisons.append(pointer)
    return UnsafePointer(pointer)
  }

  /// A read of `steps` from `root`. Only the builder calls this, before the program is
  /// shared; afterwards the storage is never mutated.
  func read(root: FastPathRead.Root, steps: [PathStep], admits: FastPathRead.Admits)
    -> FastPathRead
  {
    let stepStorage = UnsafeMutableBufferPointer<FastPathRead.Step>.allocate(
      capacity: steps.count)
    let keyStorage = UnsafeMutableBufferPointer<ObjectKey>.allocate(capacity: steps.count)
    for (position, step) in steps.enumerated() {
      switch step {
      case .key(let key):
        stepStorage[position] = FastPathRead.Step(
          keyBits: StandardLibraryLayout.bits(of: key.text), index: -1)
        (keyStorage.baseAddress! + position).initialize(to: key)
      case .index(let index):
        stepStorage[position] = FastPathRead.Step(keyBits: (0, 0), index: index)
        (keyStorage.baseAddress! + position).initialize(to: ObjectKey(""))
      }
    }
    self.steps.append(stepStorage)
    keys.append(keyStorage)
    let utf8Storage = keptUTF8(of: UnsafeBufferPointer(keyStorage))
    let hints = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: max(steps.count, 1))
    for position in 0..<max(steps.count, 1) {
      (hints + position).initialize(to: Atomic(0))
    }
    let read = UnsafeMutablePointer<FastPathRead.Fields>.allocate(capacity: 1)
    read.initialize(
      to: FastPathRead.Fields(
        root: root, admits: admits, steps: UnsafeBufferPointer(stepStorage),
        keys: UnsafeBufferPointer(keyStorage), keyUTF8: utf8Storage, hints: hints))
    fields.append(read)
    return FastPathRead(fields: read)
  }

  /// The UTF-8 bytes of each of `keys` (``keptUTF8(_:)``).
  private func keptUTF8(of keys: UnsafeBufferPointer<ObjectKey>)
    -> UnsafeBufferPointer<UnsafeBufferPointer<UInt8>>
  {
    let buffers = UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>.allocate(
      capacity: max(1, keys.count))
    for (position, key) in keys.enumerated() {
      (buffers.baseAddress! + position).initialize(to: keptUTF8(key.text))
    }
    keyUTF8.append(buffers)
    return UnsafeBufferPointer(buffers)
  }

  deinit {
    for leaves in leafLists { leaves.deallocate() }
    for value in trivialValues { value.deallocate() }
    for buffer in bytes { buffer.deallocate() }
    for buffer in keyUTF8 { buffer.deallocate() }
    for string in strings {
      string.deinitialize(count: 1)
      string.deallocate()
    }
    for condition in conditions {
      _ = condition.deinitialize()
      condition.deallocate()
    }
    for comparison in comparisons {
      comparison.deinitialize(count: 1)
      comparison.deallocate()
    }
    for read in fields {
      let steps = max(read.pointee.steps.count, 1)
      read.pointee.hints.deinitialize(count: steps)
      read.pointee.hints.deallocate()
      read.deallocate()
    }
    for buffer in steps { buffer.deallocate() }
    for buffer in keys {
      _ = buffer.deinitialize()
      buffer.deallocate()
    }
  }
}

/// Which standard builtins the fast path evaluates itself.
enum FastBuiltin: Sendable {
  case bigintComparison(FastRelation)
  case bigintSum
}

/// Lowers a program's node tree to its fast path, or to nil when the tree uses something the
/// fast path does not cover (the program then always takes the general path). The nodes carry
/// everything already resolved — paths with their declared types, quantifier variables as
/// levels, builtins' fast forms, compiled regexes, comparison modes, folded constants — so the
/// builder looks nothing up: it only chooses a fast form for each node.
struct FastPathBuilder {
  /// Owns the reads this builder makes; the program keeps it with the fast path.
  let storage = FastPathStorage()
  private var depth = 0
  /// Deeper fast trees are not built: the fast evaluator recurses over them.
  static let maximumDepth = 128

  mutating func condition(_ node: Node) -> FastCondition? {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maximumDepth else { return nil }
    switch node {
    case .constant(.bool(let flag)), .folded(.bool(let flag), _): return .constant(flag)
    case .not(let operand, _): return condition(operand).map { .not(storage.keep($0)) }
    case .chain: return operand(node).map(asCondition)
    case .quantifier(let quantifier, let receiver, let body, _):
      guard quantifier != .count, let read = pathRead(receiver),
        read.admits == .anything || read.admits == .array
      else { return nil }
      return condition(body).map { .quantifier(quantifier, read, storage.keep($0)) }
    case .matches(let subject, let regex, _):
      return operand(subject).map {
        .matches(storage.keep(trivial: $0), Unmanaged.passUnretained(regex))
      }
    case .call2(_, let first, let second, let site):
      guard case .bigintComparison(let relation) = site.fastForm, let a = operand(first),
        let b = operand(second)
      else { return nil }
      return .bigint(relation, storage.keep(a, b))
    case .field, .variable:
      return pathRead(node).map { .truth(storage.keep(trivial: .path($0))) }
    default:
      return nil
    }
  }

  private func asCondition(_ operand: FastOperand) -> FastCondition {
    if case .condition(let condition) = operand { return condition.pointee }
    return .truth(storage.keep(trivial: operand))
  }

  mutating func operand(_ node: Node) -> FastOperand? {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maximumDepth else { return nil }
    switch node {
    case .constant(let value), .folded(let value, _):
      return constant(value).map(FastOperand.constant)
    case .field, .variable:
      return pathRead(node).map(FastOperand.path)
    case .length(let base, _):
      guard let read = pathRead(base), read.admits == .anything else { return nil }
      return .length(read)
    case .temporal(.previous, let access, _):
      // The argument is a snapshot path, whatever the quantifiers around.
      guard let admits = Self.admits(access.type) else { return nil }
      let previousKey = PathStep.key(ObjectKey(FieldPath.previousKey))
      return .previous(
        previousRoot: storage.read(root: .snapshot, steps: [previousKey], admits: .anything),
        current: storage.read(root: .snapshot, steps: access.steps, admits: admits),
        earlier: storage.read(
          root: .snapshot, steps: [previousKey] + access.steps, admits: admits))
    case .call1(_, let array, let site):
      guard case .bigintSum = site.fastForm else { return nil }
      return bigintSum(array, key: nil)
    case .call2(_, let array, let key, let site):
      guard case .bigintSum = site.fastForm else {
        return condition(node).map { .condition(storage.keep($0)) }
      }
      // The key is a string literal (the builtin's signature).
      guard case .string(let key)? = key.constantValue else { return nil }
      return bigintSum(array, key: key)
    case .chain(let first, let links):
      return chain(first, links)
    default:
      return condition(node).map { .condition(storage.keep($0)) }
    }
  }

  /// `bigint_sum(array)`, or `bigint_sum(array, 'key')` with `key` one step (no `.`).
  private func bigintSum(_ array: Node, key: String?) -> FastOperand? {
    guard let read = pathRead(array), read.admits == .anything || read.admits == .array
    else { return nil }
    guard let key else { return .bigintSum(read, key: nil) }
    guard !key.utf8.contains(UInt8(ascii: ".")) else { return nil }
    // Read from each element (the read's root is not used).
    let keyRead = storage.read(root: .snapshot, steps: [.key(ObjectKey(key))], admits: .anything)
    return .bigintSum(read, key: keyRead)
  }

  /// A constant as the fast path holds it, or nil (big or decimal numbers, arrays, objects).
  private func constant(_ value: Value) -> FastConstant? {
    switch value {
    case .number(.small(let integer)): return .int(integer)
    case .string(let text): return .string(storage.keep(text), utf8: storage.keptUTF8(text))
    case .bool(let flag): return .bool(flag)
    case .null: return .absent
    default: return nil
    }
  }

  /// A left spine, iteratively: consecutive `&&` (`||`) operands are gathered into one list
  /// (appended in place, so a long chain builds in linear time).
  private mutating func chain(_ first: Node, _ links: [ChainLink]) -> FastOperand? {
    guard var result = operand(first) else { return nil }
    /// The open `&&` or `||` list, not yet wrapped into `result`.
    var openOperator: BinaryOperator?
    var openTerms: [FastCondition] = []
    func close() {
      guard let op = openOperator else { return }
      let leaves = openTerms.compactMap(FastLeaf.init)
      if leaves.count == openTerms.count {
        result = .condition(storage.keep(.leaves(storage.keep(leaves), decisive: op == .or)))
      } else {
        let terms = storage.keep(openTerms)
        result = .condition(storage.keep(op == .and ? .all(terms) : .any(terms)))
      }
      openOperator = nil
      openTerms = []
    }
    for link in links {
      guard let rhs = operand(link.rhs) else { return nil }
      if link.mode == .integers,
        !Self.isNull(result), !Self.isNull(rhs)
      {
        // An exact integer against a number or a digit string: the bigint comparison, which
        // reads digit strings as integers and leaves everything else to the general path.
        // A null literal keeps the ordinary test below (null means the same in both modes).
        guard let integers = integerComparison(link.op, result, rhs) else { return nil }
        result = .condition(storage.keep(integers))
        continue
      }
      switch link.op {
      case .and, .or:
        if openOperator != link.op {
          close()
          openOperator = link.op
          openTerms = [asCondition(result)]
        }
        openTerms.append(asCondition(rhs))
        continue
      default:
        close()
      }
      switch link.op {
      case .implies:
        result = .condition(
          storage.keep(
            .implies(
              storage.keep(asCondition(result)), storage.keep(asCondition(rhs)))))
      case .equal, .notEqual:
        let negated = link.op == .notEqual
        switch (result, rhs) {
        case (.path(let read), .constant(.absent)), (.constant(.absent), .path(let read)):
          result = .condition(storage.keep(.isNull(read, negated: negated)))
        case (.path(let read), .constant(let constant)), (.constant(let constant), .path(let read)):
          result = .condition(
            storage.keep(
              .compare(
                storage.keep(
                  trivial: FastLeaf(
                    read,
                    storage.store(.equal(constant.comparand, negated: negated)))))))
        default:
          result = .condition(storage.keep(.equal(storage.keep(result, rhs), negated: negated)))
        }
      case .less, .lessEqual, .greater, .greaterEqual:
        let relation = FastRelation(link.op)!
        switch (result, rhs) {
        case (.path(let read), .constant(let constant)):
          result = .condition(
            storage.keep(
              .compare(
                storage.keep(
                  trivial: FastLeaf(
                    read, storage.store(.order(relation, constant.comparand)))))))
        case (.constant(let constant), .path(let read)):
          result = .condition(
            storage.keep(
              .compare(
                storage.keep(
                  trivial: FastLeaf(
                    read, storage.store(.order(relation.swapped, constant.comparand)))))))
        default:
          result = .condition(storage.keep(.order(relation, storage.keep(result, rhs))))
        }
      default:
        return nil
      }
    }
    close()
    return result
  }

  /// The fast form of a comparison in ``ComparisonMode/integers``, or nil to leave the whole
  /// rule to the general path (`in`).
  private func integerComparison(
    _ op: BinaryOperator, _ lhs: FastOperand, _ rhs: FastOperand
  ) -> FastCondition? {
    func integerConstant(_ operand: FastOperand) -> FastOperand {
      if case .constant(.string(let text, _)) = operand,
        case .small(let value)? = ComparisonTyping.canonicalInteger(text.pointee)
      {
        return .constant(.int(value))
      }
      return operand
    }
    var (first, second) = (integerConstant(lhs), integerConstant(rhs))
    let relation: FastRelation
    switch op {
    case .equal, .notEqual:
      relation = .equal
    case .less, .lessEqual, .greater, .greaterEqual:
      relation = FastRelation(op)!
    default:
      return nil
    }
    var oriented = relation
    if case .constant = first, case .path = second {
      (first, second) = (second, first)
      oriented = relation.swapped
    }
    let comparison = FastCondition.bigint(oriented, storage.keep(first, second))
    return op == .notEqual ? .not(storage.keep(comparison)) : comparison
  }

  /// Whether an operand is the `null` literal.
  private static func isNull(_ operand: FastOperand) -> Bool {
    if case .constant(.absent) = operand { return true }
    return false
  }

  /// A read of a snapshot path (as its declared type admits) or of a quantifier variable.
  private func pathRead(_ node: Node) -> FastPathRead? {
    switch node {
    case .field(let access):
      guard let admits = Self.admits(access.type) else { return nil }
      return storage.read(root: .snapshot, steps: access.steps, admits: admits)
    case .variable(let level, let steps, _):
      return storage.read(root: .variable(level: level), steps: steps, admits: .anything)
    default:
      return nil
    }
  }

  private static func admits(_ type: FieldType?) -> FastPathRead.Admits? {
    guard let type else { return .anything }
    switch type {
    case .bigint: return .bigint
    case .string: return .string
    case .boolean: return .boolean
    case .number, .integer: return .integer
    case .array: return .array
    case .optional(let wrapped): return admits(wrapped)
    case .unchecked: return .anything
    case .object, .stringArray: return nil
    }
  }
}
