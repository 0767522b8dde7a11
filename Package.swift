// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "ConstraintEngine",
  products: [
    .library(name: "ConstraintEngine", targets: ["ConstraintEngine"]),
    .executable(name: "constraint", targets: ["constraint"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
    .executableTarget(
      name: "constraint",
      dependencies: [
        "ConstraintEngine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ConstraintEngineTests",
      dependencies: ["ConstraintEngine"]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: ["ConstraintEngine"],
      exclude: ["Golden"]
    ),
  ]
)
