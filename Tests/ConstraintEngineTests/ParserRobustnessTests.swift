import ConstraintEngine
import Testing

@Suite("Parser robustness")
struct ParserRobustnessTests {
  /// Fragments that make random sources look almost like expressions, plus hostile characters.
  static let fragments = [
    "a", "b.c", "_previous", "f(", "g(", ")", "(", "[", "]", ",", ".", ".length", ".every(",
    ".some(x => ", "x", "=>", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "-", "+", "*",
    "/", "%", "in", "true", "false", "null", "0", "42", "3.14", "1.", ".5", "'s'", "'it\\'s'",
    "'", "\"", "=", "&", "|", " ", "\n", "\t", "é", "😀", "\u{0}", "[0]", "[", "#",
  ]

  @Test func randomSourcesNeverCrashAndReportRangesInsideTheSource() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(bound))
    }
    var parsed = 0
    for _ in 0..<20_000 {
      let source = (0..<next(12)).map { _ in Self.fragments[next(Self.fragments.count)] }
        .joined()
      let length = source.utf8.count
      do {
        let expr = try Parser.parse(source)
        parsed += 1
        let printed = Printer.print(expr)
        let reparsed = try Parser.parse(printed)
        #expect(reparsed.hasSameStructure(as: expr), "\(source) → \(printed)")
        #expect(expr.range.start.offset >= 0 && expr.range.end.offset <= length)
      } catch {
        #expect(error.phase == .lex || error.phase == .parse)
        #expect(error.range.start.offset >= 0, "\(source)")
        #expect(error.range.start.offset <= error.range.end.offset, "\(source)")
        #expect(error.range.end.offset <= length, "\(source)")
        #expect(!error.message.isEmpty)
        for note in error.notes {
          if let range = note.range { #expect(range.end.offset <= length) }
        }
      }
    }
    // The generator is deterministic; make sure it exercises both outcomes.
    #expect(parsed > 100)
  }

  @Test func theLongestFlatChainsAtTheDefaultLimitParsePrintAndCompare() throws {
    for separator in ["&&", "-", "=>"] {
      let count = (ParseLimits.default.maximumSourceLength + separator.count)
        / (1 + separator.count)
      let source = Array(repeating: "a", count: count).joined(separator: separator)
      #expect(source.utf8.count <= ParseLimits.default.maximumSourceLength)
      let expr = try #require(parseOrRecord(source))
      let printed = Printer.print(expr)
      let reparsed = try #require(parseOrRecord(printed, limits: ParseLimits(
        maximumDepth: 64, maximumSourceLength: 1_000_000)))
      #expect(reparsed.hasSameStructure(as: expr))
    }
  }
}
