/// Evaluates a ``FastCondition`` against one snapshot, reading values where they lie in the
/// snapshot (through pointers valid for the duration of the read) instead of copying them out,
/// so the common case touches no reference counts. Every function returns nil to give up.
struct FastEvaluator {
  /// The snapshot, and a pointer to each quantifier variable's current element; the pointees
  /// live in the snapshot, which outlives the evaluation, and each variable's pointer is used
  /// only inside the scope of the array buffer it points into.
  private let root: UnsafePointer<Value>
  private let variables: UnsafeMutablePointer<UnsafePointer<Value>>
  private var level = 0
  private var steps = 0
  private let maximumSteps: Int

  /// Decides `condition` for `snapshot`, or nil where the general path must decide.
  static func decide(
    _ condition: FastCondition, snapshot: Value, levels: Int, maximumSteps: Int
  ) -> Bool? {
    withUnsafePointer(to: snapshot) { root in
      withUnsafeTemporaryAllocation(of: UnsafePointer<Value>.self, capacity: max(levels, 1)) {
        variables in
        var evaluator = FastEvaluator(
          root: root, variables: variables.baseAddress!, maximumSteps: maximumSteps)
        return evaluator.decide(condition)
      }
    }
  }

  private init(
    root: UnsafePointer<Value>, variables: UnsafeMutablePointer<UnsafePointer<Value>>,
    maximumSteps: Int
  ) {
    self.root = root
    self.variables = variables
    self.maximumSteps = maximumSteps
  }

  mutating func decide(_ condition: FastCondition) -> Bool? {
    switch condition {
    case .constant(let flag):
      return flag
    case .all(let terms):
      for term in terms {
        guard let flag = decide(term) else { return nil }
        if !flag { return false }
      }
      return true
    case .any(let terms):
      for term in terms {
        guard let flag = decide(term) else { return nil }
        if flag { return true }
      }
      return false
    case .implies(let premise, let conclusion):
      guard let flag = decide(premise) else { return nil }
      return flag ? decide(conclusion) : true
    case .not(let operand):
      return decide(operand).map { !$0 }
    case .equal(let a, let b, let negated):
      guard let x = scalar(a), let y = scalar(b) else { return nil }
      return Self.equal(x, y) != negated
    case .order(let relation, let a, let b):
      guard let x = scalar(a), let y = scalar(b) else { return nil }
      switch (x, y) {
      case (.int(let p), .int(let q)): return relation.holds(p < q ? -1 : (p == q ? 0 : 1))
      case (.string(let p), .string(let q)): return relation.holds(Value.compareScalars(p, q))
      default: return nil
      }
    case .bigint(let relation, let a, let b):
      guard let x = integer(a), let y = integer(b) else { return nil }
      return relation.holds(x < y ? -1 : (x == y ? 0 : 1))
    case .quantifier(let quantifier, let receiver, let body):
      return quantify(quantifier, receiver, body)
    case .matches(let subject, let regex):
      guard case .string(let text) = scalar(subject) else { return nil }
      return try? regex.matches(text)
    case .truth(let operand):
      guard case .bool(let flag) = scalar(operand) else { return nil }
      return flag
    }
  }

  /// `==` on fast scalars: absent equals absent; different types are never equal.
  private static func equal(_ x: FastScalar, _ y: FastScalar) -> Bool {
    switch (x, y) {
    case (.absent, .absent): return true
    case (.int(let p), .int(let q)): return p == q
    case (.string(let p), .string(let q)): return Value.scalarsEqual(p, q)
    case (.bool(let p), .bool(let q)): return p == q
    default: return false
    }
  }

  private mutating func scalar(_ operand: FastOperand) -> FastScalar? {
    switch operand {
    case .constant(let value):
      return value
    case .path(let read):
      return resolve(read) { Self.project($0, read.admits) }
    case .length(let read):
      return resolve(read) { pointer -> FastScalar? in
        switch pointer?.pointee {
        case .array(let elements): return .int(elements.count)
        case .string(let text): return .int(text.utf16.count)
        default: return nil
        }
      }
    case .bigintSum(let read, let key):
      return resolve(read) { Self.sum($0, key: key) }.map(FastScalar.int)
    case .condition(let condition):
      return decide(condition).map(FastScalar.bool)
    }
  }

  /// An operand of a bigint builtin: an integer, or a string of at most 18 digits.
  private mutating func integer(_ operand: FastOperand) -> Int? {
    switch scalar(operand) {
    case .int(let value): return value
    case .string(let text): return Self.smallInteger(text)
    default: return nil
    }
  }

  /// The value a path reads, as the declared type lets it through.
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
    let utf8 = text.utf8
    let count = utf8.count
    guard count > 0, count <= 19 else { return nil }
    var value = 0
    var negative = false
    var digits = 0
    for byte in utf8 {
      if byte == UInt8(ascii: "-"), !negative, digits == 0 {
        negative = true
        continue
      }
      let digit = byte &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      value = value &* 10 &+ Int(digit)
      digits += 1
    }
    guard digits > 0, digits <= 18 else { return nil }
    return negative ? -value : value
  }

  /// `bigint_sum` over the array at `pointer`, skipping absent items; nil on anything else.
  private static func sum(_ pointer: UnsafePointer<Value>?, key: ObjectKey?) -> Int? {
    guard case .array(let elements) = pointer?.pointee else { return nil }
    return elements.withUnsafeBufferPointer { buffer -> Int? in
      var total = 0
      for index in buffer.indices {
        let element = buffer.baseAddress! + index
        let addend: Addend
        if let key {
          guard case .object(let object) = element.pointee else { continue }
          addend = object.entries.withUnsafeBufferPointer { entries in
            member(in: entries, key).map(Addend.init) ?? .skip
          }
        } else {
          addend = Addend(element)
        }
        switch addend {
        case .skip: continue
        case .giveUp: return nil
        case .value(let value):
          let (next, overflow) = total.addingReportingOverflow(value)
          if overflow { return nil }
          total = next
        }
      }
      return total
    }
  }

  /// One item of a `bigint_sum`.
  private enum Addend {
    case skip
    case value(Int)
    case giveUp

    init(_ item: UnsafePointer<Value>) {
      switch item.pointee {
      case .missing, .null: self = .skip
      case .number(.small(let value)): self = .value(value)
      case .string(let text): self = FastEvaluator.smallInteger(text).map(Addend.value) ?? .giveUp
      default: self = .giveUp
      }
    }
  }

  private mutating func quantify(
    _ quantifier: Quantifier, _ receiver: FastPathRead, _ body: FastCondition
  ) -> Bool? {
    guard let base = base(of: receiver) else { return nil }
    return Self.resolve(base, receiver.steps) { pointer -> Bool? in
      guard case .array(let elements) = pointer?.pointee else { return nil }
      return elements.withUnsafeBufferPointer { buffer -> Bool? in
        let slot = level
        level += 1
        defer { level -= 1 }
        for index in buffer.indices {
          steps += 1
          if steps > maximumSteps { return nil }
          variables[slot] = buffer.baseAddress! + index
          guard let flag = decide(body) else { return nil }
          switch quantifier {
          case .every: if !flag { return false }
          case .some: if flag { return true }
          case .none: if flag { return false }
          case .count: return nil
          }
        }
        return quantifier == .some ? false : true
      }
    }
  }

  private func base(of read: FastPathRead) -> UnsafePointer<Value>? {
    switch read.root {
    case .snapshot: return root
    case .variable(let level): return level < self.level ? variables[level] : nil
    }
  }

  /// Calls `body` with the value at `read` (nil when the path does not resolve).
  @inline(__always)
  private func resolve<Result>(
    _ read: FastPathRead, _ body: (UnsafePointer<Value>?) -> Result?
  ) -> Result? {
    guard let base = base(of: read) else { return nil }
    return Self.resolve(base, read.steps, body)
  }

  private static func resolve<Result>(
    _ base: UnsafePointer<Value>, _ steps: [PathStep],
    _ body: (UnsafePointer<Value>?) -> Result?
  ) -> Result? {
    steps.withUnsafeBufferPointer { steps in
      resolve(base, steps, 0, body)
    }
  }

  /// Follows `steps[index...]` from `value`; containers are entered with their buffers in
  /// scope, so the pointer handed to `body` stays valid while `body` runs.
  private static func resolve<Result>(
    _ value: UnsafePointer<Value>, _ steps: UnsafeBufferPointer<PathStep>, _ index: Int,
    _ body: (UnsafePointer<Value>?) -> Result?
  ) -> Result? {
    guard index < steps.count else { return body(value) }
    switch steps[index] {
    case .key(let key):
      guard case .object(let object) = value.pointee else { return body(nil) }
      return object.entries.withUnsafeBufferPointer { entries -> Result? in
        guard let member = member(in: entries, key) else { return body(nil) }
        return resolve(member, steps, index + 1, body)
      }
    case .index(let position):
      guard case .array(let elements) = value.pointee else { return body(nil) }
      return elements.withUnsafeBufferPointer { buffer -> Result? in
        guard position >= 0, position < buffer.count else { return body(nil) }
        return resolve(buffer.baseAddress! + position, steps, index + 1, body)
      }
    }
  }

  private static let valueOffset = MemoryLayout<ObjectValue.Element>.offset(
    of: \ObjectValue.Element.value)!

  @inline(__always)
  private static func member(
    in entries: UnsafeBufferPointer<ObjectValue.Element>, _ key: ObjectKey
  ) -> UnsafePointer<Value>? {
    for index in entries.indices
    where entries[index].key.utf8.count == key.utf8Count
      && Value.scalarsEqual(entries[index].key, key.text)
    {
      return (UnsafeRawPointer(entries.baseAddress! + index) + valueOffset)
        .assumingMemoryBound(to: Value.self)
    }
    return nil
  }
}
