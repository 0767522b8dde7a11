/// Declared-type admission: the one place a value read at a typed path (a rule file's
/// `type_signature`) is coerced to its declared type or refused.
package enum DeclaredType {
  /// `value`, read at `path`, under the declared `type` (nil: untyped, the value as it is); a
  /// value the type does not admit is a ``DiagnosticCode/declaredTypeMismatch`` at `range`.
  package static func admit(
    _ type: FieldType?, _ value: Value, path: FieldPath, range: SourceRange
  ) -> Evaluated {
    guard let type else { return .value(value) }
    switch Operations.coerce(value, to: type) {
    case .success(let coerced): return .value(coerced)
    case .failure(let failure):
      return .failure(
        EvaluationFailure(
          .declaredTypeMismatch,
          "`\(path)` is declared \(type), but holds \(failure.found)", at: range))
    }
  }
}
