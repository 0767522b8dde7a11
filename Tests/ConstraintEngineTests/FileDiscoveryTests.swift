import ConstraintEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A scratch directory tree, removed when the test ends.
private final class Tree {
  let root: String

  init() throws {
    root =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("discovery-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: root) }

  func path(_ relative: String) -> String { root + "/" + relative }

  func file(_ relative: String, _ text: String = "{}") throws {
    let full = path(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: full))
  }

  func directory(_ relative: String) throws {
    try FileManager.default.createDirectory(
      atPath: path(relative), withIntermediateDirectories: true)
  }

  func link(_ relative: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(
      atPath: path(relative), withDestinationPath: destination)
  }

  /// `files` relative to the root.
  func relative(_ files: [String]) -> [String] {
    files.map { $0.hasPrefix(root + "/") ? String($0.dropFirst(root.count + 1)) : $0 }
  }
}

@Suite("FileDiscovery: one walk for rule and snapshot files")
struct FileDiscoveryTests {
  @Test func filesComeSortedByPathBytesAndDirectoriesRecursively() throws {
    let tree = try Tree()
    for name in [
      "b.constraints.json", "a/z.constraints.json", "a-c.constraints.json",
      "a/b/y.constraints.json", "notes.txt", "data.json",
    ] {
      try tree.file(name)
    }
    let found = FileDiscovery.ruleFiles([tree.root])
    #expect(found.problems.isEmpty)
    #expect(
      tree.relative(found.files) == [
        "a-c.constraints.json", "a/b/y.constraints.json", "a/z.constraints.json",
        "b.constraints.json",
      ])
  }

  @Test func extensionsMatchWhateverTheirCase() throws {
    let tree = try Tree()
    try tree.file("A.CONSTRAINTS.JSON")
    try tree.file("b.Constraints.Json")
    try tree.file("s.JSON")
    try tree.file("t.JsonL")
    try tree.file("u.NDJSON")
    #expect(
      tree.relative(FileDiscovery.ruleFiles([tree.root]).files)
        == ["A.CONSTRAINTS.JSON", "b.Constraints.Json"])
    #expect(
      tree.relative(FileDiscovery.snapshotFiles(tree.root).files)
        == ["s.JSON", "t.JsonL", "u.NDJSON"])
    #expect(FileDiscovery.isJSONLinesName("x.JSONL") && FileDiscovery.isJSONLinesName("-"))
    #expect(!FileDiscovery.isJSONLinesName("x.json"))
  }

  @Test func symlinkedDirectoriesAreFollowedAndLoopsEnd() throws {
    let tree = try Tree()
    try tree.file("elsewhere/billing.constraints.json")
    try tree.file("rules/own.constraints.json")
    try tree.link("rules/linked", to: tree.path("elsewhere"))
    try tree.link("rules/loop", to: tree.path("rules"))
    try tree.link("rules/parent", to: "..")
    let found = FileDiscovery.ruleFiles([tree.path("rules")])
    #expect(found.problems.isEmpty)
    // `parent` reaches `elsewhere` again; each real file is taken once, first name in order.
    #expect(
      tree.relative(found.files) == [
        "rules/linked/billing.constraints.json", "rules/own.constraints.json",
      ])
  }

  @Test func aFileReachedTwiceIsTakenOnce() throws {
    let tree = try Tree()
    try tree.file("rules/billing.constraints.json")
    try tree.link("rules/alias.constraints.json", to: "billing.constraints.json")
    let found = FileDiscovery.ruleFiles([
      tree.path("rules"), tree.path("rules/"), tree.path("rules/billing.constraints.json"),
      tree.root + "/./rules",
    ])
    #expect(found.problems.isEmpty)
    #expect(found.emptyDirectories.isEmpty)
    #expect(tree.relative(found.files) == ["rules/alias.constraints.json"])
  }

  @Test func aConfigMapVolumeGivesEachFileOnceUnderItsPublishedName() throws {
    let tree = try Tree()
    let stamp = "..2024_05_01_12_00_00.123456789"
    try tree.file("cm/\(stamp)/billing.constraints.json")
    try tree.file("cm/\(stamp)/escrow.constraints.json")
    try tree.link("cm/..data", to: stamp)
    try tree.link("cm/billing.constraints.json", to: "..data/billing.constraints.json")
    try tree.link("cm/escrow.constraints.json", to: "..data/escrow.constraints.json")
    let found = FileDiscovery.ruleFiles([tree.path("cm")])
    #expect(found.problems.isEmpty)
    #expect(
      tree.relative(found.files) == ["cm/billing.constraints.json", "cm/escrow.constraints.json"])
  }

  @Test func hiddenEntriesAreSkipped() throws {
    let tree = try Tree()
    try tree.file("rules/billing.constraints.json")
    try tree.link("rules/.#billing.constraints.json", to: "root@host.4242:1714564800")
    try tree.file("rules/.hidden.constraints.json")
    try tree.file("rules/.git/objects.constraints.json")
    let found = FileDiscovery.ruleFiles([tree.path("rules")])
    #expect(found.problems.isEmpty)
    #expect(tree.relative(found.files) == ["rules/billing.constraints.json"])
  }

  @Test func whatCannotBeTakenIsAProblemNotASkip() throws {
    let tree = try Tree()
    try tree.file("rules/billing.constraints.json")
    try tree.link("rules/gone.constraints.json", to: tree.path("missing"))
    try tree.link("rules/readme", to: tree.path("missing-too"))
    #expect(mkfifo(tree.path("rules/pipe.constraints.json"), 0o600) == 0)
    let found = FileDiscovery.ruleFiles([tree.path("rules"), tree.path("absent")])
    #expect(tree.relative(found.files) == ["rules/billing.constraints.json"])
    let problems = found.problems.map { "\(tree.relative([$0.file ?? ""])[0]): \($0.message)" }
    // A dangling link without a matching name hides nothing and is not a problem.
    #expect(
      problems == [
        "rules/gone.constraints.json: cannot follow: No such file or directory",
        "rules/pipe.constraints.json: not a regular file (a pipe, socket or device)",
        "absent: no such file or directory",
      ], "\(problems)")
  }

  @Test func aPipeNamedExplicitlyIsTaken() throws {
    let tree = try Tree()
    #expect(mkfifo(tree.path("generated"), 0o600) == 0)
    let found = FileDiscovery.ruleFiles([tree.path("generated")])
    #expect(found.problems.isEmpty)
    #expect(found.files == [tree.path("generated")])
  }

  @Test func aLinkToNothingNamedExplicitlySaysSo() throws {
    let tree = try Tree()
    try tree.link("rules", to: tree.path("nowhere"))
    let found = FileDiscovery.ruleFiles([tree.path("rules")])
    #expect(found.files.isEmpty)
    #expect(found.problems.first?.message.hasPrefix("a symbolic link to a missing") == true)
  }

  @Test func aProblemIsADiagnosticAboutTheWholeFile() throws {
    let tree = try Tree()
    let missing = tree.path("absent.constraints.json")
    let problem = try #require(FileDiscovery.ruleFiles([missing]).problems.first)
    #expect(problem.code == .ruleFileUnreadable && problem.severity == .error)
    #expect(problem.file == missing && problem.fileRange == nil && problem.isReadFailure)
    #expect(problem.description == "\(missing): no such file or directory")
    let loaded = RuleFileLoader.load(paths: [missing])
    #expect(loaded.errors == [problem])
    try tree.directory("empty")
    let empty = try #require(RuleFileLoader.load(paths: [tree.path("empty")]).errors.first)
    #expect(empty.code == .noRuleFiles && empty.file == tree.path("empty") && empty.isReadFailure)
  }

  @Test func anEmptyDirectoryIsReportedAsSuch() throws {
    let tree = try Tree()
    try tree.file("rules/readme.txt")
    try tree.directory("data/sub")
    #expect(FileDiscovery.ruleFiles([tree.path("rules")]).emptyDirectories == [tree.path("rules")])
    #expect(FileDiscovery.snapshotFiles(tree.path("data")).emptyDirectories == [tree.path("data")])
    let loaded = RuleFileLoader.load(paths: [tree.path("rules")])
    #expect(loaded.errors.map(\.message) == ["no *.constraints.json files in directory"])
  }

  @Test func snapshotDirectoriesSkipRuleFiles() throws {
    let tree = try Tree()
    try tree.file("data/a.json")
    try tree.file("data/rules.constraints.json")
    try tree.file("data/RULES.CONSTRAINTS.JSON")
    try tree.file("data/b.jsonl")
    #expect(
      tree.relative(FileDiscovery.snapshotFiles(tree.path("data")).files)
        == ["data/a.json", "data/b.jsonl"])
  }
}

@Suite("RuleFileLoader.text: one decision for every reader of rule files")
struct RuleFileTextTests {
  @Test func aByteOrderMarkIsRefusedWithAClearMessage() {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{}".utf8)
    #expect(throws: Diagnostics.self) { try RuleFileLoader.text(of: bytes, path: "x") }
    do {
      _ = try RuleFileLoader.text(of: bytes, path: "x")
    } catch {
      #expect(error.diagnostics.first?.message.contains("byte order mark") == true)
    }
  }

  @Test func invalidUTF8IsRefused() {
    #expect(throws: Diagnostics.self) { try RuleFileLoader.text(of: [0x7B, 0xFF], path: "x") }
    #expect((try? RuleFileLoader.text(of: Array("{}".utf8), path: "x")) == "{}")
  }
}
