import CPCRE2

/// A deterministic automaton for an anchored pattern in a small ASCII subset of PCRE2, matched
/// in one table lookup per subject byte, without PCRE2's per-match setup and without
/// backtracking (so without limits to reach).
///
/// The subset (anything else is left to PCRE2):
/// - the pattern starts with `^` and may end with `$`; no other anchor, and no top-level `|`
///   (`^a|b` anchors only its first branch);
/// - characters: printable ASCII literals, escaped ASCII punctuation, `\d \D \w \W \s \S`,
///   `\t \n \r \f`, `.` (when PCRE2's newline is LF), and bracket classes (optionally negated)
///   of literals, escaped punctuation, ranges between literals and `\d \w \s`;
/// - capturing and `(?:…)` groups with alternation, never quantified;
/// - greedy `* + ? {n} {n,} {n,m}` on a single character.
///
/// Quantifiers on single characters only keep PCRE2's own backtracking polynomial; the
/// automaton then gives PCRE2's answer (`tests: RegexAutomatonTests`, `Fuzz/run.sh regex`),
/// in linear time even where PCRE2 would have reached its match limit first.
///
/// A subject byte ≥ 0x80 reached before the answer is known hands the subject back to PCRE2
/// (``matches(_:)`` returns nil): UTF-8 characters are outside the automaton's alphabet.
///
/// The tables live in memory this value owns; ``deallocate()`` frees them (the owning
/// ``CompiledRegex`` does, in its `deinit`). The value itself is trivial, so matching retains
/// nothing. Bytes the pattern cannot tell apart share a class and a column, and a table over
/// ``maximumTableEntries`` is left to PCRE2, so an automaton takes at most ~4.5 KiB.
struct RegexAutomaton {
  /// Most character positions (characters after expanding counted repetitions) of a pattern.
  static let maximumPositions = 128
  /// Most states of an automaton.
  static let maximumStates = 200
  /// Most transitions (states × byte classes) of an automaton.
  static let maximumTableEntries = 4_096

  /// Row `state` (`classCount` entries): the next state for each byte class. 0 is the dead
  /// state, 255 means "not ASCII: ask PCRE2".
  private let transitions: UnsafeMutablePointer<UInt8>
  /// The class of each byte (256 entries); every byte ≥ 0x80 is in the last class.
  private let byteClasses: UnsafeMutablePointer<UInt8>
  private let classCount: Int
  /// Whether each state accepts.
  private let accepting: UnsafeMutablePointer<Bool>
  /// Whether the pattern ends with `$`: only a state reached at the end of the subject counts.
  private let anchoredAtEnd: Bool

  private static let dead: UInt8 = 0
  private static let start = 1
  private static let notASCII: UInt8 = 255

  /// The automaton of `pattern`, or nil when the pattern is outside the subset or its automaton
  /// would be larger than the limits above. `pattern` has already compiled with PCRE2.
  init?(pattern: String) {
    var parser = RegexSubsetParser(bytes: Array(pattern.utf8), dot: Self.dotCharacters)
    guard let (term, anchoredAtEnd) = parser.parse() else { return nil }
    var positions = GlushkovPositions()
    guard let whole = positions.add(term) else { return nil }
    // Position 0 stands for "nothing read yet"; its follow set is the pattern's first set.
    positions.follow[0] = whole.first
    var last = whole.last
    if whole.nullable { last.insert(0) }

    // Byte classes: ASCII bytes read by the same positions are one class; non-ASCII the last.
    var signatures: [PositionSet] = []
    var classOfByte = [UInt8](repeating: 0, count: 256)
    for byte in 0..<128 {
      var signature = PositionSet()
      for position in 1..<positions.characters.count
      where positions.characters[position].contains(UInt8(byte)) {
        signature.insert(position)
      }
      if let known = signatures.firstIndex(of: signature) {
        classOfByte[byte] = UInt8(known)
      } else {
        classOfByte[byte] = UInt8(signatures.count)
        signatures.append(signature)
      }
    }
    let classCount = signatures.count + 1
    for byte in 128..<256 { classOfByte[byte] = UInt8(signatures.count) }

    var states: [PositionSet] = [PositionSet(), PositionSet(single: 0)]  // dead, `start`
    var rows: [[UInt8]] = [[UInt8](repeating: Self.dead, count: classCount)]
    var state = Self.start
    while state < states.count {
      var reachable = PositionSet()
      for position in states[state] { reachable.formUnion(positions.follow[position]) }
      // A live state hands non-ASCII bytes to PCRE2.
      var row = [UInt8](repeating: Self.dead, count: classCount)
      row[classCount - 1] = Self.notASCII
      for (byteClass, signature) in signatures.enumerated() {
        var next = reachable
        next.formIntersection(signature)
        if next.isEmpty { continue }
        // States are few (at most `maximumStates`): a linear search is cheaper than hashing.
        if let known = states.firstIndex(of: next) {
          row[byteClass] = UInt8(known)
        } else {
          guard states.count < Self.maximumStates,
            (states.count + 1) * classCount <= Self.maximumTableEntries
          else { return nil }
          row[byteClass] = UInt8(states.count)
          states.append(next)
        }
      }
      rows.append(row)
      state += 1
    }

    let transitions = UnsafeMutablePointer<UInt8>.allocate(capacity: states.count * classCount)
    let accepting = UnsafeMutablePointer<Bool>.allocate(capacity: states.count)
    for (state, row) in rows.enumerated() {
      (transitions + state * classCount).initialize(from: row, count: classCount)
      accepting[state] = state != 0 && !states[state].isDisjoint(with: last)
    }
    let byteClasses = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    byteClasses.initialize(from: classOfByte, count: 256)
    self.transitions = transitions
    self.byteClasses = byteClasses
    self.classCount = classCount
    self.accepting = accepting
    self.anchoredAtEnd = anchoredAtEnd
  }

  /// Frees the tables; the value must not be used afterwards.
  func deallocate() {
    transitions.deallocate()
    byteClasses.deallocate()
    accepting.deallocate()
  }

  /// Whether the pattern matches `subject` (anchored at its start), or nil when a byte ≥ 0x80
  /// was reached before the answer was known.
  @inline(__always)
  func matches(_ subject: UnsafeBufferPointer<UInt8>) -> Bool? {
    var state = Self.start
    if anchoredAtEnd {
      for byte in subject {
        let next = self.next(from: state, byte)
        if next == Self.dead { return false }
        if next == Self.notASCII { return nil }
        state = Int(next)
      }
      return accepting[state]
    }
    if accepting[state] { return true }
    for byte in subject {
      let next = self.next(from: state, byte)
      if next == Self.dead { return false }
      if next == Self.notASCII { return nil }
      state = Int(next)
      if accepting[state] { return true }
    }
    return false
  }

  @inline(__always)
  private func next(from state: Int, _ byte: UInt8) -> UInt8 {
    transitions[state &* classCount &+ Int(byteClasses[Int(byte)])]
  }

  /// What `.` matches in ASCII: everything but PCRE2's newline, when that is LF (the default
  /// build); nil (so `.` is left to PCRE2) for any other newline convention.
  static let dotCharacters: ASCIISet? = {
    var newline: UInt32 = 0
    guard pcre2_config_8(UInt32(PCRE2_CONFIG_NEWLINE), &newline) >= 0,
      newline == UInt32(PCRE2_NEWLINE_LF)
    else { return nil }
    var dot = ASCIISet.all
    dot.remove(0x0A)
    return dot
  }()
}

/// A set of ASCII bytes.
struct ASCIISet: Equatable {
  private var low: UInt64 = 0
  private var high: UInt64 = 0

  static let all: ASCIISet = {
    var set = ASCIISet()
    set.low = ~0
    set.high = ~0
    return set
  }()

  init() {}

  init(_ byte: UInt8) { insert(byte) }

  init(_ range: ClosedRange<UInt8>) {
    for byte in range { insert(byte) }
  }

  func contains(_ byte: UInt8) -> Bool {
    byte < 64 ? low >> byte & 1 != 0 : byte < 128 ? high >> (byte - 64) & 1 != 0 : false
  }

  mutating func insert(_ byte: UInt8) {
    if byte < 64 { low |= 1 << byte } else if byte < 128 { high |= 1 << (byte - 64) }
  }

  mutating func remove(_ byte: UInt8) {
    if byte < 64 { low &= ~(1 << byte) } else if byte < 128 { high &= ~(1 << (byte - 64)) }
  }

  mutating func formUnion(_ other: ASCIISet) {
    low |= other.low
    high |= other.high
  }

  /// The ASCII bytes not in this set.
  var inverted: ASCIISet {
    var set = ASCIISet()
    set.low = ~low
    set.high = ~high
    return set
  }
}

/// A set of positions (0 ..< ``RegexAutomaton/maximumPositions`` + 1) of a Glushkov automaton.
struct PositionSet: Equatable, Sequence {
  private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)

  init() {}

  init(single position: Int) { insert(position) }

  var isEmpty: Bool { words.0 | words.1 | words.2 == 0 }

  mutating func insert(_ position: Int) {
    switch position >> 6 {
    case 0: words.0 |= 1 << UInt64(position & 63)
    case 1: words.1 |= 1 << UInt64(position & 63)
    default: words.2 |= 1 << UInt64(position & 63)
    }
  }

  mutating func formUnion(_ other: PositionSet) {
    words.0 |= other.words.0
    words.1 |= other.words.1
    words.2 |= other.words.2
  }

  mutating func formIntersection(_ other: PositionSet) {
    words.0 &= other.words.0
    words.1 &= other.words.1
    words.2 &= other.words.2
  }

  func isDisjoint(with other: PositionSet) -> Bool {
    words.0 & other.words.0 | words.1 & other.words.1 | words.2 & other.words.2 == 0
  }

  static func == (left: PositionSet, right: PositionSet) -> Bool {
    left.words == right.words
  }

  func makeIterator() -> Iterator { Iterator(remaining: words) }

  /// The positions in increasing order.
  struct Iterator: IteratorProtocol {
    var remaining: (UInt64, UInt64, UInt64)
    var base = 0

    mutating func next() -> Int? {
      while true {
        if remaining.0 != 0 {
          let bit = remaining.0.trailingZeroBitCount
          remaining.0 &= remaining.0 &- 1
          return base + bit
        }
        guard base < 128 else { return nil }
        remaining = (remaining.1, remaining.2, 0)
        base += 64
      }
    }
  }
}

/// A pattern of the automaton subset, as a tree.
indirect enum RegexSubsetTerm {
  case characters(ASCIISet)
  case sequence([RegexSubsetTerm])
  case choice([RegexSubsetTerm])
  /// A character repeated `minimum` to `maximum` (nil: unbounded) times.
  case repeated(ASCIISet, minimum: Int, maximum: Int?)
}

/// The positions of a Glushkov automaton: one per character of the expanded pattern, each with
/// the characters it reads and the positions that may follow it. Position 0 is the start.
struct GlushkovPositions {
  var characters: [ASCIISet] = [ASCIISet()]
  var follow: [PositionSet] = [PositionSet()]

  struct Fragment {
    var nullable: Bool
    var first: PositionSet
    var last: PositionSet

    static let empty = Fragment(nullable: true, first: PositionSet(), last: PositionSet())
  }

  /// Adds the positions of `term`; nil past ``RegexAutomaton/maximumPositions``.
  mutating func add(_ term: RegexSubsetTerm) -> Fragment? {
    switch term {
    case .characters(let set):
      return character(set)
    case .sequence(let items):
      var result = Fragment.empty
      for item in items {
        guard let next = add(item) else { return nil }
        result = sequence(result, next)
      }
      return result
    case .choice(let branches):
      var result = Fragment(nullable: false, first: PositionSet(), last: PositionSet())
      for branch in branches {
        guard let next = add(branch) else { return nil }
        result.nullable = result.nullable || next.nullable
        result.first.formUnion(next.first)
        result.last.formUnion(next.last)
      }
      return result
    case .repeated(let set, let minimum, let maximum):
      if (maximum ?? minimum + 1) > RegexAutomaton.maximumPositions { return nil }
      var result = Fragment.empty
      for _ in 0..<minimum {
        guard let next = character(set) else { return nil }
        result = sequence(result, next)
      }
      if let maximum {
        for _ in minimum..<maximum {
          guard var next = character(set) else { return nil }
          next.nullable = true
          result = sequence(result, next)
        }
      } else {
        guard var loop = character(set) else { return nil }
        for position in loop.last { follow[position].formUnion(loop.first) }
        loop.nullable = true
        result = sequence(result, loop)
      }
      return result
    }
  }

  private mutating func character(_ set: ASCIISet) -> Fragment? {
    guard characters.count <= RegexAutomaton.maximumPositions else { return nil }
    let position = characters.count
    characters.append(set)
    follow.append(PositionSet())
    let only = PositionSet(single: position)
    return Fragment(nullable: false, first: only, last: only)
  }

  private mutating func sequence(_ left: Fragment, _ right: Fragment) -> Fragment {
    for position in left.last { follow[position].formUnion(right.first) }
    var first = left.first
    if left.nullable { first.formUnion(right.first) }
    var last = right.last
    if right.nullable { last.formUnion(left.last) }
    return Fragment(nullable: left.nullable && right.nullable, first: first, last: last)
  }
}
