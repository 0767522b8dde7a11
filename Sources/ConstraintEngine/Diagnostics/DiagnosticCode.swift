/// The stable code of a kind of diagnostic, such as `CE1101`: what a user greps for, looks up in
/// `docs/DIAGNOSTICS.md` and filters on in CI. A code never changes meaning once published.
///
/// The first digit names the area: 1 syntax, 2 static checks, 3 evaluation, 4 JSON input and
/// evaluation contexts, 5 rule files, 6 regular expressions.
public enum DiagnosticCode: String, Sendable, Hashable, Codable, CaseIterable,
  CustomStringConvertible
{
  // Syntax (lexer and parser).
  case invalidNumber = "CE1001"
  case unterminatedString = "CE1002"
  case doubleQuotedString = "CE1003"
  case unknownOperator = "CE1004"
  case unexpectedCharacter = "CE1005"
  case expressionTooLong = "CE1006"
  case emptyExpression = "CE1101"
  case chainedComparison = "CE1102"
  case expectedFieldName = "CE1103"
  case lengthCalled = "CE1104"
  case unknownMethod = "CE1105"
  case malformedQuantifier = "CE1106"
  case invalidIndex = "CE1107"
  case trailingComma = "CE1108"
  case nestingTooDeep = "CE1109"
  case unclosedDelimiter = "CE1110"
  case expectedOperand = "CE1111"
  case unexpectedToken = "CE1112"
  case canonicalFormTooLong = "CE1113"

  // Static checks.
  case notBoolean = "CE2001"
  case expressionTooLarge = "CE2002"
  case operandType = "CE2003"
  case constantComparison = "CE2004"
  case unknownFunction = "CE2005"
  case argumentCount = "CE2006"
  case argumentForm = "CE2007"
  case notPortable = "CE2101"

  // Evaluation.
  case resultNotBoolean = "CE3001"
  case missingValue = "CE3002"
  case typeMismatch = "CE3003"
  case declaredTypeMismatch = "CE3004"
  case divisionByZero = "CE3005"
  case digitLimit = "CE3006"
  case stepLimit = "CE3007"
  case builtinArgument = "CE3008"
  case builtinFailed = "CE3009"
  case deferred = "CE3010"
  case regexMatchLimit = "CE3011"
  case internalError = "CE3099"

  // JSON input and evaluation contexts.
  case invalidJSON = "CE4001"
  case invalidContext = "CE4002"

  // Rule files.
  case ruleFileProblem = "CE5000"
  case ruleFileUnreadable = "CE5001"
  case noRuleFiles = "CE5002"
  case ruleFileEncoding = "CE5003"
  case ruleFileNotJSON = "CE5004"
  case ruleFileWrongType = "CE5005"
  case ruleFileMissingKey = "CE5006"
  case ruleFileUnknownKey = "CE5007"
  case ruleFileInvalidValue = "CE5008"
  case unsupportedVersion = "CE5009"
  case missingExpressionVersion = "CE5010"
  case duplicateRuleID = "CE5011"
  case requiredRuleUnavailable = "CE5012"
  case ruleTestFileProblem = "CE5013"

  // Regular expressions.
  case invalidRegex = "CE6001"

  /// The code as written: `CE1101`.
  public var description: String { rawValue }

  /// The phase that reports diagnostics of this kind.
  public var phase: DiagnosticPhase {
    switch rawValue.dropFirst(2).first {
    case "1":
      switch self {
      case .invalidNumber, .unterminatedString, .doubleQuotedString, .unknownOperator,
        .unexpectedCharacter, .expressionTooLong:
        return .lex
      default: return .parse
      }
    case "2": return .check
    case "3": return .evaluate
    case "4": return .json
    case "5": return .ruleFile
    default: return .regex
    }
  }

  /// What the kind means, in one line (the heading of its entry in `docs/DIAGNOSTICS.md`).
  public var summary: String {
    switch self {
    case .invalidNumber: return "a number literal is malformed"
    case .unterminatedString: return "a string literal has no closing quote"
    case .doubleQuotedString: return "a string literal uses double quotes"
    case .unknownOperator: return "an operator that the language does not have"
    case .unexpectedCharacter: return "a character that starts no token"
    case .expressionTooLong: return "the expression text is longer than the limit"
    case .canonicalFormTooLong: return "the canonical form would be longer than the limit"
    case .emptyExpression: return "the expression is empty"
    case .chainedComparison: return "comparisons are chained without `&&`"
    case .expectedFieldName: return "no field name after `.`"
    case .lengthCalled: return "`.length` is called like a method"
    case .unknownMethod: return "a method that is not a quantifier"
    case .malformedQuantifier: return "a quantifier without `variable =>`"
    case .invalidIndex: return "an index that is not a small non-negative integer literal"
    case .trailingComma: return "a `,` before a closing bracket"
    case .nestingTooDeep: return "the expression nests deeper than the parser allows"
    case .unclosedDelimiter: return "a parenthesis or bracket is not closed"
    case .expectedOperand: return "an operand is missing"
    case .unexpectedToken: return "text after the end of the expression"
    case .notBoolean: return "a value that must be a boolean cannot be one"
    case .expressionTooLarge: return "the expression is too deep or too long to compile"
    case .operandType: return "an operator's operand has a type it does not accept"
    case .constantComparison: return "a comparison whose result is known before evaluation"
    case .unknownFunction: return "a call of a function that is not a builtin"
    case .argumentCount: return "a builtin is called with the wrong number of arguments"
    case .argumentForm: return "a builtin argument must be a literal or a field path"
    case .notPortable: return "a construct the reference implementation reads differently"
    case .resultNotBoolean: return "a value used as a boolean is not one"
    case .missingValue: return "an operand is missing or null in the snapshot"
    case .typeMismatch: return "an operation meets values of types it does not accept"
    case .declaredTypeMismatch: return "a field holds a value other than its declared type"
    case .divisionByZero: return "division or remainder by zero, or `%` on non-integers"
    case .digitLimit: return "an arithmetic result has more digits than the limit"
    case .stepLimit: return "the evaluation takes more steps than the limit"
    case .builtinArgument: return "a builtin rejects one of its arguments"
    case .builtinFailed: return "a builtin call fails as a whole"
    case .deferred: return "a builtin needs evaluation-context state that was not given"
    case .regexMatchLimit: return "a regular-expression match exceeds its limits"
    case .internalError: return "an invariant of the engine does not hold"
    case .invalidJSON: return "a JSON document cannot be read"
    case .invalidContext: return "an evaluation context document has the wrong shape"
    case .ruleFileProblem: return "a rule-file problem reported by a caller without a kind"
    case .ruleFileUnreadable: return "a rule path is missing, unreadable or not a file"
    case .noRuleFiles: return "a directory holds no rule files"
    case .ruleFileEncoding: return "a rule file is not UTF-8 without a byte order mark"
    case .ruleFileNotJSON: return "a rule file is not valid JSON"
    case .ruleFileWrongType: return "a rule-file key holds a value of the wrong JSON type"
    case .ruleFileMissingKey: return "a required rule-file key is missing"
    case .ruleFileUnknownKey: return "a rule-file key that the loader does not know"
    case .ruleFileInvalidValue: return "a rule-file value is empty or not an accepted one"
    case .unsupportedVersion: return "an `expression_version` this engine does not read"
    case .missingExpressionVersion: return "a rule file declares no `expression_version`"
    case .duplicateRuleID: return "two rules of one schema share an id"
    case .requiredRuleUnavailable:
      return "a rule the guard requires is missing, ambiguous or not evaluated"
    case .ruleTestFileProblem:
      return "a rule test file is malformed or names what is not there"
    case .invalidRegex: return "a regular expression does not compile"
    }
  }
}
