/// One case of a rule test file (`constraint test`): a rule, a snapshot, and the outcome the
/// rule must have on it.
public struct RuleTestCase: Sendable {
  /// The outcome a case asks for: a rule outcome's word.
  public enum Expectation: String, Sendable, CaseIterable {
    case pass, fail, error, deferred, skipped
  }

  /// The test file.
  public var file: String
  /// The case's line in the test file (1-based).
  public var line: Int
  /// Where the `rule` value starts, in the test file.
  public var ruleLocation: SourceLocation
  /// The case's `name`, when it has one.
  public var name: String?
  /// The id of the rule under test, in the test file's rule file.
  public var ruleID: String
  /// The snapshot the rule is evaluated on.
  public var snapshot: Value
  public var expect: Expectation
  /// With `expect` error or deferred: a text the diagnostic's message must contain (compared
  /// without regard to case).
  public var errorContains: String?
  /// The evaluation context (`now`, `flags` and `context` of the case, merged).
  public var context: EvaluationContext

  /// `file:line`.
  public var location: String { "\(file):\(line)" }
}

/// Reads rule test files: `X.constraints.tests.jsonl` holds the cases of the rules of
/// `X.constraints.json`, one JSON object per line (blank lines skipped):
///
/// ```
/// {"rule": "budget_conservation", "name": "spent at the limit", "expect": "pass",
///  "data": {"budget": {"limit_micro": "10", "spent_micro": "10"}}}
/// ```
///
/// `rule`, `expect` (pass, fail, error, deferred, skipped) and `data` (the snapshot) are
/// required; `name`, `error_contains` (with error or deferred), `flags` (an array of flag
/// names), `now` (an ISO 8601 timestamp) and `context` (an evaluation context object as
/// `--context` reads it) are optional. Every other key, a line that is not such an object, a
/// name used twice and a file without any case are errors: a test file that cannot be read
/// whole tests nothing, and testing nothing is not a pass.
public enum RuleTestFile {
  /// The keys a case may have.
  public static let keys: [String] = [
    "rule", "name", "expect", "data", "error_contains", "flags", "now", "context",
  ]

  /// The cases of a test file, and every problem in it (a file with any problem tests nothing).
  public static func read(path: String) -> (cases: [RuleTestCase], errors: [Diagnostic]) {
    let bytes: [UInt8]
    do {
      bytes = try JSONReader.readWholeFile(
        atPath: path, limit: RuleFileLoader.jsonLimits.maximumDocumentBytes)
    } catch {
      return ([], [Diagnostic(.ruleFileUnreadable, error.message, file: path)])
    }
    return parse(bytes, path: path)
  }

  /// The cases of a test file's bytes; `path` names it in the cases and errors.
  public static func parse(_ bytes: [UInt8], path: String)
    -> (cases: [RuleTestCase], errors: [Diagnostic])
  {
    let text: String
    do {
      text = try RuleFileLoader.text(of: bytes, path: path)
    } catch {
      return ([], error.diagnostics)
    }
    var reader = CaseReader(path: path)
    var lineNumber = 0
    var lineOffset = 0
    for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      lineNumber += 1
      defer { lineOffset += line.count + 1 }
      let lineText = String(decoding: line, as: UTF8.self)
      guard lineText.contains(where: { !" \t\r".contains($0) }) else { continue }
      reader.readCase(lineText, line: lineNumber, offset: lineOffset)
    }
    if reader.cases.isEmpty && reader.errors.isEmpty {
      reader.errors.append(
        Diagnostic(
          .ruleTestFileProblem,
          "no test cases (one JSON object per line): testing nothing is not a pass", file: path))
    }
    return reader.errors.isEmpty ? (reader.cases, []) : ([], reader.errors)
  }
}

/// Reads the cases of one test file, collecting every problem.
private struct CaseReader {
  let path: String
  var cases: [RuleTestCase] = []
  var errors: [Diagnostic] = []
  var names: [String: Int] = [:]

  init(path: String) {
    self.path = path
  }

  mutating func fail(_ location: SourceLocation, _ message: String, rule: String? = nil) {
    errors.append(
      Diagnostic(
        .ruleTestFileProblem, message, file: path, at: SourceRange(at: location), rule: rule))
  }

  mutating func readCase(_ text: String, line: Int, offset: Int) {
    let document: LocatedJSON
    do {
      document = try JSONReader.readLocated(text)
    } catch {
      fail(
        SourceLocation(
          offset: offset + error.range.start.offset, line: line,
          column: error.range.start.column),
        "invalid JSON: \(error.message)")
      return
    }
    func at(_ range: SourceRange) -> SourceLocation {
      SourceLocation(offset: offset + range.start.offset, line: line, column: range.start.column)
    }
    guard case .object(let members) = document.kind else {
      fail(
        at(document.range),
        "a test case must be a JSON object, not \(describe(document.typeName))")
      return
    }
    var ruleID: String?
    var ruleLocation = at(document.range)
    var name: String?
    var expect: RuleTestCase.Expectation?
    var snapshot: Value?
    var errorContains: (text: String, location: SourceLocation)?
    var flags = Set<String>()
    var now: String?
    var context = EvaluationContext.empty
    let errorsBefore = errors.count
    for member in members {
      let valueAt = at(member.value.range)
      let string = { () -> String? in
        guard case .scalar(.string(let text)) = member.value.kind else { return nil }
        return text
      }()
      let notString = "`\(member.key)` must be a string, not \(describe(member.value.typeName))"
      switch member.key {
      case "rule":
        guard let string, !string.isEmpty else {
          fail(valueAt, string == nil ? notString : "`rule` must not be empty")
          continue
        }
        ruleID = string
        ruleLocation = valueAt
      case "name":
        guard let string else {
          fail(valueAt, notString)
          continue
        }
        if let first = names[string] {
          fail(valueAt, "test name \(Value.quoted(string)) is used twice (first on line \(first))")
        }
        names[string] = names[string] ?? line
        name = string
      case "expect":
        guard let string, let found = RuleTestCase.Expectation(rawValue: string) else {
          let allowed = RuleTestCase.Expectation.allCases.map(\.rawValue).joined(separator: ", ")
          fail(valueAt, "`expect` must be one of \(allowed)")
          continue
        }
        expect = found
      case "data":
        snapshot = member.value.value
      case "error_contains":
        guard let string, !string.isEmpty else {
          fail(valueAt, string == nil ? notString : "`error_contains` must not be empty")
          continue
        }
        errorContains = (string, valueAt)
      case "flags":
        guard case .array(let elements) = member.value.kind else {
          fail(valueAt, "`flags` must be an array of flag names")
          continue
        }
        for element in elements {
          guard case .scalar(.string(let flag)) = element.kind, !flag.isEmpty else {
            fail(at(element.range), "`flags` must hold flag names (non-empty strings)")
            continue
          }
          flags.insert(flag)
        }
      case "now":
        guard let string else {
          fail(valueAt, notString)
          continue
        }
        do {
          try EvaluationContext.validateNow(string)
          now = string
        } catch {
          fail(valueAt, "`now`: \(error.message)")
        }
      case "context":
        do throws(EvaluationContextError) {
          context = try EvaluationContext(checking: member.value.value)
        } catch {
          // At the offending value inside the context, not only at the context.
          fail(at(error.diagnostic(in: member.value).range), "`context`: \(error.message)")
        }
      default:
        fail(
          at(member.keyRange),
          "unknown key \(Value.quoted(member.key)) in a test case (allowed: "
            + RuleTestFile.keys.joined(separator: ", ") + ")")
      }
    }
    let start = at(document.range)
    if ruleID == nil && !members.contains(where: { $0.key == "rule" }) {
      fail(start, "a test case needs `rule`, the id of the rule under test")
    }
    if expect == nil && !members.contains(where: { $0.key == "expect" }) {
      fail(
        start, "a test case needs `expect`: pass, fail, error, deferred or skipped", rule: ruleID)
    }
    if snapshot == nil {
      fail(start, "a test case needs `data`, the snapshot the rule is checked on", rule: ruleID)
    }
    if let errorContains, let expect, expect != .error && expect != .deferred {
      fail(
        errorContains.location,
        "`error_contains` goes with `expect` error or deferred, not \(expect.rawValue)",
        rule: ruleID)
    }
    guard errors.count == errorsBefore, let ruleID, let expect, let snapshot else { return }
    context.flags.formUnion(flags)
    if let now { context.now = now }
    cases.append(
      RuleTestCase(
        file: path, line: line, ruleLocation: ruleLocation, name: name, ruleID: ruleID,
        snapshot: snapshot, expect: expect, errorContains: errorContains?.text, context: context))
  }

  func describe(_ typeName: String) -> String {
    let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
    return (typeName.first.map(vowels.contains) ?? false ? "an " : "a ") + typeName
  }
}
