import Foundation

/// A declared field type from a rule file's `type_signature` (or `--type PATH=TYPE`).
///
/// Declared types are applied whenever the path is read: a `bigint` field holding `"123"`
/// evaluates as the integer 123; a present value of the wrong type is an error naming the path.
public indirect enum FieldType: Sendable, Hashable, CustomStringConvertible {
  /// A JSON integer or a decimal digit string (`^-?[0-9]+$`), read as an integer.
  case bigint
  case string
  /// Any exact number.
  case number
  /// An integral number.
  case integer
  case boolean
  case array
  case object
  /// An array whose elements are all strings.
  case stringArray
  /// `X | undefined`: X or missing.
  case optional(FieldType)
  /// A type this engine does not check (schema names, `Record<…>`): kept as written.
  case unchecked(String)

  /// Reads a declaration as written in rule files.
  public init(declaration: String) {
    let text = declaration.trimmingCharacters(in: .whitespaces)
    let alternatives = text.split(separator: "|").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    if alternatives.count == 2, alternatives.contains("undefined") {
      let other = alternatives.first { $0 != "undefined" }!
      self = .optional(FieldType(declaration: String(other)))
      return
    }
    switch text {
    case "bigint", "bigint_coercible": self = .bigint
    case "string": self = .string
    case "number": self = .number
    case "integer": self = .integer
    case "boolean": self = .boolean
    case "array": self = .array
    case "object": self = .object
    case "string[]": self = .stringArray
    default: self = .unchecked(text)
    }
  }

  public var description: String {
    switch self {
    case .bigint: return "bigint"
    case .string: return "string"
    case .number: return "number"
    case .integer: return "integer"
    case .boolean: return "boolean"
    case .array: return "array"
    case .object: return "object"
    case .stringArray: return "string[]"
    case .optional(let wrapped): return "\(wrapped) | undefined"
    case .unchecked(let text): return text
    }
  }

  /// The static type of values of this field once coerced (nil: not known).
  var staticType: StaticType {
    switch self {
    case .bigint, .number, .integer: return .number
    case .string: return .string
    case .boolean: return .boolean
    case .array, .stringArray: return .array
    case .object: return .object
    case .optional, .unchecked: return .any
    }
  }
}

/// The types the checker tracks to reject expressions that can never evaluate (`'a' < 1`).
enum StaticType: String, Sendable, Hashable {
  case any
  case boolean
  case number
  case string
  case null
  case array
  case object

  var isKnown: Bool { self != .any }

  var article: String {
    switch self {
    case .any: return "a value"
    case .boolean: return "a boolean"
    case .number: return "a number"
    case .string: return "a string"
    case .null: return "null"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}
