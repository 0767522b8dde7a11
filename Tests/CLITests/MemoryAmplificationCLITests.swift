import Foundation
import Testing

/// Issue 17, "memory amplification of rule files and `.json` snapshots": a document whose
/// values would take far more memory than its text is refused before any value is built, so
/// reading one costs a small multiple of its size; JSON lines checked in parallel share one
/// memory budget.
@Suite("reading documents costs a bounded multiple of their size")
struct MemoryAmplificationCLITests {
  static let time = "/usr/bin/time"

  /// Peak resident memory in KiB and the result of running `arguments`.
  static func peak(_ arguments: String, environment: [String: String]) throws
    -> (Int, BoundedCLI.Result)
  {
    let result = try BoundedCLI.run(
      "exec \(Self.time) -f 'peak-kib=%M' \"$CONSTRAINT\" \(arguments)",
      timeout: .seconds(300), environment: environment)
    let line = result.stderr.split(separator: "\n").last { $0.hasPrefix("peak-kib=") }
    return (line.flatMap { Int($0.dropFirst("peak-kib=".count)) } ?? -1, result)
  }

  /// `count` zeros in a JSON array: 2 bytes of text per value.
  static func zeros(_ count: Int) -> String {
    "[" + String(repeating: "0,", count: count - 1) + "0]"
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: time)))
  func aDenseSnapshotIsRefusedBeforeItIsBuilt() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let text = Self.zeros(9_000_000)
    let data = try scratch.write("dense.json", text)
    let (peak, result) = try Self.peak(
      "eval true --data \"$DATA\"", environment: ["DATA": data])
    #expect(!result.signalled && result.status == 2, "\(result.summary)")
    #expect(result.stdout.contains("more than the value memory limit allows"))
    // 18 MB of text: refused with its bytes read, far below 8 times their size.
    #expect(peak > 0 && peak * 1024 < 8 * text.utf8.count, "peak \(peak) KiB")
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: time)))
  func aRuleFileWithAHugeAnnotationIsRefusedBeforeItIsBuilt() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    let text =
      "{\"schema_id\": \"S\", \"expression_version\": \"2.0\", \"metadata\": "
      + Self.zeros(9_000_000) + ", \"constraints\": [{\"id\": \"r\", \"expression\": \"true\"}]}"
    let rules = try scratch.write("huge.constraints.json", text)
    let (peak, result) = try Self.peak("lint \"$RULES\"", environment: ["RULES": rules])
    // Refused: lint reports it as a problem of a file it read (exit 1; 2 is for paths it
    // could not read, docs/CLI.md).
    #expect(!result.signalled && result.status == 1, "\(result.summary)")
    #expect(result.stderr.contains("more than the value memory limit allows"))
    #expect(peak > 0 && peak * 1024 < 8 * text.utf8.count, "peak \(peak) KiB")
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: time)))
  func hostileLinesShareOneBudgetAcrossWorkers() throws {
    let scratch = try BoundedCLI.Scratch()
    defer { scratch.remove() }
    // Eight lines of 800,000 values (1.6 MB each, ~58 MiB of values each, within a line's
    // allowance): a worker parses one only while the lines in flight fit the shared budget.
    let line = "{\"a\": " + Self.zeros(800_000) + "}\n"
    let data = try scratch.write("lines.jsonl", String(repeating: line, count: 8))
    let rules = try scratch.write(
      "r.constraints.json", BoundedCLI.ruleFile(["a.length == 800000"]))
    let environment = ["RULES": rules, "DATA": data]
    let (one, first) = try Self.peak(
      "check \"$RULES\" --data \"$DATA\" --jobs 1", environment: environment)
    let (eight, second) = try Self.peak(
      "check \"$RULES\" --data \"$DATA\" --jobs 8 --batch-lines 1", environment: environment)
    #expect(!first.signalled && first.status == 0, "\(first.summary)")
    #expect(second.stdout == first.stdout && second.status == first.status)
    #expect(one > 0 && eight * 2 <= one * 3, "peak \(eight) KiB with 8 jobs, \(one) with 1")
  }
}
