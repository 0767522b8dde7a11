/// `changed(p)`, `previous(p)`, `delta(p)`: their signatures here, their evaluation over `p`
/// and `_previous.p` in ``Temporal``.
enum TemporalBuiltins {
  static let family = "temporal"

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("changed", [.path], result: .boolean, family: family),
      .temporal(.changed)),
    Builtin(
      BuiltinSignature("previous", [.path], result: .any, family: family),
      .temporal(.previous)),
    Builtin(
      BuiltinSignature("delta", [.path], result: .number, family: family),
      .temporal(.delta)),
  ]
}

/// `changed`, `previous` and `delta` over a path and the same path under `_previous`.
package enum Temporal {
  /// `cost` is increased by the steps the evaluation took (``Metering``: reading under the
  /// declared type, comparing for `changed`), counting at most `budget + 1`.
  package static func evaluate(
    _ temporal: TemporalBuiltin, path: FieldPath, type: FieldType?, snapshot: Value,
    argumentRange: SourceRange, argumentText: @autoclosure () -> String, cost: inout Int,
    budget: Int
  ) -> Evaluated {
    let previousRoot = snapshot[FieldPath.previousKey]
    if previousRoot.isAbsent {
      switch temporal {
      case .changed: return .false
      case .previous: return .value(.missing)
      case .delta: return .value(.number(.small(0)))
      }
    }
    let nowRead = path.resolve(in: snapshot)
    if let type { cost += Metering.coercion(nowRead, to: type) }
    let current = DeclaredType.admit(type, nowRead, path: path, range: argumentRange)
    guard case .value(let now) = current else { return current }
    let previousPath = path.underPrevious
    let beforeRead = path.resolve(in: previousRoot)
    if let type { cost += Metering.coercion(beforeRead, to: type) }
    let earlier = DeclaredType.admit(
      type, beforeRead, path: previousPath, range: argumentRange)
    guard case .value(let before) = earlier else { return earlier }
    switch temporal {
    case .changed:
      cost += Metering.equality(now, before, within: budget - cost)
      if cost > budget { return .false }  // the caller reports the step limit
      return .value(.bool(!Operations.equals(now, before)))
    case .previous: return .value(before)
    case .delta:
      guard let a = deltaOperand(now), let b = deltaOperand(before) else {
        let bad = deltaOperand(now) == nil ? now : before
        let where_ = deltaOperand(now) == nil ? "`\(argumentText())`" : "`\(previousPath)`"
        return .failure(
          EvaluationFailure(
            .typeMismatch, "`delta` needs numbers or integer strings, but \(where_) holds "
              + Operations.describeFound(bad), at: argumentRange))
      }
      return .value(.number(a - b))
    }
  }

  /// A delta operand: a number, an integer string, or 0 for null/missing.
  private static func deltaOperand(_ value: Value) -> Number? {
    switch value {
    case .missing, .null: return .small(0)
    case .number(let number): return number
    case .string(let text): return parseBigintString(text)
    default: return nil
    }
  }
}
