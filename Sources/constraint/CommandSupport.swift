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
      do {
        context = try EvaluationContext(contentsOfFile: path)
      } catch {
        throw ValidationError("--context \(path): \(error.range.start): \(error.message)")
      }
    }
    if let now {
      do {
        try EvaluationContext.validateNow(now)
      } catch {
        throw ValidationError("--now: \(error.message)")
      }
      context.now = now
    }
    return context
  }

  /// The context as ``loadContext(path:now:)`` reads it; on a problem, the message on standard
  /// error and exit status 2.
  static func loadContext(path: String?, now: String?, terminal: Terminal) throws
    -> EvaluationContext
  {
    do {
      return try loadContext(path: path, now: now)
    } catch let error as ValidationError {
      terminal.error("error: \(error.message)")
      throw ExitCode(2)
    }
  }

  /// Says that `source` held no snapshot, on standard error; nil when empty input was allowed
  /// (then checking nothing is fine), else the exit status 2.
  static func emptyInput(
    _ source: String, why: String? = nil, allowed: Bool, terminal: Terminal
  ) -> Int32? {
    guard !allowed else { return nil }
    terminal.error(
      "error: \(HumanText.value(source)): no snapshots\(why.map { " (\($0))" } ?? ""): "
        + "checking nothing is not a pass (--allow-empty accepts empty input)")
    return 2
  }

  /// Every line of `text` prefixed with two spaces.
  /// How snapshots are read, for `--verbose`: projected to the paths read whole, or in full
  /// and why.
  /// With `slots`, JSON lines are first read without building values
  /// (``BatchChecker/slotPlan(ruleIndexes:)``): said after the projection.
  static func describeReading(
    _ projection: ReadProjection, projecting: Bool, slots: SlotPlan? = nil
  ) -> String {
    if !projecting { return "snapshots read in full (--no-projection)" }
    if projection.readsWholeDocument { return "snapshots read in full (the rules read them whole)" }
    let paths = projection.wholePaths
    var text = "snapshots projected: \(paths.count) path\(paths.count == 1 ? "" : "s") built "
      + "(\(projection)), the rest validated without being built (while projected reads "
      + "skip under a quarter of a snapshot's bytes, snapshots are read in full instead: "
      + "that costs less)"
    if let slots {
      text += "; JSON lines decided without building values where the \(slots.paths.count) "
        + "field\(slots.paths.count == 1 ? "" : "s") compared are plain strings (of 1 to 15 "
        + "digits where compared as bigints), "
        + (slots.readsArrays ? "the arrays walked hold objects without escaped keys, " : "")
        + "other lines read as above"
    }
    return text
  }

  static func indented(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .map { "  " + $0 }.joined(separator: "\n")
  }
}
