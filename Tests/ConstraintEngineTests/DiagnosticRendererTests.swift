import ConstraintEngine
import Testing

@Suite("Diagnostic renderer")
struct DiagnosticRendererTests {
  let renderer = DiagnosticRenderer()

  private func renderedError(_ source: String, name: String? = nil) throws -> String {
    let diagnostic = try #require(parseError(source))
    return renderer.render(diagnostic, source: source, sourceName: name)
  }

  @Test func rendersTheDocumentedExample() throws {
    let text = try renderedError("a == 1 garbage")
    #expect(
      text == """
        error[CE1112]: unexpected `garbage` after the end of the expression
         --> <expression>:1:8
          |
        1 | a == 1 garbage
          |        ^^^^^^^
        """)
  }

  /// The caret line's carets sit exactly under the marked text of the source line.
  @Test(arguments: [
    "a == 1 ⟦garbage⟧",
    "a ⟦=⟧ 1",
    "'é😀' == ⟦ü⟧",
    "a == ⟦'⟧never closed",
    "a < b ⟦<⟧ c",
    "f(a⟦,⟧)",
    "(a == 1⟦⟧",
    "\ta\t⟦b⟧",
  ])
  func caretsSitUnderTheRange(marked: String) throws {
    let case_ = MarkedSource(marked)
    let lines = try renderedError(case_.source)
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.count >= 5)
    let sourceLine = lines[3]
    let caretLine = lines[4]
    #expect(sourceLine.hasPrefix("1 | "))
    #expect(caretLine.hasPrefix("  | "))
    let shown = Array(sourceLine.dropFirst(4).unicodeScalars)
    let carets = Array(caretLine.dropFirst(4).unicodeScalars)
    let utf8 = Array(case_.source.utf8)
    let before = String(decoding: utf8[0..<case_.range.lowerBound], as: UTF8.self)
    let inside = String(decoding: utf8[case_.range], as: UTF8.self)
    let column = before.unicodeScalars.count
    let expectedCount = max(1, inside.unicodeScalars.count)
    #expect(carets.count == column + expectedCount, "\(caretLine)")
    #expect(carets[column...].allSatisfy { $0 == "^" })
    #expect(carets[..<column].allSatisfy { $0 == " " || $0 == "\t" })
    #expect(zip(carets[..<column], shown).allSatisfy { $0 == "\t" ? $1 == "\t" : true })
  }

  @Test func multiLineSourcesShowTheRightLine() throws {
    let source = "a == 1 &&\n  b == 2 &&\n  c ~ 3"
    let text = try renderedError(source, name: "rules.json [r1]")
    #expect(
      text == """
        error[CE1005]: unexpected character `~` (U+007E)
         --> rules.json [r1]:3:5
          |
        3 |   c ~ 3
          |     ^
        """)
  }

  @Test func notesWithRangesGetTheirOwnCaret() throws {
    let source = "(a && b"
    let text = try renderedError(source)
    #expect(
      text == """
        error[CE1110]: expected `)` after the expression to close `(`, but the expression ends
         --> <expression>:1:8
          |
        1 | (a && b
          |        ^
        note: unclosed `(` opened here
         --> <expression>:1:1
          |
        1 | (a && b
          | ^
        """)
  }

  @Test func notesWithoutRangesAreListed() {
    let range = SourceRange(
      start: SourceLocation(offset: 0, line: 1, column: 1),
      end: SourceLocation(offset: 1, line: 1, column: 2))
    let diagnostic = Diagnostic(
      .unknownFunction, "unknown function", at: range,
      notes: [DiagnosticNote("did you mean `len`?")])
    let text = renderer.render(diagnostic, source: "f(x)")
    #expect(text.hasSuffix("\n  = note: did you mean `len`?"))
  }

  @Test func gutterWidensForLargeLineNumbers() throws {
    let source = String(repeating: "a &&\n", count: 11) + "b c"
    let text = try renderedError(source)
    #expect(text.contains("\n  --> <expression>:12:3\n   |\n12 | b c\n   |   ^"))
  }

  @Test func longLinesAreWindowedAroundTheRange() throws {
    let source = String(repeating: "a && ", count: 200) + "a ⟦oops⟧ " + String(
      repeating: "&& b ", count: 200)
    let case_ = MarkedSource(source)
    let text = try renderedError(case_.source)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines[3].unicodeScalars.count < 140)
    #expect(lines[3].contains("…"))
    let caretColumn = lines[4].firstIndex(of: "^").map {
      lines[4].distance(from: lines[4].startIndex, to: $0)
    }
    let wordColumn = lines[3].range(of: "oops").map {
      lines[3].distance(from: lines[3].startIndex, to: $0.lowerBound)
    }
    #expect(caretColumn != nil && caretColumn == wordColumn)
    #expect(lines[4].filter { $0 == "^" }.count == 4)
  }

  @Test func colourOnlyWhenAsked() throws {
    let diagnostic = try #require(parseError("a = 1"))
    let plain = DiagnosticRenderer().render(diagnostic, source: "a = 1")
    let coloured = DiagnosticRenderer(useColor: true).render(diagnostic, source: "a = 1")
    #expect(!plain.contains("\u{1B}["))
    #expect(coloured.contains("\u{1B}[1;31merror[CE1004]:\u{1B}[0m"))
    #expect(coloured.contains("^"))
  }

  @Test func controlCharactersAreNotEchoedRaw() throws {
    for source in ["a \u{1B}[2J", "a '\u{1B}[2J'", "a\n'\u{7}x'"] {
      let text = try renderedError(source)
      #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(source)")
    }
  }

  @Test func emptySourcesRenderAPoint() throws {
    let text = try renderedError("")
    #expect(text.hasSuffix("1 |\n  | ^"))
  }

  @Test func colourIsOffForNonTerminals() {
    // Test processes write to pipes or files, never to a terminal on fd -1.
    #expect(!DiagnosticRenderer.shouldUseColor(forStandardErrorOrOutput: -1))
  }
}
