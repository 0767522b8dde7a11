import Foundation
import Testing

@Suite("constraint eval")
struct EvalCommandTests {
  @Test func theIssueExampleFailsAndExplainsBothValues() throws {
    let input = #"{"limit":"1000","spent":"1001"}"# + "\n"
    let plain = try CLI.run(["eval", "bigint_gte(limit, spent)", "--data", "-"], stdin: input)
    #expect(plain.status == 1)
    #expect(plain.stdout == "fail\n")
    let explained = try CLI.run(
      ["eval", "bigint_gte(limit, spent)", "--data", "-", "--explain"], stdin: input)
    #expect(explained.status == 1)
    #expect(
      explained.stdout == """
        fail
          bigint_gte(limit, spent)
                     ^^^^^  ^^^^^
                     "1000" "1001"

        """)
  }

  @Test func declaredTypesShowIntegersUnderTheSpans() throws {
    let result = try CLI.run(
      [
        "eval", "budget.spent_micro <= budget.limit_micro", "--data",
        "Examples/snapshots/overspent.json", "--type", "budget.spent_micro=bigint",
        "--type", "budget.limit_micro=bigint", "--explain",
      ])
    #expect(result.status == 1)
    #expect(result.stdout.contains("1000001               1000000"))
  }

  @Test func oneLinePerSnapshotAndTheWorstStatusWins() throws {
    let input = """
      {"a": 1}
      {"a": -1}

      {"b": 1}
      not json
      """
    let result = try CLI.run(["eval", "a > 0", "--data", "-"], stdin: input)
    #expect(result.status == 2)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[0] == "pass")
    #expect(lines[1] == "fail")
    #expect(lines[2] == "error[CE3002]: missing value at `a`")
    #expect(lines[3].hasPrefix("error[CE4001]: <stdin>:5: "))
  }

  /// JSON lines of every kind, and what `eval "a > 0"` prints for each snapshot (the
  /// unreadable ones as a prefix): passes in runs, failures, errors, malformed and blank lines.
  static func mixedLines(_ count: Int, name: String) -> (input: String, expected: [String]) {
    var lines: [String] = []
    var expected: [String] = []
    for index in 0..<count {
      switch index % 10 {
      case 0...5:
        lines.append(#"{"a": \#(index + 1), "pad": "é\#(index)"}"#)
        expected.append("pass")
      case 6:
        lines.append(#"{"a": -\#(index)}"#)
        expected.append("fail")
      case 7:
        lines.append(#"{"b": 1}"#)
        expected.append("error[CE3002]: missing value at `a`")
      case 8:
        lines.append(#"{"a": "#)
        expected.append("error[CE4001]: \(name):\(index + 1): ")
      default:
        lines.append("")
      }
    }
    return (lines.joined(separator: "\n") + "\n", expected)
  }

  @Test(arguments: [1, 2, 3, 8])
  func everyJobCountPrintsTheSameLinesInInputOrder(jobs: Int) throws {
    let (input, expected) = Self.mixedLines(2_503, name: "<stdin>")
    let result = try CLI.run(
      ["eval", "a > 0", "--data", "-", "--jobs", "\(jobs)", "--batch-lines", "7"],
      stdin: input)
    #expect(result.status == 2)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      .dropLast().map(String.init)
    #expect(lines.count == expected.count)
    for (line, want) in zip(lines, expected) where !line.hasPrefix(want) {
      Issue.record("expected `\(want)…`, got `\(line)`")
      break
    }
    let explained = try CLI.run(
      ["eval", "a > 0", "--data", "-", "--jobs", "\(jobs)", "--batch-lines", "7", "--explain"],
      stdin: input)
    let single = try CLI.run(
      ["eval", "a > 0", "--data", "-", "--jobs", "1", "--explain"], stdin: input)
    #expect(explained.stdout == single.stdout)
    #expect(explained.stdout.contains("  a > 0\n  ^\n"))
    #expect(explained.status == single.status)
  }

  @Test func aJobCountBelowOneIsAUsageError() throws {
    for option in ["--jobs", "--batch-lines"] {
      let result = try CLI.run(
        ["eval", "a > 0", "--data", "-", option, "0"], stdin: #"{"a": 1}"# + "\n")
      #expect(result.status == 2)
      #expect(result.stdout.isEmpty)
      #expect(result.stderr.contains("--jobs and --batch-lines must be ≥ 1"))
    }
  }

  @Test func aCompileErrorIsRenderedWithACaretAndExitsTwo() throws {
    let result = try CLI.run(["eval", "a == 1 garbage", "--data", "-"], stdin: "{}\n")
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    let sourceLine = try #require(lines.firstIndex { $0.hasSuffix("| a == 1 garbage") })
    let caretLine = lines[sourceLine + 1]
    let column = try #require(caretLine.firstIndex(of: "^"))
    let sourceColumn = try #require(lines[sourceLine].range(of: "garbage")?.lowerBound)
    #expect(
      caretLine.distance(from: caretLine.startIndex, to: column)
        == lines[sourceLine].distance(from: lines[sourceLine].startIndex, to: sourceColumn))
  }

  @Test func anExpressionStartingWithMinusFollowsTheDoubleDash() throws {
    let result = try CLI.run(["eval", "--data", "-", "--", "-a < 0"], stdin: #"{"a": 2}"#)
    #expect(result.status == 0)
    #expect(result.stdout == "pass\n")
  }

  @Test func nowSetsTheEvaluationTime() throws {
    let input = #"{"at": "2026-01-01T00:00:00Z"}"#
    let before = try CLI.run(
      ["eval", "is_before(at, now())", "--data", "-", "--now", "2025-12-31T23:59:59Z"],
      stdin: input)
    #expect(before.stdout == "fail\n")
    let after = try CLI.run(
      ["eval", "is_before(at, now())", "--data", "-", "--now", "2026-01-01T00:00:01Z"],
      stdin: input)
    #expect(after.stdout == "pass\n")
  }

  @Test func aBadTypeDeclarationIsAUsageError() throws {
    let result = try CLI.run(["eval", "a > 0", "--data", "-", "--type", "a"], stdin: "{}")
    #expect(result.status != 0)
    #expect(result.stderr.contains("PATH=TYPE"))
  }
}
