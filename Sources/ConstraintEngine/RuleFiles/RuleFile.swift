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
  /// Where the override text's JSON string sits in the rule file, escapes included.
  public var overrideOrigin: JSONStringOrigin
  /// Where the override text's JSON string starts in the rule file.
  public var overrideLocation: SourceLocation {
    get { overrideOrigin.quote }
    set { overrideOrigin.quote = newValue }
  }

  public init(
    flag: String, overrideText: String, overrideLocation: SourceLocation,
    overrideEscapes: [JSONStringOrigin.Escape] = []
  ) {
    self.flag = flag
    self.overrideText = overrideText
    self.overrideOrigin = JSONStringOrigin(quote: overrideLocation, escapes: overrideEscapes)
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
  /// Where the expression's JSON string sits in the file, escapes included, so that
  /// diagnostics point at the exact line and column (``JSONStringOrigin``).
  public var expressionOrigin: JSONStringOrigin
  /// Where the expression's JSON string starts in the file (line and column of the opening
  /// quote), so annotations can point into the file.
  public var expressionLocation: SourceLocation {
    get { expressionOrigin.quote }
    set { expressionOrigin.quote = newValue }
  }
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
    skipReason: String?, location: SourceLocation,
    expressionEscapes: [JSONStringOrigin.Escape] = []
  ) {
    self.id = id
    self.file = file
    self.schemaID = schemaID
    self.expression = expression
    self.expressionOrigin = JSONStringOrigin(quote: expressionLocation, escapes: expressionEscapes)
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

  /// Where the expression in force under `flags` sits in the file.
  public func activeExpressionOrigin(flags: Set<String>) -> JSONStringOrigin {
    if let condition, flags.contains(condition.flag) { return condition.overrideOrigin }
    return expressionOrigin
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
  public var warnings: [Diagnostic]

  public init(
    path: String, schemaID: String, contractVersion: String?, expressionVersion: String,
    rules: [RuleDefinition], warnings: [Diagnostic] = []
  ) {
    self.path = path
    self.schemaID = schemaID
    self.contractVersion = contractVersion
    self.expressionVersion = expressionVersion
    self.rules = rules
    self.warnings = warnings
  }
}

