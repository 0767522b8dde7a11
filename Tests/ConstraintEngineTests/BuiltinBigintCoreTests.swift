import Testing

@testable import ConstraintEngine

@Suite("Builtins: bigint coercion")
struct BuiltinBigintCoercionTests {
  @Test(arguments: [
    ("0", "0"), ("7", "7"), ("007", "7"), ("-0", "0"), ("-42", "-42"),
    ("1234", "1234"), ("12345678", "12345678"), ("-000012345678", "-12345678"),
    ("987654321098", "987654321098"),
    ("123456789012345678", "123456789012345678"),
    ("1234567890123456789", "1234567890123456789"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775808", "9223372036854775808"),
    ("000000000000000000000000001", "1"),
    ("-00000000000000000000000000012", "-12"),
    ("123456789012345678901234567890", "123456789012345678901234567890"),
  ])
  func acceptsDigitStrings(text: String, canonical: String) throws {
    let number = try #require(parseBigintString(text))
    #expect(number.description == canonical)
    #expect(number.isInteger)
  }

  @Test(arguments: [
    "", "-", " 1", "1 ", "+5", "1e3", "0x10", "1.0", "1.5", "--1", "1-", "١٢", "1_000",
    "12345678901234567890a", "1234567a", "a2345678", "123a", "-1234-678", "12345678901234567x",
  ])
  func rejectsOtherStrings(text: String) {
    #expect(parseBigintString(text) == nil)
  }

  @Test func lengthCapIsInclusive() {
    let atCap = String(repeating: "9", count: bigintStringMaximumLength)
    let overCap = atCap + "9"
    #expect(parseBigintString(atCap)?.description == atCap)
    #expect(parseBigintString(overCap) == nil)
    #expect(parseBigintString("-" + String(atCap.dropFirst())) != nil)
    let (outcome, message) = callBuiltin("bigint_gte", [.string(overCap), 1])
    #expect(outcome == .invalidArgument(0))
    #expect(message?.contains("4096") == true)
  }

  @Test func bigintIntegerOfValues() {
    #expect(bigintInteger(.number(Number(5))) == Number(5))
    #expect(bigintInteger(.number(Number(parsing: "1.5")!)) == nil)
    #expect(bigintInteger(.string("12")) == Number(12))
    #expect(bigintInteger(.bool(true)) == nil)
    #expect(bigintInteger(.null) == nil)
    #expect(bigintInteger(.missing) == nil)
    #expect(throws: BuiltinFailure.self) { try bigintOperand(.null, argument: 1) }
    do {
      _ = try bigintOperand(.string("1.5"), argument: 1)
      Issue.record("1.5 accepted")
    } catch {
      guard case .invalidArgument(let index, let message) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(index == 1)
      #expect(message.contains("\"1.5\""))
    }
  }
}

@Suite("Builtins: bigint family")
struct BuiltinBigintTests {
  static let cases: [BuiltinCase] = [
    // bigint_gte
    BuiltinCase("bigint_gte", ["1000", "500"], .pass),
    BuiltinCase("bigint_gte", ["100", "100"], .pass),
    BuiltinCase("bigint_gte", ["50", "100"], .fail),
    BuiltinCase("bigint_gte", [.null, "1"], .invalidArgument(0), message: "null"),
    BuiltinCase("bigint_gte", ["1", .missing], .invalidArgument(1), message: "missing"),
    BuiltinCase("bigint_gte", [.decimal("1.5"), 1], .invalidArgument(0), message: "decimal"),
    BuiltinCase("bigint_gte", ["007", 7], .pass),
    BuiltinCase("bigint_gte", ["-0", 0], .pass),
    BuiltinCase("bigint_gte", [.decimal("1.0"), 1], .pass),
    BuiltinCase(
      "bigint_gte", ["99999999999999999999999999", "99999999999999999999999998"], .pass),
    BuiltinCase("bigint_gte", ["-99999999999999999999999999", 0], .fail),
    // bigint_gt
    BuiltinCase("bigint_gt", ["200", "100"], .pass),
    BuiltinCase("bigint_gt", ["100", "100"], .fail),
    BuiltinCase("bigint_gt", ["abc", "1"], .invalidArgument(0), message: "\"abc\""),
    BuiltinCase("bigint_gt", ["9223372036854775808", 9_223_372_036_854_775_807], .pass),
    // bigint_lte / bigint_lt
    BuiltinCase("bigint_lte", ["100", "100"], .pass),
    BuiltinCase("bigint_lte", ["101", "100"], .fail),
    BuiltinCase("bigint_lte", [true, "100"], .invalidArgument(0), message: "boolean"),
    BuiltinCase("bigint_lte", ["-5", "-4"], .pass),
    BuiltinCase("bigint_lt", ["99", "100"], .pass),
    BuiltinCase("bigint_lt", ["100", "100"], .fail),
    BuiltinCase("bigint_lt", ["1", " 2"], .invalidArgument(1)),
    BuiltinCase("bigint_lt", ["-1", "-0"], .pass),
    // bigint_eq
    BuiltinCase("bigint_eq", ["1000000", "1000000"], .pass),
    BuiltinCase("bigint_eq", ["100", "200"], .fail),
    BuiltinCase("bigint_eq", ["+5", 5], .invalidArgument(0)),
    BuiltinCase("bigint_eq", ["0", 0], .pass),
    BuiltinCase("bigint_eq", ["1e3", 1000], .invalidArgument(0)),
    // bigint_add / bigint_sub: integer numbers, not strings
    BuiltinCase("bigint_add", ["100", "200"], .number("300")),
    BuiltinCase("bigint_add", ["9223372036854775807", 1], .number("9223372036854775808")),
    BuiltinCase("bigint_add", [.null, 1], .invalidArgument(0)),
    BuiltinCase("bigint_add", ["500", "0"], .number("500")),
    BuiltinCase("bigint_sub", ["1000", "300"], .number("700")),
    BuiltinCase("bigint_sub", ["300", "1000"], .number("-700")),
    BuiltinCase("bigint_sub", ["1", [1]], .invalidArgument(1), message: "array"),
    BuiltinCase("bigint_sub", ["-9223372036854775808", 1], .number("-9223372036854775809")),
    // bigint_sum
    BuiltinCase("bigint_sum", [["100", 200, "300"]], .number("600")),
    BuiltinCase("bigint_sum", [[["cost": "10"], ["cost": "20"], ["cost": "30"]], "cost"],
      .number("60")),
    BuiltinCase("bigint_sum", [[]], .number("0")),
    BuiltinCase("bigint_sum", [["1", .null, "2"]], .number("3")),
    BuiltinCase("bigint_sum", [[["a": ["b": "5"]], ["a": ["b": 7]], ["a": .null], ["x": 1]],
      "a.b"], .number("12")),
    BuiltinCase("bigint_sum", [["1", "x"]], .invalidArgument(0), message: "element 1"),
    BuiltinCase("bigint_sum", [[["cost": .decimal("1.5")]], "cost"], .invalidArgument(0),
      message: "field `cost`"),
    BuiltinCase("bigint_sum", [.missing], .invalidArgument(0), message: "array"),
    BuiltinCase("bigint_sum", [.null, "cost"], .invalidArgument(0)),
    BuiltinCase("bigint_sum", [["9223372036854775807", "9223372036854775807", "-1"]],
      .number("18446744073709551613")),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}

@Suite("Builtins: core")
struct BuiltinCoreTests {
  static let cases: [BuiltinCase] = [
    BuiltinCase("eq", ["active", "active"], .pass),
    BuiltinCase("eq", ["active", "expired"], .fail),
    BuiltinCase("eq", ["5", 5], .fail),
    BuiltinCase("eq", [.null, .missing], .pass),
    BuiltinCase("eq", [.missing, .missing], .pass),
    BuiltinCase("eq", [.null, 0], .fail),
    BuiltinCase("eq", [[1, ["a": 2]], [1, ["a": 2]]], .pass),
    BuiltinCase("eq", [["a": 1, "b": 2], ["b": 2, "a": 1]], .pass),
    BuiltinCase("eq", [.decimal("1.0"), 1], .pass),
    BuiltinCase("eq", ["\u{e9}", "e\u{301}"], .fail),
    BuiltinCase("len", [[1, 2, 3]], .number("3")),
    BuiltinCase("len", ["😀"], .number("2")),
    BuiltinCase("len", [["a": 1, "b": 2]], .number("2")),
    BuiltinCase("len", [""], .number("0")),
    BuiltinCase("len", [.missing], .invalidArgument(0)),
    BuiltinCase("len", [.null], .invalidArgument(0)),
    BuiltinCase("len", [5], .invalidArgument(0), message: "number"),
    BuiltinCase("type_of", [.missing], .string("undefined")),
    BuiltinCase("type_of", [.null], .string("null")),
    BuiltinCase("type_of", [true], .string("boolean")),
    BuiltinCase("type_of", ["99999999999999999999999"], .string("string")),
    BuiltinCase("type_of", [.decimal("123456789012345678901234567890")], .string("number")),
    BuiltinCase("type_of", [[1]], .string("array")),
    BuiltinCase("type_of", [["a": 1]], .string("object")),
    BuiltinCase("is_bigint_coercible", ["123"], .pass),
    BuiltinCase("is_bigint_coercible", [42], .pass),
    BuiltinCase("is_bigint_coercible", ["12.5"], .fail),
    BuiltinCase("is_bigint_coercible", [.decimal("12.5")], .fail),
    BuiltinCase("is_bigint_coercible", [.missing], .fail),
    BuiltinCase("is_bigint_coercible", [.null], .fail),
    BuiltinCase("is_bigint_coercible", [""], .fail),
    BuiltinCase("is_bigint_coercible", ["-007"], .pass),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}

@Suite("Builtins: collections")
struct BuiltinCollectionTests {
  static let cases: [BuiltinCase] = [
    BuiltinCase("unique_values", [[["id": "a"], ["id": "b"]], "id"], .pass),
    BuiltinCase("unique_values", [[["id": "a"], ["id": "a"]], "id"], .fail),
    BuiltinCase("unique_values", [.missing, "id"], .invalidArgument(0)),
    BuiltinCase("unique_values", [["a": 1], "id"], .invalidArgument(0)),
    BuiltinCase("unique_values", [[], "id"], .pass),
    BuiltinCase("unique_values", [[1, "x", ["other": 1], ["id": .null], ["id": .null]], "id"],
      .pass),
    BuiltinCase("unique_values", [[["id": 1], ["id": .decimal("1.0")]], "id"], .fail),
    BuiltinCase("unique_values", [[["id": 1], ["id": "1"]], "id"], .pass),
    BuiltinCase("unique_values", [[["k": ["a": 1, "b": 2]], ["k": ["b": 2, "a": 1]]], "k"],
      .fail),
    BuiltinCase("unique_values", [[["m": ["id": "x"]], ["m": ["id": "y"]]], "m.id"], .pass),
    BuiltinCase("unique_values", [[["m": ["id": "x"]], ["m": ["id": "x"]]], "m.id"], .fail),
    BuiltinCase("unique_values", [[["id": "\u{e9}"], ["id": "e\u{301}"]], "id"], .pass),
    BuiltinCase("object_keys_subset", [["a": 1, "b": 2], ["a", "b", "c"]], .pass),
    BuiltinCase("object_keys_subset", [["a": 1, "d": 2], ["a", "b", "c"]], .fail),
    BuiltinCase("object_keys_subset", [.null, ["a"]], .invalidArgument(0)),
    BuiltinCase("object_keys_subset", [["a": 1], "a"], .invalidArgument(1)),
    BuiltinCase("object_keys_subset", [[:], []], .pass),
    BuiltinCase("object_keys_subset", [["1": true], [1]], .fail),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }
}
