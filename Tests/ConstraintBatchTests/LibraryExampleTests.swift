import Foundation
import Testing

// The example of docs/LIBRARY.md, verbatim between the markers (checked below): compiled here
// and run by the tests.
// BEGIN LIBRARY EXAMPLE
import ConstraintBatch
import ConstraintEngine

/// Checks a JSON-lines stream against one rule file: every failing, erroring or deferred
/// result and every unreadable line, and the counts.
func checkStream(ruleFile: String, data: SnapshotSource) throws -> ([ResultReport], CheckSummary)
{
  let rules = try RuleSet.compile([try RuleFileLoader.load(file: ruleFile)]).get()
  let checker = BatchChecker(ruleSet: rules, options: BatchOptions(explain: true, jobs: 4))
  var reported: [ResultReport] = []
  var summary = CheckSummary(rules: rules.rules.count)
  checker.check(data, warning: { _ in /* fewer threads than asked: results are the same */ }) {
    event in
    switch event {
    case .passing(let run):  // only with BatchOptions(summarisesPasses: true)
      summary.add(run)
    case .snapshot(let snapshot):
      switch snapshot.outcomes {
      case .failure(let diagnostic):  // a malformed line, an unreadable file: never skipped
        summary.unreadable += 1
        reported.append(ResultReport(unreadable: snapshot, diagnostic))
      case .success(let outcomes):
        summary.snapshots += 1
        for (index, outcome) in zip(snapshot.ruleIndexes, outcomes) {
          summary.add(outcome)
          guard outcome.isFailing else { continue }
          reported.append(
            ResultReport(rule: rules.rules[index], snapshot: snapshot, outcome: outcome))
        }
      }
    }
    return true  // false stops the check here
  }
  return (reported, summary)
}
// END LIBRARY EXAMPLE

@Suite("docs/LIBRARY.md")
struct LibraryExampleTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The lines between `begin` and `end` (exclusive) of `text`.
  static func between(_ begin: String, _ end: String, in text: String) throws -> [Substring] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let start = try #require(lines.firstIndex { $0.hasPrefix(begin) })
    let stop = try #require(lines[(start + 1)...].firstIndex { $0.hasPrefix(end) })
    return Array(lines[(start + 1)..<stop])
  }

  @Test func theDocumentShowsThisFilesExampleVerbatim() throws {
    let test = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
    let doc = try String(
      contentsOf: Self.root.appendingPathComponent("docs/LIBRARY.md"), encoding: .utf8)
    let example = try Self.between("// BEGIN LIBRARY EXAMPLE", "// END LIBRARY EXAMPLE", in: test)
    // The document's only Swift block.
    let shown = try Self.between("```swift", "```", in: doc)
    #expect(doc.components(separatedBy: "```swift").count == 2)
    #expect(example.count > 20)
    #expect(shown == example)
  }

  /// The example on the repository's billing rules and stream: its results are those of
  /// `constraint check` (98 passes, 2 failures), and a malformed line is a result.
  @Test func theExampleRuns() throws {
    let ruleFile = Self.root.appendingPathComponent("Rules/billing.constraints.json").path
    let stream = try Data(
      contentsOf: Self.root.appendingPathComponent("Examples/snapshots/stream.jsonl"))
    let input = Array(stream) + Array("{\"account_id\": \n".utf8)
    let (reported, summary) = try checkStream(
      ruleFile: ruleFile, data: .jsonLines(input, name: "stream.jsonl"))
    let lineCount = stream.split(separator: UInt8(ascii: "\n")).count
    #expect(summary.snapshots == lineCount)
    #expect(summary.unreadable == 1)
    #expect(reported.last?.outcome == "unreadable")
    #expect(reported.last?.snapshot.line == lineCount + 1)
    #expect(summary.failed + summary.errors + summary.deferred == reported.count - 1)
    // `constraint check Rules/billing.constraints.json --data Examples/snapshots/stream.jsonl`
    // reports 98 passed, 2 failed.
    #expect(summary.failed == 2 && summary.passed == 98)
    #expect(
      summary.passed + summary.failed + summary.errors + summary.deferred + summary.skipped
        == summary.snapshots * summary.rules)
  }
}
