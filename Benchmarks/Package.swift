// swift-tools-version:6.1
import PackageDescription

// Benchmarks for ConstraintEngine, kept out of the root package so that its users never
// resolve the benchmark dependencies. Run with `swift package benchmark` in this directory.
let package = Package(
  name: "ConstraintEngineBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "ConstraintEngine", path: ".."),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
      traits: ["MallocInterposer"]),
    // The HTTP stack's own limit for server-load.sh: the same Hummingbird as constraint-server.
    .package(
      url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
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
    .executableTarget(
      name: "quick-eval",
      dependencies: [
        "BenchSupport", .product(name: "ConservationGuard", package: "ConstraintEngine"),
      ]
    ),
    .executableTarget(
      name: "hb-constant",
      dependencies: [
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ]
    ),
  ]
)
