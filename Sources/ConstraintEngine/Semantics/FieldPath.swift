/// A field path into a snapshot: `budget.limit_micro`, `ledger.postings[0].amount_micro`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
  /// One step of a path.
  public enum Component: Sendable, Hashable {
    case key(String)
    case index(Int)
  }

  public var components: [Component]

  public init(_ components: [Component]) {
    self.components = components
  }

  /// Parses dotted text with optional `[N]` indexes (`a.b[0].c`); nil when malformed.
  public init?(parsing text: String) {
    var components: [Component] = []
    for part in text.split(separator: ".", omittingEmptySubsequences: false) {
      var rest = Substring(part)
      let bracket = rest.firstIndex(of: "[") ?? rest.endIndex
      let key = rest[..<bracket]
      guard !key.isEmpty else { return nil }
      components.append(.key(String(key)))
      rest = rest[bracket...]
      while !rest.isEmpty {
        guard rest.first == "[", let close = rest.firstIndex(of: "]"),
          let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
        else { return nil }
        components.append(.index(index))
        rest = rest[rest.index(after: close)...]
      }
    }
    guard !components.isEmpty else { return nil }
    self.components = components
  }

  /// The same path under `_previous`.
  public var underPrevious: FieldPath {
    FieldPath([.key(FieldPath.previousKey)] + components)
  }

  /// The path without a leading `_previous`, or nil when it does not start with it.
  public var strippingPrevious: FieldPath? {
    guard components.count > 1, components[0] == .key(FieldPath.previousKey) else { return nil }
    return FieldPath(Array(components.dropFirst()))
  }

  /// The key holding the previous state of a snapshot for the temporal operators.
  public static let previousKey = "_previous"

  public var description: String {
    var text = ""
    for component in components {
      switch component {
      case .key(let key):
        if !text.isEmpty { text += "." }
        text += key
      case .index(let index):
        text += "[\(index)]"
      }
    }
    return text
  }

  /// Follows the path in `value`; any step that does not resolve gives `.missing`.
  public func resolve(in value: Value) -> Value {
    var current = value
    for component in components {
      switch component {
      case .key(let key): current = current[key]
      case .index(let index): current = current[index]
      }
      if case .missing = current { return .missing }
    }
    return current
  }
}
