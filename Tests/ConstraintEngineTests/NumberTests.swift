import Testing

@testable import ConstraintEngine

@Suite("Exact numbers")
struct NumberTests {
  @Test(arguments: [
    ("0", "0"), ("-0", "0"), ("-0.0", "0"), ("1.0", "1"), ("1e2", "100"), ("1E+2", "100"),
    ("0.1", "0.1"), ("-12.3400", "-12.34"), ("1e-3", "0.001"),
    ("12345678901234567890", "12345678901234567890"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775808", "9223372036854775808"),
    ("1.5e1", "15"), ("25e-1", "2.5"),
  ])
  func parsesExactly(text: String, canonical: String) throws {
    let number = try #require(Number(parsing: text))
    #expect(number.description == canonical)
  }

  @Test(arguments: ["", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1 ", " 1", "1..2", "--1"])
  func rejectsMalformed(text: String) {
    #expect(Number(parsing: text) == nil)
  }

  @Test func additionIsExact() throws {
    let sum = try #require(Number(parsing: "0.1")) + #require(Number(parsing: "0.2"))
    #expect(sum == Number(parsing: "0.3"))
  }

  @Test func overflowPromotesInsteadOfWrapping() throws {
    let sum = Number(Int.max) + Number(1)
    #expect(sum.description == "9223372036854775808")
    #expect(Number.compare(sum, Number(Int.max)) == 1)
    #expect((Number(Int.min) * Number(-1)).description == "9223372036854775808")
    #expect((-Number(Int.min)).description == "9223372036854775808")
    #expect((sum - Number(1)) == Number(Int.max))
  }

  @Test(arguments: [
    ("1", "3", "0.33333333333333333333"), ("2", "3", "0.66666666666666666667"),
    ("10", "4", "2.5"), ("-1", "8", "-0.125"), ("6", "3", "2"), ("1", "0.25", "4"),
    ("5", "-2", "-2.5"),
  ])
  func divisionHasDocumentedScale(lhs: String, rhs: String, quotient: String) throws {
    let a = try #require(Number(parsing: lhs))
    let b = try #require(Number(parsing: rhs))
    #expect(try a.divided(by: b).description == quotient)
  }

  @Test func divisionByZeroIsAnError() throws {
    #expect(throws: Number.ArithmeticError.divisionByZero) { try Number(1).divided(by: Number(0)) }
    #expect(throws: Number.ArithmeticError.divisionByZero) {
      try Number(1).remainder(dividingBy: Number(0))
    }
    #expect(throws: Number.ArithmeticError.nonIntegerRemainder) {
      try Number(parsing: "1.5")!.remainder(dividingBy: Number(1))
    }
  }

  @Test func remainderTakesTheDividendsSign() throws {
    #expect(try Number(-7).remainder(dividingBy: Number(2)) == Number(-1))
    #expect(try Number(7).remainder(dividingBy: Number(-2)) == Number(1))
    #expect(try Number(Int.min).remainder(dividingBy: Number(-1)) == Number(0))
  }

  @Test func ordersAcrossRepresentations() throws {
    let values = ["-1e30", "-1.5", "-1", "0", "0.001", "1", "1.0000000000000000000001", "1e30"]
      .map { Number(parsing: $0)! }
    for (index, value) in values.enumerated() {
      for (otherIndex, other) in values.enumerated() {
        let expected = index < otherIndex ? -1 : index == otherIndex ? 0 : 1
        #expect(Number.compare(value, other) == expected)
      }
    }
  }
}
