import BenchSupport
import ConstraintEngine
@_spi(Benchmarks) import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

func printError(_ message: String) {
  var text = message
  text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

// e2e-check FILE.jsonl: the end-to-end pipeline a `constraint check` run does — read JSONL,
// decode each line, check every billing rule — timed, on one core. Prints one JSON line:
// snapshots, bytes, seconds, MB/s, counts by outcome and peak resident memory.
// `e2e-check --decode-only FILE.jsonl` only reads and decodes (the JSONL decoding rate).
// `e2e-check --slot-decode-only FILE.jsonl` only reads each line as a check of the billing rules
// reads it before deciding: validated, and where the rules' fields lie recorded, without
// building values (`SlotLineDecoder`); "unreadable" counts the lines a check would read into
// values instead.
// GENERAL_PATH=1 compiles the rules without their fast path (to measure the general path).

func now() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

let decodeOnly = CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "--decode-only"
let slotDecodeOnly =
  CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "--slot-decode-only"
guard CommandLine.arguments.count == 2 || decodeOnly || slotDecodeOnly else {
  printError("usage: e2e-check [--decode-only | --slot-decode-only] FILE.jsonl\n")
  exit(2)
}
let path = CommandLine.arguments[CommandLine.arguments.count - 1]
let rules: RuleSet
do {
  rules = try BenchRuleFiles.billingRuleSet(
    repositoryRoot: BenchRuleFiles.repositoryRoot(), usesFastPath: getenv("GENERAL_PATH") == nil)
} catch {
  printError("e2e-check: \(error)\n")
  exit(2)
}
// RULE_COUNT=n checks only the first n billing rules (for scaling by rule count).
var indexes = rules.ruleIndexes(forSchema: nil)
if let limit = getenv("RULE_COUNT").flatMap({ Int(String(cString: $0)) }) {
  indexes = Array(indexes.prefix(limit))
}
var snapshots = 0
var bytes = 0
var failingSnapshots = 0
// Outcomes counted by kind in a fixed array: a dictionary would hash every outcome's kind,
// bookkeeping that `constraint check` does not do and that would count as pipeline time.
var counts = [Int](repeating: 0, count: OutcomeKind.allCases.count)
let countIndex = { (kind: OutcomeKind) -> Int in
  switch kind {
  case .pass: return 0
  case .fail: return 1
  case .error: return 2
  case .deferred: return 3
  }
}
var unreadable = 0
if slotDecodeOnly {
  guard let decoder = SlotLineDecoder(ruleSet: rules, ruleIndexes: indexes) else {
    printError("e2e-check: the billing rules do not qualify for slot reading\n")
    exit(2)
  }
  guard let file = fopen(path, "r") else {
    printError("e2e-check: cannot open \(path)\n")
    exit(2)
  }
  let start = now()
  // Lines split in 1 MiB chunks, the unfinished last line carried to the next chunk.
  let capacity = 1 << 20
  let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2 * capacity, alignment: 16)
  var kept = 0
  while true {
    let read = fread(buffer + kept, 1, capacity, file)
    let end = kept + read
    var lineStart = 0
    while lineStart < end,
      let newline = memchr(buffer + lineStart, 0x0A, end - lineStart)
    {
      let lineEnd = newline - buffer
      if lineEnd > lineStart {
        snapshots += 1
        bytes += lineEnd - lineStart + 1
        let line = UnsafeRawBufferPointer(start: buffer + lineStart, count: lineEnd - lineStart)
        if !decoder.read(line) { unreadable += 1 }
      }
      lineStart = lineEnd + 1
    }
    kept = end - lineStart
    if kept > 0 { memmove(buffer, buffer + lineStart, kept) }
    if read == 0 {
      // A last line without a newline.
      if kept > 0 {
        snapshots += 1
        bytes += kept
        if !decoder.read(UnsafeRawBufferPointer(start: buffer, count: kept)) { unreadable += 1 }
      }
      break
    }
  }
  let seconds = now() - start
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  print(
    "{\"snapshots\":\(snapshots),\"bytes\":\(bytes),\"seconds\":\(seconds),"
      + "\"mb_per_s\":\(Double(bytes) / seconds / 1e6),\"unreadable\":\(unreadable),"
      + "\"rules\":\(indexes.count),\"peak_rss_kib\":\(usage.ru_maxrss)}")
  exit(0)
}
let start = now()
for line in JSONLinesReader(path: path) {
  bytes += line.byteCount + 1
  snapshots += 1
  switch line.result {
  case .failure: unreadable += 1
  case .success where decodeOnly: continue
  case .success(let snapshot):
    var failed = false
    for outcome in rules.check(snapshot, ruleIndexes: indexes) {
      if case .evaluated(let result) = outcome {
        counts[countIndex(result.kind)] += 1
        if result.kind != .pass { failed = true }
      }
    }
    if failed { failingSnapshots += 1 }
  }
}
let seconds = now() - start
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let outcomeText = OutcomeKind.allCases.map { "\"\($0.rawValue)\":\(counts[countIndex($0)])" }
  .joined(separator: ",")
print(
  "{\"snapshots\":\(snapshots),\"bytes\":\(bytes),\"seconds\":\(seconds),"
    + "\"mb_per_s\":\(Double(bytes) / seconds / 1e6),\"failing_snapshots\":\(failingSnapshots),"
    + "\"unreadable\":\(unreadable),\"outcomes\":{\(outcomeText)},"
    + "\"rules\":\(indexes.count),\"peak_rss_kib\":\(usage.ru_maxrss)}")
