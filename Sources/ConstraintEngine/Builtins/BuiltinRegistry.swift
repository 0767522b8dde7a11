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

  /// All builtins this engine provides.
  public static let standard = BuiltinRegistry([])
}
