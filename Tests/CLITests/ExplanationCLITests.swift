import Foundation
import Testing

/// Issue 17, "quadratic explanation", in the real binary: `check` (which explains by default)
/// reports a failing 10,000-term `||` on 50 snapshots quickly, with a short report each.
@Suite("check explains long disjunctions in bounded time and output")
struct ExplanationCLITests {
  @Test func aFailing10kTermDisjunctionIsReportedBriefly() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let expression = Array(repeating: "a", count: 10_000).joined(separator: "||")
    let rules = try scratch.write("or.constraints.json", BoundedCLI.ruleFile([expression]))
    let data = try scratch.write(
      "a.jsonl", String(repeating: "{\"a\": false}\n", count: 50))
    // Quadratic rendering took about 0.9 s per snapshot in a release build.
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" --jobs 1",
      timeout: .seconds(30), environment: ["RULES": rules, "DATA": data])
    #expect(!result.timedOut && result.status == 1, "\(result.summary)")
    #expect(result.stdout.contains("… and 9900 more values not shown"))
    // Each failure's block: the rule line, the cropped expression, carets and values.
    #expect(result.stdout.utf8.count < 50 * 4_000, "\(result.stdout.utf8.count) bytes")
    #expect(
      result.stdout.hasSuffix("50 snapshots × 1 rule: 0 passed, 50 failed, 0 errors, 0 skipped\n"))
  }
}
