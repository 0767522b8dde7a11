/// How serious a rule's violation is.
public enum RuleSeverity: String, Sendable, Hashable, CaseIterable, Codable {
  /// Fails the run.
  case error
  /// Reported; fails the run only in strict mode.
  case warning
  /// Reported only.
  case info
}

/// A feature-flag condition: when the flag is on, `overrideText` replaces the expression.
public struct RuleCondition: Sendable, Hashable {
  public var flag: String
  public var overrideText: String
  /// Where the override text's JSON string starts in the rule file.
  public var overrideLocation: SourceLocation

  public init(flag: String, overrideText: String, overrideLocation: SourceLocation) {
    self.flag = flag
    self.overrideText = overrideText
    self.overrideLocation = overrideLocation
  }
}

/// One constraint of a `*.constraints.json` file, as written.
public struct RuleDefinition: Sendable {
  public var id: String
  /// The file it came from.
  public var file: String
  /// The file's `schema_id`.
  public var schemaID: String
  public var expression: String
  /// Where the expression's JSON string starts in the file (line and column of the opening
  /// quote), so annotations can point into the file.
  public var expressionLocation: SourceLocation
  public var severity: RuleSeverity
  public var message: String?
  public var fields: [String]
  /// `type_signature` as declared types.
  public var types: FieldTypes
  public var category: String?
  public var condition: RuleCondition?
  /// Why the rule is never evaluated (`evaluator: runtime-deferred`, `evaluation_geometry:
  /// native`); nil for an evaluated rule.
  public var skipReason: String?
  /// Where the rule's object starts in the file.
  public var location: SourceLocation

  public init(
    id: String, file: String, schemaID: String, expression: String,
    expressionLocation: SourceLocation, severity: RuleSeverity, message: String?,
    fields: [String], types: FieldTypes, category: String?, condition: RuleCondition?,
    skipReason: String?, location: SourceLocation
  ) {
    self.id = id
    self.file = file
    self.schemaID = schemaID
    self.expression = expression
    self.expressionLocation = expressionLocation
    self.severity = severity
    self.message = message
    self.fields = fields
    self.types = types
    self.category = category
    self.condition = condition
    self.skipReason = skipReason
    self.location = location
  }

  /// The expression in force under `flags`: the condition's override when its flag is on.
  public func activeExpression(flags: Set<String>) -> (text: String, location: SourceLocation) {
    if let condition, flags.contains(condition.flag) {
      return (condition.overrideText, condition.overrideLocation)
    }
    return (expression, expressionLocation)
  }
}

/// A loaded `*.constraints.json` file.
public struct RuleFile: Sendable {
  public var path: String
  public var schemaID: String
  public var contractVersion: String?
  /// The grammar version the file declares, or the current one (``EngineVersion/grammar``)
  /// when it declares none (a warning then says so).
  public var expressionVersion: String
  public var rules: [RuleDefinition]
  /// Problems that do not stop the file from loading (severity `warning`), such as a missing
  /// `expression_version`; `constraint lint` prints them.
  public var warnings: [RuleFileError]

  public init(
    path: String, schemaID: String, contractVersion: String?, expressionVersion: String,
    rules: [RuleDefinition], warnings: [RuleFileError] = []
  ) {
    self.path = path
    self.schemaID = schemaID
    self.contractVersion = contractVersion
    self.expressionVersion = expressionVersion
    self.rules = rules
    self.warnings = warnings
  }
}

/// A problem with a rule file: its structure (`file:line:column: message`) or one of its
/// expressions (the diagnostic's range is inside the expression text).
public struct RuleFileError: Error, Sendable, CustomStringConvertible {
  public var file: String
  /// Where in the file, for structural errors.
  public var location: SourceLocation?
  /// The rule concerned, when one is.
  public var ruleID: String?
  public var message: String
  /// For expression errors: the diagnostic, its range within `expression`.
  public var diagnostic: Diagnostic?
  /// The expression text the diagnostic's range refers to.
  public var expression: String?
  /// `error` (the file or rule cannot be used) or `warning` (it can, as documented).
  public var severity: DiagnosticSeverity

  public init(
    file: String, location: SourceLocation? = nil, ruleID: String? = nil, message: String,
    diagnostic: Diagnostic? = nil, expression: String? = nil,
    severity: DiagnosticSeverity = .error
  ) {
    self.file = file
    self.location = location
    self.ruleID = ruleID
    self.message = message
    self.diagnostic = diagnostic
    self.expression = expression
    self.severity = diagnostic?.severity ?? severity
  }

  /// `file:line:column: [rule] message`.
  public var description: String {
    var text = file
    if let location { text += ":\(location.line):\(location.column)" }
    text += ": "
    if let ruleID { text += "rule \(ruleID): " }
    return text + message
  }
}

/// Every problem found while loading or compiling rule files.
public struct RuleFileErrors: Error, Sendable {
  public var errors: [RuleFileError]

  public init(_ errors: [RuleFileError]) {
    self.errors = errors
  }
}
