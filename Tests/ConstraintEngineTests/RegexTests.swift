import Testing

@testable import ConstraintEngine

@Suite("Regex: dialect and matching")
struct RegexTests {
  /// PCRE2's answer; every case also holds for the automaton where the pattern takes it.
  private func matches(_ pattern: String, _ subject: String, jit: Bool = true) throws -> Bool {
    let pcre2 = try CompiledRegex(
      pattern: pattern, limits: RegexLimits(allowsJIT: jit, allowsAutomaton: false)
    ).matches(subject)
    let automatic = try CompiledRegex(pattern: pattern, limits: RegexLimits(allowsJIT: jit))
    #expect(try automatic.matches(subject) == pcre2, "\(pattern) on \(subject)")
    return pcre2
  }

  @Test(arguments: [true, false])
  func searchIsUnanchoredUnlessThePatternAnchors(jit: Bool) throws {
    #expect(try matches("[0-9]+", "abc123def", jit: jit))
    #expect(try matches("c1", "abc123", jit: jit))
    #expect(try !matches("^abc", "xabc", jit: jit))
    #expect(try !matches("abc$", "abcx", jit: jit))
    #expect(try matches("^abc$", "abc", jit: jit))
    #expect(try !matches("\\Aabc", "xabc", jit: jit))
  }

  @Test(arguments: [true, false])
  func dollarDoesNotMatchBeforeATrailingNewline(jit: Bool) throws {
    #expect(try !matches("^[0-9]+$", "123\n", jit: jit))
    #expect(try matches("^[0-9]+\\Z", "123\n", jit: jit))
    #expect(try matches("(?m)^[0-9]+$", "123\nabc", jit: jit))
  }

  @Test(arguments: [
    ("0", true), ("-1", true), ("1234567890", true), ("-0", false), ("01", false), ("", false),
    ("1.5", false), ("12 ", false), ("+1", false), ("1\n", false), ("١٢", false),
  ])
  func microUSDFormat(subject: String, expected: Bool) throws {
    let regex = try CompiledRegex(pattern: "^(0|-?[1-9][0-9]*)$")
    #expect(try regex.matches(subject) == expected)
  }

  @Test(arguments: [
    ("1.2.3", true), ("10.0.0-rc.1", true), ("1.2", false), ("01.2.3", false), ("1.2.3-", false),
  ])
  func semanticVersionFormat(subject: String, expected: Bool) throws {
    let pattern = #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"#
    #expect(try CompiledRegex(pattern: pattern).matches(subject) == expected)
  }

  @Test(arguments: [true, false])
  func unicodePropertiesAndCase(jit: Bool) throws {
    #expect(try matches("^\\p{Lu}$", "É", jit: jit))
    #expect(try !matches("^\\p{Lu}$", "é", jit: jit))
    #expect(try matches("^\\p{Ll}+$", "éàü", jit: jit))
    #expect(try !matches("^é$", "É", jit: jit))
    #expect(try matches("(?i)^é$", "É", jit: jit))
    #expect(try matches("(?i)^STRASSE$", "strasse", jit: jit))
    #expect(try matches("^.$", "É", jit: jit))
    #expect(try matches("^.$", "🙂", jit: jit))
    #expect(try !matches("^..$", "🙂", jit: jit))
  }

  @Test(arguments: [true, false])
  func shorthandClassesAreASCIIUnlessThePatternOptsIntoUCP(jit: Bool) throws {
    #expect(try matches("^\\d+$", "123", jit: jit))
    #expect(try !matches("^\\d+$", "١٢٣", jit: jit))
    #expect(try !matches("^\\w+$", "café", jit: jit))
    #expect(try matches("(*UCP)^\\d+$", "١٢٣", jit: jit))
    #expect(try matches("(*UCP)^\\w+$", "café", jit: jit))
  }

  @Test(arguments: [true, false])
  func patternsWithMultibyteCharacters(jit: Bool) throws {
    #expect(try matches("^prix: [0-9]+ €$", "prix: 12 €", jit: jit))
    #expect(try !matches("^prix: [0-9]+ €$", "prix: 12 $", jit: jit))
    #expect(try matches("Grü{2}ße", "Die Grüüße", jit: jit))
    #expect(try matches("^[é-ë]$", "ê", jit: jit))
    #expect(try matches("日本", "ようこそ日本へ", jit: jit))
  }

  @Test(arguments: [true, false])
  func edgeSubjects(jit: Bool) throws {
    #expect(try matches("", "", jit: jit))
    #expect(try matches("^$", "", jit: jit))
    #expect(try !matches("a", "", jit: jit))
    #expect(try matches("^a\\x{0}b$", "a\u{0}b", jit: jit))
    #expect(try matches("^(a)(b)(c)(d)$", "abcd", jit: jit))  // more captures than match data
    #expect(try !matches("^(a)(b)(c)(d)$", "abce", jit: jit))
  }

  @Test func jitUseIsReported() throws {
    #expect(try CompiledRegex(pattern: "a+").isJITCompiled == RegexEngine.isJITAvailable)
    #expect(try !CompiledRegex(pattern: "a+", limits: RegexLimits(allowsJIT: false)).isJITCompiled)
    #expect(try !CompiledRegex(pattern: "(*NO_JIT)a+").isJITCompiled)
    let regex = try CompiledRegex(pattern: "x", limits: RegexLimits(matchLimit: 7))
    #expect(regex.pattern == "x")
    #expect(regex.limits.matchLimit == 7)
  }

  @Test func engineFacts() {
    #expect(RegexEngine.pcre2Version.hasPrefix("10."))
    #expect(RegexEngine.maximumPatternLength == 4_096)
  }

  @Test(arguments: [
    ("a(b", "missing closing parenthesis", 3, 3),
    ("[z-a]", "range out of order in character class", 3, 3),
    ("(?<n>a)(?<n>b)", "two named subpatterns have the same name", 12, 12),
    ("\\", "\\ at end of pattern", 1, 1),
    ("a{2,1}", "numbers out of order in {} quantifier", 5, 5),
    ("é(b", "missing closing parenthesis", 4, 3),
    ("ééé[z-a]", "range out of order in character class", 9, 6),
    ("€x{3,2}", "numbers out of order in {} quantifier", 8, 6),
    ("\\C", "\\C is disabled", 2, 2),
    ("ab(?C1)c", "callouts (?C…) are not supported", 2, 2),
    ("é(?C'x')", "callouts (?C…) are not supported", 2, 1),
    ("(?<=a+)b", "lookbehind assertion is not fixed length", 0, 0),
  ])
  func compileErrorsCarryMessageAndOffsets(
    pattern: String, message: String, utf8Offset: Int, scalarOffset: Int
  ) {
    #expect {
      _ = try CompiledRegex(pattern: pattern)
    } throws: { error in
      guard let error = error as? Diagnostic else { return false }
      return error.code == .invalidRegex && error.message.contains(message)
        && error.range.start.offset == utf8Offset && error.range.start.line == 1
        && error.range.start.column == scalarOffset + 1
    }
  }

  @Test func scalarOffsetPointsAtTheOffendingCharacter() throws {
    let pattern = "^é+(x"
    let error = try #require(throws: Diagnostic.self) {
      try CompiledRegex(pattern: pattern)
    }
    let end = SourceLocation(
      offset: pattern.utf8.count, line: 1, column: pattern.unicodeScalars.count + 1)
    #expect(error.range == SourceRange(at: end))
  }

  /// A compile error's range is the offending character, with its line and column in a
  /// pattern over several lines.
  @Test func compileErrorRangeCoversTheCharacterOnItsLine() throws {
    let error = try #require(throws: Diagnostic.self) {
      try CompiledRegex(pattern: "a\né*{2,1}")
    }
    #expect(error.code == .invalidRegex)
    #expect(error.range.start == SourceLocation(offset: 9, line: 2, column: 7))
    #expect(error.range.end == SourceLocation(offset: 10, line: 2, column: 8))
  }

  @Test func patternLengthIsCapped() throws {
    let longest = String(repeating: "é", count: 2_047) + "ab"
    #expect(longest.utf8.count == RegexEngine.maximumPatternLength)
    #expect(try CompiledRegex(pattern: longest).matches("x" + longest + "x"))
    let error = try #require(throws: Diagnostic.self) {
      try CompiledRegex(pattern: longest + "c")
    }
    #expect(error.message.contains("maximum is 4096"))
    #expect(error.range.start == SourceLocation(offset: 4_096, line: 1, column: 2_050))
  }

  @Test func matchErrorMessages() {
    #expect(RegexMatchError.matchLimitExceeded.message == "regex match limit exceeded")
    #expect(RegexMatchError.depthLimitExceeded.message == "regex depth limit exceeded")
    #expect(RegexMatchError.heapLimitExceeded.message == "regex heap limit exceeded")
    #expect(RegexMatchError.jitStackLimitExceeded.message == "regex JIT stack limit exceeded")
    #expect(RegexMatchError.jitStackLimitExceeded.isLimit)
    #expect(!RegexMatchError.other(code: -2, message: "x").isLimit)
  }
}
