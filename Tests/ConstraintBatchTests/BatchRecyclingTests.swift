import ConstraintEngine
import Foundation
import Testing

@testable import ConstraintBatch

/// A worker gives each snapshot back to its reader once checked, and the next snapshots'
/// objects are built in the storage of those no outcome holds: outcomes, explanations and
/// reported values stay those of the snapshot checked on its own.
@Suite("Batch checking builds snapshots in recycled storage")
struct BatchRecyclingTests {
  static let rules = #"""
    {"schema_id": "Nested", "expression_version": "2.0",
     "constraints": [
      {"id": "limit", "expression": "bigint_gte(budget.limit_micro, budget.spent_micro)"},
      {"id": "state", "expression": "entry.state == 'open' || entry.detail.code == 'ok'"},
      {"id": "items", "expression": "items.every(i => i.amount.value >= 0)"},
      {"id": "wide", "expression": "wide.key_3 + wide.key_17 < 40"}
     ]}
    """#

  static func line(_ number: Int) -> String {
    let wide = (0..<20).map { #""key_\#($0)": \#(($0 + number) % 23)"# }
      .joined(separator: ",")
    let items = (0..<(number % 4))
      .map { #"{"amount": {"value": \#(($0 * 7 + number) % 9 - 2)}}"# }
      .joined(separator: ",")
    let state = number % 3 == 0 ? "closed" : "open"
    let code = number % 5 == 0 ? "ok" : "no"
    let limit = number % 11 * 10
    let spent = number % 13 * 9
    return #"{"budget": {"limit_micro": "\#(limit)", "spent_micro": "\#(spent)"}, "#
      + #""entry": {"state": "\#(state)", "detail": {"code": "\#(code)"}}, "#
      + #""items": [\#(items)], "wide": {\#(wide)}}"#
  }

  @Test(arguments: [false, true])
  func outcomesAreThoseOfEachSnapshotCheckedAlone(summarisePasses: Bool) throws {
    let file = try RuleFileLoader.parse(Self.rules, path: "nested.constraints.json")
    let ruleSet = try RuleSet.compile([file]).get()
    let indexes = Array(ruleSet.rules.indices)
    let limits = JSONLimits()
    let checker = SnapshotChecker(
      ruleSet: ruleSet, context: .empty, explain: true, summarisePasses: summarisePasses,
      limits: limits, budget: MemoryBudget(capacity: 64 << 20, limits: limits),
      name: "nested.jsonl", ruleIndexes: indexes, keyField: SnapshotKeyPath("entry.state"),
      projection: .wholeDocument)
    var batch = CheckedBatch()
    let count = 300
    for number in 1...count {
      Array(Self.line(number).utf8).withUnsafeBytes { bytes in
        checker.check(number: number, line: .success(bytes), into: &batch)
      }
    }
    #expect(checker.reader.objectStorageReuses > 0)
    var reported = 0
    for item in batch.reported {
      let snapshot = item.snapshot
      let number = try #require(snapshot.line)
      let alone = try JSONReader.read(Self.line(number))
      let expected = ruleSet.check(alone, ruleIndexes: indexes, explain: true)
      let outcomes = try snapshot.outcomes.get()
      #expect(
        outcomes.map { String(describing: $0) } == expected.map { String(describing: $0) },
        "line \(number)")
      #expect(snapshot.key == (number % 3 == 0 ? "closed" : "open"))
      reported += 1
    }
    #expect(reported > 0)
    #expect(reported <= count)
    if !summarisePasses { #expect(reported == count) }
  }
}
