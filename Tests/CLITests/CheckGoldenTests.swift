import ConstraintEngine
import Foundation
import Testing

/// `constraint check Rules/ --data Examples/snapshots/` in every format, compared with the files
/// in `Tests/CLITests/Golden/`. After an intended output change, regenerate them with
/// `make golden` (or `UPDATE_GOLDEN=1 swift test --filter CheckGoldenTests`) and review the diff.
@Suite("constraint check golden output")
struct CheckGoldenTests {
  static let goldenDirectory = CLI.repositoryRoot.appendingPathComponent("Tests/CLITests/Golden")

  static let cases: [(name: String, arguments: [String])] = [
    ("check-human.txt", []),
    ("check-json.json", ["--format", "json"]),
    ("check-junit.xml", ["--format", "junit"]),
    ("check-github.txt", ["--format", "github"]),
    ("check-human-no-explain.txt", ["--no-explain"]),
  ]

  @Test(arguments: cases)
  func matchesTheGoldenFile(_ name: String, _ arguments: [String]) throws {
    let result = try CLI.run(["check", "Rules/", "--data", "Examples/snapshots/"] + arguments)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    let url = Self.goldenDirectory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
      try FileManager.default.createDirectory(
        at: Self.goldenDirectory, withIntermediateDirectories: true)
      try Data(result.stdout.utf8).write(to: url)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    if result.stdout != expected {
      let actual = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      let wanted = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let first = zip(actual, wanted).enumerated().first { $0.element.0 != $0.element.1 }
      Issue.record(
        """
        \(name) differs (regenerate with UPDATE_GOLDEN=1 if intended); first difference at \
        line \((first?.offset ?? min(actual.count, wanted.count)) + 1):
          got:      \(first.map { String($0.element.0) } ?? "<\(actual.count) lines>")
          expected: \(first.map { String($0.element.1) } ?? "<\(wanted.count) lines>")
        """)
    }
  }

  /// The JSON format's documented schema (docs/CLI.md), checked key by key.
  @Test func jsonOutputFollowsItsSchema() throws {
    let result = try CLI.run([
      "check", "Rules/", "--data", "Examples/snapshots/", "--format", "json", "--all",
    ])
    #expect(result.status == 1)
    let document = try JSONReader.read(result.stdout)
    try expectObject(
      document, "document",
      ["schema_version": "number", "tool": "string", "rules": "array", "results": "array",
       "summary": "object"])
    guard case .array(let rules) = document["rules"], case .array(let results) = document["results"]
    else { return }
    #expect(rules.count == 10)
    for rule in rules {
      try expectObject(
        rule, "rule",
        ["id": "string", "schema_id": "string", "file": "string", "line": "number",
         "column": "number", "severity": "string", "expression": "string",
         "message": "string|null", "skipped": "string|null"])
    }
    let outcomes: Set<String> = ["pass", "fail", "error", "deferred", "skipped", "unreadable"]
    var seen: Set<String> = []
    for entry in results {
      try expectObject(
        entry, "result",
        ["rule": "string|null", "schema_id": "string|null", "severity": "string",
         "snapshot": "object", "outcome": "string", "message": "string",
         "explanation": "array", "explanation_omitted": "number", "diagnostic": "object|null"])
      try expectObject(entry["snapshot"], "snapshot", ["file": "string", "line": "number|null"])
      if case .string(let outcome) = entry["outcome"] {
        #expect(outcomes.contains(outcome))
        seen.insert(outcome)
      }
      if case .array(let items) = entry["explanation"] {
        for item in items {
          try expectObject(
            item, "explanation item",
            ["start": "object", "end": "object", "value": "string", "context": "string|null"])
          try expectObject(
            item["start"], "location", ["offset": "number", "line": "number", "column": "number"])
        }
      }
    }
    #expect(seen == ["pass", "fail"])
    // 23 snapshots (13 documents, 10 stream lines), every rule for each, passes included.
    #expect(results.count == 230)
    let summary = document["summary"]
    try expectObject(
      summary, "summary",
      ["snapshots": "number", "rules": "number", "passed": "number", "failed": "number",
       "errors": "number", "skipped": "number", "deferred": "number", "unreadable": "number",
       "stopped_after": "number|null", "exit_status": "number"])
    #expect(summary["snapshots"].description == "23")
    #expect(summary["failed"].description == "13")
    #expect(summary["exit_status"].description == "1")
  }

  /// Checks that `value` is an object with exactly `keys`, each of one of the `|`-separated
  /// types.
  private func expectObject(_ value: Value, _ what: String, _ keys: [String: String]) throws {
    guard case .object(let object) = value else {
      Issue.record("\(what) is \(value.typeName), not an object")
      return
    }
    #expect(Set(object.keys) == Set(keys.keys), "\(what) keys")
    for (key, types) in keys {
      let actual = object[key]?.typeName ?? "missing"
      #expect(types.split(separator: "|").contains(Substring(actual)), "\(what).\(key): \(actual)")
    }
  }
}
