/// The result of evaluating a sub-expression: a value, or the failure that stopped it.
package enum Evaluated {
  case value(Value)
  case failure(EvaluationFailure)

  package static let `true` = Evaluated.value(.bool(true))
  package static let `false` = Evaluated.value(.bool(false))
}

/// An evaluation error or deferral, with the diagnostic pointing at its source.
///
/// A class so that ``Evaluated`` stays small on the success path; failures are rare.
package final class EvaluationFailure: Error, Sendable {
  package let isDeferred: Bool
  package let diagnostic: Diagnostic

  package init(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange, deferred: Bool = false
  ) {
    self.isDeferred = deferred
    self.diagnostic = Diagnostic(code, message, at: range)
  }

  /// Of two failures, the one to report: an error wins over a deferral, else the first.
  package static func preferred(_ first: EvaluationFailure, _ second: EvaluationFailure)
    -> EvaluationFailure
  {
    first.isDeferred && !second.isDeferred ? second : first
  }

  package var outcome: Outcome {
    isDeferred ? .deferred(diagnostic) : .error(diagnostic)
  }
}

/// Limits on one evaluation.
public struct EvaluationLimits: Sendable, Hashable {
  /// The most steps one rule evaluation may take: each quantifier body evaluation is one
  /// (nested quantifiers multiply), and each `*`, `/` or `%` on numbers beyond 64 bits costs
  /// about one step per 16 products of 64-bit words (``Operations/steps(_:_:_:)``).
  public var maximumSteps: Int
  /// The most digits an arithmetic result may have, written out in full (as JSON's
  /// `maximumNumberDigits` counts them): a larger result is an error naming this limit, so
  /// repeated multiplication cannot grow numbers, and the work on them, without bound.
  public var maximumDigits: Int

  public init(maximumSteps: Int = 1_000_000, maximumDigits: Int = 4_096) {
    self.maximumSteps = maximumSteps
    self.maximumDigits = maximumDigits
  }

  public static let `default` = EvaluationLimits()

  /// The error when an evaluation takes more than ``maximumSteps`` steps.
  package var stepLimitMessage: String {
    "evaluation step limit exceeded (\(maximumSteps) steps: quantifier steps, "
      + "arithmetic on numbers beyond 64 bits, and the data operations visit: a step per "
      + "element and per 64 bytes)"
  }
}

/// The logic shared by both evaluators: short-circuit, error absorption, boolean operands.
package enum Logic {
  /// An operand of `&&`, `||`, `=>`, `!` or a quantifier body, as a boolean or a failure.
  package enum Operand {
    case boolean(Bool)
    case failure(EvaluationFailure)
  }

  package static func operand(
    _ evaluated: Evaluated, role: @autoclosure () -> String, range: SourceRange
  ) -> Operand {
    switch evaluated {
    case .value(.bool(let flag)): return .boolean(flag)
    case .failure(let failure): return .failure(failure)
    case .value(let other):
      return .failure(
        EvaluationFailure(
          .resultNotBoolean, "\(role()) must be a boolean, but is \(article(other.typeName))"
            + (other.isAbsent ? "" : " (\(other.shortDescription))"), at: range))
    }
  }

  /// Combines the left operand (already known not to decide) with the right one for `&&`
  /// (`decisive` false) or `||` (`decisive` true).
  package static func combine(_ left: Operand, _ right: Operand, decisive: Bool) -> Evaluated {
    switch (left, right) {
    case (_, .boolean(let r)) where r == decisive: return .value(.bool(decisive))
    case (.failure(let l), .failure(let r)): return .failure(EvaluationFailure.preferred(l, r))
    case (.failure(let l), _): return .failure(l)
    case (_, .failure(let r)): return .failure(r)
    case (.boolean, .boolean): return .value(.bool(!decisive))
    }
  }
}

extension Value {
  /// Missing or null.
  var isAbsent: Bool {
    switch self {
    case .missing, .null: return true
    default: return false
    }
  }

  /// A rendering capped in length, for messages and explanations: ``description`` when it
  /// has at most 120 characters, else its first 117 and `…`. Only the first few kilobytes of
  /// the description are ever built, however large the value.
  package var shortDescription: String {
    var text = ""
    let complete = appendDescription(to: &text, limit: 2_048)
    if complete && text.count <= 120 { return text }
    return String(text.prefix(117)) + "…"
  }

  /// Appends ``description`` to `text`, stopping once `text` holds more than `limit` UTF-8
  /// bytes; false when it stopped early.
  private func appendDescription(to text: inout String, limit: Int) -> Bool {
    switch self {
    case .string(let string):
      let room = limit - text.utf8.count
      guard string.utf8.count > room else {
        JSONWriter.writeString(string, to: &text)
        return text.utf8.count <= limit
      }
      var prefix = String.UnicodeScalarView()
      var bytes = 0
      for scalar in string.unicodeScalars {
        if bytes > room { break }
        prefix.append(scalar)
        bytes += UTF8.width(scalar)
      }
      JSONWriter.writeString(String(prefix), to: &text)
      return false
    case .array(let elements):
      text += "["
      for (index, element) in elements.enumerated() {
        if index > 0 { text += ", " }
        guard element.appendDescription(to: &text, limit: limit) else { return false }
      }
      text += "]"
    case .object(let object):
      text += "{"
      var first = true
      for (key, value) in object {
        if !first { text += ", " }
        first = false
        guard Value.string(key).appendDescription(to: &text, limit: limit) else { return false }
        text += ": "
        guard value.appendDescription(to: &text, limit: limit) else { return false }
      }
      text += "}"
    default:
      text += description
    }
    return text.utf8.count <= limit
  }
}
