/// `unique_values(array, 'field')`, `object_keys_subset(record, array)`, and the extension
/// `unique(array)` / `unique(array, 'field')`.
enum CollectionBuiltins {
  static let family = "collections"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "unique_values", [.value, .stringLiteral], result: .boolean, family: family),
      .function(uniqueValues)),
    Builtin(
      BuiltinSignature(
        "unique", [.value, .stringLiteral], optional: 1, result: .boolean, portable: false,
        family: family),
      .function(unique)),
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

  /// `unique(xs)`: no two elements are `==`; `unique(xs, 'field')`: every element is an
  /// object holding `field` (dotted paths allowed), and no two hold `==` values there. Stated
  /// directly, so exact duplicate entries count as duplicates (the `.every` idiom with
  /// structural `eq` cannot see them). An element without the field is an error: uniqueness
  /// of a value that is not there cannot be checked.
  static func unique(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let items = try arguments.array(0, "the list")
    let field: (name: String, components: [String])? =
      arguments.count > 1
      ? (arguments.literal(1), fieldPathComponents(arguments.literal(1))) : nil
    var seen = Set<ValueKey>()
    seen.reserveCapacity(items.count)
    for (position, item) in items.enumerated() {
      var compared = item
      if let field {
        guard case .object = item else {
          throw .invalidArgument(
            index: 0, message: "element \(position) must be an object, got \(describe(item))")
        }
        compared = value(item, atField: field.components)
        if compared.isAbsent {
          throw .invalidArgument(
            index: 0,
            message: "element \(position) has no \(code(field.name)) (it is "
              + "\(describe(compared))), so its uniqueness cannot be checked")
        }
      }
      let key: ValueKey
      do throws(CanonicalJSONError) {
        key = try ValueKey(compared)
      } catch {
        throw .failed("element \(position) is too deeply nested to compare")
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
