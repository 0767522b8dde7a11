/// `eq`, `len`, `type_of`, `is_bigint_coercible`.
enum CoreBuiltins {
  static let family = "core"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("eq", [.value, .value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        .bool(languageEquals(arguments[0], arguments[1]))
      }, operatorForm: .equality),
    Builtin(
      BuiltinSignature("len", [.value], result: .integer, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        switch arguments[0] {
        case .array(let elements): return .number(.small(elements.count))
        case .string(let text): return .number(.small(text.utf16.count))
        case .object(let object): return .number(.small(object.count))
        default:
          throw .invalidArgument(
            index: 0,
            message: "len needs an array, a string or an object, got \(describe(arguments[0]))")
        }
      }, cost: .constant),
    Builtin(
      BuiltinSignature("type_of", [.value], result: .string, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        switch arguments[0] {
        case .missing: return .string("undefined")
        default: return .string(arguments[0].typeName)
        }
      },
      stringResults: ["undefined", "null", "boolean", "number", "string", "array", "object"],
      cost: .constant),
    Builtin(
      BuiltinSignature("is_bigint_coercible", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        .bool(bigintInteger(arguments[0]) != nil)
      }),
  ]
}
