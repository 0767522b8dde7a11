import Testing

@testable import ConstraintEngine

@Suite("Builtins: timestamps")
struct BuiltinTimeTests {
  @Test(arguments: [
    ("1970-01-01T00:00:00Z", 0, 0),
    ("1970-01-01", 0, 0),
    ("1970-01-01T00:00", 0, 0),
    ("1970-01-02T00:00:00+01:00", 82_800, 0),
    ("1969-12-31T23:59:59Z", -1, 0),
    ("2000-02-29T12:00:00Z", 951_825_600, 0),
    ("2024-02-29", 1_709_164_800, 0),
    ("2026-01-15T10:00:00.5Z", 1_768_471_200, 500_000_000),
    ("2026-01-15T10:00:00.123456789Z", 1_768_471_200, 123_456_789),
    ("2026-01-15T10:00:00.000000001-00:30", 1_768_473_000, 1),
    ("0000-01-01T00:00:00Z", -62_167_219_200, 0),
    ("9999-12-31T23:59:59Z", 253_402_300_799, 0),
  ])
  func parsesExactly(text: String, seconds: Int, nanoseconds: Int) throws {
    let instant = try Timestamp.parse(text).get()
    #expect(instant == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
  }

  @Test(arguments: [
    ("2023-02-29", "day 29"), ("1900-02-29", "day 29"), ("2026-04-31", "day 31"),
    ("2026-13-01", "month 13"), ("2026-00-10", "month 0"), ("2026-01-00", "day 0"),
    ("2026-01-01T24:00:00Z", "hour 24"), ("2026-01-01T23:60Z", "minute 60"),
    ("2026-12-31T23:59:60Z", "second 60"), ("2026-01-01T10:00:00.1234567891Z", "9"),
    ("2026-01-01T10:00:00.Z", "decimal point"), ("2026-01-01T10", "HH:MM"),
    ("2026-01-01 10:00:00", "unexpected"), ("2026-01-01T10:00:00z", "unexpected"),
    ("2026-01-01T10:00:00+0100", "offset"), ("2026-01-01T10:00:00+24:00", "offset"),
    ("26-01-01", "YYYY-MM-DD"), ("", "YYYY-MM-DD"), ("2026-1-1", "YYYY-MM-DD"),
    ("2026-01-01T10:00:00ZZ", "unexpected"),
  ])
  func rejectsInvalid(text: String, reason: String) {
    switch Timestamp.parse(text) {
    case .success(let instant): Issue.record("\(text) parsed as \(instant)")
    case .failure(let error): #expect(error.reason.contains(reason), "\(error.reason)")
    }
  }

  @Test func isoTextRoundTrips() throws {
    for text in [
      "2026-01-15T10:00:00.500Z", "1969-12-31T23:59:59.999Z", "2024-02-29T00:00:00.000Z",
      "0001-01-01T00:00:00.000Z",
    ] {
      #expect(try Timestamp.parse(text).get().isoText == text)
    }
    let clock = Timestamp.wallClock
    #expect(try Timestamp.parse(clock.isoText).get() == clock)
  }

  static let fixedNow = EvaluationContext(now: "2026-01-02T00:00:00Z")

  static let cases: [BuiltinCase] = [
    BuiltinCase("is_after", ["2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"], .pass),
    BuiltinCase("is_after", ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"], .fail),
    BuiltinCase("is_after", ["2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z"], .fail),
    BuiltinCase("is_after", ["2026-01-01T00:00:00.000000001Z", "2026-01-01"], .pass),
    BuiltinCase("is_after", ["not a date", "2026-01-01"], .invalidArgument(0),
      message: "not an ISO 8601 timestamp"),
    BuiltinCase("is_after", ["2026-01-01", .null], .invalidArgument(1), message: "null"),
    BuiltinCase("is_before", ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"], .pass),
    BuiltinCase("is_before", ["2026-01-15T00:00:00Z", "2026-01-15T00:00:00Z"], .fail),
    BuiltinCase("is_before", ["2026-01-15T00:00:00", "2026-01-15T00:00:00Z"], .fail),
    BuiltinCase("is_before", [1_700_000_000, "2026-01-01"], .invalidArgument(0)),
    BuiltinCase("is_before", ["2024-02-28T23:59:59Z", "2024-02-29"], .pass),
    BuiltinCase("is_between", ["2026-01-15", "2026-01-01", "2026-02-01"], .pass),
    BuiltinCase("is_between", ["2025-12-01", "2026-01-01", "2026-02-01"], .fail),
    BuiltinCase("is_between", ["2026-01-01", "2026-01-01", "2026-02-01"], .pass),
    BuiltinCase("is_between", ["2026-02-01", "2026-01-01", "2026-02-01"], .pass),
    BuiltinCase("is_between", ["2026-01-15", "2026-01-01", "2026-02-30"], .invalidArgument(2)),
    BuiltinCase("is_stale", ["2026-01-01T00:00:00Z", 3600, "2026-01-02T00:00:00Z"], .pass),
    BuiltinCase("is_stale", ["2026-01-01T23:30:00Z", 3600, "2026-01-02T00:00:00Z"], .fail),
    BuiltinCase("is_stale", ["2026-01-01T23:00:00Z", 3600, "2026-01-02T00:00:00Z"], .fail),
    BuiltinCase("is_stale", ["2026-01-01T22:59:59.999Z", 3600, "2026-01-02"], .pass),
    BuiltinCase("is_stale", ["2026-01-01T23:00:00Z", .decimal("3599.5"), "2026-01-02"], .pass),
    BuiltinCase("is_stale", ["2026-01-01", -1, "2026-01-02"], .invalidArgument(1),
      message: "negative"),
    BuiltinCase("is_stale", ["2026-01-01", "3600", "2026-01-02"], .invalidArgument(1)),
    BuiltinCase("is_stale", ["2026-01-01T00:00:00Z", 3600], .pass, context: fixedNow),
    BuiltinCase("is_stale", ["2026-01-01T23:30:00Z", 3600], .fail, context: fixedNow),
    BuiltinCase("is_stale", ["2026-01-01", 3600, .missing], .invalidArgument(2)),
    BuiltinCase("is_stale", ["2026-01-01", 3600], .failed, message: "`now`",
      context: EvaluationContext(now: "yesterday")),
    BuiltinCase("is_within", ["2026-01-01T23:30:00Z", 3600, "2026-01-02T00:00:00Z"], .pass),
    BuiltinCase("is_within", ["2026-01-01T00:00:00Z", 3600, "2026-01-02T00:00:00Z"], .fail),
    BuiltinCase("is_within", ["2026-01-01T23:00:00Z", 3600, "2026-01-02T00:00:00Z"], .pass),
    BuiltinCase("is_within", ["2026-01-03", 0, "2026-01-02"], .pass),
    BuiltinCase("is_within", ["2026-01-01T23:30:00Z", 3600], .pass, context: fixedNow),
    BuiltinCase("is_within", ["2026-01-01", .null, "2026-01-02"], .invalidArgument(1)),
    BuiltinCase("is_within", ["2099-12-31T23:59:59Z", 60], .pass),
    BuiltinCase("now", [], .string("2026-01-02T00:00:00Z"), context: fixedNow),
    BuiltinCase("is_after", ["2026-01-01T00:00:00-00:01", "2026-01-01T00:00:59Z"], .pass),
  ]

  @Test(arguments: cases) func table(_ row: BuiltinCase) { row.check() }

  @Test func nowWithoutContextIsTheWallClock() throws {
    let before = Timestamp.wallClock
    let (outcome, _) = callBuiltin("now", [])
    guard case .string(let text) = outcome else {
      Issue.record("now() gave \(outcome)")
      return
    }
    let instant = try Timestamp.parse(text).get()
    #expect(text.hasSuffix("Z") && text.count == 24)
    #expect(instant >= before)
    #expect(instant <= Timestamp.wallClock)
  }
}
