/// `tree_budget_conserved(root)`, `tree_authority_narrowing(root)` over a delegation tree:
/// each node an object, its children in a `children` array (missing or null: a leaf).
/// Traversal is iterative; a tree deeper than ``depthCap`` edges below the root or with more
/// than ``nodeCap`` nodes is an error.
enum TreeBuiltins {
  static let family = "trees"
  static let depthCap = 10
  static let nodeCap = 100

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("tree_budget_conserved", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        for node in try nodes(arguments) where !node.children.isEmpty {
          let own = try Field.bigint(
            node.value["budget_allocated_micro"], "\(node.place).budget_allocated_micro")
          var total = Number(0)
          for (index, child) in node.children.enumerated() {
            total =
              total
              + (try Field.bigint(
                child["budget_allocated_micro"],
                "\(node.place).children[\(index)].budget_allocated_micro"))
          }
          if Number.compare(total, own) > 0 { return .bool(false) }
        }
        return .bool(true)
      }),
    Builtin(
      BuiltinSignature("tree_authority_narrowing", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        for node in try nodes(arguments) where !node.children.isEmpty {
          let parent = try scope(node.value["authority_scope"], "\(node.place).authority_scope")
          for (index, child) in node.children.enumerated() {
            let childScope = try scope(
              child["authority_scope"], "\(node.place).children[\(index)].authority_scope")
            if !childScope.isSubset(of: parent) { return .bool(false) }
          }
        }
        return .bool(true)
      }),
  ]

  struct Node {
    let value: Value
    let place: String
    let children: [Value]
  }

  /// Every node of the tree in argument 0, parents before children, checking shapes and caps.
  static func nodes(_ arguments: BuiltinArguments) throws(BuiltinFailure) -> [Node] {
    guard case .object = arguments[0] else {
      throw .invalidArgument(
        index: 0, message: "the tree root must be an object, got \(describe(arguments[0]))")
    }
    var result: [Node] = []
    var pending: [(value: Value, place: String, depth: Int)] = [(arguments[0], "root", 0)]
    var count = 1
    while let (value, place, depth) = pending.popLast() {
      let children: [Value]
      switch value["children"] {
      case .missing, .null: children = []
      case .array(let elements): children = elements
      default:
        throw .failed("\(place).children must be an array, got \(describe(value["children"]))")
      }
      if !children.isEmpty && depth + 1 > depthCap {
        throw .failed("the tree is deeper than the cap of \(depthCap) levels below the root")
      }
      count += children.count
      if count > nodeCap {
        throw .failed("the tree has more than the cap of \(nodeCap) nodes")
      }
      for (index, child) in children.enumerated() {
        let childPlace = "\(place).children[\(index)]"
        _ = try Field.object(child, childPlace)
        pending.append((child, childPlace, depth + 1))
      }
      result.append(Node(value: value, place: place, children: children))
    }
    return result
  }

  /// A scope array as a set of lowercased names (an empty scope is the empty set).
  static func scope(_ value: Value, _ place: String) throws(BuiltinFailure) -> Set<ExactString> {
    var names = Set<ExactString>()
    for element in try Field.array(value, place) {
      names.insert(ExactString(try Field.string(element, "an element of \(place)").lowercased()))
    }
    return names
  }
}
