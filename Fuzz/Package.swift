// swift-tools-version:5.3
// The fuzz harness: one libFuzzer executable per input surface. Tools version 5.3 on purpose:
// a `.target` with `main.swift` links with `-sanitize=fuzzer` (libFuzzer supplies `main`), where
// newer `.executableTarget`s rename the entry point and fail to link. Build with `Fuzz/run.sh`.
import PackageDescription

let fuzzTargets = [
  "FuzzParse", "FuzzEval", "FuzzJSON", "FuzzRegex", "FuzzRuleFile", "FuzzLong",
  "FuzzProjection",
]

let package = Package(
  name: "ConstraintEngineFuzz",
  dependencies: [
    .package(name: "ConstraintEngine", path: ".."),
  ],
  targets: fuzzTargets.map { name in
    .target(
      name: name,
      dependencies: [
        .product(name: "ConstraintEngine", package: "ConstraintEngine"),
        .product(name: "ConstraintEngineTestSupport", package: "ConstraintEngine"),
      ]
    )
  }
)
