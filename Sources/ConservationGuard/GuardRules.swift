import ConstraintEngine

/// A compiled, immutable billing rule set: swapped as a whole, so every decision comes from one
/// version of the rules.
final class GuardRules: Sendable {
  /// One invariant ready to evaluate.
  struct Invariant: Sendable {
    let id: String
    let program: Program
    let message: String
    /// The declared numeric and string fields whose values a `HARD_FAIL` line may show.
    let loggedFields: [LoggedField]
  }

  let version: String
  let invariants: [Invariant]

  private init(version: String, invariants: [Invariant]) {
    self.version = version
    self.invariants = invariants
  }

  /// The content hash of a rule source: FNV-1a 64 over each file's length and bytes, in path
  /// order, as 16 hex digits. Paths are left out so moving the directory keeps the version.
  static func version(of files: [RuleSourceFile]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    for file in files {
      var length = UInt64(file.bytes.count)
      for _ in 0..<8 {
        mix(UInt8(truncatingIfNeeded: length))
        length >>= 8
      }
      for byte in file.bytes { mix(byte) }
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Parses and compiles every rule of `files` (all must compile) and picks the invariants named
  /// by `required` (all must be present and evaluable).
  static func compile(
    _ files: [RuleSourceFile], version: String, required: [String], flags: Set<String>
  ) -> Result<GuardRules, RuleFileErrors> {
    var errors: [RuleFileError] = []
    var ruleFiles: [RuleFile] = []
    for file in files {
      guard let text = String(validating: file.bytes, as: UTF8.self) else {
        errors.append(RuleFileError(file: file.path, message: "the file is not valid UTF-8"))
        continue
      }
      do {
        ruleFiles.append(try RuleFileLoader.parse(text, path: file.path))
      } catch {
        errors += error.errors
      }
    }
    guard errors.isEmpty else { return .failure(RuleFileErrors(errors)) }
    let ruleSet: RuleSet
    switch RuleSet.compile(ruleFiles, flags: flags) {
    case .success(let compiled): ruleSet = compiled
    case .failure(let failure): return .failure(failure)
    }
    var invariants: [Invariant] = []
    let sourceName = files.map(\.path).joined(separator: ", ")
    for id in required {
      guard let rule = ruleSet.rules.first(where: { $0.id == id }) else {
        errors.append(
          RuleFileError(
            file: sourceName, ruleID: id, message: "required invariant `\(id)` is missing"))
        continue
      }
      guard let program = rule.program else {
        var reason = "not evaluated"
        if case .skipped(let why) = rule.state { reason = why }
        errors.append(
          RuleFileError(
            file: rule.definition.file, location: rule.definition.location, ruleID: id,
            message: "required invariant `\(id)` is not evaluated here (\(reason))"))
        continue
      }
      let fields = rule.definition.types.compactMap { path, type in
        LoggedField(path: path, type: type)
      }.sorted { $0.name < $1.name }
      invariants.append(
        Invariant(
          id: id, program: program, message: rule.definition.message ?? id,
          loggedFields: fields))
    }
    guard errors.isEmpty else { return .failure(RuleFileErrors(errors)) }
    return .success(GuardRules(version: version, invariants: invariants))
  }
}

/// A declared field a `HARD_FAIL` line may show, and how much of its value.
struct LoggedField: Sendable {
  enum Kind: Sendable {
    /// Declared `bigint`, `number` or `integer`: the number is shown.
    case numeric
    /// Declared `string`: shown only when the value is enum- or amount-shaped.
    case enumeration
  }

  let path: FieldPath
  let name: String
  let kind: Kind

  /// The longest value shown; longer values are summarised by their length.
  static let maximumShownLength = 64

  /// A field of a declared numeric or string type; nil for any other type (never logged).
  init?(path: FieldPath, type: FieldType) {
    var declared = type
    if case .optional(let wrapped) = type { declared = wrapped }
    switch declared {
    case .bigint, .number, .integer: kind = .numeric
    case .string: kind = .enumeration
    default: return nil
    }
    self.path = path
    self.name = path.description
  }

  /// The value of the field in `snapshot`, as a `HARD_FAIL` line may show it: numbers and
  /// digit strings for numeric fields, short tokens (letters, digits, `_ + - .`) for string
  /// fields, as written (`""` for an empty string); anything else only by its type and length,
  /// so no free text, whitespace or quote from the snapshot reaches a log line.
  func summary(in snapshot: Value) -> String {
    let value = path.resolve(in: snapshot)
    switch value {
    case .missing: return "missing"
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .number(let number):
      let text = number.description
      let length = text.utf8.count
      return length <= Self.maximumShownLength ? text : "<number, \(length) chars>"
    case .string(let text):
      let bytes = text.utf8
      let shown: Bool
      switch kind {
      case .numeric:
        shown = bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D }
      case .enumeration:
        shown = bytes.allSatisfy { byte in
          (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2B || byte == 0x2D
            || byte == 0x2E
        }
      }
      if shown && bytes.count <= Self.maximumShownLength { return text.isEmpty ? "\"\"" : text }
      return "<string, \(bytes.count) bytes>"
    case .array(let elements): return "<array, \(elements.count) elements>"
    case .object: return "<object>"
    }
  }
}

/// One line from an explanation: each deciding sub-expression with its value.
func compactExplanation(_ explanation: Explanation, source: String) -> String {
  let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
  var parts: [String] = []
  for item in explanation.items {
    let range = item.range
    var text = "?"
    if range.start.line == range.end.line, range.start.line >= 1, range.start.line <= lines.count
    {
      let scalars = Array(lines[range.start.line - 1].unicodeScalars)
      let from = max(0, min(scalars.count, range.start.column - 1))
      let to = max(from, min(scalars.count, range.end.column - 1))
      var slice = String.UnicodeScalarView()
      slice.append(contentsOf: scalars[from..<to])
      text = String(slice)
    }
    var part = "\(text) = \(item.value)"
    if let context = item.context { part += " (\(context))" }
    if !parts.contains(part) { parts.append(part) }
  }
  return parts.joined(separator: "; ")
}
