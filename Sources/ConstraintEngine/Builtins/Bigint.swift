import BigInt

/// `bigint_gte/gt/lte/lt/eq`, `bigint_add/sub`, `bigint_sum`: exact integer arithmetic over
/// integers and digit strings.
enum BigintBuiltins {
  static let family = "bigint"

  static let all: [Builtin] = [
    comparison("bigint_gte", .greaterEqual, portable: true),
    comparison("bigint_gt", .greater, portable: true),
    comparison("bigint_lte", .lessEqual, portable: false),
    comparison("bigint_lt", .less, portable: false),
    comparison("bigint_eq", .equal, portable: true),
    Builtin(
      BuiltinSignature("bigint_add", [.value, .value], result: .bigint, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let lhs = try bigintOperand(arguments[0], argument: 0)
        let rhs = try bigintOperand(arguments[1], argument: 1)
        return .number(lhs + rhs)
      }),
    Builtin(
      BuiltinSignature("bigint_sub", [.value, .value], result: .bigint, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let lhs = try bigintOperand(arguments[0], argument: 0)
        let rhs = try bigintOperand(arguments[1], argument: 1)
        return .number(lhs - rhs)
      }),
    Builtin(
      BuiltinSignature(
        "bigint_sum", [.value, .stringLiteral], optional: 1, result: .bigint, family: family),
      .function(sum), fastForm: .bigintSum, cost: .sum),
  ]

  /// A comparison builtin: whether `relation` holds between its two integer arguments.
  static func comparison(_ name: String, _ relation: FastRelation, portable: Bool) -> Builtin {
    Builtin(
      BuiltinSignature(
        name, [.value, .value], result: .boolean, portable: portable, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let lhs = try bigintOperand(arguments[0], argument: 0)
        let rhs = try bigintOperand(arguments[1], argument: 1)
        return .bool(relation.holds(Number.compare(lhs, rhs)))
      }, fastForm: .bigintComparison(relation))
  }

  /// `bigint_sum(array)` / `bigint_sum(array, 'field')`.
  static func sum(
    _ arguments: BuiltinArguments, _ context: EvaluationContext
  ) throws(BuiltinFailure) -> Value {
    let elements = try arguments.array(0, "the summed value")
    let field: String? = arguments.count > 1 ? arguments.literal(1) : nil
    // Split a dotted field once per call; a plain key (the usual case) is looked up directly.
    let components: [String]? =
      field.flatMap { $0.utf8.contains(UInt8(ascii: ".")) ? fieldPathComponents($0) : nil }
    var smallTotal = 0
    var bigTotal: BigInt? = nil
    for (position, element) in elements.enumerated() {
      let item: Value
      if let components {
        item = value(element, atField: components)
      } else if let field {
        item = element[field]
      } else {
        item = element
      }
      switch item {
      case .missing, .null: continue
      default: break
      }
      guard let number = bigintInteger(item) else {
        let place =
          field == nil
          ? "element \(position)" : "element \(position) field \(code(arguments.literal(1)))"
        throw .invalidArgument(index: 0, message: "\(place) \(bigintRejection(item))")
      }
      if bigTotal == nil, case .small(let addend) = number {
        let (total, overflow) = smallTotal.addingReportingOverflow(addend)
        if !overflow {
          smallTotal = total
          continue
        }
      }
      bigTotal = (bigTotal ?? BigInt(smallTotal)) + number.bigIntValue!
    }
    if let bigTotal { return .number(Number(bigTotal)) }
    return .number(.small(smallTotal))
  }
}
