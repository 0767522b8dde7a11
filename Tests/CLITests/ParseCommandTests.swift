import Foundation
import Testing

@Suite("constraint parse")
struct ParseCommandTests {
  @Test func trailingGarbageExitsTwoWithTheCaretUnderIt() throws {
    let result = try CLI.run(["parse", "a == 1 garbage"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines.first == "error[CE1112]: unexpected `garbage` after the end of the expression")
    let sourceLine = try #require(lines.firstIndex { $0.hasSuffix("| a == 1 garbage") })
    let caretLine = lines[sourceLine + 1]
    let wordStart = try #require(lines[sourceLine].range(of: "garbage")).lowerBound
    let caretStart = try #require(caretLine.firstIndex(of: "^"))
    #expect(
      lines[sourceLine].distance(from: lines[sourceLine].startIndex, to: wordStart)
        == caretLine.distance(from: caretLine.startIndex, to: caretStart))
    #expect(caretLine.filter { $0 == "^" }.count == "garbage".count)
    #expect(!result.stderr.contains("\u{1B}["))
  }

  @Test(arguments: [
    ("a==1&&(b||c)", "a == 1 && (b || c)"),
    ("state=='released'=>(released_at!=null)", "state == 'released' => released_at != null"),
    ("bigint_gte(budget.limit_micro,budget.spent_micro)",
     "bigint_gte(budget.limit_micro, budget.spent_micro)"),
    ("xs.every( x=>x.ok )", "xs.every(x => x.ok)"),
    (#"'\d'"#, #"'\\d'"#),
  ])
  func printsTheCanonicalFormAndExitsZero(source: String, canonical: String) throws {
    let result = try CLI.run(["parse", source])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == canonical + "\n")
    #expect(result.stderr.isEmpty)
  }

  @Test func expressionsStartingWithMinusGoAfterTheSeparator() throws {
    let result = try CLI.run(["parse", "--", "-a+1>0"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "-a + 1 > 0\n")
  }

  @Test func maxDepthIsConfigurable() throws {
    #expect(try CLI.run(["parse", "--max-depth", "2", "((a))"]).status == 0)
    let deep = try CLI.run(["parse", "--max-depth", "2", "(((a)))"])
    #expect(deep.status == 2)
    #expect(deep.stderr.contains("nesting too deep"))
    #expect(try CLI.run(["parse", "--max-depth", "0", "a"]).status != 0)
  }

  @Test func lexicalErrorsAreRenderedToo() throws {
    let result = try CLI.run(["parse", "a = 1"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("use `==` for equality"))
    #expect(result.stderr.contains("  |   ^\n") || result.stderr.hasSuffix("  |   ^\n"))
  }

  @Test func helpHasADiscussionWithExamples() throws {
    for command in [["parse", "--help"], ["fmt", "--help"], ["--help"]] {
      let result = try CLI.run(command)
      #expect(result.status == 0)
      #expect(result.stdout.contains("Examples:"), "\(command)")
    }
  }
}
