import Foundation
import Testing

/// Issue 17, "unbounded arithmetic", in the real binary: results past the digit limit are
/// errors naming it, found at once; big arithmetic inside quantifiers counts against the
/// evaluation step limit. The timeouts are generous (CI shares 2 cores); the unbounded
/// versions took minutes in a release build.
@Suite("arithmetic is bounded")
struct ArithmeticLimitCLITests {
  static let huge = "1e4095"

  @Test func aProductOfHugeDataIsAnErrorNamingTheLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write(
      "big.jsonl",
      String(
        repeating: "{\"a\": \(Self.huge), \"b\": \(Self.huge), \"c\": \(Self.huge), \"d\": 1}\n",
        count: 20))
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" eval 'a*b*c+d > 0' --data \"$DATA\"",
      timeout: .seconds(60), environment: ["DATA": data])
    #expect(!result.timedOut && result.status == 2, "\(result.summary)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 20)
    #expect(
      lines.allSatisfy { $0.contains("the 4096-digit arithmetic limit") },
      "\(lines.first ?? "")")
  }

  @Test func repeatedMultiplicationStopsAtTheLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("a.json", "{\"a\": \(Self.huge)}")
    // a^1000 + 1: before the limit, each product grew by 4,096 digits (minutes of work).
    let power = Array(repeating: "a", count: 1_000).joined(separator: "*")
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" eval \"$EXPRESSION\" --data \"$DATA\"",
      timeout: .seconds(30), environment: ["EXPRESSION": power + "+1 > 0", "DATA": data])
    #expect(!result.timedOut && result.status == 2, "\(result.summary)")
    #expect(result.stdout.contains("the 4096-digit arithmetic limit"))
  }

  @Test func bigArithmeticInAQuantifierCountsAgainstTheStepLimit() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    // Two 2,000-digit factors (a product within the limit) multiplied once per element of a
    // 100,000-element array: without a cost per product, 100,000 big multiplications.
    let digits = String(repeating: "7", count: 2_000)
    let items = Array(repeating: "0", count: 100_000).joined(separator: ",")
    let data = try scratch.write(
      "q.json", "{\"p\": \(digits), \"q\": \(digits), \"items\": [\(items)]}")
    let result = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" eval 'items.every(x => p * q > x)' --data \"$DATA\"",
      timeout: .seconds(45), environment: ["DATA": data])
    #expect(!result.timedOut && result.status == 2, "\(result.summary)")
    #expect(result.stdout.contains("evaluation step limit exceeded"))
  }
}
