// Helpers shared by the builtin families: argument access, dotted field paths, the language's
// equality, exact-string hashing and message formatting.

/// A string hashed and compared by its exact Unicode scalars (Swift's `String` applies
/// canonical equivalence, which the language must not).
struct ExactString: Hashable, Sendable {
  let text: String

  init(_ text: String) { self.text = text }

  static func == (lhs: ExactString, rhs: ExactString) -> Bool {
    Value.scalarsEqual(lhs.text, rhs.text)
  }

  func hash(into hasher: inout Hasher) {
    for byte in text.utf8 { hasher.combine(byte) }
    hasher.combine(text.utf8.count)
  }
}

/// The language's `==`: never errors; null and missing equal each other and nothing else;
/// otherwise structural equality (different types unequal).
func languageEquals(_ lhs: Value, _ rhs: Value) -> Bool {
  switch (lhs, rhs) {
  case (.missing, .missing), (.missing, .null), (.null, .missing), (.null, .null): return true
  case (.missing, _), (.null, _), (_, .missing), (_, .null): return false
  default: return lhs.structurallyEquals(rhs)
  }
}

/// The components of a dotted field name (`'a.b.c'`).
func fieldPathComponents(_ field: String) -> [String] {
  field.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
}

/// Lenient navigation of a dotted field name: a member of a non-object is missing.
func value(_ root: Value, atField components: [String]) -> Value {
  var current = root
  for component in components {
    current = current[component]
    if case .missing = current { return .missing }
  }
  return current
}

/// `value(root, atField:)` for a single unsplit field name (splitting only when it has dots).
func value(_ root: Value, atField field: String) -> Value {
  if !field.utf8.contains(UInt8(ascii: ".")) { return root[field] }
  return value(root, atField: fieldPathComponents(field))
}

/// A short rendering of a value for messages, truncated so hostile data cannot make a
/// message huge.
func describe(_ value: Value) -> String {
  switch value {
  case .missing: return "a missing value"
  case .null: return "null"
  case .array: return "an array"
  case .object: return "an object"
  case .bool(let flag): return "the boolean \(flag)"
  case .number(let number):
    return "the number \(truncated(number.description))"
  case .string(let string):
    return "the string \(truncated(Value.quoted(string)))"
  }
}

func truncated(_ text: String, limit: Int = 60) -> String {
  if text.count <= limit { return text }
  return String(text.prefix(limit)) + "…"
}

/// Backquoted name for messages.
func code(_ text: String) -> String { "`" + text + "`" }

extension BuiltinArguments {
  /// Argument `index`, which the checker guarantees is a string literal.
  func literal(_ index: Int) -> String {
    if case .string(let text) = self[index] { return text }
    return ""
  }

  /// Argument `index` as an array, else an error naming what was expected.
  func array(_ index: Int, _ role: String) throws(BuiltinFailure) -> [Value] {
    if case .array(let elements) = self[index] { return elements }
    throw .invalidArgument(
      index: index, message: "\(role) must be an array, got \(describe(self[index]))")
  }

  /// Argument `index` as an object, else an error.
  func object(_ index: Int, _ role: String) throws(BuiltinFailure) -> Value {
    if case .object = self[index] { return self[index] }
    throw .invalidArgument(
      index: index, message: "\(role) must be an object, got \(describe(self[index]))")
  }

  /// Argument `index` as a string, else an error.
  func string(_ index: Int, _ role: String) throws(BuiltinFailure) -> String {
    if case .string(let text) = self[index] { return text }
    throw .invalidArgument(
      index: index, message: "\(role) must be a string, got \(describe(self[index]))")
  }

  /// Argument `index` as a number, else an error.
  func number(_ index: Int, _ role: String) throws(BuiltinFailure) -> Number {
    if case .number(let number) = self[index] { return number }
    throw .invalidArgument(
      index: index, message: "\(role) must be a number, got \(describe(self[index]))")
  }

  /// Argument `index` as a non-negative integer that fits in `Int`, else an error.
  func byteCap(_ index: Int, _ role: String) throws(BuiltinFailure) -> Int {
    let number = try self.number(index, role)
    guard case .small(let cap) = number, cap >= 0 else {
      throw .invalidArgument(
        index: index, message: "\(role) must be a non-negative integer, got \(number)")
    }
    return cap
  }
}

/// Typed accessors for fields of records inside builtin arguments; failures are reported on
/// the call (`.failed`) with a description of where the bad part is.
enum Field {
  static func object(_ value: Value, _ place: String) throws(BuiltinFailure) -> Value {
    if case .object = value { return value }
    throw .failed("\(place) must be an object, got \(describe(value))")
  }

  static func array(_ value: Value, _ place: String) throws(BuiltinFailure) -> [Value] {
    if case .array(let elements) = value { return elements }
    throw .failed("\(place) must be an array, got \(describe(value))")
  }

  static func string(_ value: Value, _ place: String) throws(BuiltinFailure) -> String {
    if case .string(let text) = value { return text }
    throw .failed("\(place) must be a string, got \(describe(value))")
  }

  static func number(_ value: Value, _ place: String) throws(BuiltinFailure) -> Number {
    if case .number(let number) = value { return number }
    throw .failed("\(place) must be a number, got \(describe(value))")
  }

  static func bigint(_ value: Value, _ place: String) throws(BuiltinFailure) -> Number {
    if let number = bigintInteger(value) { return number }
    throw .failed("\(place) \(bigintRejection(value))")
  }

  /// An array of at most `cap` elements; a longer one is an error naming the cap.
  static func cappedArray(
    _ value: Value, _ place: String, cap: Int
  ) throws(BuiltinFailure) -> [Value] {
    let elements = try array(value, place)
    if elements.count > cap {
      throw .failed("\(place) has \(elements.count) elements, more than the cap of \(cap)")
    }
    return elements
  }
}
