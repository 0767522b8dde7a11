import Foundation
import Testing

/// Issue 17, "stack overflow tearing down a long flat chain": long flat chains and long postfix
/// chains, whose trees are as tall as they are long, go through every command of the real
/// binary on a 1 MiB stack (as threads and containers often have) without a crash.
@Suite("long chains in the real binary")
struct LongChainCLITests {
  /// `a && a && …` with `terms` terms, spaced as the printer writes it.
  static func chain(_ terms: Int, separator: String = " && ") -> String {
    Array(repeating: "a", count: terms).joined(separator: separator)
  }

  @Test func fmtFormatsA200kTermChainOnASmallStack() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let text = Self.chain(200_000)
    let input = try scratch.write("chain.txt", "a&&" + text + "\n")
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" fmt --max-length 1048576", stdinPath: input)
    #expect(!result.signalled && result.status == 0, "\(result.summary)")
    let formatted = result.stdout == "a && " + text + "\n"
    #expect(formatted, "stdout of \(result.stdout.utf8.count) bytes")
  }

  @Test func parsePrintsALongChainOnASmallStack() throws {
    // An argument is at most 128 KiB (the kernel's limit), so 40,000 terms.
    let text = Self.chain(40_000, separator: "||")
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" parse --max-length 1048576 \"$EXPRESSION\"",
      environment: ["EXPRESSION": text])
    #expect(!result.signalled && result.status == 0, "\(result.summary)")
    let printed = result.stdout == Self.chain(40_000, separator: " || ") + "\n"
    #expect(printed, "stdout of \(result.stdout.utf8.count) bytes")
  }

  @Test func evalRejectsAChainTooLongToCheckWithoutCrashing() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("a.json", "{\"a\": true}")
    // 21,000 terms fit the default 64 KiB length and exceed the 10,000-operator chain limit.
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" eval \"$EXPRESSION\" --data \"$DATA\"",
      environment: ["EXPRESSION": Self.chain(21_000, separator: "&&"), "DATA": data])
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("expression too large"))
  }

  @Test func evalRejectsALongMemberChainWithoutCrashing() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("a.json", "{\"a\": true}")
    let path = "a" + String(repeating: ".a", count: 30_000)
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" eval \"$EXPRESSION\" --data \"$DATA\"",
      environment: ["EXPRESSION": path + " == 1", "DATA": data])
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("expression too large"))
  }

  @Test func evalOfTheLongestCheckableChainPasses() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("a.json", "{\"a\": true}")
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" eval \"$EXPRESSION\" --data \"$DATA\"",
      environment: ["EXPRESSION": Self.chain(10_001, separator: "&&"), "DATA": data])
    #expect(!result.signalled && result.status == 0, "\(result.summary)")
    #expect(result.stdout == "pass\n")
  }

  @Test func checkReportsChainRulesOfEveryLengthWithoutCrashing() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let rules = try scratch.write(
      "long.constraints.json",
      BoundedCLI.ruleFile([
        Self.chain(21_000, separator: "&&"), Self.chain(200_000, separator: "&&"),
        "a" + String(repeating: ".a", count: 30_000) + " == 1",
      ]))
    let data = try scratch.write("a.jsonl", "{\"a\": true}\n")
    let result = try BoundedCLI.run(
      "ulimit -s 1024; exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\"",
      environment: ["RULES": rules, "DATA": data])
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("rule r0: expression too large"))
    #expect(result.stderr.contains("rule r1: the expression is 599998 bytes long"))
    #expect(result.stderr.contains("rule r2: expression too large"))
  }

  @Test func maxLengthIsClampedToTheSupportedMaximum() throws {
    for command in [["parse", "a"], ["fmt"]] {
      let result = try BoundedCLI.run(
        "exec \"$CONSTRAINT\" \"$@\"".replacingOccurrences(
          of: "\"$@\"",
          with: (command + ["--max-length", "2097153"]).map { "'\($0)'" }.joined(separator: " ")))
      #expect(result.status != 0 && !result.signalled, "\(command): \(result.summary)")
      #expect(result.stderr.contains("--max-length must be between 1 and 2097152"))
    }
  }
}
