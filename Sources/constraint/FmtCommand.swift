import ArgumentParser
import ConstraintEngine
import Foundation

struct FmtCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Rewrite expressions in canonical form, or check that they already are.",
    discussion: """
      With no paths, reads one expression per line from standard input and prints each in \
      canonical form (blank lines stay blank).

      With rule files (*.constraints.json) or directories (searched recursively, in sorted \
      order), rewrites each constraint's `expression` string in place. Only the bytes of \
      non-canonical expression strings change; the rest of each file is preserved byte for \
      byte. Constraints with "evaluator": "runtime-deferred" (prose expressions) are skipped.

      --check changes nothing: it lists every rule whose expression is not canonical and \
      exits 1, or exits 0 when all are canonical.

      Exit status: 0 success, 1 not canonical (--check), 2 an expression or file could not be \
      read or parsed (the diagnostic names the file and rule, with a caret in the expression).

      Examples:
        constraint fmt Rules/                  rewrite every rule file under Rules/
        constraint fmt --check Rules/          what CI runs (make check)
        constraint fmt a.constraints.json b.constraints.json
        echo "a==1&&(b||c)" | constraint fmt
          a == 1 && (b || c)
      """)

  @Argument(help: "Rule files (*.constraints.json) or directories. Standard input when empty.")
  var paths: [String] = []

  @Flag(help: "Change nothing; exit 1 and list the rules whose expression is not canonical.")
  var check = false

  @OptionGroup var limitOptions: ParseLimitOptions

  func run() throws {
    let status = paths.isEmpty ? try formatStandardInput() : try formatFiles()
    if status != 0 { throw ExitCode(status) }
  }

  // MARK: - Standard input

  private func formatStandardInput() throws -> Int32 {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let input = String(validating: Array(data), as: UTF8.self) else {
      StandardError.write("error: standard input is not valid UTF-8")
      return 2
    }
    var lines = input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if input.hasSuffix("\n") { lines.removeLast() }
    var output: [String] = []
    var failed = false
    var notCanonical = false
    var offset = 0
    for (index, rawLine) in lines.enumerated() {
      defer { offset += rawLine.utf8.count + 1 }
      let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
        output.append("")
        continue
      }
      do {
        let canonical = Printer.print(try Parser.parse(line, limits: limitOptions.limits))
        output.append(canonical)
        if !canonical.unicodeScalars.elementsEqual(line.unicodeScalars) {
          notCanonical = true
          if check { print("<stdin>:\(index + 1): not canonical; expected: \(canonical)") }
        }
      } catch {
        failed = true
        output.append(line)
        StandardError.render(
          error.shifted(lines: index, bytes: offset), source: input, sourceName: "<stdin>")
      }
    }
    if !check { for line in output { print(line) } }
    if failed { return 2 }
    return check && notCanonical ? 1 : 0
  }

  // MARK: - Rule files

  private func formatFiles() throws -> Int32 {
    var failed = false
    var notCanonicalCount = 0
    for file in try ruleFiles() {
      let text: RuleFileExpressions
      do {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        text = try RuleFileExpressions(bytes: bytes)
      } catch {
        StandardError.write("error: \(file): \(describe(error))")
        failed = true
        continue
      }
      var replacements: [(RuleFileExpressions.Expression, String)] = []
      var fileFailed = false
      for expression in text.expressions {
        do {
          let parsed = try Parser.parse(expression.text, limits: limitOptions.limits)
          let canonical = Printer.print(parsed)
          guard !canonical.unicodeScalars.elementsEqual(expression.text.unicodeScalars) else {
            continue
          }
          replacements.append((expression, canonical))
          if check {
            print("\(file): rule \(expression.ruleID): expression is not canonical")
            print("  expected: \(canonical)")
          }
        } catch {
          fileFailed = true
          StandardError.render(
            error, source: expression.text, sourceName: "\(file) [\(expression.ruleID)]")
        }
      }
      notCanonicalCount += replacements.count
      failed = failed || fileFailed
      guard !check, !fileFailed, !replacements.isEmpty else { continue }
      do {
        try Data(text.replacing(replacements)).write(
          to: URL(fileURLWithPath: file), options: .atomic)
        print("\(file): reformatted \(replacements.count) expression(s)")
      } catch {
        StandardError.write("error: \(file): cannot write: \(describe(error))")
        failed = true
      }
    }
    if failed { return 2 }
    if check && notCanonicalCount > 0 {
      StandardError.write("\(notCanonicalCount) expression(s) not in canonical form")
      return 1
    }
    return 0
  }

  /// The files named on the command line, directories expanded recursively (sorted).
  private func ruleFiles() throws -> [String] {
    var files: [String] = []
    var seen = Set<String>()
    for path in paths {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        StandardError.write("error: \(path): no such file or directory")
        throw ExitCode(2)
      }
      var found: [String] = []
      if isDirectory.boolValue {
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
          if relative.hasSuffix(".constraints.json") { found.append(base + "/" + relative) }
        }
        found.sort()
      } else {
        found = [path]
      }
      for file in found where seen.insert(file).inserted { files.append(file) }
    }
    return files
  }

  private func describe(_ error: Error) -> String {
    if let error = error as? RuleFileExpressions.ReadError { return error.description }
    return error.localizedDescription
  }
}

/// A rule file's expression strings with their byte ranges, so `fmt` can rewrite expressions in
/// place and leave every other byte untouched. Read with the library's located JSON reader.
struct RuleFileExpressions {
  /// One constraint's expression: where its JSON string literal sits and what it decodes to.
  struct Expression {
    var ruleID: String
    var text: String
    /// Byte range of the literal in the file, quotes included.
    var literalRange: Range<Int>
  }

  struct ReadError: Error, CustomStringConvertible {
    var description: String
  }

  let bytes: [UInt8]
  /// The constraints with an `expression`, in file order (`runtime-deferred` ones excluded).
  private(set) var expressions: [Expression] = []

  init(bytes: [UInt8]) throws {
    self.bytes = bytes
    // A byte order mark is tolerated here (and kept): ranges are shifted past it.
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    let skipped = bytes.starts(with: bom) ? bom.count : 0
    guard let text = String(validating: bytes[skipped...], as: UTF8.self) else {
      throw ReadError(description: "the file is not valid UTF-8")
    }
    let root: LocatedJSON
    do {
      root = try JSONReader.readLocated(text)
    } catch {
      throw ReadError(
        description: "invalid JSON at \(error.line):\(error.column): \(error.message)")
    }
    guard case .object = root.kind else {
      throw ReadError(description: "the top level is not a JSON object")
    }
    guard let constraintsMember = root["constraints"],
      case .array(let constraints) = constraintsMember.value.kind
    else {
      throw ReadError(description: "no `constraints` array")
    }
    for (position, constraint) in constraints.enumerated() {
      guard case .object = constraint.kind else {
        throw ReadError(description: "constraints[\(position)] is not an object")
      }
      var ruleID = "constraints[\(position)]"
      if case .scalar(.string(let id)) = constraint["id"]?.value.kind { ruleID = id }
      if case .scalar(.string("runtime-deferred")) = constraint["evaluator"]?.value.kind {
        continue
      }
      guard let member = constraint["expression"],
        case .scalar(.string(let expression)) = member.value.kind
      else {
        throw ReadError(description: "rule \(ruleID) has no `expression` string")
      }
      let range = member.value.range
      expressions.append(
        Expression(
          ruleID: ruleID, text: expression,
          literalRange: (range.start.offset + skipped)..<(range.end.offset + skipped)))
    }
  }

  /// The file's bytes with the given expressions' literals replaced by new JSON strings.
  func replacing(_ replacements: [(Expression, String)]) -> [UInt8] {
    var result = bytes
    for (expression, newText) in replacements.sorted(by: {
      $0.0.literalRange.lowerBound > $1.0.literalRange.lowerBound
    }) {
      result.replaceSubrange(
        expression.literalRange, with: Array(JSONWriter.canonical(.string(newText)).utf8))
    }
    return result
  }
}

extension Diagnostic {
  /// The diagnostic moved by `lines` lines and `bytes` bytes, for a source that was parsed
  /// on its own but is shown as one line of a larger text.
  func shifted(lines: Int, bytes: Int) -> Diagnostic {
    func shift(_ range: SourceRange) -> SourceRange {
      func move(_ location: SourceLocation) -> SourceLocation {
        SourceLocation(
          offset: location.offset + bytes, line: location.line + lines, column: location.column)
      }
      return SourceRange(start: move(range.start), end: move(range.end))
    }
    var moved = self
    moved.range = shift(range)
    moved.notes = notes.map { DiagnosticNote($0.message, range: $0.range.map(shift)) }
    return moved
  }
}
