// swift-tools-version:6.1
import PackageDescription

// Benchmarks for ConstraintEngine, kept out of the root package so that its users never
// resolve the benchmark dependencies. Run with `swift package benchmark` in this directory.
let package = Package(
  name: "ConstraintEngineBenchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "ConstraintEngine", path: ".."),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
      traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "EngineBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "ConstraintEngine", package: "ConstraintEngine"),
        .product(name: "ConservationGuard", package: "ConstraintEngine"),
        "BenchSupport",
      ],
      path: "Benchmarks/EngineBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    .target(
      name: "BenchSupport",
      dependencies: [.product(name: "ConstraintEngine", package: "ConstraintEngine")]
    ),
    .executableTarget(name: "e2e-check", dependencies: ["BenchSupport"]),
    .executableTarget(name: "gen-billing", dependencies: ["BenchSupport"]),
    .executableTarget(name: "quick-eval", dependencies: ["BenchSupport"]),
  ]
)
