/// The set of builtins a checker resolves calls against.
public struct BuiltinRegistry: Sendable {
  public let builtins: [String: Builtin]

  /// A registry of the given builtins. Names must be unique.
  public init(_ builtins: [Builtin]) {
    var byName: [String: Builtin] = [:]
    for builtin in builtins {
      precondition(byName[builtin.name] == nil, "duplicate builtin \(builtin.name)")
      byName[builtin.name] = builtin
    }
    self.builtins = byName
  }

  /// The builtin called `name`, if any.
  public func lookup(_ name: String) -> Builtin? { builtins[name] }

  /// Every builtin, sorted by name.
  public var all: [Builtin] { builtins.values.sorted { $0.name < $1.name } }

  /// All builtins this engine provides: the 52 of grammar v2.0 and the extensions
  /// (`bigint_lte`, `bigint_lt`, `matches`; `bigint_eq` is portable).
  public static let standard = BuiltinRegistry(
    BigintBuiltins.all + CoreBuiltins.all + TemporalBuiltins.all + RegexBuiltins.all
      + CollectionBuiltins.all + TimeBuiltins.all + DelegationBuiltins.all
      + EnsembleBuiltins.all + TreeBuiltins.all + SagaBuiltins.all + GovernanceBuiltins.all
      + GraphBuiltins.all + StateBuiltins.all + EncodingBuiltins.all)
}
