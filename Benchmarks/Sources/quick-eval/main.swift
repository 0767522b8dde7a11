import BenchSupport
import ConservationGuard
import ConstraintEngine

#if canImport(Glibc)
  import Glibc
#endif

// quick-eval: a fast, noisy probe of the evaluation hot paths for iterating on performance
// (seconds, not minutes). Published numbers come from `swift package benchmark`, not from here.
// Prints the median of 7 timed batches per workload, in ns per evaluation.
// Usage: quick-eval [workload [iterations per batch]]

func now() -> UInt64 {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

@inline(never)
func consume(_ outcome: Outcome) -> Int {
  if case .pass = outcome { return 1 }
  return 0
}

func measure(_ name: String, iterations: Int, _ body: () -> Int) {
  var samples: [Double] = []
  var sink = 0
  for _ in 0..<7 {
    let start = now()
    for _ in 0..<iterations { sink &+= body() }
    samples.append(Double(now() - start) / Double(iterations))
  }
  samples.sort()
  let median = samples[3]
  let text = median >= 1000 ? "\((median / 10).rounded() / 100) µs" : "\(Int(median)) ns"
  print("\(name): \(text)  (min \(Int(samples[0])) ns, passes \(sink))")
}

let only = CommandLine.arguments.dropFirst().first
/// A fixed iteration count per batch (for running under callgrind); each workload's own default
/// otherwise.
let iterationsOverride = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) }

/// Each workload with and without the fast path (`-general`: the general path alone).
func workloads(usesFastPath fast: Bool) -> [(String, Program, Value, Int)] {
  typealias W = EvaluationWorkloads
  let suffix = fast ? "" : "-general"
  return [
    ("scalar" + suffix, W.compiled(W.scalarRule, usesFastPath: fast), W.scalarSnapshot, 1_000_000),
    (
      "four-conjunction" + suffix,
      W.compiled(W.billingRule, types: W.billingTypes, usesFastPath: fast), W.billingSnapshot,
      1_000_000
    ),
    ("every-100" + suffix, W.compiled(W.everyRule, usesFastPath: fast), W.everySnapshot, 20_000),
    ("matches" + suffix, W.compiled(W.regexRule, usesFastPath: fast), W.regexSnapshot, 1_000_000),
  ]
}
/// Compiling (lex, parse, check, compile): the typical rules in turn, and the billing rule with
/// its declared types.
let compileWorkloads: [(String, [(String, [String: String])])] = [
  ("compile-typical", EvaluationWorkloads.typicalRules.map { ($0, [:]) }),
  (
    "compile-billing",
    [(EvaluationWorkloads.billingRule, EvaluationWorkloads.billingTypes)]
  ),
]
for (name, rules) in compileWorkloads where only == nil || only == name {
  var index = 0
  measure(name, iterations: iterationsOverride ?? 20_000) {
    let (source, types) = rules[index]
    index = index == rules.count - 1 ? 0 : index + 1
    return EvaluationWorkloads.compiled(source, types: types).fieldPaths.count
  }
}

for (name, program, snapshot, iterations)
  in workloads(usesFastPath: true) + workloads(usesFastPath: false)
where only == nil || only == name {
  precondition(consume(program.evaluate(snapshot)) == 1, "\(name) does not pass")
  measure(name, iterations: iterationsOverride ?? iterations) {
    consume(program.evaluate(snapshot))
  }
}

// The package benchmark's guard workload: the guard over the repository's rules checks the
// generated billing snapshots that pass every rule, in turn (state table, locks, metrics and
// the seven invariants).
if only == nil || only == "guard" {
  var generator = BillingGenerator()
  let snapshots = JSONLinesReader(bytes: generator.jsonl(atLeast: 1 << 20)).compactMap {
    try? $0.result.get()
  }
  let root = BenchRuleFiles.repositoryRoot()
  let rules: RuleSet
  do {
    rules = try BenchRuleFiles.billingRuleSet(repositoryRoot: root)
  } catch {
    fatalError("cannot load the billing rules: \(error)")
  }
  let indexes = rules.ruleIndexes(forSchema: nil)
  let passing = snapshots.filter { snapshot in
    rules.check(snapshot, ruleIndexes: indexes).allSatisfy { outcome in
      switch outcome {
      case .evaluated(.pass), .skipped: return true
      case .evaluated: return false
      }
    }
  }
  let guardian = ConservationGuard(rulesDirectory: root + "/Rules", environment: [:])
  guardian.start()
  var index = 0
  measure("guard", iterations: iterationsOverride ?? 100_000) {
    let decision = guardian.check(passing[index])
    index = index == passing.count - 1 ? 0 : index + 1
    if case .pass = decision { return 1 }
    return 0
  }
}
