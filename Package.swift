// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "ConstraintEngine",
  products: [
    .library(name: "ConstraintEngine", targets: ["ConstraintEngine"]),
    .library(name: "ConservationGuard", targets: ["ConservationGuard"]),
    .executable(name: "constraint", targets: ["constraint"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
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
    .executableTarget(
      name: "constraint",
      dependencies: [
        "ConstraintEngine",
        "ConservationGuard",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ConstraintEngineTests",
      dependencies: ["ConstraintEngine"]
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
      name: "CLITests",
      dependencies: ["ConstraintEngine"],
      exclude: ["Golden"]
    ),
  ]
)
