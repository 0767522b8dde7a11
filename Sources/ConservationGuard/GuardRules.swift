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
  /// What checking a snapshot with this rule set reads of it: every path the invariants read
  /// and every logged field (a `HARD_FAIL` line shows them), each whole. Computed once, with
  /// the rules it belongs to, so a snapshot read through it is never evaluated by other rules.
  var projection: ReadProjection { projectionTable?.projection ?? .wholeDocument }
  /// The projection laid out for the reader once, for every check that reads through it (nil:
  /// the whole document).
  let projectionTable: ProjectionTable?
  /// The invariants' programs, unretained: ``allHold(_:context:)`` runs them without reference
  /// counting on every check (`invariants` keeps them alive as long as this rule set).
  private let programs: [Unmanaged<Program>]

  private init(version: String, invariants: [Invariant], projection: ReadProjection) {
    self.version = version
    self.invariants = invariants
    programs = invariants.map { Unmanaged.passUnretained($0.program) }
    projectionTable = ProjectionTable.laidOut(projection)
  }

  /// Whether every invariant holds on `snapshot` (their fast paths: `Program.holds`). All are
  /// evaluated, as the explaining evaluation and the metrics expect.
  func allHold(_ snapshot: Value, context: EvaluationContext) -> Bool {
    var holds = true
    for program in programs where !program._withUnsafeGuaranteedRef({
      $0.holds(snapshot, context: context)
    }) {
      holds = false
    }
    return holds
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
  /// by `required` (all must be present and evaluable) from the rules of one schema: `schema`,
  /// or when nil the one schema that defines them (more than one is ambiguous: a failure).
  static func compile(
    _ files: [RuleSourceFile], version: String, required: [String], schema: String?,
    flags: Set<String>
  ) -> Result<GuardRules, Diagnostics> {
    var errors: [Diagnostic] = []
    var ruleFiles: [RuleFile] = []
    for file in files {
      do {
        let text = try RuleFileLoader.text(of: file.bytes, path: file.path)
        ruleFiles.append(try RuleFileLoader.parse(text, path: file.path))
      } catch {
        errors += error.diagnostics
      }
    }
    guard errors.isEmpty else { return .failure(Diagnostics(errors)) }
    let ruleSet: RuleSet
    switch RuleSet.compile(ruleFiles, flags: flags) {
    case .success(let compiled): ruleSet = compiled
    case .failure(let failure): return .failure(failure)
    }
    var invariants: [Invariant] = []
    var invariantIndexes: [Int] = []
    let sourceName = files.map(\.path).joined(separator: ", ")
    let bound: String
    switch boundSchema(ruleSet, required: required, configured: schema) {
    case .success(let found): bound = found
    case .failure(let failure):
      return .failure(
        Diagnostics([
          Diagnostic(.requiredRuleUnavailable, failure.message, file: sourceName)
        ]))
    }
    for id in required {
      guard
        let ruleIndex = ruleSet.rules.firstIndex(where: {
          $0.id == id && $0.definition.schemaID == bound
        })
      else {
        var message = "required invariant `\(id)` is missing from schema `\(bound)`"
        let elsewhere = Set(ruleSet.rules.filter { $0.id == id }.map(\.definition.schemaID))
        if !elsewhere.isEmpty {
          message +=
            " (schema \(elsewhere.sorted().map { "`\($0)`" }.joined(separator: ", ")) has a rule "
            + "with this id; a rule of another schema never stands in for an invariant)"
        }
        errors.append(
          Diagnostic(.requiredRuleUnavailable, message, file: sourceName, rule: id))
        continue
      }
      let rule = ruleSet.rules[ruleIndex]
      guard let program = rule.program else {
        var reason = "not evaluated"
        if case .skipped(let why) = rule.state { reason = why }
        errors.append(
          Diagnostic(
            .requiredRuleUnavailable,
            "required invariant `\(id)` is not evaluated here (\(reason))",
            file: rule.definition.file, at: SourceRange(at: rule.definition.location), rule: id))
        continue
      }
      let fields = rule.definition.types.compactMap { path, type in
        LoggedField(path: path, type: type)
      }.sorted { $0.name < $1.name }.enumerated().map { index, field in
        var numbered = field
        numbered.position = index + 1
        return numbered
      }
      invariants.append(
        Invariant(
          id: id, program: program, message: rule.definition.message ?? id,
          loggedFields: fields))
      invariantIndexes.append(ruleIndex)
    }
    guard errors.isEmpty else { return .failure(Diagnostics(errors)) }
    let projection = ruleSet.readProjection(
      ruleIndexes: invariantIndexes,
      extraPaths: invariants.flatMap { $0.loggedFields.map(\.path) })
    return .success(GuardRules(version: version, invariants: invariants, projection: projection))
  }

  /// The schema whose rules are the invariants: the configured one, which must be loaded, or
  /// the only schema defining any of them. Anything else is a message saying why not.
  private static func boundSchema(
    _ ruleSet: RuleSet, required: [String], configured: String?
  ) -> Result<String, BindingFailure> {
    let loaded = Set(ruleSet.files.map(\.schemaID)).sorted()
    let list = loaded.map { "`\($0)`" }.joined(separator: ", ")
    if let configured {
      guard loaded.contains(configured) else {
        return .failure(
          BindingFailure(
            "no rule file of schema `\(configured)`, the schema the guard's invariants are bound "
              + "to (loaded: \(list.isEmpty ? "none" : list))"))
      }
      return .success(configured)
    }
    let defining = Set(
      ruleSet.rules.filter { required.contains($0.id) }.map(\.definition.schemaID)
    ).sorted()
    guard defining.count == 1 else {
      return .failure(
        BindingFailure(
          defining.isEmpty
            ? "no schema defines the guard's invariants (loaded: \(list.isEmpty ? "none" : list))"
            : "ambiguous invariants: schemas \(defining.map { "`\($0)`" }.joined(separator: ", "))"
              + " each define some of them; configure the schema the guard binds to"))
    }
    return .success(defining[0])
  }

  struct BindingFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
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
  /// 1-based, among the invariant's logged fields in name order.
  var position = 0

  /// The metadata key of the field in a `HARD_FAIL` line: `input.<path>` when the path is made
  /// only of ASCII letters, digits and `_ . [ ] -`; otherwise `input.field_<position>`. Keys,
  /// like values, never carry free text from a rule file into a log line.
  var logKey: String {
    let plain = name.utf8.allSatisfy { byte in
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
        || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2E || byte == 0x5B
        || byte == 0x5D || byte == 0x2D
    }
    return plain ? "input.\(name)" : "input.field_\(position)"
  }

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
  if explanation.omittedItems > 0 { parts.append("… and \(explanation.omittedItems) more") }
  return parts.joined(separator: "; ")
}

/// Text from outside the guard (the environment, rule files) made safe for a log value: control
/// characters escaped as in JSON (`\n`, `\u001b`), nothing else changed, no quotes added (a log
/// handler quotes values as its format needs).
enum LogText {
  static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = ""
    for scalar in text.unicodeScalars {
      guard isControl(scalar) else {
        result.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      }
    }
    return result
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }
}
