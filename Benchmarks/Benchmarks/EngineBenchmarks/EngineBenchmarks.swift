import BenchSupport
import Benchmark
import ConservationGuard
import ConstraintEngine

// Medians and allocations of the engine's hot paths. Each benchmark's inner loop runs
// `benchmark.scaledIterations`; the reported time is per iteration (one compile, one
// evaluation, one megabyte decoded, one snapshot checked).

/// Compiles `source` or stops the run (`EvaluationWorkloads.compiled`).
func compiled(
  _ source: String, types: [String: String] = [:], usesFastPath: Bool = true
) -> Program {
  EvaluationWorkloads.compiled(source, types: types, usesFastPath: usesFastPath)
}

/// Evaluates `program` on `snapshot` and stops the run unless it passes (a benchmark of an
/// error path would measure the wrong thing).
func requirePass(_ program: Program, _ snapshot: Value) {
  guard case .pass = program.evaluate(snapshot) else {
    fatalError("benchmark rule does not pass: \(program.source): \(program.evaluate(snapshot))")
  }
}

// The evaluation workloads, shared with `quick-eval`.
let billingRule = EvaluationWorkloads.billingRule
let billingTypes = EvaluationWorkloads.billingTypes
let billingSnapshot = EvaluationWorkloads.billingSnapshot
let scalarRule = EvaluationWorkloads.scalarRule
let scalarSnapshot = EvaluationWorkloads.scalarSnapshot
let everyRule = EvaluationWorkloads.everyRule
let everySnapshot = EvaluationWorkloads.everySnapshot
let regexRule = EvaluationWorkloads.regexRule
let regexSnapshot = EvaluationWorkloads.regexSnapshot

let typicalRules = EvaluationWorkloads.typicalRules

let benchmarks: @Sendable () -> Void = {
  let fast = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
    timeUnits: .nanoseconds, scalingFactor: .kilo, maxDuration: .seconds(2),
    maxIterations: 1_000_000)
  let slow = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, .throughput],
    timeUnits: .microseconds, maxDuration: .seconds(3), maxIterations: 10_000)

  Benchmark("compile: typical rule (lex+parse+check+compile)", configuration: fast) {
    benchmark in
    var index = 0
    for _ in benchmark.scaledIterations {
      blackHole(compiled(typicalRules[index]))
      index = index == typicalRules.count - 1 ? 0 : index + 1
    }
  }

  Benchmark("compile: four-conjunction billing rule", configuration: fast) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(compiled(billingRule, types: billingTypes))
    }
  }

  let scalar = compiled(scalarRule)
  requirePass(scalar, scalarSnapshot)
  Benchmark("evaluate: scalar rule", configuration: fast) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(scalar.evaluate(scalarSnapshot))
    }
  }

  let billing = compiled(billingRule, types: billingTypes)
  requirePass(billing, billingSnapshot)
  Benchmark("evaluate: four-conjunction billing rule", configuration: fast) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(billing.evaluate(billingSnapshot))
    }
  }

  let every = compiled(everyRule)
  requirePass(every, everySnapshot)
  Benchmark("evaluate: .every over 100 objects", configuration: fast) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(every.evaluate(everySnapshot))
    }
  }

  let regex = compiled(regexRule)
  requirePass(regex, regexSnapshot)
  Benchmark("evaluate: matches(s, '^INV-[0-9]{6}$')", configuration: fast) { benchmark in
    for _ in benchmark.scaledIterations {
      blackHole(regex.evaluate(regexSnapshot))
    }
  }

  // The same four evaluations on the general path alone, side by side with the above.
  let generalPath: [(String, Program, Value)] = [
    ("scalar rule", compiled(scalarRule, usesFastPath: false), scalarSnapshot),
    (
      "four-conjunction billing rule",
      compiled(billingRule, types: billingTypes, usesFastPath: false), billingSnapshot
    ),
    (".every over 100 objects", compiled(everyRule, usesFastPath: false), everySnapshot),
    ("matches(s, '^INV-[0-9]{6}$')", compiled(regexRule, usesFastPath: false), regexSnapshot),
  ]
  for (name, program, snapshot) in generalPath {
    requirePass(program, snapshot)
    Benchmark("evaluate (general path only): \(name)", configuration: fast) { benchmark in
      for _ in benchmark.scaledIterations {
        blackHole(program.evaluate(snapshot))
      }
    }
  }

  // A failing 10,000-term `||` (issue 17): every term decides the failure; the explanation
  // keeps the first 100 values and counts the rest. Evaluation, explanation and rendering.
  let disjunction = compiled(Array(repeating: "a", count: 10_000).joined(separator: " || "))
  let allFalse = Value.object(ObjectValue([("a", .bool(false))]))
  guard case .fail = disjunction.evaluate(allFalse) else {
    fatalError("the 10,000-term disjunction does not fail")
  }
  Benchmark("explain: failing 10,000-term ||, evaluate + explain + render", configuration: slow) {
    benchmark in
    for _ in benchmark.scaledIterations {
      guard case .fail(let explanation) = disjunction.evaluate(allFalse, explain: true) else {
        fatalError("the 10,000-term disjunction does not fail")
      }
      blackHole(ExplanationRenderer().render(explanation, source: disjunction.source))
    }
  }

  var generator = BillingGenerator()
  let megabyte = generator.jsonl(atLeast: 1 << 20)
  let snapshots = JSONLinesReader(bytes: megabyte).compactMap { try? $0.result.get() }
  Benchmark("decode: billing JSONL, 1 MiB per iteration", configuration: slow) { benchmark in
    for _ in benchmark.scaledIterations {
      for line in JSONLinesReader(bytes: megabyte) { blackHole(line) }
    }
  }

  let rules: RuleSet
  do {
    rules = try BenchRuleFiles.billingRuleSet(repositoryRoot: BenchRuleFiles.repositoryRoot())
  } catch {
    fatalError("cannot load the billing rules: \(error)")
  }
  let indexes = rules.ruleIndexes(forSchema: nil)
  Benchmark("check: billing rule set (10 rules), one decoded snapshot", configuration: fast) {
    benchmark in
    var index = 0
    for _ in benchmark.scaledIterations {
      blackHole(rules.check(snapshots[index], ruleIndexes: indexes))
      index = index == snapshots.count - 1 ? 0 : index + 1
    }
  }

  Benchmark("check: decode + billing rule set, 1 MiB JSONL per iteration", configuration: slow) {
    benchmark in
    for _ in benchmark.scaledIterations {
      for line in JSONLinesReader(bytes: megabyte) {
        if case .success(let snapshot) = line.result {
          blackHole(rules.check(snapshot, ruleIndexes: indexes))
        }
      }
    }
  }

  let guardian = ConservationGuard(
    rulesDirectory: BenchRuleFiles.repositoryRoot() + "/Rules", environment: [:])
  guardian.start()
  let passing = snapshots.filter { rules.check($0, ruleIndexes: indexes).allSatisfy(\.passed) }
  guard case .pass = guardian.check(passing[0]) else {
    fatalError("the guard is not ready or rejects a passing snapshot: \(guardian.health())")
  }
  Benchmark("guard: check all seven invariants, one decoded snapshot", configuration: fast) {
    benchmark in
    var index = 0
    for _ in benchmark.scaledIterations {
      blackHole(guardian.check(passing[index]))
      index = index == passing.count - 1 ? 0 : index + 1
    }
  }
}

extension RuleOutcome {
  /// Whether the rule passed (skipped rules count as passing: they were not checked).
  fileprivate var passed: Bool {
    switch self {
    case .evaluated(.pass), .skipped: return true
    case .evaluated: return false
    }
  }
}
