import Foundation
import Testing

@testable import ConstraintEngine
import ConstraintEngineTestSupport

/// Issue 17, "unbounded arithmetic": every arithmetic result has at most
/// `EvaluationLimits.maximumDigits` digits written out; beyond, an error naming the limit.
@Suite("Arithmetic digit limit")
struct ArithmeticLimitTests {
  static func evaluate(_ source: String, _ data: String, limits: EvaluationLimits = .default)
    throws -> Outcome
  {
    let program = try Compiler.compile(source, options: CompileOptions(evaluationLimits: limits))
    let snapshot = try JSONReader.read(data)
    let compiled = program.evaluate(snapshot)
    let interpreted = program.evaluateWithReferenceInterpreter(snapshot)
    #expect(compiled.description == interpreted.description, "\(source) on \(data)")
    return compiled
  }

  static func expectDigitLimit(_ outcome: Outcome, limit: Int = 4096) {
    guard case .error(let diagnostic) = outcome else {
      Issue.record("expected the digit limit, got \(outcome)")
      return
    }
    #expect(
      diagnostic.message.contains("the \(limit)-digit arithmetic limit"), "\(diagnostic.message)")
  }

  @Test func theDefaultLimitIsTheJSONNumberLimit() {
    #expect(EvaluationLimits.default.maximumDigits == 4_096)
    #expect(EvaluationLimits.default.maximumDigits == JSONLimits.default.maximumNumberDigits)
  }

  @Test func resultsOfExactlyTheLimitAreAcceptedAndOneMoreDigitIsNot() throws {
    // 10^4095 has 4,096 digits; 10^4095 × 9 too; 10^4095 × 10 has 4,097.
    #expect(try Self.evaluate("a * 9 > 0", #"{"a": 1e4095}"#).kind == .pass)
    Self.expectDigitLimit(try Self.evaluate("a * 10 > 0", #"{"a": 1e4095}"#))
    // (10^4096 − 1) + 1 = 10^4096: 4,097 digits.
    let nines = String(repeating: "9", count: 4_096)
    #expect(try Self.evaluate("a + 0 > 0", #"{"a": \#(nines)}"#).kind == .pass)
    Self.expectDigitLimit(try Self.evaluate("a + 1 > 0", #"{"a": \#(nines)}"#))
    Self.expectDigitLimit(try Self.evaluate("-a - 1 < 0", #"{"a": \#(nines)}"#))
    #expect(try Self.evaluate("a - 1 > 0", #"{"a": \#(nines)}"#).kind == .pass)
  }

  @Test func decimalsCountTheirFractionDigits() throws {
    // 1e-4095 is 0.000…1, 4,096 digits written out; a tenth of it has 4,097.
    #expect(try Self.evaluate("a * 1 > 0", #"{"a": 1e-4095}"#).kind == .pass)
    Self.expectDigitLimit(try Self.evaluate("a * 0.1 > 0", #"{"a": 1e-4095}"#))
    Self.expectDigitLimit(try Self.evaluate("a / 3 > 0", #"{"a": 1e4095}"#))
    #expect(try Self.evaluate("a / 4 > 0", #"{"a": 1e4000}"#).kind == .pass)
  }

  @Test func aHugeProductIsRefusedWithoutComputingIt() throws {
    Self.expectDigitLimit(
      try Self.evaluate(
        "a * b * c + d > 0", #"{"a": 1e4095, "b": 1e4095, "c": 1e4095, "d": 1}"#))
    let power = Array(repeating: "a", count: 1_000).joined(separator: " * ")
    Self.expectDigitLimit(try Self.evaluate(power + " + 1 > 0", #"{"a": 1e4095}"#))
  }

  @Test func aProductThatCancelsScaleIsExactAndCheap() throws {
    // 10^-4000 × 10^4000 = 1: the significand's 4,000 trailing zeros are stripped at once.
    #expect(try Self.evaluate("a * b == 1", #"{"a": 1e-4000, "b": 1e4000}"#).kind == .pass)
    #expect(try Self.evaluate("a * b * 3 == 3", #"{"a": 1.5e-3000, "b": 2e3000}"#).kind == .fail)
    #expect(try Self.evaluate("a * b == 3", #"{"a": 1.5e-3000, "b": 2e3000}"#).kind == .pass)
  }

  @Test func theLimitIsConfigurable() throws {
    let limits = EvaluationLimits(maximumDigits: 30)
    #expect(
      try Self.evaluate("a * a > 0", #"{"a": 123456789012345}"#, limits: limits).kind == .pass)
    Self.expectDigitLimit(
      try Self.evaluate("a * a * a > 0", #"{"a": 123456789012345}"#, limits: limits), limit: 30)
  }

  @Test func bigProductsCostStepsSmallOnesDoNot() throws {
    // 2,000-digit factors: each product costs hundreds of steps, so 10,000 of them exceed
    // the step limit; the same count of small products stays far below it.
    let digits = String(repeating: "7", count: 2_000)
    let items = Array(repeating: "0", count: 10_000).joined(separator: ",")
    let big = try Self.evaluate(
      "items.every(x => p * q > x)", #"{"p": \#(digits), "q": \#(digits), "items": [\#(items)]}"#)
    guard case .error(let diagnostic) = big else {
      Issue.record("expected the step limit, got \(big)")
      return
    }
    #expect(diagnostic.message.contains("evaluation step limit exceeded"))
    let small = try Self.evaluate(
      "items.every(x => p * q > x)", #"{"p": 12345, "q": 67890, "items": [\#(items)]}"#)
    #expect(small.kind == .pass)
  }
}
