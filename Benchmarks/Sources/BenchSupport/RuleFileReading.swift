import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

/// Builds a ``RuleFile`` from a `*.constraints.json` file with the public JSON reader. A
/// stand-in until the project's own loader (`RuleFileLoader`) lands on main; it reads only
/// what the billing rules use (`id`, `expression`, `severity`, `message`, `fields`,
/// `type_signature`, `category`).
public enum BenchRuleFiles {
  public struct LoadError: Error, CustomStringConvertible {
    public var description: String
  }

  public static func load(path: String) throws -> RuleFile {
    guard let text = readText(path) else { throw LoadError(description: "cannot read \(path)") }
    let document = try JSONReader.readLocated(text)
    guard case .string(let schema)? = document["schema_id"]?.value.value,
      case .string(let version)? = document["expression_version"]?.value.value,
      case .array(let constraints)? = document["constraints"]?.value.kind
    else { throw LoadError(description: "\(path): not a rule file") }
    var rules: [RuleDefinition] = []
    for constraint in constraints {
      guard case .string(let id)? = constraint["id"]?.value.value,
        let expressionMember = constraint["expression"],
        case .string(let expression) = expressionMember.value.value
      else { throw LoadError(description: "\(path): a constraint lacks id or expression") }
      var types: FieldTypes = [:]
      if case .object(let members)? = constraint["type_signature"]?.value.kind {
        for member in members {
          guard let fieldPath = FieldPath(parsing: member.key),
            case .string(let declaration) = member.value.value
          else { continue }
          types[fieldPath] = FieldType(declaration: declaration)
        }
      }
      var fields: [String] = []
      if case .array(let items)? = constraint["fields"]?.value.value {
        for case .string(let field) in items { fields.append(field) }
      }
      var severity = RuleSeverity.error
      if case .string(let word)? = constraint["severity"]?.value.value,
        let parsed = RuleSeverity(rawValue: word)
      {
        severity = parsed
      }
      var message: String?
      if case .string(let text)? = constraint["message"]?.value.value { message = text }
      var category: String?
      if case .string(let text)? = constraint["category"]?.value.value { category = text }
      rules.append(
        RuleDefinition(
          id: id, file: path, schemaID: schema, expression: expression,
          expressionLocation: expressionMember.value.range.start, severity: severity,
          message: message, fields: fields, types: types, category: category, condition: nil,
          skipReason: nil, location: constraint.range.start))
    }
    return RuleFile(
      path: path, schemaID: schema, contractVersion: nil, expressionVersion: version,
      rules: rules)
  }

  /// The billing rules compiled, from the repository's `Rules/billing.constraints.json`.
  public static func billingRuleSet(repositoryRoot: String) throws -> RuleSet {
    let file = try load(path: repositoryRoot + "/Rules/billing.constraints.json")
    switch RuleSet.compile([file]) {
    case .success(let set): return set
    case .failure(let errors):
      throw LoadError(description: errors.errors.map(\.description).joined(separator: "\n"))
    }
  }

  static func readText(_ path: String) -> String? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count == 0 { break }
      bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The repository root: `$CONSTRAINT_REPO`, else the parent of the working directory when
  /// run from `Benchmarks/`, else the working directory.
  public static func repositoryRoot() -> String {
    if let root = getenv("CONSTRAINT_REPO") { return String(cString: root) }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return ".." }
    let cwd = String(cString: buffer)
    if access(cwd + "/Rules/billing.constraints.json", R_OK) == 0 { return cwd }
    var parent = cwd
    while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
      parent = String(parent[..<slash])
      if access(parent + "/Rules/billing.constraints.json", R_OK) == 0 { return parent }
    }
    return ".."
  }
}
