import Foundation
import Testing

/// `constraint lint`'s exit contract (0 clean, 1 problems in what it read, 2 could not read)
/// and its formats (human, json, github), through the real binary.
@Suite("constraint lint: exit contract and formats")
struct LintFormatTests {
  static let clean = ruleFileText(schema: "S", #"{"id": "ok", "expression": "a == 1"}"#)
  static let versionless = #"{"schema_id": "S", "constraints": [{"id": "v", "expression": "a"}]}"#
  static let badExpression = ruleFileText(schema: "S", #"{"id": "bad", "expression": "a = 1"}"#)
  static let unknownKey = ruleFileText(
    schema: "S", #"{"id": "typo", "expression": "a == 1", "severty": "warning"}"#)
  static let nonPortable = ruleFileText(schema: "S", #"{"id": "ext", "expression": "a + 1 > 2"}"#)

  /// One scratch tree per case: `files` written under `rules/`, `paths` (relative to the
  /// scratch directory) given to lint.
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let files: [String: String]
    var paths = ["rules"]
    var options: [String] = []
    let status: Int32
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "clean", files: ["a.constraints.json": clean], status: 0),
    Case(
      name: "a warning only", files: ["a.constraints.json": versionless], status: 0),
    Case(name: "invalid JSON", files: ["a.constraints.json": "{\"schema_id\": "], status: 1),
    Case(name: "an unknown key", files: ["a.constraints.json": unknownKey], status: 1),
    Case(name: "an expression error", files: ["a.constraints.json": badExpression], status: 1),
    Case(
      name: "a byte order mark", files: ["a.constraints.json": "\u{FEFF}" + clean], status: 1),
    Case(
      name: "a duplicate id across files",
      files: ["a.constraints.json": clean, "b.constraints.json": clean], status: 1),
    Case(
      name: "an extension without --portable", files: ["a.constraints.json": nonPortable],
      status: 0),
    Case(
      name: "an extension with --portable", files: ["a.constraints.json": nonPortable],
      options: ["--portable"], status: 1),
    Case(
      name: "a missing path", files: ["a.constraints.json": clean],
      paths: ["rules", "missing.constraints.json"], status: 2),
    Case(name: "a directory without rule files", files: ["notes.txt": "x"], status: 2),
    Case(
      name: "a problem and a missing path", files: ["a.constraints.json": badExpression],
      paths: ["rules", "gone"], status: 2),
  ]

  @Test(arguments: cases)
  func exitStatusInEveryFormat(_ testCase: Case) throws {
    let scratch = try CheckScratch()
    for (name, text) in testCase.files { try scratch.write("rules/\(name)", text) }
    let paths = testCase.paths.map { scratch.path($0) }
    for format in ["human", "json", "github", "sarif"] {
      let result = try CLI.run(["lint", "--format", format] + testCase.options + paths)
      #expect(result.status == testCase.status, "\(format): \(result.transcript)")
      if format == "json" {
        let document = try Self.json(result.stdout)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["exit_status"] as? Int == Int(testCase.status), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.transcript)")
      }
      if format == "sarif" {
        let runs = try #require(try Self.json(result.stdout)["runs"] as? [[String: Any]])
        let invocation = try #require((runs.first?["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["exitCode"] as? Int == Int(testCase.status), "\(result.stdout)")
        #expect(invocation["executionSuccessful"] as? Bool == (testCase.status != 2))
        #expect(result.stderr.isEmpty, "\(result.transcript)")
      }
      if format == "github" {
        #expect(result.stderr.isEmpty, "\(result.transcript)")
      }
    }
  }

  static func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any], "not an object: \(text)")
  }

  @Test func jsonListsEveryFindingWithItsLocationKindAndCaretRange() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/a.constraints.json", Self.badExpression)
    try scratch.write(
      "rules/b.constraints.json",
      Self.unknownKey.replacingOccurrences(
        of: "\"S\"", with: "\"T\""))
    try scratch.write(
      "rules/c.constraints.json",
      Self.versionless.replacingOccurrences(
        of: "\"S\"", with: "\"U\""))
    try scratch.write(
      "rules/d.constraints.json",
      Self.nonPortable.replacingOccurrences(of: "\"S\"", with: "\"V\""))
    let result = try CLI.run(["lint", "--portable", "--format", "json", scratch.path("rules")])
    #expect(result.status == 1, "\(result.transcript)")
    let document = try Self.json(result.stdout)
    #expect(document["schema_version"] as? Int == 1)
    #expect((document["tool"] as? String)?.hasPrefix("constraint ") == true)
    let findings = try #require(document["findings"] as? [[String: Any]])
    let kinds = findings.map { $0["kind"] as? String }
    #expect(kinds == ["problem", "problem", "non_portable", "warning"], "\(result.stdout)")

    // The structural error of b (loaded first, so listed first) at the misspelt key.
    let typo = findings[0]
    #expect((typo["file"] as? String)?.hasSuffix("b.constraints.json") == true)
    #expect(typo["rule"] as? String == "typo")
    #expect(typo["line"] as? Int == 5 && typo["column"] as? Int == 44, "\(typo)")
    #expect(typo["severity"] as? String == "error")
    #expect(typo["unreadable"] as? Bool == false)
    #expect((typo["message"] as? String)?.hasPrefix("unknown key `severty`") == true)
    #expect(typo["diagnostic"] is NSNull && typo["expression"] is NSNull)

    // The expression error of a: its exact place in the file (the `=` inside the JSON
    // string), the caret's range inside the expression.
    let bad = findings[1]
    #expect(bad["rule"] as? String == "bad")
    #expect(bad["line"] as? Int == 5 && bad["column"] as? Int == 36, "\(bad)")
    #expect(bad["expression"] as? String == "a = 1")
    let diagnostic = try #require(bad["diagnostic"] as? [String: Any])
    let start = try #require(diagnostic["start"] as? [String: Any])
    #expect(start["offset"] as? Int == 2 && start["column"] as? Int == 3, "\(diagnostic)")

    let extensionUse = findings[2]
    #expect(extensionUse["severity"] as? String == "warning")
    #expect((extensionUse["message"] as? String)?.contains("+") == true, "\(extensionUse)")

    let warning = findings[3]
    #expect(warning["line"] as? Int == 1 && warning["column"] as? Int == 1)
    #expect((warning["message"] as? String)?.hasPrefix("no `expression_version`") == true)

    let summary = try #require(document["summary"] as? [String: Any])
    #expect(summary["files"] as? Int == 3, "\(summary)")
    #expect(summary["problems"] as? Int == 2 && summary["unreadable"] as? Int == 0)
    #expect(summary["non_portable"] as? Int == 1 && summary["warnings"] as? Int == 1)
  }

  @Test func jsonMarksAPathThatCouldNotBeRead() throws {
    let scratch = try CheckScratch()
    let result = try CLI.run([
      "lint", "--format", "json", scratch.path("nowhere.constraints.json"),
    ])
    #expect(result.status == 2, "\(result.transcript)")
    let findings = try #require(try Self.json(result.stdout)["findings"] as? [[String: Any]])
    #expect(findings.count == 1)
    #expect(findings.first?["unreadable"] as? Bool == true, "\(findings)")
    #expect(findings.first?["line"] is NSNull)
  }

  @Test func githubAnnotatesEachFindingAtItsFileLineAndColumn() throws {
    let scratch = try CheckScratch()
    let bad = try scratch.write("rules/a.constraints.json", Self.badExpression)
    let versionless = try scratch.write(
      "rules/c.constraints.json",
      Self.versionless.replacingOccurrences(
        of: "\"S\"", with: "\"U\""))
    let result = try CLI.run(["lint", "--format", "github", scratch.path("rules")])
    #expect(result.status == 1, "\(result.transcript)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 3, "\(result.stdout)")
    #expect(
      lines[0].hasPrefix(
        "::error file=\(bad),line=5,col=36,title=rule bad::"), "\(lines[0])")
    // The caret follows the message on %0A-separated lines.
    #expect(lines[0].contains("%0A1 | a = 1%0A  |   ^"), "\(lines[0])")
    #expect(
      lines[1].hasPrefix(
        "::warning file=\(versionless),line=1,col=1,title=constraint lint::"
          + "no `expression_version`"),
      "\(lines[1])")
    #expect(lines[2] == "1 problem in rule files")
  }

  @Test func githubOnACleanTreeEndsWithTheCleanLine() throws {
    let result = try CLI.run(["lint", "--format", "github", "Rules/"])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stdout == "1 rule file, 10 rules (10 compiled, 0 skipped): no problems\n")
  }

  @Test func githubDataCannotForgeAWorkflowCommand() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/x\n::error::forged,title=y.constraints.json",
      ruleFileText(
        schema: "X", #"{"id": "r\n::error::x,line=9", "expression": "a == 1 garbage"}"#))
    let result = try CLI.run(["lint", "--format", "github", scratch.path("rules")])
    #expect(result.status == 1, "\(result.transcript)")
    let commands = result.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
    #expect(commands.count == 1, "\(result.stdout)")
    #expect(!commands[0].contains("\n"))
    // The file and title properties keep their commas and colons escaped.
    #expect(commands[0].contains("forged%2Ctitle=y.constraints.json"), "\(commands[0])")
    #expect(commands[0].contains("title=rule r%0A%3A%3Aerror%3A%3Ax%2Cline=9::"))
  }
}
