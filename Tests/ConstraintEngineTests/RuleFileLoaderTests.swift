import Foundation
import Testing

@testable import ConstraintEngine

/// Parses `text` expecting structural errors; returns them.
private func loadErrors(_ text: String, path: String = "r.constraints.json") -> [Diagnostic] {
  do {
    _ = try RuleFileLoader.parse(text, path: path)
    return []
  } catch {
    return error.diagnostics
  }
}

/// A one-rule file with `rule` as the constraint object's members.
private func file(rule: String, version: String = "\"2.0\"") -> String {
  """
  {"schema_id": "S", "expression_version": \(version), "constraints": [
    {\(rule)}
  ]}
  """
}

/// A file whose one constraint (`id` a, expression `a`) has `members` too.
private func inRule(_ members: String) -> String {
  inList(#"{"id": "a", "expression": "a", "# + members + "}")
}

/// A file whose `constraints` array holds `elements`.
private func inList(_ elements: String) -> String {
  #"{"schema_id": "S", "expression_version": "2.0", "constraints": ["# + elements + "]}"
}

@Suite("Rule file loader")
struct RuleFileLoaderTests {
  @Test func readsEveryUnderstoodKey() throws {
    let text = """
      {
        "$schema": "https://example.org/s.json",
        "schema_id": "EscrowEntry",
        "contract_version": "5.0.0",
        "expression_version": "1.0",
        "description": "escrow",
        "metadata": {"owner": "billing"},
        "constraints": [
          {
            "id": "released",
            "expression": "state == 'released' => released_at != null",
            "severity": "warning",
            "message": "released_at required",
            "fields": ["state", "released_at"],
            "type_signature": {"state": "string", "amount": "bigint", "tags": "string[]"},
            "category": "lifecycle",
            "condition": {"when": "strict_release", "override_text": "released_at != null"},
            "origin": "x", "institutional_context": {}, "evaluation_note": "n"
          },
          {"id": "prose", "expression": "the runtime checks this", "evaluator": "runtime-deferred",
           "evaluation_note": "done in the service"},
          {"id": "native", "expression": "a == 1", "evaluation_geometry": "native",
           "native_enforcement": "db constraint", "severity": "info"}
        ]
      }
      """
    let loaded = try RuleFileLoader.parse(text, path: "escrow.constraints.json")
    #expect(loaded.schemaID == "EscrowEntry")
    #expect(loaded.contractVersion == "5.0.0")
    #expect(loaded.expressionVersion == "1.0")
    #expect(loaded.rules.map(\.id) == ["released", "prose", "native"])
    let rule = loaded.rules[0]
    #expect(rule.severity == .warning)
    #expect(rule.message == "released_at required")
    #expect(rule.fields == ["state", "released_at"])
    #expect(rule.category == "lifecycle")
    #expect(rule.types[FieldPath(parsing: "amount")!] == .bigint)
    #expect(rule.types[FieldPath(parsing: "tags")!] == .stringArray)
    #expect(rule.types[FieldPath(parsing: "state")!] == .string)
    #expect(rule.skipReason == nil)
    #expect(rule.file == "escrow.constraints.json")
    #expect(rule.schemaID == "EscrowEntry")
    // The expression location is the opening quote of its JSON string.
    #expect(rule.expressionLocation.line == 11)
    #expect(rule.expressionLocation.column == 21)
    #expect(rule.location.line == 9)
    #expect(rule.condition?.flag == "strict_release")
    #expect(rule.condition?.overrideText == "released_at != null")
    #expect(loaded.rules[1].skipReason == RuleFileLoader.runtimeDeferredReason)
    #expect(loaded.rules[2].skipReason == RuleFileLoader.nativeGeometryReason)
    #expect(loaded.rules[2].severity == .info)
  }

  @Test func severityDefaultsToError() throws {
    let loaded = try RuleFileLoader.parse(file(rule: #""id": "a", "expression": "x""#), path: "f")
    #expect(loaded.rules[0].severity == .error)
  }

  @Test(arguments: ["1", "1.0", "1.2.3", "2.0", "2.1", "2"])
  func acceptedVersions(_ version: String) throws {
    let text = file(rule: #""id": "a", "expression": "true""#, version: "\"\(version)\"")
    #expect(try RuleFileLoader.parse(text, path: "f").expressionVersion == version)
  }

  @Test(arguments: ["3.0", "0.9", "", "2.x", "v2", "2.", " 2.0", "10.0", "-1"])
  func rejectedVersions(_ version: String) {
    let text = file(rule: #""id": "a", "expression": "true""#, version: "\"\(version)\"")
    let errors = loadErrors(text, path: "rules/v.constraints.json")
    #expect(errors.count == 1)
    #expect(errors.first?.message.contains("unsupported expression_version") == true)
    #expect(errors.first?.message.contains("rules/v.constraints.json") == true)
    #expect(errors.first?.description.hasPrefix("rules/v.constraints.json:1:") == true)
  }

  /// A file without `expression_version` (reference files often carry only
  /// `contract_version`) loads as the current grammar, with a warning at the document.
  @Test func missingExpressionVersionIsReadAsTheCurrentGrammarWithAWarning() throws {
    let text = #"""
      {"schema_id": "S", "contract_version": "5.0.0", "constraints": [
        {"id": "a", "expression": "x == 1"}]}
      """#
    let file = try RuleFileLoader.parse(text, path: "v.constraints.json")
    #expect(file.expressionVersion == EngineVersion.grammar)
    #expect(file.rules.map(\.id) == ["a"])
    #expect(file.warnings.count == 1)
    let warning = try #require(file.warnings.first)
    #expect(warning.severity == .warning)
    #expect(warning.fileLocation?.line == 1 && warning.fileLocation?.column == 1)
    #expect(warning.message.contains("no `expression_version`"))
    #expect(warning.message.contains("contract_version"))
    _ = try RuleSet.compile([file]).get()
    // A declared version gives no warning; an unsupported one is still an error.
    let declared = try RuleFileLoader.parse(
      #"{"schema_id": "S", "expression_version": "1.0", "constraints": []}"#, path: "w")
    #expect(declared.warnings.isEmpty)
    #expect(
      !loadErrors(#"{"schema_id": "S", "expression_version": "3", "constraints": []}"#).isEmpty)
  }

  /// Each case: the file text with the error's position marked `⟦…⟧`, and a fragment of the
  /// message.
  static let structuralErrors: [(String, String)] = [
    (#"⟦[⟧1, 2]"#, "a rule file must be an object, not an array"),
    (#"{"schema_id": ⟦1⟧, "expression_version": "2.0", "constraints": []}"#,
     "`schema_id` must be a string, not a number"),
    (#"⟦{⟧"expression_version": "2.0", "constraints": []}"#, "missing `schema_id`"),
    (#"{"schema_id": "S", "expression_version": ⟦2.0⟧, "constraints": []}"#,
     "`expression_version` must be a string, not a number"),
    (#"⟦{⟧"schema_id": "S", "expression_version": "2.0"}"#, "missing `constraints`"),
    (#"{"schema_id": "S", "expression_version": "2.0", "constraints": ⟦{}⟧}"#,
     "`constraints` must be an array, not an object"),
    (inList(#"⟦"a"⟧"#),
     "a constraint must be an object, not a string"),
    (inList(#"⟦{⟧"expression": "a"}"#),
     "constraint has no `id`"),
    (inList(#"⟦{⟧"id": "a"}"#),
     "rule a: constraint has no `expression`"),
    (inList(#"{"id": ⟦7⟧, "expression": "a"}"#),
     "`id` must be a string, not a number"),
    (inList(#"{"id": "a", "expression": ⟦true⟧}"#),
     "rule a: `expression` must be a string, not a boolean"),
    (inRule(#""severity": ⟦"fatal"⟧"#),
     "rule a: unknown severity \"fatal\""),
    (inRule(#""fields": ⟦"x"⟧"#),
     "`fields` must be an array of strings, not a string"),
    (inRule(#""fields": ["x", ⟦null⟧]"#),
     "`fields` must hold strings, not null"),
    (inRule(#""type_signature": ⟦[]⟧"#),
     "`type_signature` must be an object, not an array"),
    (inRule(#""type_signature": {⟦"a..b"⟧: "string"}"#),
     "is not a field path"),
    (inRule(#""type_signature": {"a": ⟦1⟧}"#),
     "the type of \"a\" must be a string"),
    (inRule(#""condition": ⟦{⟧"when": "f"}"#),
     "`condition` has no `override_text`"),
    (inRule(#""condition": {"when": ⟦["f"]⟧, "override_text": "b"}"#),
     "`when` must be a string, not an array"),
    (inRule(#""condition": {"when": "f", "override_text": "b", ⟦"else"⟧: "c"}"#),
     "unknown key `else` in `condition`"),
    (inRule(#""evaluator": ⟦"remote"⟧"#),
     "unknown evaluator \"remote\""),
    (inRule(#"⟦"severty"⟧: "error""#),
     "rule a: unknown key `severty` in a constraint"),
    (#"{"schema_id": "S", "expression_version": "2.0", ⟦"rules"⟧: [], "constraints": []}"#,
     "unknown key `rules` in a rule file"),
    (#"{"schema_id": "S", "expression_version": "2.0", "constraints": [], ⟦}⟧"#,
     "invalid JSON"),
    (#"{"schema_id": "S", ⟦"schema_id"⟧: "T", "expression_version": "2.0", "constraints": []}"#,
     "invalid JSON"),
  ]

  @Test(arguments: structuralErrors)
  func structuralErrorsPointIntoTheFile(_ marked: String, _ fragment: String) {
    let source = MarkedSource(marked)
    let errors = loadErrors(source.source, path: "x.constraints.json")
    try? #require(errors.count == 1, "\(errors)")
    guard let error = errors.first else {
      Issue.record("no error for \(source)")
      return
    }
    #expect(error.file == "x.constraints.json")
    #expect(error.description.contains(fragment), "\(error)")
    let expected = lineAndColumn(of: source.range.lowerBound, in: source.source)
    #expect(error.fileLocation?.line == expected.line, "\(error)")
    #expect(error.fileLocation?.column == expected.column, "\(error)")
    #expect(
      error.description.hasPrefix("x.constraints.json:\(expected.line):\(expected.column): "))
  }

  @Test func everyProblemOfAFileIsReported() {
    let text = """
      {"schema_id": "S", "expression_version": "9", "constraints": [
        {"id": "a"},
        {"id": "b", "expression": "x", "severity": "loud"},
        {"id": "c", "expression": "x"}
      ]}
      """
    let errors = loadErrors(text)
    #expect(errors.map(\.fileLocation?.line) == [1, 2, 3])
    #expect(errors.map(\.ruleID) == [nil, "a", "b"])
  }

  @Test func errorsOnLaterLinesReportTheirLine() {
    let source = MarkedSource(
      """
      {
        "schema_id": "S",
        "expression_version": "2.0",
        "constraints": [
          {
            "id": "a",
            "expression": "a",
            "severity": ⟦"warn"⟧
          }
        ]
      }
      """)
    let errors = loadErrors(source.source)
    #expect(errors.count == 1)
    #expect(errors.first?.fileLocation?.line == 8)
    #expect(errors.first?.fileLocation?.column == 19)
    #expect(errors.first?.fileLocation?.offset == source.range.lowerBound)
    // The whole value, not only its start.
    #expect(errors.first?.fileRange?.end.offset == source.range.upperBound)
    #expect(errors.first?.range == errors.first?.fileRange && errors.first?.expression == nil)
    #expect(errors.first?.isReadFailure == false)
  }

  @Test func conditionOverridesTheExpressionWhenItsFlagIsOn() throws {
    let text = file(
      rule: #""id": "a", "expression": "x > 1", "condition": "#
        + #"{"when": "f", "override_text": "x > 2"}"#)
    let loaded = try RuleFileLoader.parse(text, path: "f")
    let rule = loaded.rules[0]
    #expect(rule.activeExpression(flags: []).text == "x > 1")
    #expect(rule.activeExpression(flags: ["f"]).text == "x > 2")
    #expect(rule.activeExpression(flags: ["g"]).text == "x > 1")
    let snapshot = try JSONReader.read(#"{"x": 2}"#)
    let off = try RuleSet.compile([loaded]).get()
    let on = try RuleSet.compile([loaded], flags: ["f"]).get()
    #expect(off.check(snapshot, ruleIndexes: [0]).map(\.word) == ["pass"])
    #expect(on.check(snapshot, ruleIndexes: [0]).map(\.word) == ["fail"])
    #expect(on.rules[0].activeExpression == "x > 2")
  }

  @Test func skippedRulesAreNeverCompiled() throws {
    let text = """
      {"schema_id": "S", "expression_version": "2.0", "constraints": [
        {"id": "prose", "expression": "not an expression!", "evaluator": "runtime-deferred"},
        {"id": "native", "expression": "also ((( not", "evaluation_geometry": "native"},
        {"id": "lib", "expression": "true", "evaluator": "library"}
      ]}
      """
    let set = try RuleSet.compile([try RuleFileLoader.parse(text, path: "f")]).get()
    let words = set.check(.object(ObjectValue([])), ruleIndexes: [0, 1, 2]).map(\.word)
    #expect(words == ["skipped", "skipped", "pass"])
  }

  @Test func checkIntoAnArrayReplacesItsContents() throws {
    let text = file(
      rule: #""id": "a", "expression": "amount >= 0", "type_signature": {"amount": "bigint"}"#)
    let set = try RuleSet.compile([try RuleFileLoader.parse(text, path: "f")]).get()
    var outcomes: [RuleOutcome] = []
    // Empty, then the same count (overwritten in place), then another count.
    set.check(try JSONReader.read(#"{"amount": "1"}"#), ruleIndexes: [0], into: &outcomes)
    #expect(outcomes.map(\.word) == ["pass"])
    let held = outcomes
    set.check(try JSONReader.read(#"{"amount": "-1"}"#), ruleIndexes: [0], into: &outcomes)
    #expect(outcomes.map(\.word) == ["fail"])
    #expect(held.map(\.word) == ["pass"])
    set.check(try JSONReader.read(#"{"amount": true}"#), ruleIndexes: [0, 0], into: &outcomes)
    #expect(outcomes.map(\.word) == ["error", "error"])
    set.check(try JSONReader.read(#"{"amount": "2"}"#), ruleIndexes: [], into: &outcomes)
    #expect(outcomes.isEmpty)
  }

  @Test func checkIntoAnArrayOfTheSameCountWritesEveryOutcomeOverThePrevious() throws {
    let text = file(
      rule: #""id": "a", "expression": "amount >= 0", "type_signature": {"amount": "bigint"}"#)
    let set = try RuleSet.compile([try RuleFileLoader.parse(text, path: "f")]).get()
    var outcomes: [RuleOutcome] = []
    // Each transition between pass, fail and error, in place (a pass is written over without
    // being destroyed, anything else is assigned over), against a fresh check each time.
    for amount in [#""1""#, #""-1""#, #""2""#, "true", "true", #""3""#, #""-4""#, "null", #""5""#] {
      let snapshot = try JSONReader.read(#"{"amount": \#(amount)}"#)
      set.check(snapshot, ruleIndexes: [0, 0], into: &outcomes)
      let fresh = set.check(snapshot, ruleIndexes: [0, 0])
      #expect(outcomes.map(\.word) == fresh.map(\.word), "amount \(amount)")
      #expect(
        outcomes.map { "\($0)" } == fresh.map { "\($0)" }, "amount \(amount)")
    }
  }

  @Test func typeSignatureIsAppliedByTheChecker() throws {
    let text = file(
      rule: #""id": "a", "expression": "amount >= 0", "type_signature": {"amount": "bigint"}"#)
    let set = try RuleSet.compile([try RuleFileLoader.parse(text, path: "f")]).get()
    func word(_ json: String) throws -> String {
      set.check(try JSONReader.read(json), ruleIndexes: [0])[0].word
    }
    #expect(try word(#"{"amount": "12"}"#) == "pass")
    #expect(try word(#"{"amount": "-1"}"#) == "fail")
    #expect(try word(#"{"amount": true}"#) == "error")
  }

  @Test func expressionErrorsNameTheFileAndRule() throws {
    let text = file(rule: #""id": "bad", "expression": "a == 1 garbage""#)
    let loaded = try RuleFileLoader.parse(text, path: "g.constraints.json")
    guard case .failure(let failure) = RuleSet.compile([loaded]) else {
      Issue.record("compiled")
      return
    }
    let error = try #require(failure.diagnostics.first)
    #expect(error.file == "g.constraints.json")
    #expect(error.ruleID == "bad")
    #expect(error.expression == "a == 1 garbage")
    #expect(error.range.start.column == 8)
    #expect(error.fileLocation?.line == 2)
    #expect(error.code == .unexpectedToken)
    // The range in the file covers what the range in the expression covers.
    #expect(error.fileRange?.length == error.range.length)
  }

  @Test func duplicateIDsInOneSchemaAreAnError() throws {
    let text = file(rule: #""id": "a", "expression": "true""#)
    let first = try RuleFileLoader.parse(text, path: "1")
    let second = try RuleFileLoader.parse(text, path: "2")
    guard case .failure(let failure) = RuleSet.compile([first, second]) else {
      Issue.record("compiled")
      return
    }
    #expect(failure.diagnostics.count == 1)
    #expect(failure.diagnostics[0].file == "2")
    #expect(failure.diagnostics[0].message.contains("duplicate rule id `a`"))
  }

  @Test func loadsDirectoriesRecursivelyInSortedOrder() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("rule-loader-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let names = ["b/z.constraints.json", "a.constraints.json", "b/a.constraints.json", "c.json"]
    for (index, name) in names.enumerated() {
      let url = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      let text = file(rule: "\"id\": \"r\(index)\", \"expression\": \"true\"")
        .replacingOccurrences(of: "\"S\"", with: "\"S\(index)\"")
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
    let result = RuleFileLoader.load(paths: [root.path, root.path + "/a.constraints.json"])
    #expect(result.errors.isEmpty)
    #expect(
      result.files.map { String($0.path.dropFirst(root.path.count + 1)) }
        == ["a.constraints.json", "b/a.constraints.json", "b/z.constraints.json"])
    let missing = RuleFileLoader.load(paths: [root.path + "/nope", root.path + "/c.json"])
    #expect(missing.errors.count == 1)
    #expect(missing.errors.first?.message == "no such file or directory")
    #expect(missing.files.map(\.schemaID) == ["S3"])
    let empty = root.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    #expect(
      RuleFileLoader.load(paths: [empty.path]).errors.first?.message
        == "no *.constraints.json files in directory")
  }

  @Test func loadReportsUnreadableAndInvalidFiles() throws {
    #expect(throws: Diagnostics.self) { try RuleFileLoader.load(file: "/nonexistent/x.json") }
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("bad-utf8-\(UUID().uuidString).constraints.json")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data([0x7B, 0xFF, 0x7D]).write(to: url)
    do {
      _ = try RuleFileLoader.load(file: url.path)
      Issue.record("loaded")
    } catch {
      #expect(error.diagnostics.first?.message == "the file is not valid UTF-8")
    }
  }

  @Test func theShippedBillingRulesLoadAndCompile() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let loaded = try RuleFileLoader.load(
      file: root.appendingPathComponent("Rules/billing.constraints.json").path)
    #expect(loaded.schemaID == "BillingSnapshot")
    #expect(loaded.rules.count == 10)
    let set = try RuleSet.compile([loaded]).get()
    #expect(set.rules.allSatisfy { $0.program != nil })
  }
}
