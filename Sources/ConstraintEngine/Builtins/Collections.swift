/// `unique_values(array, 'field')`, `object_keys_subset(record, array)`.
enum CollectionBuiltins {
  static let family = "collections"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "unique_values", [.value, .stringLiteral], result: .boolean, family: family),
      .function(uniqueValues)),
    Builtin(
      BuiltinSignature("object_keys_subset", [.value, .value], result: .boolean, family: family),
      .function(objectKeysSubset)),
  ]

  static func uniqueValues(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let items = try arguments.array(0, "the list")
    let components = fieldPathComponents(arguments.literal(1))
    var seen = Set<ValueKey>()
    seen.reserveCapacity(items.count)
    for item in items {
      guard case .object = item else { continue }
      let fieldValue = value(item, atField: components)
      switch fieldValue {
      case .missing, .null: continue
      default: break
      }
      let key: ValueKey
      do throws(CanonicalJSONError) {
        key = try ValueKey(fieldValue)
      } catch {
        throw .failed("a `\(arguments.literal(1))` value is too deeply nested to compare")
      }
      if !seen.insert(key).inserted { return .bool(false) }
    }
    return .bool(true)
  }

  static func objectKeysSubset(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    guard case .object(let record) = arguments[0] else {
      throw .invalidArgument(
        index: 0, message: "the record must be an object, got \(describe(arguments[0]))")
    }
    let allowedList = try arguments.array(1, "the allowed key list")
    var allowed = Set<ExactString>()
    for element in allowedList {
      if case .string(let key) = element { allowed.insert(ExactString(key)) }
    }
    for key in record.keys where !allowed.contains(ExactString(key)) {
      return .bool(false)
    }
    return .bool(true)
  }
}

/// A hashable image of a value under the language's `==` (numbers by exact value, strings by
/// scalars, containers structurally with key order ignored), via canonical JSON bytes.
struct ValueKey: Hashable {
  let bytes: [UInt8]

  init(_ value: Value) throws(CanonicalJSONError) {
    switch value {
    case .string(let text): bytes = [1] + Array(text.utf8)
    case .number(let number): bytes = [2] + Array(number.description.utf8)
    case .bool(let flag): bytes = [flag ? 3 : 4]
    case .missing, .null: bytes = [5]
    case .array, .object:
      bytes = [6] + (try CanonicalJSON.encode(value, normalizeStrings: false))
    }
  }
}
