import Foundation
import Testing

@testable import ConstraintEngine

/// Issue 17, memory of large rule sets: a pattern many rules use is compiled once for the
/// whole rule set, and every rule's program is evaluated from any thread.
@Suite("Rule sets share what their programs can")
struct RuleSetMemoryTests {
  static func ruleFile(_ expressions: [String]) throws -> RuleFile {
    let rules = expressions.enumerated().map { index, expression in
      "{\"id\": \"r\(index)\", \"expression\": \"\(expression)\"}"
    }
    let text = "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"constraints\": ["
      + rules.joined(separator: ",") + "]}"
    return try RuleFileLoader.parse(text, path: "shared.constraints.json")
  }

  @Test func aPatternUsedByManyRulesIsCompiledOnce() throws {
    let expressions = (0..<1_000).map { index in
      index % 2 == 0 ? "matches(s, '^[0-9]+$') && n > \(index)" : "matches(t, '^x') || n < \(index)"
    }
    let ruleSet = try RuleSet.compile([try Self.ruleFile(expressions)]).get()
    var distinct: Set<ObjectIdentifier> = []
    for rule in ruleSet.rules {
      for regex in try #require(rule.program).regexes.compiled.values {
        distinct.insert(ObjectIdentifier(regex))
      }
    }
    #expect(distinct.count == 2)
    let snapshot = try JSONReader.read(#"{"s": "123", "t": "y", "n": 500}"#)
    let outcomes = ruleSet.check(snapshot, ruleIndexes: Array(ruleSet.rules.indices))
    // Even rules: 500 > index (250 of them); odd ones: 500 < index (250).
    let passed = outcomes.filter { if case .evaluated(.pass) = $0 { true } else { false } }
    #expect(passed.count == 250 + 250)
  }

  @Test func programsCompiledAloneKeepTheirOwnRegexes() throws {
    let first = try Compiler.compile("matches(s, '^a')")
    let second = try Compiler.compile("matches(s, '^a')")
    let a = try #require(first.regexes.compiled["^a"])
    let b = try #require(second.regexes.compiled["^a"])
    #expect(ObjectIdentifier(a) != ObjectIdentifier(b))
  }
}
