import Foundation

/// Loads `*.constraints.json` rule files: from paths (files and directories, found by
/// ``FileDiscovery``), from one file, or from text. Every reader of rule files (`check`,
/// `lint`, `fmt`, the guard) turns bytes into text with ``text(of:path:)``, so they accept and
/// refuse the same files.
///
/// Structural problems (not JSON, a key of the wrong type, a missing `id` or `expression`, an
/// unknown severity or version, an unknown key) are reported as ``Diagnostic``s naming the
/// file and the exact range of the offending key or value in it. Every problem of a file is
/// reported, not only the first. Expressions are not compiled here:
/// ``RuleSet/compile(_:flags:options:)`` does that and reports expression errors with the rule
/// id, the expression and the exact range in the file.
public enum RuleFileLoader {
  /// The suffix that marks a rule file inside a directory (matched case-insensitively).
  public static let fileSuffix = FileDiscovery.ruleFileSuffix

  /// The `expression_version` major versions this engine reads.
  public static let supportedMajorVersions: Set<Int> = [1, 2]

  /// Keys seen in rule files in the wild that carry no meaning for evaluation; accepted at the
  /// top level and in each constraint.
  public static let annotationKeys: Set<String> = [
    "$schema", "origin", "category", "metadata", "description", "evaluation_note",
    "native_enforcement", "institutional_context", "contract_version",
  ]

  /// The limits rule files are read under: the JSON defaults, except that a rule file's
  /// located tree (every value with two source locations, ~192 bytes per value) may take up to
  /// 12 bytes per byte of text and 512 MiB, as a file of 100,000 ordinary rules needs. A denser
  /// file (a huge ignored annotation `[0,0,…]`, say) is refused before anything is built.
  public static let jsonLimits = JSONLimits(
    maximumValueMemory: 512 << 20, maximumValueMemoryRatio: 12)

  /// The `skipReason` of a rule with `"evaluator": "runtime-deferred"`.
  public static let runtimeDeferredReason = "evaluator: runtime-deferred"
  /// The `skipReason` of a rule with `"evaluation_geometry": "native"`.
  public static let nativeGeometryReason = "evaluation_geometry: native"

  /// Loads every rule file named by `paths`, as ``FileDiscovery/ruleFiles(_:)`` finds them: a
  /// directory contributes its `*.constraints.json` files (recursively, links followed, hidden
  /// entries skipped, sorted by path); a file named explicitly is loaded whatever its name; a
  /// file reached twice is loaded once. Returns the files that loaded and every problem found
  /// (missing or unreadable paths, directories without rule files, structural errors).
  public static func load(paths: [String]) -> (files: [RuleFile], errors: [Diagnostic]) {
    let found = discover(paths)
    var files: [RuleFile] = []
    var errors = found.errors
    for file in found.files {
      do {
        files.append(try load(file: file))
      } catch {
        errors += error.diagnostics
      }
    }
    return (files, errors)
  }

  /// The rule files `paths` stand for, and every discovery problem as a diagnostic (a
  /// directory without rule files included).
  public static func discover(_ paths: [String]) -> (files: [String], errors: [Diagnostic]) {
    let found = FileDiscovery.ruleFiles(paths)
    var errors = found.problems
    for directory in found.emptyDirectories {
      errors.append(
        Diagnostic(.noRuleFiles, "no *\(fileSuffix) files in directory", file: directory))
    }
    return (found.files, errors)
  }

  /// Loads one rule file.
  public static func load(file path: String) throws(Diagnostics) -> RuleFile {
    let bytes: [UInt8]
    do {
      bytes = try JSONReader.readWholeFile(atPath: path, limit: jsonLimits.maximumDocumentBytes)
    } catch {
      throw Diagnostics([Diagnostic(.ruleFileUnreadable, error.message, file: path)])
    }
    return try parse(try text(of: bytes, path: path), path: path)
  }

  /// A rule file's text: UTF-8 without a byte order mark. The one place that decides which
  /// bytes are a rule file's text, for every command and the guard.
  public static func text(of bytes: [UInt8], path: String) throws(Diagnostics) -> String {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      throw Diagnostics([
        Diagnostic(
          .ruleFileEncoding,
          "the file starts with a UTF-8 byte order mark (EF BB BF); rule files are JSON text "
            + "without one: remove it",
          file: path,
          at: SourceRange(
            start: .start, end: SourceLocation(offset: 3, line: 1, column: 2)))
      ])
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw Diagnostics([
        Diagnostic(.ruleFileEncoding, "the file is not valid UTF-8", file: path)
      ])
    }
    return text
  }

  /// Reads a rule file's text; `path` names it in the rules and in errors.
  public static func parse(_ text: String, path: String) throws(Diagnostics) -> RuleFile {
    let document: LocatedJSON
    do {
      document = try JSONReader.readLocated(text, limits: jsonLimits)
    } catch {
      throw Diagnostics([
        Diagnostic(
          .ruleFileNotJSON, "invalid JSON: \(error.message)", file: path, at: error.range)
      ])
    }
    var reader = StructureReader(path: path, bytes: Array(text.utf8))
    let file = reader.readFile(document)
    if !reader.errors.isEmpty { throw Diagnostics(reader.errors) }
    return file!
  }

  /// Whether `version` is an `expression_version` this engine reads: `1`, `2`, or one of them
  /// followed by dot-separated numbers (`1.0`, `2.0`, `2.1.3`).
  public static func isSupportedVersion(_ version: String) -> Bool {
    let parts = version.split(separator: ".", omittingEmptySubsequences: false)
    guard !parts.isEmpty,
      parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
      parts[0].utf8.count <= 3, let major = Int(parts[0])
    else { return false }
    return supportedMajorVersions.contains(major)
  }

}

/// Walks a located JSON document and builds a ``RuleFile``, collecting every structural error.
private struct StructureReader {
  let path: String
  /// The file's UTF-8 bytes, to read the escapes of expression strings.
  let bytes: [UInt8]
  var errors: [Diagnostic] = []
  var warnings: [Diagnostic] = []

  static let fileKeys: Set<String> = ["schema_id", "expression_version", "constraints"]
  static let ruleKeys: Set<String> = [
    "id", "expression", "severity", "message", "fields", "type_signature", "condition",
    "evaluator", "evaluation_geometry",
  ]

  init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }

  /// The escapes of the string `value` (decoded as `text`) for ``JSONStringOrigin``. An escape
  /// is always longer in the file than the text it stands for, so a string as long in the file
  /// (quotes aside) as its text has none and is not scanned.
  func escapes(of value: LocatedJSON, text: String) -> [JSONStringOrigin.Escape] {
    guard value.range.length != text.utf8.count + 2 else { return [] }
    return JSONStringOrigin(quote: value.range.start, in: bytes).escapes
  }

  mutating func fail(
    _ code: DiagnosticCode, _ at: SourceRange, _ message: String, rule: String? = nil
  ) {
    errors.append(Diagnostic(code, message, file: path, at: at, rule: rule))
  }

  /// The members of an object, or nil (and an error) for anything else.
  mutating func members(_ value: LocatedJSON, of what: String, rule: String? = nil)
    -> [LocatedJSON.Member]?
  {
    guard case .object(let members) = value.kind else {
      fail(
        .ruleFileWrongType, value.range,
        "\(what) must be an object, not \(article(value.typeName))", rule: rule)
      return nil
    }
    return members
  }

  /// The string held by `member`, or nil (and an error naming the key).
  mutating func string(_ member: LocatedJSON.Member, rule: String? = nil) -> String? {
    guard case .scalar(.string(let text)) = member.value.kind else {
      fail(
        .ruleFileWrongType, member.value.range,
        "`\(member.key)` must be a string, not \(article(member.value.typeName))", rule: rule)
      return nil
    }
    return text
  }

  mutating func readFile(_ document: LocatedJSON) -> RuleFile? {
    guard let members = members(document, of: "a rule file") else { return nil }
    var schemaID: String?
    var version: String?
    var contractVersion: String?
    var constraints: LocatedJSON?
    for member in members {
      switch member.key {
      case "schema_id":
        schemaID = string(member)
        if schemaID == "" {
          fail(.ruleFileInvalidValue, member.value.range, "`schema_id` must not be empty")
          schemaID = nil
        }
      case "expression_version":
        guard let text = string(member) else { break }
        if RuleFileLoader.isSupportedVersion(text) {
          version = text
        } else {
          fail(
            .unsupportedVersion, member.value.range,
            "unsupported expression_version \(Value.quoted(text)) in \(path): this engine reads "
              + "versions 1.x and 2.x")
        }
      case "contract_version":
        contractVersion = string(member)
      case "constraints":
        constraints = member.value
      default:
        unknownKeyCheck(member, known: Self.fileKeys, where: "a rule file")
      }
    }
    if schemaID == nil, document["schema_id"] == nil {
      fail(
        .ruleFileMissingKey, document.range, "missing `schema_id` (the schema the rules apply to)")
    }
    if document["expression_version"] == nil {
      // Files written for the reference often carry only `contract_version` (the schema's
      // version): they are read as the current grammar, which is what they were written in.
      version = EngineVersion.grammar
      let hint =
        contractVersion != nil
        ? " (`contract_version` versions the schema, not the expression grammar)" : ""
      warnings.append(
        Diagnostic(
          .missingExpressionVersion,
          "no `expression_version`: the expressions are read as grammar "
            + "\(EngineVersion.grammar), the current version\(hint); add "
            + "\"expression_version\": \"\(EngineVersion.grammar)\" to say so",
          file: path, at: SourceRange(at: document.range.start), severity: .warning))
    }
    var rules: [RuleDefinition] = []
    if let constraints {
      if case .array(let elements) = constraints.kind {
        for element in elements {
          if let rule = readRule(element, schemaID: schemaID ?? "") { rules.append(rule) }
        }
      } else {
        fail(
          .ruleFileWrongType, constraints.range,
          "`constraints` must be an array, not \(article(constraints.typeName))")
      }
    } else {
      fail(.ruleFileMissingKey, document.range, "missing `constraints` (an array of rules)")
    }
    guard errors.isEmpty, let schemaID, let version else { return nil }
    return RuleFile(
      path: path, schemaID: schemaID, contractVersion: contractVersion,
      expressionVersion: version, rules: rules, warnings: warnings)
  }

  mutating func unknownKeyCheck(
    _ member: LocatedJSON.Member, known: Set<String>, where place: String, rule: String? = nil
  ) {
    guard !RuleFileLoader.annotationKeys.contains(member.key) else { return }
    let accepted = (known.union(RuleFileLoader.annotationKeys)).sorted().map { "`\($0)`" }
    fail(
      .ruleFileUnknownKey, member.keyRange,
      "unknown key `\(member.key)` in \(place) (accepted: \(accepted.joined(separator: ", ")))",
      rule: rule)
  }

  mutating func readRule(_ value: LocatedJSON, schemaID: String) -> RuleDefinition? {
    guard let members = members(value, of: "a constraint") else { return nil }
    let errorCount = errors.count
    var ruleID: String?
    if let idMember = value["id"] {
      ruleID = string(idMember)
      if ruleID == "" {
        fail(.ruleFileInvalidValue, idMember.value.range, "`id` must not be empty")
        ruleID = nil
      }
    } else {
      fail(.ruleFileMissingKey, value.range, "constraint has no `id`")
    }
    var expression:
      (text: String, location: SourceLocation, escapes: [JSONStringOrigin.Escape])?
    var severity = RuleSeverity.error
    var message: String?
    var fields: [String] = []
    var types: FieldTypes = [:]
    var category: String?
    var condition: RuleCondition?
    var skipReason: String?
    var geometryNative = false
    for member in members {
      switch member.key {
      case "id": break
      case "expression":
        if let text = string(member, rule: ruleID) {
          expression = (text, member.value.range.start, escapes(of: member.value, text: text))
        }
      case "severity":
        guard let text = string(member, rule: ruleID) else { break }
        if let parsed = RuleSeverity(rawValue: text) {
          severity = parsed
        } else {
          fail(
            .ruleFileInvalidValue, member.value.range,
            "unknown severity \(Value.quoted(text)) (expected `error`, `warning` or `info`)",
            rule: ruleID)
        }
      case "message":
        message = string(member, rule: ruleID)
      case "category":
        category = string(member, rule: ruleID)
      case "fields":
        fields = readFields(member, rule: ruleID)
      case "type_signature":
        types = readTypes(member, rule: ruleID)
      case "condition":
        condition = readCondition(member, rule: ruleID)
      case "evaluator":
        guard let text = string(member, rule: ruleID) else { break }
        switch text {
        case "library": break
        case "runtime-deferred": skipReason = RuleFileLoader.runtimeDeferredReason
        default:
          fail(
            .ruleFileInvalidValue, member.value.range,
            "unknown evaluator \(Value.quoted(text)) (expected `library` or `runtime-deferred`)",
            rule: ruleID)
        }
      case "evaluation_geometry":
        if let text = string(member, rule: ruleID), text == "native" { geometryNative = true }
      default:
        unknownKeyCheck(member, known: Self.ruleKeys, where: "a constraint", rule: ruleID)
      }
    }
    if geometryNative && skipReason == nil { skipReason = RuleFileLoader.nativeGeometryReason }
    if value["expression"] == nil {
      fail(.ruleFileMissingKey, value.range, "constraint has no `expression`", rule: ruleID)
    }
    guard errors.count == errorCount, let ruleID, let expression else { return nil }
    return RuleDefinition(
      id: ruleID, file: path, schemaID: schemaID, expression: expression.text,
      expressionLocation: expression.location, severity: severity, message: message,
      fields: fields, types: types, category: category, condition: condition,
      skipReason: skipReason, location: value.range.start, expressionEscapes: expression.escapes)
  }

  mutating func readFields(_ member: LocatedJSON.Member, rule: String?) -> [String] {
    guard case .array(let elements) = member.value.kind else {
      fail(
        .ruleFileWrongType, member.value.range,
        "`fields` must be an array of strings, not \(article(member.value.typeName))", rule: rule)
      return []
    }
    var fields: [String] = []
    for element in elements {
      if case .scalar(.string(let text)) = element.kind {
        fields.append(text)
      } else {
        fail(
          .ruleFileWrongType, element.range,
          "`fields` must hold strings, not \(article(element.typeName))",
          rule: rule)
      }
    }
    return fields
  }

  mutating func readTypes(_ member: LocatedJSON.Member, rule: String?) -> FieldTypes {
    guard let entries = members(member.value, of: "`type_signature`", rule: rule) else {
      return [:]
    }
    var types: FieldTypes = [:]
    for entry in entries {
      guard let path = FieldPath(parsing: entry.key) else {
        fail(
          .ruleFileInvalidValue, entry.keyRange,
          "`type_signature` key \(Value.quoted(entry.key)) is not a field path such as a.b[0].c",
          rule: rule)
        continue
      }
      guard case .scalar(.string(let declaration)) = entry.value.kind else {
        fail(
          .ruleFileWrongType, entry.value.range,
          "the type of \(Value.quoted(entry.key)) must be a string such as \"bigint\", not "
            + article(entry.value.typeName), rule: rule)
        continue
      }
      guard !declaration.trimmingCharacters(in: .whitespaces).isEmpty else {
        fail(
          .ruleFileInvalidValue, entry.value.range,
          "the type of \(Value.quoted(entry.key)) is empty", rule: rule)
        continue
      }
      types[path] = FieldType(declaration: declaration)
    }
    return types
  }

  mutating func readCondition(_ member: LocatedJSON.Member, rule: String?) -> RuleCondition? {
    guard let entries = members(member.value, of: "`condition`", rule: rule) else { return nil }
    var flag: String?
    var override:
      (text: String, location: SourceLocation, escapes: [JSONStringOrigin.Escape])?
    for entry in entries {
      switch entry.key {
      case "when":
        flag = string(entry, rule: rule)
        if flag == "" {
          fail(.ruleFileInvalidValue, entry.value.range, "`when` must name a flag", rule: rule)
          flag = nil
        }
      case "override_text":
        if let text = string(entry, rule: rule) {
          override = (text, entry.value.range.start, escapes(of: entry.value, text: text))
        }
      default:
        fail(
          .ruleFileUnknownKey, entry.keyRange,
          "unknown key `\(entry.key)` in `condition` (accepted: `when`, `override_text`)",
          rule: rule)
      }
    }
    if member.value["when"] == nil {
      fail(
        .ruleFileMissingKey, member.value.range,
        "`condition` has no `when` (the flag name)", rule: rule)
    }
    if member.value["override_text"] == nil {
      fail(
        .ruleFileMissingKey, member.value.range, "`condition` has no `override_text`", rule: rule)
    }
    guard let flag, let override else { return nil }
    return RuleCondition(
      flag: flag, overrideText: override.text, overrideLocation: override.location,
      overrideEscapes: override.escapes)
  }

  func article(_ typeName: String) -> String {
    switch typeName {
    case "array", "object": return "an \(typeName)"
    case "null": return "null"
    default: return "a \(typeName)"
    }
  }
}
