import ConstraintEngine
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A fresh directory for rule files and snapshots, removed when the test ends.
final class CheckScratch {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("constraint-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// Writes `text` at `name` (directories created) and returns the full path.
  @discardableResult
  func write(_ name: String, _ text: String) throws -> String {
    let file = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: file)
    return file.path
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A rule file for schema `schema` holding `rules` (JSON objects, comma-separated).
func ruleFileText(schema: String, _ rules: String) -> String {
  """
  {
    "schema_id": "\(schema)",
    "expression_version": "2.0",
    "constraints": [
      \(rules)
    ]
  }

  """
}

/// Runs `constraint` with `arguments` from the repository root.
private func run(_ arguments: [String], stdin: String? = nil) throws -> CLI.Result {
  try CLI.run(arguments, stdin: stdin)
}

@Suite("constraint check")
struct CheckCommandTests {
  @Test func exitStatusZeroWhenEveryRulePasses() throws {
    let result = try run(["check", "Rules/", "--data", "Examples/snapshots/ok-commit.json"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout == "1 snapshot × 10 rules: 10 passed, 0 failed, 0 errors, 0 skipped\n")
  }

  @Test func exitStatusOneWhenARuleFails() throws {
    let result = try run(["check", "Rules/", "--data", "Examples/snapshots/overspent.json"])
    #expect(result.status == 1)
    #expect(
      result.stdout.hasPrefix(
        """
        budget_conservation  FAIL [error]  Examples/snapshots/overspent.json
          spent must never exceed the budget limit
          bigint_gte(budget.limit_micro, budget.spent_micro)
                     ^^^^^^^^^^^^^^^^^^  ^^^^^^^^^^^^^^^^^^
                     1000000             1000001

        """))
    #expect(
      result.stdout.hasSuffix("1 snapshot × 10 rules: 9 passed, 1 failed, 0 errors, 0 skipped\n"))
  }

  @Test func noExplainPrintsOneLinePerResult() throws {
    let result = try run([
      "check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--no-explain",
    ])
    #expect(result.status == 1)
    #expect(
      result.stdout == """
        budget_conservation  FAIL [error]  Examples/snapshots/overspent.json
        1 snapshot × 10 rules: 9 passed, 1 failed, 0 errors, 0 skipped

        """)
  }

  @Test func everyShippedRuleIsViolatedByAnExample() throws {
    let result = try run([
      "check", "Rules/", "--data", "Examples/snapshots/", "--format", "json",
    ])
    #expect(result.status == 1)
    let document = try JSONReader.read(result.stdout)
    guard case .array(let rules) = document["rules"], case .array(let results) = document["results"]
    else {
      Issue.record("no rules or results")
      return
    }
    let failed = Set(
      results.compactMap { result -> String? in
        guard case .string(let rule) = result["rule"] else { return nil }
        return rule
      })
    let all = rules.compactMap { rule -> String? in
      guard case .string(let id) = rule["id"] else { return nil }
      return id
    }
    #expect(all.count == 10)
    #expect(Set(all).subtracting(failed).isEmpty, "never violated: \(Set(all).subtracting(failed))")
  }

  @Test func aBrokenRuleFileIsReportedWithFileRuleAndCaret() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "bad.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "fine", "expression": "a == 1"},
            {"id": "broken", "expression": "a == 1 garbage"},
            {"id": "worse", "expression": "nope(a)", "severity": "fatal"}
        """))
    let data = try scratch.write("d.json", #"{"a": 1}"#)
    let result = try run(["check", rules, "--data", data])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr.contains(
        "error[CE5008]: \(rules):7:58: rule worse: unknown severity \"fatal\""))
    // The structural error stops that file; fix it and the expression errors show.
    try scratch.write(
      "bad.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "fine", "expression": "a == 1"},
            {"id": "broken", "expression": "a == 1 garbage"},
            {"id": "worse", "expression": "nope(a)"}
        """))
    let second = try run(["check", rules, "--data", data])
    #expect(second.status == 2)
    #expect(
      second.stderr.contains(
        """
        error[CE1112]: \(rules):6:44: rule broken: unexpected `garbage` after the end of the \
        expression
         --> \(rules) [broken]:1:8
          |
        1 | a == 1 garbage
          |        ^^^^^^^
        """), "\(second.stderr)")
    #expect(
      second.stderr.contains("error[CE2005]: \(rules):7:36: rule worse: unknown function `nope`"),
      "\(second.stderr)")
    #expect(second.stderr.hasSuffix("2 problems in rule files\n"))
  }

  @Test func missingRulesOrDataExitTwo() throws {
    let noRules = try run(["check", "/nonexistent/rules", "--data", "Examples/snapshots/"])
    #expect(noRules.status == 2)
    #expect(noRules.stderr.contains("/nonexistent/rules: no such file or directory"))
    let noData = try run(["check", "Rules/", "--data", "/nonexistent/data.json"])
    #expect(noData.status == 2)
    #expect(noData.stderr.contains("--data /nonexistent/data.json: no such file or directory"))
    let scratch = try CheckScratch()
    try scratch.write("empty/readme.txt", "no snapshots here")
    let empty = try run(["check", "Rules/", "--data", scratch.path("empty")])
    #expect(empty.status == 2)
    #expect(empty.stderr.contains("no .json, .jsonl or .ndjson files in directory"))
  }

  @Test func unreadableSnapshotsExitTwoAndTheRestIsChecked() throws {
    let scratch = try CheckScratch()
    let ok = try String(
      contentsOfFile: CLI.repositoryRoot.path + "/Examples/snapshots/stream.jsonl", encoding: .utf8)
      .split(separator: "\n")[0]
    let data = try scratch.write("s.jsonl", "\(ok)\n{\"a\": 01}\n\(ok)\n")
    let result = try run(["check", "Rules/", "--data", data, "--no-explain"])
    #expect(result.status == 2)
    #expect(result.stdout.contains("unreadable  \(data):2: "))
    #expect(
      result.stdout.contains(
        "2 snapshots × 10 rules: 20 passed, 0 failed, 0 errors, 0 skipped, 1 unreadable"))
  }

  @Test func skippedRulesAreCountedAndListed() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "s.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "real", "expression": "a == 1"},
            {"id": "prose", "expression": "Checked elsewhere.", "evaluator": "runtime-deferred"},
            {"id": "db", "expression": "a == 2", "evaluation_geometry": "native"}
        """))
    let data = try scratch.write("d.jsonl", "{\"a\": 1}\n{\"a\": 1}\n")
    let result = try run(["check", rules, "--data", data])
    #expect(result.status == 0)
    #expect(
      result.stdout == """
        skipped  prose  (evaluator: runtime-deferred)  \(rules):6
        skipped  db  (evaluation_geometry: native)  \(rules):7
        2 snapshots × 3 rules: 2 passed, 0 failed, 0 errors, 4 skipped

        """)
  }

  @Test func dataBoundToASchemaIsCheckedOnlyAgainstItsRules() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/a.constraints.json",
      ruleFileText(schema: "A", #"{"id": "a_rule", "expression": "x == 1"}"#))
    try scratch.write(
      "rules/b/b.constraints.json",
      ruleFileText(schema: "B", #"{"id": "b_rule", "expression": "y == 1"}"#))
    let data = try scratch.write("a.json", #"{"x": 1}"#)
    let rules = scratch.path("rules")
    let bound = try run(["check", rules, "--data", "A=\(data)"])
    #expect(bound.status == 0, "\(bound.stdout)\(bound.stderr)")
    #expect(bound.stdout == "1 snapshot × 2 rules: 1 passed, 0 failed, 0 errors, 0 skipped\n")
    let unbound = try run(["check", rules, "--data", data, "--no-explain"])
    #expect(unbound.status == 1)
    #expect(unbound.stdout.hasPrefix("b_rule  FAIL [error]  \(data)\n"))
    let wrong = try run(["check", rules, "--data", "B=\(data)", "--no-explain"])
    #expect(wrong.status == 1)
    let unknown = try run(["check", rules, "--data", "C=\(data)"])
    #expect(unknown.status == 2)
    #expect(
      unknown.stderr.contains("`C` is not the schema_id of a loaded rule file (loaded: A, B)"))
  }

  @Test func standardInputIsReadAsJSONLines() throws {
    let stream = try String(
      contentsOfFile: CLI.repositoryRoot.path + "/Examples/snapshots/stream.jsonl", encoding: .utf8)
    let result = try run(["check", "Rules/", "--data", "-", "--no-explain"], stdin: stream)
    #expect(result.status == 1)
    #expect(
      result.stdout == """
        cost_non_negative  FAIL [error]  <stdin>:4
        entitlement_valid  FAIL [error]  <stdin>:7
        10 snapshots × 10 rules: 98 passed, 2 failed, 0 errors, 0 skipped

        """)
  }

  @Test func maxFailuresStopsAndStillSummarizes() throws {
    let result = try run([
      "check", "Rules/", "--data", "Examples/snapshots/", "--max-failures", "2", "--no-explain",
    ])
    #expect(result.status == 1)
    #expect(
      result.stdout == """
        micro_usd_format  FAIL [error]  Examples/snapshots/leading-zero-posting.json
        cost_non_negative  FAIL [error]  Examples/snapshots/negative-cost.json
        stopped after 2 failing results (--max-failures)
        2 snapshots × 10 rules: 10 passed, 2 failed, 0 errors, 0 skipped

        """)
  }

  @Test func warningsFailOnlyWhenStrictAndInfoNever() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "w.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "soft", "expression": "a == 1", "severity": "warning"},
            {"id": "note", "expression": "a == 3", "severity": "info"}
        """))
    let data = try scratch.write("d.json", #"{"a": 2}"#)
    let lenient = try run(["check", rules, "--data", data, "--no-explain"])
    #expect(lenient.status == 0)
    #expect(lenient.stdout.hasPrefix("soft  FAIL [warning]  \(data)\nnote  FAIL [info]  \(data)\n"))
    let strict = try run(["check", rules, "--data", data, "--strict"])
    #expect(strict.status == 1)
    try scratch.write("d.json", #"{"a": 1}"#)
    #expect(try run(["check", rules, "--data", data, "--strict"]).status == 0)
  }

  @Test func flagsSwitchConditionalRulesToTheirOverride() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "f.constraints.json",
      ruleFileText(
        schema: "S",
        #"{"id": "limit", "expression": "n <= 10", "#
          + #""condition": {"when": "tight", "override_text": "n <= 5"}}"#
      ))
    let data = try scratch.write("d.json", #"{"n": 7}"#)
    #expect(try run(["check", rules, "--data", data]).status == 0)
    let tight = try run(["check", rules, "--data", data, "--flag", "tight"])
    #expect(tight.status == 1)
    #expect(tight.stdout.contains("  n <= 5\n  ^\n  7"), "\(tight.stdout)")
    let context = try scratch.write("ctx.json", #"{"flags": ["tight"]}"#)
    #expect(try run(["check", rules, "--data", data, "--context", context]).status == 1)
  }

  @Test func nowComesFromTheOption() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "t.constraints.json",
      ruleFileText(schema: "S", #"{"id": "fresh", "expression": "is_before(at, now())"}"#))
    let data = try scratch.write("d.json", #"{"at": "2026-01-01T00:00:00Z"}"#)
    let before = try run(["check", rules, "--data", data, "--now", "2025-06-01T00:00:00Z"])
    #expect(before.status == 1)
    let after = try run(["check", rules, "--data", data, "--now", "2027-06-01T00:00:00Z"])
    #expect(after.status == 0)
  }

  @Test func parallelOutputIsIdenticalToASequentialRun() throws {
    let scratch = try CheckScratch()
    var lines: [String] = []
    for index in 0..<1500 {
      let spent = index % 7 == 0 ? "1000001" : "\(index)"
      let cost = index % 11 == 0 ? "-\(index)" : "\(index)"
      let state = index % 13 == 0 ? "SUSPENDED" : "ACTIVE"
      lines.append(
        #"{"budget":{"limit_micro":"1000000","spent_micro":"\#(spent)"},"cost_micro":"\#(cost)","#
          + #""entitlement":{"state":"\#(state)"}}"#)
      if index % 500 == 0 { lines.append("{broken") }
    }
    let data = try scratch.write("big.jsonl", lines.joined(separator: "\n") + "\n")
    let rules = try scratch.write(
      "p.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "budget", "expression": "bigint_gte(budget.limit_micro, budget.spent_micro)"},
            {"id": "cost", "expression": "bigint_gte(cost_micro, 0)"},
            {"id": "state", "expression": "entitlement.state == 'ACTIVE'"}
        """))
    for format in ["human", "json"] {
      let base = ["check", rules, "--data", data, "--format", format, "--all"]
      let sequential = try run(base + ["--jobs", "1"])
      let parallel = try run(base + ["--jobs", "4", "--batch-lines", "7"])
      #expect(sequential.status == 2)
      #expect(parallel.status == sequential.status)
      #expect(parallel.stdout == sequential.stdout)
      #expect(sequential.stdout.utf8.count > 50_000)
    }
    let stopped = try run(
      ["check", rules, "--data", data, "--max-failures", "100", "--jobs", "3", "--batch-lines", "5"]
    )
    let stoppedSequential = try run(
      ["check", rules, "--data", data, "--max-failures", "100", "--jobs", "1"])
    #expect(stopped.stdout == stoppedSequential.stdout)
    #expect(stopped.stdout.contains("stopped after 100 failing results"))
  }

  /// Without `--all`, workers send back only the counts of snapshots whose rules all passed
  /// (or were skipped): the summary and the results listed must be those of the full walk
  /// (`--all`, every pair reported) and the same for any number of jobs and batch size.
  @Test func passingSnapshotsSummarisedByCountsMatchTheFullWalk() throws {
    let scratch = try CheckScratch()
    var lines: [String] = []
    for index in 0..<900 {
      switch index % 97 {
      case 5: lines.append("{broken")
      case 6: lines.append("   ")
      case 7: lines.append(#"{"a": 1, "a": 2}"#)
      default:
        let a = index % 31 == 0 ? 2 : 1
        // `b` missing makes `bigint_gte(b, 0)` an error; negative makes it fail.
        let b = index % 43 == 0 ? "" : #", "b": "\#(index % 37 == 0 ? -index : index)""#
        lines.append(#"{"a": \#(a)\#(b)}"#)
      }
    }
    let data = try scratch.write("mixed.jsonl", lines.joined(separator: "\r\n") + "\n")
    let rules = try scratch.write(
      "m.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "one", "expression": "a == 1", "severity": "warning"},
            {"id": "prose", "expression": "Checked elsewhere.", "evaluator": "runtime-deferred"},
            {"id": "positive", "expression": "bigint_gte(b, 0)"}
        """))
    let full = try run(["check", rules, "--data", data, "--all", "--no-explain", "--jobs", "1"])
    #expect(full.status == 2)
    let fullLines = full.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    let summary = try #require(fullLines.dropLast().last)
    #expect(summary.hasPrefix("870 snapshots × 3 rules: "), "\(summary)")
    #expect(summary.hasSuffix(" 870 skipped, 20 unreadable"), "\(summary)")
    for token in ["failed", "errors"] {
      #expect(!summary.contains(" 0 \(token)"), "\(summary)")
    }
    let notPassing = fullLines.filter { !$0.contains("  PASS [") }.joined(separator: "\n")
    for jobs in ["1", "2", "3"] {
      for batch in ["1", "7", "1024"] {
        let options = ["--jobs", jobs, "--batch-lines", batch]
        let human = try run(["check", rules, "--data", data, "--no-explain"] + options)
        #expect(human.status == 2)
        #expect(human.stdout == notPassing, "jobs \(jobs), batch \(batch)")
        let strict = try run(["check", rules, "--data", data, "--strict"] + options)
        let strictFull = try run(["check", rules, "--data", data, "--strict", "--all"] + options)
        #expect(strict.status == strictFull.status)
        let strictSummary = strict.stdout.split(separator: "\n").last
        #expect(strictSummary == strictFull.stdout.split(separator: "\n").last)
        let stopped = try run(
          ["check", rules, "--data", data, "--max-failures", "20", "--no-explain"] + options)
        let stoppedFull = try run(
          ["check", rules, "--data", data, "--max-failures", "20", "--no-explain", "--all"]
            + options)
        #expect(stopped.status == stoppedFull.status)
        #expect(
          stopped.stdout
            == stoppedFull.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("  PASS [") }.joined(separator: "\n"))
        for format in ["json", "github"] {
          let sequential = try run(
            ["check", rules, "--data", data, "--format", format, "--jobs", "1"])
          let parallel = try run(["check", rules, "--data", data, "--format", format] + options)
          #expect(parallel.stdout == sequential.stdout, "\(format), jobs \(jobs), batch \(batch)")
          #expect(parallel.status == 2)
        }
      }
    }
    let json = try run(["check", rules, "--data", data, "--format", "json", "--jobs", "2"])
    let jsonFull = try run(["check", rules, "--data", data, "--format", "json", "--all"])
    let document = try JSONReader.read(json.stdout)
    let documentFull = try JSONReader.read(jsonFull.stdout)
    #expect(
      JSONWriter.canonical(document["summary"]) == JSONWriter.canonical(documentFull["summary"]))
  }

  /// Each worker thread compiles its own copy of the rules: flags (overrides) and the
  /// evaluation time must hold there as on the main thread.
  @Test func workersCheckUnderTheSameFlagsAndTime() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "f.constraints.json",
      ruleFileText(
        schema: "S",
        #"{"id": "limit", "expression": "n <= 10", "#
          + #""condition": {"when": "tight", "override_text": "n <= 5"}},"#
          + #"{"id": "fresh", "expression": "is_before(at, now())"}"#))
    let lines = (0..<200).map { index in
      #"{"n": \#(index % 12), "at": "\#(index % 3 == 0 ? "2027" : "2025")-01-01T00:00:00Z"}"#
    }
    let data = try scratch.write("d.jsonl", lines.joined(separator: "\n"))
    let options = [
      "--flag", "tight", "--now", "2026-06-01T00:00:00Z", "--no-explain", "--batch-lines", "9",
    ]
    let sequential = try run(["check", rules, "--data", data, "--jobs", "1"] + options)
    let parallel = try run(["check", rules, "--data", data, "--jobs", "2"] + options)
    #expect(sequential.status == 1)
    #expect(parallel.stdout == sequential.stdout)
    #expect(
      sequential.stdout.hasSuffix(
        "200 snapshots × 2 rules: 235 passed, 165 failed, 0 errors, 0 skipped\n"),
      "\(sequential.stdout.split(separator: "\n").last ?? "")")
  }

  @Test func evaluationErrorsShowTheCaretAndFailTheRun() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "e.constraints.json",
      ruleFileText(
        schema: "S",
        #"{"id": "typed", "expression": "n > 0", "type_signature": {"n": "bigint"}}"#))
    let data = try scratch.write("d.json", #"{"n": "12x"}"#)
    let result = try run(["check", rules, "--data", data])
    #expect(result.status == 1)
    #expect(
      result.stdout == """
        typed  ERROR [error]  \(data)
          error[CE3004]: `n` is declared bigint, but holds the string "12x"
           --> \(rules) [typed]:1:1
            |
          1 | n > 0
            | ^

        1 snapshot × 1 rule: 0 passed, 0 failed, 1 error, 0 skipped

        """)
  }

  @Test func junitIsWellFormedWithOneTestCasePerRuleAndSnapshot() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "j.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "holds", "expression": "a >= 0"},
            {"id": "small", "expression": "a < 5", "message": "a & b <must> be \\"small\\""},
            {"id": "needs_b", "expression": "b > 0"},
            {"id": "prose", "expression": "checked elsewhere", "evaluator": "runtime-deferred"}
        """))
    let data = try scratch.write("d.jsonl", "{\"a\": 1}\n{\"a\": 9, \"b\": 1}\n{\"a\": 7}\n")
    let result = try run(["check", rules, "--data", data, "--format", "junit"])
    #expect(result.status == 1)
    let document = try XMLDocument(data: Data(result.stdout.utf8), options: [])
    let root = try #require(document.rootElement())
    #expect(root.name == "testsuites")
    let suites = root.elements(forName: "testsuite")
    #expect(suites.count == 3)
    let cases = try document.nodes(forXPath: "//testcase")
    #expect(cases.count == 12)
    #expect(try document.nodes(forXPath: "//testcase/failure").count == 2)
    #expect(try document.nodes(forXPath: "//testcase/error").count == 2)
    #expect(try document.nodes(forXPath: "//testcase/skipped").count == 3)
    var totals = (tests: 0, failures: 0, errors: 0, skipped: 0)
    for suite in suites {
      totals.tests += Int(suite.attribute(forName: "tests")?.stringValue ?? "") ?? -100
      totals.failures += Int(suite.attribute(forName: "failures")?.stringValue ?? "") ?? -100
      totals.errors += Int(suite.attribute(forName: "errors")?.stringValue ?? "") ?? -100
      totals.skipped += Int(suite.attribute(forName: "skipped")?.stringValue ?? "") ?? -100
    }
    #expect(totals == (12, 2, 2, 3))
    let failure = try #require(try document.nodes(forXPath: "//failure").first as? XMLElement)
    #expect(failure.attribute(forName: "message")?.stringValue == #"a & b <must> be "small""#)
    #expect(failure.stringValue?.contains("a < 5\n^\n9") == true, "\(failure.stringValue ?? "")")
    #expect(suites[1].attribute(forName: "name")?.stringValue == "\(data):2")
  }

  @Test func githubAnnotationsPointAtTheRuleFileLine() throws {
    let result = try run([
      "check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--format", "github",
    ])
    #expect(result.status == 1)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(
      lines[0].hasPrefix(
        "::error file=Rules/billing.constraints.json,line=9,col=21,title=budget_conservation FAIL"
          + "::Examples/snapshots/overspent.json: spent must never exceed the budget limit%0A"))
    #expect(lines[1] == "1 snapshot × 10 rules: 9 passed, 1 failed, 0 errors, 0 skipped")
  }
}

@Suite("constraint lint")
struct LintCommandTests {
  @Test func theShippedRulesLintClean() throws {
    let result = try run(["lint", "Rules/"])
    #expect(result.status == 0)
    #expect(result.stdout == "1 rule file, 10 rules (10 compiled, 0 skipped): no problems\n")
  }

  @Test func problemsAreListedWithCaretsAndExitOne() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "l.constraints.json",
      ruleFileText(schema: "S", #"{"id": "bad", "expression": "a = 1"}"#))
    let result = try run(["lint", rules])
    #expect(result.status == 1)
    #expect(result.stderr.contains("rule bad:"))
    #expect(result.stderr.contains("1 | a = 1\n  |   ^"), "\(result.stderr)")
  }

  @Test func portableReportsEveryExtensionWithACaret() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "p.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "ext",
             "expression": "a + 1 > -b && c in [1, 2] && d.some(x => x > 0) && bigint_lt(e, 1)"},
            {"id": "plain", "expression": "a.every(x => x > 0) && bigint_gte(e, 1)"}
        """))
    #expect(try run(["lint", rules]).status == 0)
    let result = try run(["lint", "--portable", rules])
    #expect(result.status == 1)
    #expect(result.stderr.contains("1 | a + 1 > -b && c in [1, 2] && d.some(x => x > 0)"))
    // Column and width of `+`, unary `-`, `in`, `some`, `bigint_lt`.
    let carets = [(3, 1), (9, 1), (17, 2), (32, 4), (52, 9)].map { column, width in
      "  | " + String(repeating: " ", count: column - 1) + String(repeating: "^", count: width)
        + "\n"
    }
    for caret in carets { #expect(result.stderr.contains(caret), "\(caret)\n\(result.stderr)") }
    #expect(result.stderr.hasSuffix("5 non-portable uses in 1 rule file\n"))
    #expect(!result.stderr.contains("rule plain"))
  }
}
