import Testing

@testable import ConstraintEngine

@Suite("Rule file portability (lint --portable)")
struct RuleFilePortabilityTests {
  /// Each case: an expression with the one non-portable use marked `⟦…⟧`, and a message fragment.
  static let nonPortable: [(String, String)] = [
    ("a ⟦+⟧ 1 > 2", "arithmetic `+`"),
    ("a ⟦-⟧ b >= 0", "arithmetic `-`"),
    ("a ⟦*⟧ 2 == b", "arithmetic `*`"),
    ("a ⟦/⟧ 2 == b", "arithmetic `/`"),
    ("a ⟦%⟧ 2 == 0", "arithmetic `%`"),
    ("⟦-⟧a < 0", "unary minus"),
    ("state ⟦in⟧ ['a', 'b']", "`in` membership"),
    ("items.⟦some⟧(x => x > 0)", "`.some`"),
    ("items.⟦none⟧(x => x > 0)", "`.none`"),
    ("items.⟦count⟧(x => x > 0) > 1", "`.count`"),
    ("⟦matches⟧(s, '^a$')", "`matches`"),
    ("⟦bigint_lte⟧(a, b)", "`bigint_lte`"),
    ("⟦bigint_lt⟧(a, b)", "`bigint_lt`"),
    ("x.every(y => y.items.⟦some⟧(z => z == 1))", "`.some`"),
    ("some.items.⟦count⟧(count => count > 0) > 0", "`.count`"),
  ]

  @Test(arguments: nonPortable)
  func eachExtensionIsReportedAtItsSpan(_ marked: String, _ fragment: String) throws {
    let source = MarkedSource(marked)
    let expression = try Parser.parse(source.source)
    let found = Portability.diagnostics(for: expression, source: source.source)
    #expect(found.count == 1, "\(found)")
    let diagnostic = try #require(found.first)
    #expect(diagnostic.severity == .warning)
    #expect(diagnostic.message.contains(fragment))
    #expect(diagnostic.range.start.offset == source.range.lowerBound)
    #expect(diagnostic.range.end.offset == source.range.upperBound)
  }

  @Test(arguments: [
    "bigint_gte(budget.limit_micro, budget.spent_micro)",
    "state == 'released' => released_at != null",
    "a.every(x => x.b.every(y => y != null)) && !(c < 1) || d >= 2",
    "bigint_eq(bigint_sum(ledger.postings, 'amount_micro'), 0)",
    "[a, 'x', 1].length == 3 && previous(entry.state) == 'open'",
  ])
  func grammarTwoExpressionsArePortable(_ text: String) throws {
    let expression = try Parser.parse(text)
    #expect(Portability.diagnostics(for: expression, source: text).isEmpty)
  }

  @Test func findingsAreInSourceOrder() throws {
    let text = "-a + b in [1] && c.some(x => matches(x, 'q'))"
    let found = Portability.diagnostics(for: try Parser.parse(text), source: text)
    #expect(found.map(\.range.start.column) == [1, 4, 8, 20, 30])
  }
}
