// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "ConstraintEngine",
  // Synchronization's Mutex and String(validating:as:) need macOS 15; Linux needs no entry.
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "ConstraintEngine", targets: ["ConstraintEngine"]),
    .library(name: "ConstraintBatch", targets: ["ConstraintBatch"]),
    // Test oracles and fuzz properties (the reference interpreter, FuzzChecks, the expression
    // generator) for Tests/ and Fuzz/; not linked by users of ConstraintEngine.
    .library(name: "ConstraintEngineTestSupport", targets: ["ConstraintEngineTestSupport"]),
    .library(name: "ConservationGuard", targets: ["ConservationGuard"]),
    .library(name: "ConservationGuardService", targets: ["ConservationGuardService"]),
    .library(name: "GuardServer", targets: ["GuardServer"]),
    .executable(name: "constraint", targets: ["constraint"]),
    .executable(name: "constraint-server", targets: ["constraint-server"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
    // 3.x and 4.x: Hummingbird and Vapor users may already be on 4.
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    // The HTTP sidecar only (`constraint-server`); `constraint` and the libraries above do not
    // depend on these. Hummingbird's default traits (swift-configuration support, full
    // Foundation) are not needed.
    .package(
      url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CPCRE2",
      pkgConfig: "libpcre2-8",
      providers: [.apt(["libpcre2-dev"])]
    ),
    .target(
      name: "ConstraintEngine",
      dependencies: [
        "CPCRE2",
        .product(name: "BigInt", package: "BigInt"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // The batch pipeline (sources, parallel ordered checking, report models) that the CLI,
    // the guard server and integrations share.
    .target(
      name: "ConstraintBatch",
      dependencies: ["ConstraintEngine"]
    ),
    .target(
      name: "ConstraintEngineTestSupport",
      dependencies: ["ConstraintEngine", .product(name: "BigInt", package: "BigInt")]
    ),
    .target(
      name: "ConservationGuard",
      dependencies: [
        "ConstraintEngine",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
      ]
    ),
    .target(
      name: "GuardModel",
      dependencies: ["ConservationGuard"]
    ),
    .executableTarget(
      name: "guard-model",
      dependencies: ["GuardModel", "ConservationGuard"]
    ),
    .target(
      name: "ConservationGuardService",
      dependencies: [
        "ConservationGuard",
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .target(
      name: "GuardServer",
      dependencies: [
        "ConstraintEngine",
        "ConstraintBatch",
        "ConservationGuard",
        "ConservationGuardService",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ]
    ),
    .executableTarget(
      name: "constraint-server",
      dependencies: ["GuardServer"]
    ),
    .executableTarget(
      name: "constraint",
      dependencies: [
        "ConstraintEngine",
        "ConstraintBatch",
        "ConservationGuard",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ConstraintEngineTests",
      dependencies: ["ConstraintEngine", "ConstraintEngineTestSupport"]
    ),
    .testTarget(
      name: "ConservationGuardTests",
      dependencies: [
        "ConservationGuard",
        "GuardModel",
        "ConstraintEngine",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ]
    ),
    .testTarget(
      name: "GuardServerTests",
      dependencies: [
        "GuardServer",
        "ConservationGuard",
        "ConservationGuardService",
        "ConstraintEngine",
        "ConstraintBatch",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .testTarget(
      name: "ConstraintBatchTests",
      dependencies: ["ConstraintBatch", "ConstraintEngine"]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: ["ConstraintEngine"],
      exclude: ["Golden"]
    ),
  ]
)
