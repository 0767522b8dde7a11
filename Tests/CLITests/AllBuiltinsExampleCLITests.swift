import Testing

@Suite("Example: every builtin, through the CLI")
struct AllBuiltinsExampleCLITests {
  @Test func theAllBuiltinsRuleFileLintsClean() throws {
    let result = try CLI.run(["lint", "Examples/all-builtins/"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("56 rules (56 compiled, 0 skipped): no problems"))
  }

  @Test func theAllBuiltinsRuleFileChecksCleanAgainstItsDataAndContext() throws {
    let result = try CLI.run([
      "check", "Examples/all-builtins/", "--data", "Examples/all-builtins/snapshots.jsonl",
      "--context", "Examples/all-builtins/context.json",
    ])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("56 snapshots × 56 rules: 3136 passed, 0 failed, 0 errors"))
  }

  @Test func withoutContextStateTheStateBearingBuiltinsAreDeferredNotPassed() throws {
    let result = try CLI.run([
      "check", "Examples/all-builtins/", "--data", "Examples/all-builtins/snapshots.jsonl",
      "--now", "2024-06-01T12:00:00Z",
    ])
    #expect(result.status == 1)
    #expect(result.stdout.contains("3 deferred"))
  }
}
