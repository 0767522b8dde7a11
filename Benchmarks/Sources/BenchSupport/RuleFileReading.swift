import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

/// Loads the billing rules with the project's own loader (`RuleFileLoader`).
public enum BenchRuleFiles {
  public struct LoadError: Error, CustomStringConvertible {
    public var description: String
  }

  public static func load(path: String) throws -> RuleFile {
    do {
      return try RuleFileLoader.load(file: path)
    } catch {
      throw LoadError(description: error.map(\.description).joined(separator: "\n"))
    }
  }

  /// The billing rules compiled, from the repository's `Rules/billing.constraints.json`.
  /// `usesFastPath: false` compiles the rules without their fast path (the general path alone).
  public static func billingRuleSet(repositoryRoot: String, usesFastPath: Bool = true) throws
    -> RuleSet
  {
    let file = try load(path: repositoryRoot + "/Rules/billing.constraints.json")
    switch RuleSet.compile([file], options: CompileOptions(usesFastPath: usesFastPath)) {
    case .success(let set): return set
    case .failure(let errors):
      throw LoadError(description: errors.map(\.description).joined(separator: "\n"))
    }
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
