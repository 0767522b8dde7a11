import Foundation
import Testing

/// Issue 17, "`fmt` on stdin": standard input is read line by line with a bounded line, and
/// every failure to read it is an error with status 2, never a trap.
@Suite("constraint fmt on standard input, bounded")
struct FmtStandardInputTests {
  @Test func closedStandardInputIsAnError() throws {
    let result = try BoundedCLI.run("exec \"$CONSTRAINT\" fmt <&-")
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("error: cannot read standard input"))
  }

  @Test func aDirectoryAsStandardInputIsAnError() throws {
    let result = try BoundedCLI.run("exec \"$CONSTRAINT\" fmt < /")
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("error: cannot read standard input"))
    #expect(result.stderr.lowercased().contains("directory"))
  }

  @Test func anEndlessLineStopsAtTheLengthLimitInBoundedMemory() throws {
    // /dev/zero never ends a line: fmt must stop at the limit, not buffer until it dies.
    let result = try BoundedCLI.run(
      "ulimit -v 4000000; exec \"$CONSTRAINT\" fmt --max-length 1000 < /dev/zero",
      timeout: .seconds(60))
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("<stdin>:1: the line is longer than the 1000-byte limit"))
  }

  @Test func linesAreFormattedAsTheyArriveWithoutReadingToTheEnd() throws {
    // `yes` never ends; `head` stops after three lines, which arrive only if fmt streams.
    let result = try BoundedCLI.run(
      "yes 'a==1' | \"$CONSTRAINT\" fmt | head -n 3", timeout: .seconds(60))
    #expect(!result.timedOut, "\(result.summary)")
    #expect(result.stdout == "a == 1\na == 1\na == 1\n")
  }

  @Test func aLongStreamIsFormattedInBoundedMemory() throws {
    // 60,000 lines of 1 KB (60 MB): read whole, the input and its copies exceed the address
    // space given (about 100 MB more than the binary needs to start); streamed, fmt holds one
    // line at a time.
    let line = "s == '" + String(repeating: "x", count: 1_000) + "'"
    let result = try BoundedCLI.run(
      "yes \"$LINE\" | head -n 60000 | (ulimit -v 250000; \"$CONSTRAINT\" fmt) | uniq -c",
      timeout: .seconds(120), environment: ["LINE": line])
    #expect(!result.timedOut, "\(result.summary)")
    let counted = result.stdout.trimmingCharacters(in: .whitespaces)
    #expect(counted == "60000 \(line)\n", "\(counted.prefix(200))")
  }

  @Test func invalidUTF8IsAnErrorForItsLineOnly() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let input = scratch.path("input.txt")
    try Data([0x61, 0x3D, 0x3D, 0x31, 0x0A, 0xFF, 0x0A, 0x62, 0x3D, 0x3D, 0x32, 0x0A])
      .write(to: URL(fileURLWithPath: input))
    let result = try BoundedCLI.run("exec \"$CONSTRAINT\" fmt", stdinPath: input)
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("<stdin>:2: the line is not valid UTF-8"))
    #expect(result.stdout.hasPrefix("a == 1\n"))
    #expect(result.stdout.hasSuffix("b == 2\n"))
  }

  @Test func aDiagnosticOnALaterLineStillShowsThatLine() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let input = try scratch.write("input.txt", "a == 1\nb == 2\n\nc ==\n")
    let result = try BoundedCLI.run("exec \"$CONSTRAINT\" fmt", stdinPath: input)
    #expect(result.status == 2, "\(result.summary)")
    #expect(result.stderr.contains("--> <stdin>:4:5"))
    #expect(result.stderr.contains("4 | c =="))
    #expect(result.stdout == "a == 1\nb == 2\n\nc ==\n")
  }
}
