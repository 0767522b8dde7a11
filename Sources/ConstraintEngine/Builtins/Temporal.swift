/// `changed(p)`, `previous(p)`, `delta(p)`: signatures only; the compiler evaluates them over
/// `p` and `_previous.p`.
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
