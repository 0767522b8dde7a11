import ArgumentParser
import ConstraintEngine
import Foundation

/// Option parsing shared by the commands.
enum CommandSupport {
  /// Reads `--type PATH=TYPE` declarations.
  static func parseTypeDeclarations(_ declarations: [String]) throws -> FieldTypes {
    var types: FieldTypes = [:]
    for declaration in declarations {
      guard let equals = declaration.firstIndex(of: "=") else {
        throw ValidationError(
          "--type takes PATH=TYPE, e.g. budget.limit_micro=bigint; got '\(declaration)'")
      }
      let pathText = String(declaration[..<equals])
      let typeText = String(declaration[declaration.index(after: equals)...])
      guard let path = FieldPath(parsing: pathText) else {
        throw ValidationError("--type: '\(pathText)' is not a field path such as a.b[0].c")
      }
      guard !typeText.isEmpty else {
        throw ValidationError("--type \(pathText)= needs a type, e.g. bigint")
      }
      types[path] = FieldType(declaration: typeText)
    }
    return types
  }

  /// The evaluation context from `--context FILE`, with `--now` taking precedence.
  static func loadContext(path: String?, now: String?) throws -> EvaluationContext {
    var context = EvaluationContext.empty
    if let path {
      let value: Value
      do {
        value = try JSONReader.readFile(atPath: path)
      } catch {
        throw ValidationError("--context \(path): \(error.description)")
      }
      do {
        context = try EvaluationContext(json: value)
      } catch {
        throw ValidationError("--context \(path): \(error)")
      }
    }
    if let now { context.now = now }
    return context
  }

  /// Every line of `text` prefixed with two spaces.
  static func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { "  " + $0 }.joined(separator: "\n")
  }
}
