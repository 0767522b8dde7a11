/// `is_valid_dag(items, 'id_field', 'ref_field', …)`: the items form a directed acyclic graph
/// whose nodes are the items' ids and whose edges are their reference fields.
enum GraphBuiltins {
  static let family = "graphs"
  static let itemCap = 10_000
  static let operationCap = 100_000

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature(
        "is_valid_dag", [.value, .stringLiteral], variadic: .stringLiteral, result: .boolean,
        family: family),
      .function(isValidDag))
  ]

  static func isValidDag(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let items = try arguments.array(0, "the items")
    if items.count > itemCap {
      throw .invalidArgument(
        index: 0, message: "the items number \(items.count), more than the cap of \(itemCap)")
    }
    let idField = fieldPathComponents(arguments.literal(1))
    let referenceFields = (2..<max(2, arguments.count)).map {
      (name: arguments.literal($0), path: fieldPathComponents(arguments.literal($0)))
    }
    var operations = 0
    func count(_ amount: Int = 1) throws(BuiltinFailure) {
      operations += amount
      if operations > operationCap {
        throw .failed("the graph check exceeded the cap of \(operationCap) operations")
      }
    }
    // Ids: present and strings (else an error), unique (else false).
    var indexOf: [ExactString: Int] = [:]
    indexOf.reserveCapacity(items.count)
    for (index, item) in items.enumerated() {
      try count()
      _ = try Field.object(item, "item \(index)")
      let identifierValue = value(item, atField: idField)
      guard case .string(let identifier) = identifierValue else {
        throw .failed(
          "item \(index) field \(code(arguments.literal(1))) must be a string id, got "
            + describe(identifierValue))
      }
      if indexOf.updateValue(index, forKey: ExactString(identifier)) != nil { return .bool(false) }
    }
    // Edges: every reference names an item.
    var successors = [[Int]](repeating: [], count: items.count)
    var incoming = [Int](repeating: 0, count: items.count)
    for (index, item) in items.enumerated() {
      for field in referenceFields {
        let references: [Value]
        switch value(item, atField: field.path) {
        case .missing, .null: continue
        case .string(let single): references = [.string(single)]
        case .array(let many): references = many
        case let other:
          throw .failed(
            "item \(index) field \(code(field.name)) must be a string or an array of strings, "
              + "got \(describe(other))")
        }
        for reference in references {
          try count()
          guard case .string(let target) = reference else {
            throw .failed(
              "item \(index) field \(code(field.name)) holds \(describe(reference)), "
                + "not an id string")
          }
          guard let targetIndex = indexOf[ExactString(target)] else { return .bool(false) }
          successors[index].append(targetIndex)
          incoming[targetIndex] += 1
        }
      }
    }
    // Kahn's algorithm: every node is removed exactly when the graph has no cycle.
    var ready = incoming.indices.filter { incoming[$0] == 0 }
    var removed = 0
    while let node = ready.popLast() {
      try count()
      removed += 1
      for successor in successors[node] {
        try count()
        incoming[successor] -= 1
        if incoming[successor] == 0 { ready.append(successor) }
      }
    }
    return .bool(removed == items.count)
  }
}
