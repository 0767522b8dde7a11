import Foundation
import Testing

@testable import ConstraintEngine

/// `Examples/all-builtins/`: one rule per builtin, each switched on by its own snapshot.
@Suite("Example: every builtin in one rule file")
struct AllBuiltinsExampleTests {
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Examples/all-builtins")

  @Test func theRuleFileUsesEveryBuiltinCompilesAndPassesOnItsData() throws {
    let file = try RuleFileLoader.load(
      file: Self.directory.appendingPathComponent("all-builtins.constraints.json").path)
    let ruleSet = try RuleSet.compile([file]).get()
    // Every builtin of the registry is called by at least one rule.
    var called: Set<String> = []
    for rule in ruleSet.rules {
      let program = try #require(rule.program)
      var stack = [program.expression]
      while let expr = stack.popLast() {
        if case .call(let name, _, _) = expr.kind { called.insert(name) }
        stack.append(contentsOf: expr.children)
      }
    }
    #expect(called == Set(BuiltinRegistry.standard.all.map(\.name)))
    let context = try EvaluationContext(
      json: JSONReader.readFile(
        atPath: Self.directory.appendingPathComponent("context.json").path))
    var snapshots = 0
    for line in JSONLinesReader(
      path: Self.directory.appendingPathComponent("snapshots.jsonl").path)
    {
      let snapshot = try line.result.get()
      snapshots += 1
      let outcomes = ruleSet.check(
        snapshot, ruleIndexes: ruleSet.ruleIndexes(forSchema: nil), context: context)
      for (index, outcome) in outcomes.enumerated() {
        #expect(
          outcome.word == "pass",
          "line \(line.number): rule \(ruleSet.rules[index].id) gave \(outcome)")
      }
    }
    #expect(snapshots == ruleSet.rules.count)
  }
}
