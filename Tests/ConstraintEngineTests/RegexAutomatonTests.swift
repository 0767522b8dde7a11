import Testing

@testable import ConstraintEngine

@Suite("Regex: the automaton for anchored ASCII patterns")
struct RegexAutomatonTests {
  /// Which patterns the automaton takes (the rest stay with PCRE2).
  static let subsetCases: [(String, Bool)] = [
    ("^(0|-?[1-9][0-9]*)$", true),  // the billing rules' amount format
    ("^[0-9]+$", true),  // the public corpus's two patterns
    (#"^\d+\.\d+\.\d+$"#, true),
    ("^", true),
    ("^acct_[a-z0-9]{6}", true),
    (#"^[-+]?[\w.]{1,8}(?:\s|\t)\d*$"#, true),
    ("^[a-]x?$", true),
    ("^.*$", true),
    ("[0-9]+", false),  // unanchored: PCRE2 counts its search steps
    ("^a|b", false),  // `^` anchors only the first branch
    ("^(a+)+$", false),  // a quantified group
    ("^(ab)?$", false),
    ("^a*?$", false),  // lazy
    ("^a++$", false),  // possessive
    ("^[[:digit:]]$", false),
    ("^[]a]$", false),
    ("^[a-c-e]$", false),
    (#"^\bx"#, false),
    (#"^(a)\1$"#, false),
    ("^a{,3}$", false),  // a quantifier from PCRE2 10.43, literal before
    ("^a{2$", false),
    ("^é$", false),
    ("^(?i)a$", false),
    ("(*UCP)^a$", false),
    ("^a$b", false),
    (#"^\x41$"#, false),
  ]

  @Test(arguments: subsetCases)
  func patternsInTheSubsetUseTheAutomaton(pattern: String, expected: Bool) throws {
    #expect(try CompiledRegex(pattern: pattern).usesAutomaton == expected)
    #expect(
      try CompiledRegex(pattern: pattern, limits: RegexLimits(allowsAutomaton: false))
        .usesAutomaton == false)
  }

  @Test func largeAutomataAreLeftToPCRE2() throws {
    #expect(try CompiledRegex(pattern: "^a{128}$").usesAutomaton)
    #expect(try !CompiledRegex(pattern: "^a{129}$").usesAutomaton)
    #expect(try !CompiledRegex(pattern: "^a{2,}[ab]{2,}[abc]{9000}$").usesAutomaton)
    // Every distinct suffix of a 20-byte window is its own state: far over 200 states.
    #expect(try !CompiledRegex(pattern: "^[ab]*a[ab]{19}$").usesAutomaton)
    // 2^7 = 128 states of 3 byte classes fit in 4,096 transitions; with 36 distinct literals
    // after them (38 classes), they do not.
    #expect(try CompiledRegex(pattern: "^[ab]*a[ab]{6}$").usesAutomaton)
    let literals = "cdefghijklmnopqrstuvwxyz0123456789_."
    #expect(try !CompiledRegex(pattern: "^[ab]*a[ab]{6}\(literals)$").usesAutomaton)
  }

  /// UTF-8 characters are outside the automaton's alphabet: PCRE2 answers once one is reached,
  /// counting a character (not a byte) against `[^a]` and `.`.
  @Test func nonASCIISubjectsAreHandedToPCRE2() throws {
    let cases: [(String, String, Bool)] = [
      ("^[^a]$", "é", true),
      ("^[^a]{2}$", "é", false),
      ("^.$", "€", true),
      (#"^\D\W\S$"#, "ééé", true),
      ("^x[^a]*$", "xé€𝄞", true),
      ("^y", "xé", false),  // decided before the UTF-8 character
      ("^x", "xé", true),
    ]
    for (pattern, subject, expected) in cases {
      let regex = try CompiledRegex(pattern: pattern)
      #expect(regex.usesAutomaton)
      #expect(try regex.matches(subject) == expected, "\(pattern) on \(subject)")
    }
  }

  /// Quantified single characters keep PCRE2 polynomial, not bounded: five overlapping `[0-9]*`
  /// before a missing letter reach its match limit on 300 digits. The automaton answers.
  @Test(arguments: [true, false])
  func polynomialBacktrackingIsAnsweredByTheAutomaton(jit: Bool) throws {
    let pattern = "^[0-9]*[0-9]*[0-9]*[0-9]*[0-9]*[a-z]$"
    let subject = String(repeating: "7", count: 300)
    let pcre2 = try CompiledRegex(
      pattern: pattern, limits: RegexLimits(allowsJIT: jit, allowsAutomaton: false))
    #expect(throws: RegexMatchError.matchLimitExceeded) { try pcre2.matches(subject) }
    let automaton = try CompiledRegex(pattern: pattern, limits: RegexLimits(allowsJIT: jit))
    #expect(automaton.usesAutomaton)
    #expect(try automaton.matches(subject) == false)
    #expect(try automaton.matches(subject + "x") == true)
    // A UTF-8 character reached first hands the subject to PCRE2, and to its limits (the
    // fuzz target's first finding, Fuzz/regressions/regex/automaton-hands-…).
    let handedBack = String(repeating: "7", count: 60) + "é" + String(repeating: "7", count: 240)
    #expect(throws: RegexMatchError.matchLimitExceeded) { try automaton.matches(handedBack) }
  }

  /// One compiled automaton, eight tasks matching at once (its tables are read-only).
  @Test func concurrentMatchesShareOneAutomaton() async throws {
    let regex = try CompiledRegex(pattern: "^(0|-?[1-9][0-9]*)$")
    #expect(regex.usesAutomaton)
    let wrong = await withTaskGroup(of: Int.self) { group in
      for task in 0..<8 {
        group.addTask {
          var wrong = 0
          for index in 0..<10_000 {
            let number = task * 10_000 + index
            let valid = index % 3 != 0
            let subject = valid ? String(-number) : "0\(number)"
            if (try? regex.matches(subject)) != valid { wrong += 1 }
          }
          return wrong
        }
      }
      return await group.reduce(0, +)
    }
    #expect(wrong == 0)
  }

  @Test func matchesChargeOnlyTheSubjectBytes() throws {
    let regex = try CompiledRegex(pattern: "^(0|-?[1-9][0-9]*)$")
    var work = 0
    #expect(try regex.matches(String(repeating: "9", count: 640), work: &work))
    #expect(work == Metering.match(subjectBytes: 640))
  }

  /// The automaton gives PCRE2's answer: random patterns of the subset (and some just outside
  /// it), on subjects drawn from each pattern and mutated, against PCRE2 with the automaton off.
  @Test(arguments: [1, 2, 3, 4] as [UInt64])
  func automatonAgreesWithPCRE2(seed: UInt64) throws {
    var generator = RegexSubsetGenerator(seed: seed)
    var compared = 0
    var automatonPatterns = 0
    var outcomes: [Bool: Int] = [:]
    for _ in 0..<600 {
      let piece = generator.pattern()
      let automatic = try CompiledRegex(pattern: piece.pattern)
      let pcre2 = try CompiledRegex(
        pattern: piece.pattern, limits: RegexLimits(allowsAutomaton: false))
      if automatic.usesAutomaton { automatonPatterns += 1 }
      for _ in 0..<24 {
        let subject = generator.subject(for: piece)
        let expected = Result { () throws(RegexMatchError) in try pcre2.matches(subject) }
        guard case .success(let expectedValue) = expected else { continue }
        let actual = try automatic.matches(subject)
        #expect(
          actual == expectedValue,
          "\(Value.quoted(piece.pattern)) on \(Value.quoted(subject))")
        compared += 1
        if automatic.usesAutomaton { outcomes[actual, default: 0] += 1 }
      }
    }
    #expect(automatonPatterns > 400, "only \(automatonPatterns) of 600 in the subset")
    #expect(outcomes[true, default: 0] > 2_000 && outcomes[false, default: 0] > 2_000)
    #expect(compared > 12_000)
  }
}

/// Random patterns in (and occasionally just outside) the automaton subset, each with a way to
/// draw subjects it matches.
struct RegexSubsetGenerator {
  struct Piece {
    var pattern: String
    /// Draws a subject from the piece (one the pattern matches, before mutation).
    var draw: (inout SeededGenerator) -> String
  }

  var random: SeededGenerator

  init(seed: UInt64) { random = SeededGenerator(seed: seed) }

  static let characters: [(String, [String])] = [
    ("a", ["a"]), ("0", ["0"]), ("-", ["-"]), ("x", ["x"]), (" ", [" "]), ("_", ["_"]),
    (#"\."#, ["."]), (#"\-"#, ["-"]), (#"\$"#, ["$"]), (#"\d"#, ["0", "7"]),
    (#"\w"#, ["a", "Z", "_", "3"]), (#"\s"#, [" ", "\t", "\n", "\u{0B}"]),
    (#"\D"#, ["a", "-", "é"]), (#"\W"#, ["-", " ", "é"]), (#"\S"#, ["x", "é"]),
    (".", ["a", "é", " ", "\r"]), ("[0-9]", ["0", "9"]), ("[1-9]", ["1", "5"]),
    ("[a-z_]", ["q", "_"]), ("[^0-9]", ["a", "é", "\n"]), ("[-a]", ["-", "a"]),
    ("[a-]", ["a", "-"]), (#"[\d.]"#, ["3", "."]), (#"[^\s]"#, ["x", "€"]), (#"\n"#, ["\n"]),
    ("[$^.|]", ["$", "^", ".", "|"]), (#"[\]\\]"#, ["]", "\\"]), ("[^-]", ["x", "é"]),
    (#"\t"#, ["\t"]), ("[A-Fa-f0-9]", ["B", "e", "0"]),
  ]

  static let quantifiers: [(String, ClosedRange<Int>)] = [
    ("", 1...1), ("", 1...1), ("*", 0...3), ("+", 1...3), ("?", 0...1), ("{2}", 2...2),
    ("{1,}", 1...3), ("{0,2}", 0...2), ("{1,3}", 1...3),
  ]

  static let alphabet: [String] = [
    "a", "x", "0", "7", "9", "-", ".", " ", "_", "\n", "\t", "é", "€", "Z", "$", "\u{0}",
  ]

  mutating func pattern() -> Piece {
    let body = sequence(depth: 0)
    var pattern = "^" + body.pattern
    let anchoredAtEnd = Int.random(in: 0..<10, using: &random) < 7
    if anchoredAtEnd { pattern += "$" }
    return Piece(pattern: pattern, draw: body.draw)
  }

  /// A subject drawn from `piece`, mutated half of the time, or random (one in eight).
  mutating func subject(for piece: Piece) -> String {
    if Int.random(in: 0..<8, using: &random) == 0 {
      let length = Int.random(in: 0..<8, using: &random)
      return (0..<length).map { _ in Self.alphabet.randomElement(using: &random)! }.joined()
    }
    var characters = Array(piece.draw(&random))
    if Bool.random(using: &random) {
      let replacement = Character(Self.alphabet.randomElement(using: &random)!)
      let position = Int.random(in: 0...characters.count, using: &random)
      switch Int.random(in: 0..<3, using: &random) {
      case 0: characters.insert(replacement, at: position)
      case 1 where !characters.isEmpty: characters.remove(at: min(position, characters.count - 1))
      default:
        if position < characters.count {
          characters[position] = replacement
        } else {
          characters.append(replacement)
        }
      }
    }
    return String(characters)
  }

  private mutating func sequence(depth: Int) -> Piece {
    let count = Int.random(in: 1...4, using: &random)
    var pieces: [Piece] = []
    for _ in 0..<count {
      if depth < 2, Int.random(in: 0..<5, using: &random) == 0 {
        pieces.append(group(depth: depth + 1))
      } else {
        pieces.append(quantifiedCharacter())
      }
    }
    return Piece(
      pattern: pieces.map(\.pattern).joined(),
      draw: { random in pieces.map { $0.draw(&random) }.joined() })
  }

  private mutating func quantifiedCharacter() -> Piece {
    let (text, members) = Self.characters.randomElement(using: &random)!
    let (quantifier, counts) = Self.quantifiers.randomElement(using: &random)!
    // One in twenty is lazy: outside the subset, compared all the same.
    let lazy = !quantifier.isEmpty && Int.random(in: 0..<20, using: &random) == 0
    return Piece(
      pattern: text + quantifier + (lazy ? "?" : ""),
      draw: { random in
        let count = Int.random(in: counts, using: &random)
        return (0..<count).map { _ in members.randomElement(using: &random)! }.joined()
      })
  }

  private mutating func group(depth: Int) -> Piece {
    let branchCount = Int.random(in: 1...3, using: &random)
    var branches: [Piece] = []
    for _ in 0..<branchCount {
      // An empty branch now and then: `(|a)`.
      if Int.random(in: 0..<8, using: &random) == 0 {
        branches.append(Piece(pattern: "", draw: { _ in "" }))
      } else {
        branches.append(sequence(depth: depth))
      }
    }
    let opening = Bool.random(using: &random) ? "(" : "(?:"
    // One in ten is quantified: outside the subset (PCRE2 keeps it).
    let quantified = Int.random(in: 0..<10, using: &random) == 0
    let choose: (inout SeededGenerator) -> String = { random in
      branches.randomElement(using: &random)!.draw(&random)
    }
    return Piece(
      pattern: opening + branches.map(\.pattern).joined(separator: "|") + ")"
        + (quantified ? "?" : ""),
      draw: { random in
        quantified && Bool.random(using: &random) ? "" : choose(&random)
      })
  }
}
