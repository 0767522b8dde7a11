import Testing

@testable import ConstraintEngine

/// Test-only JSON-like literals: `["a": 1, "b": ["x", .null]]` builds a ``Value``.
/// Decimals are written `.decimal("0.1")` so they never pass through `Double`.
indirect enum J: Sendable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
  CustomStringConvertible
{
  case missing
  case null
  case bool(Bool)
  case integer(Int)
  case decimal(String)
  case string(String)
  case array([J])
  case object([(String, J)])

  init(integerLiteral value: Int) { self = .integer(value) }
  init(stringLiteral value: String) { self = .string(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(arrayLiteral elements: J...) { self = .array(elements) }
  init(dictionaryLiteral elements: (String, J)...) { self = .object(elements) }

  var value: ConstraintEngine.Value {
    switch self {
    case .missing: return .missing
    case .null: return .null
    case .bool(let flag): return .bool(flag)
    case .integer(let number): return .number(Number(number))
    case .decimal(let text): return .number(Number(parsing: text)!)
    case .string(let text): return .string(text)
    case .array(let elements): return .array(elements.map(\.value))
    case .object(let entries): return .object(ObjectValue(entries.map { ($0.0, $0.1.value) }))
    }
  }

  var description: String { value.description }
}

/// What a builtin call produced, comparable in tests.
enum BuiltinResult: Equatable, Sendable, CustomStringConvertible {
  case bool(Bool)
  /// A number, by its canonical text.
  case number(String)
  case string(String)
  /// Any other value, by its description.
  case other(String)
  case invalidArgument(Int)
  case failed
  case deferred

  static let pass = BuiltinResult.bool(true)
  static let fail = BuiltinResult.bool(false)

  var description: String {
    switch self {
    case .bool(let flag): return String(flag)
    case .number(let text): return "number \(text)"
    case .string(let text): return "string \(text)"
    case .other(let text): return text
    case .invalidArgument(let index): return "invalid argument \(index)"
    case .failed: return "failed"
    case .deferred: return "deferred"
    }
  }
}

/// Calls builtin `name` of the standard registry with the given arguments.
func callBuiltin(
  _ name: String, _ arguments: [J], context: EvaluationContext = .empty
) -> (outcome: BuiltinResult, message: String?) {
  guard let builtin = BuiltinRegistry.standard.lookup(name),
    case .function(let body) = builtin.implementation
  else {
    return (.other("no function builtin \(name)"), nil)
  }
  do {
    let result = try body(BuiltinArguments(arguments.map(\.value)), context)
    switch result {
    case .bool(let flag): return (.bool(flag), nil)
    case .number(let number): return (.number(number.description), nil)
    case .string(let text): return (.string(text), nil)
    default: return (.other(result.description), nil)
    }
  } catch {
    switch error {
    case .invalidArgument(let index, let message): return (.invalidArgument(index), message)
    case .failed(let message): return (.failed, message)
    case .deferred(let message): return (.deferred, message)
    }
  }
}

/// One row of a builtin table: a call and what it must produce.
struct BuiltinCase: Sendable, CustomTestStringConvertible {
  let name: String
  let arguments: [J]
  let expected: BuiltinResult
  /// Text the failure message must contain, when the row is an error.
  let messageContains: String?
  let context: EvaluationContext

  init(
    _ name: String, _ arguments: [J], _ expected: BuiltinResult, message: String? = nil,
    context: EvaluationContext = .empty
  ) {
    self.name = name
    self.arguments = arguments
    self.expected = expected
    self.messageContains = message
    self.context = context
  }

  var testDescription: String {
    let call = "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
    return (call.count > 150 ? String(call.prefix(150)) + "…" : call) + " → \(expected)"
  }

  func check() {
    let (outcome, message) = callBuiltin(name, arguments, context: context)
    #expect(outcome == expected, "\(testDescription): got \(outcome) \(message ?? "")")
    if let messageContains {
      #expect(
        message?.contains(messageContains) == true,
        "\(testDescription): message \(message ?? "none") lacks \(messageContains)")
    }
  }
}
