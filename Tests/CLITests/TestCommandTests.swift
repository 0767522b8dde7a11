import Foundation
import Testing

/// `constraint test`: rule files' test cases (`X.constraints.tests.jsonl`), the exit contract
/// (0 every case as expected, 1 a case not, 2 could not run) in every format, and fail-closed
/// reading of test files, through the real binary.
@Suite("constraint test: rule test files")
struct TestCommandTests {
  static let rules = ruleFileText(
    schema: "S",
    #"""
    {"id": "limit", "expression": "bigint_gte(limit, spent)", "severity": "error",
     "message": "spent within the limit"},
    {"id": "state", "expression": "state == 'ACTIVE'"}
    """#)

  static func line(_ rule: String, _ expect: String, _ data: String, extra: String = "")
    -> String
  {
    #"{"rule": "\#(rule)", "expect": "\#(expect)", "data": \#(data)\#(extra)}"#
  }

  static let goodTests =
    [
      line(
        "limit", "pass", #"{"limit": "10", "spent": "10"}"#, extra: #", "name": "at the limit""#),
      line("limit", "fail", #"{"limit": "10", "spent": "11"}"#),
      line("limit", "error", #"{"spent": "11"}"#, extra: #", "error_contains": "MISSING""#),
      line("state", "pass", #"{"state": "ACTIVE"}"#),
      line("state", "fail", #"{"state": "CLOSED"}"#),
    ].joined(separator: "\n") + "\n"

  /// One scratch tree per case: `files` written under `rules/`, `paths` given to test.
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let files: [String: String]
    var paths = ["rules"]
    var options: [String] = []
    let status: Int32
    /// Standard error must contain this (problems are listed there in every format).
    var stderr: String? = nil
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "every case as expected",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": goodTests], status: 0),
    Case(
      name: "a rule file named alone brings its test file",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": goodTests],
      paths: ["rules/a.constraints.json"], status: 0),
    Case(
      name: "a test file named alone brings its rule file",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": goodTests],
      paths: ["rules/a.constraints.tests.jsonl"], status: 0),
    Case(
      name: "suffixes in any case",
      files: ["A.Constraints.JSON": rules, "A.Constraints.Tests.JSONL": goodTests], status: 0),
    Case(
      name: "a case that expects the wrong outcome",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": goodTests
          + line("limit", "pass", #"{"limit": "1", "spent": "2"}"#),
      ], status: 1),
    Case(
      name: "an error message without the expected text",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line(
          "limit", "error", #"{"spent": "1"}"#, extra: #", "error_contains": "overflow""#),
      ], status: 1),
    Case(
      name: "uncovered rules are not failures without --require-coverage",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line("limit", "pass", #"{"limit": "1", "spent": "1"}"#),
      ], status: 0),
    Case(
      name: "uncovered rules fail with --require-coverage",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line("limit", "pass", #"{"limit": "1", "spent": "1"}"#),
      ], options: ["--require-coverage"], status: 1),
    Case(
      name: "a test naming an unknown rule",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": goodTests + line("limt", "pass", "{}"),
      ], status: 2, stderr: "no rule `limt` in"),
    Case(
      name: "an empty test file",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": ""], status: 2,
      stderr: "no test cases"),
    Case(
      name: "a test file of blank lines",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": "\n  \n\t\n"],
      status: 2, stderr: "no test cases"),
    Case(
      name: "no test file at all",
      files: ["a.constraints.json": rules], status: 2, stderr: "testing nothing is not a pass"),
    Case(
      name: "a test file without its rule file",
      files: ["a.constraints.json": rules, "b.constraints.tests.jsonl": goodTests], status: 2,
      stderr: "b.constraints.json next to this test file"),
    Case(
      name: "a missing test file named",
      files: ["a.constraints.json": rules], paths: ["rules/gone.constraints.tests.jsonl"],
      status: 2, stderr: "gone.constraints.tests.jsonl"),
    Case(
      name: "a test line that is not JSON",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": goodTests + "{\"rule\"\n"],
      status: 2, stderr: "invalid JSON"),
    Case(
      name: "a test line that is not an object",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": goodTests + "[]\n"],
      status: 2, stderr: "must be a JSON object, not an array"),
    Case(
      name: "an unknown key (a typo)",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line("limit", "pass", "{}", extra: #", "expected": "fail""#),
      ], status: 2, stderr: "unknown key \"expected\""),
    Case(
      name: "a case without expect",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": #"{"rule": "limit", "data": {}}"#,
      ], status: 2, stderr: "needs `expect`"),
    Case(
      name: "a case without data",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": #"{"rule": "limit", "expect": "pass"}"#,
      ], status: 2, stderr: "needs `data`"),
    Case(
      name: "an expectation that is no outcome",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": line("limit", "ok", "{}")],
      status: 2, stderr: "`expect` must be one of"),
    Case(
      name: "error_contains on a pass case",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line(
          "limit", "pass", "{}", extra: #", "error_contains": "x""#),
      ], status: 2, stderr: "`error_contains` goes with"),
    Case(
      name: "a name used twice",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line("limit", "pass", "{}", extra: #", "name": "n""#) + "\n"
          + line("state", "pass", "{}", extra: #", "name": "n""#),
      ], status: 2, stderr: "used twice (first on line 1)"),
    Case(
      name: "an invalid now",
      files: [
        "a.constraints.json": rules,
        "a.constraints.tests.jsonl": line("limit", "pass", "{}", extra: #", "now": "yesterday""#),
      ], status: 2, stderr: "`now`"),
    Case(
      name: "a test file with a byte order mark",
      files: ["a.constraints.json": rules, "a.constraints.tests.jsonl": "\u{FEFF}" + goodTests],
      status: 2, stderr: "byte order mark"),
    Case(
      name: "a rule file that does not compile",
      files: [
        "a.constraints.json": ruleFileText(schema: "S", #"{"id": "limit", "expression": "a = 1"}"#),
        "a.constraints.tests.jsonl": line("limit", "pass", "{}"),
      ], status: 2, stderr: "rule limit"),
  ]

  @Test(arguments: cases)
  func exitStatusInEveryFormat(_ testCase: Case) throws {
    let scratch = try CheckScratch()
    for (name, text) in testCase.files { try scratch.write("rules/\(name)", text) }
    let paths = testCase.paths.map { scratch.path($0) }
    for format in ["human", "json", "github"] {
      let result = try CLI.run(["test", "--format", format] + testCase.options + paths)
      #expect(result.status == testCase.status, "\(format): \(result.transcript)")
      if let needle = testCase.stderr {
        #expect(result.stderr.contains(needle), "\(format): \(result.transcript)")
        #expect(result.stdout.isEmpty, "\(format): nothing runs: \(result.transcript)")
      }
      if format == "json" && testCase.status != 2 {
        let document = try LintFormatTests.json(result.stdout)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["exit_status"] as? Int == Int(testCase.status), "\(result.stdout)")
      }
    }
  }

  @Test func everyShippedRuleHasAPassAndAFailCaseAndEveryCaseHolds() throws {
    let result = try CLI.run(["test", "--require-coverage", "--all", "--format", "json", "Rules/"])
    #expect(result.status == 0, "\(result.transcript)")
    let document = try LintFormatTests.json(result.stdout)
    let results = try #require(document["results"] as? [[String: Any]])
    var expectations: [String: Set<String>] = [:]
    for item in results {
      #expect(item["passed"] as? Bool == true, "\(item)")
      let rule = try #require(item["rule"] as? String)
      expectations[rule, default: []].insert(try #require(item["expect"] as? String))
    }
    // The rule ids come from the rule file itself, not from the test file.
    let rulesData = try Data(
      contentsOf: CLI.repositoryRoot.appendingPathComponent("Rules/billing.constraints.json"))
    let rules = try #require(
      (try JSONSerialization.jsonObject(with: rulesData) as? [String: Any])?["constraints"]
        as? [[String: Any]])
    #expect(rules.count == 10)
    for rule in rules {
      let id = try #require(rule["id"] as? String)
      #expect(expectations[id]?.isSuperset(of: ["pass", "fail"]) == true, "\(id)")
    }
    let summary = try #require(document["summary"] as? [String: Any])
    #expect(summary["uncovered"] as? Int == 0 && summary["failed"] as? Int == 0, "\(summary)")
  }

  @Test func humanShowsTheFailingCaseWithWhatItExpectedAndTheDecidingValues() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/a.constraints.json", Self.rules)
    let tests = try scratch.write(
      "rules/a.constraints.tests.jsonl",
      Self.goodTests
        + Self.line(
          "limit", "pass", #"{"limit": "10", "spent": "12"}"#, extra: #", "name": "over""#))
    let result = try CLI.run(["test", scratch.path("rules")])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(
      result.stdout == """
        FAIL  \(tests):6  limit  over
          expected pass, got fail
          bigint_gte(limit, spent)
                     ^^^^^  ^^^^^
                     "10"   "12"

        6 cases in 1 test file for 2 rules in 1 rule file: 5 passed, 1 failed

        """, "\(result.transcript)")
    let all = try CLI.run(["test", "--all", "--no-explain", scratch.path("rules")])
    let lines = all.stdout.split(separator: "\n")
    #expect(lines.first == "PASS  \(tests):1  limit  at the limit", "\(all.stdout)")
    #expect(lines.filter { $0.hasPrefix("PASS  ") }.count == 5, "\(all.stdout)")
    #expect(!all.stdout.contains("^^^^^"), "\(all.stdout)")
  }

  @Test func githubAnnotatesTheTestFileLineOfEachFailingCase() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/a.constraints.json", Self.rules)
    let tests = try scratch.write(
      "rules/a.constraints.tests.jsonl",
      Self.line("state", "pass", #"{"state": "ACTIVE"}"#) + "\n\n"
        + Self.line("state", "pass", #"{"state": "GONE"}"#, extra: #", "name": "gone, really""#))
    let result = try CLI.run(["test", "--format", "github", scratch.path("rules")])
    #expect(result.status == 1, "\(result.transcript)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4, "\(result.stdout)")
    #expect(
      lines[0].hasPrefix(
        "::error file=\(tests),line=3,title=test state%3A gone%2C really::expected pass, got fail"),
      "\(lines[0])")
    // Rules without a pass and a fail case are noted at their rule file line (errors with
    // --require-coverage).
    #expect(lines[1].hasPrefix("::notice file="), "\(lines[1])")
    #expect(lines[1].contains("title=rule limit not covered::no pass or fail case"), "\(lines[1])")
    #expect(lines[2].contains("title=rule state not covered::no fail case"), "\(lines[2])")
    #expect(lines[3].hasSuffix(": 1 passed, 1 failed"))
  }

  @Test func problemsNameTheTestFileLineAndColumn() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/a.constraints.json", Self.rules)
    let tests = try scratch.write(
      "rules/a.constraints.tests.jsonl",
      Self.goodTests + "\n" + #"{"rule": "nope", "expect": "pass", "data": {}}"#)
    let result = try CLI.run(["test", scratch.path("rules")])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(
      result.stderr.hasPrefix(
        "error[CE5013]: \(tests):7:10: rule nope: no rule `nope` in \(scratch.path("rules"))"
          + "/a.constraints.json (its rules: limit, state)"), "\(result.stderr)")
    #expect(result.stderr.hasSuffix("1 problem in rule and test files\n"))
  }

  @Test func flagsNowAndContextReachTheRule() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/a.constraints.json",
      ruleFileText(
        schema: "S",
        #"""
        {"id": "flagged", "expression": "a == 1",
         "condition": {"when": "strict", "override_text": "a == 2"}},
        {"id": "fresh", "expression": "is_after(now(), t)"},
        {"id": "later", "expression": "evaluator_only()", "evaluator": "runtime-deferred"}
        """#))
    try scratch.write(
      "rules/a.constraints.tests.jsonl",
      [
        Self.line("flagged", "pass", #"{"a": 1}"#),
        Self.line("flagged", "fail", #"{"a": 1}"#, extra: #", "flags": ["strict"]"#),
        Self.line("flagged", "pass", #"{"a": 2}"#, extra: #", "context": {"flags": ["strict"]}"#),
        Self.line(
          "fresh", "pass", #"{"t": "2026-01-01T00:00:00Z"}"#,
          extra: #", "now": "2026-06-01T00:00:00Z""#),
        Self.line(
          "fresh", "fail", #"{"t": "2026-01-01T00:00:00Z"}"#,
          extra: #", "context": {"now": "2025-06-01T00:00:00Z"}"#),
        Self.line("later", "skipped", "{}"),
      ].joined(separator: "\n"))
    let result = try CLI.run(["test", "--require-coverage", scratch.path("rules")])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stdout.hasSuffix(": 6 passed, 0 failed\n"), "\(result.stdout)")
  }

  @Test func checkDoesNotReadTestFilesAsSnapshots() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/a.constraints.json", Self.rules)
    try scratch.write("rules/a.constraints.tests.jsonl", Self.goodTests)
    try scratch.write("data/one.json", #"{"limit": "5", "spent": "1", "state": "ACTIVE"}"#)
    try scratch.write("data/a.constraints.tests.jsonl", Self.goodTests)
    let result = try CLI.run([
      "check", scratch.path("rules"), "--data", scratch.path("data"), "--format", "json",
    ])
    #expect(result.status == 0, "\(result.transcript)")
    let summary = try #require(
      try LintFormatTests.json(result.stdout)["summary"] as? [String: Any])
    #expect(summary["snapshots"] as? Int == 1, "\(summary)")
  }
}

/// `check --format sarif` locates each result at the snapshot (file and JSON lines line), the
/// rule's expression as the related location (the schema itself: make test-sarif).
@Suite("constraint check --format sarif")
struct CheckSARIFTests {
  @Test func resultsPointAtTheSnapshotLineAndTheRule() throws {
    let result = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/stream.jsonl", "--format", "sarif",
    ])
    #expect(result.status == 1, "\(result.transcript)")
    let log = try LintFormatTests.json(result.stdout)
    #expect(log["version"] as? String == "2.1.0")
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let results = try #require(run["results"] as? [[String: Any]])
    let lines = try results.map { item -> Int in
      let location = try #require((item["locations"] as? [[String: Any]])?.first)
      let physical = try #require(location["physicalLocation"] as? [String: Any])
      let artifact = try #require(physical["artifactLocation"] as? [String: Any])
      #expect(artifact["uri"] as? String == "Examples/snapshots/stream.jsonl")
      let related = try #require((item["relatedLocations"] as? [[String: Any]])?.first)
      let relatedArtifact = (related["physicalLocation"] as? [String: Any])?["artifactLocation"]
      #expect(
        (relatedArtifact as? [String: Any])?["uri"] as? String
          == "Rules/billing.constraints.json")
      return try #require((physical["region"] as? [String: Any])?["startLine"] as? Int)
    }
    // The same lines the JSON format names.
    let json = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/stream.jsonl", "--format", "json",
    ])
    let expected = try #require(LintFormatTests.json(json.stdout)["results"] as? [[String: Any]])
      .compactMap { ($0["snapshot"] as? [String: Any])?["line"] as? Int }
    #expect(!lines.isEmpty && lines == expected, "\(lines) \(expected)")
  }
}
