import ConstraintEngine

/// Long inputs from short fuzz inputs: libFuzzer's inputs stay within a few kilobytes, far from
/// the paths only long inputs reach (trees as tall as a 200,000-term chain, explanations of
/// 10,000 terms, documents refused by their memory estimate, long JSON lines). The `long`
/// target reads a recipe and expands it.
extension FuzzChecks {
  /// The most bytes a recipe expands to.
  public static let longInputLimit = 2 << 20

  /// A recipe: byte 0 the shape (mod 4), bytes 1–2 a count (little-endian, times 4: up to
  /// 262,140 repetitions), then NUL-separated `unit`, `separator`, `prefix`, `suffix`. The
  /// input is `prefix + unit (separator unit)… + suffix`, at most ``longInputLimit`` bytes.
  /// Shapes: 0 an expression (parsed, printed, compiled, evaluated, explained), 1 a JSON
  /// document, 2 a rule file holding the expression as its rule, 3 JSON lines.
  public static func long(_ data: [UInt8]) -> String? {
    guard data.count >= 3 else { return nil }
    let (shape, bytes) = expandLongRecipe(data)
    switch shape {
    case 0: return longExpression(String(decoding: bytes, as: UTF8.self))
    case 1: return longDocument(bytes)
    case 2: return longRuleFile(String(decoding: bytes, as: UTF8.self))
    default: return longLines(bytes)
    }
  }

  /// The shape and the expanded input of a recipe.
  public static func expandLongRecipe(_ data: [UInt8]) -> (shape: Int, bytes: [UInt8]) {
    let shape = Int(data[0] % 4)
    let repetitions = (Int(data[1]) | Int(data[2]) << 8) * 4
    let fields = data[3...].split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
    func field(_ index: Int) -> ArraySlice<UInt8> { index < fields.count ? fields[index] : [] }
    let unit = field(0)
    let separator = field(1)
    var bytes = Array(field(2))
    let suffix = field(3)
    let step = max(1, unit.count + separator.count)
    let room = max(0, longInputLimit - bytes.count - suffix.count)
    let count = min(repetitions, room / step)
    bytes.reserveCapacity(bytes.count + count * step + suffix.count)
    for index in 0..<count {
      if index > 0 { bytes.append(contentsOf: separator) }
      bytes.append(contentsOf: unit)
    }
    bytes.append(contentsOf: suffix)
    return (shape, bytes)
  }

  /// Limits letting long expressions through the parser (the checker still bounds chains).
  static let longParseLimits = ParseLimits(
    maximumDepth: 64, maximumSourceLength: ParseLimits.maximumSupportedSourceLength)

  /// The snapshot long expressions are evaluated on.
  static let longSnapshot =
    (try? JSONReader.read(#"{"a": false, "b": 1, "c": "x", "d": [1, 2, 3], "e": {"f": true}}"#))
    ?? .missing

  /// A long expression: parsed, printed and parsed again to the same tree (every range
  /// valid); compiled with its diagnostics' ranges valid; evaluated by the program and the
  /// reference interpreter alike; explained within ``Explanation/maximumItems``.
  static func longExpression(_ source: String) -> String? {
    let ranges = RangeTable(source)
    let expr: Expr
    do {
      expr = try Parser.parse(source, limits: longParseLimits)
    } catch {
      return ranges.problem(error.range).map { "parse diagnostic `\(error.message)`: \($0)" }
    }
    let printed = Printer.print(expr)
    if printed.utf8.count > longParseLimits.effectiveSourceLength {
      // Canonical spacing took it past the limit: formatting must refuse it, not write it.
      do {
        _ = try Printer.canonical(source, limits: longParseLimits)
        return "the canonical form (\(printed.utf8.count) bytes) is past the limit yet accepted"
      } catch {
        return error.message.hasPrefix("the canonical form is")
          ? nil : "formatting a source whose canonical form is too long: `\(error.message)`"
      }
    }
    guard let reparsed = try? Parser.parse(printed, limits: longParseLimits) else {
      return "the printed form (\(printed.utf8.count) bytes) of an accepted input does not parse"
    }
    if !expr.hasSameStructure(as: reparsed) {
      return "the printed form (\(printed.utf8.count) bytes) parses to a different tree"
    }
    if Printer.print(reparsed) != printed { return "printing is not a fixpoint" }
    if let problem = ranges.problems(of: expr) { return problem }
    let options = CompileOptions(
      parseLimits: longParseLimits,
      evaluationLimits: EvaluationLimits(maximumSteps: evaluationSteps))
    let program: Program
    do {
      program = try Compiler.compile(source, options: options)
    } catch {
      for diagnostic in error.diagnostics {
        if let problem = ranges.problem(diagnostic.range) {
          return "compile diagnostic `\(diagnostic.message)`: \(problem)"
        }
      }
      return error.diagnostics.isEmpty ? "compile failure without a diagnostic" : nil
    }
    let snapshot = longSnapshot
    let compiled = program.evaluate(snapshot, explain: true)
    let reference = program.evaluateWithReferenceInterpreter(snapshot)
    if let difference = outcomeDifference(compiled, reference) {
      return "compiled and reference interpreter disagree: \(difference)"
    }
    if let problem = fastPathProblem(program, snapshot, context: .empty) { return problem }
    switch compiled {
    case .pass: return nil
    case .error(let diagnostic), .deferred(let diagnostic):
      return ranges.problem(diagnostic.range).map { "evaluation diagnostic: \($0)" }
    case .fail(let explanation):
      if explanation.items.count > Explanation.maximumItems {
        return "an explanation kept \(explanation.items.count) values"
      }
      for item in explanation.items {
        if let problem = ranges.problem(item.range) { return "explanation item: \(problem)" }
      }
      let rendered = ExplanationRenderer().render(explanation, source: source)
      // The source lines, two rows per line of values, the omission line.
      let lines = rendered.split(separator: "\n").count
      if lines > 3 * Explanation.maximumItems + 1 {
        return "a rendered explanation has \(lines) lines"
      }
      return nil
    }
  }

  /// A long JSON document under the default limits: accepted and written back to an equal
  /// value, or refused at a position inside it.
  static func longDocument(_ bytes: [UInt8]) -> String? {
    let value: Value
    do {
      value = try JSONReader.read(bytes)
    } catch {
      let offset = error.range.start.offset
      if offset < 0 || offset > bytes.count {
        return "JSON error `\(error.message)` at offset \(offset) outside the document"
      }
      return nil
    }
    let canonical = JSONWriter.canonical(value)
    guard let reread = try? JSONReader.read(canonical) else {
      return "the canonical form (\(canonical.utf8.count) bytes) does not read back"
    }
    return value.structurallyEquals(reread) ? nil : "the canonical form reads back differently"
  }

  /// A rule file whose one rule is the long expression: loaded and compiled with every error
  /// located, and checked on the snapshot.
  static func longRuleFile(_ expression: String) -> String? {
    let text =
      #"{"schema_id": "S", "expression_version": "2.0", "constraints": [{"id": "r", "#
      + #""expression": "# + JSONWriter.canonical(.string(expression)) + "}]}"
    let file: RuleFile
    do {
      file = try RuleFileLoader.parse(text, path: "long.constraints.json")
    } catch {
      return error.diagnostics.isEmpty ? "the loader failed without an error" : nil
    }
    switch RuleSet.compile([file]) {
    case .success(let ruleSet):
      _ = ruleSet.check(longSnapshot, ruleIndexes: [0], explain: true)
      return nil
    case .failure(let failure):
      let ranges = RangeTable(expression)
      for error in failure.diagnostics {
        if error.expression != nil, let problem = ranges.problem(error.range) {
          return "rule error `\(error.message)`: \(problem)"
        }
      }
      return failure.diagnostics.isEmpty ? "compilation failed without an error" : nil
    }
  }

  /// JSON lines: every line is read or refused with its line number and a position inside
  /// the line, and the lines read are the lines there are.
  static func longLines(_ bytes: [UInt8]) -> String? {
    var previous = 0
    for line in JSONLinesReader(bytes: bytes, chunkSize: 1 << 12) {
      if line.number <= previous { return "line \(line.number) after line \(previous)" }
      previous = line.number
      if case .failure(let error) = line.result,
        error.range.start.offset < 0 || error.range.start.offset > line.byteCount
      {
        return "the error of line \(line.number) is at offset \(error.range.start.offset), "
          + "outside its \(line.byteCount) bytes"
      }
    }
    let newlines = bytes.lazy.filter { $0 == UInt8(ascii: "\n") }.count
    return previous > newlines + 1 ? "line \(previous) of \(newlines + 1)" : nil
  }
}

/// Valid ranges of one source, checked in constant time each: the line and column of every
/// offset, computed once (``FuzzChecks/rangeProblem(_:in:)`` walks the source per range,
/// which a tree of a million nodes cannot afford).
struct RangeTable {
  private let utf8: [UInt8]
  private let lines: [Int32]
  private let columns: [Int32]

  init(_ source: String) {
    utf8 = Array(source.utf8)
    var lines: [Int32] = []
    var columns: [Int32] = []
    lines.reserveCapacity(utf8.count + 1)
    columns.reserveCapacity(utf8.count + 1)
    var line: Int32 = 1
    var column: Int32 = 1
    for byte in utf8 {
      lines.append(line)
      columns.append(column)
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    lines.append(line)
    columns.append(column)
    self.lines = lines
    self.columns = columns
  }

  func problem(_ range: SourceRange) -> String? {
    if range.start.offset > range.end.offset { return "range \(range) starts after it ends" }
    for location in [range.start, range.end] {
      guard location.offset >= 0, location.offset <= utf8.count else {
        return "offset \(location.offset) outside the source (0...\(utf8.count))"
      }
      if location.offset < utf8.count, utf8[location.offset] & 0xC0 == 0x80 {
        return "offset \(location.offset) is inside a UTF-8 sequence"
      }
      if location.line != Int(lines[location.offset])
        || location.column != Int(columns[location.offset])
      {
        return "location \(location) does not match offset \(location.offset)"
      }
    }
    return nil
  }

  /// The first invalid range of a tree (iteratively: trees may be as tall as they are long).
  func problems(of root: Expr) -> String? {
    var pending: [Expr] = [root]
    while let expr = pending.popLast() {
      if let problem = problem(expr.range) { return "node: \(problem)" }
      switch expr.kind {
      case .member(_, _, let range), .quantifier(_, _, _, let range, _), .call(_, let range, _),
        .binary(_, _, _, let range):
        if let problem = problem(range) { return "name or operator: \(problem)" }
      default: break
      }
      pending.append(contentsOf: expr.children)
    }
    return nil
  }
}
