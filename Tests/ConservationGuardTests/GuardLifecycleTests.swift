import ConservationGuard
import ConstraintEngine
import Foundation
import Logging
import Testing

@Suite("ConservationGuard lifecycle: start, degraded, retry, reload")
struct GuardLifecycleTests {
  @Test func aNewGuardIsUninitializedAndFailsClosed() {
    let harness = GuardHarness(source: Fixtures.source())
    #expect(harness.guardian.currentState == .uninitialized)
    let decision = harness.guardian.check(Fixtures.snapshot())
    #expect(decision == .unavailable(reason: .notStarted, retryAfter: .seconds(3)))
    #expect(decision.httpStatus == 503)
    #expect(harness.compileAttempts("success") == 0)
    // Polling an unstarted guard compiles nothing.
    harness.advance(seconds: 10)
    #expect(harness.guardian.currentState == .uninitialized)
  }

  @Test func startCompilesTheRulesAndBecomesReady() throws {
    let harness = GuardHarness(source: Fixtures.source())
    harness.guardian.start()
    #expect(harness.guardian.currentState == .ready)
    let decision = harness.guardian.check(Fixtures.snapshot())
    guard case .pass(let version) = decision else {
      Issue.record("expected pass, got \(decision)")
      return
    }
    let health = harness.guardian.health()
    #expect(health.state == .ready)
    #expect(health.reason == nil)
    #expect(health.ruleSetVersion == version)
    #expect(version.count == 16)
    #expect(health.lastCompileError == nil)
    #expect(harness.logs.count("state=ready") == 1)
    #expect(harness.logs.count("circuit=open") == 0)
    #expect(harness.gauge("conservation_guard_state") == 1)
    #expect(harness.compileAttempts("success") == 1)
    // Starting twice does nothing.
    harness.guardian.start()
    #expect(harness.compileAttempts("success") == 1)
  }

  /// Each way a rule source can be broken, with the rule and position the log must name.
  struct BrokenSource: Sendable, CustomStringConvertible {
    var description: String
    var text: String
    var rule: String?
    var line: String?
    var messageFragment: String
  }

  static let truncatedRules = String(Fixtures.billingRules.dropLast(10))

  static let brokenSources: [BrokenSource] = [
    BrokenSource(
      description: "syntax error",
      text: Fixtures.rules(
        replacing: "\"bigint_gte(cost_micro, 0)\"", with: "\"bigint_gte(cost_micro, 0\""),
      rule: "cost_non_negative", line: "18", messageFragment: "expected"),
    BrokenSource(
      description: "unknown builtin",
      text: Fixtures.rules(
        replacing: "\"bigint_gte(cost_micro, 0)\"", with: "\"bigint_gtx(cost_micro, 0)\""),
      rule: "cost_non_negative", line: "18", messageFragment: "bigint_gtx"),
    BrokenSource(
      description: "missing invariant",
      text: Fixtures.rules(removing: "rate_consistency"),
      rule: "rate_consistency", line: nil, messageFragment: "missing"),
    BrokenSource(
      description: "invalid JSON",
      text: truncatedRules,
      // The reader stops at the end of the truncated text, on its last line.
      rule: nil, line: "\(truncatedRules.split(separator: "\n").count)",
      messageFragment: "invalid JSON"),
  ]

  @Test(arguments: brokenSources)
  func aBrokenSourceDegradesTheGuardWithALocatedError(_ broken: BrokenSource) throws {
    let harness = GuardHarness(source: Fixtures.source(broken.text))
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let errors = harness.logs.records("compile_error")
    let first = try #require(errors.first)
    #expect(first.metadata["rule"] == broken.rule)
    #expect(first.metadata["file"] == Fixtures.rulePath)
    if let line = broken.line {
      #expect(first.metadata["line"] == line)
      #expect(first.metadata["column"] != nil)
    }
    #expect(first.metadata["message"]?.contains(broken.messageFragment) == true)
    let open = try #require(harness.logs.records("circuit=open").first)
    #expect(open.metadata["reason"] == "compile_failed")
    #expect(open.metadata["circuit"] == nil, "the message says circuit=open")
    #expect(open.level == .error)
    let health = harness.guardian.health()
    #expect(health.state == .degraded)
    #expect(health.reason == .compileFailed)
    #expect(health.ruleSetVersion == nil)
    #expect(health.lastCompileError?.isEmpty == false)
    #expect(harness.gauge("conservation_guard_state") == 0)
    #expect(harness.compileAttempts("failure") == 1)
    let decision = harness.guardian.check(Fixtures.snapshot())
    #expect(decision == .unavailable(reason: .compileFailed, retryAfter: .seconds(3)))
  }

  @Test func anUnknownBuiltinIsLocatedAtItsTokenInTheFile() throws {
    let text = Fixtures.rules(
      replacing: "\"bigint_gte(cost_micro, 0)\"", with: "\"bigint_gte(cost_micro, nope(0))\"")
    let harness = GuardHarness(source: Fixtures.source(text))
    harness.guardian.start()
    let error = try #require(harness.logs.records("compile_error").first)
    // Line 18 is `"expression": "bigint_gte(cost_micro, nope(0))"`; the column is `nope`'s.
    let line = String(text.split(separator: "\n", omittingEmptySubsequences: false)[17])
    let found = try #require(line.range(of: "nope"))
    let column = line.utf8.distance(from: line.startIndex, to: found.lowerBound) + 1
    #expect(error.metadata["line"] == "18")
    #expect(error.metadata["column"] == "\(column)")
    #expect(error.metadata["expression_column"] == "24")
    #expect(error.metadata["code"] == "CE2005")
  }

  @Test func anErrorAfterJSONEscapesIsLocatedExactlyInTheFile() throws {
    // `\u00e9` and `\"` are longer in the file than in the expression: the column must be the
    // token's in the file, not the string's start plus the expression column.
    let text = Fixtures.rules(
      replacing: "\"bigint_gte(cost_micro, 0)\"",
      with: #""'caf\u00e9 \"x\"' == other_field ||\n bigint_gte(cost_micro, nope(0))""#)
    let harness = GuardHarness(source: Fixtures.source(text))
    harness.guardian.start()
    let error = try #require(harness.logs.records("compile_error").first)
    let line = String(text.split(separator: "\n", omittingEmptySubsequences: false)[17])
    let found = try #require(line.range(of: "nope"))
    let column = line.unicodeScalars.distance(
      from: line.unicodeScalars.startIndex, to: found.lowerBound) + 1
    #expect(error.metadata["line"] == "18")
    #expect(error.metadata["column"] == "\(column)")
    #expect(error.metadata["code"] == "CE2005")
  }

  @Test func anUnreadableSourceDegradesTheGuard() throws {
    let directory = try TemporaryDirectory()
    let harness = GuardHarness(source: DirectoryRuleSource(path: directory.path + "/absent"))
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let error = try #require(harness.logs.records("compile_error").first)
    #expect(error.metadata["message"] == "no such file or directory")
    #expect(harness.logs.count("circuit=open") == 1)
  }

  @Test func degradedRetriesEveryIntervalRereadingTheSourceUntilItCompiles() throws {
    let source = Fixtures.source(
      Fixtures.rules(replacing: "bigint_gte(cost_micro, 0)", with: "bigint_gte(cost_micro,"))
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    #expect(harness.compileAttempts("failure") == 1)
    harness.advance(seconds: 2.999)
    #expect(harness.compileAttempts("failure") == 1)
    harness.advance(seconds: 0.001)
    #expect(harness.compileAttempts("failure") == 2)
    // Not due again until 3 s after that attempt.
    harness.advance(seconds: 1)
    harness.advance(seconds: 1)
    #expect(harness.compileAttempts("failure") == 2)
    harness.advance(seconds: 1)
    #expect(harness.compileAttempts("failure") == 3)
    #expect(harness.guardian.currentState == .degraded)
    #expect(harness.logs.count("circuit=open") == 1)

    source.replace(with: [Fixtures.file(Fixtures.billingRules)])
    harness.advance(seconds: 2)
    #expect(harness.guardian.currentState == .degraded)
    harness.advance(seconds: 1)
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.compileAttempts("success") == 1)
    let closed = try #require(harness.logs.records("circuit=closed").first)
    #expect(closed.metadata["circuit"] == nil, "the message says circuit=closed")
    #expect(closed.metadata["state"] == "ready")
    #expect(closed.metadata["previous_state"] == "degraded")
    #expect(closed.metadata["rule_set_version"] == harness.guardian.health().ruleSetVersion)
    #expect(harness.gauge("conservation_guard_state") == 1)
    #expect(harness.guardian.health().lastCompileError == nil)
    if case .pass = harness.guardian.check(Fixtures.snapshot()) {} else {
      Issue.record("a recovered guard passes a valid snapshot")
    }
  }

  @Test func theRetryIntervalIsConfigurable() {
    var configuration = GuardConfiguration()
    configuration.retryInterval = .seconds(10)
    configuration.retryAfter = .seconds(7)
    let source = Fixtures.source("{")
    let harness = GuardHarness(source: source, configuration: configuration)
    harness.guardian.start()
    #expect(
      harness.guardian.check(Fixtures.snapshot())
        == .unavailable(reason: .compileFailed, retryAfter: .seconds(7)))
    harness.advance(seconds: 9.9)
    #expect(harness.compileAttempts("failure") == 1)
    harness.advance(seconds: 0.1)
    #expect(harness.compileAttempts("failure") == 2)
  }

  @Test func aGoodChangeReplacesTheRulesAndABadOneKeepsTheLastGood() throws {
    let source = Fixtures.source()
    let harness = GuardHarness(source: source)
    harness.guardian.start()
    let first = try #require(harness.guardian.health().ruleSetVersion)
    let equal = Fixtures.snapshot(limit: Fixtures.s("500"), spent: Fixtures.s("500"))
    #expect(harness.guardian.check(equal) == .pass(ruleSetVersion: first))

    // An unchanged source is not recompiled.
    harness.advance(seconds: 3)
    #expect(harness.compileAttempts("success") == 1)

    // A good change: budget_conservation becomes strict, and replaces the rules.
    let strict = Fixtures.rules(
      replacing: "bigint_gte(budget.limit_micro, budget.spent_micro)",
      with: "bigint_gt(budget.limit_micro, budget.spent_micro)")
    source.replace(with: [Fixtures.file(strict)])
    harness.advance(seconds: 3)
    let second = try #require(harness.guardian.health().ruleSetVersion)
    #expect(second != first)
    #expect(harness.compileAttempts("success") == 2)
    let reloaded = try #require(harness.logs.records("rules_reloaded").first)
    #expect(reloaded.metadata["previous_version"] == first)
    #expect(reloaded.metadata["rule_set_version"] == second)
    guard case .violation(let violation) = harness.guardian.check(equal) else {
      Issue.record("the strict rule set rejects limit == spent")
      return
    }
    #expect(violation.ruleSetVersion == second)
    #expect(violation.invariantIDs == ["budget_conservation"])

    // A bad change: the guard stays ready on the last good rules, logs and counts it.
    source.replace(with: [Fixtures.file(Fixtures.rules(removing: "entitlement_valid"))])
    harness.advance(seconds: 3)
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.guardian.health().ruleSetVersion == second)
    #expect(harness.compileAttempts("failure") == 1)
    let rejected = try #require(harness.logs.records("reload_failed").first)
    #expect(rejected.metadata["kept_version"] == second)
    #expect(harness.guardian.health().lastCompileError?.contains("entitlement_valid") == true)
    #expect(harness.logs.count("circuit=open") == 0)
    #expect(harness.guardian.check(equal).ruleSetVersion == second)
    // The same bad content is not recompiled (and re-logged) every interval.
    harness.advance(seconds: 3)
    harness.advance(seconds: 3)
    #expect(harness.compileAttempts("failure") == 1)
    #expect(harness.logs.count("reload_failed") == 1)
    // An unreadable source while ready also keeps the rules in force.
    source.fail(with: Diagnostic(.ruleFileUnreadable, "disk on fire", file: "x"))
    harness.advance(seconds: 3)
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.compileAttempts("failure") == 2)
    #expect(harness.guardian.health().lastCompileError == "x: disk on fire")
    // Going back to the first rules replaces them again.
    source.replace(with: [Fixtures.file(Fixtures.billingRules)])
    harness.advance(seconds: 3)
    #expect(harness.guardian.health().ruleSetVersion == first)
    #expect(harness.guardian.health().lastCompileError == nil)
    #expect(harness.guardian.check(equal) == .pass(ruleSetVersion: first))
  }

  @Test func theVersionIsAStableContentHash() throws {
    let one = GuardHarness(source: Fixtures.source())
    let two = GuardHarness(
      source: InMemoryRuleSource(files: [
        RuleSourceFile(
          path: "elsewhere/b.constraints.json", bytes: Array(Fixtures.billingRules.utf8))
      ]))
    one.guardian.start()
    two.guardian.start()
    let version = try #require(one.guardian.health().ruleSetVersion)
    #expect(two.guardian.health().ruleSetVersion == version)
    #expect(version.allSatisfy { $0.isHexDigit })
  }

  @Test func aDirectorySourceReadsRuleFilesAndSeesChangesOnDisk() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/billing.constraints.json"
    try Fixtures.rules(replacing: "bigint_gte(cost_micro, 0)", with: "bigint_gte(cost_micro")
      .write(toFile: path, atomically: true, encoding: .utf8)
    try "not a rule file".write(
      toFile: directory.path + "/notes.txt", atomically: true, encoding: .utf8)
    let harness = GuardHarness(source: DirectoryRuleSource(path: directory.path))
    harness.guardian.start()
    #expect(harness.guardian.currentState == .degraded)
    let convenience = ConservationGuard(
      rulesDirectory: directory.path, environment: [:],
      logger: Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() })
    convenience.start()
    #expect(convenience.health().reason == .compileFailed)
    #expect(harness.logs.records("compile_error").first?.metadata["file"] == path)
    try Fixtures.billingRules.write(toFile: path, atomically: true, encoding: .utf8)
    harness.advance(seconds: 3)
    #expect(harness.guardian.currentState == .ready)
    #expect(harness.logs.count("circuit=closed") == 1)
  }
}

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "guard-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}
