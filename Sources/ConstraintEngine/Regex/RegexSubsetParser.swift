/// Reads a pattern that PCRE2 has already compiled into a ``RegexSubsetTerm`` when it lies in
/// ``RegexAutomaton``'s subset; anything outside it (or written in a way PCRE2 might read
/// differently) gives nil, and the pattern stays with PCRE2.
struct RegexSubsetParser {
  let bytes: [UInt8]
  /// What `.` matches, or nil when `.` is outside the subset.
  let dot: ASCIISet?
  private var index = 0

  init(bytes: [UInt8], dot: ASCIISet?) {
    self.bytes = bytes
    self.dot = dot
  }

  /// The deepest group nesting read.
  static let maximumDepth = 32

  /// The pattern's tree and whether it ends with `$`.
  mutating func parse() -> (RegexSubsetTerm, anchoredAtEnd: Bool)? {
    guard bytes.first == ascii("^") else { return nil }
    index = 1
    guard let (term, branches) = parseChoice(depth: 0), branches == 1 else { return nil }
    var anchoredAtEnd = false
    if index == bytes.count - 1, bytes[index] == ascii("$") {
      anchoredAtEnd = true
      index += 1
    }
    guard index == bytes.count else { return nil }
    return (term, anchoredAtEnd)
  }

  private mutating func parseChoice(depth: Int) -> (RegexSubsetTerm, branches: Int)? {
    guard depth <= Self.maximumDepth else { return nil }
    var branches: [RegexSubsetTerm] = []
    while true {
      guard let branch = parseSequence(depth: depth) else { return nil }
      branches.append(branch)
      guard peek() == ascii("|") else { break }
      index += 1
    }
    return (branches.count == 1 ? branches[0] : .choice(branches), branches.count)
  }

  private mutating func parseSequence(depth: Int) -> RegexSubsetTerm? {
    var items: [RegexSubsetTerm] = []
    while let byte = peek() {
      if byte == ascii("|") || byte == ascii(")") { break }
      if byte == ascii("$") {
        guard depth == 0, index == bytes.count - 1 else { return nil }
        break
      }
      if byte == ascii("(") {
        index += 1
        if peek() == ascii("?") {
          guard peek(1) == ascii(":") else { return nil }
          index += 2
        }
        guard let (inner, _) = parseChoice(depth: depth + 1), peek() == ascii(")") else {
          return nil
        }
        index += 1
        if let next = peek(), Self.startsQuantifier(next) { return nil }
        items.append(inner)
        continue
      }
      guard let set = parseCharacter(), let item = parseQuantifier(on: set) else { return nil }
      items.append(item)
    }
    return items.count == 1 ? items[0] : .sequence(items)
  }

  private static func startsQuantifier(_ byte: UInt8) -> Bool {
    byte == ascii("*") || byte == ascii("+") || byte == ascii("?") || byte == ascii("{")
  }

  /// One character outside a class: a literal, an escape, `.` or a bracket class.
  private mutating func parseCharacter() -> ASCIISet? {
    guard let byte = peek() else { return nil }
    switch byte {
    case ascii("["):
      return parseClass()
    case ascii("."):
      index += 1
      return dot
    case ascii("\\"):
      guard let escaped = peek(1) else { return nil }
      index += 2
      return Self.escape(escaped, inClass: false)
    case ascii("^"), ascii("*"), ascii("+"), ascii("?"), ascii("{"), ascii("}"), ascii("]"),
      ascii(")"):
      return nil
    case 0x20...0x7E:
      index += 1
      return ASCIISet(byte)
    default:
      return nil
    }
  }

  /// A greedy quantifier after a character, if any; nil for lazy, possessive or anything PCRE2
  /// might read as literal braces.
  private mutating func parseQuantifier(on set: ASCIISet) -> RegexSubsetTerm? {
    let minimum: Int
    var maximum: Int?
    switch peek() {
    case ascii("*"):
      index += 1
      minimum = 0
    case ascii("+"):
      index += 1
      minimum = 1
    case ascii("?"):
      index += 1
      minimum = 0
      maximum = 1
    case ascii("{"):
      index += 1
      guard let low = parseCount() else { return nil }
      minimum = low
      if peek() == ascii(",") {
        index += 1
        if peek() != ascii("}") {
          guard let high = parseCount(), high >= low else { return nil }
          maximum = high
        }
      } else {
        maximum = low
      }
      guard peek() == ascii("}") else { return nil }
      index += 1
    default:
      return .characters(set)
    }
    if let next = peek(), Self.startsQuantifier(next) { return nil }
    return .repeated(set, minimum: minimum, maximum: maximum)
  }

  /// A decimal count of at most four digits.
  private mutating func parseCount() -> Int? {
    var value = 0
    var digits = 0
    while let byte = peek(), byte >= ascii("0"), byte <= ascii("9") {
      guard digits < 4 else { return nil }
      value = value * 10 + Int(byte - ascii("0"))
      digits += 1
      index += 1
    }
    return digits == 0 ? nil : value
  }

  /// A bracket class: literals, escaped punctuation, `\d \w \s`, ranges between literals; `^`
  /// first negates; `-` only first or last. `[` inside (POSIX classes) and `]` first are left to
  /// PCRE2.
  private mutating func parseClass() -> ASCIISet? {
    index += 1
    var negated = false
    if peek() == ascii("^") {
      negated = true
      index += 1
    }
    var set = ASCIISet()
    var isFirst = true
    while true {
      guard let byte = peek() else { return nil }
      if byte == ascii("]") {
        guard !isFirst else { return nil }
        index += 1
        break
      }
      if byte == ascii("\\") {
        guard let escaped = peek(1) else { return nil }
        index += 2
        // An escape is never a range's end point.
        guard let escapeSet = Self.escape(escaped, inClass: true),
          peek() != ascii("-") || peek(1) == ascii("]")
        else { return nil }
        set.formUnion(escapeSet)
        isFirst = false
        continue
      }
      guard byte >= 0x20, byte <= 0x7E, byte != ascii("[") else { return nil }
      if byte == ascii("-"), !isFirst, peek(1) != ascii("]") { return nil }
      index += 1
      let low = byte
      if peek() == ascii("-"), let high = peek(1), high != ascii("]") {
        guard low != ascii("-"), high >= 0x20, high <= 0x7E, high != ascii("\\"),
          high != ascii("["), high >= low
        else { return nil }
        index += 2
        set.formUnion(ASCIISet(low...high))
      } else {
        set.insert(low)
      }
      isFirst = false
    }
    return negated ? set.inverted : set
  }

  /// The characters `\` + `byte` stands for: a class escape or a literal one, nil otherwise.
  private static func escape(_ byte: UInt8, inClass: Bool) -> ASCIISet? {
    classEscape(byte, negatable: !inClass) ?? literalEscape(byte).map { ASCIISet($0) }
  }

  private static let digits = ASCIISet(ascii("0")...ascii("9"))
  private static let word: ASCIISet = {
    var word = digits
    word.formUnion(ASCIISet(ascii("a")...ascii("z")))
    word.formUnion(ASCIISet(ascii("A")...ascii("Z")))
    word.insert(ascii("_"))
    return word
  }()
  private static let space: ASCIISet = {
    var space = ASCIISet(0x09...0x0D)
    space.insert(0x20)
    return space
  }()

  /// `\d \w \s` (and, outside classes, `\D \W \S`) as PCRE2 reads them without UCP.
  private static func classEscape(_ byte: UInt8, negatable: Bool) -> ASCIISet? {
    switch byte {
    case ascii("d"): return digits
    case ascii("w"): return word
    case ascii("s"): return space
    case ascii("D") where negatable: return digits.inverted
    case ascii("W") where negatable: return word.inverted
    case ascii("S") where negatable: return space.inverted
    default: return nil
    }
  }

  /// The character an escape other than a class stands for: `\t \n \r \f` and escaped ASCII
  /// punctuation; nil for anything else (back-references, assertions, `\x…`, …).
  private static func literalEscape(_ byte: UInt8) -> UInt8? {
    switch byte {
    case ascii("t"): return 0x09
    case ascii("n"): return 0x0A
    case ascii("r"): return 0x0D
    case ascii("f"): return 0x0C
    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return byte
    default: return nil
    }
  }

  private func peek(_ offset: Int = 0) -> UInt8? {
    index + offset < bytes.count ? bytes[index + offset] : nil
  }
}

@inline(__always)
private func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }
