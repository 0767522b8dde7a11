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
      order, as check and lint search them), rewrites each constraint's `expression` string in \
      place. Only the bytes of non-canonical expression strings change; the rest of each file \
      is preserved byte for byte. A symbolic link is written through (its target changes, the \
      link stays), mode and owner are kept, and the new content replaces the old atomically. \
      Constraints with "evaluator": "runtime-deferred" (prose expressions) are skipped.

      --check changes nothing: it lists every rule whose expression is not canonical and \
      exits 1, or exits 0 when all are canonical.

      Exit status: 0 success, 1 not canonical (--check), 2 an expression or file could not be \
      read, parsed or written (the diagnostic names the file and rule, with a caret in the \
      expression), a usage error, a failed write to standard output.

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

  /// Formats standard input line by line as it arrives: one line in memory at a time, each
  /// line at most `--max-length` bytes (a longer one stops the reading with an error).
  private func formatStandardInput() throws -> Int32 {
    let terminal = Terminal()
    // Expressions are written exactly (a string literal may hold any character).
    let output = terminal.verbatim
    let limit = limitOptions.limits.effectiveSourceLength
    var input = LineInput(descriptor: STDIN_FILENO, maximumLineBytes: limit)
    input.beforeReading = { terminal.flush() }
    var failed = false
    var notCanonical = false
    reading: while true {
      let bytes: [UInt8]
      switch input.next() {
      case .success(let line?): bytes = line
      case .success(nil): break reading
      case .failure(.unreadable(let reason)):
        let why =
          StandardStreams.shared.standardInputWasClosed
          ? "it was closed when constraint started" : reason
        terminal.error("error: cannot read standard input: \(why)")
        failed = true
        break reading
      case .failure(.tooLong(let number)):
        terminal.error(
          "error: <stdin>:\(number): the line is longer than the \(limit)-byte limit "
            + "(--max-length); stopped reading")
        failed = true
        break reading
      }
      let number = input.lineNumber
      guard let line = String(validating: bytes, as: UTF8.self) else {
        // Not echoed: standard output carries only text (the status says a line is missing).
        terminal.error("error: <stdin>:\(number): the line is not valid UTF-8")
        failed = true
        continue
      }
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
        if !check { output.output("") }
        continue
      }
      do {
        let canonical = try Printer.canonical(line, limits: limitOptions.limits)
        if !check { output.output(canonical) }
        if !canonical.unicodeScalars.elementsEqual(line.unicodeScalars) {
          notCanonical = true
          if check { output.output("<stdin>:\(number): not canonical; expected: \(canonical)") }
        }
      } catch {
        failed = true
        if !check { output.output(line) }
        terminal.error(
          terminal.renderer.render(
            error.shifted(lines: number - 1, bytes: 0), source: line, sourceName: "<stdin>",
            firstLine: number))
      }
    }
    terminal.flush()
    if failed { return 2 }
    return check && notCanonical ? 1 : 0
  }

  // MARK: - Rule files

  private func formatFiles() throws -> Int32 {
    var failed = false
    var notCanonicalCount = 0
    let found = RuleFileLoader.discover(paths)
    for error in found.errors {
      StandardError.write("error: \(HumanText.value(error.description))")
      failed = true
    }
    for file in found.files {
      let shownFile = HumanText.value(file)
      let text: RuleFileExpressions
      do {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        text = try RuleFileExpressions(bytes: bytes, path: file)
      } catch {
        StandardError.write("error: \(shownFile): \(HumanText.value(describe(error)))")
        failed = true
        continue
      }
      var replacements: [(RuleFileExpressions.Expression, String)] = []
      var fileFailed = false
      for expression in text.expressions {
        do {
          let canonical = try Printer.canonical(expression.text, limits: limitOptions.limits)
          guard !canonical.unicodeScalars.elementsEqual(expression.text.unicodeScalars) else {
            continue
          }
          replacements.append((expression, canonical))
          if check {
            print(
              "\(shownFile): rule \(HumanText.value(expression.ruleID)): expression is not "
                + "canonical")
            print("  expected: \(HumanText.value(canonical))")
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
        try InPlaceWrite.replaceContents(ofFileAt: file, with: text.replacing(replacements))
        print("\(shownFile): reformatted \(replacements.count) expression(s)")
      } catch {
        StandardError.write("error: \(shownFile): cannot write: \(error.message)")
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

  /// Reads the rule file at `path` (named in errors), decoded as every reader of rule files
  /// decodes it (``RuleFileLoader/text(of:path:)``: no byte order mark, valid UTF-8).
  init(bytes: [UInt8], path: String) throws {
    self.bytes = bytes
    let text: String
    do {
      text = try RuleFileLoader.text(of: bytes, path: path)
    } catch {
      throw ReadError(description: error.diagnostics.map(\.message).joined(separator: "; "))
    }
    let root: LocatedJSON
    do {
      root = try JSONReader.readLocated(text, limits: RuleFileLoader.jsonLimits)
    } catch {
      throw ReadError(
        description: "invalid JSON at \(error.range.start): \(error.message)")
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
          literalRange: range.start.offset..<range.end.offset))
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

/// Replacing a file's content the way an editor should.
enum InPlaceWrite {
  struct Failure: Error {
    var message: String
  }

  /// Replaces the content of the file at `path` with `bytes`: through a symbolic link (the
  /// target is rewritten, the link stays), keeping the target's mode, owner and group, and
  /// atomically (a hidden file next to the target, renamed over it), so a reader such as the
  /// guard re-reading its rules sees the old file or the new one, never half of one. On any
  /// failure the file is left as it was.
  static func replaceContents(ofFileAt path: String, with bytes: [UInt8]) throws(Failure) {
    func failure(_ what: String, _ error: Int32 = errno) -> Failure {
      Failure(message: "\(what): \(String(cString: strerror(error)))")
    }
    guard let resolved = realpath(path, nil) else { throw failure("cannot resolve the path") }
    let target = String(cString: resolved)
    free(resolved)
    var original = stat()
    guard stat(target, &original) == 0 else { throw failure("cannot look at the file") }
    guard original.st_mode & S_IFMT == S_IFREG else {
      throw Failure(message: "not a regular file; nothing was written")
    }
    let slash = target.lastIndex(of: "/")!
    let directory = String(target[..<slash])
    let name = String(target[target.index(after: slash)...])
    var template = Array("\(directory)/.\(name).fmt-XXXXXX".utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw failure("cannot create a file next to it") }
    let temporary = String(
      decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var written = false
    defer {
      if !written { unlink(temporary) }
    }
    var problem: Failure?
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let count = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if count < 0 {
          if errno == EINTR { continue }
          problem = failure("cannot write the new content")
          return
        }
        offset += count
      }
    }
    if problem == nil, fchmod(descriptor, original.st_mode & 0o7777) != 0 {
      problem = failure("cannot keep the file's mode")
    }
    if problem == nil, original.st_uid != geteuid() || original.st_gid != getegid(),
      fchown(descriptor, original.st_uid, original.st_gid) != 0
    {
      problem = failure("cannot keep the file's owner \(original.st_uid):\(original.st_gid)")
    }
    if problem == nil, fsync(descriptor) != 0 { problem = failure("cannot write the new content") }
    if close(descriptor) != 0, problem == nil { problem = failure("cannot write the new content") }
    if let problem { throw problem }
    guard rename(temporary, target) == 0 else { throw failure("cannot replace the file") }
    written = true
  }
}
