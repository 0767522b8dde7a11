import ConservationGuard
import ConstraintEngine
import Foundation
import Synchronization
import Testing

/// Snapshots that arrive as JSON, read through the projection of the rule set that decides
/// them: the decisions and the refusals are those of a full read.
@Suite("ConservationGuard: projected reading")
struct GuardProjectionTests {
  /// A rule file of one schema whose rules are `expressions` (ids `inv0`, `inv1`, …).
  static func ruleFile(_ expressions: [String], types: String = "{}") -> String {
    let rules = expressions.enumerated().map { index, expression in
      """
      {"id": "inv\(index)", "expression": \(Value.quoted(expression)), "severity": "error",
       "message": "rule \(index)", "type_signature": \(types)}
      """
    }
    return """
      {"schema_id": "Projected", "contract_version": "1.0.0", "expression_version": "2.0",
       "constraints": [\(rules.joined(separator: ",\n"))]}
      """
  }

  static func configuration(invariants: Int = 1) -> GuardConfiguration {
    var configuration = GuardConfiguration()
    configuration.invariants = (0..<invariants).map { "inv\($0)" }
    configuration.schema = "Projected"
    return configuration
  }

  /// A started guard over `text`, ready.
  static func guardOver(_ text: String, invariants: Int = 1) throws -> GuardHarness {
    let harness = GuardHarness(
      source: Fixtures.source(text), configuration: configuration(invariants: invariants))
    harness.guardian.start()
    try #require(harness.guardian.currentState == .ready, "\(harness.guardian.health())")
    return harness
  }

  static func check(
    _ guardian: ConservationGuard, _ json: String, projectsReads: Bool,
    limits: JSONLimits = .default, context: EvaluationContext = .empty
  ) -> GuardSnapshotCheck {
    var text = json
    return text.withUTF8 { bytes in
      guardian.check(
        json: UnsafeRawBufferPointer(bytes), limits: limits, projectsReads: projectsReads,
        context: context)
    }
  }

  static func check(
    _ guardian: ConservationGuard, _ json: String, reader: GuardSnapshotReader
  ) -> GuardSnapshotCheck {
    var text = json
    return text.withUTF8 { guardian.check(json: UnsafeRawBufferPointer($0), reader: reader) }
  }

  // MARK: - The projection

  /// The guard's projection holds what its invariants read and the fields a `HARD_FAIL` line
  /// shows (declared numeric and string types), nothing else.
  @Test func theRuleSetCarriesWhatItsInvariantsAndLogLinesRead() throws {
    let harness = try Self.guardOver(
      Self.ruleFile(
        ["bigint_gte(budget.limit, budget.spent)"],
        types: #"{"budget.limit": "bigint", "budget.spent": "bigint", "note": "string"}"#))
    let projection = try #require(harness.guardian.readProjection)
    #expect(projection.description == "budget.limit, budget.spent, note")
  }

  /// A `HARD_FAIL` line shows a logged field the expression does not read, projected or not.
  @Test func loggedFieldsAreReadWhenProjected() throws {
    let rules = Self.ruleFile(
      ["bigint_gte(limit, spent)"],
      types: #"{"limit": "bigint", "spent": "bigint", "plan_code": "string"}"#)
    let json = #"{"limit": "5", "spent": "6", "plan_code": "PRO_2", "other": {"x": [1, 2]}}"#
    var lines: [[String: String]] = []
    for projectsReads in [false, true] {
      let harness = try Self.guardOver(rules)
      let answer = Self.check(harness.guardian, json, projectsReads: projectsReads)
      guard case .decided(.violation) = answer else {
        Issue.record("expected a violation, got \(answer)")
        continue
      }
      let hardFail = try #require(harness.logs.records("HARD_FAIL").first)
      #expect(hardFail.metadata["input.plan_code"] == "PRO_2")
      #expect(hardFail.metadata["input.spent"] == "6")
      lines.append(hardFail.metadata)
    }
    #expect(lines.count == 2 && lines[0] == lines[1])
  }

  /// The hazard the guard prevents is real: rules v2 evaluating a value read through v1's
  /// projection decide otherwise (so the race test below can fail).
  @Test func aMismatchedProjectionWouldChangeTheDecision() throws {
    let v1 = try Self.guardOver(Self.ruleFile(["a == 1"]))
    let v2 = try Self.guardOver(Self.ruleFile(["b == 1"]))
    let json = #"{"a": 1, "b": 1}"#
    let v1Projection = try #require(v1.guardian.readProjection)
    let readForV1 = try JSONReader.read(json, projection: v1Projection)
    guard case .violation = v2.guardian.check(readForV1) else {
      Issue.record("v2 on v1's projection should fail")
      return
    }
    guard case .decided(.pass) = Self.check(v2.guardian, json, projectsReads: true) else {
      Issue.record("v2 reading through its own projection should pass")
      return
    }
  }

  // MARK: - Reloads racing checks

  /// Rules v1 read `a`, v2 read `b` (and `c` whole). Tasks decide snapshots from JSON, half
  /// through a stream reader, half one by one, while another task swaps v1 and v2 as fast as
  /// the guard reloads. Every decision must be the full-read decision of the version it names:
  /// a snapshot read through one version's projection and evaluated by the other would see a
  /// missing field and fail.
  @Test func aReloadNeverPairsRulesWithAnotherVersionsProjection() async throws {
    let v1 = Self.ruleFile(["a == 1"])
    let v2 = Self.ruleFile(["b == 1 && len(c) >= 0"])
    let snapshots = [
      #"{"a": 1, "b": 1, "c": [1, {"d": 2}], "pad": {"x": "y"}}"#,
      #"{"b": 1, "a": 1, "c": {}}"#,
      #"{"a": 1, "b": 2, "c": "s"}"#,
      #"{"a": 2, "b": 1, "c": []}"#,
    ]
    // The full-read decisions of each version.
    var expected: [String: [GuardDecision]] = [:]
    for text in [v1, v2] {
      let harness = try Self.guardOver(text)
      let version = try #require(harness.guardian.health().ruleSetVersion)
      expected[version] = try snapshots.map { try harness.guardian.check(JSONReader.read($0)) }
    }
    let expectations = expected
    #expect(expectations.count == 2)

    let source = Fixtures.source(v1)
    let harness = GuardHarness(source: source, configuration: Self.configuration())
    harness.guardian.start()
    let guardian = harness.guardian
    let tasks = 6
    let checksPerTask = 1_500
    let running = Countdown(tasks)
    let outcomes = await withTaskGroup(of: [(Int, GuardSnapshotCheck)].self) { group in
      for task in 0..<tasks {
        group.addTask {
          let reader = GuardSnapshotReader(projectsReads: true)
          var seen: [(Int, GuardSnapshotCheck)] = []
          for index in 0..<checksPerTask {
            let which = (index + task) % snapshots.count
            let answer =
              task % 2 == 0
              ? Self.check(guardian, snapshots[which], reader: reader)
              : Self.check(guardian, snapshots[which], projectsReads: true)
            seen.append((which, answer))
            if index % 25 == 0 { await Task.yield() }
          }
          running.value.subtract(1, ordering: .relaxed)
          return seen
        }
      }
      group.addTask {
        var swapped = 0
        while running.value.load(ordering: .relaxed) > 0 && swapped < 100_000 {
          source.replace(with: [Fixtures.file(swapped % 2 == 0 ? v2 : v1)])
          harness.advance(seconds: 3)
          swapped += 1
          await Task.yield()
        }
        return []
      }
      var all: [(Int, GuardSnapshotCheck)] = []
      for await batch in group { all += batch }
      return all
    }
    #expect(outcomes.count == tasks * checksPerTask)
    var versionsSeen = Set<String>()
    var mismatches = 0
    for (which, answer) in outcomes {
      guard case .decided(let decision) = answer, let version = decision.ruleSetVersion,
        let byVersion = expectations[version]
      else {
        Issue.record("unexpected answer \(answer)")
        continue
      }
      versionsSeen.insert(version)
      if decision != byVersion[which] { mismatches += 1 }
    }
    #expect(mismatches == 0)
    // Both versions decided some checks: the reloads did race them.
    #expect(versionsSeen.count == 2)
  }

  // MARK: - Refusals

  /// Documents refused by the full read, broken only where the projection skips (`other`):
  /// the projected read refuses each with the same error, through both reading paths.
  static let hostile: [String] = [
    #"{"a": 1, "other": [1, 2,]}"#,
    #"{"a": 1, "other": {"x": 1, "x": 2}}"#,
    #"{"a": 1, "other": {"y": {"\u006b": 1, "k": 2}}}"#,
    #"{"a": 1, "other": "\ud800"}"#,
    "{\"a\": 1, \"other\": \"tab\there\"}",
    #"{"a": 1, "other": 01}"#,
    #"{"a": 1, "other": tru}"#,
    #"{"a": 1, "other": {"x" 1}}"#,
    #"{"a": 1, "other": [1 2]}"#,
    #"{"a": 1, "other": 1e}"#,
    #"{"a": 1, "other": "\x"}"#,
    #"{"a": 1, "other": {}, "a": 1}"#,
    #"{"a": 1, "other": {}} x"#,
    #"{"a": 1, "other": {"#,
    "{\"a\": 1, \"other\": \"\u{7F}\u{1}\"}",
    "{\"a\": 1, \"other\": " + String(repeating: "[", count: 600)
      + String(repeating: "]", count: 600) + "}",
    "{\"a\": 1, \"other\": " + String(repeating: "{\"k\":", count: 600) + "1"
      + String(repeating: "}", count: 600) + "}",
  ]

  @Test(arguments: hostile)
  func aDocumentBrokenWhereTheProjectionSkipsIsRefusedAsInFull(_ json: String) throws {
    let harness = try Self.guardOver(Self.ruleFile(["a == 1"]))
    let full = Self.check(harness.guardian, json, projectsReads: false)
    guard case .unreadable = full else {
      Issue.record("the full read accepts \(json): \(full)")
      return
    }
    #expect(Self.check(harness.guardian, json, projectsReads: true) == full)
    #expect(
      Self.check(harness.guardian, json, reader: GuardSnapshotReader(projectsReads: true))
        == full)
    // Nothing was decided.
    for decision in ["pass", "violation"] {
      #expect(harness.counter("conservation_guard_decisions_total", [("decision", decision)]) == 0)
    }
  }

  /// Invalid UTF-8 in a skipped string, and caps (string length, document size, depth) hit
  /// only in skipped parts: refused as in full.
  @Test func capsAndEncodingHoldInSkippedParts() throws {
    let harness = try Self.guardOver(Self.ruleFile(["a == 1"]))
    var limits = JSONLimits.default
    limits.maximumStringBytes = 16
    limits.maximumDepth = 8
    limits.maximumDocumentBytes = 120
    let cases: [[UInt8]] = [
      Array(#"{"a": 1, "other": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
      Array(#"{"a": 1, "other": ""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
      Array(#"{"a": 1, "other": "0123456789abcdefg"}"#.utf8),
      Array(#"{"a": 1, "other": {"0123456789abcdefg": 1}}"#.utf8),
      Array(#"{"a": 1, "other": [[[[[[[[[1]]]]]]]]]}"#.utf8),
      Array(#"{"a": 1, "other": ""#.utf8) + Array(repeating: 0x41, count: 8)
        + Array(#"", "more": ["#.utf8) + Array(repeating: 0x31, count: 90) + Array("]}".utf8),
    ]
    for bytes in cases {
      func answer(_ projectsReads: Bool) -> GuardSnapshotCheck {
        bytes.withUnsafeBytes {
          harness.guardian.check(json: $0, limits: limits, projectsReads: projectsReads)
        }
      }
      let full = answer(false)
      guard case .unreadable = full else {
        Issue.record("the full read accepts \(bytes): \(full)")
        continue
      }
      #expect(answer(true) == full, "\(String(decoding: bytes, as: UTF8.self))")
      let reader = GuardSnapshotReader(limits: limits, projectsReads: true)
      #expect(bytes.withUnsafeBytes { harness.guardian.check(json: $0, reader: reader) } == full)
    }
  }

  /// A document that is not an object is answered as such, projected or not, and not decided.
  @Test func aDocumentThatIsNotAnObjectIsNotDecided() throws {
    let harness = try Self.guardOver(Self.ruleFile(["a == 1"]))
    for json in ["[1]", "\"a\"", "1", "null", "true"] {
      let full = Self.check(harness.guardian, json, projectsReads: false)
      guard case .notAnObject = full else {
        Issue.record("\(json): \(full)")
        continue
      }
      #expect(Self.check(harness.guardian, json, projectsReads: true) == full)
    }
  }

  /// While not ready (no rules in force), a document is validated and refused exactly as in
  /// full, and a readable one is `unavailable`.
  @Test func withoutRulesTheDocumentIsOnlyValidated() throws {
    let harness = GuardHarness(
      source: Fixtures.source("{broken"), configuration: Self.configuration())
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    for json in [#"{"a": 1, "b": [1,]}"#, #"{"a": 1, "b": {"x": [true]}}"#] {
      let full = Self.check(harness.guardian, json, projectsReads: false)
      #expect(Self.check(harness.guardian, json, projectsReads: true) == full)
    }
    guard case .decided(.unavailable) = Self.check(harness.guardian, "{}", projectsReads: true)
    else {
      Issue.record("a degraded guard decides unavailable")
      return
    }
  }

  // MARK: - Same decisions as the full read

  /// The billing rules on every example snapshot (and every line of the example stream):
  /// projected, in full, and from the value read in full, the same decision and the same
  /// `HARD_FAIL` lines.
  @Test func theExamplesAreDecidedAsInFull() throws {
    let directory = Fixtures.repositoryRoot.appendingPathComponent("Examples/snapshots")
    var documents: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
      let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
      if name.hasSuffix(".jsonl") {
        documents += text.split(separator: "\n").map(String.init)
      } else if name.hasSuffix(".json") {
        documents.append(text)
      }
    }
    #expect(documents.count >= 14)
    var violations = 0
    for json in documents {
      let projected = GuardHarness(source: Fixtures.source())
      let full = GuardHarness(source: Fixtures.source())
      projected.guardian.start()
      full.guardian.start()
      let answer = Self.check(projected.guardian, json, projectsReads: true)
      let expected = Self.check(full.guardian, json, projectsReads: false)
      #expect(answer == expected, "\(json)")
      #expect(
        projected.logs.records("HARD_FAIL").map(\.metadata)
          == full.logs.records("HARD_FAIL").map(\.metadata))
      if case .decided(let decision) = expected {
        #expect(try full.guardian.check(JSONReader.read(json)) == decision)
        if case .violation = decision { violations += 1 }
      }
    }
    #expect(violations >= 8)
  }

  /// Every conformance case whose data is a snapshot, as a one-invariant guard (its declared
  /// types and context included): projected and in full, the same answer.
  @Test func theConformanceCasesAreDecidedAsInFull() throws {
    let directory = Fixtures.repositoryRoot.appendingPathComponent("Tests/Conformance")
    var compared = 0
    var decided = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    where name.hasSuffix(".jsonl") {
      let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
      for line in text.split(separator: "\n") {
        let object = try JSONReader.read(String(line))
        guard case .string(let expression) = object["expr"], case .object = object["data"]
        else { continue }
        var context = EvaluationContext.empty
        if case .object = object["context"] {
          guard let read = try? EvaluationContext(json: object["context"]) else { continue }
          context = read
        }
        // One instant for both reads (`now()` otherwise differs between them).
        if case .string(let now) = object["now"] {
          context.now = now
        } else if context.now == nil {
          context.now = "2026-01-01T00:00:00Z"
        }
        var types = "{}"
        if case .object = object["types"] { types = object["types"].description }
        let harness = GuardHarness(
          source: Fixtures.source(Self.ruleFile([expression], types: types)),
          configuration: Self.configuration())
        harness.guardian.start()
        let json = object["data"].description
        let full = Self.check(harness.guardian, json, projectsReads: false, context: context)
        let projected = Self.check(harness.guardian, json, projectsReads: true, context: context)
        #expect(projected == full, "\(object["id"]): \(expression) on \(json)")
        compared += 1
        if case .decided(.pass) = full { decided += 1 }
        if case .decided(.violation) = full { decided += 1 }
      }
    }
    #expect(compared >= 1000)
    #expect(decided >= 800)
  }
}
