import Foundation
import Testing

/// A fresh temporary directory, removed when the test ends.
private final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("constraint-fmt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  @discardableResult
  func write(_ name: String, _ text: String) throws -> URL {
    let file = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: file)
    return file
  }

  func read(_ name: String) throws -> String {
    String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
  }
}

/// A rule file with unusual but valid formatting around one expression `EXPR`.
private func ruleFile(expression: String, id: String = "r1") -> String {
  """
  {"schema_id":"X",  "expression_version" : "2.0",
  \t"constraints": [
    { "id": "\(id)", "expression":   "\(expression)" ,"severity":"error",
      "message": "caf\\u00e9 \\"quoted\\" \\/ text" },
    {"id":"prose","evaluator":"runtime-deferred","expression":"Every ledger must balance."},
    {"id": "kept", "expression": "a == \\u0027x\\u0027"}
  ]
  }

  """
}

@Suite("constraint fmt")
struct FmtCommandTests {
  @Test func formatsStandardInputLineByLine() throws {
    let result = try CLI.run(["fmt"], stdin: "a==1\n\n(b)\nf( x ,'y' )\n")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "a == 1\n\nb\nf(x, 'y')\n")
  }

  @Test func standardInputErrorsNameTheLine() throws {
    let result = try CLI.run(["fmt"], stdin: "a == 1\nb ==\n")
    #expect(result.status == 2)
    #expect(result.stderr.contains("--> <stdin>:2:5"))
    #expect(result.stderr.contains("2 | b =="))
  }

  @Test func checkOnStandardInput() throws {
    #expect(try CLI.run(["fmt", "--check"], stdin: "a == 1\nb\n").status == 0)
    let result = try CLI.run(["fmt", "--check"], stdin: "a == 1\nb  &&c\n")
    #expect(result.status == 1)
    #expect(result.stdout.contains("<stdin>:2"))
  }

  @Test func checkReportsNonCanonicalRulesAndChangesNothing() throws {
    let directory = try TemporaryDirectory()
    let original = ruleFile(expression: "a==1&&(b)")
    try directory.write("nested/deeper/x.constraints.json", original)
    try directory.write("nested/ignored.json", ruleFile(expression: "((a))"))
    let result = try CLI.run(["fmt", "--check", directory.url.path])
    #expect(result.status == 1)
    #expect(result.stdout.contains("x.constraints.json: rule r1"))
    #expect(result.stdout.contains("a == 1 && b"))
    #expect(!result.stdout.contains("ignored.json"))
    #expect(!result.stdout.contains("kept"))
    #expect(try directory.read("nested/deeper/x.constraints.json") == original)
  }

  @Test func checkPassesOnCanonicalFiles() throws {
    let directory = try TemporaryDirectory()
    try directory.write("a.constraints.json", ruleFile(expression: "a == 1 && b"))
    let result = try CLI.run(["fmt", "--check", directory.url.path])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
  }

  @Test func checkListsFilesInSortedOrder() throws {
    let directory = try TemporaryDirectory()
    try directory.write("b/z.constraints.json", ruleFile(expression: "(b)", id: "second"))
    try directory.write("a.constraints.json", ruleFile(expression: "(a)", id: "first"))
    let result = try CLI.run(["fmt", "--check", directory.url.path])
    #expect(result.status == 1)
    let first = try #require(result.stdout.range(of: "rule first"))
    let second = try #require(result.stdout.range(of: "rule second"))
    #expect(first.lowerBound < second.lowerBound)
  }

  @Test func rewritingPreservesTheRestOfTheFileByteForByte() throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write(
      "r.constraints.json", ruleFile(expression: #"matches(v,'\\d+')&&(a==\"q\")"#))
    // The expression holds a double-quoted string, which does not parse: nothing is written.
    let failing = try CLI.run(["fmt", file.path])
    #expect(failing.status == 2)
    #expect(failing.stderr.contains("[r1]"))
    #expect(failing.stderr.contains("strings use single quotes"))

    let source = ruleFile(expression: #"matches(v,'\\d+')&&(a=='q')"#)
    try directory.write("r.constraints.json", source)
    let result = try CLI.run(["fmt", file.path])
    #expect(result.status == 0, "\(result.stderr)")
    let expected = ruleFile(expression: #"matches(v, '\\\\d+') && a == 'q'"#)
    #expect(try directory.read("r.constraints.json") == expected)
    // A second run finds nothing to do.
    #expect(try CLI.run(["fmt", "--check", file.path]).status == 0)
  }

  /// `a-a-…` of 39,999 bytes reads under the 64 KiB limit, but prints as `a - a - …`
  /// (79,997 bytes), which no command would read back (a libFuzzer `long` finding).
  @Test func aCanonicalFormPastTheLengthLimitIsRefused() throws {
    let source = Array(repeating: "a", count: 20_000).joined(separator: "-")
    let result = try CLI.run(["fmt"], stdin: source + "\n")
    #expect(result.status == 2, "\(result.stderr.prefix(500))")
    #expect(result.stderr.contains("the canonical form is 79997 bytes long, over the limit"))
    let directory = try TemporaryDirectory()
    let original = ruleFile(expression: source, id: "long")
    let file = try directory.write("l.constraints.json", original)
    let rewrite = try CLI.run(["fmt", file.path])
    #expect(rewrite.status == 2, "\(rewrite.stderr.prefix(500))")
    #expect(rewrite.stderr.contains("it would not read back"))
    #expect(try directory.read("l.constraints.json") == original)
  }

  @Test func parseErrorsNameTheFileAndRuleWithACaretInTheExpression() throws {
    let directory = try TemporaryDirectory()
    let original = ruleFile(expression: "a == 1 garbage", id: "broken")
    let file = try directory.write("e.constraints.json", original)
    let result = try CLI.run(["fmt", "--check", file.path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("e.constraints.json [broken]:1:8"))
    #expect(result.stderr.contains("1 | a == 1 garbage\n  |        ^^^^^^^"))
    #expect(try directory.read("e.constraints.json") == original)
  }

  @Test func invalidJSONIsAnError() throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write("j.constraints.json", #"{"constraints": [}"#)
    let result = try CLI.run(["fmt", "--check", file.path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("invalid JSON at 1:18"))
    let duplicate = try directory.write(
      "d.constraints.json",
      #"{"constraints": [{"id": "a", "expression": "a", "expression": "b"}]}"#)
    let duplicateResult = try CLI.run(["fmt", "--check", duplicate.path])
    #expect(duplicateResult.status == 2)
    #expect(duplicateResult.stderr.contains("duplicate key"))
  }

  @Test func missingPathsAreAnError() throws {
    let result = try CLI.run(["fmt", "--check", "/nonexistent/rules"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("no such file"))
  }

  @Test func theShippedRulesAreCanonical() throws {
    let result = try CLI.run(["fmt", "--check", "Rules/"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
  }
}
