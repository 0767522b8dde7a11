import Foundation
import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// Issue 17, "quadratic explanation": an explanation keeps at most
/// `Explanation.maximumItems` values and says how many it left out, and rendering is linear in
/// the expression's length.
@Suite("Explanations are bounded")
struct ExplanationBoundsTests {
  static let cap = 100

  /// `a||a||…` with `terms` terms.
  static func disjunction(_ terms: Int) -> String {
    Array(repeating: "a", count: terms).joined(separator: "||")
  }

  @Test func aFailing10kTermDisjunctionKeepsTheCapAndCountsTheRest() throws {
    let program = try Compiler.compile(Self.disjunction(10_000))
    let snapshot = try JSONReader.read(#"{"a": false}"#)
    guard case .fail(let explanation) = program.evaluate(snapshot, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.count == Self.cap)
    #expect(explanation.omittedItems == 10_000 - Self.cap)
    // The first values kept are the first operands, in source order.
    #expect(explanation.items.first?.range.start.offset == 0)
    #expect(explanation.items.last?.range.start.offset == 3 * (Self.cap - 1))
    let rendered = ExplanationRenderer(indent: "").render(explanation, source: program.source)
    #expect(rendered.hasSuffix("… and 9900 more values not shown"))
    // The source line, carets and values: a few lines, whatever the number of operands.
    #expect(rendered.split(separator: "\n").count < 10)
  }

  @Test func anExplanationUnderTheCapLeavesNothingOut() throws {
    let program = try Compiler.compile(Self.disjunction(Self.cap))
    let snapshot = try JSONReader.read(#"{"a": false}"#)
    guard case .fail(let explanation) = program.evaluate(snapshot, explain: true) else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.count == Self.cap)
    #expect(explanation.omittedItems == 0)
    let rendered = ExplanationRenderer(indent: "").render(explanation, source: program.source)
    #expect(!rendered.contains("more values not shown"))
  }

  @Test func theReferenceInterpreterCapsItsExplanationsToo() throws {
    let program = try Compiler.compile(Self.disjunction(1_000))
    let snapshot = try JSONReader.read(#"{"a": false}"#)
    guard case .fail(let explanation) =
      program.evaluateWithReferenceInterpreter(snapshot, explain: true)
    else {
      Issue.record("expected a failure")
      return
    }
    #expect(explanation.items.count == Self.cap)
    #expect(explanation.omittedItems == 900)
  }

  @Test func renderingManyItemsOnOneLongLineIsRight() throws {
    // 5,000 items given to the renderer directly (explanations built elsewhere are not
    // capped): each value is wider than its span, so they alternate between two rows.
    let terms = 5_000
    let source = Self.disjunction(terms)
    var items: [Explanation.Item] = []
    for index in 0..<terms {
      let start = SourceLocation(offset: 3 * index, line: 1, column: 3 * index + 1)
      let end = SourceLocation(offset: 3 * index + 1, line: 1, column: 3 * index + 2)
      items.append(Explanation.Item(range: SourceRange(start: start, end: end), value: "false"))
    }
    let rendered = ExplanationRenderer(indent: "").render(
      Explanation(items: items), source: source)
    let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 5)
    #expect(lines[1].hasPrefix("^     ^     ^"))
    #expect(lines[2].hasPrefix("false "))
    #expect(lines[3].hasPrefix("   ^     ^"))
    #expect(lines[4].hasPrefix("   false false"))
  }
}
