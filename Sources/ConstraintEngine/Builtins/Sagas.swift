/// `saga_amount_conserved`, `saga_steps_sequential`, `saga_timeout_valid` over a saga object
/// with `steps` (and `compensation_steps`) arrays of at most ``stepCap`` steps each.
enum SagaBuiltins {
  static let family = "sagas"
  static let stepCap = 100

  static let all: [Builtin] = [
    Builtin(
      BuiltinSignature("saga_amount_conserved", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let saga = try arguments.object(0, "the saga")
        let steps = try Field.cappedArray(saga["steps"], "saga.steps", cap: stepCap)
        let compensation: [Value]
        switch saga["compensation_steps"] {
        case .missing, .null: compensation = []
        default:
          compensation = try Field.cappedArray(
            saga["compensation_steps"], "saga.compensation_steps", cap: stepCap)
        }
        let total = try completedTotal(steps, "saga.steps")
        let compensated = try completedTotal(compensation, "saga.compensation_steps")
        return .bool(total.signum >= 0 && Number.compare(compensated, total) <= 0)
      }),
    Builtin(
      BuiltinSignature("saga_steps_sequential", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let saga = try arguments.object(0, "the saga")
        let steps = try Field.cappedArray(saga["steps"], "saga.steps", cap: stepCap)
        var seen = Set<ExactString>()
        for (index, step) in steps.enumerated() {
          let identifier = try Field.object(step, "saga.steps[\(index)]")["step_id"]
          guard case .string(let name) = identifier, !name.isEmpty,
            seen.insert(ExactString(name)).inserted
          else { return .bool(false) }
        }
        return .bool(true)
      }),
    Builtin(
      BuiltinSignature("saga_timeout_valid", [.value], result: .boolean, family: family),
      .function { arguments, _ throws(BuiltinFailure) in
        let saga = try arguments.object(0, "the saga")
        let steps = try Field.cappedArray(saga["steps"], "saga.steps", cap: stepCap)
        let limit = try Field.number(
          value(saga, atField: ["timeout", "per_step_seconds"]), "saga.timeout.per_step_seconds")
        guard limit.signum >= 0 else {
          throw .failed("saga.timeout.per_step_seconds must not be negative, got \(limit)")
        }
        for (index, step) in steps.enumerated() {
          let place = "saga.steps[\(index)]"
          guard try isCompleted(step, place) else { continue }
          let started = try DelegationBuiltins.instant(step["started_at"], "\(place).started_at")
          let completed = try DelegationBuiltins.instant(
            step["completed_at"], "\(place).completed_at")
          if Number.compare(completed.seconds(since: started), limit) > 0 { return .bool(false) }
        }
        return .bool(true)
      }),
  ]

  /// Whether a step's `status` is `'completed'` (the status must be a string).
  static func isCompleted(_ step: Value, _ place: String) throws(BuiltinFailure) -> Bool {
    let status = try Field.string(try Field.object(step, place)["status"], "\(place).status")
    return Value.scalarsEqual(status, "completed")
  }

  /// The sum of `amount_micro` over the completed steps.
  static func completedTotal(_ steps: [Value], _ place: String) throws(BuiltinFailure) -> Number {
    var total = Number(0)
    for (index, step) in steps.enumerated() {
      let stepPlace = "\(place)[\(index)]"
      guard try isCompleted(step, stepPlace) else { continue }
      total = total + (try Field.bigint(step["amount_micro"], "\(stepPlace).amount_micro"))
    }
    return total
  }
}
