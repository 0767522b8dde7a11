import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The lines of a `--format jsonl` run, each read as JSON.
private func jsonLines(_ output: String) throws -> [Value] {
  try output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
    try JSONReader.read(String($0))
  }
}

private func text(_ value: Value) -> String? {
  if case .string(let text) = value { return text }
  return nil
}

private func number(_ value: Value) -> Int? {
  if case .number = value { return Int(JSONWriter.canonical(value)) }
  return nil
}

/// A rule set and JSONL input with a pass, a failure, an evaluation error, a line that is not
/// JSON and a snapshot without the key field.
private struct JSONLinesFixture {
  let scratch: CheckScratch
  let rules: String
  let data: String

  init() throws {
    scratch = try CheckScratch()
    rules = try scratch.write(
      "r/a.constraints.json",
      ruleFileText(
        schema: "Account",
        #"{"id": "within_limit", "expression": "bigint_gte(limit, spent)", "#
          + #""message": "spent over the limit"},"#
          + #"{"id": "typed", "expression": "n > 0", "type_signature": {"n": "bigint"}}"#))
    data = try scratch.write(
      "d.jsonl",
      [
        #"{"account": {"id": "a-1"}, "limit": "10", "spent": "3", "n": "1"}"#,
        #"{"account": {"id": "a-2"}, "limit": "10", "spent": "30", "n": "1"}"#,
        #"{"account": {"id": 7}, "limit": "10", "spent": "3", "n": "12x"}"#,
        #"{"account": {"id": "a-4"}, "limit": "#,
        #"{"limit": "1", "spent": "2", "n": "1"}"#,
      ].joined(separator: "\n") + "\n")
  }
}

@Suite("constraint check --format jsonl")
struct JSONLinesCheckTests {
  @Test func everyLineIsTypedJSONAndMatchesTheJSONFormat() throws {
    let fixture = try JSONLinesFixture()
    let lines = try CLI.run(
      ["check", fixture.rules, "--data", fixture.data, "--format", "jsonl", "--jobs", "1"])
    let json = try CLI.run(
      ["check", fixture.rules, "--data", fixture.data, "--format", "json", "--jobs", "1"])
    // An unreadable snapshot fails the run as in every format.
    #expect(lines.status == 2, "\(lines.stderr)")
    #expect(json.status == lines.status)
    let objects = try jsonLines(lines.stdout)
    #expect(objects.map { text($0["type"]) } == ["start"] + Array(repeating: "result", count: 4)
      + ["summary"])
    #expect(number(objects[0]["rules"]) == 2)
    #expect(number(objects[0]["schema_version"]) == 1)
    let document = try JSONReader.read(json.stdout)
    guard case .array(let results) = document["results"] else {
      Issue.record("no results in \(json.stdout)")
      return
    }
    #expect(results.count == 4)
    // The same results as the JSON document, field for field, plus the type and the key.
    for (line, result) in zip(objects.dropFirst().dropLast(), results) {
      for field in [
        "rule", "schema_id", "severity", "outcome", "message", "explanation",
        "explanation_omitted", "diagnostic",
      ] {
        #expect(
          JSONWriter.canonical(line[field]) == JSONWriter.canonical(result[field]),
          "\(field): \(JSONWriter.canonical(line))")
      }
      #expect(
        JSONWriter.canonical(line["snapshot"]["file"])
          == JSONWriter.canonical(result["snapshot"]["file"]))
      #expect(
        JSONWriter.canonical(line["snapshot"]["line"])
          == JSONWriter.canonical(result["snapshot"]["line"]))
      // Without --key-field, no key.
      guard case .object(let snapshot) = line["snapshot"] else { continue }
      #expect(snapshot.keys == ["file", "line"])
    }
    let outcomes = objects.dropFirst().dropLast().map { text($0["outcome"]) ?? "" }
    #expect(outcomes == ["fail", "error", "unreadable", "fail"])
    // The malformed line carries the reader's diagnostic: code, JSONL line and column.
    let unreadable = objects[3]
    #expect(number(unreadable["snapshot"]["line"]) == 4)
    #expect(text(unreadable["diagnostic"]["code"]) == DiagnosticCode.invalidJSON.rawValue)
    #expect((number(unreadable["diagnostic"]["start"]["column"]) ?? 0) > 30)
    #expect(JSONWriter.canonical(unreadable["rule"]) == "null")
    var summary = objects[5]
    guard case .object(let fields) = summary else { return }
    summary = .object(ObjectValue(fields.filter { $0.key != "type" }))
    #expect(JSONWriter.canonical(summary) == JSONWriter.canonical(document["summary"]))
    #expect(number(objects[5]["exit_status"]) == 2)
    #expect(number(objects[5]["unreadable"]) == 1)
  }

  @Test func theKeyFieldIdentifiesEachSnapshot() throws {
    let fixture = try JSONLinesFixture()
    let result = try CLI.run(
      [
        "check", fixture.rules, "--data", fixture.data, "--format", "jsonl", "--key-field",
        "account.id", "--all",
      ])
    #expect(result.status == 2)
    let objects = try jsonLines(result.stdout)
    let results = objects.filter { text($0["type"]) == "result" }
    // Five lines: four snapshots × two rules, one unreadable line.
    #expect(results.count == 9)
    // The key is text: a string as it is, other values as their JSON; absent when the field
    // is (and on a line that is not JSON).
    let keys = results.map { text($0["snapshot"]["key"]) ?? "-" }
    #expect(keys == ["a-1", "a-1", "a-2", "a-2", "7", "7", "-", "-", "-"])
    #expect(
      results.map { text($0["outcome"]) ?? "" } == [
        "pass", "pass", "fail", "pass", "pass", "error", "unreadable", "fail", "pass",
      ])
  }

  @Test func theJSONFormatCarriesTheKeyToo() throws {
    let fixture = try JSONLinesFixture()
    let result = try CLI.run(
      [
        "check", fixture.rules, "--data", fixture.data, "--format", "json", "--key-field",
        "account.id",
      ])
    let document = try JSONReader.read(result.stdout)
    guard case .array(let results) = document["results"] else {
      Issue.record("no results in \(result.stdout)")
      return
    }
    #expect(results.map { text($0["snapshot"]["key"]) ?? "-" } == ["a-2", "7", "-", "-"])
  }

  @Test func passingInputExitsZeroWithASummaryOnly() throws {
    let result = try CLI.run(
      ["check", "Rules/", "--data", "Examples/snapshots/ok-commit.json", "--format", "jsonl"])
    #expect(result.status == 0, "\(result.stderr)")
    let objects = try jsonLines(result.stdout)
    #expect(objects.map { text($0["type"]) } == ["start", "summary"])
    #expect(number(objects[1]["passed"]) == 10)
    #expect(number(objects[1]["exit_status"]) == 0)
  }

  @Test func aFailureExitsOne() throws {
    let result = try CLI.run(
      ["check", "Rules/", "--data", "Examples/snapshots/overspent.json", "--format", "jsonl"])
    #expect(result.status == 1)
    let objects = try jsonLines(result.stdout)
    #expect(text(objects[1]["outcome"]) == "fail")
    #expect(number(objects.last?["exit_status"] ?? .null) == 1)
  }

  @Test func keyFieldIsValidated() throws {
    let wrongFormat = try CLI.run(
      ["check", "Rules/", "--data", FaultFixtures.passing, "--key-field", "id"])
    #expect(wrongFormat.status == 2)
    #expect(wrongFormat.stderr.contains("--key-field needs --format json or jsonl"))
    let empty = try CLI.run(
      [
        "check", "Rules/", "--data", FaultFixtures.passing, "--format", "jsonl", "--key-field",
        "a..b",
      ])
    #expect(empty.status == 2)
    #expect(empty.stderr.contains("empty key"))
  }

  /// Results of a batch are written while standard input is still open: a consumer reading a
  /// pipe sees them before the input ends (inline, and with worker threads, where a checked
  /// batch is reported when the next one is handed out), in every line-oriented format and from
  /// `eval`; what arrives in pieces is what a run over the whole input at once writes.
  @Test(arguments: StreamedOutput.cases, [1, 2])
  func resultsFlowOutWhileInputIsRead(_ streamed: StreamedOutput, jobs: Int) throws {
    let process = Process()
    process.executableURL = CLI.executableURL
    let arguments = streamed.arguments + ["--data", "-", "--batch-lines", "4", "--jobs", "\(jobs)"]
    process.arguments = arguments
    process.currentDirectoryURL = CLI.repositoryRoot
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    defer {
      if process.isRunning { process.terminate() }
      process.waitUntilExit()
    }
    let failing = try String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.overspent),
      encoding: .utf8
    ).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
    let batch = Array(repeating: failing, count: 4).joined(separator: "\n") + "\n"
    for _ in 0..<3 {
      try ChildInput.write(Data(batch.utf8), to: input.fileHandleForWriting)
      Thread.sleep(forTimeInterval: 0.3)
    }
    // Read what arrives within 20 s, without ever blocking on the pipe: a run that holds its
    // results back fails the test instead of hanging it.
    var received = Data()
    let descriptor = output.fileHandleForReading.fileDescriptor
    let deadline = Date().addingTimeInterval(20)
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while !String(decoding: received, as: UTF8.self).contains(streamed.failureMarker),
      Date() < deadline
    {
      var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      guard poll(&ready, 1, 200) > 0 else { continue }
      let count = read(descriptor, &buffer, buffer.count)
      if count <= 0 { break }
      received.append(contentsOf: buffer[..<count])
    }
    #expect(process.isRunning, "the run ended before its input did")
    #expect(
      String(decoding: received, as: UTF8.self).contains(streamed.failureMarker),
      "no failure reported before the input ended")
    try input.fileHandleForWriting.close()
    let rest = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    let whole = try CLI.run(arguments, stdin: String(repeating: batch, count: 3))
    #expect(whole.status == 1)
    #expect(String(decoding: received + rest, as: UTF8.self) == whole.stdout)
  }
}

/// A command whose results stream, and text that only its report of a failure contains.
struct StreamedOutput: CustomTestStringConvertible, Sendable {
  let arguments: [String]
  let failureMarker: String

  var testDescription: String { arguments.joined(separator: " ") }

  static let cases = [
    StreamedOutput(
      arguments: ["check", "Rules/", "--format", "jsonl"], failureMarker: #""outcome":"fail""#),
    StreamedOutput(arguments: ["check", "Rules/"], failureMarker: "FAIL"),
    StreamedOutput(arguments: ["check", "Rules/", "--format", "github"], failureMarker: "::error"),
    StreamedOutput(
      arguments: ["eval", "bigint_gte(budget.limit_micro, budget.spent_micro)"],
      failureMarker: "fail"),
  ]
}

@Suite("constraint check --format jsonl: faults")
struct JSONLinesFaultTests {
  @Test func aConsumerThatStopsReadingEndsTheRunWithTwo() throws {
    let scratch = try CheckScratch()
    let failing = try String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.overspent),
      encoding: .utf8
    ).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
    let stream = try scratch.write(
      "many.jsonl", String(repeating: failing + "\n", count: 4000))
    let result = try Fault.script(
      #"{ "$0" "$@"; echo "status=$?" >&2; } | head -c 100 >/dev/null"#,
      ["check", "Rules", "--data", stream, "--format", "jsonl"])
    #expect(result.stderr.contains("status=2"), "\(result.transcript)")
    #expect(
      result.stderr.contains("cannot write to standard output: Broken pipe"),
      "\(result.transcript)")
  }
}
