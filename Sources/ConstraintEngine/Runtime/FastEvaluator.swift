import Synchronization

/// Evaluates a ``FastCondition`` against one snapshot, reading values where they lie in the
/// snapshot (through pointers valid for the duration of the read) instead of copying them out,
/// so the common case touches no reference counts. Every function returns nil to give up.
struct FastEvaluator {
  /// The snapshot, and a pointer to each quantifier variable's current element: addresses in
  /// the snapshot's storage, valid until `decide` returns (see "Reading in place" below).
  private let root: UnsafePointer<Value>
  private let variables: UnsafeMutablePointer<UnsafePointer<Value>>
  private var level = 0
  /// The steps left before the step limit: quantifier steps and the data work ``Metering``
  /// charges, as the general path counts them. Below zero, the fast path gives up (so the
  /// general path reports the limit).
  private var remainingSteps: Int

  /// Decides `fastPath` for `snapshot`, or nil where the general path must decide.
  static func decide(
    _ fastPath: FastPathRoot, snapshot: Value, levels: Int, maximumSteps: Int
  ) -> Bool? {
    // Unprotected forms: the snapshot is only read through `root`, and the variables buffer
    // is written only below `levels` (one slot per quantifier level); the protected forms put
    // a stack-protector check in the rule loop this is inlined into, once per rule.
    _withUnprotectedUnsafePointer(to: snapshot) { root in
      _withUnprotectedUnsafeTemporaryAllocation(
        of: UnsafePointer<Value>.self, capacity: max(levels, 1)
      ) {
        variables in
        var evaluator = FastEvaluator(
          root: root, variables: variables.baseAddress!, maximumSteps: maximumSteps)
        if let leaves = fastPath.leaves {
          return evaluator.decide(leaves: leaves, decisive: fastPath.decisive)
        }
        return evaluator.decide(fastPath.condition)
      }
    }
  }

  private init(
    root: UnsafePointer<Value>, variables: UnsafeMutablePointer<UnsafePointer<Value>>,
    maximumSteps: Int
  ) {
    self.root = root
    self.variables = variables
    self.remainingSteps = maximumSteps
  }

  /// Decides the condition at `condition` (in the program's storage).
  mutating func decide(_ condition: UnsafePointer<FastCondition>) -> Bool? {
    switch condition.pointee {
    case .constant(let flag):
      return flag
    case .all(let terms):
      for index in terms.indices {
        guard let flag = decide(terms.baseAddress! + index) else { return nil }
        if !flag { return false }
      }
      return true
    case .any(let terms):
      for index in terms.indices {
        guard let flag = decide(terms.baseAddress! + index) else { return nil }
        if flag { return true }
      }
      return false
    case .implies(let premise, let conclusion):
      guard let flag = decide(premise) else { return nil }
      return flag ? decide(conclusion) : true
    case .not(let operand):
      return decide(operand).map { !$0 }
    case .equal(let operands, let negated):
      guard let x = scalar(operands.pointee.first), let y = scalar(operands.pointee.second)
      else { return nil }
      if let p = Self.utf8Count(x), let q = Self.utf8Count(y) {
        // As ``Metering/stringEquality(_:_:)``: the bytes, when the lengths are equal.
        remainingSteps &-= p == q ? Metering.bytes(p) : 0
        if remainingSteps < 0 { return nil }
      }
      return Self.equal(x, y) != negated
    case .isNull(let read, let negated):
      guard let base = base(of: read) else { return nil }
      return Self.withResolved(base, read) { value in
        guard let value else { return !negated }
        switch value.pointee {
        case .missing, .null:
          return !negated
        default:
          // A declared type is checked first: the general path reports data of the wrong type.
          if read.admits == .anything || Self.project(value, read.admits) != nil {
            return negated
          }
          return nil
        }
      }
    case .compare(let leaf):
      return decide(leaf.pointee)
    case .leaves(let leaves, let decisive):
      return decide(leaves: leaves, decisive: decisive)
    case .order(let relation, let operands):
      guard let x = scalar(operands.pointee.first), let y = scalar(operands.pointee.second)
      else { return nil }
      if case .int(let p) = x, case .int(let q) = y { return relation.holds(p, q) }
      guard let p = Self.utf8Count(x), let q = Self.utf8Count(y) else { return nil }
      // As ``Metering/stringOrder(_:_:)``: the bytes the two have in common.
      remainingSteps &-= Metering.bytes(min(p, q))
      if remainingSteps < 0 { return nil }
      return Self.textOrder(x, y).map(relation.holds)
    case .bigint(let relation, let operands):
      guard let x = integer(operands.pointee.first), let y = integer(operands.pointee.second)
      else { return nil }
      return relation.holds(x, y)
    case .quantifier(let quantifier, let receiver, let body):
      return quantify(quantifier, receiver, body)
    case .matches(let subject, let regex):
      var work = 0
      let matched: Bool?
      if StandardLibraryLayout.isCompiledIn, case .path(let read) = subject.pointee,
        read.admits == .anything || read.admits == .string
      {
        // The subject read once, in place: anything but a string gives up, as `scalar`
        // reads it (absent, or another type).
        guard let base = base(of: read),
          let result = Self.withResolved(base, read, { value -> Bool?? in
            guard let value, case .string = value.pointee else { return nil }
            return .some(Self.matches(value, regex, &work))
          })
        else { return nil }
        matched = result
      } else {
        switch scalar(subject.pointee) {
        case .string(let text)?:
          matched = regex._withUnsafeGuaranteedRef { try? $0.matches(text, work: &work) }
        case .text(let bytes)?:
          matched = regex._withUnsafeGuaranteedRef { try? $0.matches(utf8: bytes, work: &work) }
        default:
          return nil
        }
      }
      remainingSteps &-= work
      return remainingSteps < 0 ? nil : matched
    case .truth(let operand):
      guard case .bool(let flag) = scalar(operand.pointee) else { return nil }
      return flag
    }
  }

  /// Whether the string at `value` matches `regex` (nil: an error, for the general path to
  /// report): a small string (held inline, at most 15 bytes) from its bytes read in place
  /// (``StandardLibraryLayout/smallBytes(at:)``), without copying it out of the snapshot.
  @inline(__always)
  private static func matches(
    _ value: UnsafePointer<Value>, _ regex: Unmanaged<CompiledRegex>, _ work: inout Int
  ) -> Bool? {
    guard let inline = StandardLibraryLayout.smallBytes(at: UnsafeRawPointer(value)) else {
      guard case .string(let text) = value.pointee else { return nil }
      return regex._withUnsafeGuaranteedRef { try? $0.matches(text, work: &work) }
    }
    var words = (inline.low, inline.high)
    return _withUnprotectedUnsafeBytes(of: &words) { raw in
      let bytes = UnsafeBufferPointer(
        start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: inline.count)
      return regex._withUnsafeGuaranteedRef { try? $0.matches(utf8: bytes, work: &work) }
    }
  }

  /// Leaf tests joined by `&&` (`decisive` false) or `||` (true), in one loop: the leaves'
  /// reads and digit strings are read inline.
  @inline(never)
  private mutating func decide(leaves: UnsafeBufferPointer<FastLeaf>, decisive: Bool) -> Bool? {
    // The snapshot's members, found once (at the first leaf that compares two of its fields)
    // for all such leaves.
    var rootMembers: UnsafeBufferPointer<ObjectValue.Element>?
    var rootMembersFound = false
    for index in leaves.indices {
      let leaf = leaves.baseAddress! + index
      let flag: Bool
      if StandardLibraryLayout.isCompiledIn, leaf.pointee.readsTwoRootFields, !rootMembersFound {
        rootMembers = StandardLibraryLayout.membersInPlace(of: root)
        rootMembersFound = true
      }
      if leaf.pointee.readsTwoRootFields, let rootMembers,
        let order = Self.rootFieldOrder(rootMembers, leaf)
      {
        flag = leaf.pointee.relation.holds(order)
      } else {
        guard let decided = decide(leaf.pointee) else { return nil }
        flag = decided
      }
      if flag == decisive { return decisive }
    }
    return !decisive
  }

  /// For a leaf that ``FastLeaf/readsTwoRootFields``: the order of its two fields of the
  /// snapshot, whose members are `members`, when both are there and are digit strings held
  /// inline (``digitStringOrder(_:_:)``); nil otherwise, for ``decide(_:)`` to decide the leaf
  /// as it decides any other (reading the same fields the same way). (`@inline(always)`: the
  /// optimizer kept it out of line otherwise.)
  @inline(always)
  private static func rootFieldOrder(
    _ members: UnsafeBufferPointer<ObjectValue.Element>, _ leaf: UnsafePointer<FastLeaf>
  ) -> Int? {
    guard let second = leaf.pointee.secondRead,
      let x = rootField(members, leaf.pointee.read), let y = rootField(members, second)
    else { return nil }
    return digitStringOrder(x, y)
  }

  /// The value of the snapshot's member that `read` (one key step) takes, as
  /// ``resolveInPlace(_:_:)`` finds it; nil when there is none.
  @inline(__always)
  private static func rootField(
    _ members: UnsafeBufferPointer<ObjectValue.Element>, _ read: FastPathRead
  ) -> UnsafePointer<Value>? {
    guard let found = position(in: members, step: read.steps[0], at: 0, of: read) else {
      return nil
    }
    return StandardLibraryLayout.valueInPlace(ofMember: members.baseAddress! + found)
  }

  /// One leaf test.
  @inline(__always)
  private mutating func decide(_ leaf: FastLeaf) -> Bool? {
    guard let origin = base(of: leaf.read) else { return nil }
    switch leaf.kind {
    case .compare:
      return Self.withResolved(origin, leaf.read) { value in
        Self.compare(value, leaf.read.admits, leaf.comparison!, &remainingSteps)
      }
    case .bigint:
      guard let second = leaf.secondRead else {
        return Self.withResolved(origin, leaf.read) { value in
          guard let value, let x = Self.inlineInteger(at: value, leaf.read.admits) else {
            return nil
          }
          return leaf.relation.holds(x, leaf.constant)
        }
      }
      guard let secondBase = base(of: second) else { return nil }
      return Self.withResolved(origin, leaf.read) { value in
        guard let value else { return nil }
        return Self.withResolved(secondBase, second) { other in
          guard let other else { return nil }
          if Self.readsDigitStrings(leaf.read.admits), Self.readsDigitStrings(second.admits),
            let order = Self.digitStringOrder(value, other)
          {
            return leaf.relation.holds(order)
          }
          guard let x = Self.inlineInteger(at: value, leaf.read.admits),
            let y = Self.inlineInteger(at: other, second.admits)
          else { return nil }
          return leaf.relation.holds(x, y)
        }
      }
    }
  }

  /// Whether a bigint read under `admits` reads a string as the integer its digits spell
  /// (``integer(at:_:)``): undeclared and bigint-declared fields alike.
  @inline(__always)
  private static func readsDigitStrings(_ admits: FastPathRead.Admits) -> Bool {
    admits == .anything || admits == .bigint
  }

  /// The order (-1, 0, 1) of the numbers two values hold when both are digit strings held
  /// inline (at most 15 digits, no sign), compared without reading them as integers; nil
  /// otherwise.
  @inline(__always)
  private static func digitStringOrder(_ x: UnsafePointer<Value>, _ y: UnsafePointer<Value>)
    -> Int?
  {
    guard case .string(let first) = x.pointee, case .string(let second) = y.pointee else {
      return nil
    }
    return digitStringOrder(first, second)
  }

  /// ``digitStringOrder(_:_:)`` of two strings.
  @inline(__always)
  static func digitStringOrder(_ x: String, _ y: String) -> Int? {
    guard let x = StandardLibraryLayout.inlineASCII(x), x.count > 0,
      let y = StandardLibraryLayout.inlineASCII(y), y.count > 0
    else { return nil }
    // Both fields' four words tested for digits at once.
    let p = paddedField(x)
    let q = paddedField(y)
    guard areDigits(p.leading, p.trailing, q.leading, q.trailing) else { return nil }
    let (pLeading, qLeading) = (p.leading.byteSwapped, q.leading.byteSwapped)
    if pLeading != qLeading { return pLeading < qLeading ? -1 : 1 }
    let (pTrailing, qTrailing) = (p.trailing.byteSwapped, q.trailing.byteSwapped)
    return pTrailing < qTrailing ? -1 : (pTrailing == qTrailing ? 0 : 1)
  }

  /// The digits of a string of 1 to 15 bytes held inline (bytes 0–7 in `first`, 8–14 in
  /// `second`, see ``StandardLibraryLayout/inlineASCII(_:)``), right-aligned in a
  /// sixteen-digit field padded with "0"s: two words, byte-swapped so that their unsigned
  /// order (leading word first) is the order of the numbers. Nil unless every byte is a digit.
  @inline(__always)
  static func digitField(_ string: (low: UInt64, high: UInt64, count: Int))
    -> (leading: UInt64, trailing: UInt64)?
  {
    guard string.count > 0 else { return nil }
    let (leading, trailing) = paddedField(string)
    guard isEightDigits(leading), isEightDigits(trailing) else { return nil }
    return (leading.byteSwapped, trailing.byteSwapped)
  }

  /// The bytes of a string of 1 to 15 bytes held inline, right-aligned in a sixteen-byte field
  /// padded with "0"s, as two words in string order (the first byte lowest), not yet tested
  /// for digits nor byte-swapped (``digitField(_:)``).
  @inline(__always)
  static func paddedField(_ string: (low: UInt64, high: UInt64, count: Int))
    -> (leading: UInt64, trailing: UInt64)
  {
    let (first, second, count) = string
    let zeros: UInt64 = 0x3030_3030_3030_3030
    if count <= 8 { return (zeros, rightAligned(first, count)) }
    // The field's first 16 - count bytes are "0"s; the digits follow across both words.
    let shift = UInt64(truncatingIfNeeded: 8 * (16 - count))
    return (
      first &<< shift | zeros & ~(UInt64.max &<< shift), second &<< shift | first &>> (64 - shift)
    )
  }

  /// Whether every byte of the four words is an ASCII digit: ``isEightDigits(_:)`` of each,
  /// in one test. (Where a byte's high nibble is not 3, adding 6 may carry into the next
  /// byte, but then the first half of the test already fails for that byte.)
  @inline(__always)
  static func areDigits(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> Bool {
    let nibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
    let zeros: UInt64 = 0x3030_3030_3030_3030
    let six: UInt64 = 0x0606_0606_0606_0606
    let high = (a & nibbles ^ zeros) | (b & nibbles ^ zeros) | (c & nibbles ^ zeros)
      | (d & nibbles ^ zeros)
    let carried = ((a &+ six) & nibbles ^ zeros) | ((b &+ six) & nibbles ^ zeros)
      | ((c &+ six) & nibbles ^ zeros) | ((d &+ six) & nibbles ^ zeros)
    return high | carried == 0
  }

  /// ``integer(at:_:)`` with the common case, a digit string (undeclared or declared bigint),
  /// read here.
  @inline(__always)
  private static func inlineInteger(at value: UnsafePointer<Value>, _ admits: FastPathRead.Admits)
    -> Int?
  {
    if readsDigitStrings(admits), case .string(let text) = value.pointee {
      return smallInteger(text)
    }
    return integer(at: value, admits)
  }

  /// `==` on fast scalars: absent equals absent; different types are never equal.
  private static func equal(_ x: FastScalar, _ y: FastScalar) -> Bool {
    switch (x, y) {
    case (.absent, .absent): return true
    case (.int(let p), .int(let q)): return p == q
    case (.string(let p), .string(let q)): return Value.scalarsEqual(p, q)
    case (.string(let p), .text(let q)), (.text(let q), .string(let p)):
      return Value.scalarsEqual(p, utf8: q)
    case (.text(let p), .text(let q)): return Value.utf8Equal(p, q)
    case (.bool(let p), .bool(let q)): return p == q
    default: return false
    }
  }

  /// The UTF-8 length of a string or constant string (nil for anything else).
  @inline(__always)
  private static func utf8Count(_ scalar: FastScalar) -> Int? {
    switch scalar {
    case .string(let text): return text.utf8.count
    case .text(let bytes): return bytes.count
    default: return nil
    }
  }

  /// The code point order of two strings or constant strings, as
  /// ``Value/compareScalars(_:_:)`` (nil when either is something else).
  private static func textOrder(_ x: FastScalar, _ y: FastScalar) -> Int? {
    switch (x, y) {
    case (.string(let p), .string(let q)): return Value.compareScalars(p, q)
    case (.string(let p), .text(let q)): return Value.compareScalars(p, utf8: q)
    case (.text(let p), .string(let q)): return -Value.compareScalars(q, utf8: p)
    case (.text(let p), .text(let q)): return Value.utf8Order(p, q)
    default: return nil
    }
  }

  private mutating func scalar(_ operand: FastOperand) -> FastScalar? {
    switch operand {
    case .constant(let value):
      return value.scalar
    case .path(let read):
      guard let base = base(of: read) else { return nil }
      return Self.withResolved(base, read) { Self.project($0, read.admits) }
    case .length(let read):
      guard let base = base(of: read) else { return nil }
      return Self.withResolved(base, read) { value -> FastScalar? in
        switch value?.pointee {
        case .array(let elements): return .int(elements.count)
        case .string(let text): return .int(text.utf16.count)
        default: return nil
        }
      }
    case .bigintSum(let read, let key):
      guard let base = base(of: read) else { return nil }
      return Self.withResolved(base, read) { Self.sum($0, key: key, &remainingSteps) }
        .map(FastScalar.int)
    case .previous(let previousRoot, let current, let earlier):
      if Self.withResolved(root, previousRoot, Self.isAbsent) { return .absent }
      // The general path checks the current value's declared type first.
      if current.admits != .anything,
        Self.withResolved(root, current, { Self.project($0, current.admits) }) == nil
      {
        return nil
      }
      return Self.withResolved(root, earlier) { Self.project($0, earlier.admits) }
    case .condition(let condition):
      return decide(condition).map(FastScalar.bool)
    }
  }

  /// An operand of a bigint builtin: an integer, or a string of at most 18 digits.
  private mutating func integer(_ operand: FastOperand) -> Int? {
    if case .path(let read) = operand {
      // The common case, without building a fast scalar: a digit string or a small number.
      guard let base = base(of: read) else { return nil }
      return Self.withResolved(base, read) { value in
        value.flatMap { Self.integer(at: $0, read.admits) }
      }
    }
    switch scalar(operand) {
    case .int(let value): return value
    case .string(let text): return Self.smallInteger(text)
    // A constant string that is not a canonical small integer (those are folded to `.int`).
    case .text(let bytes): return Self.smallInteger(utf8: bytes)
    default: return nil
    }
  }

  /// A path's value (nil: the path does not resolve) compared with a constant, in place; nil
  /// where the general path must decide (an ordering on an absent value or across types, a
  /// value its declared type does not let through, numbers the fast path does not hold).
  /// Comparing strings draws on `remainingSteps` as ``Metering`` charges (nil below zero).
  @inline(never)
  private static func compare(
    _ value: UnsafePointer<Value>?, _ admits: FastPathRead.Admits,
    _ comparison: UnsafePointer<FastComparison>, _ remainingSteps: inout Int
  ) -> Bool? {
    guard let value else { return absentCompared(comparison.pointee) }
    switch value.pointee {
    case .missing, .null:
      return absentCompared(comparison.pointee)
    case .bool(let flag):
      guard admits == .anything || admits == .boolean else { return nil }
      switch comparison.pointee {
      case .equal(.bool(let constant), let negated): return (flag == constant) != negated
      case .equal(_, let negated): return negated
      case .order: return nil
      }
    case .number(.small(let number)):
      switch admits {
      case .anything, .bigint, .integer: return compare(number, comparison.pointee)
      default: return nil
      }
    case .string(let text):
      switch admits {
      case .anything, .string:
        switch comparison.pointee {
        case .equal(.text(let constant), let negated):
          // Most unequal strings differ in length, known without reading them.
          let count = text.utf8.count
          if count != constant.count { return negated }
          remainingSteps &-= Metering.bytes(count)
          if remainingSteps < 0 { return nil }
          return Value.scalarsEqual(text, utf8: constant) != negated
        case .equal(_, let negated): return negated
        case .order(let relation, .text(let constant)):
          remainingSteps &-= Metering.bytes(min(text.utf8.count, constant.count))
          if remainingSteps < 0 { return nil }
          return relation.holds(Value.compareScalars(text, utf8: constant))
        case .order: return nil
        }
      case .bigint:
        return smallInteger(text).flatMap { compare($0, comparison.pointee) }
      default:
        return nil
      }
    default:
      return nil
    }
  }

  /// A missing or null value against a non-null constant: never equal; ordering is an error.
  @inline(__always)
  private static func absentCompared(_ comparison: FastComparison) -> Bool? {
    if case .equal(_, let negated) = comparison { return negated }
    return nil
  }

  /// An integer against a constant: equality across types is false, ordering across types is
  /// the general path's (an error).
  @inline(__always)
  private static func compare(_ number: Int, _ comparison: FastComparison) -> Bool? {
    switch comparison {
    case .equal(.int(let constant), let negated): return (number == constant) != negated
    case .equal(_, let negated): return negated
    case .order(let relation, .int(let constant)):
      return relation.holds(number, constant)
    case .order: return nil
    }
  }

  /// Whether a path read nothing, or missing or null.
  @inline(__always)
  private static func isAbsent(_ value: UnsafePointer<Value>?) -> Bool {
    value?.pointee.isAbsent ?? true
  }

  /// A bigint operand read from a path, as its declared type lets it through (a field
  /// declared `number` or `integer` holding a digit string is the general path's: an error).
  @inline(__always)
  private static func integer(at value: UnsafePointer<Value>, _ admits: FastPathRead.Admits)
    -> Int?
  {
    switch admits {
    case .anything, .bigint: return integer(at: value)
    case .integer:
      if case .number(.small(let number)) = value.pointee { return number }
      return nil
    default: return nil
    }
  }

  /// The integer a value holds under the bigint rule, when it fits the fast path: a small
  /// number, or a string of at most 18 digits. Kept out of line: on its own it compiles to
  /// reads in place, without copying the value.
  @inline(never)
  private static func integer(at value: UnsafePointer<Value>) -> Int? {
    switch value.pointee {
    case .number(.small(let number)): return number
    case .string(let text): return smallInteger(text)
    default: return nil
    }
  }

  /// The value a path reads (nil: the path does not resolve), as the declared type lets it
  /// through.
  @inline(__always)
  private static func project(_ pointer: UnsafePointer<Value>?, _ admits: FastPathRead.Admits)
    -> FastScalar?
  {
    guard let pointer else { return .absent }
    switch pointer.pointee {
    case .missing, .null:
      return .absent
    case .bool(let flag):
      return admits == .anything || admits == .boolean ? .bool(flag) : nil
    case .number(.small(let value)):
      switch admits {
      case .anything, .bigint, .integer: return .int(value)
      default: return nil
      }
    case .string(let text):
      switch admits {
      case .anything, .string: return .string(text)
      case .bigint: return smallInteger(text).map(FastScalar.int)
      default: return nil
      }
    default:
      return nil
    }
  }

  /// A string matching `^-?[0-9]{1,18}$` as an integer; nil otherwise (longer digit strings
  /// are the general path's).
  @inline(__always)
  static func smallInteger(_ text: String) -> Int? {
    if let inline = StandardLibraryLayout.inlineASCII(text) {
      return smallInteger(inline: inline.low, inline.high, count: inline.count)
    }
    return text.utf8.withContiguousStorageIfAvailable { smallInteger(utf8: $0) } ?? nil
  }

  /// ``smallInteger(_:)`` of a string of `count` (at most 15) ASCII bytes held inline (bytes
  /// 0–7 in `first`, 8–14 in `second`, see ``StandardLibraryLayout/inlineASCII(_:)``), read
  /// from the words themselves: the digits are right-aligned in an eight-digit field padded
  /// with "0"s, one field per word.
  @inline(__always)
  static func smallInteger(inline first: UInt64, _ second: UInt64, count: Int) -> Int? {
    var count = count
    var low = first
    var high = second
    let negative = low & 0xFF == UInt64(UInt8(ascii: "-"))
    if negative {
      low = low >> 8 | high << 56
      high >>= 8
      count -= 1
    }
    guard count > 0 else { return nil }
    let value: Int
    if count <= 8 {
      guard let digits = eightDigits(word: rightAligned(low, count)) else { return nil }
      value = digits
    } else {
      guard let leading = eightDigits(word: low),
        let trailing = eightDigits(word: rightAligned(high, count - 8))
      else { return nil }
      value = leading &* powerOfTen(count - 8) &+ trailing
    }
    return negative ? -value : value
  }

  /// The first `count` (1...8) bytes of `word` as the last bytes of an eight-digit field whose
  /// first bytes are "0"s (byte 0 is the lowest byte).
  @inline(__always)
  private static func rightAligned(_ word: UInt64, _ count: Int) -> UInt64 {
    let shift = UInt64(truncatingIfNeeded: 64 - 8 * count)
    let kept = UInt64.max &<< shift
    return word &<< shift | 0x3030_3030_3030_3030 & ~kept
  }

  /// 10 to the power `exponent` (0...7).
  @inline(__always)
  private static func powerOfTen(_ exponent: Int) -> Int {
    switch exponent {
    case 0: return 1
    case 1: return 10
    case 2: return 100
    case 3: return 1_000
    case 4: return 10_000
    case 5: return 100_000
    case 6: return 1_000_000
    default: return 10_000_000
    }
  }

  @inline(__always)
  static func smallInteger(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var index = 0
    let negative = bytes.count > 0 && bytes[0] == UInt8(ascii: "-")
    if negative { index = 1 }
    let digits = bytes.count - index
    guard digits > 0, digits <= 18 else { return nil }
    var value = 0
    // Eight digits at a time while eight remain, then one at a time.
    while bytes.count - index >= 8 {
      guard let eight = eightDigits(UnsafeRawPointer(bytes.baseAddress! + index)) else {
        return nil
      }
      value = value &* 100_000_000 &+ eight
      index += 8
    }
    if bytes.count - index >= 4 {
      guard let four = fourDigits(UnsafeRawPointer(bytes.baseAddress! + index)) else {
        return nil
      }
      value = value &* 10_000 &+ four
      index += 4
    }
    while index < bytes.count {
      let digit = bytes[index] &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      value = value &* 10 &+ Int(digit)
      index += 1
    }
    return negative ? -value : value
  }

  /// The value of the eight ASCII digits at `pointer` (most significant first), or nil when
  /// any of the eight bytes is not a digit: the bytes are checked and combined as one 64-bit
  /// word (byte 0, the first digit, is the lowest byte on this little-endian target).
  @inline(__always)
  static func eightDigits(_ pointer: UnsafeRawPointer) -> Int? {
    eightDigits(word: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
  }

  /// ``eightDigits(_:)`` of the eight bytes of `word`, the first digit in its lowest byte.
  @inline(__always)
  static func eightDigits(word: UInt64) -> Int? {
    guard isEightDigits(word) else { return nil }
    var digits = word &- 0x3030_3030_3030_3030
    // Pairs, then quadruples, then the eight: each step multiplies the more significant half
    // (the lower byte) by its weight and adds the less significant one.
    digits = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF_00FF_00FF
    digits = (digits &* 100 &+ (digits >> 16)) & 0x0000_FFFF_0000_FFFF
    digits = (digits &* 10_000 &+ (digits >> 32)) & 0x0000_0000_FFFF_FFFF
    return Int(digits)
  }

  /// Whether each of the eight bytes of `word` is an ASCII digit.
  @inline(__always)
  static func isEightDigits(_ word: UInt64) -> Bool {
    let zeros: UInt64 = 0x3030_3030_3030_3030
    // Every byte is 0x30...0x39: its high nibble is 3, and adding 6 does not carry into it.
    return word & 0xF0F0_F0F0_F0F0_F0F0 == zeros
      && (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == zeros
  }

  /// The value of the four ASCII digits at `pointer`, or nil: ``eightDigits(_:)`` on a
  /// 32-bit word.
  @inline(__always)
  static func fourDigits(_ pointer: UnsafeRawPointer) -> Int? {
    let word = UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self))
    let zeros: UInt32 = 0x3030_3030
    guard word & 0xF0F0_F0F0 == zeros, (word &+ 0x0606_0606) & 0xF0F0_F0F0 == zeros else {
      return nil
    }
    var digits = word &- zeros
    digits = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF
    digits = (digits &* 100 &+ (digits >> 16)) & 0x0000_FFFF
    return Int(digits)
  }

  /// `bigint_sum` over the array at `pointer` (of each element's `key` when given), skipping
  /// absent items; nil on anything else. Draws on `remainingSteps` as
  /// ``Metering/sum(_:field:within:)`` charges (a step per element and per member of an
  /// object the key is looked up in; the digit strings it reads are too short to cost).
  private static func sum(
    _ pointer: UnsafePointer<Value>?, key: FastPathRead?, _ remainingSteps: inout Int
  ) -> Int? {
    guard let pointer else { return nil }
    return withElements(of: pointer) { elements -> Int? in
      guard let elements else { return nil }
      remainingSteps &-= elements.count
      if remainingSteps < 0 { return nil }
      var total = 0
      for index in elements.indices {
        let element = elements.baseAddress! + index
        if key != nil, case .object(let object) = element.pointee {
          remainingSteps &-= object.count
          if remainingSteps < 0 { return nil }
        }
        // An element without the key (or not an object) has nothing to add: 0.
        let addend: Int? =
          if let key {
            withResolved(element, key) { item in
              guard let item, !isAbsent(item) else { return 0 }
              return integer(at: item)
            }
          } else {
            isAbsent(element) ? 0 : integer(at: element)
          }
        guard let addend else { return nil }
        let (next, overflow) = total.addingReportingOverflow(addend)
        if overflow { return nil }
        total = next
      }
      return total
    }
  }

  private mutating func quantify(
    _ quantifier: Quantifier, _ receiver: FastPathRead, _ body: UnsafePointer<FastCondition>
  ) -> Bool? {
    guard let base = base(of: receiver) else { return nil }
    return Self.withResolved(base, receiver) { array in
      guard let array else { return nil }
      return Self.withElements(of: array) { elements in
        guard let elements else { return nil }
        return quantify(quantifier, over: elements, body)
      }
    }
  }

  /// ``quantify(_:_:_:)`` over `elements`, each the current element of a new variable level
  /// in turn (its address is used only while `elements` is valid, inside this call).
  private mutating func quantify(
    _ quantifier: Quantifier, over elements: UnsafeBufferPointer<Value>,
    _ body: UnsafePointer<FastCondition>
  ) -> Bool? {
    let slot = level
    level += 1
    defer { level -= 1 }
    // A body of leaf tests (the common shape) is visited straight from its buffer, without
    // copying the condition out of the program's storage for each element.
    var leafBody: (leaves: UnsafeBufferPointer<FastLeaf>, decisive: Bool)?
    if case .leaves(let leaves, let decisive) = body.pointee { leafBody = (leaves, decisive) }
    for index in elements.indices {
      remainingSteps &-= 1
      if remainingSteps < 0 { return nil }
      variables[slot] = elements.baseAddress! + index
      let decided =
        if let leafBody {
          decide(leaves: leafBody.leaves, decisive: leafBody.decisive)
        } else {
          decide(body)
        }
      guard let flag = decided, quantifier != .count else { return nil }
      if let result = quantifier.decision(onElementWhoseBodyIs: flag) { return result }
    }
    return quantifier.resultWhenUndecided
  }

  private func base(of read: FastPathRead) -> UnsafePointer<Value>? {
    switch read.root {
    case .snapshot: return root
    case .variable(let level): return level < self.level ? variables[level] : nil
    }
  }

  // Reading in place. Arrays and objects of a snapshot keep their elements in native,
  // contiguous storage owned by the snapshot, which outlives the evaluation and is never
  // mutated during it; the work on a value happens in the `body` its read is resolved for,
  // and nothing is written through the addresses. Where the standard library's layout is
  // compiled in (and so, for a program to have a fast path, holds), the addresses come from
  // the storage objects themselves (``StandardLibraryLayout/elementsInPlace(of:)``), with no
  // reference counting and no closure per step; in a portable build they are taken inside
  // `withUnsafeBufferPointer` and used only inside that closure.

  /// Calls `body` with the value `read` reaches from `start`, or nil when the path does not
  /// resolve; the address is valid only inside `body`.
  @inline(__always)
  private static func withResolved<Result>(
    _ start: UnsafePointer<Value>, _ read: FastPathRead,
    _ body: (UnsafePointer<Value>?) -> Result
  ) -> Result {
    if StandardLibraryLayout.isCompiledIn { return body(resolveInPlace(start, read)) }
    return read.steps.isEmpty ? body(start) : withResolved(start, read, step: 0, body)
  }

  /// The value `read` reaches from `start` (nil: the path does not resolve), found through
  /// the storage layout (only where ``StandardLibraryLayout/isCompiledIn``).
  @inline(__always)
  private static func resolveInPlace(_ start: UnsafePointer<Value>, _ read: FastPathRead)
    -> UnsafePointer<Value>?
  {
    var current = start
    let steps = read.steps
    for stepIndex in steps.indices {
      let step = steps[stepIndex]
      let index = step.index
      if index < 0 {
        guard let members = StandardLibraryLayout.membersInPlace(of: current),
          let found = position(in: members, step: step, at: stepIndex, of: read)
        else { return nil }
        current = StandardLibraryLayout.valueInPlace(ofMember: members.baseAddress! + found)
      } else {
        guard let elements = StandardLibraryLayout.elementsInPlace(of: current),
          index < elements.count
        else { return nil }
        current = elements.baseAddress! + index
      }
    }
    return current
  }

  /// ``withResolved(_:_:_:)`` from step `stepIndex` on, `current` being where the steps
  /// before it led.
  private static func withResolved<Result>(
    _ current: UnsafePointer<Value>, _ read: FastPathRead, step stepIndex: Int,
    _ body: (UnsafePointer<Value>?) -> Result
  ) -> Result {
    let steps = read.steps
    let step = steps[stepIndex]
    let next = stepIndex &+ 1
    if step.index < 0 {
      guard case .object(let object) = current.pointee else { return body(nil) }
      return object.entries.withUnsafeBufferPointer { members in
        guard let found = position(in: members, step: step, at: stepIndex, of: read) else {
          return body(nil)
        }
        return StandardLibraryLayout.withValue(ofMember: found, in: members) { value in
          next == steps.count ? body(value) : withResolved(value, read, step: next, body)
        }
      }
    }
    return withElements(of: current) { elements in
      guard let elements, step.index < elements.count else { return body(nil) }
      let value = elements.baseAddress! + step.index
      return next == steps.count ? body(value) : withResolved(value, read, step: next, body)
    }
  }

  /// Calls `body` with the elements of an array value in place (nil for anything else); the
  /// buffer is valid only inside `body`.
  @inline(__always)
  private static func withElements<Result>(
    of value: UnsafePointer<Value>, _ body: (UnsafeBufferPointer<Value>?) -> Result
  ) -> Result {
    if StandardLibraryLayout.isCompiledIn {
      return body(StandardLibraryLayout.elementsInPlace(of: value))
    }
    guard case .array(let elements) = value.pointee else { return body(nil) }
    return elements.withUnsafeBufferPointer { body($0) }
  }

  /// The position of the member whose key is the key of `step`, step `stepIndex` of `read`:
  /// the hint first, by the key's bits (a key built the same way as the rule's, the usual
  /// case); then ``position(in:hint:keyBits:key:)``.
  @inline(__always)
  private static func position(
    in members: UnsafeBufferPointer<ObjectValue.Element>, step: FastPathRead.Step,
    at stepIndex: Int, of read: FastPathRead
  ) -> Int? {
    let keyBits = step.keyBits
    let hint = read.hints + stepIndex
    let guess = hint.pointee.load(ordering: .relaxed)
    if StandardLibraryLayout.isCompiledIn, guess < members.count,
      StandardLibraryLayout.key(of: members.baseAddress! + guess, hasBits: keyBits)
    {
      return guess
    }
    return position(in: members, hint: hint, keyBits: keyBits, key: read.keyUTF8[stepIndex])
  }

  /// The position of the member whose key is `key` (its UTF-8 bytes) when the hint's bits did
  /// not match: the hint by scalars (a key of more than 15 bytes is held out of line, in the
  /// document's own storage, so its bits never equal the rule's), then by the key's bits, then
  /// by scalars; the hint is moved to what is found. Out of line, so that the hint's hit stays
  /// small. The rule's key is read as bytes the program owns, never as its `String`: retaining
  /// that string from every thread checking with the program made them contend for one cache
  /// line on each lookup.
  @inline(never)
  private static func position(
    in members: UnsafeBufferPointer<ObjectValue.Element>,
    hint: UnsafePointer<Atomic<Int>>, keyBits: StandardLibraryLayout.Bits,
    key: UnsafeBufferPointer<UInt8>
  ) -> Int? {
    let guess = hint.pointee.load(ordering: .relaxed)
    if guess < members.count, isKey(members.baseAddress! + guess, key) { return guess }
    guard let found = position(in: members, keyBits) ?? position(in: members, key)
    else { return nil }
    hint.pointee.store(found, ordering: .relaxed)
    return found
  }

  /// The position of the entry whose key has exactly the bits `keyBits`: a cheap first look
  /// that finds a key built the same way as the rule's (never, in a portable build).
  @inline(__always)
  private static func position(
    in entries: UnsafeBufferPointer<ObjectValue.Element>, _ keyBits: StandardLibraryLayout.Bits
  ) -> Int? {
    guard StandardLibraryLayout.isCompiledIn else { return nil }
    for index in entries.indices
    where StandardLibraryLayout.key(of: entries.baseAddress! + index, hasBits: keyBits) {
      return index
    }
    return nil
  }

  /// The position of the entry whose key has the UTF-8 bytes `key`.
  private static func position(
    in entries: UnsafeBufferPointer<ObjectValue.Element>, _ key: UnsafeBufferPointer<UInt8>
  ) -> Int? {
    entries.indices.first { isKey(entries.baseAddress! + $0, key) }
  }

  /// Whether the key of `member` has the UTF-8 bytes `key` (equal bytes, equal scalars).
  @inline(__always)
  private static func isKey(
    _ member: UnsafePointer<ObjectValue.Element>, _ key: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    Value.scalarsEqual(member.pointee.key, utf8: key)
  }

}
