import ConstraintBatch
import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A rule set and helpers shared by the batch tests.
enum BatchFixture {
  /// Two rules on `n`: `even` fails on odd numbers, `small` on numbers of 1,000 and more.
  static let rules = #"""
    {"schema_id": "Numbers", "expression_version": "2.0",
     "constraints": [
      {"id": "even", "expression": "n % 2 == 0", "message": "n is odd"},
      {"id": "small", "expression": "n < 1000", "severity": "warning"}
     ]}
    """#

  static func ruleSet() throws -> RuleSet {
    let file = try RuleFileLoader.parse(rules, path: "numbers.constraints.json")
    return try RuleSet.compile([file]).get()
  }

  /// `{"n":1}` … `{"n":count}`, one per line.
  static func lines(_ count: Int) -> [UInt8] {
    Array((1...count).map { "{\"n\":\($0)}\n" }.joined().utf8)
  }

  /// Every event of checking `source`, collected.
  static func events(
    _ source: SnapshotSource, options: BatchOptions, ruleIndexes: [Int]? = nil
  ) throws -> [BatchEvent] {
    let checker = BatchChecker(ruleSet: try ruleSet(), options: options)
    var events: [BatchEvent] = []
    let finished = checker.check(source, ruleIndexes: ruleIndexes) { event in
      events.append(event)
      return true
    }
    #expect(finished)
    return events
  }

  /// The snapshots among `events`.
  static func snapshots(_ events: [BatchEvent]) -> [CheckedSnapshot] {
    events.compactMap {
      if case .snapshot(let snapshot) = $0 { return snapshot }
      return nil
    }
  }

  /// `line: words` of each snapshot, `line: unreadable CODE` for one that could not be read.
  static func summary(_ snapshot: CheckedSnapshot) -> String {
    let line = snapshot.line.map(String.init) ?? "-"
    switch snapshot.outcomes {
    case .success(let outcomes): return "\(line): " + outcomes.map(\.word).joined(separator: ",")
    case .failure(let diagnostic): return "\(line): unreadable \(diagnostic.code)"
    }
  }
}

@Suite("Batch checking")
struct BatchCheckerTests {
  @Test(arguments: [1, 2, 4])
  func resultsComeInInputOrderWhateverTheJobs(jobs: Int) throws {
    let options = BatchOptions(jobs: jobs, batchLines: 7)
    let snapshots = BatchFixture.snapshots(
      try BatchFixture.events(
        .jsonLines(BatchFixture.lines(2_000), name: "n.jsonl"), options: options))
    #expect(snapshots.count == 2_000)
    #expect(snapshots.map(\.line) == Array(1...2_000))
    for snapshot in snapshots {
      let n = snapshot.line!
      let words = try snapshot.outcomes.get().map(\.word)
      #expect(words == [n % 2 == 0 ? "pass" : "fail", n < 1000 ? "pass" : "fail"])
      #expect(snapshot.file == "n.jsonl")
    }
  }

  @Test func byteBatchesKeepTheOrderToo() throws {
    let options = BatchOptions(jobs: 3, batchLines: 1_000, batchBytes: 64)
    let snapshots = BatchFixture.snapshots(
      try BatchFixture.events(
        .jsonLines(BatchFixture.lines(500), name: "n.jsonl"), options: options))
    #expect(snapshots.map(\.line) == Array(1...500))
  }

  /// Malformed lines, a line over the document limit and a non-object are each a result in
  /// place; blank lines are not snapshots; the lines after a bad one are still checked.
  @Test(arguments: [1, 3])
  func everyBadLineIsAnErrorResultInPlace(jobs: Int) throws {
    let input = [
      #"{"n":2}"#, "", #"{"n":"#, "   ",
      #"{"n":4, "pad":"\#(String(repeating: "x", count: 200))"}"#,
      "not json", #"{"n":3}"#, "\u{FF}\u{FE}",
    ].joined(separator: "\n")
    let options = BatchOptions(
      jobs: jobs, batchLines: 2, limits: JSONLimits(maximumDocumentBytes: 100))
    let snapshots = BatchFixture.snapshots(
      try BatchFixture.events(.jsonLines(Array(input.utf8), name: "bad.jsonl"), options: options))
    #expect(
      snapshots.map(BatchFixture.summary) == [
        "1: pass,pass", "3: unreadable CE4001", "5: unreadable CE4001", "6: unreadable CE4001",
        "7: fail,pass", "8: unreadable CE4001",
      ])
    guard case .failure(let diagnostic) = snapshots[1].outcomes else { return }
    #expect(diagnostic.range.start.line == 1)
    #expect(diagnostic.range.start.column == 6)
    #expect(diagnostic.phase == .json)
  }

  @Test func aJSONLinesFileThatCannotBeOpenedIsOneErrorResult() throws {
    let path = "/nonexistent-\(UUID().uuidString)/data.jsonl"
    let snapshots = BatchFixture.snapshots(
      try BatchFixture.events(.file(path), options: BatchOptions(jobs: 2)))
    #expect(snapshots.count == 1)
    #expect(snapshots.first?.line == 0)
    guard case .failure(let diagnostic) = snapshots.first?.outcomes else {
      Issue.record("not an error result")
      return
    }
    #expect(diagnostic.code == .invalidJSON)
    #expect(diagnostic.message.hasPrefix("cannot open \(path)"))
  }

  @Test func aDocumentThatCannotBeReadIsOneErrorResult() throws {
    let directory = FileManager.default.temporaryDirectory.path
    for source in [SnapshotSource.file("/nonexistent-\(UUID().uuidString).json"), .file(directory)]
    {
      let snapshots = BatchFixture.snapshots(
        try BatchFixture.events(source, options: BatchOptions()))
      #expect(snapshots.count == 1)
      #expect(snapshots.first?.line == nil)
      guard case .failure(let diagnostic) = snapshots.first?.outcomes else {
        Issue.record("\(source) is not an error result")
        continue
      }
      #expect(diagnostic.code == .invalidJSON)
    }
  }

  @Test func aDocumentInMemoryIsOneSnapshot() throws {
    let snapshots = BatchFixture.snapshots(
      try BatchFixture.events(
        .document(Array(#"{"n": 1001}"#.utf8), name: "d.json"), options: BatchOptions()))
    #expect(snapshots.map(BatchFixture.summary) == ["-: fail,fail"])
    #expect(snapshots.first?.location == "d.json")
  }

  /// A pipe read as JSON lines and as one document; a read error (a directory's descriptor)
  /// is an error result, never the end of the input.
  @Test func fileDescriptorsAreRead() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    let text = "{\"n\":2}\n{\"n\":1}\n"
    #expect(write(ends[1], text, text.utf8.count) == text.utf8.count)
    close(ends[1])
    defer { close(ends[0]) }
    let source = SnapshotSource(
      origin: .fileDescriptor(ends[0]), layout: .jsonLines, name: "<pipe>")
    let snapshots = BatchFixture.snapshots(try BatchFixture.events(source, options: BatchOptions()))
    #expect(snapshots.map(BatchFixture.summary) == ["1: pass,pass", "2: fail,pass"])
    #expect(snapshots.first?.location == "<pipe>:1")

    let directory = open(FileManager.default.temporaryDirectory.path, O_RDONLY)
    #expect(directory >= 0)
    defer { close(directory) }
    for layout in [SnapshotSource.Layout.jsonLines, .document] {
      let unreadable = SnapshotSource(origin: .fileDescriptor(directory), layout: layout, name: "d")
      let results = BatchFixture.snapshots(
        try BatchFixture.events(unreadable, options: BatchOptions()))
      #expect(results.count == 1)
      #expect(results.first.map(BatchFixture.summary)?.hasSuffix("unreadable CE4001") == true)
    }
  }

  /// `emit` returning false stops the check: nothing more is reported, and it says so.
  @Test(arguments: [1, 4])
  func stoppingEndsTheCheck(jobs: Int) throws {
    let checker = BatchChecker(
      ruleSet: try BatchFixture.ruleSet(), options: BatchOptions(jobs: jobs, batchLines: 16))
    var seen: [Int] = []
    let finished = checker.check(.jsonLines(BatchFixture.lines(5_000), name: "n.jsonl")) {
      event in
      guard case .snapshot(let snapshot) = event else { return true }
      seen.append(snapshot.line ?? -1)
      return seen.count < 100
    }
    #expect(!finished)
    #expect(seen == Array(1...100))
  }

  /// With passes summarised, the passing runs and the snapshots reported add up to the input,
  /// in order.
  @Test(arguments: [1, 3])
  func passingRunsCountWhatIsNotListed(jobs: Int) throws {
    let options = BatchOptions(jobs: jobs, batchLines: 5, summarisesPasses: true)
    let events = try BatchFixture.events(
      .jsonLines(BatchFixture.lines(300), name: "n.jsonl"), options: options, ruleIndexes: [0])
    var counted = 0
    var listed: [Int] = []
    for event in events {
      switch event {
      case .passing(let run):
        #expect(run.passed == run.snapshots && run.skipped == 0)
        counted += run.snapshots
      case .snapshot(let snapshot): listed.append(snapshot.line!)
      }
    }
    #expect(listed == Array(stride(from: 1, through: 299, by: 2)))
    #expect(counted == 150)
  }

  @Test func discoveryWalksADirectoryInOrder() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "batch-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let nested = root.appendingPathComponent("b")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    for name in ["c.jsonl", "a.json", "b/x.ndjson", "r.constraints.json", "notes.txt"] {
      try Data("{}".utf8).write(to: root.appendingPathComponent(name))
    }
    let found = SnapshotSource.discover(root.path)
    #expect(found.problems.isEmpty)
    #expect(!found.emptyDirectory)
    #expect(
      found.sources.map { $0.name.replacingOccurrences(of: root.path + "/", with: "") } == [
        "a.json", "b/x.ndjson", "c.jsonl",
      ])
    #expect(found.sources.map(\.layout) == [.document, .jsonLines, .jsonLines])

    let empty = root.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let none = SnapshotSource.discover(empty.path)
    #expect(none.sources.isEmpty && none.emptyDirectory && none.problems.isEmpty)

    let missing = SnapshotSource.discover(root.appendingPathComponent("missing").path)
    #expect(missing.sources.isEmpty && missing.problems.count == 1)
    #expect(SnapshotSource.discover("-").sources == [.standardInput])
  }

  @Test func warningsAreValuesWithTheCLIText() {
    let capped = BatchWarning.workersLimitedByAddressSpace(
      started: 2, requested: 8, stackBytes: 8 << 20, addressSpaceBytes: 64 << 20)
    #expect(
      capped.description
        == "warning: starting 2 of 8 worker threads: their 8 MiB stacks may take at most a "
        + "quarter of the 64 MiB address-space limit (ulimit -v)")
    let failed = BatchWarning.workersNotStarted(started: 0, requested: 4, reason: "EAGAIN")
    #expect(
      failed.description.hasSuffix("(cannot create more: EAGAIN); checking on the main thread"))
  }
}
