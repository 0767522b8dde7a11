import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 17, "memory multiplies with --jobs" and "hang when threads cannot be created": the
/// rules are compiled once and shared by the workers, and a worker that cannot be started is
/// done without, never waited for.
@Suite("check with many jobs: shared rules, bounded threads")
struct ParallelCheckCLITests {
  static let time = "/usr/bin/time"

  /// A rule file of `count` copies of the shipped billing rules (distinct ids).
  static func billingCopies(_ count: Int) throws -> String {
    let url = CLI.repositoryRoot.appendingPathComponent("Rules/billing.constraints.json")
    let top = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
    let rules = try #require(top?["constraints"] as? [[String: Any]])
    var copies: [String] = []
    for index in 0..<count {
      var rule = rules[index % rules.count]
      rule["id"] = "\(rule["id"] ?? "rule")_\(index)"
      let data = try JSONSerialization.data(withJSONObject: rule, options: [.sortedKeys])
      copies.append(String(decoding: data, as: UTF8.self))
    }
    return "{\"schema_id\": \"BillingSnapshot\", \"expression_version\": \"2.0\", "
      + "\"constraints\": [\n" + copies.joined(separator: ",\n") + "\n]}\n"
  }

  /// The billing snapshots of Examples/snapshots/stream.jsonl, repeated to `lines` lines.
  static func billingLines(_ lines: Int) throws -> String {
    let url = CLI.repositoryRoot.appendingPathComponent("Examples/snapshots/stream.jsonl")
    let stream = try String(contentsOf: url, encoding: .utf8)
      .split(separator: "\n").filter { !$0.isEmpty }
    return (0..<lines).map { String(stream[$0 % stream.count]) }.joined(separator: "\n") + "\n"
  }

  /// Peak resident memory in KiB and the result of `check` with `jobs` workers.
  static func peakMemory(rules: String, data: String, jobs: Int) throws
    -> (Int, BoundedCLI.Result)
  {
    let result = try BoundedCLI.run(
      "exec \(Self.time) -f 'peak-kib=%M' \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" "
        + "--no-explain --jobs \(jobs)",
      timeout: .seconds(300), environment: ["RULES": rules, "DATA": data])
    let line = result.stderr.split(separator: "\n").last { $0.hasPrefix("peak-kib=") }
    let peak = line.flatMap { Int($0.dropFirst("peak-kib=".count)) } ?? -1
    return (peak, result)
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: time)))
  func eightJobsNeedLittleMoreMemoryThanOne() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let rules = try scratch.write("many.constraints.json", try Self.billingCopies(3_000))
    for data in [
      try scratch.write("s.jsonl", try Self.billingLines(400)),
      try scratch.write("s.json", try Self.billingLines(1)),
    ] {
      let (one, first) = try Self.peakMemory(rules: rules, data: data, jobs: 1)
      let (eight, second) = try Self.peakMemory(rules: rules, data: data, jobs: 8)
      #expect(!first.signalled && !second.signalled && first.status == second.status)
      #expect(first.stdout == second.stdout)
      #expect(one > 0 && eight > 0, "\(first.summary)")
      // Per-worker copies of 3,000 compiled rules would add hundreds of MiB.
      #expect(eight * 2 <= one * 3, "\(data): peak \(eight) KiB with 8 jobs, \(one) KiB with 1")
    }
  }

  static let setpriv = "/usr/bin/setpriv"

  /// The binary under test (`CONSTRAINT_TEST_BINARY` or the build's), copied where `nobody`
  /// can run it.
  static func binaryForNobody() throws -> String {
    try Fault.executableForNobody(
      ProcessInfo.processInfo.environment["CONSTRAINT_TEST_BINARY"] ?? CLI.executableURL.path)
  }

  /// A process limit (`ulimit -u`, as containers set) stops thread creation after a few
  /// workers: the run goes on with those, says so, and gives the sequential output. (root is
  /// not held to the limit, so the test drops to `nobody` first.)
  @Test(
    .enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)
      && FileManager.default.isExecutableFile(atPath: "/bin/bash")))
  func aProcessLimitIsDoneWith() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("s.jsonl", try Self.billingLines(2_000))
    let rules = try scratch.write(
      "billing.constraints.json",
      try String(
        contentsOf: CLI.repositoryRoot.appendingPathComponent("Rules/billing.constraints.json"),
        encoding: .utf8))
    let expected = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" --no-explain --jobs 1",
      environment: ["DATA": data, "RULES": rules])
    // Before: the workers that could not be created were waited for, forever.
    let result = try BoundedCLI.run(
      "exec \(Self.setpriv) --reuid=65534 --regid=65534 --clear-groups /bin/bash -c "
        + "'ulimit -u 6; exec \"$CONSTRAINT\" check \"$RULES\" --data \"$DATA\" --no-explain "
        + "--jobs 64 --batch-lines 10'",
      timeout: .seconds(60),
      environment: ["DATA": data, "RULES": rules, "CONSTRAINT": try Self.binaryForNobody()])
    #expect(!result.timedOut && !result.signalled, "\(result.summary)")
    #expect(result.status == expected.status)
    #expect(result.stdout == expected.stdout)
    #expect(result.stderr.contains("cannot create more"), "\(result.stderr.prefix(300))")
  }

  @Test func threadsThatCannotBeCreatedAreDoneWithout() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let data = try scratch.write("s.jsonl", try Self.billingLines(3_000))
    let expected = try BoundedCLI.run(
      "exec \"$CONSTRAINT\" check Rules --data \"$DATA\" --no-explain --jobs 1",
      environment: ["DATA": data])
    // 500 workers with 8 MiB stacks do not fit in 1.5 GB of address space: most cannot be
    // created.
    let result = try BoundedCLI.run(
      "ulimit -v 1500000; exec \"$CONSTRAINT\" check Rules --data \"$DATA\" --no-explain "
        + "--jobs 500 --batch-lines 10",
      timeout: .seconds(120), environment: ["DATA": data, "MALLOC_ARENA_MAX": "2"])
    #expect(!result.timedOut && !result.signalled, "\(result.summary)")
    #expect(result.status == expected.status)
    #expect(result.stdout == expected.stdout)
    #expect(result.stderr.contains("worker threads"), "\(result.stderr.prefix(300))")
  }
}
