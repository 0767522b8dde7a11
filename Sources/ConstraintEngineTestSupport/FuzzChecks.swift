import ConstraintEngine
import Foundation

/// The properties the fuzz harness (`Fuzz/`) asserts, one function per input surface.
///
/// Each function takes the raw fuzz input and returns `nil` when every property holds, or a
/// description of the violated property. The libFuzzer targets turn a violation into a crash;
/// the regression tests replay the saved inputs through the same functions without sanitizers,
/// so a regression replays exactly what the fuzzer checked.
public enum FuzzChecks {
  /// The `now` every fuzzed evaluation uses, so time builtins are deterministic.
  public static let fixedNow = "2026-01-01T00:00:00Z"

  /// Step budget of fuzzed evaluations: small, so nested quantifiers hit it quickly.
  public static let evaluationSteps = 10_000

  /// JSON limits of fuzzed snapshots and documents: small enough that a fuzz input reaches them.
  public static let jsonLimits = JSONLimits(
    maximumDepth: 64, maximumDocumentBytes: 1 << 20, maximumStringBytes: 1 << 16,
    maximumNumberDigits: 256, maximumExponent: 512, maximumValues: 100_000)

  // MARK: parse

  /// Lexer and parser: accepted input round-trips through the printer to the same tree (and the
  /// printed text is a fixpoint); rejected input has a diagnostic with a valid range.
  public static func parse(_ data: [UInt8]) -> String? {
    let source = String(decoding: data, as: UTF8.self)
    let expr: Expr
    do {
      expr = try Parser.parse(source)
    } catch {
      return rangeProblem(error.range, in: source).map { "parse diagnostic `\(error)`: \($0)" }
    }
    let printed = Printer.print(expr)
    let reparsed: Expr
    do {
      reparsed = try Parser.parse(printed)
    } catch {
      return "printed form \(Value.quoted(printed)) of an accepted input does not parse: \(error)"
    }
    if !expr.hasSameStructure(as: reparsed) {
      return "printed form \(Value.quoted(printed)) parses to a different tree "
        + "(\(Value.quoted(Printer.print(reparsed))))"
    }
    let reprinted = Printer.print(reparsed)
    if reprinted != printed {
      return "printing is not a fixpoint: \(Value.quoted(printed)) then "
        + Value.quoted(reprinted)
    }
    return rangeProblems(of: expr, in: source)
  }

  // MARK: eval

  /// Splits input at the first `\n` or NUL byte into an expression and a JSON snapshot (an empty
  /// object when there is no separator). Compile diagnostics must have valid ranges; a compiled
  /// program must give the same outcome as the reference interpreter (same kind; same message
  /// and range for errors and deferrals; for a failure, the same explanation as the reference
  /// explanation), and every range it reports must be valid.
  public static func eval(_ data: [UInt8]) -> String? {
    let separator = data.firstIndex { $0 == 0 || $0 == UInt8(ascii: "\n") }
    let source = String(decoding: data[..<(separator ?? data.endIndex)], as: UTF8.self)
    let snapshotBytes = separator.map { Array(data[($0 + 1)...]) } ?? Array("{}".utf8)
    return eval(source: source, snapshot: snapshotBytes)
  }

  /// The ``eval(_:)`` property for an expression and the bytes of its snapshot.
  public static func eval(source: String, snapshot snapshotBytes: [UInt8]) -> String? {
    let options = CompileOptions(evaluationLimits: EvaluationLimits(maximumSteps: evaluationSteps))
    let program: Program
    do {
      program = try Compiler.compile(source, options: options)
    } catch {
      if error.diagnostics.isEmpty { return "compile failure without a diagnostic" }
      for diagnostic in error.diagnostics {
        if let problem = rangeProblem(diagnostic.range, in: source) {
          return "compile diagnostic `\(diagnostic)`: \(problem)"
        }
      }
      return nil
    }
    guard let snapshot = try? JSONReader.read(snapshotBytes, limits: jsonLimits) else {
      return nil
    }
    let context = EvaluationContext(now: fixedNow, flags: ["fuzz"], state: snapshot["_state"])
    let compiled = program.evaluate(snapshot, context: context)
    let reference = program.evaluateWithReferenceInterpreter(snapshot, context: context)
    if let difference = outcomeDifference(compiled, reference) {
      return "compiled and reference interpreter disagree on \(Value.quoted(source)) over "
        + "\(JSONWriter.canonical(snapshot)): \(difference)"
    }
    if let problem = fastPathProblem(program, snapshot, context: context) {
      return "\(Value.quoted(source)) over \(JSONWriter.canonical(snapshot)): \(problem)"
    }
    switch compiled {
    case .pass:
      return nil
    case .error(let diagnostic), .deferred(let diagnostic):
      return rangeProblem(diagnostic.range, in: source).map {
        "evaluation diagnostic `\(diagnostic)`: \($0)"
      }
    case .fail:
      let explained = program.evaluate(snapshot, context: context, explain: true)
      guard case .fail(let explanation) = explained else {
        return "evaluating with an explanation changed the outcome to \(explained)"
      }
      let referenceExplained = program.evaluateWithReferenceInterpreter(
        snapshot, context: context, explain: true)
      if case .fail(let reference) = referenceExplained, reference != explanation {
        return "the explanation of \(Value.quoted(source)) over "
          + "\(JSONWriter.canonical(snapshot)) differs from the reference explanation: "
          + "\(explanation) vs \(reference)"
      }
      for item in explanation.items {
        if let problem = rangeProblem(item.range, in: source) {
          return "explanation item \(Value.quoted(item.value)): \(problem)"
        }
      }
      return nil
    }
  }

  /// The compiled program's fast path against its general path: whenever the fast path
  /// decides, the general path must pass (fast: true) or fail (fast: false); nil when they
  /// agree or the fast path leaves the snapshot to the general path.
  public static func fastPathProblem(
    _ program: Program, _ snapshot: Value, context: EvaluationContext
  ) -> String? {
    guard let decision = program.fastDecision(snapshot) else { return nil }
    let general = program.evaluateOnGeneralPath(snapshot, context: context)
    switch (decision, general) {
    case (true, .pass), (false, .fail): return nil
    default: return "the fast path decided \(decision), the general path gave \(general)"
    }
  }

  /// How two outcomes differ, or nil when they agree (failures' explanations are not compared).
  public static func outcomeDifference(_ left: Outcome, _ right: Outcome) -> String? {
    switch (left, right) {
    case (.pass, .pass), (.fail, .fail):
      return nil
    case (.error(let a), .error(let b)), (.deferred(let a), .deferred(let b)):
      if a.message == b.message && a.range == b.range { return nil }
      return "\(left) at \(a.range) vs \(right) at \(b.range)"
    default:
      return "\(left) vs \(right)"
    }
  }

  // MARK: json

  /// The JSON reader: a document it accepts is accepted by Foundation's `JSONSerialization`
  /// with the same structure, and its canonical form reads back to an equal value whose
  /// canonical form is the same text; a rejected document's error position is inside it.
  public static func json(_ data: [UInt8]) -> String? {
    let value: Value
    do {
      value = try JSONReader.read(data, limits: jsonLimits)
    } catch {
      return jsonErrorProblem(error, in: data)
    }
    let canonical = JSONWriter.canonical(value)
    let reread: Value
    do {
      reread = try JSONReader.read(canonical, limits: jsonLimits)
    } catch {
      return "canonical form \(canonical) does not read back: \(error)"
    }
    if !value.structurallyEquals(reread) {
      return "canonical form \(canonical) reads back as \(JSONWriter.canonical(reread))"
    }
    let recanonical = JSONWriter.canonical(reread)
    if recanonical != canonical {
      return "canonical form is not a fixpoint: \(canonical) then \(recanonical)"
    }
    let foundation: Any
    do {
      foundation = try JSONSerialization.jsonObject(
        with: Data(data), options: [.fragmentsAllowed])
    } catch {
      return "accepted, but JSONSerialization rejects it: \(error)"
    }
    return foundationDifference(value, foundation, path: "$")
  }

  /// Where a value read by the engine and one read by `JSONSerialization` differ. Numbers are
  /// compared only when both sides are exact (integers within ±2^53): Foundation reads others
  /// through `Double`, a documented difference (docs/FUZZING.md).
  static func foundationDifference(_ value: Value, _ other: Any, path: String) -> String? {
    var pending: [(Value, Any, String)] = [(value, other, path)]
    while let (value, other, path) = pending.popLast() {
      switch value {
      case .missing:
        return "\(path): the reader produced a missing value"
      case .null:
        if !(other is NSNull) { return "\(path): null vs \(type(of: other))" }
      case .bool(let flag):
        guard let number = other as? NSNumber, isBoolean(number) || number.intValue <= 1 else {
          return "\(path): \(flag) vs \(other)"
        }
        if number.boolValue != flag { return "\(path): \(flag) vs \(number)" }
      case .number(let number):
        guard let foundationNumber = other as? NSNumber else {
          return "\(path): number vs \(type(of: other))"
        }
        if let exact = exactInteger(number),
          let foundationExact = exactInteger(foundationNumber), exact != foundationExact
        {
          return "\(path): \(number) vs \(foundationNumber)"
        }
      case .string(let string):
        guard let foundationString = other as? String else {
          return "\(path): string vs \(type(of: other))"
        }
        if !Value.scalarsEqual(withoutBOM(string), withoutBOM(foundationString)) {
          return "\(path): \(Value.quoted(string)) vs \(Value.quoted(foundationString))"
        }
      case .array(let elements):
        guard let foundationArray = other as? [Any], foundationArray.count == elements.count
        else {
          return "\(path): array of \(elements.count) vs \(type(of: other))"
        }
        for (index, element) in elements.enumerated() {
          pending.append((element, foundationArray[index], "\(path)[\(index)]"))
        }
      case .object(let object):
        guard let dictionary = other as? [String: Any] else {
          return "\(path): object vs \(type(of: other))"
        }
        var foundationMembers: [String: Any] = [:]
        for (key, member) in dictionary { foundationMembers[withoutBOM(key)] = member }
        var keys: [String: String] = [:]
        for (key, _) in object { keys[withoutBOM(key)] = key }
        // Keys this reader keeps apart but Foundation merges: skip the object (documented).
        if keys.count < object.count { continue }
        for (key, member) in object {
          guard let foundationMember = foundationMembers[withoutBOM(key)] else {
            return "\(path): key \(Value.quoted(key)) missing in Foundation's object"
          }
          pending.append((member, foundationMember, "\(path).\(key)"))
        }
        if object.count != dictionary.count {
          return "\(path): \(object.count) members vs \(dictionary.count)"
        }
      }
    }
    return nil
  }

  /// `string` without U+FEFF: swift-corelibs-foundation drops a U+FEFF that starts a string or
  /// follows an escape (`{"\u{FEFF}c": 1}` reads as key `c`), where RFC 8259 and this reader keep
  /// it; a documented difference, skipped.
  private static func withoutBOM(_ string: String) -> String {
    guard string.unicodeScalars.contains("\u{FEFF}") else { return string }
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: string.unicodeScalars.lazy.filter { $0 != "\u{FEFF}" })
    return String(scalars)
  }

  private static func isBoolean(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c" || type(of: number) == type(of: NSNumber(true))
  }

  /// An integer within ±2^53 (exact in both readers), as text.
  private static func exactInteger(_ number: Number) -> String? {
    let text = number.description
    guard text.utf8.count <= 16, let integer = Int64(text), abs(integer) <= 1 << 53 else {
      return nil
    }
    return String(integer)
  }

  private static func exactInteger(_ number: NSNumber) -> String? {
    let double = number.doubleValue
    guard double.rounded() == double, abs(double) <= 9_007_199_254_740_992 else { return nil }
    return String(Int64(double))
  }

  private static func jsonErrorProblem(_ error: Diagnostic, in data: [UInt8]) -> String? {
    let start = error.range.start
    if error.code != .invalidJSON {
      return "JSON error `\(error)` has code \(error.code), not \(DiagnosticCode.invalidJSON)"
    }
    if start.offset < 0 || start.offset > data.count {
      return "JSON error `\(error)` at offset \(start.offset) outside 0...\(data.count)"
    }
    if start.line < 1 || start.column < 1 {
      return "JSON error `\(error)` at line \(start.line), column \(start.column)"
    }
    let newlines = data[..<start.offset].lazy.filter { $0 == UInt8(ascii: "\n") }.count
    if start.line != newlines + 1 {
      return "JSON error `\(error)` on line \(start.line), but offset \(start.offset) is on "
        + "line \(newlines + 1)"
    }
    return nil
  }

  // MARK: regex

  /// Splits input at the first NUL byte into a pattern and a subject. A pattern that compiles
  /// matches the subject within the limits (a limit is an error, never a hang) and, when both
  /// engines finish, the JIT and the interpreter agree; a pattern the automaton takes agrees
  /// with each of them that finishes, and fails only on a subject it hands to PCRE2 (one with a
  /// byte ≥ 0x80) and only at a limit; a compile error's offset is inside the pattern.
  public static func regex(_ data: [UInt8]) -> String? {
    let separator = data.firstIndex(of: 0)
    let pattern = String(decoding: data[..<(separator ?? data.endIndex)], as: UTF8.self)
    let subject = separator.map { String(decoding: data[($0 + 1)...], as: UTF8.self) } ?? ""
    let interpreted: CompiledRegex
    do {
      interpreted = try CompiledRegex(
        pattern: pattern, limits: RegexLimits(allowsJIT: false, allowsAutomaton: false))
    } catch {
      let range = error.range
      if range.start.offset < 0 || range.end.offset > pattern.utf8.count
        || range.start.offset > range.end.offset
      {
        return "regex compile error `\(error)` at \(range.start.offset)..<"
          + "\(range.end.offset), outside 0...\(pattern.utf8.count)"
      }
      if range.start.line < 1 || range.start.column < 1
        || range.start.column > pattern.unicodeScalars.count + 1
      {
        return "regex compile error `\(error)` at \(range.start)"
      }
      return nil
    }
    let jitted: CompiledRegex
    do {
      jitted = try CompiledRegex(pattern: pattern, limits: RegexLimits(allowsAutomaton: false))
    } catch {
      return "pattern compiles without JIT but not with it: \(error)"
    }
    let automatic: CompiledRegex
    do {
      automatic = try CompiledRegex(pattern: pattern, limits: .default)
    } catch {
      return "pattern compiles for PCRE2 but not with the automaton: \(error)"
    }
    let interpretedResult = Result { () throws(RegexMatchError) in
      try interpreted.matches(subject)
    }
    let jittedResult = Result { () throws(RegexMatchError) in try jitted.matches(subject) }
    for case .failure(let error) in [interpretedResult, jittedResult]
    where !error.isLimit && !isExpectedMatchError(error) {
      return "match of \(Value.quoted(pattern)) failed outside the limits: \(error)"
    }
    if case .success(let a) = interpretedResult, case .success(let b) = jittedResult, a != b {
      return "interpreter says \(a), JIT says \(b) for \(Value.quoted(pattern)) on "
        + Value.quoted(subject)
    }
    guard automatic.usesAutomaton else { return nil }
    let automaton: Bool
    do { automaton = try automatic.matches(subject) } catch {
      // Only a subject handed back to PCRE2 (a byte ≥ 0x80) may reach PCRE2's limits.
      if subject.utf8.allSatisfy({ $0 < 0x80 }) || !error.isLimit {
        return "the automaton of \(Value.quoted(pattern)) failed on \(Value.quoted(subject)): "
          + "\(error)"
      }
      return nil
    }
    for case .success(let pcre2) in [interpretedResult, jittedResult] where pcre2 != automaton {
      return "PCRE2 says \(pcre2), the automaton \(automaton) for \(Value.quoted(pattern)) on "
        + Value.quoted(subject)
    }
    return nil
  }

  /// PCRE2 match errors a pattern can cause by itself, reported as evaluation errors like the
  /// limits: `PCRE2_ERROR_RECURSELOOP` (-52), a recursion that loops at one subject position
  /// (`(?R)a` on `a`). Anything else is an internal failure.
  static func isExpectedMatchError(_ error: RegexMatchError) -> Bool {
    if case .other(let code, _) = error { return code == -52 }
    return false
  }

  // MARK: rule files

  /// Rule files: ``RuleFileLoader/parse(_:path:)`` never crashes; every error it or
  /// ``RuleSet/compile(_:flags:options:)`` reports has a valid position (in the file for
  /// structural errors, in the rule's expression for expression diagnostics); every range of the
  /// located JSON and every rule's location is valid in the file.
  public static func ruleFile(_ data: [UInt8]) -> String? {
    let text = String(decoding: data, as: UTF8.self)
    if let located = try? JSONReader.readLocated(text, limits: jsonLimits),
      let problem = locatedRangeProblem(located, in: text)
    {
      return problem
    }
    let path = "fuzz.constraints.json"
    let file: RuleFile
    do {
      file = try RuleFileLoader.parse(text, path: path)
    } catch {
      if error.diagnostics.isEmpty { return "the loader failed without an error" }
      return ruleFileErrorProblem(error.diagnostics, in: text)
    }
    if let problem = ruleFileErrorProblem(file.warnings, in: text) { return problem }
    for rule in file.rules {
      for location in [rule.location, rule.expressionLocation] {
        if let problem = rangeProblem(SourceRange(at: location), in: text) {
          return "rule \(Value.quoted(rule.id)) location: \(problem)"
        }
      }
    }
    guard case .failure(let failure) = RuleSet.compile([file], flags: ["fuzz"]) else {
      return nil
    }
    if failure.diagnostics.isEmpty { return "rule set compilation failed without an error" }
    return ruleFileErrorProblem(failure.diagnostics, in: text)
  }

  private static func ruleFileErrorProblem(_ errors: [Diagnostic], in text: String)
    -> String?
  {
    for error in errors {
      guard error.file != nil else { return "rule file error `\(error)` names no file" }
      if let range = error.fileRange, let problem = rangeProblem(range, in: text) {
        return "rule file error `\(error)`: \(problem)"
      }
      if let expression = error.expression,
        let problem = rangeProblem(error.range, in: expression)
      {
        return "rule file error `\(error)`: \(problem)"
      }
    }
    return nil
  }

  /// The first invalid range of a located document (values and keys).
  static func locatedRangeProblem(_ root: LocatedJSON, in text: String) -> String? {
    var pending = [root]
    while let node = pending.popLast() {
      if let problem = rangeProblem(node.range, in: text) {
        return "located JSON value: \(problem)"
      }
      switch node.kind {
      case .scalar: break
      case .array(let elements): pending.append(contentsOf: elements)
      case .object(let members):
        for member in members {
          if let problem = rangeProblem(member.keyRange, in: text) {
            return "located JSON key \(Value.quoted(member.key)): \(problem)"
          }
          pending.append(member.value)
        }
      }
    }
    return nil
  }

  // MARK: ranges

  /// Why `range` is not a valid range of `source`: offsets within the text on scalar
  /// boundaries, start ≤ end, and line/column matching the offset (lines split at `\n`,
  /// columns in Unicode scalars).
  public static func rangeProblem(_ range: SourceRange, in source: String) -> String? {
    if range.start.offset > range.end.offset {
      return "range \(range) starts after it ends (\(range.start.offset) > \(range.end.offset))"
    }
    let utf8 = Array(source.utf8)
    for location in [range.start, range.end] {
      guard location.offset >= 0, location.offset <= utf8.count else {
        return "offset \(location.offset) outside the source (0...\(utf8.count))"
      }
      if location.offset < utf8.count, utf8[location.offset] & 0xC0 == 0x80 {
        return "offset \(location.offset) is inside a UTF-8 sequence"
      }
      var line = 1
      var column = 1
      for byte in utf8[..<location.offset] {
        if byte == UInt8(ascii: "\n") {
          line += 1
          column = 1
        } else if byte & 0xC0 != 0x80 {
          column += 1
        }
      }
      if location.line != line || location.column != column {
        return "location \(location) does not match offset \(location.offset) (\(line):\(column))"
      }
    }
    return nil
  }

  /// The first invalid range in an accepted tree: every node's range (and its name and
  /// operator ranges) is valid and lies within its parent's range.
  static func rangeProblems(of root: Expr, in source: String) -> String? {
    // Linear in the tree: each range is checked against a table of the source's lines and
    // columns, and a node is printed only to describe a problem (printing every node of a
    // 300-term chain, and walking the source for each of its ranges, made a 2 KB input take
    // seconds under the sanitizers: a libFuzzer timeout).
    let table = RangeTable(source)
    var pending: [(Expr, SourceRange?)] = [(root, nil)]
    while let (expr, parent) = pending.popLast() {
      var ranges = [expr.range]
      var children: [Expr] = []
      switch expr.kind {
      case .number, .string, .bool, .null, .identifier: break
      case .member(let base, _, let nameRange):
        ranges.append(nameRange)
        children = [base]
      case .index(let base, _), .length(let base), .unary(_, let base): children = [base]
      case .quantifier(_, let base, _, let variableRange, let body):
        ranges.append(variableRange)
        children = [base, body]
      case .call(_, let nameRange, let arguments):
        ranges.append(nameRange)
        children = arguments
      case .array(let elements): children = elements
      case .binary(_, let left, let right, let operatorRange):
        ranges.append(operatorRange)
        children = [left, right]
      }
      for range in ranges {
        if let problem = table.problem(range) {
          return "node \(Value.quoted(Printer.print(expr))): \(problem)"
        }
        if let parent, range.start.offset < parent.start.offset
          || range.end.offset > parent.end.offset
        {
          return "node \(Value.quoted(Printer.print(expr))): range \(range) is outside its "
            + "parent's \(parent)"
        }
      }
      for child in children { pending.append((child, expr.range)) }
    }
    return nil
  }
}
