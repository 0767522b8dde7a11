/// The evaluation steps charged for work that grows with the size of the data an operation
/// reads: comparing long strings, visiting the elements of a large array, matching a regex,
/// calling a builtin over a large argument. Quantifier steps and big arithmetic
/// (``Operations/steps(_:_:_:)``) are the other charges; all of them count against
/// ``EvaluationLimits/maximumSteps``, so a rule over data under the caps ends in bounded time
/// however its operations are repeated (docs/LANGUAGE.md, "Limits").
///
/// The rates: **one step per 64 bytes** of string data compared, scanned, parsed or matched
/// (strings shorter than 64 bytes cost nothing), **one step per element or member** an
/// operation visits, and one step per four 64-bit words of a big number. One helper for every
/// evaluation path — the compiled program, its fast path and the reference interpreter charge
/// the same steps for the same operation on the same values, so the fast path gives up exactly
/// where the general path would report the step limit (or earlier).
package enum Metering {
  /// Bytes of string data one step pays for.
  package static let bytesPerStep = 64

  /// Steps for `count` bytes of string data.
  @inline(__always)
  package static func bytes(_ count: Int) -> Int { count &>> 6 }

  /// Steps for `==` / `!=` of two strings: their bytes when the lengths are equal (unequal
  /// lengths are decided without reading them).
  @inline(__always)
  package static func stringEquality(_ a: String, _ b: String) -> Int {
    let count = a.utf8.count
    return count == b.utf8.count ? bytes(count) : 0
  }

  /// Steps for ordering two strings: the bytes they have in common.
  @inline(__always)
  package static func stringOrder(_ a: String, _ b: String) -> Int {
    bytes(min(a.utf8.count, b.utf8.count))
  }

  /// Steps for `a == b` on values (``Operations/equals(_:_:)``, `changed`): strings as
  /// ``stringEquality(_:_:)``; arrays and objects of the same count, their size (see
  /// ``size(of:within:)``, counting at most `budget + 1`); nothing for other values.
  /// Inline for scalars (the common case); containers are counted out of line.
  @inline(__always)
  package static func equality(_ a: Value, _ b: Value, within budget: Int) -> Int {
    switch a {
    case .missing, .null, .bool, .number: return 0
    case .string(let x):
      if case .string(let y) = b { return stringEquality(x, y) }
      return 0
    case .array, .object: return containerEquality(a, b, within: budget)
    }
  }

  /// ``equality(_:_:within:)`` of two containers.
  @inline(never)
  private static func containerEquality(_ a: Value, _ b: Value, within budget: Int) -> Int {
    switch (a, b) {
    case (.array(let x), .array(let y)):
      return x.count == y.count ? size(of: a, within: budget) : 0
    case (.object(let x), .object(let y)):
      return x.count == y.count ? size(of: a, within: budget) : 0
    default: return 0
    }
  }

  /// Steps for ordering two values: strings as ``stringOrder(_:_:)``, nothing otherwise.
  @inline(__always)
  package static func order(_ a: Value, _ b: Value) -> Int {
    if case .string(let x) = a, case .string(let y) = b { return stringOrder(x, y) }
    return 0
  }

  /// Steps for comparing `a` and `b` as exact integers (digit strings are parsed): the bytes
  /// of each string operand.
  @inline(__always)
  package static func integerComparison(_ a: Value, _ b: Value) -> Int {
    stringBytes(a) + stringBytes(b)
  }

  /// Steps for `a in b`: one per element of an array `b` plus what comparing `a` with each
  /// element costs, or one per member of an object `b` plus the bytes of the key `a`.
  /// Counting stops once it passes `budget`.
  package static func membership(
    _ a: Value, _ b: Value, integers: Bool, within budget: Int
  ) -> Int {
    switch b {
    case .array(let elements):
      var total = elements.count
      for element in elements {
        if total > budget { break }
        total +=
          integers
          ? integerComparison(a, element) : equality(a, element, within: budget - total)
      }
      return total
    case .object(let object):
      return object.count + stringBytes(a)
    default:
      return 0
    }
  }

  /// Steps for reading a value under a declared type: a digit string read as a `bigint` is
  /// parsed (its bytes); a `string[]` is checked element by element. Inline for the common
  /// case, which costs nothing whatever the type: a string under 64 bytes, or a value that is
  /// neither a string nor an array.
  @inline(__always)
  package static func coercion(_ value: Value, to type: FieldType) -> Int {
    switch value {
    case .string(let text) where text.utf8.count < bytesPerStep: return 0
    case .string, .array: return typedCoercion(value, to: type)
    default: return 0
    }
  }

  /// ``coercion(_:to:)`` by the declared type.
  @inline(never)
  private static func typedCoercion(_ value: Value, to type: FieldType) -> Int {
    switch type {
    case .bigint: return stringBytes(value)
    case .stringArray:
      if case .array(let elements) = value { return elements.count }
      return 0
    case .optional(let wrapped): return typedCoercion(value, to: wrapped)
    default: return 0
    }
  }

  /// Steps for matching a subject of `count` bytes, beyond what the match itself reports
  /// (``CompiledRegex/matches(_:work:)``).
  @inline(__always)
  package static func match(subjectBytes count: Int) -> Int { bytes(count) }

  /// Steps for calling a builtin of the given cost on `arguments`, counting at most
  /// `budget + 1`. Inline for the common call, one or two scalar arguments.
  @inline(__always)
  package static func call(_ cost: BuiltinCost, _ arguments: BuiltinArguments, within budget: Int)
    -> Int
  {
    switch cost {
    case .constant:
      return 0
    case .argumentData:
      if arguments.count <= 2, let first = scalarSize(arguments.first),
        let second = scalarSize(arguments.second)
      {
        // Unused arguments are missing: nothing.
        return first &+ second
      }
      return argumentData(arguments, within: budget)
    case .sum:
      return sumCall(arguments, within: budget)
    }
  }

  /// The size of a scalar (``size(of:within:)``), or nil for another value.
  @inline(__always)
  private static func scalarSize(_ value: Value) -> Int? {
    switch value {
    case .missing, .null, .bool, .number(.small): return 0
    case .string(let text): return bytes(text.utf8.count)
    default: return nil
    }
  }

  /// ``call(_:_:within:)`` for ``BuiltinCost/argumentData``: the size of every argument.
  @inline(never)
  private static func argumentData(_ arguments: BuiltinArguments, within budget: Int) -> Int {
    var total = 0
    for index in 0..<arguments.count {
      if total > budget { break }
      total += size(of: arguments[index], within: budget - total)
    }
    return total
  }

  /// ``call(_:_:within:)`` for ``BuiltinCost/sum``.
  @inline(never)
  private static func sumCall(_ arguments: BuiltinArguments, within budget: Int) -> Int {
    guard case .array(let elements) = arguments[0] else { return 0 }
    let field: String? =
      if arguments.count > 1, case .string(let name) = arguments[1] { name } else { nil }
    return sum(elements, field: field, within: budget)
  }

  /// Steps for `bigint_sum(elements)` / `bigint_sum(elements, field)`: one per element, plus
  /// one per member of each object a field is looked up in, plus the bytes of each digit
  /// string read. Counting stops once it passes `budget`.
  package static func sum(_ elements: [Value], field: String?, within budget: Int) -> Int {
    var total = elements.count
    let components = field.map(fieldPathComponents)
    for element in elements {
      if total > budget { break }
      guard let components else {
        total += stringBytes(element)
        continue
      }
      var current = element
      for component in components {
        guard case .object(let object) = current else {
          current = .missing
          break
        }
        total += object.count
        current = object[component] ?? .missing
      }
      total += stringBytes(current)
    }
    return total
  }

  /// The size of a value in steps: one per element or member at any depth, plus the bytes of
  /// its strings and keys and the words of its big numbers. Counting stops once it passes
  /// `budget` (the caller is over budget then, whatever the rest holds).
  package static func size(of value: Value, within budget: Int) -> Int {
    switch value {
    case .string(let text): return bytes(text.utf8.count)
    case .number(let number): return numberSize(number)
    case .array(let elements):
      var total = elements.count
      for element in elements {
        if total > budget { break }
        switch element {
        case .missing, .null, .bool, .number(.small): continue
        default: total += size(of: element, within: budget - total)
        }
      }
      return total
    case .object(let object):
      var total = object.count
      for (key, member) in object {
        if total > budget { break }
        total += bytes(key.utf8.count) + size(of: member, within: budget - total)
      }
      return total
    case .missing, .null, .bool: return 0
    }
  }

  /// The bytes of a string value in steps; nothing for other values.
  @inline(__always)
  package static func stringBytes(_ value: Value) -> Int {
    if case .string(let text) = value { return bytes(text.utf8.count) }
    return 0
  }

  /// A number's size: nothing for a 64-bit integer, a step per four words of a larger one.
  @inline(__always)
  package static func numberSize(_ number: Number) -> Int {
    if case .small = number { return 0 }
    return number.significandWords &>> 2
  }
}

/// How a builtin's evaluation is charged to the step limit (see ``Metering``).
package enum BuiltinCost: Sendable, Hashable {
  /// It reads no more than its arguments' top level, in constant time (`len`, `type_of`).
  case constant
  /// It may visit all of its arguments: their ``Metering/size(of:within:)``. The default.
  case argumentData
  /// `bigint_sum`: ``Metering/sum(_:field:within:)``, which the fast path charges alike.
  case sum
}
