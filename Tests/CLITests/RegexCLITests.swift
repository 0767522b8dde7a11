import Foundation
import Testing

/// Regex matching in the real binary: hostile patterns end at once as errors (exit 1), and
/// format checks answer through the automaton as PCRE2 would.
@Suite("regex matching in the binary")
struct RegexCLITests {
  /// A group recursing at one subject position: PCRE2's JIT ran 35 s to over a minute on these
  /// (a fuzzed one 94 s) before its stack limit; on the interpreter, the loop ends at once.
  @Test func aRecursionLoopingInPlaceEndsAtOnceAsAnError() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("r.jsonl", "{\"s\": \"bb\"}\n{\"s\": \"xyz\"}\n")
    let rules = try scratch.write(
      "r.constraints.json",
      ruleFileText(
        schema: "R",
        #"""
        {"id": "loops", "expression": "matches(s, '^(||(?1)|)$')"},
        {"id": "loops-too", "expression": "matches(s, '^(0|a||(?1)|:|)$')"}
        """#))
    let start = ContinuousClock.now
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\"",
      timeout: .seconds(60), environment: ["RULES": rules, "DATA": data])
    let elapsed = ContinuousClock.now - start
    #expect(!result.timedOut && result.status == 1, "\(result.summary)")
    #expect(result.stdout.contains("0 passed, 0 failed, 4 errors"), "\(result.stdout)")
    #expect(result.stdout.contains("nested recursion"), "\(result.stdout.prefix(600))")
    #expect(elapsed < .seconds(10), "took \(elapsed)")
  }

  /// The billing amount format through the automaton: digits, signs, a leading zero, a final
  /// newline (`$` is the very end) and a UTF-8 digit (left to PCRE2, which refuses it too).
  @Test func aFormatCheckAnswersAsPCRE2() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let subjects = ["0", "-25373", "4615034474", "-0", "007", "12\\n", "", "1a", "١٢"]
    let lines = subjects.map { "{\"s\": \"\($0)\"}" }.joined(separator: "\n") + "\n"
    let data = try scratch.write("f.jsonl", lines)
    let rules = try scratch.write(
      "f.constraints.json",
      ruleFileText(
        schema: "F", #"{"id": "amount", "expression": "matches(s, '^(0|-?[1-9][0-9]*)$')"}"#))
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" --format jsonl",
      timeout: .seconds(60), environment: ["RULES": rules, "DATA": data])
    #expect(!result.timedOut && result.status == 1, "\(result.summary)")
    let failedLines = result.stdout.split(separator: "\n").compactMap { line -> Int? in
      guard
        let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        event["outcome"] as? String == "fail",
        let snapshot = event["snapshot"] as? [String: Any]
      else { return nil }
      return snapshot["line"] as? Int
    }
    #expect(failedLines == [4, 5, 6, 7, 8, 9], "\(result.stdout.prefix(1_500))")
  }
}
