import ConstraintEngine

/// A snapshot field named by dot-separated object keys (`account.id`), whose value identifies
/// each snapshot in results (``BatchOptions/keyField``, `constraint check --key-field`).
public struct SnapshotKeyPath: Sendable, Hashable, CustomStringConvertible {
  /// The object keys, outermost first.
  public let keys: [String]

  /// The path of `text`; nil when it is empty or has an empty key (`a..b`, `.a`, `a.`).
  public init?(_ text: String) {
    let keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard !keys.contains(where: \.isEmpty) else { return nil }
    self.keys = keys
  }

  /// The keys joined with dots.
  public var description: String { keys.joined(separator: ".") }

  /// The value at the path in `snapshot` as text: a string as it is, any other value as its
  /// canonical JSON (`7`, `true`, `null`, `{"a":1}`); nil when the path does not resolve.
  public func key(of snapshot: Value) -> String? {
    var value = snapshot
    for key in keys { value = value[key] }
    switch value {
    case .missing: return nil
    case .string(let text): return text
    default: return JSONWriter.canonical(value)
    }
  }
}
