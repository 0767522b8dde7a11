import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

// The fail-closed promise, tried as a hostile user would: every fault in the rules, the input or
// the output is fed to the built `constraint` as a subprocess, and the exit status and message
// are asserted. No fault may turn into exit 0 or a `pass` decision. (docs/SECURITY.md lists
// what each suite protects.)

/// Paths and texts the fault suites share.
enum FaultFixtures {
  static let passing = "Examples/snapshots/ok-commit.json"
  static let overspent = "Examples/snapshots/overspent.json"
  static let negativeCost = "Examples/snapshots/negative-cost.json"

  static var billingRules: String {
    (try? String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent("Rules/billing.constraints.json"),
      encoding: .utf8)) ?? ""
  }

  /// One passing snapshot on one line (for JSON lines input).
  static var passingLine: String {
    let text =
      (try? String(
        contentsOf: CLI.repositoryRoot.appendingPathComponent(passing), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .joined()
  }

  /// A rule file of schema `schema` whose one rule passes on every billing example.
  static func harmlessRules(schema: String = "Other", id: String = "limit_known") -> String {
    ruleFileText(
      schema: schema, #"{"id": "\#(id)", "expression": "bigint_gte(budget.limit_micro, 0)"}"#)
  }

  static func symlink(_ link: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: destination)
  }

  static func chmod(_ path: String, _ mode: mode_t) {
    _ = Glibc.chmod(path, mode)
  }
}

// MARK: - Read errors

@Suite("fail closed: read errors are never the end of input")
struct ReadErrorFaultTests {
  @Test(arguments: ["check", "eval", "guard"])
  func closedStandardInputExitsTwo(command: String) throws {
    let result = try Fault.run(Self.arguments(command, data: "-"), redirections: "<&-")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("standard input"), "\(result.transcript)")
  }

  @Test(arguments: ["check", "eval", "guard"])
  func aDirectoryAsStandardInputExitsTwo(command: String) throws {
    let scratch = try CheckScratch()
    try scratch.write("dir/readme.txt", "a directory")
    let result = try Fault.run(
      Self.arguments(command, data: "-"), redirections: "< '\(scratch.path("dir"))'")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.allLines.contains { $0.contains("Is a directory") }, "\(result.transcript)")
  }

  @Test(arguments: ["eval", "guard"])
  func aDirectoryNamedLikeJSONLinesExitsTwo(command: String) throws {
    let scratch = try CheckScratch()
    try scratch.write("stream.jsonl/readme.txt", "a directory")
    let result = try Fault.run(Self.arguments(command, data: scratch.path("stream.jsonl")))
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.allLines.contains { $0.contains("Is a directory") }, "\(result.transcript)")
  }

  @Test(arguments: ["check", "eval", "guard"])
  func aConnectionResetAtALineBoundaryExitsTwo(command: String) throws {
    let line = FaultFixtures.passingLine
    let result = try Fault.runWithResetStandardInput(
      Self.arguments(command, data: "-"), lines: "\(line)\n\(line)\n")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(
      result.allLines.contains { $0.contains("Connection reset by peer") }, "\(result.transcript)")
  }

  @Test(arguments: ["check", "eval", "guard"])
  func aConnectionResetInsideALineExitsTwo(command: String) throws {
    let line = FaultFixtures.passingLine
    // The cut line must not be taken for a snapshot either (nor only for bad JSON).
    let result = try Fault.runWithResetStandardInput(
      Self.arguments(command, data: "-"), lines: "\(line)\n\(line)\n{\"budget\": 1")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(
      result.allLines.contains { $0.contains("Connection reset by peer") }, "\(result.transcript)")
  }

  static func arguments(_ command: String, data: String) -> [String] {
    switch command {
    case "check": return ["check", "Rules", "--data", data]
    case "eval": return ["eval", "cost_micro != null", "--data", data]
    default: return ["guard", "--rules", "Rules", "--data", data]
    }
  }
}

// MARK: - Empty input

@Suite("fail closed: checking nothing is not a pass")
struct EmptyInputFaultTests {
  @Test(arguments: ["check", "eval", "guard"])
  func emptyStandardInputExitsTwo(command: String) throws {
    let result = try Fault.run(ReadErrorFaultTests.arguments(command, data: "-"), stdin: "")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("no snapshots"), "\(result.transcript)")
    #expect(result.stderr.contains("--allow-empty"), "\(result.transcript)")
  }

  @Test(arguments: ["check", "eval", "guard"])
  func aBlankJSONLinesFileExitsTwo(command: String) throws {
    let scratch = try CheckScratch()
    let blank = try scratch.write("blank.jsonl", "\n   \n\t\n")
    let result = try Fault.run(ReadErrorFaultTests.arguments(command, data: blank))
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("no snapshots"), "\(result.transcript)")
  }

  @Test func aDataDirectoryWithoutSnapshotsExitsTwoAndSaysSo() throws {
    let scratch = try CheckScratch()
    try scratch.write("data/readme.txt", "nothing to check")
    let result = try Fault.run(["check", "Rules", "--data", scratch.path("data")])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("no snapshots"), "\(result.transcript)")
  }

  @Test func oneEmptySourceAmongOthersExitsTwo() throws {
    let scratch = try CheckScratch()
    let empty = try scratch.write("empty.jsonl", "")
    let result = try Fault.run([
      "check", "Rules", "--data", FaultFixtures.passing, "--data", empty,
    ])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains(empty), "\(result.transcript)")
  }

  @Test(arguments: ["check", "eval", "guard"])
  func allowEmptyAcceptsEmptyInput(command: String) throws {
    let result = try Fault.run(
      ReadErrorFaultTests.arguments(command, data: "-") + ["--allow-empty"], stdin: "")
    #expect(result.status == 0, "\(result.transcript)")
  }
}

// MARK: - Write errors

@Suite("fail closed: an unwritable output is an error")
struct WriteErrorFaultTests {
  /// One invocation of every command and format that writes to standard output.
  static let invocations: [[String]] = [
    ["--version"],
    ["--help"],
    ["check", "--help"],
    ["parse", "a==1"],
    ["eval", "cost_micro != null", "--data", FaultFixtures.passing],
    [
      "eval", "bigint_gte(budget.limit_micro, budget.spent_micro)", "--data",
      FaultFixtures.overspent, "--explain",
    ],
    ["check", "Rules", "--data", FaultFixtures.passing],
    ["check", "Rules", "--data", FaultFixtures.overspent],
    ["check", "Rules", "--data", FaultFixtures.overspent, "--format", "json"],
    ["check", "Rules", "--data", FaultFixtures.passing, "--format", "junit"],
    ["check", "Rules", "--data", FaultFixtures.overspent, "--format", "junit"],
    ["check", "Rules", "--data", FaultFixtures.overspent, "--format", "github"],
    ["check", "Rules", "--data", FaultFixtures.overspent, "--format", "sarif"],
    ["check", "Rules", "--data", FaultFixtures.passing, "--format", "jsonl"],
    ["check", "Rules", "--data", FaultFixtures.overspent, "--format", "jsonl"],
    ["lint", "Rules"],
    ["lint", "Rules", "--format", "json"],
    ["lint", "Rules", "--format", "github"],
    ["lint", "Rules", "--format", "sarif"],
    ["test", "Rules"],
    ["test", "Rules", "--format", "json"],
    ["test", "Rules", "--format", "github"],
    ["guard", "--rules", "Rules", "--data", FaultFixtures.passing],
  ]

  @Test(arguments: invocations)
  func aFullDiskExitsTwo(arguments: [String]) throws {
    let result = try Fault.run(arguments, redirections: ">/dev/full")
    #expect(result.status == 2, "\(arguments): \(result.transcript)")
    #expect(
      result.stderr.contains("cannot write to standard output: No space left on device"),
      "\(arguments): \(result.transcript)")
  }

  @Test(arguments: invocations)
  func aClosedStandardOutputExitsTwo(arguments: [String]) throws {
    let result = try Fault.run(arguments, redirections: ">&-")
    #expect(result.status == 2, "\(arguments): \(result.transcript)")
    #expect(
      result.stderr.contains("cannot write to standard output"),
      "\(arguments): \(result.transcript)")
  }

  @Test func fmtOfStandardInputOnAFullDiskExitsTwo() throws {
    let result = try Fault.run(["fmt"], redirections: ">/dev/full", stdin: "a==1\n")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("cannot write to standard output"), "\(result.transcript)")
  }

  @Test func fmtCheckListingOnAFullDiskExitsTwo() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "r/x.constraints.json", ruleFileText(schema: "X", #"{"id": "a", "expression": "a==1"}"#))
    let result = try Fault.run(["fmt", "--check", scratch.path("r")], redirections: ">/dev/full")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("cannot write to standard output"), "\(result.transcript)")
  }

  @Test func fmtRewritingFilesOnAFullDiskExitsTwo() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "r/x.constraints.json", ruleFileText(schema: "X", #"{"id": "a", "expression": "a==1"}"#))
    let result = try Fault.run(["fmt", scratch.path("r")], redirections: ">/dev/full")
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("cannot write to standard output"), "\(result.transcript)")
  }

  @Test func aBrokenPipeExitsTwo() throws {
    // Megabytes of JSON into a reader that stops after 100 bytes.
    let scratch = try CheckScratch()
    let stream = try scratch.write(
      "many.jsonl", String(repeating: FaultFixtures.passingLine + "\n", count: 2000))
    let result = try Fault.script(
      #"{ "$0" "$@"; echo "status=$?" >&2; } | head -c 100 >/dev/null"#,
      ["check", "Rules", "--data", stream, "--format", "json", "--all"])
    #expect(result.stderr.contains("status=2"), "\(result.transcript)")
    #expect(
      result.stderr.contains("cannot write to standard output: Broken pipe"),
      "\(result.transcript)")
  }

  @Test func aFullStandardErrorStillFailsTheRun() throws {
    // Nothing can be said, but the status must not claim success.
    let result = try Fault.run(
      ["check", "Rules", "--data", "does-not-exist.json"], redirections: "2>/dev/full")
    #expect(result.status == 2, "\(result.transcript)")
  }
}

// MARK: - Directory walks and deployment layouts

@Suite("fail closed: rule and snapshot discovery")
struct DiscoveryFaultTests {
  @Test func aSymlinkedRuleSubdirectoryIsFollowed() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/other.constraints.json", FaultFixtures.harmlessRules())
    try scratch.write("elsewhere/billing.constraints.json", FaultFixtures.billingRules)
    try FaultFixtures.symlink(scratch.path("rules/billing"), to: scratch.path("elsewhere"))
    let result = try Fault.run([
      "check", scratch.path("rules"), "--data", FaultFixtures.overspent,
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stdout.contains("budget_conservation  FAIL"), "\(result.transcript)")
  }

  @Test func aSymlinkedDataSubdirectoryIsFollowed() throws {
    let scratch = try CheckScratch()
    try FileManager.default.createDirectory(
      atPath: scratch.path("data"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: scratch.path("more"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.passing).path,
      toPath: scratch.path("data/ok.json"))
    try FileManager.default.copyItem(
      atPath: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.overspent).path,
      toPath: scratch.path("more/overspent.json"))
    try FaultFixtures.symlink(scratch.path("data/more"), to: scratch.path("more"))
    let result = try Fault.run(["check", "Rules", "--data", scratch.path("data")])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stdout.contains("2 snapshots"), "\(result.transcript)")
  }

  @Test func upperCaseExtensionsAreRuleAndSnapshotFiles() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/other.constraints.json", FaultFixtures.harmlessRules())
    try scratch.write("rules/BILLING.CONSTRAINTS.JSON", FaultFixtures.billingRules)
    try scratch.write("data/OK.JSON", FaultFixtures.passingLine)
    try scratch.write("data/STREAM.JSONL", FaultFixtures.passingLine + "\n")
    let overspent = try String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.overspent),
      encoding: .utf8)
    try scratch.write("data/Overspent.Json", overspent)
    let result = try Fault.run([
      "check", scratch.path("rules"), "--data", scratch.path("data"),
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stdout.contains("3 snapshots × 11 rules"), "\(result.transcript)")
    #expect(result.stdout.contains("budget_conservation  FAIL"), "\(result.transcript)")
  }

  @Test func anUpperCaseJSONLinesFileNamedExplicitlyIsReadAsLines() throws {
    let scratch = try CheckScratch()
    let stream = try scratch.write(
      "STREAM.JSONL", FaultFixtures.passingLine + "\n" + FaultFixtures.passingLine + "\n")
    let result = try Fault.run(["eval", "cost_micro != null", "--data", stream])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stdout == "pass\npass\n", "\(result.transcript)")
  }

  @Test func unreadableRuleSubdirectoryIsAnError() throws {
    guard Fault.canRunAsNobody else {
      print("skipped unreadableRuleSubdirectoryIsAnError: \(Fault.cannotRunAsNobody)")
      return
    }
    let scratch = try CheckScratch()
    try scratch.write("rules/other.constraints.json", FaultFixtures.harmlessRules())
    try scratch.write("rules/locked/billing.constraints.json", FaultFixtures.billingRules)
    FaultFixtures.chmod(scratch.path("rules/locked"), 0o000)
    defer { FaultFixtures.chmod(scratch.path("rules/locked"), 0o755) }
    for arguments in [
      ["check", scratch.path("rules"), "--data", FaultFixtures.overspent],
      ["lint", scratch.path("rules")],
      ["fmt", "--check", scratch.path("rules")],
    ] {
      let result = try Fault.run(arguments, asNobody: true)
      #expect(result.status == 2, "\(arguments): \(result.transcript)")
      #expect(
        result.stderr.contains("\(scratch.path("rules/locked")): cannot read directory")
          && result.stderr.contains("Permission denied"), "\(arguments): \(result.transcript)")
    }
  }

  @Test func unreadableDataSubdirectoryIsAnError() throws {
    guard Fault.canRunAsNobody else {
      print("skipped unreadableDataSubdirectoryIsAnError: \(Fault.cannotRunAsNobody)")
      return
    }
    let scratch = try CheckScratch()
    try scratch.write("data/ok.json", FaultFixtures.passingLine)
    try scratch.write("data/locked/overspent.json", "{}")
    FaultFixtures.chmod(scratch.path("data/locked"), 0o000)
    defer { FaultFixtures.chmod(scratch.path("data/locked"), 0o755) }
    let result = try Fault.run(
      ["check", "Rules", "--data", scratch.path("data")], asNobody: true)
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("Permission denied"), "\(result.transcript)")
  }

  @Test func anUnreadableRulesDirectorySaysWhatHappened() throws {
    guard Fault.canRunAsNobody else {
      print("skipped anUnreadableRulesDirectorySaysWhatHappened: \(Fault.cannotRunAsNobody)")
      return
    }
    let scratch = try CheckScratch()
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    FaultFixtures.chmod(scratch.path("rules"), 0o000)
    defer { FaultFixtures.chmod(scratch.path("rules"), 0o755) }
    let result = try Fault.run(["lint", scratch.path("rules")], asNobody: true)
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("Permission denied"), "\(result.transcript)")
    #expect(!result.stderr.contains("no *.constraints.json files"), "\(result.transcript)")
  }

  @Test func aSymlinkLoopEndsAndEachFileIsReadOnce() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    try FaultFixtures.symlink(scratch.path("rules/again"), to: scratch.path("rules"))
    try FaultFixtures.symlink(scratch.path("rules/up"), to: "..")
    let result = try Fault.run(["lint", scratch.path("rules")])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stdout.contains("1 rule file, 10 rules"), "\(result.transcript)")
  }

  /// A Kubernetes ConfigMap volume: the files live in a timestamped hidden directory, `..data`
  /// links to it and the top-level names link through `..data`.
  static func configMap(in scratch: CheckScratch, files: [String: String]) throws -> String {
    let stamp = "..2024_05_01_12_00_00.123456789"
    for (name, text) in files { try scratch.write("cm/\(stamp)/\(name)", text) }
    try FaultFixtures.symlink(scratch.path("cm/..data"), to: stamp)
    for name in files.keys {
      try FaultFixtures.symlink(scratch.path("cm/\(name)"), to: "..data/\(name)")
    }
    return scratch.path("cm")
  }

  @Test func aConfigMapVolumeLoadsEachRuleOnce() throws {
    let scratch = try CheckScratch()
    let volume = try Self.configMap(
      in: scratch, files: ["billing.constraints.json": FaultFixtures.billingRules])
    let check = try Fault.run(["check", volume, "--data", FaultFixtures.overspent])
    #expect(check.status == 1, "\(check.transcript)")
    #expect(check.stdout.contains("1 snapshot × 10 rules"), "\(check.transcript)")
    let lint = try Fault.run(["lint", volume])
    #expect(lint.status == 0, "\(lint.transcript)")
    let fmt = try Fault.run(["fmt", "--check", volume])
    #expect(fmt.status == 0, "\(fmt.transcript)")
    let guardRun = try Fault.run(["guard", "--rules", volume, "--data", FaultFixtures.passing])
    #expect(guardRun.status == 0, "\(guardRun.transcript)")
    #expect(guardRun.stdout.contains("\"decision\":\"pass\""), "\(guardRun.transcript)")
  }

  @Test func aRulesPathThatIsASymlinkWorks() throws {
    let scratch = try CheckScratch()
    try scratch.write("real/billing.constraints.json", FaultFixtures.billingRules)
    try FaultFixtures.symlink(scratch.path("link"), to: scratch.path("real"))
    let check = try Fault.run(["check", scratch.path("link"), "--data", FaultFixtures.passing])
    #expect(check.status == 0, "\(check.transcript)")
    let guardRun = try Fault.run([
      "guard", "--rules", scratch.path("link"), "--data", FaultFixtures.passing,
    ])
    #expect(guardRun.status == 0, "\(guardRun.transcript)")
    let lint = try Fault.run(["lint", scratch.path("link")])
    #expect(lint.status == 0, "\(lint.transcript)")
  }

  @Test func editorLockSwapAndBackupFilesAreNotRuleFiles() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    // Emacs' lock file is a dangling symlink; vim's swap file and hidden copies are binary or
    // half-written.
    try FaultFixtures.symlink(
      scratch.path("rules/.#billing.constraints.json"), to: "root@host.4242:1714564800")
    try scratch.write("rules/.billing.constraints.json.swp", "\u{0}binary")
    try scratch.write("rules/.billing.constraints.json", "{ half written")
    try scratch.write("rules/billing.constraints.json~", "{ old copy")
    for arguments in [
      ["check", scratch.path("rules"), "--data", FaultFixtures.passing],
      ["lint", scratch.path("rules")],
      ["fmt", "--check", scratch.path("rules")],
      ["guard", "--rules", scratch.path("rules"), "--data", FaultFixtures.passing],
    ] {
      let result = try Fault.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.transcript)")
    }
  }

  @Test func aFileReachedTwiceThroughLinksIsReadOnce() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    try FaultFixtures.symlink(
      scratch.path("rules/alias.constraints.json"), to: "billing.constraints.json")
    let result = try Fault.run(["lint", scratch.path("rules")])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stdout.contains("1 rule file, 10 rules"), "\(result.transcript)")
  }

  @Test func theSameDirectoryNamedTwiceIsNoDuplicate() throws {
    let check = try Fault.run(["check", "Rules", "./Rules", "--data", FaultFixtures.passing])
    #expect(check.status == 0, "\(check.transcript)")
    #expect(check.stdout.contains("1 snapshot × 10 rules"), "\(check.transcript)")
    let lint = try Fault.run(["lint", "Rules", "./Rules/", "Rules/billing.constraints.json"])
    #expect(lint.status == 0, "\(lint.transcript)")
  }

  @Test func aDanglingSymlinkNamedLikeARuleFileIsAnError() throws {
    let scratch = try CheckScratch()
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    try FaultFixtures.symlink(
      scratch.path("rules/extra.constraints.json"), to: scratch.path("gone.constraints.json"))
    let result = try Fault.run(["lint", scratch.path("rules")])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("extra.constraints.json"), "\(result.transcript)")
  }
}

// MARK: - The guard's schema

@Suite("fail closed: the guard's invariants come from one schema")
struct GuardSchemaFaultTests {
  @Test func anotherSchemaReusingAnInvariantIDNeverStandsInForIt() throws {
    let scratch = try CheckScratch()
    // Sorts before billing and reuses the id (legal: ids are unique per schema).
    try scratch.write(
      "rules/a-ledger.constraints.json",
      FaultFixtures.harmlessRules(schema: "Ledger", id: "budget_conservation"))
    try scratch.write("rules/billing.constraints.json", FaultFixtures.billingRules)
    let lint = try Fault.run(["lint", scratch.path("rules")])
    #expect(lint.status == 0, "\(lint.transcript)")
    let result = try Fault.run([
      "guard", "--rules", scratch.path("rules"), "--data", FaultFixtures.overspent,
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stdout.contains("\"decision\":\"violation\""), "\(result.transcript)")
    #expect(!result.stdout.contains("\"decision\":\"pass\""), "\(result.transcript)")
  }

  @Test func aGuardWhoseSchemaIsNotLoadedIsUnavailable() throws {
    let result = try Fault.run([
      "guard", "--rules", "Rules", "--schema", "Payments", "--data", FaultFixtures.passing,
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stdout.contains("\"decision\":\"unavailable\""), "\(result.transcript)")
    #expect(result.stderr.contains("Payments"), "\(result.transcript)")
  }
}

// MARK: - Injection

@Suite("fail closed: no data can forge output lines")
struct InjectionFaultTests {
  /// A line a terminal or a GitHub Actions log would act on.
  static func isDangerous(_ line: Substring) -> Bool {
    line.drop { $0 == " " || $0 == "\t" }.hasPrefix("::")
  }

  static let controlBytes: Set<UInt8> = Set((0..<0x20).filter { $0 != 0x0A && $0 != 0x09 })
    .union([0x7F])

  @Test func humanOutputRendersControlCharactersVisibly() throws {
    let scratch = try CheckScratch()
    // Rule id, message and file names carry escapes, carriage returns and workflow commands.
    try scratch.write(
      "rules/evil.constraints.json",
      ruleFileText(
        schema: "X",
        #"""
        {"id": "evil\u001b[2Jid",
         "expression": "bigint_gte(budget.limit_micro, budget.spent_micro)",
         "message": "boom\n::error file=x.swift,line=1::forged\r\u001b]0;title\u0007"}
        """#))
    let overspent = try String(
      contentsOf: CLI.repositoryRoot.appendingPathComponent(FaultFixtures.overspent),
      encoding: .utf8)
    try scratch.write("data/snap\n::warning::forged\r.json", overspent)
    // Without C0 controls: only a C1 control and a bidirectional override to render.
    try scratch.write("data/rev\u{202E}nel\u{85}.json", overspent)
    let result = try Fault.run([
      "check", scratch.path("rules"), "--data", scratch.path("data"), "--all",
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(!result.allLines.contains(where: Self.isDangerous), "\(result.transcript)")
    let bytes = Array((result.stdout + result.stderr).utf8)
    #expect(!bytes.contains(where: Self.controlBytes.contains), "\(result.transcript)")
    #expect(result.stdout.contains("evil\\u{1b}[2Jid  FAIL"), "\(result.transcript)")
    #expect(result.stdout.contains("boom\\n::error file=x.swift"), "\(result.transcript)")
    #expect(result.stdout.contains("snap\\n::warning::forged\\r.json"), "\(result.transcript)")
    #expect(result.stdout.contains("rev\\u{202e}nel\\u{85}.json"), "\(result.transcript)")
  }

  @Test func githubAnnotationsAreTheOnlyWorkflowCommands() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/evil.constraints.json",
      ruleFileText(
        schema: "X",
        #"""
        {"id": "evil", "expression": "bigint_gte(budget.limit_micro, budget.spent_micro)",
         "message": "boom\n::error file=x.swift,line=1::forged\u001b[31m"}
        """#))
    let result = try Fault.run([
      "check", scratch.path("rules"), "--data", FaultFixtures.overspent, "--format", "github",
    ])
    #expect(result.status == 1, "\(result.transcript)")
    let commands = result.stdout.split(separator: "\n").filter(Self.isDangerous)
    #expect(commands.count == 1, "\(result.transcript)")
    #expect(!Array(result.stdout.utf8).contains(0x1B), "\(result.transcript)")
  }

  @Test func diagnosticsOnStandardErrorCannotStartAWorkflowCommand() throws {
    let scratch = try CheckScratch()
    try scratch.write(
      "rules/bad\n::error::forged.constraints.json",
      ruleFileText(schema: "X", #"{"id": "r\n::error::x", "expression": "a == 1 garbage"}"#))
    // lint found a problem in what it read (1); check could not load its rules (2).
    for (arguments, status) in [
      (["lint", scratch.path("rules")], Int32(1)),
      (["check", scratch.path("rules"), "--data", FaultFixtures.passing], 2),
    ] {
      let result = try Fault.run(arguments)
      #expect(result.status == status, "\(result.transcript)")
      #expect(!result.allLines.contains(where: Self.isDangerous), "\(result.transcript)")
    }
  }

  @Test func canonicalExpressionsStayByteExact() throws {
    // parse and fmt print expressions, not messages: a string literal may hold any character,
    // and escaping it would change the expression.
    let parse = try Fault.script(#"exec "$0" parse "$(printf 'a==\047x\033y\047')""#)
    #expect(parse.status == 0, "\(parse.transcript)")
    #expect(parse.stdout == "a == 'x\u{1B}y'\n", "\(parse.transcript)")
    let fmt = try Fault.run(["fmt"], stdin: "a==\'x\u{1B}y\'\n")
    #expect(fmt.status == 0, "\(fmt.transcript)")
    #expect(fmt.stdout == "a == 'x\u{1B}y'\n", "\(fmt.transcript)")
  }

  @Test func evalOutputCannotStartAWorkflowCommand() throws {
    let scratch = try CheckScratch()
    let data = try scratch.write("x\n::error::forged.jsonl", "{\"a\": 01}\n")
    let result = try Fault.run(["eval", "a == 1", "--data", data])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(!result.allLines.contains(where: Self.isDangerous), "\(result.transcript)")
  }

  @Test func aForgedTypeSignatureKeyCannotForgeAGuardLogLine() throws {
    let scratch = try CheckScratch()
    let forged = FaultFixtures.billingRules.replacingOccurrences(
      of: #""type_signature": {"cost_micro": "bigint"}"#,
      with:
        #""type_signature": {"cost_micro": "bigint", "#
        + #""x\nguard: critical EVALUATOR_BYPASS active fake=1": "bigint"}"#)
    #expect(forged != FaultFixtures.billingRules)
    try scratch.write("rules/billing.constraints.json", forged)
    let result = try Fault.run([
      "guard", "--rules", scratch.path("rules"), "--data", FaultFixtures.negativeCost,
    ])
    #expect(result.status == 1, "\(result.transcript)")
    #expect(result.stderr.contains("HARD_FAIL"), "\(result.transcript)")
    let lines = result.stderr.split(separator: "\n")
    #expect(!lines.contains { $0.hasPrefix("guard: critical") }, "\(result.transcript)")
    #expect(lines.allSatisfy { $0.hasPrefix("guard: ") }, "\(result.transcript)")
  }
}

// MARK: - Guard log lines

@Suite("guard log lines say each thing once")
struct GuardLogMessageTests {
  /// The `key=` names of a `guard: level message key=value…` line, the message included when
  /// it has the `key=value` form.
  static func keys(_ line: Substring) -> [Substring] {
    line.split(separator: " ").dropFirst(2).compactMap { token in
      token.firstIndex(of: "=").map { token[..<$0] }
    }
  }

  @Test func noLogLineRepeatsAKey() throws {
    let scratch = try CheckScratch()
    let broken = FaultFixtures.billingRules.replacingOccurrences(
      of: "bigint_gte(cost_micro, 0)", with: "bigint_gte(cost_micro, 0")
    try scratch.write("rules/billing.constraints.json", broken)
    let degraded = try Fault.run([
      "guard", "--rules", scratch.path("rules"), "--data", FaultFixtures.passing,
    ])
    let ready = try Fault.run(["guard", "--rules", "Rules", "--data", FaultFixtures.passing])
    let lines = (degraded.stderr + ready.stderr).split(separator: "\n")
    #expect(lines.contains { $0.contains("circuit=open") }, "\(degraded.transcript)")
    #expect(lines.contains { $0.contains("state=ready") }, "\(ready.transcript)")
    for line in lines {
      let keys = Self.keys(line)
      #expect(Set(keys).count == keys.count, "repeated key in: \(line)")
    }
  }

  @Test func theIgnoredBypassValueIsQuotedOnce() throws {
    let result = try Fault.run(
      ["guard", "--rules", "Rules", "--data", FaultFixtures.passing],
      environment: ["EVALUATOR_BYPASS": "TRUE"])
    #expect(result.status == 0, "\(result.transcript)")
    #expect(result.stderr.contains("bypass_ignored"), "\(result.transcript)")
    #expect(result.stderr.contains(" value=TRUE "), "\(result.transcript)")
    let spaced = try Fault.run(
      ["guard", "--rules", "Rules", "--data", FaultFixtures.passing],
      environment: ["EVALUATOR_BYPASS": " true"])
    #expect(spaced.stderr.contains(#" value=" true" "#), "\(spaced.transcript)")
  }
}

// MARK: - Arguments

@Suite("fail closed: arguments are validated")
struct ArgumentFaultTests {
  @Test(arguments: [
    ["eval", "true", "--data", FaultFixtures.passing, "--now", "0"],
    ["check", "Rules", "--data", FaultFixtures.passing, "--now", "0"],
  ])
  func anInvalidNowExitsTwoWithTheContextFilesMessage(arguments: [String]) throws {
    let result = try Fault.run(arguments)
    #expect(result.status == 2, "\(result.transcript)")
    #expect(
      result.stderr.contains(
        "`now` \"0\" is not an ISO 8601 timestamp: it does not start with a YYYY-MM-DD date"),
      "\(result.transcript)")
  }

  @Test func nowFromTheFlagAndFromTheContextFileAreValidatedAlike() throws {
    let scratch = try CheckScratch()
    let context = try scratch.write("context.json", #"{"now": "2024-13-01T00:00:00Z"}"#)
    let fromFile = try Fault.run([
      "eval", "true", "--data", FaultFixtures.passing, "--context", context,
    ])
    let fromFlag = try Fault.run([
      "eval", "true", "--data", FaultFixtures.passing, "--now", "2024-13-01T00:00:00Z",
    ])
    #expect(fromFile.status == 2 && fromFlag.status == 2)
    let reason = { (text: String) in
      text.range(of: "is not an ISO 8601 timestamp").map { String(text[$0.lowerBound...]) }
    }
    #expect(reason(fromFile.stderr) != nil)
    #expect(reason(fromFile.stderr) == reason(fromFlag.stderr), "\(fromFlag.transcript)")
  }

  /// A context file's problem is located in the file: the line and column of the offending
  /// value, as a JSON error in it is.
  @Test func aContextFileProblemNamesTheOffendingValuesLineAndColumn() throws {
    let scratch = try CheckScratch()
    let context = try scratch.write("context.json", "{\"flags\": [\"a\",\n  2]}")
    let result = try Fault.run([
      "eval", "true", "--data", FaultFixtures.passing, "--context", context,
    ])
    #expect(result.status == 2, "\(result.transcript)")
    #expect(
      result.stderr.contains(
        "--context \(context): 2:3: context flags[1] must be a string, got the number 2"),
      "\(result.transcript)")
  }

  @Test(arguments: ["parse", "eval", "fmt-stdin"])
  func invalidUTF8InAnExpressionIsRejected(command: String) throws {
    let script: String
    switch command {
    case "parse": script = #"exec "$0" parse "$(printf 'a == \047\377\047')""#
    case "eval":
      script =
        #"exec "$0" eval "$(printf 'a == \047\377\047')" --data Examples/snapshots/ok-commit.json"#
    default: script = #"printf 'a == \047\377\047\n' | "$0" fmt"#
    }
    let result = try Fault.script(script)
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("not valid UTF-8"), "\(result.transcript)")
    #expect(!result.stdout.contains("\u{FFFD}"), "\(result.transcript)")
  }
}

// MARK: - Exit statuses

@Suite("the exit-status contract: 0, 1 or 2, never 64")
struct ExitStatusContractTests {
  @Test(arguments: [
    [],
    ["frobnicate"],
    ["parse"],
    ["parse", "a", "--bogus"],
    ["fmt", "--bogus"],
    ["eval", "true"],
    ["eval", "true", "--data", FaultFixtures.passing, "--max-depth", "x"],
    ["check", "Rules"],
    ["check", "--data", FaultFixtures.passing],
    ["check", "Rules", "--data", FaultFixtures.passing, "--format", "xml"],
    ["check", "Rules", "--data", FaultFixtures.passing, "--max-failures", "0"],
    ["lint"],
    ["guard", "--rules", "Rules"],
    ["guard", "--rules", "Rules", "--data", "-", "--retry-interval", "0"],
  ])
  func usageErrorsExitTwoWithAMessage(arguments: [String]) throws {
    let result = try Fault.run(arguments)
    #expect(result.status == 2, "\(arguments): \(result.transcript)")
    #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.transcript)")
  }

  @Test func aBadContextFileExitsTwoForEveryCommand() throws {
    let scratch = try CheckScratch()
    let context = try scratch.write("context.json", "{not json")
    for arguments in [
      ["eval", "true", "--data", FaultFixtures.passing, "--context", context],
      ["check", "Rules", "--data", FaultFixtures.passing, "--context", context],
    ] {
      let result = try Fault.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.transcript)")
      #expect(result.stderr.contains("--context"), "\(arguments): \(result.transcript)")
    }
  }

  @Test func helpAndVersionExitZero() throws {
    for arguments in [["--help"], ["help", "check"], ["check", "--help"], ["--version"]] {
      let result = try Fault.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.transcript)")
      #expect(!result.stdout.isEmpty)
    }
  }
}

// MARK: - fmt in place

@Suite("fmt writes where the file is")
struct FmtInPlaceFaultTests {
  static let nonCanonical = ruleFileText(
    schema: "X", #"{"id": "a", "expression": "a==1"}"#)

  @Test func aSymlinkedRuleFileIsRewrittenThroughTheLink() throws {
    let scratch = try CheckScratch()
    let target = try scratch.write("real/x.constraints.json", Self.nonCanonical)
    try FileManager.default.createDirectory(
      atPath: scratch.path("rules"), withIntermediateDirectories: true)
    let link = scratch.path("rules/x.constraints.json")
    try FaultFixtures.symlink(link, to: target)
    let result = try Fault.run(["fmt", scratch.path("rules")])
    #expect(result.status == 0, "\(result.transcript)")
    let attributes = try FileManager.default.attributesOfItem(atPath: link)
    #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
    let rewritten = try String(contentsOfFile: target, encoding: .utf8)
    #expect(rewritten.contains(#""expression": "a == 1""#), "\(rewritten)")
  }

  @Test func modeAndOwnerAreKept() throws {
    let scratch = try CheckScratch()
    let file = try scratch.write("x.constraints.json", Self.nonCanonical)
    FaultFixtures.chmod(file, 0o600)
    let owner: uid_t = getuid() == 0 ? 65534 : getuid()
    let group: gid_t = getuid() == 0 ? 65534 : getgid()
    if getuid() == 0 { _ = Glibc.chown(file, owner, group) }
    let result = try Fault.run(["fmt", file])
    #expect(result.status == 0, "\(result.transcript)")
    var info = stat()
    #expect(stat(file, &info) == 0)
    #expect(info.st_mode & 0o7777 == 0o600)
    #expect(info.st_uid == owner && info.st_gid == group)
    #expect(try String(contentsOfFile: file, encoding: .utf8).contains("a == 1"))
  }

  @Test func aFileThatCannotBeReplacedIsLeftAsItWas() throws {
    guard Fault.canRunAsNobody else {
      print("skipped aFileThatCannotBeReplacedIsLeftAsItWas: \(Fault.cannotRunAsNobody)")
      return
    }
    let scratch = try CheckScratch()
    // The file is writable by anyone, its directory is not: no new file can be put beside it.
    let file = try scratch.write("rules/x.constraints.json", Self.nonCanonical)
    FaultFixtures.chmod(file, 0o666)
    let result = try Fault.run(["fmt", file], asNobody: true)
    #expect(result.status == 2, "\(result.transcript)")
    #expect(result.stderr.contains("cannot write"), "\(result.transcript)")
    #expect(try String(contentsOfFile: file, encoding: .utf8) == Self.nonCanonical)
  }

  @Test func aByteOrderMarkIsDecidedAlikeByEveryCommand() throws {
    let scratch = try CheckScratch()
    let text = "\u{FEFF}" + ruleFileText(schema: "X", #"{"id": "a", "expression": "a == 1"}"#)
    let file = try scratch.write("bom.constraints.json", text)
    let before = try Data(contentsOf: URL(fileURLWithPath: file))
    var statuses: [Int32] = []
    for arguments in [
      ["check", file, "--data", FaultFixtures.passing], ["lint", file], ["fmt", "--check", file],
      ["fmt", file], ["guard", "--rules", file, "--data", FaultFixtures.passing],
    ] {
      let result = try Fault.run(arguments)
      statuses.append(result.status)
      if arguments[0] != "guard" {
        #expect(result.stderr.contains("byte order mark"), "\(arguments): \(result.transcript)")
      } else {
        #expect(result.stderr.contains("byte order mark"), "\(result.transcript)")
      }
    }
    // Refused by all; lint reports it as a problem in the file (1), the guard stays degraded
    // (its decisions are unavailable: 1), the others could not do their job (2).
    #expect(statuses == [2, 1, 2, 2, 1], "\(statuses)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
  }
}
