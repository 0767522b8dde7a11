import BenchSupport
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

func compiled(
  _ source: String, types: [String: String] = [:], usesFastPath: Bool = true
) -> Program {
  var fieldTypes: FieldTypes = [:]
  for (path, declaration) in types {
    fieldTypes[FieldPath(parsing: path)!] = FieldType(declaration: declaration)
  }
  return try! Compiler.compile(
    source, options: CompileOptions(types: fieldTypes, usesFastPath: usesFastPath))
}

func decoded(_ json: String) -> Value { try! JSONReader.read(json) }

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

let billingRule =
  "bigint_gte(limit, spent) && bigint_gte(cost, 0) && bigint_gte(allocation, reserve)"
  + " && bigint_gte(payment, cost)"
let billingTypes = [
  "limit": "bigint", "spent": "bigint", "cost": "bigint", "allocation": "bigint",
  "reserve": "bigint", "payment": "bigint",
]
let billingSnapshot = decoded(
  #"{"limit":"1000000000","spent":"250004200","cost":"4200","allocation":"10000","#
    + #""reserve":"5000","payment":"5000"}"#)
let scalarSnapshot = decoded(#"{"amount":4200,"currency":"USD"}"#)
let everySnapshot: Value = {
  let items = (0..<100).map { #"{"sku":"SKU-\#($0)","quantity":\#($0 + 1),"price":"100"}"# }
  return decoded(#"{"items":["# + items.joined(separator: ",") + "]}")
}()
let regexSnapshot = decoded(#"{"s":"INV-004200"}"#)

/// Each workload with and without the fast path (`-general`: the general path alone).
func workloads(usesFastPath fast: Bool) -> [(String, Program, Value, Int)] {
  let suffix = fast ? "" : "-general"
  return [
    ("scalar" + suffix, compiled("amount > 0 && amount <= 1000000", usesFastPath: fast),
     scalarSnapshot, 1_000_000),
    ("four-conjunction" + suffix, compiled(billingRule, types: billingTypes, usesFastPath: fast),
     billingSnapshot, 1_000_000),
    (
      "every-100" + suffix,
      compiled("items.every(item => item.quantity > 0 && item.sku != '')", usesFastPath: fast),
      everySnapshot, 20_000
    ),
    ("matches" + suffix, compiled("matches(s, '^INV-[0-9]{6}$')", usesFastPath: fast),
     regexSnapshot, 1_000_000),
  ]
}
for (name, program, snapshot, iterations)
  in workloads(usesFastPath: true) + workloads(usesFastPath: false)
where only == nil || only == name {
  precondition(consume(program.evaluate(snapshot)) == 1, "\(name) does not pass")
  measure(name, iterations: iterationsOverride ?? iterations) {
    consume(program.evaluate(snapshot))
  }
}
