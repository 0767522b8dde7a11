import ConstraintBatch
import ConstraintEngine
import Foundation
import Testing

/// Issue 21 in the batch pipeline: snapshots are read projected to what the checked rules and
/// the key field read, with the same results as a full read.
@Suite("Batch checking reads projected")
struct BatchProjectionTests {
  @Test func theProjectionHoldsTheRulesPathsAndTheKeyField() throws {
    let checker = BatchChecker(
      ruleSet: try BatchFixture.ruleSet(),
      options: BatchOptions(keyField: SnapshotKeyPath("account.id"), projectsReads: true))
    #expect(checker.readProjection().description == "account.id, n")
    #expect(checker.readProjection(ruleIndexes: []).description == "account.id")
    let full = BatchChecker(
      ruleSet: try BatchFixture.ruleSet(), options: BatchOptions(projectsReads: false))
    #expect(full.readProjection().readsWholeDocument)
    // On by default.
    let byDefault = BatchChecker(ruleSet: try BatchFixture.ruleSet(), options: BatchOptions())
    #expect(byDefault.readProjection().description == "n")
  }

  @Test(arguments: [1, 2])
  func resultsAndKeysAreTheSameProjectedAndInFull(jobs: Int) throws {
    var lines = (1...300).map { #"{"n":\#($0),"account":{"id":"a\#($0)"},"pad":[{"x":1}]}"# }
    lines += [
      #"{"n":2,"pad":{"k":1,"k":2}}"#, #"{"n":2,"pad":"\u00"}"#, #"{"n":3,"account":7}"#,
      #"{"pad":[1,2,]}"#, #"{"n":[1,{"a":2}]}"#, "{\"n\":4,\"pad\":\"\u{7}\"}",
    ]
    let bytes = Array(lines.joined(separator: "\n").utf8)
    func run(projecting: Bool) throws -> [String] {
      let options = BatchOptions(
        jobs: jobs, batchLines: 16, keyField: SnapshotKeyPath("account.id"),
        projectsReads: projecting)
      return BatchFixture.snapshots(
        try BatchFixture.events(.jsonLines(bytes, name: "p.jsonl"), options: options)
      ).map { snapshot in
        var text = BatchFixture.summary(snapshot) + " key=\(snapshot.key ?? "-")"
        if case .failure(let diagnostic) = snapshot.outcomes {
          text += " \(diagnostic.message) \(diagnostic.range)"
        }
        return text
      }
    }
    let projected = try run(projecting: true)
    #expect(projected == (try run(projecting: false)))
    #expect(projected.count == lines.count)
    #expect(projected.filter { $0.contains("unreadable") }.count == 4)
  }
}
