import Foundation
import Testing

/// Rule files written for the reference evaluator, through the real binary: files without
/// `expression_version`, `check --keep-going` over a tree with broken rules, and context
/// files in the reference's format.
@Suite("constraint: rule files written for the reference")
struct CorpusCompatibilityCLITests {
  static let versionless = """
    {"schema_id": "Stake", "contract_version": "5.0.0", "constraints": [
      {"id": "immediate-zero",
       "expression": "vesting.schedule == 'immediate' => vesting.remaining_micro == '0'",
       "type_signature": {"vesting.schedule": "string",
                          "vesting.remaining_micro": "bigint_coercible"}}]}
    """

  @Test func lintWarnsAboutAMissingExpressionVersionAndExitsZero() throws {
    let scratch = try CheckScratch()
    let file = try scratch.write("stake.constraints.json", Self.versionless)
    let result = try CLI.run(["lint", file])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stderr.contains("warning[CE5010]: \(file):1:1: no `expression_version`"))
    #expect(result.stderr.contains("grammar 2.0"))
    #expect(!result.stderr.contains("error:"))
    #expect(
      result.stdout == "1 rule file, 1 rules (1 compiled, 0 skipped): no problems (1 warning)\n")
  }

  @Test func aVersionlessFileIsCheckedWithTheBigintLiteralComparedAsAnInteger() throws {
    let scratch = try CheckScratch()
    let file = try scratch.write("stake.constraints.json", Self.versionless)
    let data = try scratch.write(
      "s.jsonl",
      """
      {"vesting": {"schedule": "immediate", "remaining_micro": "0"}}
      {"vesting": {"schedule": "immediate", "remaining_micro": 0}}
      {"vesting": {"schedule": "immediate", "remaining_micro": "12"}}
      {"vesting": {"schedule": "immediate", "remaining_micro": "twelve"}}

      """)
    let result = try CLI.run(["check", file, "--data", data, "--no-explain"])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("immediate-zero  FAIL [error]  \(data):3"))
    #expect(result.stdout.contains("immediate-zero  ERROR [error]  \(data):4"))
    #expect(
      result.stdout.hasSuffix(
        "4 snapshots × 1 rule: 2 passed, 1 failed, 1 error, 0 skipped\n"))
  }

  @Test func aNonCanonicalLiteralAgainstABigintFieldIsACompileError() throws {
    let scratch = try CheckScratch()
    let file = try scratch.write(
      "r.constraints.json",
      ruleFileText(
        schema: "S",
        #"{"id": "never", "expression": "v == 'zero'", "type_signature": {"v": "bigint"}}"#))
    let result = try CLI.run(["lint", file])
    #expect(result.status == 1)
    #expect(result.stderr.contains("rule never: `'zero'` is compared with the exact integer `v`"))
    #expect(result.stderr.contains("     ^^^^^^"))
  }

  static let mixedTree = [
    (
      "a.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "ok", "expression": "n >= 0"},
        {"id": "prose", "expression": "n MUST be positive"},
        {"id": "js", "expression": "Object.keys(o).length == 0", "severity": "info"}
        """)
    ),
    (
      "b.constraints.json",
      ruleFileText(
        schema: "S", #"{"id": "typo", "expression": "lenn(xs) == 0", "severity": "warning"}"#)
    ),
  ]

  @Test func withoutKeepGoingABrokenRuleStopsTheRunBeforeAnySnapshot() throws {
    let scratch = try CheckScratch()
    for (name, text) in Self.mixedTree { try scratch.write("rules/" + name, text) }
    let data = try scratch.write("s.json", #"{"n": 1}"#)
    let result = try CLI.run(["check", scratch.path("rules"), "--data", data])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("3 problems in rule files"))
  }

  @Test func keepGoingReportsEachBrokenRuleAsAnErrorOnEverySnapshotAndChecksTheRest() throws {
    let scratch = try CheckScratch()
    for (name, text) in Self.mixedTree { try scratch.write("rules/" + name, text) }
    let data = try scratch.write("s.jsonl", "{\"n\": 1}\n{\"n\": -1}\n")
    let result = try CLI.run([
      "check", scratch.path("rules"), "--data", data, "--keep-going", "--no-explain",
    ])
    // Broken rules fail the run as rule-file problems do, whatever their severity.
    #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0.hasPrefix("prose  ERROR [error]") }.count == 2)
    #expect(lines.filter { $0.hasPrefix("js  ERROR [info]") }.count == 2)
    #expect(lines.filter { $0.hasPrefix("typo  ERROR [warning]") }.count == 2)
    // The rule that compiles is still evaluated: it fails on the second snapshot only.
    #expect(lines.contains("ok  FAIL [error]  \(data):2"))
    #expect(!lines.contains("ok  FAIL [error]  \(data):1"))
    #expect(lines.last == "2 snapshots × 4 rules: 1 passed, 1 failed, 6 errors, 0 skipped")
    let json = try CLI.run([
      "check", scratch.path("rules"), "--data", data, "--keep-going", "--format", "json",
    ])
    #expect(json.status == 2)
    #expect(
      json.stdout.contains(
        #""outcome":"error","message":"does not compile: unknown function `lenn`"#))
    #expect(json.stdout.contains(#""exit_status":2}"#))
  }

  @Test func keepGoingShowsTheCaretOfTheCompileError() throws {
    let scratch = try CheckScratch()
    for (name, text) in Self.mixedTree { try scratch.write("rules/" + name, text) }
    let data = try scratch.write("s.json", #"{"n": 1}"#)
    let result = try CLI.run([
      "check", scratch.path("rules/b.constraints.json"), "--data", data, "--keep-going",
    ])
    #expect(result.status == 2)
    #expect(result.stdout.contains("does not compile: unknown function `lenn`"))
    #expect(result.stdout.contains("lenn(xs) == 0\n"))
    #expect(result.stdout.contains("^^^^"))
  }

  @Test func keepGoingReportsAFileThatDoesNotLoadAndChecksTheOthers() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/a.constraints.json",
      ruleFileText(
        schema: "S", #"{"id": "ok", "expression": "n >= 0"}"#))
    try scratch.write("rules/broken.constraints.json", #"{"schema_id": "S", "constraints": [}"#)
    let data = try scratch.write("s.json", #"{"n": 1}"#)
    let result = try CLI.run(["check", scratch.path("rules"), "--data", data, "--keep-going"])
    #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
    #expect(result.stderr.contains("broken.constraints.json:1:"))
    #expect(result.stderr.contains("1 problem in rule files"))
    #expect(result.stdout == "1 snapshot × 1 rule: 1 passed, 0 failed, 0 errors, 0 skipped\n")
  }

  @Test func keepGoingWithEveryRuleCompilingChangesNothing() throws {
    let result = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/ok-commit.json", "--keep-going",
    ])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout == "1 snapshot × 10 rules: 10 passed, 0 failed, 0 errors, 0 skipped\n")
  }

  @Test func aReferenceFormatContextSetsTheTimeTheFlagsAndTheState() throws {
    let scratch = try CheckScratch()
    let rules = try scratch.write(
      "r.constraints.json",
      ruleFileText(
        schema: "S",
        """
        {"id": "fresh", "expression": "is_within(ts, 60)"},
        {"id": "flagged", "expression": "n > 100",
         "condition": {"when": "lenient", "override_text": "n > 0"}},
        {"id": "nonce", "expression": "nonce_unique_per_signer_window(msg, 'signer', 'nonce')"}
        """))
    let data = try scratch.write(
      "s.json",
      #"{"ts": "2026-01-01T00:00:30Z", "n": 5, "msg": {"signer": "a", "nonce": "n-2"}}"#)
    let context = try scratch.write(
      "context.json",
      """
      {"evaluation_timestamp": "2026-01-01T00:01:00Z",
       "feature_flags": {"lenient": true, "other": false},
       "nonce_window": {"window_seconds": 300, "per_signer": {"a": ["n-1"]}}}
      """)
    let result = try CLI.run(["check", rules, "--data", data, "--context", context])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout == "1 snapshot × 3 rules: 3 passed, 0 failed, 0 errors, 0 skipped\n")
    let replayed = try scratch.write(
      "replayed.json",
      """
      {"evaluation_timestamp": "2026-01-01T00:01:00Z", "feature_flags": {"lenient": false},
       "nonce_window": {"window_seconds": 300, "per_signer": [["a", ["n-2"]]]}}
      """)
    let failing = try CLI.run([
      "check", rules, "--data", data, "--context", replayed, "--no-explain",
    ])
    #expect(failing.status == 1)
    #expect(failing.stdout.contains("flagged  FAIL"))
    #expect(failing.stdout.contains("nonce  FAIL"))
    #expect(!failing.stdout.contains("fresh  FAIL"))
  }

  @Test func aMalformedReferenceContextIsRefusedBeforeAnyCheck() throws {
    let scratch = try CheckScratch()
    let data = try scratch.write("s.json", #"{"n": 1}"#)
    for (text, fragment) in [
      (#"{"evaluation_timestamp": "yesterday"}"#, "evaluation_timestamp"),
      (#"{"feature_flags": {"lenient": "yes"}}"#, "must be a boolean"),
      (#"{"feature_flags": {}, "now": "2026-01-01T00:00:00Z"}"#, "mixes"),
      (#"{"nonce_window": {"per_signer": {}}}"#, "has no `window_seconds`"),
    ] {
      let context = try scratch.write("c.json", text)
      let rules = try scratch.write(
        "r.constraints.json", ruleFileText(schema: "S", #"{"id": "n", "expression": "n > 0"}"#))
      let result = try CLI.run(["check", rules, "--data", data, "--context", context])
      #expect(result.status == 2, "\(text)")
      #expect(result.stderr.contains(fragment), "\(text): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
  }
}
