import Foundation
import Testing

/// Issue 17, "work proportional to the data inside a quantifier", in the real binary: an
/// operation whose cost grows with its operands, repeated by a quantifier over a large array,
/// ends with the evaluation step limit instead of running for hours. Before the data was
/// metered, each of these took from tens of seconds to hours (the first, 48 s in a release
/// build); the deadlines are generous for a loaded machine and a debug build.
@Suite("data work in quantifiers is bounded")
struct DataMeteringCLITests {
  /// `items.every(x => s == t)` with two equal 1 MiB strings and 100,000 elements: each `==`
  /// compares 1 MiB.
  @Test func comparingLongStringsInAQuantifierEndsAtTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let long = String(repeating: "s", count: 1 << 20)
    let data = try scratch.write(
      "g.json", "{\"s\": \"\(long)\", \"t\": \"\(long)\", \"items\": \(Self.zeros(100_000))}")
    try Self.expectStepLimit("items.every(x => s == t)", data: data)
  }

  /// The same shape against a rule file with `check`, ordering instead of equality.
  @Test func checkOfAnOrderingOfLongStringsEndsAtTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let long = String(repeating: "s", count: 1 << 20)
    let data = try scratch.write(
      "g.jsonl", "{\"s\": \"\(long)\", \"t\": \"\(long)\", \"items\": \(Self.zeros(100_000))}\n")
    let rules = try scratch.write(
      "g.constraints.json",
      ruleFileText(schema: "G", #"{"id": "g", "expression": "items.every(x => s <= t)"}"#))
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" --jobs 1",
      timeout: .seconds(120), environment: ["RULES": rules, "DATA": data])
    // A rule that ends in an error does not hold: exit status 1.
    #expect(!result.timedOut && result.status == 1, "\(result.summary)")
    #expect(
      result.stdout.contains("evaluation step limit exceeded"),
      "\(result.stdout.prefix(600))")
  }

  /// `bigint_sum` over the quantified array itself: 100,000 elements summed per element.
  @Test func aBuiltinOverALargeArrayInAQuantifierEndsAtTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("sum.json", "{\"items\": \(Self.zeros(100_000))}")
    try Self.expectStepLimit("items.every(x => bigint_sum(items) >= 0)", data: data)
    try Self.expectStepLimit("items.every(x => unique(items) || true)", data: data)
  }

  /// `in` scanning the whole array for each element.
  @Test func membershipInALargeArrayInAQuantifierEndsAtTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("in.json", "{\"items\": \(Self.zeros(100_000))}")
    try Self.expectStepLimit("items.every(x => !(-1 in items))", data: data)
  }

  /// A regex that backtracks to PCRE2's match limit on every element (~0.2 ms each).
  @Test func aBacktrackingRegexInAQuantifierEndsAtTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write(
      "re.json",
      "{\"s\": \"\(String(repeating: "a", count: 30))b\", \"items\": \(Self.zeros(100_000))}")
    try Self.expectStepLimit("items.every(x => matches(s, '^(a+)+$'))", data: data)
    try Self.expectStepLimit("items.every(x => matches(s, '(a+)+$'))", data: data)
  }

  static func zeros(_ count: Int) -> String {
    "[" + Array(repeating: "0", count: count).joined(separator: ",") + "]"
  }

  static func expectStepLimit(
    _ rule: String, data: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" eval \"$RULE\" --data \"$DATA\"",
      timeout: .seconds(120), environment: ["RULE": rule, "DATA": data])
    #expect(
      !result.timedOut && result.status == 2, "\(rule): \(result.summary)",
      sourceLocation: sourceLocation)
    #expect(
      result.stdout.contains("evaluation step limit exceeded (1000000 steps"),
      "\(rule): \(result.stdout.prefix(600))", sourceLocation: sourceLocation)
  }
}
